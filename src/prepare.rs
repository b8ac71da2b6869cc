//! Panel → plain analysis inputs: the variables of one model (scores at a wave, change scores
//! between two waves, baseline covariates) for the participants who have all of them, with
//! every exclusion counted by reason. Nothing here touches Polars.

use serde::{Deserialize, Serialize};

use crate::load::{wave_label, Panel};

/// Why participants were left out of an analysis, and how many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub reason: String,
    pub count: usize,
}

/// One variable of a model, read from the panel.
#[derive(Debug, Clone, PartialEq)]
pub enum Var {
    /// A construct's score at a wave.
    Score { construct: String, wave: u32 },
    /// A construct's change score `to − from`.
    Change {
        construct: String,
        from: u32,
        to: u32,
    },
    /// A baseline covariate.
    Covariate(String),
}

impl Var {
    pub fn score(construct: &str, wave: u32) -> Self {
        Self::Score {
            construct: construct.to_string(),
            wave,
        }
    }
    pub fn change(construct: &str, from: u32, to: u32) -> Self {
        Self::Change {
            construct: construct.to_string(),
            from,
            to,
        }
    }
    /// Column name used in model output: `hrqol_T0`, `d_hrqol` (change), `age`.
    pub fn name(&self) -> String {
        match self {
            Var::Score { construct, wave } => format!("{construct}_{}", wave_label(*wave)),
            Var::Change { construct, .. } => format!("d_{construct}"),
            Var::Covariate(c) => c.clone(),
        }
    }
}

/// Complete cases of a set of variables, in plain vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFrame {
    /// Variable names (see [`Var::name`]), in the order of `columns`.
    pub names: Vec<String>,
    /// `[variable][case]`.
    pub columns: Vec<Vec<f64>>,
    pub ids: Vec<String>,
    /// Baseline participants considered.
    pub n_baseline: usize,
    /// Each participant counts once, under the first reason that applies.
    pub exclusions: Vec<Exclusion>,
}

impl ModelFrame {
    pub fn n(&self) -> usize {
        self.ids.len()
    }
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let i = self.names.iter().position(|n| n == name)?;
        Some(&self.columns[i])
    }
}

/// A variable's values for every baseline participant, or why one is missing.
fn values(panel: &Panel, var: &Var) -> Vec<Result<f64, String>> {
    let absent = |wave: u32| format!("not followed up at {}", wave_label(wave));
    let at = |construct: &str, wave: u32, i: usize| -> Result<f64, String> {
        let c = panel.construct(construct).expect("construct in panel");
        let Some(w) = panel.wave_index(wave) else {
            return Err(format!("no {} file was given", wave_label(wave)));
        };
        if !panel.present[w][i] {
            return Err(absent(wave));
        }
        c.scores[w][i].ok_or_else(|| format!("{construct} missing at {}", wave_label(wave)))
    };
    (0..panel.n())
        .map(|i| match var {
            Var::Score { construct, wave } => at(construct, *wave, i),
            Var::Change {
                construct,
                from,
                to,
            } => {
                // Follow-up presence first, so a dropout counts as lost, not as a missing score.
                let later = at(construct, *to, i);
                let earlier = at(construct, *from, i);
                Ok(later? - earlier?)
            }
            Var::Covariate(name) => {
                let c = panel.covariate(name).expect("covariate in panel");
                c.values[i].ok_or_else(|| format!("covariate {name} missing"))
            }
        })
        .collect()
}

/// Complete cases of `vars` (listwise, as PROCESS), counting each exclusion under the first
/// variable, in the order given, that the participant lacks.
pub fn model_frame(panel: &Panel, vars: &[Var]) -> ModelFrame {
    let all: Vec<Vec<Result<f64, String>>> = vars.iter().map(|v| values(panel, v)).collect();
    let mut exclusions: Vec<Exclusion> = Vec::new();
    let mut columns = vec![Vec::new(); vars.len()];
    let mut ids = Vec::new();
    for i in 0..panel.n() {
        match all.iter().find_map(|col| col[i].as_ref().err()) {
            Some(reason) => match exclusions.iter_mut().find(|e| &e.reason == reason) {
                Some(e) => e.count += 1,
                None => exclusions.push(Exclusion {
                    reason: reason.clone(),
                    count: 1,
                }),
            },
            None => {
                for (out, col) in columns.iter_mut().zip(&all) {
                    out.push(*col[i].as_ref().expect("complete case"));
                }
                ids.push(panel.ids[i].clone());
            }
        }
    }
    ModelFrame {
        names: vars.iter().map(Var::name).collect(),
        columns,
        ids,
        n_baseline: panel.n(),
        exclusions,
    }
}

/// One score per participant; `None` when absent or missing.
pub type Scores = Vec<Option<f64>>;

/// A construct's scores at a wave for the participants present at that wave (`None` = missing).
pub fn present_scores(panel: &Panel, construct: &str, wave: u32) -> Vec<Option<f64>> {
    let (Some(c), Some(w)) = (panel.construct(construct), panel.wave_index(wave)) else {
        return Vec::new();
    };
    c.scores[w]
        .iter()
        .zip(&panel.present[w])
        .filter(|(_, p)| **p)
        .map(|(v, _)| *v)
        .collect()
}

/// Scores at two waves for every baseline participant, aligned (`None` when absent or missing).
pub fn paired_scores(
    panel: &Panel,
    construct: &str,
    from: u32,
    to: u32,
) -> Option<(Scores, Scores)> {
    let c = panel.construct(construct)?;
    let at = |wave: u32| -> Option<Vec<Option<f64>>> {
        let w = panel.wave_index(wave)?;
        Some(
            c.scores[w]
                .iter()
                .zip(&panel.present[w])
                .map(|(v, p)| if *p { *v } else { None })
                .collect(),
        )
    };
    Some((at(from)?, at(to)?))
}

//! The one sample seam: from a data source (the wave panel, or a flat file's columns) and a
//! missing-data strategy to the plain columns of one model, with every participant left out
//! counted under a typed reason. Nothing here touches Polars.
//!
//! Categorical baseline variables (a treatment arm, a site) enter models as indicator
//! (dummy) columns against a reference level; the coding is returned with the sample so every
//! table can print it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::load::{wave_label, Panel};

/// How missing values are handled when a sample is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingStrategy {
    /// Complete cases of the model's variables (listwise deletion, as PROCESS and `lm`).
    Listwise,
    /// Each statistic on the cases that have its own variables (descriptives, pairwise
    /// correlations, paired comparisons).
    Available,
    /// Full-information maximum likelihood: every participant with at least one observed
    /// analysis or auxiliary variable contributes (model frames hold NaN where missing).
    Fiml,
}

impl MissingStrategy {
    /// The assumption under which estimates from this sample are unbiased.
    pub fn assumption(self) -> &'static str {
        match self {
            MissingStrategy::Listwise => {
                "complete cases; unbiased if data are missing completely at random (MCAR)"
            }
            MissingStrategy::Available => {
                "available cases per statistic; unbiased if data are missing completely at random (MCAR)"
            }
            MissingStrategy::Fiml => {
                "full-information maximum likelihood on every participant with an observed analysis or auxiliary variable; unbiased if data are missing at random (MAR) given the observed variables"
            }
        }
    }
}

/// Why a participant (or a row of a flat file) was left out of an analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExclusionReason {
    /// The wave the variable needs was not given as a file.
    NoWaveFile { wave: String },
    /// The participant's id does not appear in that wave's file (dropout).
    NotFollowedUp { wave: String },
    /// Present at the wave, but the construct has no score (too few items answered).
    MissingScore { construct: String, wave: String },
    /// A baseline variable (covariate, arm, site) is missing.
    MissingBaseline { variable: String },
    /// A flat-file column is missing on this row.
    MissingValue { column: String },
}

impl fmt::Display for ExclusionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoWaveFile { wave } => write!(f, "no {wave} file was given"),
            Self::NotFollowedUp { wave } => write!(f, "not followed up at {wave}"),
            Self::MissingScore { construct, wave } => write!(f, "{construct} missing at {wave}"),
            Self::MissingBaseline { variable } => write!(f, "{variable} missing"),
            Self::MissingValue { column } => write!(f, "missing {column}"),
        }
    }
}

impl ExclusionReason {
    /// True for dropout: the participant was not seen at a follow-up wave.
    pub fn is_dropout(&self) -> bool {
        matches!(self, Self::NotFollowedUp { .. })
    }
}

/// Participants left out for one reason, and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    pub reason: ExclusionReason,
    pub count: usize,
}

/// Counts one participant under `reason`, keeping reasons in order of first appearance.
pub fn count_exclusion(exclusions: &mut Vec<Exclusion>, reason: &ExclusionReason) {
    match exclusions.iter_mut().find(|e| &e.reason == reason) {
        Some(e) => e.count += 1,
        None => exclusions.push(Exclusion {
            reason: reason.clone(),
            count: 1,
        }),
    }
}

/// Who an analysis used: the source, the strategy, and everyone left out by reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// "baseline participants of the wave panel" or a flat file's path.
    pub source: String,
    pub missing: MissingStrategy,
    /// Participants (rows) the analysis started from.
    pub n_total: usize,
    /// Participants used.
    pub n: usize,
    /// Each participant counts once, under the first reason that applies.
    pub exclusions: Vec<Exclusion>,
}

impl Sample {
    /// A sample where every statistic uses its available cases (no one excluded up front).
    pub fn available(n_total: usize) -> Self {
        Self {
            source: PANEL_SOURCE.into(),
            missing: MissingStrategy::Available,
            n_total,
            n: n_total,
            exclusions: Vec::new(),
        }
    }

    pub fn n_excluded(&self) -> usize {
        self.exclusions.iter().map(|e| e.count).sum()
    }

    /// "177 of 630 baseline participants analysed; 453 excluded (not followed up at T1: 452; …)".
    pub fn describe(&self) -> String {
        let unit = if self.source == PANEL_SOURCE {
            "baseline participants"
        } else {
            "rows"
        };
        let verb = if self.missing == MissingStrategy::Fiml {
            "contributing (FIML)"
        } else {
            "analysed"
        };
        let mut s = format!("{} of {} {unit} {verb}", self.n, self.n_total);
        if !self.exclusions.is_empty() {
            let reasons: Vec<String> = self
                .exclusions
                .iter()
                .map(|e| format!("{}: {}", e.reason, e.count))
                .collect();
            s.push_str(&format!(
                "; {} excluded ({})",
                self.n_excluded(),
                reasons.join("; ")
            ));
        }
        s
    }
}

/// The source named in samples built from the wave panel.
pub const PANEL_SOURCE: &str = "baseline participants of the wave panel";

/// One variable of a model, read from the panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Var {
    /// A construct's score at a wave.
    Score { construct: String, wave: u32 },
    /// A construct's change score `to − from`.
    Change {
        construct: String,
        from: u32,
        to: u32,
    },
    /// A baseline variable (covariate, treatment arm, site). Categorical ones expand into
    /// one indicator per non-reference level.
    Baseline { name: String },
    /// The indicator of one level of a categorical baseline variable (1 = that level,
    /// 0 = any other level). Used for relative effects of a multicategorical X.
    Level { name: String, level: String },
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
    pub fn baseline(name: &str) -> Self {
        Self::Baseline {
            name: name.to_string(),
        }
    }

    /// Column name used in model output: `hrqol_T0`, `d_hrqol` (change), `age`, `arm[CBT]`.
    pub fn name(&self) -> String {
        match self {
            Var::Score { construct, wave } => format!("{construct}_{}", wave_label(*wave)),
            Var::Change { construct, .. } => format!("d_{construct}"),
            Var::Baseline { name } => name.clone(),
            Var::Level { name, level } => dummy_name(name, level),
        }
    }

    /// The construct or baseline variable this reads.
    pub fn source_name(&self) -> &str {
        match self {
            Var::Score { construct, .. } | Var::Change { construct, .. } => construct,
            Var::Baseline { name } | Var::Level { name, .. } => name,
        }
    }

    /// The waves this variable needs.
    pub fn waves(&self) -> Vec<u32> {
        match self {
            Var::Score { wave, .. } => vec![*wave],
            Var::Change { from, to, .. } => vec![*from, *to],
            Var::Baseline { .. } | Var::Level { .. } => vec![],
        }
    }
}

/// A 0/1 variable with reference 0 is its own indicator: its level codes are its values, so
/// it keeps its name in models and its mean (the share coded 1) means something.
pub fn is_own_indicator<S: AsRef<str>>(levels: &[S]) -> bool {
    levels.iter().map(AsRef::as_ref).eq(["0", "1"])
}

/// `arm[CBT]`: the indicator of level `CBT` of `arm`.
pub fn dummy_name(variable: &str, level: &str) -> String {
    format!("{variable}[{level}]")
}

/// How a categorical variable entered a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    pub variable: String,
    pub reference: String,
    /// `(column, level)`: each indicator column and the level it marks.
    pub dummies: Vec<(String, String)>,
    /// Levels with no participant in this sample: no indicator (it would be all zeros).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub empty_levels: Vec<String>,
}

impl Coding {
    /// "arm: indicator (dummy) coding against the reference level TAU (arm\[CBT\] = 1 for CBT, …)".
    pub fn describe(&self) -> String {
        let d: Vec<String> = self
            .dummies
            .iter()
            .map(|(c, l)| format!("{c} = 1 for {l}"))
            .collect();
        let mut s = format!(
            "{}: indicator (dummy) coding against the reference level {} ({})",
            self.variable,
            self.reference,
            d.join(", ")
        );
        if !self.empty_levels.is_empty() {
            s.push_str(&format!(
                "; no participant in this sample has level {}, so it has no indicator",
                self.empty_levels.join(", ")
            ));
        }
        s
    }
}

/// The columns of one model for the participants it uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFrame {
    /// Column names (see [`Var::name`]), in the order of `columns`.
    pub names: Vec<String>,
    /// `[column][case]`.
    pub columns: Vec<Vec<f64>>,
    /// `[column]`: index of the variable (in the list given) each column comes from; a
    /// categorical variable gives several columns.
    pub var_of: Vec<usize>,
    pub ids: Vec<String>,
    pub sample: Sample,
    pub coding: Vec<Coding>,
}

impl ModelFrame {
    pub fn n(&self) -> usize {
        self.ids.len()
    }
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let i = self.names.iter().position(|n| n == name)?;
        Some(&self.columns[i])
    }
    /// The columns that variable `v` became.
    pub fn columns_of(&self, v: usize) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&c| self.var_of[c] == v)
            .collect()
    }
}

/// A variable's values for every baseline participant, or why one is missing.
fn values(panel: &Panel, var: &Var) -> Vec<Result<f64, ExclusionReason>> {
    let at = |construct: &str, wave: u32, i: usize| -> Result<f64, ExclusionReason> {
        let label = wave_label(wave);
        let Some(w) = panel.wave_index(wave) else {
            return Err(ExclusionReason::NoWaveFile { wave: label });
        };
        if !panel.present[w][i] {
            return Err(ExclusionReason::NotFollowedUp { wave: label });
        }
        let c = panel.construct(construct);
        c.and_then(|c| c.scores[w][i])
            .ok_or(ExclusionReason::MissingScore {
                construct: construct.to_string(),
                wave: label,
            })
    };
    let baseline = |name: &str, i: usize| -> Result<f64, ExclusionReason> {
        panel
            .covariate(name)
            .and_then(|c| c.values[i])
            .ok_or_else(|| ExclusionReason::MissingBaseline {
                variable: name.to_string(),
            })
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
            Var::Baseline { name } => baseline(name, i),
            Var::Level { name, level } => {
                let index = panel
                    .covariate(name)
                    .and_then(|c| c.levels.iter().position(|l| l == level));
                baseline(name, i).map(|code| f64::from(Some(code as usize) == index))
            }
        })
        .collect()
}

/// A variable for every baseline participant, `None` where it is missing (for statistics on
/// available cases). Categorical variables give their level codes.
pub fn variable(panel: &Panel, var: &Var) -> Vec<Option<f64>> {
    values(panel, var).into_iter().map(Result::ok).collect()
}

/// The participants `strategy` keeps for `vars`, as plain columns. Only listwise deletion
/// builds model frames today; each exclusion is counted under the first variable, in the
/// order given, that the participant lacks.
pub fn model_frame(panel: &Panel, vars: &[Var], strategy: MissingStrategy) -> ModelFrame {
    let all: Vec<Vec<Result<f64, ExclusionReason>>> =
        vars.iter().map(|v| values(panel, v)).collect();
    let ids = panel.ids.clone();
    let mut frame = complete_cases(&all, &ids, PANEL_SOURCE, strategy);
    expand_categorical(panel, vars, &mut frame);
    frame
}

/// The participants who contribute to a FIML fit of `vars` (the model's variables, then its
/// auxiliaries): everyone with at least one of them observed. Missing values are NaN in the
/// frame's columns (categorical indicators included); a participant with none observed
/// carries no information and is counted under the first variable's reason.
pub fn fiml_frame(panel: &Panel, vars: &[Var]) -> ModelFrame {
    let all: Vec<Vec<Result<f64, ExclusionReason>>> =
        vars.iter().map(|v| values(panel, v)).collect();
    let mut exclusions: Vec<Exclusion> = Vec::new();
    let mut columns = vec![Vec::new(); all.len()];
    let mut kept = Vec::new();
    for (i, id) in panel.ids.iter().enumerate() {
        if all.iter().all(|col| col[i].is_err()) {
            if let Some(Err(reason)) = all.first().map(|col| &col[i]) {
                count_exclusion(&mut exclusions, reason);
            }
            continue;
        }
        for (out, col) in columns.iter_mut().zip(&all) {
            out.push(col[i].as_ref().copied().unwrap_or(f64::NAN));
        }
        kept.push(id.clone());
    }
    let mut frame = ModelFrame {
        names: vec![String::new(); all.len()],
        var_of: (0..all.len()).collect(),
        columns,
        sample: Sample {
            source: PANEL_SOURCE.to_string(),
            missing: MissingStrategy::Fiml,
            n_total: panel.ids.len(),
            n: kept.len(),
            exclusions,
        },
        ids: kept,
        coding: Vec::new(),
    };
    expand_categorical(panel, vars, &mut frame);
    frame
}

/// Complete cases of columns that may hold a reason instead of a value (shared by the
/// panel and flat files).
fn complete_cases(
    all: &[Vec<Result<f64, ExclusionReason>>],
    ids: &[String],
    source: &str,
    missing: MissingStrategy,
) -> ModelFrame {
    let mut exclusions: Vec<Exclusion> = Vec::new();
    let mut columns = vec![Vec::new(); all.len()];
    let mut kept = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match all.iter().find_map(|col| col[i].as_ref().err()) {
            Some(reason) => count_exclusion(&mut exclusions, reason),
            None => {
                for (out, col) in columns.iter_mut().zip(all) {
                    if let Ok(v) = col[i] {
                        out.push(v);
                    }
                }
                kept.push(id.clone());
            }
        }
    }
    ModelFrame {
        names: vec![String::new(); all.len()],
        var_of: (0..all.len()).collect(),
        columns,
        sample: Sample {
            source: source.to_string(),
            missing,
            n_total: ids.len(),
            n: kept.len(),
            exclusions,
        },
        ids: kept,
        coding: Vec::new(),
    }
}

/// Names the frame's columns and replaces each categorical baseline variable's level codes
/// by one indicator column per non-reference level (the reference is the first level).
fn expand_categorical(panel: &Panel, vars: &[Var], frame: &mut ModelFrame) {
    let codes = std::mem::take(&mut frame.columns);
    frame.names.clear();
    frame.var_of.clear();
    for (v, (var, col)) in vars.iter().zip(codes).enumerate() {
        let levels = match var {
            Var::Baseline { name } => panel
                .covariate(name)
                .filter(|c| c.levels.len() > 1)
                .map(|c| c.levels.clone()),
            _ => None,
        };
        // A 0/1 variable with reference 0 is its own indicator: it keeps its name.
        let own_indicator = levels.as_deref().is_some_and(is_own_indicator);
        let Some(levels) = levels.filter(|_| !own_indicator) else {
            frame.names.push(var.name());
            frame.columns.push(col);
            frame.var_of.push(v);
            continue;
        };
        let name = var.source_name();
        // Levels nobody in this sample has get no indicator (it would be all zeros); if the
        // reference is among them, the first level present becomes the reference.
        // NaN (missing, in FIML frames) is no level and stays missing in every indicator.
        let present: Vec<usize> = (0..levels.len())
            .filter(|&code| col.iter().any(|x| !x.is_nan() && *x as usize == code))
            .collect();
        let empty_levels = (0..levels.len())
            .filter(|code| !present.contains(code))
            .map(|code| levels[code].clone())
            .collect();
        let reference = present.first().copied().unwrap_or(0);
        let mut dummies = Vec::new();
        for &code in present.iter().skip(1) {
            let level = &levels[code];
            let column = dummy_name(name, level);
            frame
                .columns
                .push(col.iter().map(|x| indicator(*x, code)).collect());
            frame.names.push(column.clone());
            frame.var_of.push(v);
            dummies.push((column, level.clone()));
        }
        frame.coding.push(Coding {
            variable: name.to_string(),
            reference: levels[reference].clone(),
            dummies,
            empty_levels,
        });
    }
}

/// 1 for level `code`, 0 for another level, NaN for a missing value.
fn indicator(x: f64, code: usize) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else {
        f64::from(x as usize == code)
    }
}

/// Complete cases of a flat file's columns (listwise, as PROCESS): `columns[c][row]`, `None`
/// = missing. Rows are named by their 1-based data row.
pub fn flat_frame(names: &[&str], columns: &[Vec<Option<f64>>], source: &str) -> ModelFrame {
    let rows = columns.first().map_or(0, Vec::len);
    let all: Vec<Vec<Result<f64, ExclusionReason>>> = names
        .iter()
        .zip(columns)
        .map(|(name, col)| {
            col.iter()
                .map(|v| {
                    v.ok_or_else(|| ExclusionReason::MissingValue {
                        column: name.to_string(),
                    })
                })
                .collect()
        })
        .collect();
    let ids: Vec<String> = (1..=rows).map(|r| r.to_string()).collect();
    let mut frame = complete_cases(&all, &ids, source, MissingStrategy::Listwise);
    frame.names = names.iter().map(|s| s.to_string()).collect();
    frame
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

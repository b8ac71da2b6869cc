//! Panel → plain analysis inputs: change scores between two waves, with every exclusion
//! counted by reason. Nothing here touches Polars.

use serde::{Deserialize, Serialize};

use crate::load::{wave_label, Panel};

/// Why participants were left out of an analysis, and how many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub reason: String,
    pub count: usize,
}

/// Complete cases for a model on change scores (to − from), in plain vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeData {
    pub from_wave: String,
    pub to_wave: String,
    /// Construct names, in the order of `values`.
    pub names: Vec<String>,
    /// `[variable][case]`: change scores of each construct.
    pub values: Vec<Vec<f64>>,
    /// Covariate names and `[covariate][case]` baseline values.
    pub covariate_names: Vec<String>,
    pub covariates: Vec<Vec<f64>>,
    pub ids: Vec<String>,
    /// Baseline participants considered.
    pub n_baseline: usize,
    /// Each participant counts once, under the first reason that applies.
    pub exclusions: Vec<Exclusion>,
}

impl ChangeData {
    pub fn n(&self) -> usize {
        self.ids.len()
    }
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        let i = self.names.iter().position(|n| n == name)?;
        Some(&self.values[i])
    }
}

/// Change scores `to − from` of `constructs` for the participants present at both waves
/// with every score and covariate observed (listwise, as PROCESS; exclusions counted).
pub fn change_data(
    panel: &Panel,
    constructs: &[&str],
    covariates: &[&str],
    from: u32,
    to: u32,
) -> ChangeData {
    let (wf, wt) = (panel.wave_index(from), panel.wave_index(to));
    let mut reasons: Vec<Exclusion> = Vec::new();
    let mut count = |reason: String| match reasons.iter_mut().find(|e| e.reason == reason) {
        Some(e) => e.count += 1,
        None => reasons.push(Exclusion { reason, count: 1 }),
    };
    let series: Vec<_> = constructs
        .iter()
        .map(|c| panel.construct(c).expect("construct in panel"))
        .collect();
    let covs: Vec<_> = covariates
        .iter()
        .map(|c| panel.covariate(c).expect("covariate in panel"))
        .collect();
    let mut out = ChangeData {
        from_wave: wave_label(from),
        to_wave: wave_label(to),
        names: constructs.iter().map(|s| s.to_string()).collect(),
        values: vec![Vec::new(); constructs.len()],
        covariate_names: covariates.iter().map(|s| s.to_string()).collect(),
        covariates: vec![Vec::new(); covariates.len()],
        ids: Vec::new(),
        n_baseline: panel.n(),
        exclusions: Vec::new(),
    };
    let (Some(wf), Some(wt)) = (wf, wt) else {
        let missing = if wf.is_none() { from } else { to };
        out.exclusions.push(Exclusion {
            reason: format!("no {} file was given", wave_label(missing)),
            count: panel.n(),
        });
        return out;
    };
    'people: for i in 0..panel.n() {
        if !panel.present[wt][i] {
            count(format!("not followed up at {}", wave_label(to)));
            continue;
        }
        let mut row = Vec::with_capacity(series.len());
        for s in &series {
            match (s.scores[wf][i], s.scores[wt][i]) {
                (Some(a), Some(b)) => row.push(b - a),
                (None, _) => {
                    count(format!("{} missing at {}", s.name, wave_label(from)));
                    continue 'people;
                }
                (_, None) => {
                    count(format!("{} missing at {}", s.name, wave_label(to)));
                    continue 'people;
                }
            }
        }
        let mut cov_row = Vec::with_capacity(covs.len());
        for c in &covs {
            match c.values[i] {
                Some(v) => cov_row.push(v),
                None => {
                    count(format!("covariate {} missing", c.name));
                    continue 'people;
                }
            }
        }
        for (col, v) in out.values.iter_mut().zip(row) {
            col.push(v);
        }
        for (col, v) in out.covariates.iter_mut().zip(cov_row) {
            col.push(v);
        }
        out.ids.push(panel.ids[i].clone());
    }
    out.exclusions = reasons;
    out
}

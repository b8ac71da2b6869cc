//! Change across waves by a mixed model: for each construct, every wave and every baseline
//! participant with a score at any wave (MMRM: time as a factor, unstructured covariance,
//! REML, Kenward–Roger df), with group × time when the spec names a categorical arm. Valid
//! under MAR; the paired completer tests stay beside it.

use serde::{Deserialize, Serialize};

use super::plan::MixedJob;
use super::{Context, Entry, Output, Planned};
use crate::load::wave_label;
use crate::prepare::Sample;
use crate::stats::dist;
use crate::stats::mmrm::{Covariance, DfMethod, MixedData, MixedResult, MixedSpec, Subject};

/// The missing-data assumption of every model here.
pub const ASSUMPTION: &str = "all participants with a score at any wave (likelihood-based; unbiased if data are missing at random, MAR)";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedModelOutput {
    pub assumption: String,
    pub models: Vec<ConstructModel>,
    /// Constructs whose model could not be fitted, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstructModel {
    pub construct: String,
    pub label: String,
    /// Mean of those present at each wave (per group), for comparison with the model means.
    pub observed: Vec<ObservedMean>,
    /// Participants left out for a missing group value.
    pub no_group: usize,
    pub fit: MixedResult,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedMean {
    pub wave: String,
    pub group: Option<String>,
    pub n: usize,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

pub fn run(p: &Planned, job: &MixedJob, cx: &Context<'_>) -> Entry {
    let panel = cx.panel;
    let spec = MixedSpec {
        covariance: Covariance::Unstructured,
        df: DfMethod::KenwardRoger,
        level: cx.settings.level,
        ..MixedSpec::default()
    };
    let group = job.group.as_deref().and_then(|g| panel.covariate(g));
    let mut models = Vec::new();
    let mut notes = Vec::new();
    for c in panel
        .constructs
        .iter()
        .filter(|c| job.constructs.contains(&c.name))
    {
        let mut subjects = Vec::new();
        let mut no_group = 0;
        for i in 0..panel.n() {
            let obs: Vec<(usize, f64)> = (0..panel.waves.len())
                .filter_map(|w| c.scores[w][i].map(|y| (w, y)))
                .collect();
            if obs.is_empty() {
                continue;
            }
            let g = match group {
                Some(cov) => match cov.values[i] {
                    Some(k) => k as usize,
                    None => {
                        no_group += 1;
                        continue;
                    }
                },
                None => 0,
            };
            subjects.push(Subject {
                group: g,
                covariates: Vec::new(),
                obs,
            });
        }
        let data = MixedData {
            outcome: c.name.clone(),
            waves: panel.waves.iter().map(|w| wave_label(*w)).collect(),
            group: group.map(|g| (g.name.clone(), g.levels.clone())),
            covariates: Vec::new(),
            subjects,
        };
        match spec.fit(&data) {
            Ok(fit) => models.push(ConstructModel {
                construct: c.name.clone(),
                label: c.label.clone(),
                observed: observed_means(&data, cx.settings.level),
                no_group,
                fit,
            }),
            Err(e) => notes.push(format!("mixed model of {}: not fitted ({e})", c.name)),
        }
    }
    Entry::done(
        p,
        Some(Sample::available(panel.n())),
        Output::MixedModel(MixedModelOutput {
            assumption: ASSUMPTION.into(),
            models,
            notes,
        }),
    )
}

/// Mean and t interval of the scores present at each wave (per group).
fn observed_means(data: &MixedData, level: f64) -> Vec<ObservedMean> {
    let levels: Vec<Option<String>> = match &data.group {
        Some((_, l)) => l.iter().cloned().map(Some).collect(),
        None => vec![None],
    };
    let mut out = Vec::new();
    for (g, level_name) in levels.iter().enumerate() {
        for (w, wave) in data.waves.iter().enumerate() {
            let ys: Vec<f64> = data
                .subjects
                .iter()
                .filter(|s| s.group == g)
                .filter_map(|s| s.obs.iter().find(|o| o.0 == w).map(|o| o.1))
                .collect();
            let n = ys.len();
            let mean = ys.iter().sum::<f64>() / n as f64;
            let half = if n > 1 {
                let var = ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
                dist::t_quantile(0.5 + level / 2.0, (n - 1) as f64) * (var / n as f64).sqrt()
            } else {
                f64::NAN
            };
            out.push(ObservedMean {
                wave: wave.clone(),
                group: level_name.clone(),
                n,
                mean,
                ci_low: mean - half,
                ci_high: mean + half,
            });
        }
    }
    out
}

/// The treatment arm for group × time: the first categorical baseline variable (with at least
/// two levels) that the spec uses as a predictor x, in `[model]` or an `[[analysis]]`.
pub fn arm(spec: &crate::spec::StudySpec, panel: &crate::load::Panel) -> Option<String> {
    let mut xs: Vec<String> = spec.model.iter().map(|m| m.x().to_string()).collect();
    for a in &spec.analyses {
        if let Some(x) = &a.x {
            xs.extend(x.get_ref().names().into_iter().map(str::to_string));
        }
    }
    xs.into_iter().find(|x| {
        panel
            .covariate(x)
            .is_some_and(|c| c.categorical && c.levels.len() > 1)
    })
}

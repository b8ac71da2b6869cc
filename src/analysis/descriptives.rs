//! Descriptives: every construct at every wave (over the participants present at that wave)
//! and every baseline variable.

use serde::{Deserialize, Serialize};

use super::{Context, Entry, Output, Planned};
use crate::load::wave_label;
use crate::prepare::{present_scores, Sample};
use crate::stats::descriptives::{summarise, Summary};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptives {
    /// Level of the confidence intervals drawn around the means (the run's `--level`).
    pub level: f64,
    /// Per construct and wave, over the baseline participants present at that wave.
    pub constructs: Vec<ConstructDescriptives>,
    /// Baseline variables (covariates, arms, sites).
    pub covariates: Vec<CovariateDescriptives>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstructDescriptives {
    pub construct: String,
    pub label: String,
    pub wave: String,
    #[serde(flatten)]
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CovariateDescriptives {
    pub covariate: String,
    pub label: String,
    #[serde(flatten)]
    pub summary: Summary,
    /// Categorical variables: each level and how many participants have it (reference first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<LevelCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelCount {
    pub level: String,
    pub n: usize,
}

pub fn run(p: &Planned, cx: &Context<'_>) -> Entry {
    let panel = cx.panel;
    let mut constructs = Vec::new();
    for c in &panel.constructs {
        for wave in &panel.waves {
            constructs.push(ConstructDescriptives {
                construct: c.name.clone(),
                label: c.label.clone(),
                wave: wave_label(*wave),
                summary: summarise(&present_scores(panel, &c.name, *wave)),
            });
        }
    }
    let covariates = panel
        .covariates
        .iter()
        .map(|c| CovariateDescriptives {
            covariate: c.name.clone(),
            label: c.label.clone(),
            summary: summarise(&c.values),
            levels: level_counts(&c.levels, &c.values),
        })
        .collect();
    Entry::done(
        p,
        Some(Sample::available(panel.n())),
        Output::Descriptives(Descriptives {
            level: cx.settings.level,
            constructs,
            covariates,
        }),
    )
}

/// Counts of each level; empty for numeric variables and for the default 0/1 codes.
fn level_counts(levels: &[String], codes: &[Option<f64>]) -> Vec<LevelCount> {
    if levels.is_empty() {
        return Vec::new();
    }
    levels
        .iter()
        .enumerate()
        .map(|(i, level)| LevelCount {
            level: level.clone(),
            n: codes.iter().filter(|c| **c == Some(i as f64)).count(),
        })
        .collect()
}

//! Serial mediation (Hayes' PROCESS Model 6): X → M1 → … → Mk → Y with covariates.
//!
//! (Spec types only so far; the estimator lands with issue 4.)

use serde::{Deserialize, Serialize};

use super::ols::HcType;

/// Bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CiMethod {
    Percentile,
    Bc,
    Bca,
}

/// How to bootstrap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootSpec {
    pub samples: usize,
    pub seed: u64,
    pub ci: CiMethod,
    /// Confidence level in (0, 1).
    pub level: f64,
}

/// What to fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationSpec {
    pub x: String,
    pub mediators: Vec<String>,
    pub y: String,
    pub covariates: Vec<String>,
    pub hc: Option<HcType>,
    pub contrasts: bool,
    pub standardize: bool,
    pub boot: BootSpec,
}

//! `results.json`: everything an analysis found, as one versioned, plain-data document.
//! `spcure report` regenerates every table and figure from it alone. The schema is
//! documented in docs/RESULTS.md; bump `SCHEMA_VERSION` on any change of meaning.

use serde::{Deserialize, Serialize};

use crate::evaluation::Evaluation;
use crate::load::LoadSummary;
use crate::prepare::Exclusion;
use crate::stats::descriptives::Summary;
use crate::stats::mediation::MediationResult;

/// Version of the results.json layout (semantic versioning).
pub const SCHEMA_VERSION: &str = "1.0.0";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisResults {
    pub schema_version: String,
    pub spcure_version: String,
    pub study: String,
    /// Where the spec came from, and its full text, so the run can be repeated.
    pub spec_source: String,
    pub spec_toml: String,
    pub load: LoadSummary,
    /// Per construct and wave, over the baseline participants present at that wave.
    pub descriptives: Vec<ConstructDescriptives>,
    /// Baseline covariates.
    pub covariates: Vec<CovariateDescriptives>,
    /// Reliability, correlations, attrition, change across waves, change-score regressions.
    pub evaluation: Evaluation,
    /// Change scores used by the mediation model and who was excluded.
    pub model_sample: ModelSample,
    /// The serial mediation on change scores; `None` when it could not be fitted (see `notes`).
    pub mediation: Option<MediationResult>,
    /// Analyses that could not be run, and why.
    pub notes: Vec<String>,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSample {
    pub from_wave: String,
    pub to_wave: String,
    pub n_baseline: usize,
    pub n: usize,
    pub exclusions: Vec<Exclusion>,
}

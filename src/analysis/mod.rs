//! The analysis stage: a planned list of analyses ([`plan()`]), each run on the panel into an
//! [`Entry`] of a known [`Kind`]: its id, title, the sample it used, and either its output or
//! the reason it could not run.
//!
//! Adding a kind means one runner file here, one [`Output`] arm and one report section
//! (`report/build/`); the compiler lists every `match` that must learn it.

pub mod attrition;
pub mod change;
pub mod correlations;
pub mod count_change;
pub mod descriptives;
pub mod mediation;
pub mod mixed;
pub mod plan;
pub mod regression;
pub mod reliability;

use serde::{Deserialize, Serialize};

use crate::load::Panel;
use crate::prepare::Sample;
use crate::spec::StudySpec;
use crate::stats::mediation::BootSpec;
use crate::stats::ols::OlsSpec;

pub use plan::{plan, Job, Planned};

/// The kinds of output an analysis can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Descriptives,
    Reliability,
    Correlations,
    Attrition,
    Change,
    MixedModel,
    Regression,
    SerialMediation,
    CountChange,
}

impl Kind {
    /// The spec's name for the kind (`kind = "..."` in `[[analysis]]`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Descriptives => "descriptives",
            Kind::Reliability => "reliability",
            Kind::Correlations => "correlations",
            Kind::Attrition => "attrition",
            Kind::Change => "change",
            Kind::MixedModel => "mixed_model",
            Kind::Regression => "regression",
            Kind::SerialMediation => "serial_mediation",
            Kind::CountChange => "count_change",
        }
    }

    pub const ALL: [Kind; 9] = [
        Kind::Descriptives,
        Kind::Reliability,
        Kind::Correlations,
        Kind::Attrition,
        Kind::Change,
        Kind::MixedModel,
        Kind::Regression,
        Kind::SerialMediation,
        Kind::CountChange,
    ];

    /// True for models whose failure makes `analyse` exit 1 (after writing everything else).
    pub fn is_model(self) -> bool {
        matches!(
            self,
            Kind::Regression | Kind::SerialMediation | Kind::CountChange
        )
    }
}

/// What an analysis found, by kind.
// Built once per analysis and never moved in a hot loop: boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Output {
    Descriptives(descriptives::Descriptives),
    Reliability(reliability::ReliabilityOutput),
    Correlations(correlations::Correlations),
    Attrition(attrition::Attrition),
    Change(change::ChangeOutput),
    MixedModel(mixed::MixedModelOutput),
    Regression(regression::RegressionOutput),
    SerialMediation(mediation::MediationOutput),
    CountChange(count_change::CountChangeOutput),
    /// A serial mediation by FIML (kind `serial_mediation`, `result.missing` = "fiml").
    FimlMediation(mediation::FimlMediationOutput),
}

impl Output {
    pub fn kind(&self) -> Kind {
        match self {
            Output::Descriptives(_) => Kind::Descriptives,
            Output::Reliability(_) => Kind::Reliability,
            Output::Correlations(_) => Kind::Correlations,
            Output::Attrition(_) => Kind::Attrition,
            Output::Change(_) => Kind::Change,
            Output::MixedModel(_) => Kind::MixedModel,
            Output::Regression(_) => Kind::Regression,
            Output::SerialMediation(_) | Output::FimlMediation(_) => Kind::SerialMediation,
            Output::CountChange(_) => Kind::CountChange,
        }
    }

    /// Reads an output of `kind` from JSON (the entry's `kind` says which shape to expect).
    fn from_json(kind: Kind, value: serde_json::Value) -> serde_json::Result<Self> {
        use serde_json::from_value as v;
        Ok(match kind {
            Kind::Descriptives => Output::Descriptives(v(value)?),
            Kind::Reliability => Output::Reliability(v(value)?),
            Kind::Correlations => Output::Correlations(v(value)?),
            Kind::Attrition => Output::Attrition(v(value)?),
            Kind::Change => Output::Change(v(value)?),
            Kind::MixedModel => Output::MixedModel(v(value)?),
            Kind::Regression => Output::Regression(v(value)?),
            Kind::SerialMediation if value.pointer("/result/missing") == Some(&"fiml".into()) => {
                Output::FimlMediation(v(value)?)
            }
            Kind::SerialMediation => Output::SerialMediation(v(value)?),
            Kind::CountChange => Output::CountChange(v(value)?),
        })
    }
}

/// One analysis in `results.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawEntry")]
pub struct Entry {
    /// Unique within a results file, e.g. `change_T0_T1`; `spcure check` addresses by it.
    pub id: String,
    pub kind: Kind,
    pub title: String,
    /// Who was analysed; `None` when the analysis could not start.
    pub sample: Option<Sample>,
    /// What it found; `None` exactly when `not_run` says why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Output>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
}

/// An entry as read from JSON, before its output is read by kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    kind: Kind,
    title: String,
    sample: Option<Sample>,
    #[serde(default)]
    output: Option<serde_json::Value>,
    #[serde(default)]
    not_run: Option<String>,
}

impl TryFrom<RawEntry> for Entry {
    type Error = String;

    fn try_from(raw: RawEntry) -> Result<Self, String> {
        let output = match (raw.output, &raw.not_run) {
            (Some(value), None) => Some(Output::from_json(raw.kind, value).map_err(|e| {
                format!(
                    "entry '{}' ({}): output does not match its kind: {e}",
                    raw.id,
                    raw.kind.name()
                )
            })?),
            (None, Some(_)) => None,
            (Some(_), Some(_)) => {
                return Err(format!(
                    "entry '{}' has both an output and a not_run reason",
                    raw.id
                ))
            }
            (None, None) => {
                return Err(format!(
                    "entry '{}' has neither an output nor a not_run reason",
                    raw.id
                ))
            }
        };
        Ok(Entry {
            id: raw.id,
            kind: raw.kind,
            title: raw.title,
            sample: raw.sample,
            output,
            not_run: raw.not_run,
        })
    }
}

impl Entry {
    fn done(p: &Planned, sample: Option<Sample>, output: Output) -> Self {
        debug_assert_eq!(output.kind(), p.job.kind());
        Self {
            id: p.id.clone(),
            kind: p.job.kind(),
            title: p.title.clone(),
            sample,
            output: Some(output),
            not_run: None,
        }
    }

    fn not_run(p: &Planned, sample: Option<Sample>, reason: String) -> Self {
        Self {
            id: p.id.clone(),
            kind: p.job.kind(),
            title: p.title.clone(),
            sample,
            output: None,
            not_run: Some(reason),
        }
    }
}

/// Settings shared by every analysis of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Confidence level in (0, 1).
    pub level: f64,
    pub ols: OlsSpec,
    pub boot: BootSpec,
    /// True when no seed was given and one was drawn at random (said in the methods).
    pub seed_drawn: bool,
}

/// Everything a runner may read.
pub struct Context<'a> {
    pub panel: &'a Panel,
    pub spec: &'a StudySpec,
    pub settings: &'a Settings,
}

/// Runs every planned analysis, in order.
pub fn run(plan: &[Planned], cx: &Context<'_>) -> Vec<Entry> {
    plan.iter().map(|p| run_one(p, cx)).collect()
}

fn run_one(p: &Planned, cx: &Context<'_>) -> Entry {
    match &p.job {
        Job::Descriptives => descriptives::run(p, cx),
        Job::Reliability => reliability::run(p, cx),
        Job::Correlations(job) => correlations::run(p, job, cx),
        Job::Attrition(job) => attrition::run(p, job, cx),
        Job::Change(job) => change::run(p, job, cx),
        Job::MixedModel(job) => mixed::run(p, job, cx),
        Job::Regression(job) => regression::run(p, job, cx),
        Job::SerialMediation(job) => mediation::run(p, job, cx),
        Job::CountChange(job) => count_change::run(p, job, cx),
    }
}

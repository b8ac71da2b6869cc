//! One OLS regression on the panel, on the complete cases of its variables.

use serde::{Deserialize, Serialize};

use super::plan::RegressionJob;
use super::{Context, Entry, Output, Planned};
use crate::prepare::{model_frame, Coding, MissingStrategy, ModelFrame, Var};
use crate::stats::ols::OlsResult;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionOutput {
    /// The model as a formula, e.g. `d_hrqol ~ d_groups + age + gender`
    /// (`d_` marks a change score, `_T0` a score at a wave, `arm[CBT]` an indicator).
    pub formula: String,
    pub fit: OlsResult,
    /// How each categorical predictor was coded.
    #[serde(default)]
    pub coding: Vec<Coding>,
}

pub fn run(p: &Planned, job: &RegressionJob, cx: &Context<'_>) -> Entry {
    let mut vars = vec![job.y.clone()];
    vars.extend(job.x.iter().cloned());
    let frame = model_frame(cx.panel, &vars, MissingStrategy::Listwise);
    let formula = formula(&frame);
    match fit(&frame, cx) {
        Ok(fit) => Entry::done(
            p,
            Some(frame.sample),
            Output::Regression(RegressionOutput {
                formula,
                fit,
                coding: frame.coding,
            }),
        ),
        Err(err) => Entry::not_run(p, Some(frame.sample), format!("not fitted ({err})")),
    }
}

fn formula(frame: &ModelFrame) -> String {
    format!("{} ~ {}", frame.names[0], frame.names[1..].join(" + "))
}

fn fit(frame: &ModelFrame, cx: &Context<'_>) -> Result<OlsResult, crate::stats::StatsError> {
    let predictors: Vec<&[f64]> = frame.columns[1..].iter().map(Vec::as_slice).collect();
    let names: Vec<&str> = frame.names[1..].iter().map(String::as_str).collect();
    cx.settings
        .ols
        .fit(&frame.names[0], &frame.columns[0], &predictors, &names)
}

/// The variables of a regression, for the report: the outcome, then the predictors.
pub fn variables(job: &RegressionJob) -> Vec<Var> {
    std::iter::once(job.y.clone())
        .chain(job.x.iter().cloned())
        .collect()
}

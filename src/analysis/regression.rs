//! One OLS regression on the panel, on the complete cases of its variables.

use serde::{Deserialize, Serialize};

use super::plan::RegressionJob;
use super::{Context, Entry, Output, Planned};
use crate::load::list_capped;
use crate::prepare::{model_frame, Coding, MissingStrategy, ModelFrame, Var};
use crate::stats::cluster::{self, ClusterSpec, ClusterVcov, Clusters};
use crate::stats::ols::OlsResult;
use crate::stats::StatsError;

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

fn fit(frame: &ModelFrame, cx: &Context<'_>) -> Result<OlsResult, StatsError> {
    let predictors: Vec<&[f64]> = frame.columns[1..].iter().map(Vec::as_slice).collect();
    let names: Vec<&str> = frame.names[1..].iter().map(String::as_str).collect();
    let (y_name, y) = (&frame.names[0], &frame.columns[0]);
    match cluster_spec(frame, cx)? {
        Some(spec) => cluster::fit(&cx.settings.ols, &spec, y_name, y, &predictors, &names),
        None => cx.settings.ols.fit(y_name, y, &predictors, &names),
    }
}

/// With the spec's `study.cluster`, the cluster of every participant in `frame`, for CR2
/// standard errors with Satterthwaite df (and, in a mediation, the cluster bootstrap). A
/// participant of the model without a cluster value stops the model, naming them.
pub(crate) fn cluster_spec(
    frame: &ModelFrame,
    cx: &Context<'_>,
) -> Result<Option<ClusterSpec>, StatsError> {
    let Some(name) = &cx.spec.study.cluster else {
        return Ok(None);
    };
    let name = name.get_ref();
    let cov = cx.panel.covariate(name).ok_or_else(|| {
        StatsError::Invalid(format!("the cluster variable '{name}' was not loaded"))
    })?;
    let index: std::collections::HashMap<&str, usize> = cx
        .panel
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut labels = Vec::with_capacity(frame.n());
    let mut missing = Vec::new();
    for id in &frame.ids {
        let label = index.get(id.as_str()).and_then(|&i| {
            if cov.categorical {
                cov.level(i).map(str::to_string)
            } else {
                cov.values[i].map(|v| v.to_string())
            }
        });
        match label {
            Some(l) => labels.push(l),
            None => missing.push(id.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(StatsError::Invalid(format!(
            "{} participant(s) have no value of the cluster variable '{name}' (ids {}); \
             every participant in a clustered model needs one",
            missing.len(),
            list_capped(&missing)
        )));
    }
    Ok(Some(ClusterSpec {
        variable: name.to_string(),
        clusters: Clusters::new(&labels)?,
        vcov: ClusterVcov::Cr2,
    }))
}

/// The variables of a regression, for the report: the outcome, then the predictors.
pub fn variables(job: &RegressionJob) -> Vec<Var> {
    std::iter::once(job.y.clone())
        .chain(job.x.iter().cloned())
        .collect()
}

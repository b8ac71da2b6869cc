//! The serial mediation (PROCESS Model 6) on the complete cases of its variables: X, the
//! mediators in causal order, Y and covariates, each a score, a change score or a baseline
//! variable.

use serde::{Deserialize, Serialize};

use super::plan::MediationJob;
use super::{Context, Entry, Output, Planned};
use crate::load::wave_label;
use crate::prepare::{fiml_frame, model_frame, Coding, MissingStrategy, ModelFrame, Var};
use crate::stats::em::EmSpec;
use crate::stats::fiml::{FimlMediationResult, FimlMediationSpec};
use crate::stats::mediation::{MediationData, MediationResult, MediationSpec};
use crate::stats::StatsError;

/// A serial mediation estimated by FIML (MAR) on every participant with an observed
/// analysis or auxiliary variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlMediationOutput {
    /// What each model variable is, in the order X, mediators, Y, covariates.
    pub variables: Vec<VariableInfo>,
    /// What each auxiliary variable is (saturated correlates).
    pub auxiliary: Vec<VariableInfo>,
    /// `result.missing` is "fiml": that is how results.json tells this output apart.
    pub result: FimlMediationResult,
    #[serde(default)]
    pub coding: Vec<Coding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationOutput {
    /// What each model variable is, in the order X, mediators, Y, covariates.
    pub variables: Vec<VariableInfo>,
    pub result: MediationResult,
    /// How each categorical covariate was coded.
    #[serde(default)]
    pub coding: Vec<Coding>,
}

/// A model variable's name in the result and what it measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariableInfo {
    /// Column name in the result (`d_hrqol`, `hrqol_T1`, `arm[CBT]`, `age`).
    pub name: String,
    /// The construct or baseline variable it comes from.
    pub source: String,
    /// `change T1 − T0`, `score at T1`, `baseline`, or `indicator of CBT`.
    pub measure: String,
}

impl VariableInfo {
    pub fn of(v: &Var) -> Self {
        let measure = match v {
            Var::Score { wave, .. } => format!("score at {}", wave_label(*wave)),
            Var::Change { from, to, .. } => {
                format!("change {} − {}", wave_label(*to), wave_label(*from))
            }
            Var::Baseline { .. } => "baseline".into(),
            Var::Level { level, .. } => format!("indicator of {level}"),
        };
        let name = match v {
            Var::Change { construct, .. } => construct.clone(),
            v => v.name(),
        };
        Self {
            name,
            source: v.source_name().to_string(),
            measure,
        }
    }
}

pub fn run(p: &Planned, job: &MediationJob, cx: &Context<'_>) -> Entry {
    let mut vars = vec![job.x.clone()];
    vars.extend(job.mediators.iter().cloned());
    vars.push(job.y.clone());
    vars.extend(job.covariates.iter().cloned());
    if job.missing == MissingStrategy::Fiml {
        return run_fiml(p, job, vars, cx);
    }
    let frame = model_frame(cx.panel, &vars, MissingStrategy::Listwise);
    match fit(&vars, job.mediators.len(), &frame, cx) {
        Ok(result) => Entry::done(
            p,
            Some(frame.sample.clone()),
            Output::SerialMediation(MediationOutput {
                variables: vars.iter().map(VariableInfo::of).collect(),
                result,
                coding: frame.coding,
            }),
        ),
        Err(err) => Entry::not_run(p, Some(frame.sample), format!("not fitted ({err})")),
    }
}

fn run_fiml(p: &Planned, job: &MediationJob, model: Vec<Var>, cx: &Context<'_>) -> Entry {
    let n_model = model.len();
    let mut vars = model;
    vars.extend(job.aux.iter().cloned());
    let frame = fiml_frame(cx.panel, &vars);
    match fit_fiml(&vars, n_model, job.mediators.len(), &frame, cx) {
        Ok(result) => Entry::done(
            p,
            Some(frame.sample.clone()),
            Output::FimlMediation(FimlMediationOutput {
                variables: vars[..n_model].iter().map(VariableInfo::of).collect(),
                auxiliary: vars[n_model..].iter().map(VariableInfo::of).collect(),
                result,
                coding: frame.coding,
            }),
        ),
        Err(err) => Entry::not_run(p, Some(frame.sample), format!("not fitted by FIML ({err})")),
    }
}

/// FIML fit of the frame (NaN = missing): the model's columns, then the auxiliaries'.
fn fit_fiml(
    vars: &[Var],
    n_model: usize,
    k: usize,
    frame: &ModelFrame,
    cx: &Context<'_>,
) -> Result<FimlMediationResult, StatsError> {
    let (mut model, order) = chain(&vars[..n_model], k, frame, cx)?;
    // FIML uses the observed information; HC corrections belong to OLS.
    model.hc = None;
    let aux_cols: Vec<usize> = (n_model..vars.len())
        .flat_map(|v| frame.columns_of(v))
        .collect();
    let spec = FimlMediationSpec {
        model,
        aux: aux_cols.iter().map(|c| frame.names[*c].clone()).collect(),
        em: EmSpec::default(),
    };
    let columns: Vec<Vec<Option<f64>>> = order
        .iter()
        .chain(&aux_cols)
        .map(|c| {
            frame.columns[*c]
                .iter()
                .map(|x| (!x.is_nan()).then_some(*x))
                .collect()
        })
        .collect();
    let mut result = spec.fit(&columns, None)?;
    result.bootstrap.seed_drawn = Some(cx.settings.seed_drawn);
    Ok(result)
}

/// Fits the chain on the frame's columns: X, mediators and Y are one column each; a
/// categorical covariate may be several.
fn fit(
    vars: &[Var],
    k: usize,
    frame: &ModelFrame,
    cx: &Context<'_>,
) -> Result<MediationResult, StatsError> {
    let (spec, order) = chain(vars, k, frame, cx)?;
    let col = |c: usize| frame.columns[c].as_slice();
    let data = MediationData {
        x: col(order[0]),
        mediators: order[1..=k].iter().map(|c| col(*c)).collect(),
        y: col(order[k + 1]),
        covariates: order[k + 2..].iter().map(|c| col(*c)).collect(),
    };
    let mut result = match super::regression::cluster_spec(frame, cx)? {
        Some(cluster) => spec.fit_clustered(&data, &cluster, None)?,
        None => spec.fit(&data)?,
    };
    result.bootstrap.seed_drawn = Some(cx.settings.seed_drawn);
    Ok(result)
}

/// The chain's spec and the frame columns it reads, in the order X, mediators, Y, covariates.
fn chain(
    vars: &[Var],
    k: usize,
    frame: &ModelFrame,
    cx: &Context<'_>,
) -> Result<(MediationSpec, Vec<usize>), StatsError> {
    let one = |v: usize| -> Result<usize, StatsError> {
        let name = vars[v].source_name();
        match frame.columns_of(v)[..] {
            [c] => Ok(c),
            [] => Err(StatsError::Invalid(format!(
                "'{name}' has a single level among the participants with complete data, so it cannot be a variable of the chain"
            ))),
            _ => Err(StatsError::Invalid(format!(
                "'{name}' has more than two levels in this sample; a serial mediation takes one X column (spcure gives one analysis per level when the spec's x names the variable)"
            ))),
        }
    };
    let x = one(0)?;
    let mediators: Vec<usize> = (1..=k).map(one).collect::<Result<_, _>>()?;
    let y = one(k + 1)?;
    let covariates: Vec<usize> = (k + 2..vars.len())
        .flat_map(|v| frame.columns_of(v))
        .collect();
    // A change score keeps its construct's name in mediation output (as PROCESS users name
    // their variables); `variables` says what each name measures.
    let name = |c: usize| match &vars[frame.var_of[c]] {
        Var::Change { construct, .. } => construct.clone(),
        _ => frame.names[c].clone(),
    };
    let spec = MediationSpec {
        x: name(x),
        mediators: mediators.iter().map(|c| name(*c)).collect(),
        y: name(y),
        covariates: covariates.iter().map(|c| name(*c)).collect(),
        hc: cx.settings.ols.hc,
        contrasts: true,
        standardize: true,
        boot: cx.settings.boot.clone(),
    };
    let mut order = vec![x];
    order.extend(mediators);
    order.push(y);
    order.extend(covariates);
    Ok((spec, order))
}

//! Pearson correlations, pairwise complete, of scores, change scores or baseline variables.

use serde::{Deserialize, Serialize};

use super::plan::CorrelationsJob;
use super::{Context, Entry, Output, Planned};
use crate::prepare::{variable, Sample, Var};
use crate::stats::correlation::{pearson_matrix, CorrelationMatrix};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlations {
    pub matrix: CorrelationMatrix,
}

pub fn run(p: &Planned, job: &CorrelationsJob, cx: &Context<'_>) -> Entry {
    // Multi-level categorical variables have no single column to correlate.
    let vars: Vec<&Var> = job
        .variables
        .iter()
        .filter(|v| match v {
            Var::Baseline { name } => cx
                .panel
                .covariate(name)
                .is_some_and(|c| c.levels.len() <= 2),
            _ => true,
        })
        .collect();
    let names: Vec<String> = vars.iter().map(|v| v.name()).collect();
    let cols: Vec<Vec<Option<f64>>> = vars.iter().map(|v| variable(cx.panel, v)).collect();
    Entry::done(
        p,
        Some(Sample::available(cx.panel.n())),
        Output::Correlations(Correlations {
            matrix: pearson_matrix(&names, &cols),
        }),
    )
}

//! Attrition: the participant flow across waves, completers against non-completers at
//! baseline, and Little's MCAR test.

use serde::{Deserialize, Serialize};

use super::plan::AttritionJob;
use super::{Context, Entry, Output, Planned};
use crate::load::wave_label;
use crate::prepare::{variable, Sample};
use crate::stats::attrition::{
    compare_categorical, compare_continuous, flow, CategoricalComparison, ContinuousComparison,
    FlowRow,
};
use crate::stats::mcar::{little_mcar, McarTest};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attrition {
    pub flow: Vec<FlowRow>,
    /// Completers are the baseline participants present at this wave.
    pub completer_wave: String,
    pub n_completers: usize,
    pub continuous: Vec<ContinuousComparison>,
    pub categorical: Vec<CategoricalComparison>,
    /// Little's MCAR test (scores at baseline and the completer wave, covariates).
    pub mcar: Option<McarTest>,
    /// Comparisons that could not be made, and why.
    pub notes: Vec<String>,
}

pub fn run(p: &Planned, job: &AttritionJob, cx: &Context<'_>) -> Entry {
    let panel = cx.panel;
    let mut notes = Vec::new();
    let labels: Vec<String> = panel.waves.iter().map(|w| wave_label(*w)).collect();
    let flow = flow(&labels, &panel.present).unwrap_or_else(|err| {
        notes.push(format!("attrition flow: not computed ({err})"));
        Vec::new()
    });
    let completer_wave = wave_label(job.completer_wave);
    let Some(w) = panel.wave_index(job.completer_wave) else {
        return Entry::not_run(
            p,
            None,
            format!("no {completer_wave} file, so no completers to compare"),
        );
    };
    let completer = &panel.present[w];
    let n_completers = completer.iter().filter(|c| **c).count();
    let mut out = Attrition {
        flow,
        completer_wave: completer_wave.clone(),
        n_completers,
        continuous: Vec::new(),
        categorical: Vec::new(),
        mcar: None,
        notes: Vec::new(),
    };
    if n_completers == panel.n() {
        notes.push(format!(
            "nobody dropped out by {completer_wave}: all {} baseline participants took part, so there are no non-completers to compare",
            panel.n()
        ));
    } else {
        compare(&mut out, completer, cx, &mut notes);
    }
    let names: Vec<String> = job.mcar.iter().map(|v| v.name()).collect();
    let cols: Vec<Vec<Option<f64>>> = job.mcar.iter().map(|v| variable(panel, v)).collect();
    out.mcar = little_mcar(&names, &cols)
        .map_err(|err| notes.push(format!("Little's MCAR test: not computed ({err})")))
        .ok();
    out.notes = notes;
    Entry::done(
        p,
        Some(Sample::available(panel.n())),
        Output::Attrition(out),
    )
}

/// Baseline scores and covariates of completers against non-completers.
fn compare(out: &mut Attrition, completer: &[bool], cx: &Context<'_>, notes: &mut Vec<String>) {
    let level = cx.settings.level;
    for c in &cx.panel.constructs {
        match compare_continuous(&c.name, &c.scores[0], completer, level) {
            Ok(r) => out.continuous.push(r),
            Err(err) => notes.push(format!("attrition, {}: not compared ({err})", c.name)),
        }
    }
    for c in &cx.panel.covariates {
        let result = if c.categorical {
            compare_categorical(&c.name, &c.values, completer).map(|r| out.categorical.push(r))
        } else {
            compare_continuous(&c.name, &c.values, completer, level).map(|r| out.continuous.push(r))
        };
        if let Err(err) = result {
            notes.push(format!("attrition, {}: not compared ({err})", c.name));
        }
    }
}

//! Change across waves: every construct between every pair of waves (consecutive steps
//! first), paired t, Wilcoxon signed-rank and standardized change, Holm-adjusted across the
//! whole table.

use serde::{Deserialize, Serialize};

use super::plan::ChangeJob;
use super::{Context, Entry, Output, Planned};
use crate::load::wave_label;
use crate::prepare::{paired_scores, Sample};
use crate::stats::change::{holm, paired, PairedComparison};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeOutput {
    pub comparisons: Vec<ChangeEntry>,
    /// Comparisons that could not be made, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEntry {
    pub construct: String,
    pub label: String,
    pub from: String,
    pub to: String,
    pub comparison: PairedComparison,
    /// Holm-adjusted p-values across every row of the table.
    pub p_t_holm: f64,
    pub p_wilcoxon_holm: f64,
}

pub fn run(p: &Planned, job: &ChangeJob, cx: &Context<'_>) -> Entry {
    let panel = cx.panel;
    let mut pairs = Vec::new();
    for (i, a) in panel.waves.iter().enumerate() {
        for b in &panel.waves[i + 1..] {
            pairs.push((*a, *b));
        }
    }
    // T0–T1, T1–T2, then T0–T2: consecutive steps first, as papers report them.
    pairs.sort_by_key(|(a, b)| (b - a, *a));
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for c in panel
        .constructs
        .iter()
        .filter(|c| job.constructs.contains(&c.name))
    {
        for &(from, to) in &pairs {
            let Some((a, b)) = paired_scores(panel, &c.name, from, to) else {
                continue;
            };
            match paired(&a, &b, cx.settings.level) {
                Ok(comparison) => rows.push(ChangeEntry {
                    construct: c.name.clone(),
                    label: c.label.clone(),
                    from: wave_label(from),
                    to: wave_label(to),
                    comparison,
                    p_t_holm: f64::NAN,
                    p_wilcoxon_holm: f64::NAN,
                }),
                Err(err) => notes.push(format!(
                    "change of {} {}–{}: not computed ({err})",
                    c.name,
                    wave_label(from),
                    wave_label(to)
                )),
            }
        }
    }
    let p_t: Vec<f64> = rows.iter().map(|c| c.comparison.p_t).collect();
    let p_w: Vec<f64> = rows.iter().map(|c| c.comparison.p_wilcoxon).collect();
    for ((row, t), w) in rows.iter_mut().zip(holm(&p_t)).zip(holm(&p_w)) {
        row.p_t_holm = t;
        row.p_wilcoxon_holm = w;
    }
    Entry::done(
        p,
        Some(Sample::available(panel.n())),
        Output::Change(ChangeOutput {
            comparisons: rows,
            notes,
        }),
    )
}

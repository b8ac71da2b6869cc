//! Reliability of every multi-item scale at every wave, over the participants present.

use serde::{Deserialize, Serialize};

use super::{Context, Entry, Output, Planned};
use crate::load::wave_label;
use crate::prepare::Sample;
use crate::stats::reliability::{reliability, Reliability};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityOutput {
    pub scales: Vec<ScaleReliability>,
    /// Scales whose reliability could not be computed, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleReliability {
    pub construct: String,
    pub label: String,
    pub wave: String,
    pub result: Reliability,
}

pub fn run(p: &Planned, cx: &Context<'_>) -> Entry {
    let panel = cx.panel;
    let mut scales = Vec::new();
    let mut notes = Vec::new();
    for c in panel.constructs.iter().filter(|c| c.item_names.len() > 1) {
        for (w, wave) in panel.waves.iter().enumerate() {
            let Some(items) = &c.items[w] else { continue };
            // Only the participants who took part in the wave: absentees are not missing items.
            let items: Vec<Vec<Option<f64>>> = items
                .iter()
                .map(|col| {
                    col.iter()
                        .zip(&panel.present[w])
                        .filter(|(_, p)| **p)
                        .map(|(v, _)| *v)
                        .collect()
                })
                .collect();
            match reliability(&c.item_names, &items, cx.settings.level) {
                Ok(result) => scales.push(ScaleReliability {
                    construct: c.name.clone(),
                    label: c.label.clone(),
                    wave: wave_label(*wave),
                    result,
                }),
                Err(err) => notes.push(format!(
                    "reliability of {} at {}: not computed ({err})",
                    c.name,
                    wave_label(*wave)
                )),
            }
        }
    }
    Entry::done(
        p,
        Some(Sample::available(panel.n())),
        Output::Reliability(ReliabilityOutput { scales, notes }),
    )
}

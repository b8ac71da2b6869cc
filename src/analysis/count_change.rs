//! The change in a count construct (`kind = "count"`, e.g. GP appointments) over the waves:
//! a Poisson model of every available participant-wave with one indicator per later wave,
//! standard errors clustered by participant (= GEE with an independence working correlation),
//! so the pairing is respected and every participant with any wave contributes.

use serde::{Deserialize, Serialize};

use super::plan::CountChangeJob;
use super::{Context, Entry, Output, Planned};
use crate::load::wave_label;
use crate::prepare::Sample;
use crate::stats::glm::{CountData, CountResult, CountSpec, FamilyChoice, INTERCEPT};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountChangeOutput {
    pub construct: String,
    pub label: String,
    /// The wave every rate ratio compares with (the first loaded).
    pub reference_wave: String,
    /// Participants with at least one count, and the participant-waves used.
    pub participants: usize,
    pub observations: usize,
    /// What the rate ratios estimate and under which assumption, in words.
    pub estimand: String,
    pub result: CountResult,
    /// "GP appointments fell by 24.1 % (95 % CI 10.2 to 35.9 % fewer) from T0 to T1", per wave.
    pub changes: Vec<String>,
}

/// The long data: one row per participant-wave with a count.
struct Long {
    y: Vec<f64>,
    /// `[later wave][row]`: 1 at that wave.
    dummies: Vec<Vec<f64>>,
    ids: Vec<String>,
}

pub fn run(p: &Planned, job: &CountChangeJob, cx: &Context<'_>) -> Entry {
    let panel = cx.panel;
    let sample = Sample::available(panel.n());
    let Some(c) = panel.construct(&job.construct) else {
        return Entry::not_run(p, None, format!("no construct '{}'", job.construct));
    };
    let later = panel.waves.len().saturating_sub(1);
    let mut long = Long {
        y: Vec::new(),
        dummies: vec![Vec::new(); later],
        ids: Vec::new(),
    };
    for (w, scores) in c.scores.iter().enumerate() {
        for (i, v) in scores.iter().enumerate() {
            let (Some(v), true) = (v, panel.present[w][i]) else {
                continue;
            };
            long.y.push(*v);
            long.ids.push(panel.ids[i].clone());
            for (k, d) in long.dummies.iter_mut().enumerate() {
                d.push(if w == k + 1 { 1.0 } else { 0.0 });
            }
        }
    }
    let names: Vec<String> = panel.waves[1..].iter().map(|w| wave_label(*w)).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let predictors: Vec<&[f64]> = long.dummies.iter().map(Vec::as_slice).collect();
    let spec = CountSpec {
        family: FamilyChoice::Poisson,
        intercept: true,
        level: cx.settings.level,
    };
    let data = CountData {
        outcome: &c.name,
        y: &long.y,
        predictors: &predictors,
        names: &name_refs,
        exposure: None,
        clusters: Some(&long.ids),
        rows: None,
    };
    let result = match spec.fit(&data) {
        Ok(r) => r,
        Err(e) => return Entry::not_run(p, Some(sample), e.to_string()),
    };
    let label = if c.label.is_empty() {
        c.name.clone()
    } else {
        c.label.clone()
    };
    let first = wave_label(panel.waves[0]);
    let changes = result
        .fit
        .terms
        .iter()
        .filter(|t| t.term != INTERCEPT)
        .map(|t| {
            let dir = if t.pct_change < 0.0 { "fell" } else { "rose" };
            format!(
                "{label} {dir} by {:.1} % ({:.0} % CI of the change {:.1} % to {:.1} %) from {first} to {}",
                t.pct_change.abs(),
                cx.settings.level * 100.0,
                t.pct_low,
                t.pct_high,
                t.term
            )
        })
        .collect();
    let mut participants: Vec<&String> = long.ids.iter().collect();
    participants.sort();
    participants.dedup();
    Entry::done(
        p,
        Some(sample),
        Output::CountChange(CountChangeOutput {
            construct: c.name.clone(),
            label,
            reference_wave: first,
            participants: participants.len(),
            observations: long.y.len(),
            estimand: format!(
                "ratios of the mean count at each wave to {} (population-averaged, every \
                 participant-wave with a count; Poisson GEE with an independence working \
                 correlation, SEs clustered by participant, valid under overdispersion and \
                 within-person correlation; missing waves assumed missing completely at random)",
                wave_label(panel.waves[0])
            ),
            result,
            changes,
        }),
    )
}

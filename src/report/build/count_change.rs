//! One table per count construct: the rate ratio of each later wave against the first, with
//! its CI and % change, and the sentence a paper would print.

use super::super::model::Column;
use super::{num, p, sample_note, table, text, Part};
use crate::analysis::count_change::CountChangeOutput;
use crate::analysis::Entry;
use crate::report::apa;
use crate::stats::glm::INTERCEPT;

pub fn part(e: &Entry, c: &CountChangeOutput) -> Part {
    let level = apa::level_percent(c.result.fit.level);
    let mut t = table(
        &format!("count_change_{}", c.construct),
        &e.title,
        vec![
            Column::text("comparison", "Comparison"),
            Column::number("irr", "Rate ratio"),
            Column::number("irr_low", &format!("{level} CI low")),
            Column::number("irr_high", &format!("{level} CI high")),
            Column::number("pct_change", "% change"),
            Column::number("z", "z"),
            Column::number("p", "p"),
        ],
    );
    t.rows = c
        .result
        .fit
        .terms
        .iter()
        .filter(|t| t.term != INTERCEPT)
        .map(|t| {
            vec![
                text(format!("{} vs {}", t.term, c.reference_wave)),
                num(t.irr, 3),
                num(t.irr_low, 3),
                num(t.irr_high, 3),
                num(t.pct_change, 1),
                num(t.z, 2),
                p(t.p),
            ]
        })
        .collect();
    let fit = &c.result.fit;
    let mut notes = vec![format!(
        "Estimand: {}. {} participant-waves from {} participants ({} clusters). Decision: {}.",
        c.estimand,
        c.observations,
        c.participants,
        fit.clusters.unwrap_or(c.participants),
        c.result.decision
    )];
    if let Some(s) = &e.sample {
        notes.push(sample_note(s));
    }
    t.notes = notes;
    Part {
        paragraphs: c.changes.iter().map(|s| format!("{s}.")).collect(),
        tables: vec![t],
        ..Part::default()
    }
}

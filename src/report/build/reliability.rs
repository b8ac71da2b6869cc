//! Internal consistency of the scales.

use super::super::model::Column;
use super::{ci_header, int, num, opt, table, text, Part};
use crate::analysis::reliability::ReliabilityOutput;
use crate::analysis::Entry;
use crate::report::apa;

pub fn part(e: &Entry, r: &ReliabilityOutput) -> Part {
    let mut out = Part {
        paragraphs: r
            .notes
            .iter()
            .map(|n| format!("Not reported: {n}."))
            .collect(),
        ..Part::default()
    };
    let Some(first) = r.scales.first() else {
        return out;
    };
    let mut t = table(
        &e.id,
        "Internal consistency of the scales",
        vec![
            Column::text("scale", "Scale"),
            Column::text("wave", "Wave"),
            Column::number("k", "Items"),
            Column::number("n", "n"),
            Column::number("alpha", "α"),
            Column::text(
                "alpha_ci",
                &format!("{} (α)", ci_header(first.result.level)),
            ),
            Column::number("omega_total", "ω"),
            Column::number("min_r_drop", "Min r (item–rest)"),
        ],
    );
    t.rows = r
        .scales
        .iter()
        .map(|s| {
            let x = &s.result;
            let min_r = x
                .item_stats
                .iter()
                .map(|i| i.r_drop)
                .fold(f64::INFINITY, f64::min);
            vec![
                text(&s.label),
                text(&s.wave),
                int(x.k),
                int(x.n),
                num(x.alpha, 2),
                text(apa::ci(x.alpha_ci[0], x.alpha_ci[1], 2)),
                opt(x.omega.as_ref().map(|o| o.omega), 2),
                num(min_r, 2),
            ]
        })
        .collect();
    t.notes = vec!["Cronbach's α with a Feldt CI and McDonald's ω_total from a one-factor model, on the complete cases of each scale's items at each wave; item-level statistics are in results.json.".into()];
    out.tables.push(t);
    out
}

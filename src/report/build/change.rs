//! Paired change between waves: the change table and the effect-size table.

use super::super::model::{Cell, Column, Table};
use super::{ci_header, coef, int, num, p, table, text, Labels, Part, ALPHA};
use crate::analysis::change::{ChangeEntry, ChangeOutput};
use crate::analysis::Entry;
use crate::report::apa;

pub fn part(e: &Entry, c: &ChangeOutput, _labels: &Labels) -> Part {
    let mut out = Part {
        paragraphs: c
            .notes
            .iter()
            .map(|n| format!("Not reported: {n}."))
            .collect(),
        ..Part::default()
    };
    if let Some(first) = c.comparisons.first() {
        let level = first.comparison.level;
        out.tables.push(change_table(e, c, level));
        out.tables.push(effect_table(e, c, level));
    }
    out
}

/// A table with one row per paired comparison: construct and waves, then `columns` / `cells`.
fn rows_table(
    c: &ChangeOutput,
    (id, caption): (String, &str),
    columns: Vec<Column>,
    cells: impl Fn(&ChangeEntry) -> Vec<Cell>,
    note: String,
) -> Table {
    let mut all = vec![
        Column::text("construct", "Construct"),
        Column::text("waves", "Waves"),
    ];
    all.extend(columns);
    let mut t = table(&id, caption, all);
    t.rows = c
        .comparisons
        .iter()
        .map(|c| {
            let mut row = vec![text(&c.label), text(format!("{}–{}", c.from, c.to))];
            row.extend(cells(c));
            row
        })
        .collect();
    t.notes = vec![note];
    t
}

fn change_table(e: &Entry, c: &ChangeOutput, level: f64) -> Table {
    rows_table(
        c,
        (format!("{}_across_waves", e.id), "Paired change between waves"),
        vec![
            Column::number("n", "n"),
            Column::number("mean_from", "M (from)"),
            Column::number("mean_to", "M (to)"),
            Column::number("mean_change", "Change"),
            Column::text("change_ci", &ci_header(level)),
            Column::number("t", "t"),
            Column::number("df", "df"),
            Column::number("p_holm", "p (Holm)"),
        ],
        |c| {
            let k = &c.comparison;
            vec![
                int(k.n),
                num(k.mean_from, 2),
                num(k.mean_to, 2),
                coef(k.mean_change, c.p_t_holm, 2),
                text(apa::ci(k.change_ci[0], k.change_ci[1], 2)),
                num(k.t, 2),
                num(k.df, 0),
                p(c.p_t_holm),
            ]
        },
        format!("Participants observed at both waves of each row (complete pairs; unbiased under MCAR); change = later − earlier. Paired t tests, Holm-adjusted across every construct and wave pair (unadjusted p-values are in results.json). * Holm-adjusted p < {}.", apa::no_leading_zero(ALPHA, 2)),
    )
}

fn effect_table(e: &Entry, c: &ChangeOutput, level: f64) -> Table {
    let h = ci_header(level);
    rows_table(
        c,
        (
            format!("{}_effect_sizes", e.id),
            "Standardized change and the signed-rank test",
        ),
        vec![
            Column::number("d_z", "d_z"),
            Column::text("d_z_ci", &format!("{h} (d_z)")),
            Column::number("d_av", "d_av"),
            Column::text("d_av_ci", &format!("{h} (d_av)")),
            Column::number("v", "V"),
            Column::number("p_wilcoxon_holm", "p (Holm)"),
        ],
        |c| {
            let k = &c.comparison;
            vec![
                num(k.d_z, 2),
                text(apa::ci(k.d_z_ci[0], k.d_z_ci[1], 2)),
                num(k.d_av, 2),
                text(apa::ci(k.d_av_ci[0], k.d_av_ci[1], 2)),
                num(k.v, 1),
                p(c.p_wilcoxon_holm),
            ]
        },
        "d_z = mean change / SD of the change scores; d_av = mean change / mean of the two waves' SDs (Lakens, 2013); CIs by inverting the noncentral t distribution. V = Wilcoxon signed-rank statistic (exact for n < 50 without ties or zeros, otherwise the normal approximation with continuity correction), p Holm-adjusted across every construct and wave pair.".into(),
    )
}

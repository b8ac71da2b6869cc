//! Correlation tables and their heat maps.

use super::super::model::{Cell, Column, Figure};
use super::super::plot;
use super::{coef, num, significance_note, table, text, Part};
use crate::analysis::correlations::Correlations;
use crate::analysis::Entry;

pub fn part(e: &Entry, c: &Correlations) -> Part {
    let m = &c.matrix;
    let mut columns = vec![Column::text("variable", "Variable")];
    columns.extend(
        m.variables
            .iter()
            .enumerate()
            .map(|(j, v)| Column::number(v, &format!("{}. ", j + 1))),
    );
    let mut t = table(&e.id, e.title.clone(), columns);
    t.rows = m
        .variables
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut row = vec![text(format!("{}. {v}", i + 1))];
            row.extend((0..m.variables.len()).map(|j| {
                if j >= i {
                    return text("");
                }
                match (m.r[i][j], m.p[i][j]) {
                    (Some(r), Some(pv)) => coef(r, pv, 2),
                    (Some(r), None) => num(r, 2),
                    _ => Cell::Missing,
                }
            }));
            row
        })
        .collect();
    t.notes = vec![format!(
        "Pearson correlations, pairwise complete (each pair over the participants who have both); {} Pairwise n and p-values are in results.json. d_ = change score (later − earlier); _T0 = score at a wave.",
        significance_note()
    )];
    Part {
        tables: vec![t],
        figures: vec![Figure {
            id: format!("{}_heatmap", e.id),
            caption: format!("{}.", e.title),
            svg: plot::correlation_heatmap(&plot::Heatmap {
                names: m.variables.clone(),
                r: m.r.clone(),
            }),
        }],
        ..Part::default()
    }
}

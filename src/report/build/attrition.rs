//! The sample section: the files loaded, the participant flow, completers against
//! non-completers, Little's MCAR test.

use super::super::model::{Cell, Column, Figure, Section};
use super::super::plot;
use super::{apa, int, num, opt, p, table, text, Labels, Part, ALPHA};
use crate::analysis::attrition::Attrition;
use crate::analysis::Entry;
use crate::results::AnalysisResults;

/// The files loaded, with the load warnings (always the first section).
pub fn files_section(r: &AnalysisResults) -> Section {
    let mut t = table(
        "files",
        "Wave files loaded",
        vec![
            Column::text("wave", "Wave"),
            Column::text("file", "File"),
            Column::number("rows", "Rows"),
            Column::number("baseline_participants", "Baseline participants"),
            Column::number("not_in_baseline", "Not at baseline"),
            Column::text("sha256", "SHA-256 (first 12)"),
        ],
    );
    t.rows = r
        .load
        .files
        .iter()
        .map(|f| {
            vec![
                text(&f.wave),
                text(&f.path),
                int(f.rows),
                int(f.retained),
                int(f.not_in_baseline),
                text(f.sha256.chars().take(12).collect::<String>()),
            ]
        })
        .collect();
    t.notes = vec!["Participants present in a later wave but not at baseline cannot be compared with baseline and are left out (counted here).".into()];
    Section {
        id: "sample".into(),
        title: "Sample and attrition".into(),
        paragraphs: r
            .load
            .warnings
            .iter()
            .map(|w| format!("Warning: {w}"))
            .collect(),
        tables: vec![t],
        figure_ids: vec![],
    }
}

pub fn part(e: &Entry, a: &Attrition, labels: &Labels) -> Part {
    let mut out = Part {
        tables: vec![flow_table(e, a)],
        ..Part::default()
    };
    if !a.continuous.is_empty() || !a.categorical.is_empty() {
        out.tables.push(completer_table(e, a, labels));
    }
    if let Some(t) = &a.mcar {
        out.paragraphs.push(format!(
            "Little's MCAR test on {} ({} cases, {} missing-data patterns): χ²({}) = {}, {}.{}",
            t.variables.join(", "),
            t.n,
            t.n_patterns,
            t.df,
            apa::fixed(t.d2, 2),
            t.p.map_or("p not defined (a single pattern)".to_string(), apa::p_value),
            if t.p.is_some_and(|p| p < ALPHA) {
                " Data are not missing completely at random: the follow-up sample differs from baseline, so estimates from complete cases may be biased."
            } else {
                ""
            }
        ));
    }
    out.paragraphs
        .extend(a.notes.iter().map(|n| format!("Note: {n}.")));
    out.figures.push(Figure {
        id: format!("{}_flow", e.id),
        caption: format!(
            "Participant flow across waves; {} of {} baseline participants were present at {} (the completers).",
            a.n_completers,
            a.flow.first().map_or(0, |f| f.n),
            a.completer_wave
        ),
        svg: plot::attrition_flow(&plot::AttritionFlow {
            stages: a
                .flow
                .iter()
                .map(|f| plot::FlowStage {
                    label: f.wave.clone(),
                    n: f.n as u64,
                })
                .collect(),
            excluded: Vec::new(),
            analysed: None,
        }),
    });
    out
}

fn flow_table(e: &Entry, a: &Attrition) -> super::Table {
    let mut t = table(
        &format!("{}_flow", e.id),
        "Participant flow across waves",
        vec![
            Column::text("wave", "Wave"),
            Column::number("n", "n"),
            Column::number("retained", "Retained"),
            Column::number("lost", "Lost"),
            Column::number("returned", "Returned"),
            Column::number("pct_of_baseline", "% of baseline"),
            Column::number("pct_of_previous", "% of previous"),
        ],
    );
    t.rows = a
        .flow
        .iter()
        .map(|f| {
            vec![
                text(&f.wave),
                int(f.n),
                int(f.retained),
                int(f.lost),
                int(f.returned),
                num(f.pct_of_baseline, 1),
                opt(f.pct_of_previous, 1),
            ]
        })
        .collect();
    t
}

fn completer_table(e: &Entry, a: &Attrition, labels: &Labels) -> super::Table {
    let level = a.continuous.first().map_or(0.95, |c| c.level);
    let mut rows: Vec<Vec<Cell>> = a
        .continuous
        .iter()
        .map(|c| {
            vec![
                text(labels.of(&c.variable)),
                int(c.n1),
                num(c.mean1, 2),
                num(c.sd1, 2),
                int(c.n2),
                num(c.mean2, 2),
                num(c.sd2, 2),
                text(format!(
                    "t({}) = {}",
                    apa::fixed(c.df, 1),
                    apa::fixed(c.t, 2)
                )),
                p(c.p),
                num(c.g, 2),
                text(apa::ci(c.g_ci[0], c.g_ci[1], 2)),
            ]
        })
        .collect();
    rows.extend(a.categorical.iter().map(|c| {
        vec![
            text(labels.of(&c.variable)),
            int(c.counts_completers.iter().sum()),
            Cell::Missing,
            Cell::Missing,
            int(c.counts_noncompleters.iter().sum()),
            Cell::Missing,
            Cell::Missing,
            text(format!("χ²({}) = {}", c.df, apa::fixed(c.chi2, 2))),
            p(c.p),
            Cell::Missing,
            Cell::Missing,
        ]
    }));
    let mut t = table(
        &format!("{}_comparison", e.id),
        format!(
            "Baseline characteristics of completers (present at {}) and non-completers",
            a.completer_wave
        ),
        vec![
            Column::text("variable", "Variable"),
            Column::number("n_completers", "n (C)"),
            Column::number("mean_completers", "M (C)"),
            Column::number("sd_completers", "SD (C)"),
            Column::number("n_noncompleters", "n (NC)"),
            Column::number("mean_noncompleters", "M (NC)"),
            Column::number("sd_noncompleters", "SD (NC)"),
            Column::text("test", "Test"),
            Column::number("p", "p"),
            Column::number("hedges_g", "g"),
            Column::text("g_ci", &format!("{} (g)", super::ci_header(level))),
        ],
    );
    t.rows = rows;
    t.notes = vec![format!("C = completers (present at {}), NC = non-completers. Continuous variables: Welch's t test and Hedges' g (completers − non-completers) with a normal-approximation CI; categorical variables: Pearson's χ² test without continuity correction.", a.completer_wave)];
    t
}

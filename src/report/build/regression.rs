//! One table per regression: its terms, fit, sample and coding.

use super::super::model::{Cell, Column, Table};
use super::{num, p, sample_note, significance_note, table, text, Part, ALPHA};
use crate::analysis::regression::RegressionOutput;
use crate::analysis::Entry;
use crate::report::apa;
use crate::stats::estimate::{Estimate, Interval, IntervalKind, Test};
use crate::stats::ols::OlsResult;

pub fn part(e: &Entry, r: &RegressionOutput) -> Part {
    let mut notes = vec![fit_note(&r.fit)];
    if let Some(s) = &e.sample {
        notes.push(sample_note(s));
    }
    notes.extend(r.coding.iter().map(|c| format!("{}.", c.describe())));
    notes.push(format!(
        "{} Δ / d_ = change score (later − earlier); _T0 = score at a wave.",
        significance_note()
    ));
    Part {
        tables: vec![terms_table(
            &format!("regression_{}", e.id),
            &format!("{} ({})", e.title, r.formula),
            &r.fit,
            notes,
        )],
        ..Part::default()
    }
}

/// The terms of one OLS fit.
pub fn terms_table(id: &str, caption: &str, fit: &OlsResult, notes: Vec<String>) -> Table {
    let rows: Vec<Estimate> = fit
        .terms
        .iter()
        .map(|t| Estimate::of_term(t, fit))
        .collect();
    estimate_table(id, caption, &rows, notes)
}

/// A table of estimates; the interval's level and kind name the CI columns.
pub fn estimate_table(id: &str, caption: &str, rows: &[Estimate], notes: Vec<String>) -> Table {
    let mut t = table(id, caption, estimate_columns(rows.first()));
    t.rows = rows.iter().map(estimate_row).collect();
    t.notes = notes;
    t
}

/// Term, b, SE, the statistic (if any), p (if any) and the interval.
fn estimate_columns(first: Option<&Estimate>) -> Vec<Column> {
    let (ci, test) = first.map_or(("CI".to_string(), true), |e| {
        (interval_name(&e.interval), e.statistic().is_some())
    });
    let mut columns = vec![
        Column::text("term", "Term"),
        Column::number("estimate", "b"),
        Column::number("se", if test { "SE" } else { "Boot SE" }),
    ];
    if test {
        // The statistic's name follows its reference distribution (z for FIML's Wald tests).
        let name = match first.map(|e| e.test) {
            Some(Test::Z { .. }) => "z",
            Some(Test::ChiSquared { .. }) => "χ²",
            _ => "t",
        };
        columns.push(Column::number("statistic", name));
        columns.push(Column::number("p", "p"));
    }
    columns.push(Column::number("ci_low", &format!("{ci} low")));
    columns.push(Column::number("ci_high", &format!("{ci} high")));
    columns
}

/// "95% CI" for Wald intervals, "Boot 95% CI" for bootstrap ones.
fn interval_name(i: &Interval) -> String {
    let level = apa::level_percent(i.level);
    match i.kind {
        IntervalKind::Wald => format!("{level} CI"),
        _ => format!("Boot {level} CI"),
    }
}

fn estimate_row(e: &Estimate) -> Vec<Cell> {
    let tested = e.statistic().is_some();
    let (digits, significant) = if tested {
        (3, e.p.is_some_and(|p| p < ALPHA))
    } else {
        (4, e.interval.excludes_zero())
    };
    let mut row = vec![
        text(&e.term),
        Cell::Coef {
            value: e.estimate,
            digits,
            significant,
        },
        num(e.se, digits),
    ];
    if tested {
        row.push(e.statistic().map_or(Cell::Missing, |s| num(s, 2)));
        row.push(e.p.map_or(Cell::Missing, p));
    }
    row.push(num(e.interval.low, digits));
    row.push(num(e.interval.high, digits));
    row
}

/// "n = 177, R² = .512, …; OLS standard errors; 95% CIs."
pub fn fit_note(fit: &OlsResult) -> String {
    let warnings: String = fit
        .warnings
        .iter()
        .map(|w| format!(" Warning: {w} (as R says for an outcome that is an exact linear function of its predictors)."))
        .collect();
    let se = match &fit.cluster {
        Some(c) => {
            let df: Vec<String> = fit
                .terms
                .iter()
                .zip(&c.df)
                .map(|(t, d)| format!("{} {}", t.term, apa::fixed(*d, 1)))
                .collect();
            format!(
                "{} cluster-robust standard errors for {} clusters of {} ({} to {} participants each), tests and CIs on t with {} df ({}); the model F is not reported with them",
                c.vcov,
                c.clusters,
                c.variable,
                c.smallest,
                c.largest,
                c.df_method,
                df.join(", ")
            )
        }
        None => format!(
            "{} standard errors",
            fit.hc
                .map_or("OLS".to_string(), |h| format!("{h:?}").to_uppercase())
        ),
    };
    let note = format!(
        "OLS: n = {}, R² = {}, adjusted R² = {}, F({}, {}) = {}, {}; MSE = {}; {se}; {} CIs.",
        fit.n,
        apa::no_leading_zero(fit.r2, 3),
        apa::no_leading_zero(fit.adj_r2, 3),
        fit.df1,
        fit.df2,
        fit.f.map_or("—".into(), |f| apa::fixed(f, 2)),
        fit.p.map_or("—".into(), apa::p_value),
        apa::fixed(fit.mse, 3),
        apa::level_percent(fit.level)
    );
    note + &warnings
}

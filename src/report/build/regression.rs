//! One table per regression: its terms, fit, sample and coding.

use super::super::model::{Column, Table};
use super::{coef, num, p, sample_note, significance_note, table, text, Part};
use crate::analysis::regression::RegressionOutput;
use crate::analysis::Entry;
use crate::report::apa;
use crate::stats::ols::{OlsResult, Term};

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

/// The terms of one OLS fit, with its CI level in the headers.
pub fn terms_table(id: &str, caption: &str, fit: &OlsResult, notes: Vec<String>) -> Table {
    let mut t = table(id, caption, term_columns(fit.level));
    t.rows = fit.terms.iter().map(|t| term_row(&t.term, t)).collect();
    t.notes = notes;
    t
}

pub fn term_columns(level: f64) -> Vec<Column> {
    let l = apa::level_percent(level);
    vec![
        Column::text("term", "Term"),
        Column::number("estimate", "b"),
        Column::number("se", "SE"),
        Column::number("statistic", "t"),
        Column::number("p", "p"),
        Column::number("ci_low", &format!("{l} CI low")),
        Column::number("ci_high", &format!("{l} CI high")),
    ]
}

fn term_row(name: &str, t: &Term) -> Vec<super::Cell> {
    vec![
        text(name),
        coef(t.estimate, t.p, 3),
        num(t.se, 3),
        num(t.t, 2),
        p(t.p),
        num(t.ci_low, 3),
        num(t.ci_high, 3),
    ]
}

/// "n = 177, R² = .512, …; OLS standard errors; 95% CIs."
pub fn fit_note(fit: &OlsResult) -> String {
    format!(
        "OLS: n = {}, R² = {}, adjusted R² = {}, F({}, {}) = {}, {}; MSE = {}; {} standard errors; {} CIs.",
        fit.n,
        apa::no_leading_zero(fit.r2, 3),
        apa::no_leading_zero(fit.adj_r2, 3),
        fit.df1,
        fit.df2,
        fit.f.map_or("—".into(), |f| apa::fixed(f, 2)),
        fit.p.map_or("—".into(), apa::p_value),
        apa::fixed(fit.mse, 3),
        fit.hc.map_or("OLS".to_string(), |h| format!("{h:?}").to_uppercase()),
        apa::level_percent(fit.level)
    )
}

//! Saved results → the one report model (tables, sentences, figures). Every renderer and
//! `spcure report` start from here, so a report regenerated from results.json is the one
//! `analyse` wrote.

use super::apa::{self, CiKind};
use super::model::{Cell, Column, Figure, Report, Section, Table};
use super::plot;
use crate::evaluation::{ChangeEntry, RegressionEntry};
use crate::results::AnalysisResults;
use crate::stats::dist;
use crate::stats::mediation::{CiMethod, MediationResult};
use crate::stats::ols::OlsResult;

/// Significance level used to mark coefficients in tables and figures.
pub const ALPHA: f64 = 0.05;

/// The full report of an analysis.
pub fn build(r: &AnalysisResults) -> Report {
    let mut report = Report {
        title: format!("{}: results", r.study),
        subtitle: Some(format!(
            "spcure {} · schema {} · spec {}",
            r.spcure_version, r.schema_version, r.spec_source
        )),
        key_findings: key_findings(r),
        sections: vec![
            sample_section(r),
            descriptives_section(r),
            change_section(r),
            regression_section(r),
        ],
        methods: methods(r),
        figures: figures(r),
    };
    if let Some(m) = &r.mediation {
        report.sections.push(mediation_section(r, m));
    }
    report
}

fn num(value: f64, digits: usize) -> Cell {
    if value.is_finite() {
        Cell::Num { value, digits }
    } else {
        Cell::Missing
    }
}

fn opt(value: Option<f64>, digits: usize) -> Cell {
    value.map_or(Cell::Missing, |v| num(v, digits))
}

fn int(n: usize) -> Cell {
    Cell::Int(n as i64)
}

fn p(value: f64) -> Cell {
    if value.is_finite() {
        Cell::P(value)
    } else {
        Cell::Missing
    }
}

fn coef(value: f64, p: f64, digits: usize) -> Cell {
    Cell::Coef {
        value,
        digits,
        significant: p < ALPHA,
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn ci_kind(ci: CiMethod) -> CiKind {
    match ci {
        CiMethod::Percentile => CiKind::Percentile,
        CiMethod::Bc => CiKind::BiasCorrected,
        CiMethod::Bca => CiKind::Bca,
    }
}

fn label_of(r: &AnalysisResults, construct: &str) -> String {
    r.descriptives
        .iter()
        .find(|d| d.construct == construct)
        .map_or_else(|| construct.to_string(), |d| d.label.clone())
}

fn lower_label(r: &AnalysisResults, construct: &str) -> String {
    let l = label_of(r, construct);
    // "Community belonging" → "community belonging", keeping acronyms such as "GP".
    let mut chars = l.chars();
    match (chars.next(), chars.clone().next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => l,
    }
}

// ---------------------------------------------------------------- key findings

fn key_findings(r: &AnalysisResults) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(first) = r.load.attrition.first() {
        let chain: Vec<String> = r.load.attrition.iter().map(|n| n.to_string()).collect();
        out.push(format!(
            "{} participants took part at baseline; follow-up retained {} ({}).",
            first,
            chain.join(" → "),
            r.load
                .files
                .iter()
                .map(|f| f.wave.clone())
                .collect::<Vec<_>>()
                .join(" → ")
        ));
    }
    if let Some(m) = &r.mediation {
        out.extend(change_findings(r, &m.y));
        out.extend(mediation_findings(r, m));
    }
    out
}

fn change_findings(r: &AnalysisResults, y: &str) -> Vec<String> {
    r.evaluation
        .change
        .iter()
        .filter(|c| c.construct == y && c.from != c.to)
        .filter(|c| !(c.from == "T0" && c.to != "T1" && r.load.files.len() > 2 && c.to != "T2"))
        .map(|c| change_sentence(r, c))
        .collect()
}

fn change_sentence(r: &AnalysisResults, c: &ChangeEntry) -> String {
    let k = &c.comparison;
    let direction = if k.p_t >= ALPHA {
        "did not change significantly"
    } else if k.mean_change > 0.0 {
        "increased"
    } else {
        "decreased"
    };
    format!(
        "{} {} from {} to {} (M = {} → {}, mean change {}, {} CI {}, t({}) = {}, {}, Holm-adjusted {}; d_z = {}, n = {}).",
        label_of(r, &c.construct),
        direction,
        c.from,
        c.to,
        apa::fixed(k.mean_from, 2),
        apa::fixed(k.mean_to, 2),
        apa::fixed(k.mean_change, 2),
        apa::level_percent(k.level),
        apa::ci(k.change_ci[0], k.change_ci[1], 2),
        apa::fixed(k.df, 0),
        apa::fixed(k.t, 2),
        apa::p_value(k.p_t),
        apa::p_value(c.p_t_holm),
        apa::fixed(k.d_z, 2),
        k.n
    )
}

fn mediation_findings(r: &AnalysisResults, m: &MediationResult) -> Vec<String> {
    let mut out = Vec::new();
    let b = &m.bootstrap;
    if let Some(full) = m.indirect_effects.iter().find(|e| {
        e.path
            .as_ref()
            .is_some_and(|p| p.len() == m.mediators.len() + 2)
    }) {
        let names: Vec<String> = m.mediators.iter().map(|c| lower_label(r, c)).collect();
        out.push(format!(
            "Change in {} predicted change in {} through the chain: {}",
            lower_label(r, &m.x),
            lower_label(r, &m.y),
            apa::indirect_sentence(
                &names,
                full.estimate,
                full.ci_low,
                full.ci_high,
                b.level,
                ci_kind(b.ci),
                3
            )
        ));
    }
    if let Some(total) = m.indirect_effects.iter().find(|e| e.path.is_none()) {
        out.push(format!(
            "The total indirect effect was {}; the direct effect was {} ({}), the total effect {} ({}); n = {}, B = {} resamples, seed {}.",
            apa::estimate_with_ci(total.estimate, total.ci_low, total.ci_high, b.level, ci_kind(b.ci), 3),
            apa::estimate_with_ci(m.direct_effect.estimate, m.direct_effect.ci_low, m.direct_effect.ci_high, b.level, CiKind::Normal, 3),
            apa::p_value(m.direct_effect.p),
            apa::estimate_with_ci(m.total_effect.estimate, m.total_effect.ci_low, m.total_effect.ci_high, b.level, CiKind::Normal, 3),
            apa::p_value(m.total_effect.p),
            m.n,
            b.samples,
            b.seed
        ));
    }
    out
}

// ---------------------------------------------------------------- sections

fn sample_section(r: &AnalysisResults) -> Section {
    let a = &r.evaluation.attrition;
    let mut tables = vec![load_table(r), flow_table(r)];
    if !a.continuous.is_empty() || !a.categorical.is_empty() {
        tables.push(completer_table(r));
    }
    let mut paragraphs = Vec::new();
    if let Some(t) = &a.mcar {
        paragraphs.push(format!(
            "Little's MCAR test on the model variables ({} cases, {} missing-data patterns): χ²({}) = {}, {}.{}",
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
    for w in &r.load.warnings {
        paragraphs.push(format!("Warning: {w}"));
    }
    Section {
        id: "sample".into(),
        title: "Sample and attrition".into(),
        paragraphs,
        tables,
        figure_ids: vec!["attrition_flow".into()],
    }
}

fn load_table(r: &AnalysisResults) -> Table {
    Table {
        id: "files".into(),
        caption: "Wave files loaded".into(),
        columns: vec![
            Column::text("wave", "Wave"),
            Column::text("file", "File"),
            Column::number("rows", "Rows"),
            Column::number("baseline_participants", "Baseline participants"),
            Column::number("not_in_baseline", "Not at baseline"),
            Column::text("sha256", "SHA-256 (first 12)"),
        ],
        rows: r
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
            .collect(),
        notes: vec!["Participants present in a later wave but not at baseline cannot be compared with baseline and are left out (counted here).".into()],
    }
}

fn flow_table(r: &AnalysisResults) -> Table {
    Table {
        id: "attrition_flow".into(),
        caption: "Participant flow across waves".into(),
        columns: vec![
            Column::text("wave", "Wave"),
            Column::number("n", "n"),
            Column::number("retained", "Retained"),
            Column::number("lost", "Lost"),
            Column::number("returned", "Returned"),
            Column::number("pct_of_baseline", "% of baseline"),
            Column::number("pct_of_previous", "% of previous"),
        ],
        rows: r
            .evaluation
            .attrition
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
            .collect(),
        notes: vec![],
    }
}

fn completer_table(r: &AnalysisResults) -> Table {
    let a = &r.evaluation.attrition;
    let mut rows: Vec<Vec<Cell>> = a
        .continuous
        .iter()
        .map(|c| {
            vec![
                text(label_of_any(r, &c.variable)),
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
            text(label_of_any(r, &c.variable)),
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
    Table {
        id: "attrition_comparison".into(),
        caption: format!(
            "Baseline characteristics of completers (present at {}) and non-completers",
            a.completer_wave
        ),
        columns: vec![
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
            Column::text("g_ci", "95% CI (g)"),
        ],
        rows,
        notes: vec!["C = completers, NC = non-completers. Continuous variables: Welch's t test and Hedges' g (completers − non-completers) with a normal-approximation CI; categorical variables: Pearson's χ² test without continuity correction.".into()],
    }
}

fn label_of_any(r: &AnalysisResults, name: &str) -> String {
    r.covariates
        .iter()
        .find(|c| c.covariate == name)
        .map_or_else(|| label_of(r, name), |c| c.label.clone())
}

fn descriptives_section(r: &AnalysisResults) -> Section {
    let mut tables = vec![descriptives_table(r)];
    if !r.evaluation.reliability.is_empty() {
        tables.push(reliability_table(r));
    }
    tables.push(correlation_table(
        "correlations_baseline",
        "Correlations at baseline (pairwise complete)",
        &r.evaluation.correlations.baseline,
    ));
    Section {
        id: "descriptives".into(),
        title: "Descriptives and reliability".into(),
        paragraphs: vec![],
        tables,
        figure_ids: vec!["trajectories".into()],
    }
}

fn summary_row(label: &str, wave: &str, s: &crate::stats::descriptives::Summary) -> Vec<Cell> {
    vec![
        text(label),
        text(wave),
        int(s.n),
        int(s.missing),
        opt(s.mean, 2),
        opt(s.sd, 2),
        opt(s.min, 2),
        opt(s.max, 2),
    ]
}

fn descriptives_table(r: &AnalysisResults) -> Table {
    let mut rows: Vec<Vec<Cell>> = r
        .descriptives
        .iter()
        .map(|d| summary_row(&d.label, &d.wave, &d.summary))
        .collect();
    rows.extend(
        r.covariates
            .iter()
            .map(|c| summary_row(&c.label, "T0", &c.summary)),
    );
    Table {
        id: "descriptives".into(),
        caption: "Descriptive statistics by wave".into(),
        columns: vec![
            Column::text("variable", "Variable"),
            Column::text("wave", "Wave"),
            Column::number("n", "n"),
            Column::number("missing", "Missing"),
            Column::number("mean", "M"),
            Column::number("sd", "SD"),
            Column::number("min", "Min"),
            Column::number("max", "Max"),
        ],
        rows,
        notes: vec!["Over the participants present at each wave; missing = present but without a score (too few items answered).".into()],
    }
}

fn reliability_table(r: &AnalysisResults) -> Table {
    Table {
        id: "reliability".into(),
        caption: "Internal consistency of the scales".into(),
        columns: vec![
            Column::text("scale", "Scale"),
            Column::text("wave", "Wave"),
            Column::number("k", "Items"),
            Column::number("n", "n"),
            Column::number("alpha", "α"),
            Column::text("alpha_ci", "95% CI (α)"),
            Column::number("omega_total", "ω"),
            Column::number("min_r_drop", "Min r (item–rest)"),
        ],
        rows: r
            .evaluation
            .reliability
            .iter()
            .map(|e| {
                let x = &e.result;
                let min_r = x
                    .item_stats
                    .iter()
                    .map(|i| i.r_drop)
                    .fold(f64::INFINITY, f64::min);
                vec![
                    text(&e.label),
                    text(&e.wave),
                    int(x.k),
                    int(x.n),
                    num(x.alpha, 2),
                    text(apa::ci(x.alpha_ci[0], x.alpha_ci[1], 2)),
                    opt(x.omega.as_ref().map(|o| o.omega), 2),
                    num(min_r, 2),
                ]
            })
            .collect(),
        notes: vec!["Cronbach's α with a Feldt CI and McDonald's ω_total from a one-factor model, on the complete cases of each scale's items; item-level statistics are in results.json.".into()],
    }
}

fn correlation_table(
    id: &str,
    caption: &str,
    c: &crate::stats::correlation::CorrelationMatrix,
) -> Table {
    let mut columns = vec![Column::text("variable", "Variable")];
    columns.extend(
        c.variables
            .iter()
            .enumerate()
            .map(|(j, v)| Column::number(v, &format!("{}. ", j + 1))),
    );
    let rows = c
        .variables
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut row = vec![text(format!("{}. {v}", i + 1))];
            row.extend((0..c.variables.len()).map(|j| {
                if j >= i {
                    return text("");
                }
                match (c.r[i][j], c.p[i][j]) {
                    (Some(r), Some(pv)) => coef(r, pv, 2),
                    (Some(r), None) => num(r, 2),
                    _ => Cell::Missing,
                }
            }));
            row
        })
        .collect();
    Table {
        id: id.into(),
        caption: caption.into(),
        columns,
        rows,
        notes: vec![format!(
            "Pearson correlations; * p < {}. Pairwise n and p-values are in results.json.",
            apa::no_leading_zero(ALPHA, 2)
        )],
    }
}

fn change_section(r: &AnalysisResults) -> Section {
    Section {
        id: "change".into(),
        title: "Change across waves".into(),
        paragraphs: change_findings_all(r),
        tables: vec![change_table(r), change_effect_table(r)],
        figure_ids: vec![],
    }
}

fn change_findings_all(r: &AnalysisResults) -> Vec<String> {
    r.mediation
        .as_ref()
        .map(|m| {
            r.evaluation
                .change
                .iter()
                .filter(|c| c.construct == m.y)
                .map(|c| change_sentence(r, c))
                .collect()
        })
        .unwrap_or_default()
}

/// A table with one row per paired comparison: construct and waves, then `columns` / `cells`.
fn change_rows_table(
    r: &AnalysisResults,
    (id, caption): (&str, &str),
    columns: Vec<Column>,
    cells: impl Fn(&ChangeEntry) -> Vec<Cell>,
    note: &str,
) -> Table {
    let mut all = vec![
        Column::text("construct", "Construct"),
        Column::text("waves", "Waves"),
    ];
    all.extend(columns);
    Table {
        id: id.into(),
        caption: caption.into(),
        columns: all,
        rows: r
            .evaluation
            .change
            .iter()
            .map(|c| {
                let mut row = vec![text(&c.label), text(format!("{}–{}", c.from, c.to))];
                row.extend(cells(c));
                row
            })
            .collect(),
        notes: vec![note.into()],
    }
}

fn change_table(r: &AnalysisResults) -> Table {
    change_rows_table(
        r,
        ("change_across_waves", "Paired change between waves"),
        vec![
            Column::number("n", "n"),
            Column::number("mean_from", "M (from)"),
            Column::number("mean_to", "M (to)"),
            Column::number("mean_change", "Change"),
            Column::text("change_ci", "95% CI"),
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
        "Participants observed at both waves; change = later − earlier. Paired t tests, Holm-adjusted across every construct and wave pair (unadjusted p-values are in results.json). * Holm-adjusted p < .05.",
    )
}

fn change_effect_table(r: &AnalysisResults) -> Table {
    change_rows_table(
        r,
        ("change_effect_sizes", "Standardized change and the signed-rank test"),
        vec![
            Column::number("d_z", "d_z"),
            Column::text("d_z_ci", "95% CI (d_z)"),
            Column::number("d_av", "d_av"),
            Column::text("d_av_ci", "95% CI (d_av)"),
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
        "d_z = mean change / SD of the change scores; d_av = mean change / mean of the two waves' SDs (Lakens, 2013); CIs by inverting the noncentral t distribution. V = Wilcoxon signed-rank statistic (exact for n < 50 without ties or zeros, otherwise the normal approximation with continuity correction), p Holm-adjusted across every construct and wave pair.",
    )
}

fn regression_section(r: &AnalysisResults) -> Section {
    let mut tables: Vec<Table> = r
        .evaluation
        .regressions
        .iter()
        .map(regression_table)
        .collect();
    if let Some(c) = &r.evaluation.correlations.change {
        tables.push(correlation_table(
            "correlations_change",
            &format!(
                "Correlations of change scores ({} − {})",
                r.evaluation.correlations.change_to, r.evaluation.correlations.change_from
            ),
            c,
        ));
    }
    Section {
        id: "regressions".into(),
        title: "Change-score regressions".into(),
        paragraphs: r
            .evaluation
            .notes
            .iter()
            .map(|n| format!("Not reported: {n}"))
            .collect(),
        tables,
        figure_ids: vec!["correlation_heatmap".into()],
    }
}

fn terms_table(id: &str, caption: &str, fit: &OlsResult, notes: Vec<String>) -> Table {
    Table {
        id: id.into(),
        caption: caption.into(),
        columns: term_columns(),
        rows: fit.terms.iter().map(|t| term_row(&t.term, t)).collect(),
        notes,
    }
}

fn term_columns() -> Vec<Column> {
    vec![
        Column::text("term", "Term"),
        Column::number("estimate", "b"),
        Column::number("se", "SE"),
        Column::number("statistic", "t"),
        Column::number("p", "p"),
        Column::number("ci_low", "CI low"),
        Column::number("ci_high", "CI high"),
    ]
}

fn term_row(name: &str, t: &crate::stats::ols::Term) -> Vec<Cell> {
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

fn fit_note(fit: &OlsResult) -> String {
    format!(
        "n = {}, R² = {}, adjusted R² = {}, F({}, {}) = {}, {}; MSE = {}; {} standard errors; {} CIs.",
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

fn regression_table(e: &RegressionEntry) -> Table {
    let excluded: usize = e.exclusions.iter().map(|x| x.count).sum();
    terms_table(
        &format!("regression_{}", e.id),
        &format!("{} ({})", e.title, e.formula),
        &e.fit,
        vec![
            fit_note(&e.fit),
            format!(
                "{} of {} baseline participants analysed; {} excluded ({}).",
                e.fit.n,
                e.n_baseline,
                excluded,
                e.exclusions
                    .iter()
                    .map(|x| format!("{}: {}", x.reason, x.count))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            "* p < .05. Δ / d_ = change score (later − earlier).".into(),
        ],
    )
}

fn mediation_section(r: &AnalysisResults, m: &MediationResult) -> Section {
    let mut tables: Vec<Table> = m
        .equations
        .iter()
        .chain([&m.total_model])
        .enumerate()
        .map(|(i, eq)| {
            let total = i == m.equations.len();
            terms_table(
                &format!(
                    "mediation_equation_{}{}",
                    i + 1,
                    if total { "_total" } else { "" }
                ),
                &format!(
                    "{}: outcome {}",
                    if total {
                        "Total-effect model".to_string()
                    } else {
                        format!("Equation {}", i + 1)
                    },
                    eq.outcome
                ),
                eq,
                vec![fit_note(eq)],
            )
        })
        .collect();
    tables.push(effects_table(m));
    tables.push(indirect_table(m));
    if !m.contrasts.is_empty() {
        tables.push(contrast_table(m));
    }
    let s = &r.model_sample;
    let excluded: Vec<String> = s
        .exclusions
        .iter()
        .map(|e| format!("{} ({})", e.reason, e.count))
        .collect();
    Section {
        id: "mediation".into(),
        title: "Serial mediation".into(),
        paragraphs: vec![format!(
            "The serial mediation model (PROCESS Model 6) was fitted to change scores ({} − {}) of {} participants with complete data ({} baseline participants; excluded: {}). Covariates: {}.",
            s.to_wave,
            s.from_wave,
            s.n,
            s.n_baseline,
            if excluded.is_empty() { "none".to_string() } else { excluded.join("; ") },
            if m.covariates.is_empty() { "none".to_string() } else { m.covariates.join(", ") }
        )],
        tables,
        figure_ids: vec![
            "path_diagram".into(),
            "indirect_effects".into(),
            "bootstrap_distribution".into(),
        ],
    }
}

fn effects_table(m: &MediationResult) -> Table {
    let row = |name: &str, e: &crate::stats::mediation::PathEffect| {
        vec![
            text(name),
            coef(e.estimate, e.p, 3),
            num(e.se, 3),
            num(e.t, 2),
            p(e.p),
            num(e.ci_low, 3),
            num(e.ci_high, 3),
        ]
    };
    Table {
        id: "mediation_total_direct".into(),
        caption: format!("Total and direct effect of {} on {}", m.x, m.y),
        columns: term_columns(),
        rows: vec![
            row("Total effect (c)", &m.total_effect),
            row("Direct effect (c′)", &m.direct_effect),
        ],
        notes: vec![],
    }
}

fn indirect_table(m: &MediationResult) -> Table {
    let b = &m.bootstrap;
    Table {
        id: "mediation_indirect".into(),
        caption: format!("Indirect effects of {} on {}", m.x, m.y),
        columns: vec![
            Column::text("label", "Effect"),
            Column::text("path", "Path"),
            Column::number("estimate", "b"),
            Column::number("boot_se", "Boot SE"),
            Column::number("ci_low", "Boot CI low"),
            Column::number("ci_high", "Boot CI high"),
        ],
        rows: m
            .indirect_effects
            .iter()
            .map(|e| {
                let excludes_zero = e.ci_low > 0.0 || e.ci_high < 0.0;
                vec![
                    text(&e.label),
                    text(
                        e.path
                            .as_ref()
                            .map_or("total indirect effect".into(), |p| p.join(" → ")),
                    ),
                    Cell::Coef {
                        value: e.estimate,
                        digits: 4,
                        significant: excludes_zero,
                    },
                    num(e.boot_se, 4),
                    num(e.ci_low, 4),
                    num(e.ci_high, 4),
                ]
            })
            .collect(),
        notes: vec![format!(
            "{} {}CI from B = {} bootstrap resamples (seed {}{}). * CI excludes zero.",
            apa::level_percent(b.level),
            ci_kind(b.ci).phrase(),
            b.samples,
            b.seed,
            if b.replaced > 0 {
                format!(
                    "; {} resamples with a singular design were redrawn",
                    b.replaced
                )
            } else {
                String::new()
            }
        )],
    }
}

fn contrast_table(m: &MediationResult) -> Table {
    Table {
        id: "mediation_contrasts".into(),
        caption: "Pairwise contrasts of specific indirect effects".into(),
        columns: vec![
            Column::text("label", "Contrast"),
            Column::text("definition", "Definition"),
            Column::number("estimate", "Estimate"),
            Column::number("boot_se", "Boot SE"),
            Column::number("ci_low", "Boot CI low"),
            Column::number("ci_high", "Boot CI high"),
        ],
        rows: m
            .contrasts
            .iter()
            .map(|c| {
                vec![
                    text(&c.label),
                    text(format!("{} − {}", c.minuend, c.subtrahend)),
                    Cell::Coef {
                        value: c.estimate,
                        digits: 4,
                        significant: c.ci_low > 0.0 || c.ci_high < 0.0,
                    },
                    num(c.boot_se, 4),
                    num(c.ci_low, 4),
                    num(c.ci_high, 4),
                ]
            })
            .collect(),
        notes: vec![],
    }
}

// ---------------------------------------------------------------- methods

fn methods(r: &AnalysisResults) -> Vec<String> {
    let mut out = vec![format!(
        "Analyses were run with spcure {} (results schema {}) on the study spec {}. Scale scores are the mean of the answered items when at least the spec's minimum share of items was answered; reverse-keyed items were reversed first. Each analysis uses the participants with complete data on its variables (listwise deletion, as PROCESS), and every exclusion is counted by reason in the tables and in results.json.",
        r.spcure_version, r.schema_version, r.spec_source
    )];
    if let Some(m) = &r.mediation {
        let b = &m.bootstrap;
        out.push(format!(
            "The serial mediation model (Hayes' PROCESS Model 6) was estimated by OLS, one equation per mediator and one for the outcome, with covariates in every equation; {} standard errors. Indirect effects are products of coefficients along each path; their {} {}confidence intervals come from B = {} nonparametric case-resampling bootstrap samples with seed {}{}.",
            m.equations.first().and_then(|e| e.hc).map_or("classical OLS".to_string(), |h| format!("{h:?}").to_uppercase()),
            apa::level_percent(b.level),
            ci_kind(b.ci).phrase(),
            b.samples,
            b.seed,
            if b.seed_drawn == Some(true) { " (drawn at random; pass --seed to repeat the run)" } else { "" }
        ));
    }
    let files: Vec<String> = r
        .load
        .files
        .iter()
        .map(|f| format!("{} {} (SHA-256 {})", f.wave, f.path, f.sha256))
        .collect();
    out.push(format!("Input files: {}.", files.join("; ")));
    out
}

// ---------------------------------------------------------------- figures

/// The figure inputs of an analysis, in the order they are written.
pub fn figures(r: &AnalysisResults) -> Vec<Figure> {
    let mut out = vec![
        Figure {
            id: "attrition_flow".into(),
            caption: flow_caption(r),
            svg: plot::attrition_flow(&flow_input(r)),
        },
        Figure {
            id: "trajectories".into(),
            caption: "Mean score of each construct by wave with 95% confidence intervals (participants present at each wave).".into(),
            svg: plot::trajectories(&trajectories_input(r)),
        },
    ];
    if let Some(c) = &r.evaluation.correlations.change {
        out.push(Figure {
            id: "correlation_heatmap".into(),
            caption: format!(
                "Correlations among change scores ({} − {}).",
                r.evaluation.correlations.change_to, r.evaluation.correlations.change_from
            ),
            svg: plot::correlation_heatmap(&plot::Heatmap {
                names: c.variables.clone(),
                r: c.r.clone(),
            }),
        });
    }
    if let Some(m) = &r.mediation {
        out.extend(mediation_figures(r, m));
    }
    out
}

fn flow_input(r: &AnalysisResults) -> plot::AttritionFlow {
    // Attrition only: the model's own sample is stated in the caption, because the model
    // uses one follow-up wave and the diagram shows them all.
    plot::AttritionFlow {
        stages: r
            .evaluation
            .attrition
            .flow
            .iter()
            .map(|f| plot::FlowStage {
                label: f.wave.clone(),
                n: f.n as u64,
            })
            .collect(),
        excluded: Vec::new(),
        analysed: None,
    }
}

fn flow_caption(r: &AnalysisResults) -> String {
    let s = &r.model_sample;
    let other: Vec<String> = s
        .exclusions
        .iter()
        .filter(|e| !e.reason.starts_with("not followed up"))
        .map(|e| format!("{}: {}", e.reason, e.count))
        .collect();
    format!(
        "Participant flow across waves. The mediation model on change {} − {} analysed n = {}{}.",
        s.to_wave,
        s.from_wave,
        s.n,
        if other.is_empty() {
            String::new()
        } else {
            format!(" (also excluded: {})", other.join("; "))
        }
    )
}

fn trajectories_input(r: &AnalysisResults) -> plot::Trajectories {
    let waves: Vec<String> = r.load.files.iter().map(|f| f.wave.clone()).collect();
    let mut constructs: Vec<plot::ConstructSeries> = Vec::new();
    for d in &r.descriptives {
        let point = wave_point(&d.summary);
        match constructs.iter_mut().find(|c| c.name == d.label) {
            Some(c) => c.points.push(point),
            None => constructs.push(plot::ConstructSeries {
                name: d.label.clone(),
                points: vec![point],
            }),
        }
    }
    plot::Trajectories { waves, constructs }
}

/// Mean ± t-based 95% CI.
fn wave_point(s: &crate::stats::descriptives::Summary) -> plot::WavePoint {
    let half = match (s.sd, s.n) {
        (Some(sd), n) if n > 1 => {
            Some(dist::t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt())
        }
        _ => None,
    };
    plot::WavePoint {
        mean: s.mean,
        ci_low: s.mean.zip(half).map(|(m, h)| m - h),
        ci_high: s.mean.zip(half).map(|(m, h)| m + h),
        n: s.n as u64,
    }
}

fn mediation_figures(r: &AnalysisResults, m: &MediationResult) -> Vec<Figure> {
    let b = &m.bootstrap;
    let ci_label = format!(
        "{} {}CI",
        apa::level_percent(b.level),
        ci_kind(b.ci).phrase()
    );
    let mut out = vec![Figure {
        id: "path_diagram".into(),
        caption: format!(
            "Serial mediation model on change scores: unstandardized OLS coefficients; solid arrows p < .05, dashed arrows p ≥ .05. Total effect c = {}.",
            apa::fixed(m.total_effect.estimate, 3)
        ),
        svg: plot::path_diagram(&path_input(r, m)),
    }];
    let rows = |effects: Vec<(String, String, f64, f64, f64)>| {
        effects
            .into_iter()
            .map(
                |(label, sublabel, estimate, ci_low, ci_high)| plot::ForestRow {
                    label,
                    sublabel,
                    estimate,
                    ci_low,
                    ci_high,
                },
            )
            .collect::<Vec<_>>()
    };
    let mut groups = vec![plot::ForestGroup {
        heading: Some("Indirect effects".into()),
        rows: rows(
            m.indirect_effects
                .iter()
                .map(|e| {
                    let path = e.path.as_ref().map_or("total".into(), |p| p.join(" → "));
                    (e.label.clone(), path, e.estimate, e.ci_low, e.ci_high)
                })
                .collect(),
        ),
    }];
    if !m.contrasts.is_empty() {
        groups.push(plot::ForestGroup {
            heading: Some("Contrasts".into()),
            rows: rows(
                m.contrasts
                    .iter()
                    .map(|c| {
                        (
                            c.label.clone(),
                            format!("{} − {}", c.minuend, c.subtrahend),
                            c.estimate,
                            c.ci_low,
                            c.ci_high,
                        )
                    })
                    .collect(),
            ),
        });
    }
    out.push(Figure {
        id: "indirect_effects".into(),
        caption: format!("Indirect effects with {ci_label} (B = {}).", b.samples),
        svg: plot::forest(&plot::Forest {
            x_label: format!("Indirect effect on Δ{}", m.y),
            groups,
        }),
    });
    let d = &m.serial_distribution;
    if let Some(full) = m.indirect_effects.iter().find(|e| e.label == d.label) {
        out.push(Figure {
            id: "bootstrap_distribution".into(),
            caption: format!(
                "Bootstrap distribution of the full serial indirect effect ({}), B = {}, with the point estimate and the {ci_label}.",
                d.path.join(" → "),
                b.samples
            ),
            svg: plot::bootstrap_histogram(&plot::BootHistogram {
                label: d.path.join(" → "),
                edges: d.edges.clone(),
                counts: d.counts.clone(),
                estimate: full.estimate,
                ci_low: full.ci_low,
                ci_high: full.ci_high,
                ci_label,
            }),
        });
    }
    out
}

fn path_input(r: &AnalysisResults, m: &MediationResult) -> plot::PathDiagram {
    let mut labels = vec![format!("Δ {}", label_of(r, &m.x))];
    labels.extend(m.mediators.iter().map(|c| format!("Δ {}", label_of(r, c))));
    labels.push(format!("Δ {}", label_of(r, &m.y)));
    let names: Vec<&str> = std::iter::once(m.x.as_str())
        .chain(m.mediators.iter().map(String::as_str))
        .chain([m.y.as_str()])
        .collect();
    let mut paths = Vec::new();
    for (to, eq) in m.equations.iter().enumerate() {
        let to = to + 1;
        for (from, name) in names[..to].iter().enumerate() {
            if let Some(t) = eq.term(name) {
                paths.push(plot::PathCoef {
                    from,
                    to,
                    estimate: t.estimate,
                    ci_low: t.ci_low,
                    ci_high: t.ci_high,
                    p: t.p,
                });
            }
        }
    }
    let e = &m.total_effect;
    plot::PathDiagram {
        labels,
        paths,
        total: Some(plot::PathCoef {
            from: 0,
            to: names.len() - 1,
            estimate: e.estimate,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            p: e.p,
        }),
        note: Some(format!(
            "n = {}; covariates: {}",
            m.n,
            if m.covariates.is_empty() {
                "none".into()
            } else {
                m.covariates.join(", ")
            }
        )),
    }
}

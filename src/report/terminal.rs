//! Terminal summary of an analysis: load summary, attrition chain, per-wave descriptives, then
//! the key findings and the headline tables of the report model (the full report is in the
//! output directory).

use std::io::{self, Write};

use super::model::{Renderer, Report, Section};
use super::table::TerminalRenderer;
use crate::results::AnalysisResults;

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.digits$}"))
}

/// Writes the summary (fits in 100 columns).
pub fn write_summary(r: &AnalysisResults, report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "spcure {} — {}", r.spcure_version, r.study)?;
    writeln!(out)?;
    writeln!(out, "Loaded")?;
    for f in &r.load.files {
        writeln!(
            out,
            "  {:<3} {:>5} rows  {:>5} baseline participants  (delimiter '{}')  {}",
            f.wave, f.rows, f.retained, f.delimiter, f.path
        )?;
    }
    let chain: Vec<String> = r.load.attrition.iter().map(|n| n.to_string()).collect();
    let labels: Vec<&str> = r.load.files.iter().map(|f| f.wave.as_str()).collect();
    writeln!(
        out,
        "  Attrition ({}): {}",
        labels.join(" → "),
        chain.join(" → ")
    )?;
    if !r.load.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "Warnings ({})", r.load.warnings.len())?;
        for w in &r.load.warnings {
            writeln!(out, "  ! {w}")?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Descriptives (participants present at each wave)")?;
    writeln!(
        out,
        "  {:<32} {:<4} {:>5} {:>7} {:>8} {:>8}",
        "construct", "wave", "n", "missing", "mean", "SD"
    )?;
    for d in &r.descriptives {
        writeln!(
            out,
            "  {:<32} {:<4} {:>5} {:>7} {:>8} {:>8}",
            truncate(&d.label, 32),
            d.wave,
            d.summary.n,
            d.summary.missing,
            opt(d.summary.mean, 3),
            opt(d.summary.sd, 3)
        )?;
    }
    for c in &r.covariates {
        writeln!(
            out,
            "  {:<32} {:<4} {:>5} {:>7} {:>8} {:>8}",
            truncate(&c.label, 32),
            "T0",
            c.summary.n,
            c.summary.missing,
            opt(c.summary.mean, 3),
            opt(c.summary.sd, 3)
        )?;
    }
    let s = &r.model_sample;
    writeln!(out)?;
    writeln!(
        out,
        "Model sample (change {}−{}): n = {} of {} baseline participants",
        s.to_wave, s.from_wave, s.n, s.n_baseline
    )?;
    for e in &s.exclusions {
        writeln!(out, "  excluded {:>4}: {}", e.count, e.reason)?;
    }
    for n in r.notes.iter().chain(&r.evaluation.notes) {
        writeln!(out, "  note: {n}")?;
    }
    writeln!(out)?;
    TerminalRenderer::default().render(&headline(report), out)
}

/// Key findings with the change and mediation tables: what a researcher reads first.
fn headline(full: &Report) -> Report {
    const HEADLINE_TABLES: &[&str] = &[
        "change_across_waves",
        "mediation_total_direct",
        "mediation_indirect",
    ];
    let sections = full
        .sections
        .iter()
        .cloned()
        .map(|s| Section {
            tables: s
                .tables
                .into_iter()
                .filter(|t| HEADLINE_TABLES.contains(&t.id.as_str()))
                .collect(),
            paragraphs: Vec::new(),
            figure_ids: Vec::new(),
            ..s
        })
        .filter(|s| !s.tables.is_empty())
        .collect();
    Report {
        title: "Results".into(),
        subtitle: None,
        key_findings: full.key_findings.clone(),
        sections,
        methods: Vec::new(),
        figures: Vec::new(),
    }
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        s.chars().take(width - 1).chain(['…']).collect()
    }
}

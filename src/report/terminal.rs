//! Terminal summary of an analysis: load summary, attrition chain, per-wave descriptives, then
//! the key findings and the headline tables of the report model (the full report is in the
//! output directory).

use std::io::{self, Write};

use super::model::{Renderer, Report, Section};
use super::table::TerminalRenderer;
use crate::analysis::descriptives::Descriptives;
use crate::analysis::{Kind, Output};
use crate::prepare::is_own_indicator;
use crate::results::AnalysisResults;
use crate::stats::descriptives::Summary;

fn opt(v: Option<f64>, digits: usize) -> String {
    // Through the APA formatter, so that a value rounding to zero never prints as "-0.000".
    v.map_or_else(|| "—".to_string(), |x| super::apa::fixed(x, digits))
}

/// Writes the summary (fits in 100 columns).
pub fn write_summary(r: &AnalysisResults, report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "spcure {} — {}", r.spcure_version, r.study)?;
    writeln!(out)?;
    writeln!(out, "Loaded")?;
    let layout = &r.load.layout;
    if layout.layout != crate::load::Layout::Waves {
        let how = if layout.detected {
            "detected"
        } else {
            "--layout"
        };
        writeln!(out, "  Layout ({how}): {}", layout.description)?;
    }
    for f in &r.load.files {
        let comma = if f.decimal == crate::load::DecimalMark::Comma {
            ", decimal ','"
        } else {
            ""
        };
        writeln!(
            out,
            "  {:<3} {:>5} rows  {:>5} baseline participants  (delimiter '{}'{comma})  {}",
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
    for (_, o) in r.outputs(Kind::Descriptives) {
        if let Output::Descriptives(d) = o {
            descriptives(d, out)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Analyses ({})", r.analyses.len())?;
    for e in &r.analyses {
        match (&e.not_run, &e.sample) {
            (Some(why), _) => writeln!(out, "  {:<28} not run: {why}", e.id)?,
            (None, Some(s)) if e.kind.is_model() => {
                writeln!(out, "  {:<28} {}", e.id, s.describe())?
            }
            _ => {}
        }
    }
    writeln!(out)?;
    TerminalRenderer::default().render(&headline(report), out)
}

fn descriptives(d: &Descriptives, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Descriptives (participants present at each wave)")?;
    writeln!(
        out,
        "  {:<32} {:<4} {:>5} {:>7} {:>8} {:>8}",
        "construct", "wave", "n", "missing", "mean", "SD"
    )?;
    let line = |out: &mut dyn Write, label: &str, wave: &str, s: &Summary, stats: bool| {
        let (mean, sd) = if stats {
            (opt(s.mean, 3), opt(s.sd, 3))
        } else {
            ("—".to_string(), "—".to_string())
        };
        writeln!(
            out,
            "  {:<32} {:<4} {:>5} {:>7} {:>8} {:>8}",
            truncate(label, 32),
            wave,
            s.n,
            s.missing,
            mean,
            sd
        )
    };
    for c in &d.constructs {
        line(out, &c.label, &c.wave, &c.summary, true)?;
    }
    for c in &d.covariates {
        // Level indices have no mean: only a 0/1 variable's mean (a share) is shown.
        let levels: Vec<&str> = c.levels.iter().map(|l| l.level.as_str()).collect();
        let stats = levels.is_empty() || is_own_indicator(&levels);
        line(out, &c.label, "T0", &c.summary, stats)?;
        if !stats {
            let counts: Vec<String> = c
                .levels
                .iter()
                .map(|l| format!("{} {}", l.level, l.n))
                .collect();
            writeln!(out, "    levels (reference first): {}", counts.join(", "))?;
        }
    }
    Ok(())
}

/// Key findings with the change and mediation tables: what a researcher reads first.
fn headline(full: &Report) -> Report {
    const HEADLINE_SUFFIXES: &[&str] = &["_across_waves", "_total_direct", "_indirect"];
    let sections = full
        .sections
        .iter()
        .cloned()
        .map(|s| Section {
            tables: s
                .tables
                .into_iter()
                .filter(|t| HEADLINE_SUFFIXES.iter().any(|x| t.id.ends_with(x)))
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

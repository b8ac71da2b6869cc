//! `spcure analyse`: load the waves, plan the analyses, run them, and write every table and
//! figure.

use std::io::Write;

use anyhow::{Context as _, Result};

use crate::analysis::{self, Context, Settings};
use crate::config::AnalyseConfig;
use crate::load::{load_study, write_panel_csv, LoadSummary, Panel};
use crate::output::OutputDir;
use crate::report::build::build_disclosed;
use crate::report::terminal;
use crate::report::write::write_outputs;
use crate::results::{AnalysisResults, SCHEMA_VERSION};
use crate::stats::ols::OlsSpec;
use crate::stats::StatsError;

pub fn run(cfg: &AnalyseConfig) -> Result<()> {
    let inputs = cfg.input.paths();
    let (panel, load) = load_study(&cfg.input, &cfg.spec, &cfg.load)?;
    let plan = analysis::plan(&cfg.spec, &panel)?;
    let out = OutputDir::prepare(&cfg.out, cfg.force, &inputs)?;
    let results = super::with_threads(cfg.boot.threads, || analyse(cfg, &panel, load, &plan))?;
    let report = build_disclosed(&results, cfg.min_cell);
    let mut written = write_outputs(&results, &report, &out, &cfg.formats, cfg.dpi)?;
    // Row-level data only on request: what is shared by default holds no individual's scores.
    if cfg.write_panel {
        let mut panel_csv = Vec::new();
        write_panel_csv(&panel, &mut panel_csv).context("cannot write the panel")?;
        written.push(out.write("panel.csv", &panel_csv)?);
    }
    let mut stdout = std::io::stdout().lock();
    terminal::write_summary(&results, &report, &mut stdout)?;
    writeln!(
        stdout,
        "\nWrote {} files into {}: {}",
        written.len(),
        out.path.display(),
        written_summary(&written, &out.path)
    )?;
    let failed: Vec<String> = results
        .analyses
        .iter()
        .filter(|e| e.kind.is_model())
        .filter_map(|e| e.not_run.as_ref().map(|why| format!("{}: {why}", e.title)))
        .collect();
    if !failed.is_empty() {
        return Err(StatsError::Invalid(format!(
            "{}; every other result was written to {}",
            failed.join("; "),
            out.path.display()
        ))
        .into());
    }
    Ok(())
}

/// "report.html, report.md, results.json, tables/ (22), figures/ (12)" (and panel.csv with
/// `--write-panel`).
fn written_summary(written: &[std::path::PathBuf], root: &std::path::Path) -> String {
    let mut top = Vec::new();
    let mut dirs: Vec<(String, usize)> = Vec::new();
    for path in written {
        let rel = path.strip_prefix(root).unwrap_or(path);
        let mut parts = rel.components();
        let first = parts
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        if parts.next().is_none() {
            top.push(first);
        } else {
            match dirs.iter_mut().find(|(d, _)| *d == first) {
                Some((_, n)) => *n += 1,
                None => dirs.push((first, 1)),
            }
        }
    }
    top.extend(dirs.into_iter().map(|(d, n)| format!("{d}/ ({n})")));
    top.join(", ")
}

/// Every planned analysis on a loaded panel (no I/O).
pub fn analyse(
    cfg: &AnalyseConfig,
    panel: &Panel,
    load: LoadSummary,
    plan: &[analysis::Planned],
) -> AnalysisResults {
    let level = cfg.boot.boot.level;
    let settings = Settings {
        level,
        ols: OlsSpec {
            intercept: true,
            hc: cfg.boot.hc,
            level,
        },
        boot: cfg.boot.boot.clone(),
        seed_drawn: cfg.boot.seed_drawn,
    };
    let cx = Context {
        panel,
        spec: &cfg.spec,
        settings: &settings,
    };
    AnalysisResults {
        schema_version: SCHEMA_VERSION.to_string(),
        spcure_version: crate::VERSION.to_string(),
        study: cfg.spec.study.name.clone(),
        spec_source: cfg.spec_source.clone(),
        spec_toml: cfg.spec_text.clone(),
        load,
        analyses: analysis::run(plan, &cx),
    }
}

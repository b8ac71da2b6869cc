//! `spcure report`: regenerate every table and figure from a saved results.json, without the
//! data and without re-running the bootstrap.

use std::io::Write;

use anyhow::{Context, Result};

use crate::config::report::ReportConfig;
use crate::error::UsageError;
use crate::output::OutputDir;
use crate::report::build::build_disclosed;
use crate::report::write::write_outputs;
use crate::results::{AnalysisResults, SCHEMA_VERSION};

pub fn run(cfg: &ReportConfig) -> Result<()> {
    let text = std::fs::read_to_string(&cfg.results)
        .with_context(|| format!("cannot read {}", cfg.results.display()))?;
    let results = parse(&text, &cfg.results.display().to_string())?;
    let out = OutputDir::prepare(&cfg.out, cfg.force, std::slice::from_ref(&cfg.results))?;
    let written = write_outputs(
        &results,
        &build_disclosed(&results, cfg.min_cell),
        &out,
        &cfg.formats,
        cfg.dpi,
    )?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "Regenerated {} files from {} into {}",
        written.len(),
        cfg.results.display(),
        out.path.display()
    )?;
    stdout.flush()?;
    Ok(())
}

/// Parses results.json, refusing another major schema version with a clear message.
pub fn parse(text: &str, source: &str) -> Result<AnalysisResults, UsageError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| UsageError::new(format!("{source}: not valid JSON ({e})")))?;
    let version = value
        .get("schema_version")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            UsageError::new(format!(
                "{source}: no schema_version; give the results.json written by `spcure analyse`"
            ))
        })?;
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    if major(version) != major(SCHEMA_VERSION) {
        return Err(UsageError::new(format!(
            "{source}: results schema {version}, but this spcure reads schema {SCHEMA_VERSION}; regenerate it with this version of `spcure analyse`"
        )));
    }
    let results: AnalysisResults = serde_json::from_str(text).map_err(|e| {
        UsageError::new(format!(
            "{source}: does not match the results schema {SCHEMA_VERSION} ({e}); give the results.json written by `spcure analyse`"
        ))
    })?;
    results.validate().map_err(|m| {
        UsageError::new(format!(
            "{source}: inconsistent results ({m}); regenerate it with `spcure analyse`"
        ))
    })?;
    Ok(results)
}

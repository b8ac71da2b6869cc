//! `spcure spec`: print the default spec or validate one.

use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::SpecArgs;
use crate::error::UsageError;
use crate::spec::{Covariate, StudySpec, DEFAULT_SPEC};

pub fn run(a: &SpecArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if a.print_default {
        write!(out, "{DEFAULT_SPEC}")?;
        out.flush()?;
        return Ok(());
    }
    let Some(path) = &a.check else {
        return Err(UsageError::new("give --print-default or --check FILE").into());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let spec = StudySpec::parse(&text, &path.display().to_string())?;
    writeln!(out, "{}: valid. {}", path.display(), describe(&spec))?;
    for c in spec.covariates.iter().filter(|c| c.categorical) {
        writeln!(out, "  {}", describe_categorical(c))?;
    }
    out.flush()?;
    Ok(())
}

/// The model and the `[[analysis]]` tables, in one line each.
fn describe(spec: &StudySpec) -> String {
    let mut parts = Vec::new();
    if let Some(m) = &spec.model {
        parts.push(format!(
            "Model: {} → {} → {} (covariates: {}), change {}−{}",
            m.x(),
            m.mediators().join(" → "),
            m.y(),
            if m.covariates.is_empty() {
                "none".to_string()
            } else {
                m.covariates().join(", ")
            },
            m.to_wave.get_ref(),
            m.from_wave.get_ref()
        ));
    }
    if !spec.analyses.is_empty() {
        let kinds: Vec<&str> = spec.analyses.iter().map(|a| a.kind()).collect();
        parts.push(format!("Analyses: {}", kinds.join(", ")));
    }
    if parts.is_empty() {
        parts.push("No model: analyse runs descriptives, reliability, correlations, attrition and change across waves".into());
    }
    parts.join(". ")
}

/// One line on a categorical baseline variable: its levels and reference.
fn describe_categorical(c: &Covariate) -> String {
    let levels = match c.levels() {
        Some(l) => l.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", "),
        None => "from the baseline data".into(),
    };
    let reference = match (c.reference(), c.levels()) {
        (Some(r), _) => r.to_string(),
        (None, Some(l)) => l[0].to_string(),
        (None, None) => "the first level (numeric codes ascending, then text)".into(),
    };
    format!(
        "{} (column '{}'): categorical; levels: {levels}; reference: {reference}",
        c.name(),
        c.column
    )
}

//! `spcure spec`: print the default spec or validate one.

use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::SpecArgs;
use crate::error::UsageError;
use crate::spec::{StudySpec, DEFAULT_SPEC};

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
    let m = &spec.model;
    writeln!(
        out,
        "{}: valid. Model: {} → {} → {} (covariates: {}), change {}−{}",
        path.display(),
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
    )?;
    out.flush()?;
    Ok(())
}

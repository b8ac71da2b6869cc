//! `spcure spec`: print the default spec, validate one, or draft one from wave files.

use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::SpecArgs;
use crate::config::wave_overrides;
use crate::error::UsageError;
use crate::load::{assign_waves, read_draft_columns};
use crate::spec::draft::{draft, DraftSummary};
use crate::spec::{Covariate, StudySpec, DEFAULT_SPEC};

pub fn run(a: &SpecArgs) -> Result<()> {
    let modes = usize::from(a.print_default)
        + usize::from(a.check.is_some())
        + usize::from(!a.draft.is_empty());
    if modes > 1 {
        return Err(
            UsageError::new("give one of --print-default, --check FILE or --draft FILE…").into(),
        );
    }
    if !a.draft.is_empty() {
        return run_draft(a);
    }
    let mut out = std::io::stdout().lock();
    if a.print_default {
        write!(out, "{DEFAULT_SPEC}")?;
        out.flush()?;
        return Ok(());
    }
    let Some(path) = &a.check else {
        return Err(UsageError::new("give --print-default, --check FILE or --draft FILE…").into());
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

/// `--draft`: reads the wave files (waves from their names, as `analyse`), drafts a spec and
/// writes it to `--out` (with a summary on stdout) or to stdout.
fn run_draft(a: &SpecArgs) -> Result<()> {
    let overrides = wave_overrides(&a.waves)?;
    let mut paths = a.draft.clone();
    for (_, p) in &overrides {
        if !paths.contains(p) {
            paths.push(p.clone());
        }
    }
    let files = assign_waves(&paths, &overrides)?;
    if let Some(path) = a.out.as_ref().filter(|p| p.exists() && !a.force) {
        return Err(UsageError::new(format!(
            "{} exists; give another --out, or add --force to overwrite it",
            path.display()
        ))
        .into());
    }
    let data = files
        .iter()
        .map(read_draft_columns)
        .collect::<Result<Vec<_>, _>>()?;
    let d = draft(&data).map_err(|e| UsageError::new(e.to_string()))?;
    // The draft is promised to be valid as written; failing that is a bug in the drafter.
    if let Err(e) = StudySpec::parse(&d.toml, "<drafted spec>") {
        return Err(anyhow::anyhow!(
            "the drafted spec does not validate ({e}); this is a bug in spcure, please report it"
        ));
    }
    let mut out = std::io::stdout().lock();
    match &a.out {
        None => write!(out, "{}", d.toml)?,
        Some(path) => {
            std::fs::write(path, &d.toml)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let files: Vec<String> = a.draft.iter().map(|p| p.display().to_string()).collect();
            write!(
                out,
                "{}",
                summary(&d.summary, &path.display().to_string(), &files.join(" "))
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// What the draft holds and what to review, for the terminal.
fn summary(s: &DraftSummary, path: &str, files: &str) -> String {
    let mut out = format!(
        "Wrote {path}: id column '{}'; waves {}\n  {} construct(s): {}\n  {} baseline variable(s): {}\n",
        s.id_column,
        s.waves.join(", "),
        s.constructs.len(),
        list_or_none(&s.constructs),
        s.covariates.len(),
        list_or_none(&s.covariates),
    );
    if !s.added_codes.is_empty() {
        out.push_str(&format!(
            "Review: missing-value code(s) found in the data: {}\n",
            s.added_codes.join(", ")
        ));
    }
    if !s.reverse_flagged.is_empty() {
        out.push_str(&format!(
            "Review: likely reverse-keyed (negative item–rest correlation at baseline): {}\n",
            s.reverse_flagged.join(", ")
        ));
    }
    if !s.left_out.is_empty() {
        out.push_str(&format!(
            "Left out: {}\n",
            crate::load::list_capped(&s.left_out)
        ));
    }
    out.push_str(&format!(
        "Next: edit {path} (ranges, labels, reverse-keyed items, the [model]), then\n  spcure spec --check {path}\n  spcure analyse {files} --spec {path}\n"
    ));
    out
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
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

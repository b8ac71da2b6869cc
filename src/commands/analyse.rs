//! `spcure analyse`: load the waves, score, describe, evaluate, mediate, and write every
//! table and figure.

use std::io::Write;

use anyhow::{Context, Result};

use crate::config::AnalyseConfig;
use crate::evaluation::{evaluate, EvaluationSpec};
use crate::load::{load_study, wave_label, write_panel_csv, LoadSummary, Panel};
use crate::output::OutputDir;
use crate::prepare::{model_frame, present_scores, ModelFrame, Var};
use crate::report::build::build;
use crate::report::terminal;
use crate::report::write::write_outputs;
use crate::results::{
    AnalysisResults, ConstructDescriptives, CovariateDescriptives, ModelSample, SCHEMA_VERSION,
};
use crate::spec::wave_number;
use crate::stats::descriptives::summarise;
use crate::stats::mediation::{MediationData, MediationResult, MediationSpec};
use crate::stats::ols::OlsSpec;
use crate::stats::StatsError;

pub fn run(cfg: &AnalyseConfig) -> Result<()> {
    let inputs: Vec<_> = cfg.files.iter().map(|f| f.path.clone()).collect();
    let (panel, load) = load_study(&cfg.files, &cfg.spec)?;
    let out = OutputDir::prepare(&cfg.out, cfg.force, &inputs)?;
    let results = analyse(cfg, &panel, load)?;
    let report = build(&results);
    let mut written = write_outputs(&results, &report, &out, &cfg.formats, cfg.dpi)?;
    let mut panel_csv = Vec::new();
    write_panel_csv(&panel, &mut panel_csv).context("cannot write the panel")?;
    written.push(out.write("panel.csv", &panel_csv)?);
    let mut stdout = std::io::stdout().lock();
    terminal::write_summary(&results, &report, &mut stdout)?;
    writeln!(
        stdout,
        "\nWrote {} files into {} (report.html, report.md, results.json, tables/, figures/)",
        written.len(),
        out.path.display()
    )?;
    if results.mediation.is_none() {
        let why = results
            .notes
            .iter()
            .find(|n| n.starts_with("serial mediation"))
            .cloned()
            .unwrap_or_else(|| "serial mediation: not fitted".into());
        return Err(StatsError::Invalid(format!(
            "{why}; every other result was written to {}",
            out.path.display()
        ))
        .into());
    }
    Ok(())
}

/// Every analysis on a loaded panel (no I/O).
pub fn analyse(cfg: &AnalyseConfig, panel: &Panel, load: LoadSummary) -> Result<AnalysisResults> {
    let spec = &cfg.spec;
    let m = &spec.model;
    let from = wave_number(m.from_wave.get_ref()).expect("validated");
    let to = wave_number(m.to_wave.get_ref()).expect("validated");
    let level = cfg.boot.boot.level;
    let ols = OlsSpec {
        intercept: true,
        hc: cfg.boot.hc,
        level,
    };
    let evaluation = evaluate(
        panel,
        spec,
        &EvaluationSpec {
            level,
            from,
            to,
            ols,
        },
    );
    let mut chain = vec![m.x()];
    chain.extend(m.mediators());
    chain.push(m.y());
    let mut vars: Vec<Var> = chain.iter().map(|c| Var::change(c, from, to)).collect();
    vars.extend(m.covariates().iter().map(|c| Var::Covariate(c.to_string())));
    let frame = model_frame(panel, &vars);
    let mut notes = Vec::new();
    let mediation = match mediate(cfg, &frame) {
        Ok(r) => Some(r),
        Err(err) => {
            notes.push(format!(
                "serial mediation on change scores {}−{}: not fitted ({err:#})",
                wave_label(to),
                wave_label(from)
            ));
            None
        }
    };
    Ok(AnalysisResults {
        schema_version: SCHEMA_VERSION.to_string(),
        spcure_version: crate::VERSION.to_string(),
        study: spec.study.name.clone(),
        spec_source: cfg.spec_source.clone(),
        spec_toml: cfg.spec_text.clone(),
        load,
        descriptives: descriptives(panel),
        covariates: panel
            .covariates
            .iter()
            .map(|c| CovariateDescriptives {
                covariate: c.name.clone(),
                label: c.label.clone(),
                summary: summarise(&c.values),
            })
            .collect(),
        evaluation,
        model_sample: ModelSample {
            from_wave: wave_label(from),
            to_wave: wave_label(to),
            n_baseline: frame.n_baseline,
            n: frame.n(),
            exclusions: frame.exclusions.clone(),
        },
        mediation,
        notes,
    })
}

fn descriptives(panel: &Panel) -> Vec<ConstructDescriptives> {
    let mut out = Vec::new();
    for c in &panel.constructs {
        for wave in &panel.waves {
            out.push(ConstructDescriptives {
                construct: c.name.clone(),
                label: c.label.clone(),
                wave: wave_label(*wave),
                summary: summarise(&present_scores(panel, &c.name, *wave)),
            });
        }
    }
    out
}

/// The spec's serial chain on the change scores in `frame` (columns: X, mediators, Y, covariates).
fn mediate(cfg: &AnalyseConfig, frame: &ModelFrame) -> Result<MediationResult> {
    let m = &cfg.spec.model;
    let k = m.mediators().len();
    let spec = MediationSpec {
        x: m.x().to_string(),
        mediators: m.mediators().iter().map(|s| s.to_string()).collect(),
        y: m.y().to_string(),
        covariates: m.covariates().iter().map(|s| s.to_string()).collect(),
        hc: cfg.boot.hc,
        contrasts: true,
        standardize: true,
        boot: cfg.boot.boot.clone(),
    };
    let cols = &frame.columns;
    let data = MediationData {
        x: &cols[0],
        mediators: cols[1..=k].iter().map(Vec::as_slice).collect(),
        y: &cols[k + 1],
        covariates: cols[k + 2..].iter().map(Vec::as_slice).collect(),
    };
    let mut result = super::with_threads(cfg.boot.threads, || spec.fit(&data))??;
    result.bootstrap.seed_drawn = Some(cfg.boot.seed_drawn);
    Ok(result)
}

//! `spcure analyse`: load the waves, score, describe, fit, and write the results.

use std::io::Write;

use anyhow::{Context, Result};

use crate::config::AnalyseConfig;
use crate::load::{load_study, wave_label, write_panel_csv, LoadSummary, Panel};
use crate::output::OutputDir;
use crate::prepare::{model_frame, Var};
use crate::report::terminal;
use crate::results::{
    AnalysisResults, ConstructDescriptives, CovariateDescriptives, ModelSample, SCHEMA_VERSION,
};
use crate::spec::wave_number;
use crate::stats::descriptives::summarise;

pub fn run(cfg: &AnalyseConfig) -> Result<()> {
    let inputs: Vec<_> = cfg.files.iter().map(|f| f.path.clone()).collect();
    let (panel, load) = load_study(&cfg.files, &cfg.spec)?;
    let out = OutputDir::prepare(&cfg.out, cfg.force, &inputs)?;
    let results = analyse(cfg, &panel, load)?;
    let mut json = serde_json::to_vec_pretty(&results)?;
    json.push(b'\n');
    let mut panel_csv = Vec::new();
    write_panel_csv(&panel, &mut panel_csv).context("cannot write the panel")?;
    out.write("panel.csv", &panel_csv)?;
    let path = out.write("results.json", &json)?;
    let mut stdout = std::io::stdout().lock();
    terminal::write_summary(&results, &mut stdout)?;
    writeln!(
        stdout,
        "\nWrote {} and {}",
        path.display(),
        out.path.join("panel.csv").display()
    )?;
    Ok(())
}

/// Every analysis on a loaded panel (no I/O).
pub fn analyse(cfg: &AnalyseConfig, panel: &Panel, load: LoadSummary) -> Result<AnalysisResults> {
    let spec = &cfg.spec;
    let m = &spec.model;
    let mut descriptives = Vec::new();
    for c in &panel.constructs {
        for (w, wave) in panel.waves.iter().enumerate() {
            let present: Vec<Option<f64>> = c.scores[w]
                .iter()
                .zip(&panel.present[w])
                .filter(|(_, p)| **p)
                .map(|(v, _)| *v)
                .collect();
            descriptives.push(ConstructDescriptives {
                construct: c.name.clone(),
                label: c.label.clone(),
                wave: wave_label(*wave),
                summary: summarise(&present),
            });
        }
    }
    let covariates = panel
        .covariates
        .iter()
        .map(|c| CovariateDescriptives {
            covariate: c.name.clone(),
            label: c.label.clone(),
            summary: summarise(&c.values),
        })
        .collect();
    let mut chain = vec![m.x()];
    chain.extend(m.mediators());
    chain.push(m.y());
    let from = wave_number(m.from_wave.get_ref()).expect("validated");
    let to = wave_number(m.to_wave.get_ref()).expect("validated");
    let mut vars: Vec<Var> = chain.iter().map(|c| Var::change(c, from, to)).collect();
    vars.extend(m.covariates().iter().map(|c| Var::Covariate(c.to_string())));
    let data = model_frame(panel, &vars);
    Ok(AnalysisResults {
        schema_version: SCHEMA_VERSION.to_string(),
        spcure_version: crate::VERSION.to_string(),
        study: spec.study.name.clone(),
        spec_source: cfg.spec_source.clone(),
        spec_toml: cfg.spec_text.clone(),
        load,
        descriptives,
        covariates,
        model_sample: ModelSample {
            from_wave: wave_label(from),
            to_wave: wave_label(to),
            n_baseline: data.n_baseline,
            n: data.n(),
            exclusions: data.exclusions.clone(),
        },
    })
}

//! Validated, typed settings built once from the raw flags in [`crate::cli`].

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli::{AnalyseArgs, BootArgs, CiArg, MediateArgs, MissingArg, MissingArgs, RegressArgs};
use crate::error::UsageError;
use crate::load::{assign_waves, WaveFile};
use crate::spec::{wave_number, StudySpec, DEFAULT_SPEC, MAX_MEDIATORS};
use crate::stats::mediation::{BootSpec, CiMethod, MediationSpec};
use crate::stats::ols::{HcType, OlsSpec};

/// Most bootstrap resamples (`--boot`, a power plan's `boot`).
pub const MAX_BOOT: usize = 1_000_000;

/// Bootstrap and inference settings shared by `analyse` and `mediate`.
#[derive(Debug, Clone)]
pub struct BootConfig {
    pub boot: BootSpec,
    /// True when no --seed was given and the seed was drawn at random.
    pub seed_drawn: bool,
    pub hc: Option<HcType>,
    pub threads: Option<usize>,
    pub quiet: bool,
}

#[derive(Debug, Clone)]
pub struct AnalyseConfig {
    pub files: Vec<WaveFile>,
    pub spec: StudySpec,
    /// Where the spec came from (a path, or "`<default spec>`"), and its text.
    pub spec_source: String,
    pub spec_text: String,
    pub out: PathBuf,
    pub force: bool,
    pub formats: Vec<String>,
    pub dpi: u32,
    pub boot: BootConfig,
}

#[derive(Debug, Clone)]
pub struct MediateConfig {
    pub file: PathBuf,
    pub spec: MediationSpec,
    pub json: bool,
    pub boot: BootConfig,
    pub missing: MissingConfig,
}

#[derive(Debug, Clone)]
pub struct RegressConfig {
    pub file: PathBuf,
    pub y: String,
    pub x: Vec<String>,
    pub ols: OlsSpec,
    pub json: bool,
    pub missing: MissingConfig,
}

/// How `mediate` and `regress` handle missing values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MissingConfig {
    /// Complete cases (the default, as PROCESS and `lm`).
    Listwise,
    /// Full-information ML with these auxiliary variables (saturated correlates).
    Fiml { aux: Vec<String> },
}

impl MissingConfig {
    /// `model` names the model's columns (an auxiliary may not repeat one); `hc` and
    /// `no_intercept` are OLS options that FIML does not have.
    pub fn from_args(
        a: &MissingArgs,
        model: &[&String],
        hc: bool,
        no_intercept: bool,
    ) -> Result<Self, UsageError> {
        match a.missing {
            MissingArg::Listwise => {
                if !a.aux.is_empty() {
                    return Err(UsageError::new(
                        "--aux applies to --missing fiml: add --missing fiml, or drop --aux",
                    ));
                }
                Ok(Self::Listwise)
            }
            MissingArg::Fiml => {
                if hc {
                    return Err(UsageError::new(
                        "--hc applies to OLS on complete cases; --missing fiml uses the observed information (drop --hc)",
                    ));
                }
                if no_intercept {
                    return Err(UsageError::new(
                        "--no-intercept is not available with --missing fiml (the model has a mean structure)",
                    ));
                }
                for (i, v) in a.aux.iter().enumerate() {
                    if model.contains(&v) || a.aux[..i].contains(v) {
                        return Err(UsageError::new(format!(
                            "--aux names '{v}', which is already in the model or named twice"
                        )));
                    }
                }
                Ok(Self::Fiml { aux: a.aux.clone() })
            }
        }
    }
}

/// Confidence level given in percent → proportion.
pub fn level(percent: f64) -> Result<f64, UsageError> {
    if percent > 50.0 && percent < 100.0 {
        Ok(percent / 100.0)
    } else {
        Err(UsageError::new(format!(
            "--level {percent} must be a percentage between 50 and 100, e.g. 95"
        )))
    }
}

impl BootConfig {
    pub fn from_args(a: &BootArgs) -> Result<Self, UsageError> {
        if a.boot == 0 {
            return Err(UsageError::new(
                "--boot 0: give at least 1000 resamples (5000 is the PROCESS default)",
            ));
        }
        if a.boot > MAX_BOOT {
            return Err(UsageError::new(format!(
                "--boot {}: give at most {MAX_BOOT} resamples",
                a.boot
            )));
        }
        if a.threads == Some(0) {
            return Err(UsageError::new("--threads 0: give at least 1 thread"));
        }
        let (seed, seed_drawn) = match a.seed {
            Some(s) => (s, false),
            None => (rand::random::<u64>() >> 11, true),
        };
        let ci = match a.ci {
            CiArg::Percentile => CiMethod::Percentile,
            CiArg::Bc => CiMethod::Bc,
            CiArg::Bca => CiMethod::Bca,
        };
        Ok(Self {
            boot: BootSpec {
                samples: a.boot,
                seed,
                ci,
                level: level(a.level)?,
            },
            seed_drawn,
            hc: a.hc.and_then(HcType::from_index),
            threads: a.threads,
            quiet: a.quiet,
        })
    }
}

/// Parses `--wave T1=path` overrides.
fn wave_overrides(raw: &[String]) -> Result<Vec<(u32, PathBuf)>, UsageError> {
    raw.iter()
        .map(|s| {
            let (w, p) = s.split_once('=').ok_or_else(|| {
                UsageError::new(format!(
                    "--wave {s}: write it as TN=PATH, e.g. --wave T1=survey_june.csv"
                ))
            })?;
            let wave = wave_number(w.trim()).ok_or_else(|| {
                UsageError::new(format!(
                    "--wave {s}: '{w}' is not a wave; use T0, T1, T2, …"
                ))
            })?;
            Ok((wave, PathBuf::from(p)))
        })
        .collect()
}

impl AnalyseConfig {
    pub fn from_args(a: &AnalyseArgs) -> Result<Self> {
        let (spec_text, spec_source) = match &a.spec {
            Some(path) => (
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the spec {}", path.display()))?,
                path.display().to_string(),
            ),
            None => (DEFAULT_SPEC.to_string(), "<default spec>".to_string()),
        };
        let spec = StudySpec::parse(&spec_text, &spec_source)?;
        let overrides = wave_overrides(&a.waves)?;
        let mut paths = a.files.clone();
        for (_, p) in &overrides {
            if !paths.contains(p) {
                paths.push(p.clone());
            }
        }
        let files = assign_waves(&paths, &overrides)?;
        let formats = crate::report::parse_formats(&a.format)?;
        Ok(Self {
            files,
            spec,
            spec_source,
            spec_text,
            out: a.out.clone(),
            force: a.force,
            formats,
            dpi: check_dpi(a.dpi)?,
            boot: BootConfig::from_args(&a.boot)?,
        })
    }
}

pub fn check_dpi(dpi: u32) -> Result<u32, UsageError> {
    if (36..=1200).contains(&dpi) {
        Ok(dpi)
    } else {
        Err(UsageError::new(format!(
            "--dpi {dpi}: give a resolution between 36 and 1200 (300 for print)"
        )))
    }
}

impl MediateConfig {
    pub fn from_args(a: &MediateArgs) -> Result<Self> {
        let boot = BootConfig::from_args(&a.boot)?;
        let k = a.m.len();
        if !(1..=MAX_MEDIATORS).contains(&k) {
            return Err(UsageError::new(format!(
                "--m names {k} mediators; give between 1 and {MAX_MEDIATORS}"
            ))
            .into());
        }
        let mut all: Vec<&String> = vec![&a.x, &a.y];
        all.extend(a.m.iter());
        all.extend(a.cov.iter());
        for (i, v) in all.iter().enumerate() {
            if all[..i].contains(v) {
                return Err(UsageError::new(format!(
                    "column '{v}' is named twice among --x, --m, --y and --cov"
                ))
                .into());
            }
        }
        Ok(Self {
            file: a.file.clone(),
            spec: MediationSpec {
                x: a.x.clone(),
                mediators: a.m.clone(),
                y: a.y.clone(),
                covariates: a.cov.clone(),
                hc: boot.hc,
                contrasts: a.contrasts,
                standardize: a.standardize,
                boot: boot.boot.clone(),
            },
            json: a.json,
            missing: MissingConfig::from_args(&a.missing, &all, boot.hc.is_some(), false)?,
            boot,
        })
    }
}

impl RegressConfig {
    pub fn from_args(a: &RegressArgs) -> Result<Self> {
        if a.x.contains(&a.y) {
            return Err(UsageError::new(format!("'{}' is both --y and one of --x", a.y)).into());
        }
        Ok(Self {
            file: a.file.clone(),
            y: a.y.clone(),
            x: a.x.clone(),
            ols: OlsSpec {
                intercept: !a.no_intercept,
                hc: a.hc.and_then(HcType::from_index),
                level: level(a.level)?,
            },
            json: a.json,
            missing: MissingConfig::from_args(
                &a.missing,
                &std::iter::once(&a.y).chain(&a.x).collect::<Vec<_>>(),
                a.hc.is_some(),
                a.no_intercept,
            )?,
        })
    }
}

pub mod check;
pub mod power;
pub mod report;
pub mod simulate;

/// A TOML parse error as a usage error naming the file and the line.
pub fn toml_error(text: &str, source: &str, e: &toml::de::Error) -> UsageError {
    let line = e
        .span()
        .map(|s| {
            format!(
                "line {}: ",
                text[..s.start.min(text.len())].lines().count().max(1)
            )
        })
        .unwrap_or_default();
    UsageError::new(format!("{source}: {line}{}", e.message().trim()))
}

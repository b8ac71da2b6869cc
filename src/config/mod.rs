//! Validated, typed settings built once from the raw flags in [`crate::cli`].

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli::{
    AnalyseArgs, BootArgs, CiArg, FlatArgs, LayoutArg, MediateArgs, MissingArg, MissingArgs,
    RegressArgs, VcovArg,
};
use crate::error::UsageError;
use crate::load::{assign_waves, DecimalMark, FlatOptions, Input, Layout, LoadOptions};
use crate::spec::{wave_number, StudySpec, DEFAULT_SPEC, MAX_MEDIATORS};
use crate::stats::cluster::ClusterVcov;
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
    pub input: Input,
    pub load: LoadOptions,
    pub spec: StudySpec,
    /// Where the spec came from (a path, or "`<default spec>`"), and its text.
    pub spec_source: String,
    pub spec_text: String,
    pub out: PathBuf,
    pub force: bool,
    pub formats: Vec<String>,
    pub dpi: u32,
    /// Write panel.csv (row-level scored data); off unless asked for.
    pub write_panel: bool,
    /// Counts below this are shown as "< N" in the report (`--min-cell`).
    pub min_cell: Option<u64>,
    pub boot: BootConfig,
}

#[derive(Debug, Clone)]
pub struct MediateConfig {
    pub file: PathBuf,
    pub flat: FlatOptions,
    pub spec: MediationSpec,
    pub json: bool,
    pub boot: BootConfig,
    /// `--cluster`: cluster bootstrap and cluster-robust equations.
    pub cluster: Option<ClusterChoice>,
    pub missing: MissingConfig,
}

#[derive(Debug, Clone)]
pub struct RegressConfig {
    pub file: PathBuf,
    pub flat: FlatOptions,
    pub y: String,
    pub x: Vec<String>,
    pub ols: OlsSpec,
    pub json: bool,
    /// `--cluster`: cluster-robust standard errors.
    pub cluster: Option<ClusterChoice>,
    /// `Some` for `--family poisson|negbin|auto`: a count model instead of OLS.
    pub count: Option<count::CountConfig>,
    pub missing: MissingConfig,
}

/// `--cluster COL [--vcov cr2|cr1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterChoice {
    pub column: String,
    pub vcov: ClusterVcov,
}

impl ClusterChoice {
    /// From the flags; `model` are the model's columns (the cluster column must not be one)
    /// and `hc` says whether --hc was given (it cannot be combined with --cluster).
    fn from_args(
        column: Option<&String>,
        vcov: Option<VcovArg>,
        model: &[&String],
        hc: bool,
    ) -> Result<Option<Self>, UsageError> {
        let Some(column) = column else {
            return Ok(None);
        };
        if hc {
            return Err(UsageError::new(
                "--hc and --cluster cannot be combined: cluster-robust standard errors \
                 (--vcov cr2 or cr1) already allow for heteroscedasticity; drop --hc",
            ));
        }
        if model.contains(&column) {
            return Err(UsageError::new(format!(
                "--cluster {column}: the cluster column cannot also be a model variable"
            )));
        }
        let vcov = match vcov.unwrap_or(VcovArg::Cr2) {
            VcovArg::Cr2 => ClusterVcov::Cr2,
            VcovArg::Cr1 => ClusterVcov::Cr1,
        };
        Ok(Some(Self {
            column: column.clone(),
            vcov,
        }))
    }
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
pub fn wave_overrides(raw: &[String]) -> Result<Vec<(u32, PathBuf)>, UsageError> {
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
        let layout = a.layout.map(|l| match l {
            LayoutArg::Waves => Layout::Waves,
            LayoutArg::Long => Layout::Long,
            LayoutArg::Wide => Layout::Wide,
        });
        let one_file = a.files.len() == 1 && overrides.is_empty();
        if matches!(layout, Some(Layout::Long | Layout::Wide)) && !one_file {
            return Err(UsageError::new(format!(
                "--layout {}: give one file holding every wave (got {} files{}), or --layout waves",
                if layout == Some(Layout::Long) {
                    "long"
                } else {
                    "wide"
                },
                paths.len(),
                if overrides.is_empty() {
                    ""
                } else {
                    " and --wave"
                }
            ))
            .into());
        }
        if a.wave_column.is_some() && (!one_file || layout.is_some_and(|l| l != Layout::Long)) {
            return Err(UsageError::new(
                "--wave-column names the wave column of one long file: give one file (with --layout long or no --layout)",
            )
            .into());
        }
        let input = if one_file && layout != Some(Layout::Waves) {
            Input::One(paths[0].clone())
        } else {
            Input::Waves(assign_waves(&paths, &overrides)?)
        };
        let load = LoadOptions {
            layout,
            wave_column: a.wave_column.clone(),
            decimal: decimal_mark(a.decimal.as_deref())?,
        };
        let formats = crate::report::parse_formats(&a.format)?;
        if spec.study.cluster.is_some() && a.boot.hc.is_some() {
            return Err(UsageError::new(
                "--hc cannot be combined with the spec's study.cluster: the cluster-robust (CR2) \
                 standard errors already allow for heteroscedasticity; drop --hc",
            )
            .into());
        }
        Ok(Self {
            input,
            load,
            spec,
            spec_source,
            spec_text,
            out: a.out.clone(),
            force: a.force,
            formats,
            dpi: check_dpi(a.dpi)?,
            write_panel: a.write_panel,
            min_cell: a.min_cell,
            boot: BootConfig::from_args(&a.boot)?,
        })
    }
}

/// `--decimal`: `.` or `,` (also `point`, `comma`).
fn decimal_mark(raw: Option<&str>) -> Result<Option<DecimalMark>, UsageError> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some("." | "point") => Ok(Some(DecimalMark::Point)),
        Some("," | "comma") => Ok(Some(DecimalMark::Comma)),
        Some(other) => Err(UsageError::new(format!(
            "--decimal {other}: give the decimal mark, `--decimal .` (3.5) or `--decimal ,` (3,5)"
        ))),
    }
}

fn flat_options(a: &FlatArgs) -> Result<FlatOptions, UsageError> {
    let codes: Vec<String> = a
        .missing_codes
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if a.missing_codes.iter().any(|c| c.trim().is_empty()) {
        return Err(UsageError::new(
            "--missing-codes: an empty code; list the codes, e.g. --missing-codes=-99,-999",
        ));
    }
    Ok(FlatOptions {
        decimal: decimal_mark(a.decimal.as_deref())?,
        missing_codes: codes,
    })
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
        let cluster =
            ClusterChoice::from_args(a.cluster.as_ref(), a.vcov, &all, a.boot.hc.is_some())?;
        if cluster.is_some() && a.missing.missing == MissingArg::Fiml {
            return Err(UsageError::new(
                "--missing fiml cannot be combined with --cluster yet (the FIML bootstrap does \
                 not resample clusters): use --missing listwise with --cluster",
            )
            .into());
        }
        Ok(Self {
            file: a.file.clone(),
            cluster,
            flat: flat_options(&a.flat)?,
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
        let model: Vec<&String> = std::iter::once(&a.y).chain(&a.x).collect();
        let cluster = ClusterChoice::from_args(a.cluster.as_ref(), a.vcov, &model, a.hc.is_some())?;
        Ok(Self {
            file: a.file.clone(),
            cluster,
            flat: flat_options(&a.flat)?,
            y: a.y.clone(),
            x: a.x.clone(),
            ols: OlsSpec {
                intercept: !a.no_intercept,
                hc: a.hc.and_then(HcType::from_index),
                level: level(a.level)?,
            },
            json: a.json,
            count: count::CountConfig::from_args(&a.count, a)?,
            missing: MissingConfig::from_args(
                &a.missing,
                &std::iter::once(&a.y).chain(&a.x).collect::<Vec<_>>(),
                a.hc.is_some(),
                a.no_intercept,
            )?,
        })
        .and_then(|c: Self| {
            if c.count.is_some() && c.cluster.is_some() {
                return Err(UsageError::new(
                    "--cluster is not available with a count --family yet: for repeated \
                     counts of one participant use --id ID (participant-clustered SEs)",
                )
                .into());
            }
            if c.missing != MissingConfig::Listwise && (c.count.is_some() || c.cluster.is_some()) {
                return Err(UsageError::new(
                    "--missing fiml is available for OLS regressions without --cluster; \
                     drop --family/--cluster, or use --missing listwise",
                )
                .into());
            }
            Ok(c)
        })
    }
}

pub mod check;
pub mod count;
pub mod mixed;
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

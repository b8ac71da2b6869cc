//! Typed settings for `spcure power`: the plan file (TOML), read and checked once.
//!
//! ```toml
//! n = 630               # participants at T0
//! retention = 0.28      # share analysed at T1: analysed n = round(n * retention)
//! replications = 1000   # Monte Carlo replications R
//! boot = 1000           # bootstrap resamples B per replication
//! ci = "percentile"     # percentile | bc | bca (| sobel: delta method, fast screening)
//! level = 0.95
//!
//! [paths]               # standardized paths (unit-variance variables) ...
//! mediators = ["belonging", "support", "loneliness"]   # optional names
//! a = [0.3, 0.2, 0.2]   # X -> Mj
//! d = [[0.3], [0.1, 0.3]]   # row j: M1..Mj -> M(j+1)
//! b = [0.1, 0.1, 0.3]   # Mj -> Y
//! c_prime = 0.1         # X -> Y
//!
//! # ... or a descriptives table (as for `simulate --match`) and the model's variables:
//! # [descriptives]
//! # x = "groups"; mediators = [...]; y = "hrqol"
//! # variables = [...]; means = [...]; sds = [...]; correlations = [...]
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::cli::PowerArgs;
use crate::config::simulate::check_table;
use crate::error::UsageError;
use crate::simulate::matched::MomentTable;
use crate::spec::MAX_MEDIATORS;
use crate::stats::power::{full_serial_index, min_analysed_n, PathModel, Population, PowerSpec};

/// Largest N at T0 the search tries before giving up.
pub const MAX_SEARCH_N: usize = 1_000_000;

/// Most participants at T0 a plan may ask for.
pub const MAX_N: usize = crate::config::simulate::MAX_N;
/// Most Monte Carlo replications a plan may ask for.
pub const MAX_REPLICATIONS: usize = 1_000_000;

/// How each replication's intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanCi {
    Percentile,
    Bc,
    Bca,
    Sobel,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    n: usize,
    #[serde(default = "one")]
    retention: f64,
    #[serde(default = "default_replications")]
    replications: usize,
    #[serde(default = "default_boot")]
    boot: usize,
    #[serde(default = "default_ci")]
    ci: PlanCi,
    #[serde(default = "default_level")]
    level: f64,
    paths: Option<RawPaths>,
    descriptives: Option<RawDescriptives>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    mediators: Option<Vec<String>>,
    a: Vec<f64>,
    #[serde(default)]
    d: Vec<Vec<f64>>,
    b: Vec<f64>,
    #[serde(default)]
    c_prime: f64,
}

// No deny_unknown_fields here: serde does not support it with `flatten`; the flattened
// MomentTable rejects unknown keys itself.
#[derive(Debug, Clone, Deserialize)]
struct RawDescriptives {
    x: String,
    mediators: Vec<String>,
    y: String,
    #[serde(flatten)]
    table: MomentTable,
}

fn one() -> f64 {
    1.0
}
fn default_replications() -> usize {
    1000
}
fn default_boot() -> usize {
    1000
}
fn default_ci() -> PlanCi {
    PlanCi::Percentile
}
fn default_level() -> f64 {
    0.95
}

/// A checked power plan.
#[derive(Debug, Clone)]
pub struct PowerPlan {
    pub n_t0: usize,
    pub population: Population,
    pub spec: PowerSpec,
    pub boot: usize,
    pub ci: PlanCi,
    pub level: f64,
}

#[derive(Debug, Clone)]
pub struct PowerConfig {
    pub plan_path: PathBuf,
    pub plan: PowerPlan,
    pub target: Option<f64>,
    pub threads: Option<usize>,
    pub json: bool,
}

impl PowerConfig {
    pub fn from_args(a: &PowerArgs) -> Result<Self> {
        let text = std::fs::read_to_string(&a.plan)
            .with_context(|| format!("cannot read the power plan {}", a.plan.display()))?;
        let plan = PowerPlan::parse(&text, &a.plan, a.seed)?;
        if let Some(t) = a.target.filter(|t| !(*t > 0.0 && *t < 1.0)) {
            return Err(UsageError::new(format!(
                "--target {t}: give a power between 0 and 1, e.g. 0.8"
            ))
            .into());
        }
        if a.threads == Some(0) {
            return Err(UsageError::new("--threads 0: give at least 1 thread").into());
        }
        if a.target.is_some() {
            check_searchable(&plan.population, &a.plan)?;
        }
        Ok(Self {
            plan_path: a.plan.clone(),
            plan,
            target: a.target,
            threads: a.threads,
            json: a.json,
        })
    }
}

impl PowerPlan {
    /// Parses and checks a plan; errors name the file and the field.
    pub fn parse(text: &str, path: &Path, seed: u64) -> Result<Self, UsageError> {
        let source = path.display().to_string();
        let err = |m: String| UsageError::new(format!("{source}: {m}"));
        let raw: RawPlan =
            toml::from_str(text).map_err(|e| super::toml_error(text, &source, &e))?;
        if !(raw.retention > 0.0 && raw.retention <= 1.0) {
            return Err(err(format!(
                "retention = {}: give the share analysed at T1, between 0 (exclusive) and 1",
                raw.retention
            )));
        }
        if raw.n > MAX_N {
            return Err(err(format!(
                "n = {}: give at most {MAX_N} participants",
                raw.n
            )));
        }
        if raw.replications > MAX_REPLICATIONS {
            return Err(err(format!(
                "replications = {}: give at most {MAX_REPLICATIONS}",
                raw.replications
            )));
        }
        if raw.boot > crate::config::MAX_BOOT {
            return Err(err(format!(
                "boot = {}: give at most {} resamples",
                raw.boot,
                crate::config::MAX_BOOT
            )));
        }
        if raw.replications == 0 {
            return Err(err(
                "replications = 0: give at least 100 (1000 for a final answer)".into(),
            ));
        }
        if raw.boot < 100 && raw.ci != PlanCi::Sobel {
            return Err(err(format!(
                "boot = {}: give at least 100 resamples",
                raw.boot
            )));
        }
        if !(raw.level > 0.5 && raw.level < 1.0) {
            return Err(err(format!(
                "level = {}: give the confidence level as a proportion, e.g. 0.95",
                raw.level
            )));
        }
        let population = population(&raw, &source)?;
        let k = population.k();
        let min_n = min_analysed_n(k);
        if crate::stats::power::analysed_n(raw.n, raw.retention) < min_n {
            return Err(err(format!(
                "n = {} with retention {} leaves {} cases to analyse; {k} mediators need at least {min_n}",
                raw.n,
                raw.retention,
                crate::stats::power::analysed_n(raw.n, raw.retention)
            )));
        }
        Ok(Self {
            n_t0: raw.n,
            population,
            spec: PowerSpec {
                retention: raw.retention,
                replications: raw.replications,
                seed,
            },
            boot: raw.boot,
            ci: raw.ci,
            level: raw.level,
        })
    }
}

/// A search needs a non-zero full serial effect: with a zero effect in the population the
/// test's rejection rate is its error rate at every N, so no N reaches a power target.
fn check_searchable(pop: &Population, path: &Path) -> Result<(), UsageError> {
    let effects = pop.effects();
    let effect = &effects[full_serial_index(pop.k())];
    if effect.population == 0.0 {
        let all = effects.iter().all(|e| e.population == 0.0);
        return Err(UsageError::new(format!(
            "{}: --target: the full serial indirect effect {} is exactly 0 in the population{}, \
             so its power stays at the interval's error rate at every N and no N reaches a target; \
             give non-zero paths, or drop --target to see power at the plan's n",
            path.display(),
            effect.label,
            if all {
                " (as is every indirect effect)"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

fn population(raw: &RawPlan, source: &str) -> Result<Population, UsageError> {
    let err = |m: String| UsageError::new(format!("{source}: {m}"));
    let pop = match (&raw.paths, &raw.descriptives) {
        (Some(p), None) => {
            let k = p.a.len();
            let names = p
                .mediators
                .clone()
                .unwrap_or_else(|| (1..=k).map(|j| format!("M{j}")).collect());
            if names.len() != k {
                return Err(err(format!(
                    "paths: {} mediator names for {k} a paths",
                    names.len()
                )));
            }
            let model = PathModel {
                a: p.a.clone(),
                d: p.d.clone(),
                b: p.b.clone(),
                c_prime: p.c_prime,
            };
            model.population(&names).map_err(|e| err(e.to_string()))?
        }
        (None, Some(d)) => {
            let moments = check_table(&d.table, &format!("{source}: descriptives"))?;
            Population::from_moments(&moments, &d.x, &d.mediators, &d.y)
                .map_err(|e| err(format!("descriptives: {e}")))?
        }
        _ => {
            return Err(err(
                "give exactly one of [paths] (standardized paths) or [descriptives] (means, SDs, correlations)".into(),
            ))
        }
    };
    let k = pop.k();
    if !(1..=MAX_MEDIATORS).contains(&k) {
        return Err(err(format!(
            "{k} mediators; give between 1 and {MAX_MEDIATORS}"
        )));
    }
    for (i, v) in pop.names.iter().enumerate() {
        if pop.names[..i].contains(v) {
            return Err(err(format!("'{v}' is named twice in the model")));
        }
    }
    Ok(pop)
}

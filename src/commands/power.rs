//! `spcure power`: Monte Carlo power of the indirect effects for a planned study.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Result;
use serde::Serialize;

use crate::cli::PowerArgs;
use crate::config::power::{PlanCi, PowerConfig, PowerPlan, MAX_SEARCH_N};
use crate::stats::mediation::{BootSpec, CiMethod, MediationData, MediationSpec};
use crate::stats::power::{
    power_at, search_n, sobel_cis, Population, PowerResult, Sample, SearchResult,
};
use crate::stats::StatsError;

/// Version of the `--json` layout (docs/methods/power.md).
pub const SCHEMA_VERSION: &str = "1";

/// What `spcure power --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct PowerReport {
    pub schema_version: &'static str,
    pub variables: Vec<String>,
    pub retention: f64,
    pub ci: PlanCi,
    pub boot: usize,
    pub level: f64,
    pub seed: u64,
    pub replications: usize,
    /// Power at the plan's N (absent with --target: see `search.at_n`).
    pub result: Option<PowerResult>,
    pub search: Option<SearchResult>,
}

pub fn run(a: &PowerArgs) -> Result<()> {
    let c = PowerConfig::from_args(a)?;
    let report = super::with_threads(c.threads, || compute(&c))??;
    let mut out = std::io::stdout().lock();
    if c.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", render(&report, &c))?;
    }
    out.flush()?;
    Ok(())
}

/// Runs the plan (and the N search with a target).
pub fn compute(c: &PowerConfig) -> Result<PowerReport> {
    let plan = &c.plan;
    let test = make_test(plan);
    let (result, search) = match c.target {
        Some(t) => {
            let s = search_n(
                &plan.population,
                &plan.spec,
                plan.n_t0,
                t,
                MAX_SEARCH_N,
                &test,
            )?;
            (None, Some(s))
        }
        None => (
            Some(power_at(&plan.population, &plan.spec, plan.n_t0, &test)?),
            None,
        ),
    };
    Ok(PowerReport {
        schema_version: SCHEMA_VERSION,
        variables: plan.population.names.clone(),
        retention: plan.spec.retention,
        ci: plan.ci,
        boot: plan.boot,
        level: plan.level,
        seed: plan.spec.seed,
        replications: plan.spec.replications,
        result,
        search,
    })
}

type Test = Box<dyn Fn(&Sample, u64) -> Result<Vec<(f64, f64)>, StatsError> + Sync>;

/// The interval test each replication runs.
pub fn make_test(plan: &PowerPlan) -> Test {
    let level = plan.level;
    match plan.ci {
        PlanCi::Sobel => Box::new(move |s: &Sample, _seed: u64| sobel_cis(s, level)),
        PlanCi::Percentile => bootstrap_test(plan, CiMethod::Percentile),
        PlanCi::Bc => bootstrap_test(plan, CiMethod::Bc),
        PlanCi::Bca => bootstrap_test(plan, CiMethod::Bca),
    }
}

/// The bootstrap of `crate::stats::mediation` (no covariates), with the replication's seed;
/// intervals reordered to `Population::effects` order by matching their paths.
fn bootstrap_test(plan: &PowerPlan, ci: CiMethod) -> Test {
    let pop: &Population = &plan.population;
    let k = pop.k();
    let template = MediationSpec {
        x: pop.names[0].clone(),
        mediators: pop.names[1..=k].to_vec(),
        y: pop.names[k + 1].clone(),
        covariates: Vec::new(),
        hc: None,
        contrasts: false,
        standardize: false,
        boot: BootSpec {
            samples: plan.boot,
            seed: 0,
            ci,
            level: plan.level,
        },
    };
    let order: Vec<Option<Vec<String>>> = pop.effects().iter().map(|d| pop.path_names(d)).collect();
    Box::new(move |s: &Sample, seed: u64| {
        let mut spec = template.clone();
        spec.boot.seed = seed;
        let data = MediationData {
            x: &s.x,
            mediators: s.mediators.iter().map(Vec::as_slice).collect(),
            y: &s.y,
            covariates: Vec::new(),
        };
        let effects = spec.indirect_cis(&data)?;
        order
            .iter()
            .map(|path| {
                effects
                    .iter()
                    .find(|e| &e.path == path)
                    .map(|e| (e.ci_low, e.ci_high))
                    .ok_or_else(|| StatsError::Invalid("an indirect effect is missing".into()))
            })
            .collect()
    })
}

fn ci_name(r: &PowerReport) -> String {
    match r.ci {
        PlanCi::Percentile => format!("percentile bootstrap, B = {}", r.boot),
        PlanCi::Bc => format!("bias-corrected bootstrap, B = {}", r.boot),
        PlanCi::Bca => format!("BCa bootstrap, B = {}", r.boot),
        PlanCi::Sobel => "delta method (Sobel)".to_string(),
    }
}

/// Terminal table: power and Monte Carlo SE per effect, and the search path.
pub fn render(r: &PowerReport, c: &PowerConfig) -> String {
    let mut s = String::new();
    let k = r.variables.len() - 2;
    let _ = writeln!(
        s,
        "Monte Carlo power, serial mediation with {k} mediator(s) ({})",
        c.plan_path.display()
    );
    let _ = writeln!(
        s,
        "{} replications, {}, {}% CI, seed {}",
        r.replications,
        ci_name(r),
        r.level * 100.0,
        r.seed
    );
    if let Some(search) = &r.search {
        let _ = writeln!(
            s,
            "\nSearch for power >= {} of {} (full serial effect), retention {}:",
            search.target, search.effect, r.retention
        );
        let _ = writeln!(
            s,
            "{:>10} {:>10} {:>8} {:>8}",
            "N (T0)", "n", "power", "MC SE"
        );
        for st in &search.steps {
            let _ = writeln!(
                s,
                "{:>10} {:>10} {:>8.3} {:>8.3}",
                st.n_t0, st.n_analysed, st.power, st.mc_se
            );
        }
        match search.n_t0 {
            Some(n) => {
                let _ = writeln!(
                    s,
                    "Smallest N at T0: {n} (n analysed = {})",
                    search.at_n.n_analysed
                );
            }
            None => {
                let _ = writeln!(s, "The target was not reached up to N = {MAX_SEARCH_N}");
            }
        }
        table(&mut s, &search.at_n, r.retention);
    }
    if let Some(res) = &r.result {
        table(&mut s, res, r.retention);
    }
    s
}

fn table(s: &mut String, res: &PowerResult, retention: f64) {
    let _ = writeln!(
        s,
        "\nN at T0 = {}, retention {} -> n analysed = {}; {} replications used, {} failed",
        res.n_t0, retention, res.n_analysed, res.replications, res.failed
    );
    let _ = writeln!(
        s,
        "{:<7} {:<52} {:>10} {:>7} {:>7}",
        "effect", "path", "population", "power", "MC SE"
    );
    for e in &res.effects {
        let path = e
            .path
            .as_ref()
            .map_or_else(|| "(total indirect)".to_string(), |p| p.join(" -> "));
        let _ = writeln!(
            s,
            "{:<7} {:<52} {:>10.4} {:>7.3} {:>7.3}",
            e.label,
            path,
            e.population + 0.0, // -0.0 prints as 0.0000
            e.power,
            e.mc_se
        );
    }
}

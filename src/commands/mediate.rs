//! `spcure mediate`: serial mediation (PROCESS Model 6) with a case bootstrap on one flat CSV.
//!
//! Flags → `MediateConfig` → `read_flat` (listwise) → `MediationSpec::fit` (in a local rayon
//! pool when --threads is given) → JSON (`--json`, docs/mediation-json.md) or a PROCESS-like
//! text report that fits in 100 columns.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::MediateArgs;
use crate::config::{MediateConfig, MissingConfig};
use crate::load::{read_flat, read_flat_labelled};
use crate::prepare::{flat_frame, ModelFrame};
use crate::stats::cluster::ClusterSpec;
use crate::stats::em::EmSpec;
use crate::stats::fiml::{FimlMediationResult, FimlMediationSpec, FimlTerm};
use crate::stats::mediation::{
    CiMethod, IndirectEffect, MediationData, MediationResult, MediationSpec, PathEffect,
};
use crate::stats::ols::OlsResult;

/// Show a progress bar only when the bootstrap is expected to take more than about a
/// second: n·B case draws at roughly 10 ns of CPU each (docs/benchmarks.md), on ≥ 2 cores.
const PROGRESS_MIN_DRAWS: f64 = 2e8;
/// Text report width limit.
const WIDTH: usize = 100;

pub fn run(args: &MediateArgs) -> Result<()> {
    let cfg = MediateConfig::from_args(args)?;
    if let MissingConfig::Fiml { aux } = &cfg.missing {
        return run_fiml(&cfg, aux);
    }
    let names = column_names(&cfg.spec);
    let cluster_col = cfg.cluster.as_ref().map(|c| c.column.as_str());
    let (raw, labels) = read_flat_labelled(&cfg.file, &names, cluster_col, &cfg.flat)?;
    for w in &raw.warnings {
        eprintln!("warning: {w}");
    }
    let flat = flat_frame(&names, &raw.columns, &cfg.file.display().to_string());
    let cluster = match (&cfg.cluster, &labels) {
        (Some(choice), Some(labels)) => Some(super::cluster::cluster_spec(
            choice, labels, &flat, &cfg.file,
        )?),
        _ => None,
    };
    let result = fit(&cfg, &flat, cluster.as_ref())?;
    if let Some(note) = few_clusters(&result) {
        eprintln!("warning: {note}");
    }
    for eq in result.equations.iter().chain([&result.total_model]) {
        for w in &eq.warnings {
            eprintln!("warning: {}: {w}", model_name(eq));
        }
    }
    let mut out = std::io::stdout().lock();
    if cfg.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
    } else {
        write!(out, "{}", render_text(&result, &flat))?;
    }
    out.flush()?;
    Ok(())
}

/// "Y ~ X + M1 + …" for a warning about one equation.
fn model_name(eq: &OlsResult) -> String {
    let rhs: Vec<&str> = eq
        .terms
        .iter()
        .map(|t| t.term.as_str())
        .filter(|t| *t != crate::stats::ols::INTERCEPT)
        .collect();
    format!("{} ~ {}", eq.outcome, rhs.join(" + "))
}

/// Fits the model on the loaded columns, with the thread count and progress bar of `cfg`;
/// with `cluster`, a cluster bootstrap and cluster-robust equations.
pub fn fit(
    cfg: &MediateConfig,
    flat: &ModelFrame,
    cluster: Option<&ClusterSpec>,
) -> Result<MediationResult> {
    let spec = &cfg.spec;
    // Columns are in the order of `column_names`: X, mediators, Y, covariates.
    let k = spec.mediators.len();
    let col = |i: usize| flat.columns[i].as_slice();
    let data = MediationData {
        x: col(0),
        mediators: (1..=k).map(col).collect(),
        y: col(k + 1),
        covariates: (k + 2..flat.columns.len()).map(col).collect(),
    };
    let draws = flat.n() as f64 * spec.boot.samples as f64;
    let bar = (!cfg.boot.quiet && std::io::stderr().is_terminal() && draws > PROGRESS_MIN_DRAWS)
        .then(|| progress_bar(spec.boot.samples as u64));
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let run = || match cluster {
        Some(c) => spec.fit_clustered(&data, c, Some(&tick)),
        None => spec.fit_with_progress(&data, Some(&tick)),
    };
    let fitted = super::with_threads(cfg.boot.threads, run)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let mut result = fitted.context("the mediation model could not be estimated")?;
    result.bootstrap.seed_drawn = Some(cfg.boot.seed_drawn);
    Ok(result)
}

fn run_fiml(cfg: &MediateConfig, aux: &[String]) -> Result<()> {
    let mut names = column_names(&cfg.spec);
    names.extend(aux.iter().map(String::as_str));
    let raw = read_flat(&cfg.file, &names, &cfg.flat)?;
    for w in &raw.warnings {
        eprintln!("warning: {w}");
    }
    let result = fit_fiml(cfg, aux, &raw.columns)?;
    let mut out = std::io::stdout().lock();
    if cfg.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
    } else {
        write!(
            out,
            "{}",
            render_fiml(&result, &cfg.file.display().to_string())
        )?;
    }
    out.flush()?;
    Ok(())
}

/// FIML fit of the loaded columns (X, mediators, Y, covariates, aux; incomplete rows kept),
/// with the thread count and progress bar of `cfg`.
pub fn fit_fiml(
    cfg: &MediateConfig,
    aux: &[String],
    columns: &[Vec<Option<f64>>],
) -> Result<FimlMediationResult> {
    let spec = FimlMediationSpec {
        model: cfg.spec.clone(),
        aux: aux.to_vec(),
        em: EmSpec::default(),
    };
    let samples = cfg.spec.boot.samples;
    // An EM per resample costs about as much as 100 OLS draws per case.
    let draws = columns.first().map_or(0, Vec::len) as f64 * samples as f64 * 100.0;
    let bar = (!cfg.boot.quiet && std::io::stderr().is_terminal() && draws > PROGRESS_MIN_DRAWS)
        .then(|| progress_bar(samples as u64));
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let fitted = super::with_threads(cfg.boot.threads, || spec.fit(columns, Some(&tick)))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let mut result = fitted.context("the mediation model could not be estimated by FIML")?;
    result.bootstrap.seed_drawn = Some(cfg.boot.seed_drawn);
    Ok(result)
}

/// The FIML text report: the same layout as the listwise one, z tests instead of t.
pub fn render_fiml(r: &FimlMediationResult, file: &str) -> String {
    let mut s = String::new();
    banner(
        &mut s,
        "spcure mediate: serial mediation (PROCESS Model 6), FIML",
    );
    let _ = writeln!(s, "Y  = {}\nX  = {}", r.y, r.x);
    for (i, m) in r.mediators.iter().enumerate() {
        let _ = writeln!(s, "M{} = {m}", i + 1);
    }
    if !r.covariates.is_empty() {
        let _ = writeln!(s, "Covariates (random): {}", r.covariates.join(", "));
    }
    if !r.auxiliary.is_empty() {
        let _ = writeln!(
            s,
            "Auxiliary variables (saturated correlates): {}",
            r.auxiliary.join(", ")
        );
    }
    let smp = &r.sample;
    let _ = writeln!(
        s,
        "\nFile: {file}\nMissing data: {}, n contributing = {} of {} rows read ({} complete on every variable)",
        smp.method, smp.n_contributing, smp.n_rows, smp.n_complete
    );
    s.push_str(&super::regress::observed_line(&smp.observed));
    for eq in &r.equations {
        let _ = writeln!(s, "\n{}", "*".repeat(80));
        let _ = writeln!(s, "OUTCOME VARIABLE: {}", eq.outcome);
        let _ = writeln!(
            s,
            "\nR-sq = {:.4}, residual variance = {:.4} (SE {:.4})",
            eq.r2, eq.residual_variance.estimate, eq.residual_variance.se
        );
        let w = name_width(eq.terms.iter().map(|t| t.term.as_str()));
        let _ = writeln!(
            s,
            "\nModel\n{:w$} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "", "coeff", "se", "z", "p", "LLCI", "ULCI"
        );
        for t in &eq.terms {
            let name = if t.term == crate::stats::ols::INTERCEPT {
                "constant"
            } else {
                &t.term
            };
            z_row(&mut s, &clip(name, w), w, t);
        }
    }
    banner(&mut s, "TOTAL, DIRECT, AND INDIRECT EFFECTS OF X ON Y");
    for (title, e) in [
        (
            "Total effect of X on Y (c = c' + total indirect)",
            &r.total_effect,
        ),
        ("Direct effect of X on Y", &r.direct_effect),
    ] {
        let _ = writeln!(s, "\n{title}:");
        let _ = writeln!(
            s,
            "{:8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "", "Effect", "se", "z", "p", "LLCI", "ULCI"
        );
        z_row(&mut s, "", 8, e);
    }
    let _ = writeln!(s, "\nIndirect effect(s) of X on Y:");
    let _ = writeln!(
        s,
        "{:8} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "", "Effect", "se", "BootSE", "BootLLCI", "BootULCI"
    );
    let total = r.indirect_effects.iter().filter(|e| e.path.is_none());
    for e in total.chain(r.indirect_effects.iter().filter(|e| e.path.is_some())) {
        let label = if e.path.is_none() { "TOTAL" } else { &e.label };
        let _ = writeln!(
            s,
            "{label:8} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
            e.estimate, e.se, e.boot_se, e.ci_low, e.ci_high
        );
    }
    if r.indirect_effects.iter().any(|e| e.standardized.is_some()) {
        for (title, partial) in [("Partially", true), ("Completely", false)] {
            let _ = writeln!(
                s,
                "\n{title} standardized indirect effect(s) of X on Y (ML SDs):"
            );
            let _ = writeln!(
                s,
                "{:8} {:>10} {:>10} {:>10} {:>10}",
                "", "Effect", "BootSE", "BootLLCI", "BootULCI"
            );
            for e in r.indirect_effects.iter() {
                if let Some(st) = &e.standardized {
                    let b = if partial { st.partial } else { st.complete };
                    let label = if e.path.is_none() { "TOTAL" } else { &e.label };
                    let _ = writeln!(
                        s,
                        "{label:8} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
                        b.estimate, b.boot_se, b.ci_low, b.ci_high
                    );
                }
            }
        }
    }
    if !r.contrasts.is_empty() {
        let _ = writeln!(s, "\nPairwise contrasts of specific indirect effects:");
        let _ = writeln!(
            s,
            "{:8} {:>10} {:>10} {:>10} {:>10}",
            "", "Effect", "BootSE", "BootLLCI", "BootULCI"
        );
        for c in &r.contrasts {
            let _ = writeln!(
                s,
                "{:8} {:>10.4} {:>10.4} {:>10.4} {:>10.4}   ({} minus {})",
                c.label, c.estimate, c.boot_se, c.ci_low, c.ci_high, c.minuend, c.subtrahend
            );
        }
    }
    let _ = writeln!(s, "\nIndirect effect key:");
    for e in r.indirect_effects.iter() {
        if let Some(path) = &e.path {
            wrap(&mut s, &format!("{:8} ", e.label), path, " -> ");
        }
    }
    banner(&mut s, "ANALYSIS NOTES AND ERRORS");
    let b = &r.bootstrap;
    let _ = writeln!(
        s,
        "Estimation: full-information maximum likelihood (EM for the saturated normal model,\n\
         {} iterations); se: observed information, delta method; p and CI: normal (z).",
        r.em.iterations
    );
    let _ = writeln!(
        s,
        "Bootstrap: {} resamples of all {} contributing rows, incomplete ones included,\n\
         EM per resample; {} intervals at {}%.",
        b.samples,
        smp.n_contributing,
        ci_name(b.ci),
        b.level * 100.0
    );
    let drawn = if b.seed_drawn == Some(true) {
        format!(" (drawn at random; pass --seed {} to reproduce)", b.seed)
    } else {
        String::new()
    };
    let _ = writeln!(s, "Random seed: {}{drawn}", b.seed);
    let _ = writeln!(
        s,
        "{} bootstrap resample(s) whose EM did not converge or whose covariance was\n\
         singular were redrawn.",
        b.replaced
    );
    if !b.clamped.is_empty() {
        wrap(
            &mut s,
            "Interval limits outside the bootstrap distribution (untrustworthy): ",
            &b.clamped,
            ", ",
        );
    }
    s
}

fn ci_name(ci: CiMethod) -> &'static str {
    match ci {
        CiMethod::Percentile => "percentile",
        CiMethod::Bc => "bias-corrected",
        CiMethod::Bca => "BCa",
    }
}

fn z_row(s: &mut String, name: &str, w: usize, t: &FimlTerm) {
    let _ = writeln!(
        s,
        "{:w$} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
        name, t.estimate, t.se, t.z, t.p, t.ci_low, t.ci_high
    );
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("bootstrap {bar:40} {pos}/{len} ({eta})") {
        bar.set_style(style);
    }
    bar
}

fn column_names(spec: &MediationSpec) -> Vec<&str> {
    let mut names = vec![spec.x.as_str()];
    names.extend(spec.mediators.iter().map(String::as_str));
    names.push(spec.y.as_str());
    names.extend(spec.covariates.iter().map(String::as_str));
    names
}

/// The PROCESS-like text report.
pub fn render_text(r: &MediationResult, flat: &ModelFrame) -> String {
    let mut s = String::new();
    header(&mut s, r, flat);
    for eq in &r.equations {
        equation(&mut s, eq);
    }
    banner(&mut s, "TOTAL EFFECT MODEL");
    equation(&mut s, &r.total_model);
    effects(&mut s, r);
    notes(&mut s, r);
    s
}

fn banner(s: &mut String, title: &str) {
    let stars = 78usize.saturating_sub(title.chars().count()) / 2;
    let _ = writeln!(s, "\n{0} {title} {0}", "*".repeat(stars));
}

fn header(s: &mut String, r: &MediationResult, flat: &ModelFrame) {
    banner(s, "spcure mediate: serial mediation (PROCESS Model 6)");
    let _ = writeln!(s, "Y  = {}\nX  = {}", r.y, r.x);
    for (i, m) in r.mediators.iter().enumerate() {
        let _ = writeln!(s, "M{} = {m}", i + 1);
    }
    if !r.covariates.is_empty() {
        let _ = writeln!(s, "Covariates: {}", r.covariates.join(", "));
    }
    let _ = writeln!(
        s,
        "\nSample size: {} (rows read: {})",
        r.n, flat.sample.n_total
    );
    for e in &flat.sample.exclusions {
        let _ = writeln!(s, "  excluded {} row(s): {}", e.count, e.reason);
    }
    if let Some(c) = &r.bootstrap.cluster {
        let _ = writeln!(s, "Clusters: {} (column '{}')", c.clusters, c.variable);
    }
}

fn equation(s: &mut String, eq: &OlsResult) {
    let _ = writeln!(s, "\n{}", "*".repeat(80));
    let _ = writeln!(s, "OUTCOME VARIABLE: {}", eq.outcome);
    let hc = eq
        .hc
        .map(|h| format!(" ({h:?} standard errors)"))
        .unwrap_or_default();
    let _ = writeln!(s, "\nModel Summary{hc}");
    if let Some(c) = &eq.cluster {
        let _ = writeln!(s, "{}", super::cluster::se_line(c));
    }
    let _ = writeln!(
        s,
        "{:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "R", "R-sq", "MSE", "F", "df1", "df2", "p"
    );
    let _ = writeln!(
        s,
        "{:>10.4} {:>10.4} {:>10.4} {:>10} {:>10} {:>10} {:>10}",
        eq.r2.max(0.0).sqrt(),
        eq.r2,
        eq.mse,
        opt(eq.f),
        eq.df1,
        eq.df2,
        opt(eq.p)
    );
    let w = name_width(eq.terms.iter().map(|t| t.term.as_str()));
    // With cluster-robust SEs each test has its own (Satterthwaite) df: one more column.
    let df = eq.cluster.as_ref().map(|c| c.df.as_slice());
    let df_head = if df.is_some() { "       df" } else { "" };
    let _ = writeln!(
        s,
        "\nModel\n{:w$} {:>10} {:>10} {:>10}{df_head} {:>10} {:>10} {:>10}",
        "", "coeff", "se", "t", "p", "LLCI", "ULCI"
    );
    for (k, t) in eq.terms.iter().enumerate() {
        let df_cell = df.map_or_else(String::new, |d| format!(" {:>8.2}", d[k]));
        let name = if t.term == crate::stats::ols::INTERCEPT {
            "constant"
        } else {
            &t.term
        };
        let _ = writeln!(
            s,
            "{:w$} {:>10.4} {:>10.4} {:>10.4}{df_cell} {:>10.4} {:>10.4} {:>10.4}",
            clip(name, w),
            t.estimate,
            t.se,
            t.t,
            t.p,
            t.ci_low,
            t.ci_high
        );
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| crate::report::apa::fixed(v, 4))
}

fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 24)
}

fn clip(name: &str, w: usize) -> String {
    if name.chars().count() <= w {
        name.to_string()
    } else {
        name.chars().take(w - 1).chain(['…']).collect()
    }
}

fn effects(s: &mut String, r: &MediationResult) {
    banner(s, "TOTAL, DIRECT, AND INDIRECT EFFECTS OF X ON Y");
    // With cluster-robust SEs, the df of X's test in its equation.
    let df_of_x = |eq: &OlsResult| eq.cluster.as_ref().and_then(|c| c.df.get(1).copied());
    path_effect(
        s,
        "Total effect of X on Y",
        &r.total_effect,
        df_of_x(&r.total_model),
    );
    let direct_df = r.equations.last().and_then(df_of_x);
    path_effect(s, "Direct effect of X on Y", &r.direct_effect, direct_df);
    let _ = writeln!(s, "\nIndirect effect(s) of X on Y:");
    boot_table(s, &r.indirect_effects, |e| {
        (e.estimate, e.boot_se, e.ci_low, e.ci_high)
    });
    if r.indirect_effects.iter().any(|e| e.standardized.is_some()) {
        let _ = writeln!(s, "\nPartially standardized indirect effect(s) of X on Y:");
        boot_table(s, &r.indirect_effects, |e| {
            let p = e.standardized.as_ref().expect("checked").partial;
            (p.estimate, p.boot_se, p.ci_low, p.ci_high)
        });
        let _ = writeln!(s, "\nCompletely standardized indirect effect(s) of X on Y:");
        boot_table(s, &r.indirect_effects, |e| {
            let c = e.standardized.as_ref().expect("checked").complete;
            (c.estimate, c.boot_se, c.ci_low, c.ci_high)
        });
    }
    if !r.contrasts.is_empty() {
        let _ = writeln!(s, "\nPairwise contrasts of specific indirect effects:");
        let _ = writeln!(
            s,
            "{:8} {:>10} {:>10} {:>10} {:>10}",
            "", "Effect", "BootSE", "BootLLCI", "BootULCI"
        );
        for c in &r.contrasts {
            let _ = writeln!(
                s,
                "{:8} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
                c.label, c.estimate, c.boot_se, c.ci_low, c.ci_high
            );
        }
    }
    let _ = writeln!(s, "\nIndirect effect key:");
    for e in r.indirect_effects.iter() {
        if let Some(path) = &e.path {
            wrap(s, &format!("{:8} ", e.label), path, " -> ");
        }
    }
    if !r.contrasts.is_empty() {
        let _ = writeln!(s, "\nSpecific indirect effect contrast definition(s):");
        for c in &r.contrasts {
            let _ = writeln!(s, "{:8} {} minus {}", c.label, c.minuend, c.subtrahend);
        }
    }
}

fn path_effect(s: &mut String, title: &str, e: &PathEffect, df: Option<f64>) {
    let _ = writeln!(s, "\n{title}:");
    let df_head = if df.is_some() { "       df" } else { "" };
    let df_cell = df.map_or_else(String::new, |d| format!(" {d:>8.2}"));
    let _ = writeln!(
        s,
        "{:>10} {:>10} {:>10}{df_head} {:>10} {:>10} {:>10}",
        "Effect", "se", "t", "p", "LLCI", "ULCI"
    );
    let _ = writeln!(
        s,
        "{:>10.4} {:>10.4} {:>10.4}{df_cell} {:>10.4} {:>10.4} {:>10.4}",
        e.estimate, e.se, e.t, e.p, e.ci_low, e.ci_high
    );
}

/// The total indirect effect first, as PROCESS prints it, then Ind1, Ind2, ….
fn boot_table(
    s: &mut String,
    rows: &[IndirectEffect],
    get: impl Fn(&IndirectEffect) -> (f64, f64, f64, f64),
) {
    let _ = writeln!(
        s,
        "{:8} {:>10} {:>10} {:>10} {:>10}",
        "", "Effect", "BootSE", "BootLLCI", "BootULCI"
    );
    let total = rows.iter().filter(|e| e.path.is_none());
    for e in total.chain(rows.iter().filter(|e| e.path.is_some())) {
        let (est, se, lo, hi) = get(e);
        let label = if e.path.is_none() { "TOTAL" } else { &e.label };
        let _ = writeln!(s, "{label:8} {est:>10.4} {se:>10.4} {lo:>10.4} {hi:>10.4}");
    }
}

/// Writes `prefix` + `parts` joined by `sep`, breaking between parts so no line exceeds
/// `WIDTH`.
fn wrap(s: &mut String, prefix: &str, parts: &[String], sep: &str) {
    let indent = " ".repeat(prefix.chars().count());
    let mut line = prefix.to_string();
    let mut first = true;
    for part in parts {
        let piece = if first {
            part.to_string()
        } else {
            format!("{sep}{part}")
        };
        if !first && line.chars().count() + piece.chars().count() > WIDTH {
            let _ = writeln!(s, "{line}");
            line = format!("{indent}{}", piece.trim_start());
        } else {
            line.push_str(&piece);
        }
        first = false;
    }
    let _ = writeln!(s, "{line}");
}

/// The warning for a cluster bootstrap with fewer than
/// [`super::cluster::FEW_CLUSTERS`] clusters.
fn few_clusters(r: &MediationResult) -> Option<String> {
    let c = r.bootstrap.cluster.as_ref()?;
    (c.clusters < super::cluster::FEW_CLUSTERS).then(|| {
        format!(
            "only {} clusters: with fewer than {} the cluster bootstrap's intervals tend to be \
             too narrow (Cameron, Gelbach & Miller 2008); read the CIs as approximate",
            c.clusters,
            super::cluster::FEW_CLUSTERS
        )
    })
}

fn notes(s: &mut String, r: &MediationResult) {
    let b = &r.bootstrap;
    banner(s, "ANALYSIS NOTES AND ERRORS");
    let ci = match b.ci {
        CiMethod::Percentile => "percentile",
        CiMethod::Bc => "bias-corrected",
        CiMethod::Bca => "BCa",
    };
    let _ = writeln!(
        s,
        "Level of confidence for all confidence intervals in output: {}",
        b.level * 100.0
    );
    let _ = writeln!(
        s,
        "Number of bootstrap samples for {ci} bootstrap confidence intervals: {}",
        b.samples
    );
    let drawn = if b.seed_drawn == Some(true) {
        format!(" (drawn at random; pass --seed {} to reproduce)", b.seed)
    } else {
        String::new()
    };
    let _ = writeln!(s, "Random seed: {}{drawn}", b.seed);
    if let Some(c) = &b.cluster {
        let _ = writeln!(
            s,
            "Cluster bootstrap: each resample draws {} clusters of '{}' with replacement \
             (whole clusters).",
            c.clusters, c.variable
        );
    }
    if let Some(note) = few_clusters(r) {
        let words: Vec<String> = note.split(' ').map(str::to_string).collect();
        wrap(s, "Warning: ", &words, " ");
    }
    if b.replaced > 0 {
        let _ = writeln!(
            s,
            "{} bootstrap resample(s) were singular or had a constant variable and were replaced.",
            b.replaced
        );
    }
    if !b.clamped.is_empty() {
        wrap(
            s,
            "Interval limits outside the bootstrap distribution (untrustworthy): ",
            &b.clamped,
            ", ",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_rounding_to_zero_print_without_a_minus_sign() {
        assert_eq!(opt(Some(-0.00004)), "0.0000");
        assert_eq!(opt(Some(-0.0)), "0.0000");
        assert_eq!(opt(Some(-0.12344)), "-0.1234");
        assert_eq!(opt(None), "-");
    }
}

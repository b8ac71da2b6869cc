//! `spcure regress FILE --y COL --x A,B[,…]`: one OLS regression on a flat CSV.
//!
//! load (listwise deletion, counted) → [`OlsSpec::fit`](crate::stats::ols::OlsSpec::fit) → JSON or an aligned table.
//! Bad input (missing column, non-numeric cell) fails in the loader (exit 2); a design that
//! cannot be estimated (collinear, constant column, too few rows) fails in the estimator with
//! a [`crate::stats::StatsError`] (exit 1).

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cli::RegressArgs;
use crate::config::{MissingConfig, RegressConfig};
use crate::error::UsageError;
use crate::load::{read_flat, read_flat_labelled};
use crate::prepare::{flat_frame, Exclusion};
use crate::stats::em::EmSpec;
use crate::stats::fiml::{FimlRegression, FimlRegressionSpec};
use crate::stats::ols::{HcType, OlsResult};

/// What `spcure regress --json` prints: the fit plus where its rows came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressOutput {
    pub file: String,
    pub sha256: String,
    /// Data rows in the file, before listwise deletion.
    pub rows_read: usize,
    /// Rows left out for a missing value, by the first missing column.
    pub exclusions: Vec<Exclusion>,
    /// "classical", "HC0" … "HC4", or "CR2"/"CR1" (with `cluster` in the fit).
    pub se_type: String,
    /// n, r2, adj_r2, f, df1, df2, p, mse, rss, intercept, hc, level, terms.
    #[serde(flatten)]
    pub fit: OlsResult,
}

pub fn run(args: &RegressArgs) -> Result<()> {
    let cfg = RegressConfig::from_args(args)?;
    if let Some(count) = &cfg.count {
        return super::regress_count::run(&cfg, count);
    }
    if let MissingConfig::Fiml { aux } = &cfg.missing {
        let out = regress_fiml(&cfg, aux)?;
        return if cfg.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&out)?)).map_err(Into::into)
        } else {
            emit(&render_fiml(&out)).map_err(Into::into)
        };
    }
    let out = regress(&cfg)?;
    for w in &out.fit.warnings {
        eprintln!("warning: {} ~ {}: {w}", out.fit.outcome, cfg.x.join(" + "));
    }
    if cfg.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
    } else {
        emit(&render_table(&out))?;
    }
    Ok(())
}

/// Writes `text` to stdout. A write error, a closed pipe (`spcure regress … | head`)
/// included, is returned: `main` exits 0 quietly on a broken pipe.
pub(crate) fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    write!(out, "{text}")?;
    out.flush()
}

/// Loads the named columns (complete cases) and fits the model.
pub fn regress(cfg: &RegressConfig) -> Result<RegressOutput> {
    if let Some(dup) = cfg
        .x
        .iter()
        .enumerate()
        .find(|(i, c)| cfg.x[..*i].contains(c))
    {
        return Err(UsageError::new(format!("--x names column '{}' twice", dup.1)).into());
    }
    let mut columns: Vec<&str> = vec![cfg.y.as_str()];
    columns.extend(cfg.x.iter().map(String::as_str));
    let cluster_col = cfg.cluster.as_ref().map(|c| c.column.as_str());
    let (raw, labels) = read_flat_labelled(&cfg.file, &columns, cluster_col, &cfg.flat)?;
    for w in &raw.warnings {
        eprintln!("warning: {w}");
    }
    let data = flat_frame(&columns, &raw.columns, &cfg.file.display().to_string());
    let predictors: Vec<&[f64]> = data.columns[1..].iter().map(Vec::as_slice).collect();
    let names: Vec<&str> = cfg.x.iter().map(String::as_str).collect();
    let y = &data.columns[0];
    let fitted = match (&cfg.cluster, &labels) {
        (Some(choice), Some(labels)) => {
            let spec = super::cluster::cluster_spec(choice, labels, &data, &cfg.file)?;
            crate::stats::cluster::fit(&cfg.ols, &spec, &cfg.y, y, &predictors, &names)
        }
        _ => cfg.ols.fit(&cfg.y, y, &predictors, &names),
    };
    let fit = fitted.with_context(|| {
        format!(
            "{}: cannot fit {} ~ {} on {} complete rows",
            cfg.file.display(),
            cfg.y,
            cfg.x.join(" + "),
            data.n()
        )
    })?;
    Ok(RegressOutput {
        file: cfg.file.display().to_string(),
        sha256: raw.sha256,
        rows_read: raw.rows_read,
        exclusions: data.sample.exclusions,
        se_type: match &fit.cluster {
            Some(c) => c.vcov.clone(),
            None => se_type(fit.hc),
        },
        fit,
    })
}

/// What `spcure regress --missing fiml --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlRegressOutput {
    pub file: String,
    pub sha256: String,
    pub rows_read: usize,
    /// sample (who contributed), auxiliary, level, outcome, terms, residual_variance, r2, em.
    #[serde(flatten)]
    pub fit: FimlRegression,
}

/// Loads the model and auxiliary columns (incomplete rows kept) and fits by FIML.
pub fn regress_fiml(cfg: &RegressConfig, aux: &[String]) -> Result<FimlRegressOutput> {
    if let Some(dup) = cfg
        .x
        .iter()
        .enumerate()
        .find(|(i, c)| cfg.x[..*i].contains(c))
    {
        return Err(UsageError::new(format!("--x names column '{}' twice", dup.1)).into());
    }
    let mut columns: Vec<&str> = vec![cfg.y.as_str()];
    columns.extend(cfg.x.iter().map(String::as_str));
    columns.extend(aux.iter().map(String::as_str));
    let raw = read_flat(&cfg.file, &columns, &cfg.flat)?;
    for w in &raw.warnings {
        eprintln!("warning: {w}");
    }
    let spec = FimlRegressionSpec {
        y: cfg.y.clone(),
        x: cfg.x.clone(),
        aux: aux.to_vec(),
        level: cfg.ols.level,
        em: EmSpec::default(),
    };
    let fit = spec.fit(&raw.columns).with_context(|| {
        format!(
            "{}: cannot fit {} ~ {} by FIML",
            cfg.file.display(),
            cfg.y,
            cfg.x.join(" + ")
        )
    })?;
    Ok(FimlRegressOutput {
        file: cfg.file.display().to_string(),
        sha256: raw.sha256,
        rows_read: raw.rows_read,
        fit,
    })
}

/// The FIML table: the estimand, who contributed, then the terms with z tests.
pub fn render_fiml(out: &FimlRegressOutput) -> String {
    let f = &out.fit;
    let eq = &f.equation;
    let xs: Vec<&str> = eq.terms[1..].iter().map(|t| t.term.as_str()).collect();
    let mut s = format!(
        "FIML regression (covariates random): {} ~ {}\n",
        eq.outcome,
        xs.join(" + ")
    );
    s.push_str(&format!("File: {}\n", out.file));
    s.push_str(&format!(
        "Missing data: {}, n contributing = {} of {} rows read ({} complete on every variable)\n",
        f.sample.method, f.sample.n_contributing, out.rows_read, f.sample.n_complete
    ));
    s.push_str(&observed_line(&f.sample.observed));
    if !f.auxiliary.is_empty() {
        s.push_str(&format!(
            "Auxiliary variables (saturated correlates): {}\n",
            f.auxiliary.join(", ")
        ));
    }
    s.push_str(&format!(
        "Standard errors: observed information (delta method); EM converged in {} iterations\n",
        f.em.iterations
    ));
    s.push_str(&format!(
        "R² = {:.6}, residual variance = {} (SE {}), log-likelihood = {}\n\n",
        eq.r2,
        num(eq.residual_variance.estimate),
        num(eq.residual_variance.se),
        num(f.em.log_likelihood)
    ));
    let level = format!("{}%", f.level * 100.0);
    let tw = eq
        .terms
        .iter()
        .map(|t| t.term.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, TERM_W);
    s.push_str(&format!(
        "{:<tw$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$}\n",
        "term",
        "estimate",
        "SE",
        "z",
        "p",
        format!("{level} low"),
        format!("{level} high"),
        w = NUM_W
    ));
    for t in &eq.terms {
        s.push_str(&format!(
            "{:<tw$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$}\n",
            shorten(&t.term, tw),
            num(t.estimate),
            num(t.se),
            num(t.z),
            pval(t.p),
            num(t.ci_low),
            num(t.ci_high),
            w = NUM_W
        ));
    }
    s
}

/// "Observed: y 180, x 176, age 598 (aux)" wrapped to the report width.
pub(crate) fn observed_line(obs: &[crate::stats::fiml::ObservedCount]) -> String {
    let parts: Vec<String> = obs
        .iter()
        .map(|o| {
            let tag = if o.auxiliary { " (aux)" } else { "" };
            format!("{} {}{tag}", o.variable, o.n)
        })
        .collect();
    let mut s = String::from("Observed values:");
    let mut line = s.len();
    for (i, p) in parts.iter().enumerate() {
        let piece = format!("{}{p}", if i == 0 { " " } else { ", " });
        if line + piece.len() > 100 {
            s.push_str(",\n ");
            line = 1;
            s.push_str(p);
            line += p.len();
        } else {
            s.push_str(&piece);
            line += piece.len();
        }
    }
    s.push('\n');
    s
}

fn se_type(hc: Option<HcType>) -> String {
    match hc {
        None => "classical".into(),
        Some(h) => format!("{h:?}").to_uppercase(),
    }
}

/// Width of the numeric columns of the coefficient table.
const NUM_W: usize = 11;
/// Longest term name shown in full (the table must fit 100 columns).
const TERM_W: usize = 24;

/// The aligned, human-readable report (at most 100 columns wide).
pub fn render_table(out: &RegressOutput) -> String {
    let f = &out.fit;
    let mut s = String::new();
    let xs: Vec<&str> = f
        .terms
        .iter()
        .map(|t| t.term.as_str())
        .filter(|t| *t != crate::stats::ols::INTERCEPT)
        .collect();
    let rhs = if f.intercept {
        xs.join(" + ")
    } else {
        format!("{} (no intercept)", xs.join(" + "))
    };
    s.push_str(&format!("OLS regression: {} ~ {}\n", f.outcome, rhs));
    s.push_str(&format!("File: {}\n", out.file));
    s.push_str(&format!(
        "n = {} of {} rows read{}\n",
        f.n,
        out.rows_read,
        exclusion_note(&out.exclusions)
    ));
    match &f.cluster {
        Some(c) => s.push_str(&format!("{}\n", super::cluster::se_line(c))),
        None => s.push_str(&format!("Standard errors: {}\n", out.se_type)),
    }
    let model_f = match (f.f, f.p) {
        (Some(fv), Some(p)) => format!("F({}, {}) = {}, p {}", f.df1, f.df2, num(fv), p_eq(p)),
        _ if f.cluster.is_some() => "model F not reported with cluster-robust SEs".into(),
        _ => "F: not defined".into(),
    };
    let r2_kind = if f.intercept { "" } else { " (uncentred)" };
    s.push_str(&format!(
        "R²{r2_kind} = {}, adjusted R² = {}, {model_f}, MSE = {}\n\n",
        crate::report::apa::fixed(f.r2, 6),
        crate::report::apa::fixed(f.adj_r2, 6),
        num(f.mse)
    ));
    let level = format!("{}%", f.level * 100.0);
    // A clustered table has a df column (each test has its own df); its term column is
    // narrower so the table still fits 100 columns.
    let df = f.cluster.as_ref().map(|c| c.df.as_slice());
    let term_max = if df.is_some() {
        TERM_W - DF_W - 1
    } else {
        TERM_W
    };
    let tw = f
        .terms
        .iter()
        .map(|t| t.term.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, term_max);
    let df_head = if df.is_some() {
        format!(" {:>DF_W$}", "df")
    } else {
        String::new()
    };
    s.push_str(&format!(
        "{:<tw$} {:>w$} {:>w$} {:>w$}{df_head} {:>w$} {:>w$} {:>w$}\n",
        "term",
        "estimate",
        "SE",
        "t",
        "p",
        format!("{level} low"),
        format!("{level} high"),
        w = NUM_W
    ));
    for (k, t) in f.terms.iter().enumerate() {
        let df_cell = df.map_or_else(String::new, |d| format!(" {:>DF_W$.2}", d[k]));
        s.push_str(&format!(
            "{:<tw$} {:>w$} {:>w$} {:>w$}{df_cell} {:>w$} {:>w$} {:>w$}\n",
            shorten(&t.term, tw),
            num(t.estimate),
            num(t.se),
            num(t.t),
            pval(t.p),
            num(t.ci_low),
            num(t.ci_high),
            w = NUM_W
        ));
    }
    s
}

/// Width of the df column of a clustered table.
const DF_W: usize = 7;

pub(super) fn exclusion_note(ex: &[Exclusion]) -> String {
    if ex.is_empty() {
        return String::new();
    }
    let dropped: usize = ex.iter().map(|e| e.count).sum();
    let parts: Vec<String> = ex
        .iter()
        .map(|e| format!("{} {}", e.reason, e.count))
        .collect();
    format!("; {dropped} dropped listwise ({})", parts.join(", "))
}

pub(super) fn shorten(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        name.to_string()
    } else {
        let head: String = name.chars().take(width - 1).collect();
        format!("{head}…")
    }
}

/// Fixed 4 decimals in the usual range, scientific outside it (NIST-scale values).
pub(super) fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a == 0.0 || (1e-3..1e6).contains(&a) {
        crate::report::apa::fixed(v, 4)
    } else {
        format!("{v:.4e}")
    }
}

/// "= 0.0123" or "< .0001", for running text.
pub(super) fn p_eq(p: f64) -> String {
    let s = pval(p);
    match s.strip_prefix('<') {
        Some(rest) => format!("< {rest}"),
        None => format!("= {s}"),
    }
}

pub(super) fn pval(p: f64) -> String {
    if p.is_nan() {
        "NaN".into()
    } else if p < 1e-4 {
        "<.0001".into()
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_switch_to_scientific_outside_the_usual_range() {
        assert_eq!(num(12.34567), "12.3457");
        assert_eq!(num(0.0), "0.0000");
        // Negative zero (and a negative value rounding to zero) never prints as "-0.0000".
        assert_eq!(num(-0.0), "0.0000");
        assert_eq!(num(-0.00100001), "-0.0010");
        assert_eq!(num(-3482258.63459582), "-3.4823e6");
        assert_eq!(num(4.0e-5), "4.0000e-5");
        assert_eq!(pval(0.00001), "<.0001");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}

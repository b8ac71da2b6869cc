//! Count regression with a log link: Poisson and negative binomial (NB2), optional exposure
//! offset, rate ratios, and an overdispersion check that decides (or questions) the family.
//!
//! # Formula
//! log E\[yᵢ\] = log(exposureᵢ) + xᵢᵀβ, fitted by IRLS ([`super::irls`]).
//! - Poisson: V(μ) = μ; deviance D = 2Σ[y log(y/μ) − (y − μ)] (y log y = 0 at y = 0);
//!   log-likelihood ℓ = Σ[y log μ − μ − log y!]; AIC = −2ℓ + 2p.
//! - NB2 (Lawless 1987; Venables & Ripley 2002, §7.4, `MASS::glm.nb`): V(μ) = μ + μ²/θ;
//!   D = 2Σ[y log(max(y, 1)/μ) − (y + θ) log((y + θ)/(μ + θ))];
//!   ℓ = Σ[log Γ(θ + y) − log Γ(θ) − log y! + θ log θ + y log μ − (θ + y) log(θ + μ)];
//!   AIC = −2ℓ + 2(p + 1). θ by maximum likelihood given μ, alternating with IRLS for β at
//!   fixed θ until both settle (as `glm.nb`). The θ score and information (μ fixed):
//!   U(θ) = Σ[ψ(θ + y) − ψ(θ) + log θ + 1 − log(θ + μ) − (y + θ)/(μ + θ)],
//!   I(θ) = Σ[−ψ′(θ + y) + ψ′(θ) − 1/θ + 2/(μ + θ) − (y + θ)/(μ + θ)²], SE(θ̂) = I(θ̂)^(−1/2)
//!   (what `glm.nb` reports as `SE.theta`).
//! - Coefficients: model-based SE from (XᵀWX)⁻¹ (dispersion 1), z = β/SE, p = 2Φ(−|z|), Wald
//!   CI β ± z_{(1+L)/2}·SE. Rate ratio IRR = exp(β) with CI exp(β ± z·SE);
//!   % change = (IRR − 1)·100 with the CI transformed the same way.
//! - Pearson χ² = Σ(y − μ)²/V(μ) with n − p df; χ²/df ≈ 1 when the variance is right.
//! - Overdispersion check: Pearson χ²/df of the Poisson fit, and the likelihood-ratio test of
//!   Poisson (1/θ = 0, on the boundary) against NB: LR = 2(ℓ_NB − ℓ_P), p = ½·P(χ²₁ > LR)
//!   (Self & Liang 1987; Cameron & Trivedi 2013, §3.4). `Auto` uses NB when p < 0.05.
//! - Cluster-robust (Poisson only; Liang & Zeger 1986, GEE with independence working
//!   correlation): V = A⁻¹(Σ_g s_g s_gᵀ)A⁻¹, A = XᵀWX, s_g = Σ_{i∈g} xᵢ(yᵢ − μᵢ); no
//!   small-sample correction (as `geepack::geeglm`'s `san.se`).
//!
//! Separation: when a predictor (or combination) isolates rows whose counts are all 0, the
//! MLE is at −∞ and IRLS drifts; a fit whose fitted count is below 1e-8 × mean(y) on rows
//! that all have y = 0 is reported as separation instead of printing a huge, meaningless IRR.

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use statrs::function::gamma::{digamma, ln_gamma};

use super::dist;
use super::irls::{IrlsFit, LogLinkProblem};
use super::StatsError;

/// Name of the intercept term, as in R.
pub const INTERCEPT: &str = "(Intercept)";
/// Significance level of the LR test at which `Auto` switches to the negative binomial.
pub const AUTO_ALPHA: f64 = 0.05;
/// θ above which the NB likelihood is flat (NB = Poisson to the precision of the data).
const THETA_MAX: f64 = 1e8;
/// Fitted counts below this multiple of mean(y) are numerically zero (separation).
const SEPARATION_TOL: f64 = 1e-8;
/// Outer (β, θ) alternations of the NB fit.
const NB_MAX_OUTER: usize = 50;

/// The count distribution of a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountFamily {
    Poisson,
    /// Negative binomial with quadratic variance μ + μ²/θ (NB2).
    NegBin,
}

impl CountFamily {
    pub fn label(self) -> &'static str {
        match self {
            Self::Poisson => "Poisson",
            Self::NegBin => "negative binomial (NB2)",
        }
    }
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyChoice {
    Poisson,
    NegBin,
    /// NB when the overdispersion LR test rejects Poisson at [`AUTO_ALPHA`], else Poisson.
    Auto,
}

/// What to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountSpec {
    pub family: FamilyChoice,
    pub intercept: bool,
    /// Confidence level in (0, 1).
    pub level: f64,
}

/// The data of one count model; all slices have one entry per row.
pub struct CountData<'a> {
    pub outcome: &'a str,
    pub y: &'a [f64],
    pub predictors: &'a [&'a [f64]],
    pub names: &'a [&'a str],
    /// Exposure (e.g. months of recall) named by its column; log(exposure) is the offset.
    pub exposure: Option<(&'a str, &'a [f64])>,
    /// Cluster (participant) of each row: cluster-robust SEs (Poisson only).
    pub clusters: Option<&'a [String]>,
    /// Row labels for messages (e.g. data rows of the file); 1-based positions if `None`.
    pub rows: Option<&'a [String]>,
}

/// One coefficient on the log scale and as a rate ratio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountTerm {
    pub term: String,
    pub estimate: f64,
    pub se: f64,
    pub z: f64,
    pub p: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// exp(estimate), with the exponentiated CI.
    pub irr: f64,
    pub irr_low: f64,
    pub irr_high: f64,
    /// (IRR − 1)·100, with the CI transformed the same way.
    pub pct_change: f64,
    pub pct_low: f64,
    pub pct_high: f64,
}

/// A fitted count model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountFit {
    pub family: CountFamily,
    pub outcome: String,
    pub n: usize,
    pub df_residual: usize,
    pub intercept: bool,
    /// Exposure column whose log is the offset.
    pub offset: Option<String>,
    /// "model-based" or "cluster-robust".
    pub se_type: String,
    /// Number of clusters for cluster-robust SEs.
    pub clusters: Option<usize>,
    pub level: f64,
    pub terms: Vec<CountTerm>,
    pub deviance: f64,
    pub pearson_chi2: f64,
    /// Pearson χ² / residual df.
    pub pearson_ratio: f64,
    pub log_lik: f64,
    pub aic: f64,
    /// NB2 shape θ (variance μ + μ²/θ) and its SE; `None` for Poisson.
    pub theta: Option<f64>,
    pub theta_se: Option<f64>,
    pub iterations: usize,
}

impl CountFit {
    pub fn term(&self, name: &str) -> Option<&CountTerm> {
        self.terms.iter().find(|t| t.term == name)
    }
}

/// Poisson against negative binomial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverdispersionCheck {
    /// Pearson χ²/df of the Poisson fit (≈ 1 without overdispersion).
    pub poisson_pearson_ratio: f64,
    pub poisson_df: usize,
    /// 2(ℓ_NB − ℓ_Poisson); 0 when θ → ∞.
    pub lr: f64,
    /// ½·P(χ²₁ > LR) (boundary); 1 when LR = 0.
    pub p: f64,
    /// The NB θ (`None` when it is infinite or the NB fit failed).
    pub theta: Option<f64>,
    pub overdispersed: bool,
    /// Why the NB fit is missing, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nb_note: Option<String>,
}

/// The fit used plus the check that chose or questions it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountResult {
    pub requested: FamilyChoice,
    pub fit: CountFit,
    pub overdispersion: OverdispersionCheck,
    /// One sentence: which model the output uses and why.
    pub decision: String,
    /// Things the reader must know (e.g. Poisson kept despite overdispersion).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Everything of a fit the NB/Poisson comparison and the summary need.
struct RawFit {
    family: CountFamily,
    irls: IrlsFit,
    theta: Option<(f64, f64)>,
    log_lik: f64,
}

impl CountSpec {
    pub fn fit(&self, d: &CountData) -> Result<CountResult, StatsError> {
        let (x, names) = self.design(d)?;
        let offset = offsets(d)?;
        validate_counts(d)?;
        if d.clusters.is_some() && self.family != FamilyChoice::Poisson {
            return Err(StatsError::Invalid(
                "cluster-robust SEs are implemented for the Poisson model (GEE independence), \
                 which is robust to overdispersion: use the Poisson family with clusters"
                    .into(),
            ));
        }
        let problem = LogLinkProblem {
            x: &x,
            y: d.y,
            offset: &offset,
            names: &names,
        };
        problem.check_rank()?;
        let pois = fit_poisson(&problem)?;
        check_separation(d, &pois.irls)?;
        let nb = fit_negbin(&problem, &pois.irls);
        let check = overdispersion(d.y, &pois, &nb, x.ncols());
        let (raw, decision, warnings) = self.choose(pois, nb, &check, d.clusters.is_some())?;
        if raw.family == CountFamily::NegBin {
            check_separation(d, &raw.irls)?;
        }
        let fit = self.summarise(d, &x, &names, &raw)?;
        Ok(CountResult {
            requested: self.family,
            fit,
            overdispersion: check,
            decision,
            warnings,
        })
    }

    fn design(&self, d: &CountData) -> Result<(DMatrix<f64>, Vec<String>), StatsError> {
        let n = d.y.len();
        let p = d.predictors.len() + usize::from(self.intercept);
        if n <= p {
            return Err(StatsError::TooFewRows { n, p });
        }
        let mut cols: Vec<f64> = Vec::with_capacity(n * p);
        let mut names = Vec::with_capacity(p);
        if self.intercept {
            cols.extend(std::iter::repeat_n(1.0, n));
            names.push(INTERCEPT.to_string());
        }
        for (col, name) in d.predictors.iter().zip(d.names) {
            if col.len() != n {
                return Err(StatsError::Invalid(format!(
                    "column '{name}' has {} values for {n} counts",
                    col.len()
                )));
            }
            if col.iter().any(|v| !v.is_finite()) {
                return Err(StatsError::NonFinite {
                    what: format!("column '{name}'"),
                });
            }
            if self.intercept && col.iter().all(|v| *v == col[0]) {
                return Err(StatsError::ConstantColumn {
                    column: name.to_string(),
                });
            }
            cols.extend_from_slice(col);
            names.push(name.to_string());
        }
        Ok((DMatrix::from_column_slice(n, p, &cols), names))
    }

    /// Picks the fit to report and says why.
    fn choose(
        &self,
        pois: RawFit,
        nb: Result<Option<RawFit>, StatsError>,
        check: &OverdispersionCheck,
        clustered: bool,
    ) -> Result<(RawFit, String, Vec<String>), StatsError> {
        let evidence = evidence(check);
        match self.family {
            FamilyChoice::Poisson if check.overdispersed && clustered => Ok((
                pois,
                format!(
                    "Poisson with cluster-robust SEs, which stay valid under the \
                     overdispersion the check finds ({evidence})"
                ),
                Vec::new(),
            )),
            FamilyChoice::Poisson if check.overdispersed => Ok((
                pois,
                format!(
                    "Poisson used as requested, although the counts are overdispersed \
                     ({evidence})"
                ),
                vec![format!(
                    "the counts are overdispersed ({evidence}): the Poisson model-based SEs \
                     are too small; use --family negbin (or auto)"
                )],
            )),
            FamilyChoice::Poisson => Ok((
                pois,
                format!("Poisson used as requested; no evidence of overdispersion ({evidence})"),
                Vec::new(),
            )),
            FamilyChoice::NegBin => match nb? {
                Some(nb) => Ok((
                    nb,
                    format!("negative binomial used as requested ({evidence})"),
                    Vec::new(),
                )),
                None => Err(StatsError::Invalid(format!(
                    "the negative binomial θ is infinite: the counts show no overdispersion \
                     ({evidence}), so NB reduces to Poisson; use --family poisson or auto"
                ))),
            },
            FamilyChoice::Auto => match nb? {
                Some(nb) if check.overdispersed => Ok((
                    nb,
                    format!(
                        "negative binomial chosen (--family auto): the counts are \
                         overdispersed ({evidence})"
                    ),
                    Vec::new(),
                )),
                _ => Ok((
                    pois,
                    format!(
                        "Poisson chosen (--family auto): no evidence of overdispersion \
                         ({evidence}; NB is chosen when p < {AUTO_ALPHA})"
                    ),
                    Vec::new(),
                )),
            },
        }
    }

    fn summarise(
        &self,
        d: &CountData,
        x: &DMatrix<f64>,
        names: &[String],
        raw: &RawFit,
    ) -> Result<CountFit, StatsError> {
        let n = d.y.len();
        let p = x.ncols();
        let (cov, se_type, clusters) = match d.clusters {
            Some(c) => {
                let (v, g) = cluster_robust(x, d.y, &raw.irls, c)?;
                (v, "cluster-robust", Some(g))
            }
            None => (raw.irls.cov.clone(), "model-based", None),
        };
        let zcrit = dist::norm_quantile(0.5 + self.level / 2.0);
        let terms = names
            .iter()
            .enumerate()
            .map(|(j, name)| term(name, raw.irls.beta[j], cov[(j, j)].sqrt(), zcrit))
            .collect();
        let theta = raw.theta.map(|t| t.0);
        let pearson = pearson_chi2(d.y, &raw.irls.mu, theta);
        let df_residual = n - p;
        let k = p + usize::from(theta.is_some());
        Ok(CountFit {
            family: raw.family,
            outcome: d.outcome.to_string(),
            n,
            df_residual,
            intercept: self.intercept,
            offset: d.exposure.map(|(name, _)| name.to_string()),
            se_type: se_type.to_string(),
            clusters,
            level: self.level,
            terms,
            deviance: raw.irls.deviance,
            pearson_chi2: pearson,
            pearson_ratio: pearson / df_residual as f64,
            log_lik: raw.log_lik,
            aic: -2.0 * raw.log_lik + 2.0 * k as f64,
            theta,
            theta_se: raw.theta.map(|t| t.1),
            iterations: raw.irls.iterations,
        })
    }
}

/// "Poisson Pearson χ²/df = 3.63; LR test vs NB χ² = 380.27, p < .0001 (boundary-halved)".
fn evidence(c: &OverdispersionCheck) -> String {
    let p = if c.p < 1e-4 {
        "p < .0001".to_string()
    } else {
        format!("p = {:.4}", c.p)
    };
    format!(
        "Poisson Pearson χ²/df = {:.2}; LR test Poisson vs NB χ²(1) = {:.2}, {p}, boundary-halved",
        c.poisson_pearson_ratio, c.lr
    )
}

fn term(name: &str, b: f64, se: f64, zcrit: f64) -> CountTerm {
    let (lo, hi) = (b - zcrit * se, b + zcrit * se);
    let z = b / se;
    CountTerm {
        term: name.to_string(),
        estimate: b,
        se,
        z,
        p: dist::z_two_sided(z),
        ci_low: lo,
        ci_high: hi,
        irr: b.exp(),
        irr_low: lo.exp(),
        irr_high: hi.exp(),
        pct_change: b.exp_m1() * 100.0,
        pct_low: lo.exp_m1() * 100.0,
        pct_high: hi.exp_m1() * 100.0,
    }
}

fn row_label(d: &CountData, i: usize) -> String {
    d.rows
        .and_then(|r| r.get(i).cloned())
        .unwrap_or_else(|| (i + 1).to_string())
}

/// Counts must be non-negative integers.
fn validate_counts(d: &CountData) -> Result<(), StatsError> {
    for (i, &v) in d.y.iter().enumerate() {
        if !v.is_finite() || v < 0.0 || v.fract() != 0.0 {
            return Err(StatsError::Invalid(format!(
                "'{}' row {}: {v} is not a count (a count model needs non-negative whole numbers)",
                d.outcome,
                row_label(d, i)
            )));
        }
    }
    if d.y.iter().all(|&v| v == 0.0) {
        return Err(StatsError::Invalid(format!(
            "'{}' is 0 in every row: there is no rate to model",
            d.outcome
        )));
    }
    Ok(())
}

/// log(exposure), or zeros; exposure must be positive and finite.
fn offsets(d: &CountData) -> Result<Vec<f64>, StatsError> {
    let Some((name, e)) = d.exposure else {
        return Ok(vec![0.0; d.y.len()]);
    };
    if e.len() != d.y.len() {
        return Err(StatsError::Invalid(format!(
            "exposure '{name}' has {} values for {} counts",
            e.len(),
            d.y.len()
        )));
    }
    e.iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.is_finite() && v > 0.0 {
                Ok(v.ln())
            } else {
                Err(StatsError::Invalid(format!(
                    "exposure '{name}' row {}: {v} is not positive (the offset is its log)",
                    row_label(d, i)
                )))
            }
        })
        .collect()
}

fn poisson_deviance(y: &[f64], mu: &[f64]) -> f64 {
    2.0 * y
        .iter()
        .zip(mu)
        .map(|(&y, &m)| {
            if y > 0.0 {
                y * (y / m).ln() - (y - m)
            } else {
                m
            }
        })
        .sum::<f64>()
}

fn poisson_loglik(y: &[f64], mu: &[f64]) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            let ylogm = if y > 0.0 { y * m.ln() } else { 0.0 };
            ylogm - m - ln_gamma(y + 1.0)
        })
        .sum()
}

fn nb_deviance(y: &[f64], mu: &[f64], th: f64) -> f64 {
    2.0 * y
        .iter()
        .zip(mu)
        .map(|(&y, &m)| y * (y.max(1.0) / m).ln() - (y + th) * ((y + th) / (m + th)).ln())
        .sum::<f64>()
}

fn nb_loglik(y: &[f64], mu: &[f64], th: f64) -> f64 {
    // θ log θ + y log μ − (θ + y) log(θ + μ) written as −θ·log1p(μ/θ) + y log μ − y log(θ + μ),
    // which keeps its digits when θ is large (near the Poisson boundary).
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            let ylogm = if y > 0.0 { y * m.ln() } else { 0.0 };
            ln_gamma_ratio(th, y) - ln_gamma(y + 1.0) + ylogm
                - th * (m / th).ln_1p()
                - y * (th + m).ln()
        })
        .sum()
}

/// Counts up to this size use the exact finite sums for the gamma-function differences.
const EXACT_SUM_MAX: f64 = 10_000.0;

/// log Γ(θ + y) − log Γ(θ) = Σ_{k<y} log(θ + k) for a whole y (exact, no cancellation).
fn ln_gamma_ratio(th: f64, y: f64) -> f64 {
    if y <= EXACT_SUM_MAX {
        (0..y as u32).map(|k| (th + k as f64).ln()).sum()
    } else {
        ln_gamma(th + y) - ln_gamma(th)
    }
}

/// ψ(θ + y) − ψ(θ) = Σ_{k<y} 1/(θ + k).
fn digamma_diff(th: f64, y: f64) -> f64 {
    if y <= EXACT_SUM_MAX {
        (0..y as u32).map(|k| 1.0 / (th + k as f64)).sum()
    } else {
        digamma(th + y) - digamma(th)
    }
}

/// ψ′(θ) − ψ′(θ + y) = Σ_{k<y} 1/(θ + k)².
fn trigamma_diff(th: f64, y: f64) -> f64 {
    if y <= EXACT_SUM_MAX {
        (0..y as u32).map(|k| (th + k as f64).powi(-2)).sum()
    } else {
        trigamma(th) - trigamma(th + y)
    }
}

fn pearson_chi2(y: &[f64], mu: &[f64], theta: Option<f64>) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            let v = theta.map_or(m, |t| m + m * m / t);
            (y - m).powi(2) / v
        })
        .sum()
}

fn fit_poisson(problem: &LogLinkProblem) -> Result<RawFit, StatsError> {
    let y = problem.y;
    let irls = problem.fit(&|m: f64| m, &|mu: &[f64]| poisson_deviance(y, mu), None)?;
    Ok(RawFit {
        family: CountFamily::Poisson,
        log_lik: poisson_loglik(y, &irls.mu),
        irls,
        theta: None,
    })
}

/// The NB2 fit by alternating IRLS (θ fixed) and θ by ML (μ fixed), as `MASS::glm.nb`.
/// `Ok(None)` when θ runs off to infinity (no overdispersion: NB is Poisson).
fn fit_negbin(problem: &LogLinkProblem, pois: &IrlsFit) -> Result<Option<RawFit>, StatsError> {
    let y = problem.y;
    let Some(mut theta) = theta_ml(y, &pois.mu, None)? else {
        return Ok(None);
    };
    let mut beta = pois.beta.clone();
    let mut ll_old = f64::NAN;
    for _ in 0..NB_MAX_OUTER {
        let th = theta;
        let irls = problem.fit(
            &move |m: f64| m + m * m / th,
            &|mu: &[f64]| nb_deviance(y, mu, th),
            Some(&beta),
        )?;
        beta = irls.beta.clone();
        let Some(next) = theta_ml(y, &irls.mu, Some(theta))? else {
            return Ok(None);
        };
        let ll = nb_loglik(y, &irls.mu, next);
        let settled =
            (ll - ll_old).abs() < 1e-12 * (ll.abs() + 0.1) && (next - theta).abs() < 1e-10 * theta;
        theta = next;
        ll_old = ll;
        if settled {
            // The reported β is the IRLS fit at the final θ.
            let th = theta;
            let irls = problem.fit(
                &move |m: f64| m + m * m / th,
                &|mu: &[f64]| nb_deviance(y, mu, th),
                Some(&beta),
            )?;
            let se = theta_info(y, &irls.mu, theta).recip().sqrt();
            return Ok(Some(RawFit {
                family: CountFamily::NegBin,
                log_lik: nb_loglik(y, &irls.mu, theta),
                irls,
                theta: Some((theta, se)),
            }));
        }
    }
    Err(StatsError::Invalid(format!(
        "the negative binomial fit did not converge in {NB_MAX_OUTER} alternations of β and θ \
         (θ = {theta:.6})"
    )))
}

/// U(θ) = dℓ/dθ at fixed μ; log θ + 1 − log(θ + μ) − (y + θ)/(μ + θ) is rewritten as
/// −log1p(μ/θ) + (μ − y)/(μ + θ) to keep its digits for large θ.
fn theta_score(y: &[f64], mu: &[f64], th: f64) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| digamma_diff(th, y) - (m / th).ln_1p() + (m - y) / (m + th))
        .sum()
}

/// I(θ) = −d²ℓ/dθ² at fixed μ; −1/θ + 2/(μ + θ) − (y + θ)/(μ + θ)² is rewritten as
/// −μ/(θ(μ + θ)) + (μ − y)/(μ + θ)².
fn theta_info(y: &[f64], mu: &[f64], th: f64) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            trigamma_diff(th, y) - m / (th * (m + th)) + (m - y) / ((m + th) * (m + th))
        })
        .sum()
}

/// θ̂ maximising the NB log-likelihood at fixed μ: Newton steps on log θ with step halving
/// (so θ stays positive and ℓ never falls). Start: `start`, else the moment estimate
/// n / Σ(y/μ − 1)² (as `MASS::theta.ml`). `None` when θ̂ is infinite.
fn theta_ml(y: &[f64], mu: &[f64], start: Option<f64>) -> Result<Option<f64>, StatsError> {
    let moment = y.len() as f64
        / y.iter()
            .zip(mu)
            .map(|(&y, &m)| (y / m - 1.0).powi(2))
            .sum::<f64>();
    // y = μ everywhere gives an infinite moment estimate: start at the boundary.
    let moment = if moment.is_finite() {
        moment
    } else {
        THETA_MAX
    };
    let mut phi = start.unwrap_or(moment).clamp(1e-8, THETA_MAX).ln();
    let ll = |phi: f64| nb_loglik(y, mu, phi.exp());
    for _ in 0..200 {
        let th = phi.exp();
        let g = th * theta_score(y, mu, th);
        let h = -th * th * theta_info(y, mu, th) + g;
        // Newton where the log-likelihood is concave in log θ, else a bounded ascent step.
        let mut step = if h < 0.0 { -g / h } else { g.signum() };
        step = step.clamp(-3.0, 3.0);
        let base = ll(phi);
        let mut accepted = false;
        for _ in 0..60 {
            if ll(phi + step) >= base - 1e-12 * base.abs() {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            step = 0.0;
        }
        phi += step;
        if phi.exp() > THETA_MAX {
            return Ok(None);
        }
        if step.abs() < 1e-13 * phi.abs().max(1.0) {
            return Ok(Some(phi.exp()));
        }
    }
    Err(StatsError::Invalid(
        "the maximum-likelihood θ of the negative binomial did not converge in 200 steps".into(),
    ))
}

/// ψ′(x) for x > 0: recurrence ψ′(x) = ψ′(x + 1) + 1/x² up to x ≥ 20, then the asymptotic
/// series 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) (A&S 6.4.12).
fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 20.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let r = 1.0 / (x * x);
    acc + 1.0 / x + r / 2.0 + r / x * (1.0 / 6.0 - r * (1.0 / 30.0 - r * (1.0 / 42.0 - r / 30.0)))
}

fn overdispersion(
    y: &[f64],
    pois: &RawFit,
    nb: &Result<Option<RawFit>, StatsError>,
    p: usize,
) -> OverdispersionCheck {
    let df = y.len() - p;
    let ratio = pearson_chi2(y, &pois.irls.mu, None) / df as f64;
    let (lr, theta, note) = match nb {
        Ok(Some(nb)) => (
            (2.0 * (nb.log_lik - pois.log_lik)).max(0.0),
            nb.theta.map(|t| t.0),
            None,
        ),
        Ok(None) => (
            0.0,
            None,
            Some("θ → ∞: the NB likelihood is maximal at the Poisson boundary".to_string()),
        ),
        Err(e) => (0.0, None, Some(format!("the NB fit failed: {e}"))),
    };
    let p = if lr > 0.0 {
        // P(χ²₁ > LR) = P(|Z| > √LR).
        0.5 * dist::z_two_sided(lr.sqrt())
    } else {
        1.0
    };
    OverdispersionCheck {
        poisson_pearson_ratio: ratio,
        poisson_df: df,
        lr,
        p,
        theta,
        overdispersed: theta.is_some() && p < AUTO_ALPHA,
        nb_note: note,
    }
}

/// Separation: rows with a numerically zero fitted count, all observed 0.
fn check_separation(d: &CountData, fit: &IrlsFit) -> Result<(), StatsError> {
    let mean = d.y.iter().sum::<f64>() / d.y.len() as f64;
    let tiny: Vec<usize> = (0..d.y.len())
        .filter(|&i| fit.mu[i] < SEPARATION_TOL * mean)
        .collect();
    if tiny.is_empty() || tiny.iter().any(|&i| d.y[i] != 0.0) {
        return Ok(());
    }
    let shown: Vec<String> = tiny.iter().take(5).map(|&i| row_label(d, i)).collect();
    Err(StatsError::Invalid(format!(
        "separation: a predictor (or combination) picks out {} rows whose '{}' is 0 in every \
         one (rows {}{}), so a rate ratio is 0 or infinite and the fit does not exist; drop or \
         merge that predictor's category",
        tiny.len(),
        d.outcome,
        shown.join(", "),
        if tiny.len() > 5 { ", …" } else { "" }
    )))
}

/// Sandwich A⁻¹ M A⁻¹ with score sums per cluster (Poisson, log link). Returns the number of
/// clusters too. Clusters are taken in sorted order so the sum is deterministic.
fn cluster_robust(
    x: &DMatrix<f64>,
    y: &[f64],
    fit: &IrlsFit,
    clusters: &[String],
) -> Result<(DMatrix<f64>, usize), StatsError> {
    let p = x.ncols();
    if clusters.len() != y.len() {
        return Err(StatsError::Invalid(format!(
            "{} cluster labels for {} rows",
            clusters.len(),
            y.len()
        )));
    }
    let mut scores: BTreeMap<&str, DVector<f64>> = BTreeMap::new();
    for (i, c) in clusters.iter().enumerate() {
        let s = scores
            .entry(c.as_str())
            .or_insert_with(|| DVector::zeros(p));
        let r = y[i] - fit.mu[i];
        for j in 0..p {
            s[j] += x[(i, j)] * r;
        }
    }
    let g = scores.len();
    if g < 2 {
        return Err(StatsError::Invalid(
            "cluster-robust SEs need at least 2 clusters".into(),
        ));
    }
    let mut meat = DMatrix::zeros(p, p);
    for s in scores.values() {
        meat += s * s.transpose();
    }
    Ok((&fit.cov * meat * &fit.cov, g))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(family: FamilyChoice) -> CountSpec {
        CountSpec {
            family,
            intercept: true,
            level: 0.95,
        }
    }

    fn data<'a>(y: &'a [f64], preds: &'a [&'a [f64]], names: &'a [&'a str]) -> CountData<'a> {
        CountData {
            outcome: "y",
            y,
            predictors: preds,
            names,
            exposure: None,
            clusters: None,
            rows: None,
        }
    }

    #[test]
    fn trigamma_matches_known_values() {
        // ψ′(1) = π²/6, ψ′(1/2) = π²/2, ψ′(20.5) from R: trigamma(20.5).
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-13);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-12);
        assert!((trigamma(20.5) - 0.04998959242996099).abs() < 1e-14);
    }

    /// With period as the only regressor, the Poisson rate ratio post/pre is Σpost/Σpre
    /// (equal numbers of rows per period); with exposure, the ratio of the two rates.
    #[test]
    fn prepost_rate_ratio_is_the_ratio_of_sums() {
        let pre = [3.0, 0.0, 1.0, 5.0, 2.0, 0.0, 4.0, 1.0];
        let post = [1.0, 0.0, 2.0, 2.0, 1.0, 0.0, 3.0, 0.0];
        let y: Vec<f64> = pre.iter().chain(&post).copied().collect();
        let wave: Vec<f64> = (0..16).map(|i| if i < 8 { 0.0 } else { 1.0 }).collect();
        let preds: [&[f64]; 1] = [&wave];
        let r = spec(FamilyChoice::Poisson)
            .fit(&data(&y, &preds, &["wave"]))
            .unwrap();
        let want = post.iter().sum::<f64>() / pre.iter().sum::<f64>();
        assert!(
            (r.fit.terms[1].irr - want).abs() < 1e-12,
            "{}",
            r.fit.terms[1].irr
        );
        let months: Vec<f64> = (0..16).map(|i| [3.0, 4.0, 3.0, 6.0][i % 4]).collect();
        let mut d = data(&y, &preds, &["wave"]);
        d.exposure = Some(("months", months.as_slice()));
        let r = spec(FamilyChoice::Poisson).fit(&d).unwrap();
        let rate = |range: std::ops::Range<usize>| {
            y[range.clone()].iter().sum::<f64>() / months[range].iter().sum::<f64>()
        };
        let want = rate(8..16) / rate(0..8);
        assert!((r.fit.terms[1].irr - want).abs() < 1e-12);
        assert!((r.fit.terms[1].pct_change - (want - 1.0) * 100.0).abs() < 1e-10);
    }

    #[test]
    fn bad_counts_and_exposures_are_named() {
        let y = [1.0, 2.0, -1.0, 0.0];
        let x = [1.0, 2.0, 3.0, 4.0];
        let preds: [&[f64]; 1] = [&x];
        let err = spec(FamilyChoice::Poisson)
            .fit(&data(&y, &preds, &["x"]))
            .unwrap_err();
        assert!(err.to_string().contains("row 3: -1"), "{err}");
        let y = [1.0, 2.5, 1.0, 0.0];
        let err = spec(FamilyChoice::Poisson)
            .fit(&data(&y, &preds, &["x"]))
            .unwrap_err();
        assert!(err.to_string().contains("row 2: 2.5"), "{err}");
        let y = [1.0, 2.0, 1.0, 0.0];
        let e = [1.0, 0.0, 1.0, 1.0];
        let mut d = data(&y, &preds, &["x"]);
        d.exposure = Some(("months", &e[..]));
        let err = spec(FamilyChoice::Poisson).fit(&d).unwrap_err();
        assert!(
            err.to_string().contains("exposure 'months' row 2: 0"),
            "{err}"
        );
    }

    #[test]
    fn separation_is_reported_not_fitted() {
        // Every count in group 1 is 0: the group's rate ratio is 0.
        let y = [2.0, 1.0, 3.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let g = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let preds: [&[f64]; 1] = [&g];
        let err = spec(FamilyChoice::Poisson)
            .fit(&data(&y, &preds, &["g"]))
            .unwrap_err();
        assert!(err.to_string().contains("separation"), "{err}");
    }

    #[test]
    fn equidispersed_counts_keep_poisson_under_auto() {
        // Poisson-like counts with variance below the mean: θ̂ is infinite.
        let y = [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 3.0, 2.0, 3.0, 2.0, 3.0, 4.0];
        let x: Vec<f64> = (0..12).map(|i| i as f64 / 4.0).collect();
        let preds: [&[f64]; 1] = [&x];
        let r = spec(FamilyChoice::Auto)
            .fit(&data(&y, &preds, &["x"]))
            .unwrap();
        assert_eq!(r.fit.family, CountFamily::Poisson);
        assert!(!r.overdispersion.overdispersed);
        assert_eq!(r.overdispersion.p, 1.0);
        let err = spec(FamilyChoice::NegBin)
            .fit(&data(&y, &preds, &["x"]))
            .unwrap_err();
        assert!(err.to_string().contains("θ is infinite"), "{err}");
    }
}

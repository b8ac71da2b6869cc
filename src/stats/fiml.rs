//! Full-information maximum likelihood (FIML) for regressions and the serial mediation,
//! under data missing at random (MAR), with covariates random (lavaan `fixed.x = FALSE`)
//! and optional auxiliary variables as saturated correlates (Graham 2003).
//!
//! # Formula
//! Every model here is just-identified (all paths free), so its ML estimates are functions
//! of the ML mean vector μ and covariance Σ of its variables (ML invariance), which the EM
//! engine ([`super::em`]) estimates from every case with at least one observed value.
//! Auxiliary variables enter only that variable set: the saturated-correlates model leaves
//! the joint Σ unrestricted, so they inform μ and Σ without changing what the paths mean.
//! For an outcome y on predictors x: β = Σₓₓ⁻¹Σₓᵧ, intercept α = μᵧ − βᵀμₓ, residual
//! variance σ²ₑ = Σᵧᵧ − Σᵧₓβ, R² = 1 − σ²ₑ/Σᵧᵧ. Serial mediation: each Mⱼ and Y on X, the
//! earlier mediators and the covariates; indirect effects are the products along each
//! chain (as in `mediation`), the total effect c = c′ + Σ indirect, and the standardized
//! effects use the ML SDs of X and Y.
//!
//! Standard errors: the observed information of the saturated missing-data normal model in
//! θ = (μ, vech Σ) (analytic, [`super::em::MissingData::information`]), inverted, then the
//! delta method to each estimate g(θ): SE² = J I⁻¹ Jᵀ with J = ∂g/∂θ by central differences.
//! At the MLE this equals lavaan's observed-information (Hessian) standard errors of the
//! same saturated model (invariance of the Hessian at a stationary point).
//! Bootstrap: all contributing cases are resampled, incomplete ones included; each resample
//! re-runs the EM (SQUAREM-accelerated) from the full-sample estimate (warm start); a
//! resample whose EM fails to converge or has a singular Σ is redrawn and counted
//! (`bootstrap.replaced`).
//!
//! Validated against lavaan 0.6.14 `sem(..., missing = "ml", fixed.x = FALSE)` and semTools'
//! saturated-correlates model (tests/reference/fiml/make.R): 1e-6 relative.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::bootstrap::{self, Replicates, Resampling};
use super::dist;
use super::em::{EmInfo, EmSpec, MissingData, MvnEstimate, SuffStats};
use super::mediation::{
    BootstrapInfo, CiMethod, Contrast, Distribution, Layout, MediationSpec, Standardized,
    HISTOGRAM_BINS, MAX_MEDIATORS,
};
use super::ols::INTERCEPT;
use super::StatsError;

/// Version of the FIML JSON (docs/mediation-json.md).
pub const SCHEMA_VERSION: &str = "1.0.0";
/// EM stop for bootstrap resamples: far below Monte Carlo error, and cheaper than the
/// point estimate's [`super::em::TOL`].
pub const BOOT_TOL: f64 = 1e-9;
/// Central-difference step for the delta method, on the standardized scale.
const DELTA_STEP: f64 = 1e-5;
/// How estimates are labelled in every FIML output.
pub const METHOD: &str = "FIML (MAR)";
/// The assumption, in words.
pub const ASSUMPTION: &str =
    "full-information maximum likelihood: every case with at least one observed variable contributes; unbiased if data are missing at random (MAR) given the variables in the model and the auxiliary variables";

/// The EM fit of a variable set with its observed information inverted.
#[derive(Debug, Clone)]
pub struct FimlFit {
    pub data: MissingData,
    pub stats: SuffStats,
    pub est: MvnEstimate,
    pub em: EmInfo,
    /// Inverse observed information of θ = (μ, vech Σ), standardized scale.
    cov: DMatrix<f64>,
}

impl FimlFit {
    pub fn new(
        names: &[String],
        columns: &[Vec<Option<f64>>],
        spec: &EmSpec,
    ) -> Result<Self, StatsError> {
        let data = MissingData::new(names, columns)?;
        let stats = data.stats();
        let est = data.em(&stats, None, spec)?;
        let em = data.info(&stats, &est, spec)?;
        let cov = data
            .information(&stats, &est)?
            .cholesky()
            .ok_or_else(|| {
                StatsError::Invalid(
                    "the observed information of the FIML model is singular (too few cases observe some pair of variables)"
                        .into(),
                )
            })?
            .inverse();
        Ok(Self {
            data,
            stats,
            est,
            em,
            cov,
        })
    }

    /// ML mean and covariance in the variables' units.
    pub fn moments(&self) -> (DVector<f64>, DMatrix<f64>) {
        self.data.unscale(&self.est.mu, &self.est.sigma)
    }

    fn theta(&self) -> DVector<f64> {
        let p = self.data.p();
        let pairs = self.data.vech_pairs();
        DVector::from_fn(p + pairs.len(), |i, _| {
            if i < p {
                self.est.mu[i]
            } else {
                let (a, b) = pairs[i - p];
                self.est.sigma[(a, b)]
            }
        })
    }

    fn moments_at(&self, theta: &DVector<f64>) -> (DVector<f64>, DMatrix<f64>) {
        let p = self.data.p();
        let mu = DVector::from_fn(p, |i, _| theta[i]);
        let mut sigma = DMatrix::zeros(p, p);
        for (u, &(a, b)) in self.data.vech_pairs().iter().enumerate() {
            sigma[(a, b)] = theta[p + u];
            sigma[(b, a)] = theta[p + u];
        }
        self.data.unscale(&mu, &sigma)
    }

    /// Estimates g(μ, Σ) (variables' units) and their delta-method standard errors.
    pub fn delta<G>(&self, g: G) -> Result<(Vec<f64>, Vec<f64>), StatsError>
    where
        G: Fn(&DVector<f64>, &DMatrix<f64>) -> Option<Vec<f64>>,
    {
        let undefined = || StatsError::Invalid("the FIML covariance matrix is singular".into());
        let theta = self.theta();
        let (mu, sigma) = self.moments_at(&theta);
        let point = g(&mu, &sigma).ok_or_else(undefined)?;
        let q = theta.len();
        let mut jac = DMatrix::zeros(point.len(), q);
        for u in 0..q {
            let mut plus = theta.clone();
            let mut minus = theta.clone();
            plus[u] += DELTA_STEP;
            minus[u] -= DELTA_STEP;
            let (mp, sp) = self.moments_at(&plus);
            let (mm, sm) = self.moments_at(&minus);
            let gp = g(&mp, &sp).ok_or_else(undefined)?;
            let gm = g(&mm, &sm).ok_or_else(undefined)?;
            for r in 0..point.len() {
                jac[(r, u)] = (gp[r] - gm[r]) / (2.0 * DELTA_STEP);
            }
        }
        let v = &jac * &self.cov * jac.transpose();
        let se = (0..point.len())
            .map(|r| v[(r, r)].max(0.0).sqrt())
            .collect();
        Ok((point, se))
    }

    /// Who contributed.
    pub fn sample(&self, n_model: usize) -> FimlSample {
        let names = self.data.names();
        FimlSample {
            method: METHOD.into(),
            assumption: ASSUMPTION.into(),
            n_rows: self.data.n_rows(),
            n_contributing: self.data.n_cases(),
            n_complete: self.data.n_complete(),
            n_patterns: self.data.n_patterns(),
            observed: names
                .iter()
                .zip(self.data.observed_n())
                .enumerate()
                .map(|(j, (name, &n))| ObservedCount {
                    variable: name.clone(),
                    n,
                    auxiliary: j >= n_model,
                })
                .collect(),
        }
    }
}

/// Coefficients of `y` on `xs` from moments.
#[derive(Debug, Clone, PartialEq)]
pub struct MomentRegression {
    pub intercept: f64,
    pub slopes: Vec<f64>,
    pub residual_variance: f64,
}

/// The regression of variable `y` on variables `xs` implied by (μ, Σ); `None` when Σₓₓ is
/// not positive definite.
pub fn regression(
    mu: &DVector<f64>,
    sigma: &DMatrix<f64>,
    y: usize,
    xs: &[usize],
) -> Option<MomentRegression> {
    let sxx = super::em::sub(sigma, xs, xs);
    let sxy = DVector::from_fn(xs.len(), |i, _| sigma[(xs[i], y)]);
    let beta = sxx.cholesky()?.solve(&sxy);
    let intercept = mu[y]
        - xs.iter()
            .zip(beta.iter())
            .map(|(&j, b)| b * mu[j])
            .sum::<f64>();
    let residual_variance = sigma[(y, y)] - sxy.dot(&beta);
    Some(MomentRegression {
        intercept,
        slopes: beta.iter().copied().collect(),
        residual_variance,
    })
}

/// One estimate with a normal-theory (Wald z) test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlTerm {
    pub term: String,
    pub estimate: f64,
    pub se: f64,
    pub z: f64,
    pub p: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl FimlTerm {
    fn new(term: &str, estimate: f64, se: f64, level: f64) -> Self {
        let z = estimate / se;
        let q = dist::norm_quantile(1.0 - (1.0 - level) / 2.0);
        Self {
            term: term.to_string(),
            estimate,
            se,
            z,
            p: dist::z_two_sided(z),
            ci_low: estimate - q * se,
            ci_high: estimate + q * se,
        }
    }
}

/// A regression equation estimated by FIML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlEquation {
    pub outcome: String,
    /// The intercept first, then the predictors.
    pub terms: Vec<FimlTerm>,
    pub residual_variance: FimlTerm,
    pub r2: f64,
}

impl FimlEquation {
    pub fn term(&self, name: &str) -> Option<&FimlTerm> {
        self.terms.iter().find(|t| t.term == name)
    }
}

/// Observed values of one variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedCount {
    pub variable: String,
    pub n: usize,
    pub auxiliary: bool,
}

/// Who contributed to a FIML estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlSample {
    /// "FIML (MAR)".
    pub method: String,
    pub assumption: String,
    /// Rows given.
    pub n_rows: usize,
    /// Rows with at least one observed model or auxiliary variable: everyone who
    /// contributed (the others carry no information).
    pub n_contributing: usize,
    /// Rows with every variable observed (what listwise deletion would keep).
    pub n_complete: usize,
    pub n_patterns: usize,
    pub observed: Vec<ObservedCount>,
}

/// Regression `y ~ x…` by FIML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlRegressionSpec {
    pub y: String,
    pub x: Vec<String>,
    pub aux: Vec<String>,
    pub level: f64,
    pub em: EmSpec,
}

/// What `regress --missing fiml` estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlRegression {
    pub missing: String,
    pub sample: FimlSample,
    pub auxiliary: Vec<String>,
    pub level: f64,
    #[serde(flatten)]
    pub equation: FimlEquation,
    pub em: EmInfo,
}

impl FimlRegressionSpec {
    /// `columns` in the order y, x…, aux….
    pub fn fit(&self, columns: &[Vec<Option<f64>>]) -> Result<FimlRegression, StatsError> {
        let mut names = vec![self.y.clone()];
        names.extend(self.x.iter().cloned());
        let n_model = names.len();
        names.extend(self.aux.iter().cloned());
        let fit = FimlFit::new(&names, columns, &self.em)?;
        let xs: Vec<usize> = (1..n_model).collect();
        let mut terms = vec![INTERCEPT.to_string()];
        terms.extend(self.x.iter().cloned());
        let equation = equation(&fit, &self.y, 0, &xs, &terms, self.level)?;
        Ok(FimlRegression {
            missing: "fiml".into(),
            sample: fit.sample(n_model),
            auxiliary: self.aux.clone(),
            level: self.level,
            equation,
            em: fit.em.clone(),
        })
    }
}

/// Estimates and SEs of one equation: intercept, slopes, residual variance; R².
fn equation(
    fit: &FimlFit,
    outcome: &str,
    y: usize,
    xs: &[usize],
    term_names: &[String],
    level: f64,
) -> Result<FimlEquation, StatsError> {
    let (est, se) = fit.delta(|mu, sigma| {
        let r = regression(mu, sigma, y, xs)?;
        let mut v = vec![r.intercept];
        v.extend(r.slopes);
        v.push(r.residual_variance);
        Some(v)
    })?;
    let k = xs.len();
    let terms = (0..=k)
        .map(|i| FimlTerm::new(&term_names[i], est[i], se[i], level))
        .collect();
    let (_, sigma) = fit.moments();
    Ok(FimlEquation {
        outcome: outcome.to_string(),
        terms,
        residual_variance: FimlTerm::new("residual variance", est[k + 1], se[k + 1], level),
        r2: 1.0 - est[k + 1] / sigma[(y, y)],
    })
}

/// An indirect effect with its delta-method SE and bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlIndirect {
    pub label: String,
    /// Variable names from X to Y; `None` for the total indirect effect.
    pub path: Option<Vec<String>>,
    pub estimate: f64,
    /// Delta-method (observed-information) standard error, as lavaan's `:=`.
    pub se: f64,
    pub boot_se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standardized: Option<Standardized>,
}

/// What `mediate --missing fiml --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimlMediationResult {
    pub schema_version: String,
    pub missing: String,
    pub sample: FimlSample,
    pub x: String,
    pub mediators: Vec<String>,
    pub y: String,
    pub covariates: Vec<String>,
    pub auxiliary: Vec<String>,
    /// M1, …, Mk, then Y (the full model).
    pub equations: Vec<FimlEquation>,
    /// c = c′ + total indirect effect.
    pub total_effect: FimlTerm,
    /// c′.
    pub direct_effect: FimlTerm,
    pub indirect_effects: Vec<FimlIndirect>,
    pub contrasts: Vec<Contrast>,
    /// `replaced`: resamples redrawn because their EM did not converge or Σ was singular.
    pub bootstrap: BootstrapInfo,
    pub em: EmInfo,
    pub serial_distribution: Distribution,
}

/// Serial mediation by FIML.
#[derive(Debug, Clone, PartialEq)]
pub struct FimlMediationSpec {
    pub model: MediationSpec,
    pub aux: Vec<String>,
    pub em: EmSpec,
}

impl FimlMediationSpec {
    fn names(&self) -> Vec<String> {
        let m = &self.model;
        let mut names = vec![m.x.clone()];
        names.extend(m.mediators.iter().cloned());
        names.push(m.y.clone());
        names.extend(m.covariates.iter().cloned());
        names.extend(self.aux.iter().cloned());
        names
    }

    fn n_model(&self) -> usize {
        self.model.mediators.len() + 2 + self.model.covariates.len()
    }

    /// Predictors of equation j (0..k−1 mediators, k: Y): X, M1..Mj, covariates.
    fn predictors(&self, j: usize) -> Vec<usize> {
        let k = self.model.mediators.len();
        let mut xs: Vec<usize> = (0..=j).collect();
        xs.extend(k + 2..self.n_model());
        xs
    }

    /// Path coefficients (X and earlier mediators) per equation, from (μ, Σ).
    fn coefs(&self, mu: &DVector<f64>, sigma: &DMatrix<f64>) -> Option<Vec<Vec<f64>>> {
        let k = self.model.mediators.len();
        (0..=k)
            .map(|j| {
                let outcome = if j < k { 1 + j } else { k + 1 };
                let r = regression(mu, sigma, outcome, &self.predictors(j))?;
                Some(r.slopes[..=j].to_vec())
            })
            .collect()
    }

    /// Every statistic of the layout from (μ, Σ).
    fn statistics(
        &self,
        layout: &Layout,
        mu: &DVector<f64>,
        sigma: &DMatrix<f64>,
    ) -> Option<Vec<f64>> {
        let k = self.model.mediators.len();
        let coefs = self.coefs(mu, sigma)?;
        let (sd_x, sd_y) = (sigma[(0, 0)].sqrt(), sigma[(k + 1, k + 1)].sqrt());
        Some(layout.statistics(&coefs, sd_x, sd_y))
    }

    /// `columns` in the order X, M1..Mk, Y, covariates, aux.
    pub fn fit(
        &self,
        columns: &[Vec<Option<f64>>],
        progress: Option<&(dyn Fn() + Sync)>,
    ) -> Result<FimlMediationResult, StatsError> {
        let m = &self.model;
        let k = m.mediators.len();
        if !(1..=MAX_MEDIATORS).contains(&k) {
            return Err(StatsError::Invalid(format!(
                "{k} mediators; give between 1 and {MAX_MEDIATORS}"
            )));
        }
        if m.hc.is_some() {
            return Err(StatsError::Invalid(
                "HC standard errors apply to OLS (listwise); FIML uses the observed information"
                    .into(),
            ));
        }
        m.boot.check()?;
        let names = self.names();
        if columns.len() != names.len() {
            return Err(StatsError::Invalid(
                "the data do not have one column per named variable".into(),
            ));
        }
        let fit = FimlFit::new(&names, columns, &self.em)?;
        let level = m.boot.level;
        let equations = (0..=k)
            .map(|j| {
                let (outcome, y) = if j < k {
                    (&m.mediators[j], 1 + j)
                } else {
                    (&m.y, k + 1)
                };
                let xs = self.predictors(j);
                let mut terms = vec![INTERCEPT.to_string()];
                terms.extend(xs.iter().map(|&i| names[i].clone()));
                equation(&fit, outcome, y, &xs, &terms, level)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let layout = Layout::new(k, m.contrasts, m.standardize);
        let nsub = layout.subsets.len();
        // Delta-method SEs of the indirect effects and the total effect c = c′ + Σ indirect.
        let (point_ext, se_ext) = fit.delta(|mu, sigma| {
            let mut s = self.statistics(&layout, mu, sigma)?;
            let cp = self.coefs(mu, sigma)?[k][0];
            s.truncate(nsub + 1);
            s.push(cp + s[nsub]);
            Some(s)
        })?;
        let (mu, sigma) = fit.moments();
        let point = self
            .statistics(&layout, &mu, &sigma)
            .ok_or_else(|| StatsError::Invalid("the FIML covariance matrix is singular".into()))?;
        let direct = equations[k].terms[1].clone();
        let direct_effect = FimlTerm {
            term: "direct".into(),
            ..direct
        };
        let total_effect = FimlTerm::new("total", point_ext[nsub + 1], se_ext[nsub + 1], level);
        let (mut columns_b, replaced) = self.draws(&fit, &layout, progress)?;
        let accel = if m.boot.ci == CiMethod::Bca {
            self.acceleration(&fit, &layout, point.len())
        } else {
            vec![0.0; point.len()]
        };
        let serial = columns_b[nsub - 1].clone();
        let (summaries, clamped) = bootstrap::summaries(&mut columns_b, &point, &accel, &m.boot);
        let indirect_effects = (0..=nsub)
            .map(|i| {
                let s = summaries[i];
                FimlIndirect {
                    label: layout.label(i),
                    path: (i < nsub).then(|| m.path_names(&layout.subsets[i])),
                    estimate: point[i],
                    se: se_ext[i],
                    boot_se: s.boot_se,
                    ci_low: s.ci_low,
                    ci_high: s.ci_high,
                    standardized: layout.standardize.then(|| Standardized {
                        partial: summaries[layout.partial_start() + i],
                        complete: summaries[layout.partial_start() + nsub + 1 + i],
                    }),
                }
            })
            .collect();
        let contrasts = layout
            .contrast_pairs()
            .into_iter()
            .enumerate()
            .map(|(c, (i, j))| {
                let s = summaries[nsub + 1 + c];
                Contrast {
                    label: format!("C{}", c + 1),
                    minuend: layout.label(i),
                    subtrahend: layout.label(j),
                    estimate: s.estimate,
                    boot_se: s.boot_se,
                    ci_low: s.ci_low,
                    ci_high: s.ci_high,
                }
            })
            .collect();
        let (edges, counts) = bootstrap::histogram(&serial, HISTOGRAM_BINS);
        Ok(FimlMediationResult {
            schema_version: SCHEMA_VERSION.into(),
            missing: "fiml".into(),
            sample: fit.sample(self.n_model()),
            x: m.x.clone(),
            mediators: m.mediators.clone(),
            y: m.y.clone(),
            covariates: m.covariates.clone(),
            auxiliary: self.aux.clone(),
            equations,
            total_effect,
            direct_effect,
            indirect_effects,
            contrasts,
            bootstrap: BootstrapInfo {
                samples: m.boot.samples,
                seed: m.boot.seed,
                ci: m.boot.ci,
                level,
                replaced,
                seed_drawn: None,
                cluster: None,
                clamped: (0..clamped.len())
                    .filter(|&c| clamped[c])
                    .map(|c| layout.column_name(c))
                    .collect(),
            },
            em: fit.em.clone(),
            serial_distribution: Distribution {
                label: layout.label(nsub - 1),
                path: m.path_names(&layout.subsets[nsub - 1]),
                edges,
                counts,
            },
        })
    }

    /// The statistic on weighted data, warm-started at the full-sample estimate; `None`
    /// when the EM fails (the resample is then redrawn).
    fn reweighted(&self, fit: &FimlFit, layout: &Layout, stats: &SuffStats) -> Option<Vec<f64>> {
        let spec = EmSpec {
            tol: BOOT_TOL,
            max_iter: self.em.max_iter,
            accelerate: true,
        };
        let est = fit.data.em(stats, Some(&fit.est), &spec).ok()?;
        let (mu, sigma) = fit.data.unscale(&est.mu, &est.sigma);
        self.statistics(layout, &mu, &sigma)
    }

    fn draws(
        &self,
        fit: &FimlFit,
        layout: &Layout,
        progress: Option<&(dyn Fn() + Sync)>,
    ) -> Result<(Vec<Vec<f64>>, usize), StatsError> {
        let statistic =
            |counts: &[u32]| self.reweighted(fit, layout, &fit.data.stats_counts(counts));
        let units = Resampling::Cases {
            n: fit.data.n_cases(),
        };
        let Replicates { columns, replaced } = bootstrap::replicates(
            &units,
            self.model.boot.samples,
            self.model.boot.seed,
            statistic,
            progress,
        )?;
        Ok((columns, replaced))
    }

    fn acceleration(&self, fit: &FimlFit, layout: &Layout, ncol: usize) -> Vec<f64> {
        let n = fit.data.n_cases();
        bootstrap::jackknife_acceleration(n, ncol, |i| {
            let mut w = vec![1.0; n];
            w[i] = 0.0;
            self.reweighted(fit, layout, &fit.data.stats_weighted(&w))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::mediation::BootSpec;
    use serde_json::Value;

    /// lavaan (started at its EM optimum, nlminb to a relative tolerance of 1e-14, Hessian
    /// by differences of the analytic gradient) against the EM fixed point and the analytic
    /// information: 1e-6 relative to the larger of the value and its standard error (an
    /// intercept near 0 is the difference of larger numbers, so its own digits are fewer).
    const TOL: f64 = 1e-6;

    fn reference() -> Value {
        serde_json::from_str(include_str!("../../tests/reference/fiml/fiml.json")).unwrap()
    }

    fn data(wanted: &[&str]) -> Vec<Vec<Option<f64>>> {
        crate::stats::testdata::columns(
            include_str!("../../tests/reference/fiml/cohort.csv"),
            wanted,
        )
    }

    fn close(got: f64, want: f64, what: &str) {
        close_scaled(got, want, want.abs(), what);
    }

    fn close_scaled(got: f64, want: f64, scale: f64, what: &str) {
        assert!(
            (got - want).abs() <= TOL * scale.max(1e-3),
            "{what}: got {got:.10e}, lavaan {want:.10e}"
        );
    }

    /// lavaan's estimate and SE of `lhs op rhs` (or of a label).
    fn lav(params: &Value, lhs: &str, op: &str, rhs: &str) -> (f64, f64) {
        let n = params["lhs"].as_array().unwrap().len();
        for i in 0..n {
            let hit = if op == ":=" {
                params["label"][i] == lhs && params["op"][i] == ":="
            } else {
                params["lhs"][i] == lhs && params["op"][i] == op && params["rhs"][i] == rhs
            };
            if hit {
                return (
                    params["est"][i].as_f64().unwrap(),
                    params["se"][i].as_f64().unwrap(),
                );
            }
        }
        panic!("no {lhs} {op} {rhs} in lavaan's table");
    }

    fn spec(k: usize, cov: bool, aux: &[&str], samples: usize) -> FimlMediationSpec {
        FimlMediationSpec {
            model: MediationSpec {
                x: "d_x".into(),
                mediators: (1..=k).map(|j| format!("d_m{j}")).collect(),
                y: "d_y".into(),
                covariates: if cov { vec!["age".into()] } else { vec![] },
                hc: None,
                contrasts: false,
                standardize: false,
                boot: BootSpec {
                    samples,
                    seed: 7,
                    ci: CiMethod::Percentile,
                    level: 0.95,
                },
            },
            aux: aux.iter().map(|s| s.to_string()).collect(),
            em: EmSpec::default(),
        }
    }

    fn columns_for(s: &FimlMediationSpec) -> Vec<Vec<Option<f64>>> {
        let names = s.names();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        data(&refs)
    }

    fn check_mediation(s: &FimlMediationSpec, r: &Value) {
        let got = s.fit(&columns_for(s), None).unwrap();
        let params = &r["params"];
        assert_eq!(
            got.sample.n_contributing as u64,
            r["ntotal"].as_u64().unwrap()
        );
        close(got.em.log_likelihood, r["logl"].as_f64().unwrap(), "logl");
        let k = s.model.mediators.len();
        for (j, eq) in got.equations.iter().enumerate() {
            for t in &eq.terms {
                let (e, se) = if t.term == INTERCEPT {
                    lav(params, &eq.outcome, "~1", "")
                } else {
                    lav(params, &eq.outcome, "~", &t.term)
                };
                close_scaled(
                    t.estimate,
                    e,
                    e.abs().max(se),
                    &format!("{} ~ {}", eq.outcome, t.term),
                );
                close(t.se, se, &format!("SE {} ~ {}", eq.outcome, t.term));
            }
            let (e, se) = lav(params, &eq.outcome, "~~", &eq.outcome);
            close(eq.residual_variance.estimate, e, "residual variance");
            close(eq.residual_variance.se, se, "SE residual variance");
            assert_eq!(eq.terms.len(), j + 2 + s.model.covariates.len());
        }
        let labels: Vec<String> = (1..=((1 << k) - 1)).map(|i| format!("ind{i}")).collect();
        for (i, l) in labels.iter().enumerate() {
            let (e, se) = lav(params, l, ":=", "");
            close(got.indirect_effects[i].estimate, e, l);
            close(got.indirect_effects[i].se, se, &format!("SE {l}"));
        }
        let (e, se) = lav(params, "total_ind", ":=", "");
        close(
            got.indirect_effects.last().unwrap().estimate,
            e,
            "total_ind",
        );
        close(got.indirect_effects.last().unwrap().se, se, "SE total_ind");
        let (e, se) = lav(params, "total", ":=", "");
        close(got.total_effect.estimate, e, "total");
        close(got.total_effect.se, se, "SE total");
    }

    #[test]
    fn mediation_matches_lavaan_fiml() {
        let r = reference();
        check_mediation(&spec(2, true, &[], 20), &r["med_k2_cov"]);
        check_mediation(&spec(3, false, &[], 20), &r["med_k3"]);
    }

    #[test]
    fn auxiliaries_match_saturated_correlates() {
        let r = reference();
        let s = spec(2, true, &["y_T0", "m1_T0"], 20);
        check_mediation(&s, &r["med_k2_cov_aux"]);
        // semTools' sem.auxiliary builds the same model; its optimiser stops less tightly
        // (gradient 2e-5, recorded in fiml.json), so it agrees to 1e-4 only.
        let got = s.fit(&columns_for(&s), None).unwrap();
        let want = r["med_k2_cov_aux"]["semtools_ind3"].as_f64().unwrap();
        assert!((got.indirect_effects[2].estimate - want).abs() < 1e-4 * want.abs());
    }

    #[test]
    fn regression_matches_lavaan_fiml() {
        let r = reference();
        for (aux, key) in [
            (vec![], "regress"),
            (vec!["y_T0".to_string()], "regress_aux"),
        ] {
            let s = FimlRegressionSpec {
                y: "d_y".into(),
                x: vec!["d_x".into(), "age".into()],
                aux: aux.clone(),
                level: 0.95,
                em: EmSpec::default(),
            };
            let mut names = vec!["d_y", "d_x", "age"];
            names.extend(aux.iter().map(String::as_str));
            let got = s.fit(&data(&names)).unwrap();
            let want = &r[key];
            assert_eq!(
                got.sample.n_contributing as u64,
                want["ntotal"].as_u64().unwrap()
            );
            close(
                got.em.log_likelihood,
                want["logl"].as_f64().unwrap(),
                "logl",
            );
            for t in &got.equation.terms {
                let (e, se) = if t.term == INTERCEPT {
                    lav(&want["params"], "d_y", "~1", "")
                } else {
                    lav(&want["params"], "d_y", "~", &t.term)
                };
                close_scaled(t.estimate, e, e.abs().max(se), &t.term);
                close(t.se, se, &format!("SE {}", t.term));
            }
        }
    }

    #[test]
    fn bootstrap_agrees_with_lavaan_within_monte_carlo_error() {
        let r = reference();
        let b = &r["boot"];
        let s = spec(2, true, &[], 1000);
        let got = s.fit(&columns_for(&s), None).unwrap();
        assert_eq!(got.sample.n_contributing as u64, b["n"].as_u64().unwrap());
        let labels = ["ind1", "ind2", "ind3", "total_ind"];
        for (i, l) in labels.iter().enumerate() {
            let g = &got.indirect_effects[i];
            let se = b["se"][i].as_f64().unwrap();
            // Monte Carlo SEs of the two bootstrap SEs: 1/sqrt(2·500) and 1/sqrt(2·1000),
            // combined 3.9 %; 15 % is nearly four of them.
            let rel = (g.boot_se - se).abs() / se;
            assert!(rel < 0.15, "{l}: boot SE {} vs lavaan {se}", g.boot_se);
            for (lim, key) in [(g.ci_low, "ci_low"), (g.ci_high, "ci_high")] {
                let want = b[key][i].as_f64().unwrap();
                assert!(
                    (lim - want).abs() < 0.5 * se,
                    "{l} {key}: {lim} vs lavaan {want}"
                );
            }
        }
        assert_eq!(got.serial_distribution.counts.iter().sum::<u64>(), 1000);
    }

    #[test]
    fn bootstrap_is_thread_count_independent() {
        let s = spec(2, true, &["y_T0"], 64);
        let cols = columns_for(&s);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| s.fit(&cols, None).unwrap())
        };
        assert_eq!(run(1), run(2));
    }
}

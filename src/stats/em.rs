//! Maximum likelihood for the mean vector and covariance matrix of a multivariate normal
//! with values missing at random: the EM algorithm on per-pattern sufficient statistics,
//! the observed-data log-likelihood and its observed information.
//!
//! # Formula
//! Cases are grouped once by missing-data pattern j (observed variables o, missing m).
//! With case weights wᵢ (1, bootstrap counts, or survey weights) the pattern's sufficient
//! statistics are Wⱼ = Σwᵢ, S1ⱼ = Σwᵢyᵢₒ, S2ⱼ = Σwᵢyᵢₒyᵢₒᵀ, formed in one pass over the
//! data. EM (Dempster, Laird & Rubin 1977; Little & Rubin 2002, §11.2) then works on these
//! alone: with B = ΣₘₒΣₒₒ⁻¹, a = μₘ − Bμₒ and C = Σₘₘ − BΣₒₘ, the expected totals of the
//! pattern are T1ₒ = S1, T1ₘ = Wa + BS1, T2ₒₒ = S2, T2ₘₒ = aS1ᵀ + BS2,
//! T2ₘₘ = Waaᵀ + a(BS1)ᵀ + (BS1)aᵀ + BS2Bᵀ + WC; the M-step is μ = ΣT1/N,
//! Σ = ΣT2/N − μμᵀ (N = Σwᵢ). An iteration costs a few small matrix products per pattern,
//! whatever the number of cases.
//!
//! Internally every variable is centred at its observed mean and divided by its observed
//! SD (ML is equivariant under such changes of unit). The EM stops when no element of μ or
//! Σ on that standardized scale moves by more than `tol`: the criterion depends neither on
//! n nor on the variables' units (today's alternative, an absolute change, has rounding
//! noise that grows with the data and made iterations grow with n).
//!
//! Log-likelihood: ℓ = Σⱼ −½[Wⱼ(pⱼ log 2π + log|Σₒₒ|) + tr(Σₒₒ⁻¹Aⱼ)] with
//! Aⱼ = S2 − S1μₒᵀ − μₒS1ᵀ + Wμₒμₒᵀ. Observed information in θ = (μ, vech Σ), with
//! K = Σₒₒ⁻¹, dⱼ = S1 − Wμₒ, G = KAK and dS the symmetric unit change of one σ:
//! −∂²ℓ/∂μ∂μᵀ = WK; −∂²ℓ/∂μ∂σ = K dS K d; −∂²ℓ/∂σ₁∂σ₂ =
//! −½W tr(K dS₂ K dS₁) + ½ tr(K dS₂ G dS₁) + ½ tr(G dS₂ K dS₁) (summed over patterns).
//!
//! Validated against lavaan's saturated FIML model (tests/reference/fiml/make.R) through
//! src/stats/fiml.rs, and against the R EM of tests/reference/stats/mcar.R via Little's test.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::StatsError;

/// Default stop: largest change of any standardized element of μ or Σ.
pub const TOL: f64 = 1e-11;
/// Default iteration cap.
pub const MAX_ITER: usize = 10_000;
/// Smallest share of a variable's variance not explained by the others (see `check_pd`).
pub const SINGULAR_TOL: f64 = 1e-10;

/// Why the EM could not produce an estimate.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EmError {
    #[error("variable '{variable}' has no observed values, so its mean and variance cannot be estimated; drop it from the model")]
    NoObserved { variable: String },
    #[error("non-finite value (NaN or infinity) in variable '{variable}'")]
    NonFinite { variable: String },
    #[error("the covariance matrix of {variables} is singular (not positive definite) at EM iteration {iteration}: a variable is (nearly) constant, or a linear combination of others, among the cases that observe it")]
    Singular { variables: String, iteration: usize },
    #[error("EM did not converge in {max_iter} iterations (last change {change:.1e}, tolerance {tol:.0e})")]
    NotConverged {
        max_iter: usize,
        change: f64,
        tol: f64,
    },
    #[error("{0}")]
    Invalid(String),
}

impl From<EmError> for StatsError {
    fn from(e: EmError) -> Self {
        match e {
            EmError::NonFinite { variable } => StatsError::NonFinite {
                what: format!("variable '{variable}'"),
            },
            other => StatsError::Invalid(other.to_string()),
        }
    }
}

/// Convergence settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmSpec {
    /// Stop when no standardized element of μ or Σ changes by more than this.
    pub tol: f64,
    /// Cap on EM steps (E- and M-step pairs, accelerated or not).
    pub max_iter: usize,
    /// SQUAREM acceleration (Varadhan & Roland 2008, scheme S3): same fixed point, fewer
    /// steps. Used for bootstrap resamples.
    #[serde(default)]
    pub accelerate: bool,
}

impl Default for EmSpec {
    fn default() -> Self {
        Self {
            tol: TOL,
            max_iter: MAX_ITER,
            accelerate: false,
        }
    }
}

/// Cases of one missing-data pattern.
#[derive(Debug, Clone)]
struct Pattern {
    observed: Vec<usize>,
    missing: Vec<usize>,
    /// Positions of its cases among the kept cases.
    members: Vec<usize>,
    /// Standardized observed values, row-major (members × observed).
    values: Vec<f64>,
}

/// Incomplete multivariate data grouped by pattern (built once).
#[derive(Debug, Clone)]
pub struct MissingData {
    names: Vec<String>,
    /// Row index (in the input) of every kept case: those with at least one value.
    cases: Vec<usize>,
    n_rows: usize,
    centre: Vec<f64>,
    scale: Vec<f64>,
    observed_n: Vec<usize>,
    patterns: Vec<Pattern>,
}

/// Per-pattern weighted sums for one set of case weights.
#[derive(Debug, Clone)]
pub struct SuffStats {
    parts: Vec<PatternStats>,
    total: f64,
}

#[derive(Debug, Clone)]
struct PatternStats {
    w: f64,
    s1: DVector<f64>,
    s2: DMatrix<f64>,
}

/// An EM estimate on the standardized scale of its [`MissingData`].
#[derive(Debug, Clone, PartialEq)]
pub struct MvnEstimate {
    pub mu: DVector<f64>,
    pub sigma: DMatrix<f64>,
    pub iterations: usize,
    /// Largest standardized change in the last iteration.
    pub change: f64,
}

/// Convergence report for outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmInfo {
    pub iterations: usize,
    pub tol: f64,
    pub max_iter: usize,
    pub final_change: f64,
    pub criterion: String,
    pub log_likelihood: f64,
}

/// The stop rule in words (for outputs).
pub const CRITERION: &str =
    "largest change of any element of the mean vector or covariance matrix, each variable standardized by its observed mean and SD";

impl MissingData {
    /// Groups `columns[variable][row]` (`None` = missing) by pattern. Rows with nothing
    /// observed carry no information and are left out (see [`Self::n_rows`],
    /// [`Self::n_cases`]).
    // Rows index the inner vectors of `columns`; an iterator over rows would not be clearer.
    #[allow(clippy::needless_range_loop)]
    pub fn new(names: &[String], columns: &[Vec<Option<f64>>]) -> Result<Self, EmError> {
        if names.len() != columns.len() || columns.is_empty() {
            return Err(EmError::Invalid(
                "EM needs one name per column and at least one column".into(),
            ));
        }
        let n_rows = columns[0].len();
        if columns.iter().any(|c| c.len() != n_rows) {
            return Err(EmError::Invalid("columns differ in length".into()));
        }
        let p = columns.len();
        let mut centre = vec![0.0; p];
        let mut scale = vec![1.0; p];
        let mut observed_n = vec![0; p];
        for (j, col) in columns.iter().enumerate() {
            let x: Vec<f64> = col.iter().flatten().copied().collect();
            if x.iter().any(|v| !v.is_finite()) {
                return Err(EmError::NonFinite {
                    variable: names[j].clone(),
                });
            }
            if x.is_empty() {
                return Err(EmError::NoObserved {
                    variable: names[j].clone(),
                });
            }
            let m = x.iter().sum::<f64>() / x.len() as f64;
            let sd = (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
            centre[j] = m;
            // A constant variable keeps unit scale; its singular Σ is reported by the EM.
            scale[j] = if sd > 0.0 && sd.is_finite() { sd } else { 1.0 };
            observed_n[j] = x.len();
        }
        let mut cases = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        for i in 0..n_rows {
            let observed: Vec<usize> = (0..p).filter(|&j| columns[j][i].is_some()).collect();
            if observed.is_empty() {
                continue;
            }
            let pos = cases.len();
            cases.push(i);
            let values = observed
                .iter()
                .map(|&j| (columns[j][i].unwrap_or(0.0) - centre[j]) / scale[j]);
            match patterns.iter_mut().find(|pat| pat.observed == observed) {
                Some(pat) => {
                    pat.members.push(pos);
                    pat.values.extend(values);
                }
                None => patterns.push(Pattern {
                    missing: (0..p).filter(|j| !observed.contains(j)).collect(),
                    values: values.collect(),
                    observed,
                    members: vec![pos],
                }),
            }
        }
        Ok(Self {
            names: names.to_vec(),
            cases,
            n_rows,
            centre,
            scale,
            observed_n,
            patterns,
        })
    }

    pub fn p(&self) -> usize {
        self.names.len()
    }
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Rows given.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }
    /// Cases kept (at least one variable observed): the length of weight vectors.
    pub fn n_cases(&self) -> usize {
        self.cases.len()
    }
    /// Input row of each kept case.
    pub fn case_rows(&self) -> &[usize] {
        &self.cases
    }
    /// Observed values per variable.
    pub fn observed_n(&self) -> &[usize] {
        &self.observed_n
    }
    pub fn n_patterns(&self) -> usize {
        self.patterns.len()
    }
    /// Cases with every variable observed.
    pub fn n_complete(&self) -> usize {
        self.patterns
            .iter()
            .filter(|p| p.missing.is_empty())
            .map(|p| p.members.len())
            .sum()
    }

    /// Sufficient statistics with unit weights.
    pub fn stats(&self) -> SuffStats {
        self.stats_with(|_| 1.0)
    }

    /// Sufficient statistics with bootstrap counts (one per kept case).
    pub fn stats_counts(&self, counts: &[u32]) -> SuffStats {
        self.stats_with(|i| counts[i] as f64)
    }

    /// Sufficient statistics with case weights (one per kept case).
    pub fn stats_weighted(&self, weights: &[f64]) -> SuffStats {
        self.stats_with(|i| weights[i])
    }

    fn stats_with(&self, weight: impl Fn(usize) -> f64) -> SuffStats {
        let parts: Vec<PatternStats> = self
            .patterns
            .iter()
            .map(|pat| {
                let q = pat.observed.len();
                let mut w = 0.0;
                let mut s1 = DVector::zeros(q);
                let mut s2 = DMatrix::zeros(q, q);
                for (r, &case) in pat.members.iter().enumerate() {
                    let wi = weight(case);
                    if wi == 0.0 {
                        continue;
                    }
                    let y = &pat.values[r * q..(r + 1) * q];
                    w += wi;
                    for a in 0..q {
                        let wy = wi * y[a];
                        s1[a] += wy;
                        for b in 0..=a {
                            s2[(a, b)] += wy * y[b];
                        }
                    }
                }
                for a in 0..q {
                    for b in 0..a {
                        s2[(b, a)] = s2[(a, b)];
                    }
                }
                PatternStats { w, s1, s2 }
            })
            .collect();
        let total = parts.iter().map(|s| s.w).sum();
        SuffStats { parts, total }
    }

    /// Observed means and variances (weighted) on the standardized scale, Σ diagonal.
    fn start(&self, stats: &SuffStats) -> Result<MvnEstimate, EmError> {
        let p = self.p();
        let mut w = vec![0.0; p];
        let mut s1 = vec![0.0; p];
        let mut s2 = vec![0.0; p];
        for (pat, st) in self.patterns.iter().zip(&stats.parts) {
            for (a, &j) in pat.observed.iter().enumerate() {
                w[j] += st.w;
                s1[j] += st.s1[a];
                s2[j] += st.s2[(a, a)];
            }
        }
        let mut mu = DVector::zeros(p);
        let mut sigma = DMatrix::zeros(p, p);
        for j in 0..p {
            if w[j] <= 0.0 {
                return Err(EmError::NoObserved {
                    variable: self.names[j].clone(),
                });
            }
            mu[j] = s1[j] / w[j];
            sigma[(j, j)] = s2[j] / w[j] - mu[j] * mu[j];
        }
        Ok(MvnEstimate {
            mu,
            sigma,
            iterations: 0,
            change: f64::INFINITY,
        })
    }

    /// EM from `start` (a warm start) or from the observed means and variances.
    pub fn em(
        &self,
        stats: &SuffStats,
        start: Option<&MvnEstimate>,
        spec: &EmSpec,
    ) -> Result<MvnEstimate, EmError> {
        let mut est = match start {
            Some(s) => s.clone(),
            None => self.start(stats)?,
        };
        if spec.accelerate {
            return self.squarem(stats, est, spec);
        }
        let mut change = f64::INFINITY;
        for iter in 1..=spec.max_iter {
            let (mu, sigma) = self.step(stats, &est, iter)?;
            change = (&mu - &est.mu).amax().max((&sigma - &est.sigma).amax());
            est.mu = mu;
            est.sigma = sigma;
            if !change.is_finite() {
                break;
            }
            if change <= spec.tol {
                est.iterations = iter;
                est.change = change;
                // A singular Σ can be a fixed point of EM: refuse it here.
                self.check_pd(&est.sigma, iter)?;
                return Ok(est);
            }
        }
        Err(EmError::NotConverged {
            max_iter: spec.max_iter,
            change,
            tol: spec.tol,
        })
    }

    /// Refuses a Σ in which some variable is (nearly) a linear combination of the others:
    /// a squared Cholesky pivot below [`SINGULAR_TOL`] of its variance (R² > 1 − 1e-10 on
    /// the preceding variables). EM can converge to such a Σ (e.g. y = 2x on the cases that
    /// observe both), whose inverse is numerical noise.
    /// SQUAREM (Varadhan & Roland 2008, *Scand J Stat* 35:335–353, scheme S3): from θ₀ two
    /// EM steps θ₁, θ₂; r = θ₁ − θ₀, v = θ₂ − θ₁ − r, α = min(−‖r‖/‖v‖, −1);
    /// θ′ = θ₀ − 2αr + α²v, then one EM step from θ′ (from θ₂ when Σ′ is not positive
    /// definite). The stop is the plain EM step's change, as in [`Self::em`].
    fn squarem(
        &self,
        stats: &SuffStats,
        mut est: MvnEstimate,
        spec: &EmSpec,
    ) -> Result<MvnEstimate, EmError> {
        let mut steps = 0;
        let mut change = f64::INFINITY;
        while steps + 3 <= spec.max_iter {
            let mut e1 = est.clone();
            (e1.mu, e1.sigma) = self.step(stats, &est, steps + 1)?;
            change = distance(&e1, &est);
            if change <= spec.tol {
                return self.converged(e1, steps + 1, change);
            }
            let mut e2 = e1.clone();
            (e2.mu, e2.sigma) = self.step(stats, &e1, steps + 2)?;
            let change2 = distance(&e2, &e1);
            if change2 <= spec.tol {
                return self.converged(e2, steps + 2, change2);
            }
            let (rm, rs) = (&e1.mu - &est.mu, &e1.sigma - &est.sigma);
            let (vm, vs) = (&e2.mu - &e1.mu - &rm, &e2.sigma - &e1.sigma - &rs);
            let r_norm = (rm.norm_squared() + rs.norm_squared()).sqrt();
            let v_norm = (vm.norm_squared() + vs.norm_squared()).sqrt();
            let alpha = if v_norm > 0.0 {
                (-r_norm / v_norm).min(-1.0)
            } else {
                -1.0
            };
            let mut jump = est.clone();
            jump.mu = &est.mu - &rm * (2.0 * alpha) + &vm * (alpha * alpha);
            jump.sigma = &est.sigma - &rs * (2.0 * alpha) + &vs * (alpha * alpha);
            est = match self.step(stats, &jump, steps + 3) {
                Ok((mu, sigma)) if mu.iter().chain(sigma.iter()).all(|v| v.is_finite()) => {
                    MvnEstimate { mu, sigma, ..e2 }
                }
                _ => e2,
            };
            steps += 3;
        }
        Err(EmError::NotConverged {
            max_iter: spec.max_iter,
            change,
            tol: spec.tol,
        })
    }

    fn converged(
        &self,
        mut est: MvnEstimate,
        steps: usize,
        change: f64,
    ) -> Result<MvnEstimate, EmError> {
        est.iterations = steps;
        est.change = change;
        self.check_pd(&est.sigma, steps)?;
        Ok(est)
    }

    fn check_pd(&self, sigma: &DMatrix<f64>, iteration: usize) -> Result<(), EmError> {
        let p = self.p();
        let refuse = |j: usize| EmError::Singular {
            variables: format!(
                "'{}' and the variables before it ({})",
                self.names[j],
                self.names.join(", ")
            ),
            iteration,
        };
        let chol = sigma.clone().cholesky().ok_or_else(|| refuse(0))?;
        let l = chol.l();
        for j in 0..p {
            let pivot = l[(j, j)] * l[(j, j)];
            if pivot.is_nan() || pivot <= SINGULAR_TOL * sigma[(j, j)] {
                return Err(refuse(j));
            }
        }
        Ok(())
    }

    /// One E- and M-step.
    fn step(
        &self,
        stats: &SuffStats,
        est: &MvnEstimate,
        iteration: usize,
    ) -> Result<(DVector<f64>, DMatrix<f64>), EmError> {
        let p = self.p();
        let (mu, sigma) = (&est.mu, &est.sigma);
        let mut t1 = DVector::zeros(p);
        let mut t2 = DMatrix::zeros(p, p);
        for (pat, st) in self.patterns.iter().zip(&stats.parts) {
            if st.w == 0.0 {
                continue;
            }
            let (o, m) = (&pat.observed, &pat.missing);
            for (a, &ja) in o.iter().enumerate() {
                t1[ja] += st.s1[a];
                for (b, &jb) in o.iter().enumerate() {
                    t2[(ja, jb)] += st.s2[(a, b)];
                }
            }
            if m.is_empty() {
                continue;
            }
            let chol = sub(sigma, o, o)
                .cholesky()
                .ok_or_else(|| self.singular(o, iteration))?;
            let smo = sub(sigma, m, o);
            let b = chol.solve(&smo.transpose()).transpose();
            let c = sub(sigma, m, m) - &b * smo.transpose();
            let a = sub_vec(mu, m) - &b * sub_vec(mu, o);
            let bs1 = &b * &st.s1;
            let tm = &a * st.w + &bs1;
            let tmo = &a * st.s1.transpose() + &b * &st.s2;
            let tmm = &a * a.transpose() * st.w
                + &a * bs1.transpose()
                + &bs1 * a.transpose()
                + &b * &st.s2 * b.transpose()
                + c * st.w;
            for (r, &jr) in m.iter().enumerate() {
                t1[jr] += tm[r];
                for (s, &js) in o.iter().enumerate() {
                    t2[(jr, js)] += tmo[(r, s)];
                    t2[(js, jr)] += tmo[(r, s)];
                }
                for (s, &js) in m.iter().enumerate() {
                    t2[(jr, js)] += tmm[(r, s)];
                }
            }
        }
        let n = stats.total;
        let mu_new = t1 / n;
        let mut sigma_new = t2 / n - &mu_new * mu_new.transpose();
        // Exact symmetry, so that changes and Cholesky see one matrix.
        for a in 0..p {
            for b in 0..a {
                let v = 0.5 * (sigma_new[(a, b)] + sigma_new[(b, a)]);
                sigma_new[(a, b)] = v;
                sigma_new[(b, a)] = v;
            }
        }
        Ok((mu_new, sigma_new))
    }

    fn singular(&self, vars: &[usize], iteration: usize) -> EmError {
        EmError::Singular {
            variables: vars
                .iter()
                .map(|&j| format!("'{}'", self.names[j]))
                .collect::<Vec<_>>()
                .join(", "),
            iteration,
        }
    }

    /// Mean vector in the variables' own units.
    pub fn mu(&self, est: &MvnEstimate) -> Vec<f64> {
        (0..self.p())
            .map(|j| self.centre[j] + self.scale[j] * est.mu[j])
            .collect()
    }

    /// Covariance matrix in the variables' own units.
    pub fn sigma(&self, est: &MvnEstimate) -> DMatrix<f64> {
        let p = self.p();
        DMatrix::from_fn(p, p, |a, b| {
            est.sigma[(a, b)] * self.scale[a] * self.scale[b]
        })
    }

    /// Converts standardized (μ, Σ) to the variables' units.
    pub fn unscale(&self, mu: &DVector<f64>, sigma: &DMatrix<f64>) -> (DVector<f64>, DMatrix<f64>) {
        let p = self.p();
        (
            DVector::from_fn(p, |j, _| self.centre[j] + self.scale[j] * mu[j]),
            DMatrix::from_fn(p, p, |a, b| sigma[(a, b)] * self.scale[a] * self.scale[b]),
        )
    }

    /// Observed-data log-likelihood (variables' units) at `est`.
    pub fn log_likelihood(&self, stats: &SuffStats, est: &MvnEstimate) -> Result<f64, EmError> {
        let mut ll = 0.0;
        for (pat, st) in self.patterns.iter().zip(&stats.parts) {
            if st.w == 0.0 {
                continue;
            }
            let o = &pat.observed;
            let chol = sub(&est.sigma, o, o)
                .cholesky()
                .ok_or_else(|| self.singular(o, est.iterations))?;
            let log_det = 2.0 * chol.l().diagonal().iter().map(|v| v.ln()).sum::<f64>()
                + 2.0 * o.iter().map(|&j| self.scale[j].ln()).sum::<f64>();
            let a = scatter(st, &sub_vec(&est.mu, o));
            let k = chol.inverse();
            let tr = k.component_mul(&a).sum();
            ll -=
                0.5 * (st.w * (o.len() as f64 * (2.0 * std::f64::consts::PI).ln() + log_det) + tr);
        }
        Ok(ll)
    }

    /// Convergence report at `est`.
    pub fn info(
        &self,
        stats: &SuffStats,
        est: &MvnEstimate,
        spec: &EmSpec,
    ) -> Result<EmInfo, EmError> {
        Ok(EmInfo {
            iterations: est.iterations,
            tol: spec.tol,
            max_iter: spec.max_iter,
            final_change: est.change,
            criterion: CRITERION.into(),
            log_likelihood: self.log_likelihood(stats, est)?,
        })
    }

    /// Index pairs (a, b), a ≤ b, of vech Σ in parameter order (after the p means).
    pub fn vech_pairs(&self) -> Vec<(usize, usize)> {
        let p = self.p();
        (0..p).flat_map(|a| (a..p).map(move |b| (a, b))).collect()
    }

    /// Observed information of θ = (μ, vech Σ) on the standardized scale (see the module
    /// doc for the formula).
    pub fn information(
        &self,
        stats: &SuffStats,
        est: &MvnEstimate,
    ) -> Result<DMatrix<f64>, EmError> {
        let p = self.p();
        let pairs = self.vech_pairs();
        let q = p + pairs.len();
        let mut info = DMatrix::zeros(q, q);
        for (pat, st) in self.patterns.iter().zip(&stats.parts) {
            if st.w == 0.0 {
                continue;
            }
            let o = &pat.observed;
            let po = o.len();
            let chol = sub(&est.sigma, o, o)
                .cholesky()
                .ok_or_else(|| self.singular(o, est.iterations))?;
            let k = chol.inverse();
            let muo = sub_vec(&est.mu, o);
            let d = &st.s1 - &muo * st.w;
            let g = &k * scatter(st, &muo) * &k;
            let kd = &k * &d;
            // Position of each variable within the pattern.
            let pos: Vec<Option<usize>> = (0..p).map(|j| o.iter().position(|&x| x == j)).collect();
            // Vech parameters touching this pattern: (parameter index, dS).
            let local: Vec<(usize, DMatrix<f64>)> = pairs
                .iter()
                .enumerate()
                .filter_map(|(u, &(a, b))| {
                    let (ia, ib) = (pos[a]?, pos[b]?);
                    let mut ds = DMatrix::zeros(po, po);
                    ds[(ia, ib)] = 1.0;
                    ds[(ib, ia)] = 1.0;
                    Some((p + u, ds))
                })
                .collect();
            let pk: Vec<DMatrix<f64>> = local.iter().map(|(_, ds)| &k * ds).collect();
            let pg: Vec<DMatrix<f64>> = local.iter().map(|(_, ds)| &g * ds).collect();
            for (a, &ja) in o.iter().enumerate() {
                for (b, &jb) in o.iter().enumerate() {
                    info[(ja, jb)] += st.w * k[(a, b)];
                }
            }
            for (u, (iu, _)) in local.iter().enumerate() {
                let v = &pk[u] * &kd;
                for (a, &ja) in o.iter().enumerate() {
                    info[(ja, *iu)] += v[a];
                    info[(*iu, ja)] += v[a];
                }
                for (t, (it, _)) in local.iter().enumerate() {
                    // tr(X Y) for the products K dS_t K dS_u etc.
                    let val = -0.5 * st.w * trace_prod(&pk[t], &pk[u])
                        + 0.5 * trace_prod(&pk[t], &pg[u])
                        + 0.5 * trace_prod(&pg[t], &pk[u]);
                    info[(*iu, *it)] += val;
                }
            }
        }
        Ok(info)
    }
}

/// Largest change of any element of μ or Σ.
fn distance(a: &MvnEstimate, b: &MvnEstimate) -> f64 {
    (&a.mu - &b.mu).amax().max((&a.sigma - &b.sigma).amax())
}

/// tr(XY).
fn trace_prod(x: &DMatrix<f64>, y: &DMatrix<f64>) -> f64 {
    x.component_mul(&y.transpose()).sum()
}

/// Σᵢ wᵢ(yᵢ − μ)(yᵢ − μ)ᵀ from the pattern sums.
fn scatter(st: &PatternStats, mu: &DVector<f64>) -> DMatrix<f64> {
    &st.s2 - &st.s1 * mu.transpose() - mu * st.s1.transpose() + mu * mu.transpose() * st.w
}

/// Submatrix of `m` on rows `r` and columns `c`.
pub(crate) fn sub(m: &DMatrix<f64>, r: &[usize], c: &[usize]) -> DMatrix<f64> {
    DMatrix::from_fn(r.len(), c.len(), |i, j| m[(r[i], c[j])])
}

fn sub_vec(v: &DVector<f64>, r: &[usize]) -> DVector<f64> {
    DVector::from_fn(r.len(), |i, _| v[r[i]])
}

impl SuffStats {
    /// Total weight N.
    pub fn total(&self) -> f64 {
        self.total
    }
}

impl MissingData {
    /// Little's d² = Σⱼ Wⱼ(ȳⱼ − μₒ)ᵀΣₒₒ⁻¹(ȳⱼ − μₒ) and its df Σⱼpⱼ − p (Little 1988).
    pub fn little_d2(&self, stats: &SuffStats, est: &MvnEstimate) -> Result<(f64, usize), EmError> {
        let mut d2 = 0.0;
        let mut df = 0;
        for (pat, st) in self.patterns.iter().zip(&stats.parts) {
            if st.w == 0.0 {
                continue;
            }
            let o = &pat.observed;
            let diff = &st.s1 / st.w - sub_vec(&est.mu, o);
            let chol = sub(&est.sigma, o, o)
                .cholesky()
                .ok_or_else(|| self.singular(o, est.iterations))?;
            d2 += st.w * diff.dot(&chol.solve(&diff));
            df += o.len();
        }
        Ok((d2, df.saturating_sub(self.p())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn mcar_data(times: usize) -> Vec<Vec<Option<f64>>> {
        let cols = crate::stats::testdata::columns(
            include_str!("../../tests/reference/stats/mcar_data.csv"),
            &["y1", "y2", "y3", "y4"],
        );
        cols.into_iter()
            .map(|c| {
                let mut out = Vec::with_capacity(c.len() * times);
                for _ in 0..times {
                    out.extend(c.iter().copied());
                }
                out
            })
            .collect()
    }

    #[test]
    fn iterations_do_not_grow_with_n() {
        let v = names(&["y1", "y2", "y3", "y4"]);
        let once = MissingData::new(&v, &mcar_data(1)).unwrap();
        let many = MissingData::new(&v, &mcar_data(50)).unwrap();
        let spec = EmSpec::default();
        let a = once.em(&once.stats(), None, &spec).unwrap();
        let b = many.em(&many.stats(), None, &spec).unwrap();
        // Replicating the data leaves the MLE unchanged; the criterion does not see n.
        assert_eq!(a.iterations, b.iterations);
        assert!(a.iterations < 200, "{}", a.iterations);
        let (sa, sb) = (once.sigma(&a), many.sigma(&b));
        assert!((sa - sb).amax() < 1e-9);
        // Weights equal to the replication count give the same fit as replicated rows.
        let counts = vec![50u32; once.n_cases()];
        let c = once.em(&once.stats_counts(&counts), None, &spec).unwrap();
        assert!((once.sigma(&c) - many.sigma(&b)).amax() < 1e-9);
    }

    #[test]
    fn warm_start_converges_at_once_and_information_is_symmetric_pd() {
        let v = names(&["y1", "y2", "y3", "y4"]);
        let d = MissingData::new(&v, &mcar_data(1)).unwrap();
        let st = d.stats();
        let spec = EmSpec::default();
        let a = d.em(&st, None, &spec).unwrap();
        let b = d.em(&st, Some(&a), &spec).unwrap();
        assert!(b.iterations <= 2);
        let info = d.information(&st, &a).unwrap();
        assert!((&info - info.transpose()).amax() < 1e-8 * info.amax());
        assert!(info.cholesky().is_some());
    }

    #[test]
    fn squarem_reaches_the_same_fixed_point_in_fewer_steps() {
        let cols = crate::stats::testdata::columns(
            include_str!("../../tests/reference/fiml/cohort.csv"),
            &["d_x", "d_m1", "d_m2", "d_y", "age", "y_T0"],
        );
        let v = names(&["d_x", "d_m1", "d_m2", "d_y", "age", "y_T0"]);
        let d = MissingData::new(&v, &cols).unwrap();
        let st = d.stats();
        let plain = d.em(&st, None, &EmSpec::default()).unwrap();
        let fast = EmSpec {
            accelerate: true,
            ..EmSpec::default()
        };
        let sq = d.em(&st, None, &fast).unwrap();
        assert!((&plain.sigma - &sq.sigma).amax() < 1e-9);
        assert!((&plain.mu - &sq.mu).amax() < 1e-9);
        assert!(
            sq.iterations < plain.iterations,
            "{} vs {}",
            sq.iterations,
            plain.iterations
        );
    }

    #[test]
    fn clear_errors() {
        let v = names(&["a", "b"]);
        let none = vec![vec![Some(1.0), Some(2.0)], vec![None, None]];
        let e = MissingData::new(&v, &none).unwrap_err();
        assert!(e.to_string().contains("'b' has no observed values"), "{e}");
        let dup = vec![
            vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
            vec![Some(2.0), Some(4.0), Some(6.0), None],
        ];
        let d = MissingData::new(&v, &dup).unwrap();
        let e = d.em(&d.stats(), None, &EmSpec::default()).unwrap_err();
        assert!(matches!(e, EmError::Singular { .. }), "{e}");
        let nan = vec![vec![Some(1.0), Some(f64::NAN)], vec![Some(1.0), None]];
        assert!(matches!(
            MissingData::new(&v, &nan),
            Err(EmError::NonFinite { .. })
        ));
    }
}

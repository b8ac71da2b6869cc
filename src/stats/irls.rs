//! Iteratively reweighted least squares (IRLS, Fisher scoring) for a generalised linear model
//! with a log link, the engine behind the count models in [`super::glm`]. It knows the link
//! and nothing about the family beyond its variance function V(μ) and its deviance.
//!
//! # Formula
//! η = Xβ + o (o the offset), μ = exp(η). With the log link dμ/dη = μ, so each step solves the
//! weighted least-squares problem (McCullagh & Nelder 1989, §2.5)
//!   z = η − o + (y − μ)/μ,   w = μ² / V(μ),   β ← argmin Σ wᵢ (zᵢ − xᵢᵀβ)²
//! by a Householder QR of √W·X (nalgebra), never forming XᵀWX. The start is μ = y + 1/6
//! where y = 0 and μ = y elsewhere (R's `negative.binomial` start; positive, so η is finite).
//! Convergence, as R's `glm.fit` but tighter: |D − D_old| / (|D| + 0.1) < 1e-12 with D the
//! deviance; a step that makes D non-finite or larger is halved (up to 30 times).
//! The model-based covariance is (XᵀWX)⁻¹ = R⁻¹R⁻ᵀ with W at the final β (R's `glm` uses
//! the weights of the iteration before; at this tolerance the two agree to ~1e-12).
//!
//! Rank check before fitting, as R's `lm.fit` on X (tol 1e-7): column j is rejected when
//! |R_jj| / ‖x_j‖ < tol.

use nalgebra::{DMatrix, DVector};

use super::StatsError;

/// Relative change in deviance at which the iterations stop.
pub const TOLERANCE: f64 = 1e-12;
/// Most IRLS iterations (R: 25 by default; tight tolerance needs a few more).
pub const MAX_ITER: usize = 100;
/// Most step halvings within one iteration.
const MAX_HALVINGS: usize = 30;
/// Relative pivot tolerance for the rank check (R's `lm.fit` default).
const RANK_TOL: f64 = 1e-7;

/// A model with a log link: the design, the counts and the offset (log exposure, 0 if none).
pub struct LogLinkProblem<'a> {
    pub x: &'a DMatrix<f64>,
    pub y: &'a [f64],
    pub offset: &'a [f64],
    pub names: &'a [String],
}

/// The converged fit.
#[derive(Debug, Clone)]
pub struct IrlsFit {
    pub beta: DVector<f64>,
    pub mu: Vec<f64>,
    /// (XᵀWX)⁻¹ at the final β: the model-based covariance with dispersion 1.
    pub cov: DMatrix<f64>,
    pub deviance: f64,
    pub iterations: usize,
}

impl LogLinkProblem<'_> {
    /// Rejects a design whose columns are (nearly) linearly dependent, naming the column.
    pub fn check_rank(&self) -> Result<(), StatsError> {
        let (_, p) = self.x.shape();
        let r = self.x.clone().qr().r();
        for j in 0..p {
            let norm = self.x.column(j).norm();
            let ratio = if norm > 0.0 {
                r[(j, j)].abs() / norm
            } else {
                0.0
            };
            if ratio < RANK_TOL {
                return Err(StatsError::Collinear {
                    column: self.names[j].clone(),
                    others: self.names[..j].join(", "),
                    ratio,
                    tol: RANK_TOL,
                });
            }
        }
        Ok(())
    }

    /// Fits by IRLS for the variance function `variance` and deviance `deviance(μ)`, from
    /// `start` (a previous β) when given.
    pub fn fit(
        &self,
        variance: &dyn Fn(f64) -> f64,
        deviance: &dyn Fn(&[f64]) -> f64,
        start: Option<&DVector<f64>>,
    ) -> Result<IrlsFit, StatsError> {
        let mut mu: Vec<f64> = match start {
            Some(b) => self.mean(b),
            None => self
                .y
                .iter()
                .map(|&y| if y == 0.0 { 1.0 / 6.0 } else { y })
                .collect(),
        };
        let mut beta = start.cloned();
        let mut dev = deviance(&mu);
        for iter in 1..=MAX_ITER {
            let proposal = self.wls_step(&mu, variance)?;
            let (new_beta, new_mu, new_dev) =
                self.halve_if_worse(proposal, &beta, dev, deviance)?;
            let converged = (new_dev - dev).abs() / (new_dev.abs() + 0.1) < TOLERANCE;
            beta = Some(new_beta);
            mu = new_mu;
            dev = new_dev;
            if converged && iter > 1 {
                let beta = beta.unwrap_or_else(|| DVector::zeros(self.x.ncols()));
                let mu = self.mean(&beta);
                let cov = self.covariance(&mu, variance)?;
                return Ok(IrlsFit {
                    deviance: deviance(&mu),
                    beta,
                    mu,
                    cov,
                    iterations: iter,
                });
            }
        }
        Err(StatsError::Invalid(format!(
            "the count model did not converge in {MAX_ITER} iterations (deviance {dev:.6}); \
             a predictor may separate the zero counts, or the model is too large for the data"
        )))
    }

    /// μ = exp(Xβ + o).
    pub fn mean(&self, beta: &DVector<f64>) -> Vec<f64> {
        let eta = self.x * beta;
        eta.iter()
            .zip(self.offset)
            .map(|(e, o)| (e + o).exp())
            .collect()
    }

    /// One Fisher-scoring step from μ: the weighted least-squares β.
    fn wls_step(
        &self,
        mu: &[f64],
        variance: &dyn Fn(f64) -> f64,
    ) -> Result<DVector<f64>, StatsError> {
        let (n, p) = self.x.shape();
        let mut xw = self.x.clone();
        let mut zw = DVector::zeros(n);
        for i in 0..n {
            let m = mu[i];
            let sw = (m * m / variance(m)).sqrt();
            zw[i] = (m.ln() - self.offset[i] + (self.y[i] - m) / m) * sw;
            for j in 0..p {
                xw[(i, j)] *= sw;
            }
        }
        let qr = xw.qr();
        let qtz = qr.q().transpose() * zw;
        qr.r()
            .solve_upper_triangular(&qtz)
            .filter(|b| b.iter().all(|v| v.is_finite()))
            .ok_or_else(|| {
                StatsError::Invalid(
                    "the weighted least-squares step of the count model is singular \
                     (fitted counts numerically 0 or infinite)"
                        .into(),
                )
            })
    }

    /// Accepts `proposal`, or halves the step towards the previous β while the deviance is
    /// non-finite or larger (the first step, from μ = y, is always accepted if finite).
    fn halve_if_worse(
        &self,
        mut proposal: DVector<f64>,
        previous: &Option<DVector<f64>>,
        dev_old: f64,
        deviance: &dyn Fn(&[f64]) -> f64,
    ) -> Result<(DVector<f64>, Vec<f64>, f64), StatsError> {
        for _ in 0..MAX_HALVINGS {
            let mu = self.mean(&proposal);
            let dev = deviance(&mu);
            let finite = dev.is_finite() && mu.iter().all(|m| m.is_finite());
            let better = previous.is_none() || dev <= dev_old * (1.0 + 1e-12) + 1e-12;
            if finite && better {
                return Ok((proposal, mu, dev));
            }
            match previous {
                Some(b) => proposal = (&proposal + b) * 0.5,
                None if finite => return Ok((proposal, mu, dev)),
                None => break,
            }
        }
        match previous {
            // No step lowers the deviance: the previous β is the optimum to rounding.
            Some(b) => {
                let mu = self.mean(b);
                Ok((b.clone(), mu, dev_old))
            }
            None => Err(StatsError::Invalid(
                "the count model's fitted counts overflow from the start; \
                 check the scale of the predictors and the offset"
                    .into(),
            )),
        }
    }

    /// (XᵀWX)⁻¹ with W = μ²/V(μ).
    fn covariance(
        &self,
        mu: &[f64],
        variance: &dyn Fn(f64) -> f64,
    ) -> Result<DMatrix<f64>, StatsError> {
        let (n, p) = self.x.shape();
        let mut xw = self.x.clone();
        for i in 0..n {
            let sw = (mu[i] * mu[i] / variance(mu[i])).sqrt();
            for j in 0..p {
                xw[(i, j)] *= sw;
            }
        }
        let r = xw.qr().r();
        let r_inv = r
            .solve_upper_triangular(&DMatrix::identity(p, p))
            .ok_or_else(|| StatsError::Invalid("the information matrix is singular".into()))?;
        Ok(&r_inv * r_inv.transpose())
    }
}

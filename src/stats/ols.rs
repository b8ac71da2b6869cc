//! Ordinary least squares with classical or heteroscedasticity-consistent (HC0–HC4)
//! standard errors.
//!
//! Fit: Householder QR of the design, X = QR (Golub & Van Loan 2013, §5.2), kept in factored
//! form, with every inner product in double-double arithmetic (Dot2, Ogita, Rump & Oishi
//! 2005); β = R⁻¹Qᵀy, then iterative refinement β += R⁻¹Qᵀ(y − Xβ) with the residual also in
//! double-double (Golub 1965; Higham 2002, §20.5). The cross-product matrix XᵀX is never
//! formed or inverted. Validated on the NIST StRD linear regression suite
//! (tests/nist_strd.rs): at least as many correct digits as R's `lm()` on every certified
//! value (docs/methods/regress.md).
//!
//! Rank check (as R's `lm.fit`, tol = 1e-7): column j is rejected when |R_jj| / ‖x_j‖ < tol,
//! i.e. when almost none of x_j lies outside the span of the columns before it.
//!
//! Covariance: (XᵀX)⁻¹ = R⁻¹R⁻ᵀ. Classical V = σ̂²(XᵀX)⁻¹ with σ̂² = RSS/(n − p).
//! HC (MacKinnon & White 1985; Long & Ervin 2000; Cribari-Neto 2004 for HC4):
//! V = R⁻¹ Qᵀ diag(ωᵢ) Q R⁻ᵀ, with eᵢ the residual and hᵢ = ‖Qᵢ‖² the leverage:
//! HC0 ωᵢ = eᵢ²; HC1 eᵢ²·n/(n−p); HC2 eᵢ²/(1−hᵢ); HC3 eᵢ²/(1−hᵢ)²;
//! HC4 eᵢ²/(1−hᵢ)^δᵢ, δᵢ = min(4, n·hᵢ/p).
//!
//! Tests: t = β/se with n − p df; CI β ± t_{(1+L)/2, n−p}·se. The model F is the Wald
//! statistic for all slopes (all coefficients without intercept), F = bᵀV_b⁻¹b / q, using the
//! same V as the coefficients; with classical V it equals (R²/q)/((1−R²)/(n−p)).
//! R² is centred with an intercept and uncentred (1 − RSS/Σy²) without, as R's `summary.lm`.
//!
//! Essentially perfect fit (as R's `summary.lm`): when the residual variance RSS/(n − p) is
//! below (mean(ŷ)² + var(ŷ))·1e-30 (ŷ the fitted values, var with n − 1), R², F and the
//! standard errors are rounding noise; the fit carries the warning in
//! [`OlsResult::warnings`] instead of passing them off silently.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::dist;
use super::{check_finite, pow2_scale, StatsError};

/// Name of the intercept term in every output, as in R.
pub const INTERCEPT: &str = "(Intercept)";
/// Relative pivot tolerance for the rank check (R's `lm.fit` default).
pub const RANK_TOL: f64 = 1e-7;
/// Residual variance below this multiple of mean(ŷ)² + var(ŷ) is an essentially perfect fit
/// (R's `summary.lm`: "a few times .Machine$double.eps^2").
pub const PERFECT_FIT_TOL: f64 = 1e-30;
/// The warning for an essentially perfect fit, in R's words.
pub const PERFECT_FIT_WARNING: &str = "essentially perfect fit: summary may be unreliable";

/// Heteroscedasticity-consistent covariance estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HcType {
    Hc0,
    Hc1,
    Hc2,
    Hc3,
    Hc4,
}

impl HcType {
    /// From PROCESS's `hc=` number (0–4).
    pub fn from_index(i: u8) -> Option<Self> {
        [Self::Hc0, Self::Hc1, Self::Hc2, Self::Hc3, Self::Hc4]
            .get(i as usize)
            .copied()
    }
}

/// What to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OlsSpec {
    pub intercept: bool,
    /// `None`: classical standard errors.
    pub hc: Option<HcType>,
    /// Confidence level in (0, 1), e.g. 0.95.
    pub level: f64,
}

impl Default for OlsSpec {
    fn default() -> Self {
        Self {
            intercept: true,
            hc: None,
            level: 0.95,
        }
    }
}

/// One coefficient with its inference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub term: String,
    pub estimate: f64,
    pub se: f64,
    pub t: f64,
    pub p: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OlsResult {
    pub outcome: String,
    pub n: usize,
    pub r2: f64,
    pub adj_r2: f64,
    /// Model F (Wald, same covariance as the terms); `None` for an intercept-only model.
    pub f: Option<f64>,
    pub df1: usize,
    pub df2: usize,
    pub p: Option<f64>,
    /// Residual mean square RSS/(n − p).
    pub mse: f64,
    pub rss: f64,
    pub intercept: bool,
    /// `None` for classical standard errors.
    pub hc: Option<HcType>,
    pub level: f64,
    pub terms: Vec<Term>,
    /// Conditions under which the summary may be unreliable (as R's `summary.lm` warns), e.g.
    /// [`PERFECT_FIT_WARNING`]. Empty, and then left out of JSON, for an ordinary fit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Cluster-robust inference (`stats::cluster`), replacing the classical or HC tests;
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// Coefficient covariance matrix, row-major, in the order of `terms`.
    #[serde(skip)]
    pub cov: Vec<f64>,
}

/// How cluster-robust standard errors and tests were obtained (see `stats::cluster`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// The cluster variable (e.g. site).
    pub variable: String,
    /// Number of clusters G.
    pub clusters: usize,
    /// Cases in the smallest and the largest cluster.
    pub smallest: usize,
    pub largest: usize,
    /// "CR2" or "CR1".
    pub vcov: String,
    /// "Satterthwaite" (CR2) or "G - 1" (CR1).
    pub df_method: String,
    /// Degrees of freedom of each term's t test and CI, in the order of `terms`.
    pub df: Vec<f64>,
}

impl OlsResult {
    /// The term with this name, if the model has it.
    pub fn term(&self, name: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.term == name)
    }
}

impl OlsSpec {
    /// Fits `y` on the `predictors` (columns, each of length n), named by `names`.
    pub fn fit(
        &self,
        outcome: &str,
        y: &[f64],
        predictors: &[&[f64]],
        names: &[&str],
    ) -> Result<OlsResult, StatsError> {
        assert_eq!(predictors.len(), names.len(), "one name per predictor");
        let n = y.len();
        // Before the design checks: with too few rows every column looks constant.
        let p = predictors.len() + usize::from(self.intercept);
        if n <= p {
            return Err(StatsError::TooFewRows { n, p });
        }
        let (mut x, term_names) = self.design(y, predictors, names)?;
        if y.iter().all(|v| *v == y[0]) && (self.intercept || y[0] == 0.0) {
            // R² would be 0/0: nothing to explain.
            return Err(StatsError::Invalid(format!(
                "the outcome '{outcome}' has the same value ({}) for all {n} rows, so there is no variation to explain",
                y[0]
            )));
        }
        // Fit in scaled units (each column and y divided by a power of two near its largest
        // |value|), as R's QR scales its column norms: a regressor of size 1e300 would
        // otherwise overflow the squared norms. Exact, so ordinary data give the same digits.
        let scales: Vec<f64> = x.as_slice().chunks_exact(n).map(pow2_scale).collect();
        for (mut col, s) in x.column_iter_mut().zip(&scales) {
            col /= *s;
        }
        let y_scale = pow2_scale(y);
        let y_scaled: Vec<f64> = y.iter().map(|v| v / y_scale).collect();
        let y = y_scaled.as_slice();
        let qr = Householder::new(&x);
        check_rank(&x, &qr.r, &term_names)?;
        let (beta, resid) = qr.refined_solution(&x, y)?;
        let rss = resid.norm_squared();
        let df2 = n - p;
        let mse = rss / df2 as f64;
        let r_inv =
            qr.r.solve_upper_triangular(&DMatrix::identity(p, p))
                .ok_or_else(|| StatsError::Invalid("triangular inverse failed".into()))?;
        let cov = match self.hc {
            None => &r_inv * r_inv.transpose() * mse,
            Some(hc) => hc_cov(hc, &qr.thin_q(), &r_inv, &resid),
        };
        let mut fit = self.summarise(outcome, y, &beta, &cov, rss, mse, term_names);
        if essentially_perfect(y, resid.as_slice(), mse) {
            fit.warnings.push(PERFECT_FIT_WARNING.to_string());
        }
        unscale(&mut fit, &scales, y_scale);
        check_fit_finite(&fit)?;
        Ok(fit)
    }

    fn design(
        &self,
        y: &[f64],
        predictors: &[&[f64]],
        names: &[&str],
    ) -> Result<(DMatrix<f64>, Vec<String>), StatsError> {
        let n = y.len();
        if y.iter().any(|v| !v.is_finite()) {
            return Err(StatsError::NonFinite {
                what: "the outcome".into(),
            });
        }
        let mut cols: Vec<f64> = Vec::with_capacity(n * (predictors.len() + 1));
        let mut term_names = Vec::new();
        if self.intercept {
            cols.extend(std::iter::repeat_n(1.0, n));
            term_names.push(INTERCEPT.to_string());
        }
        for (col, name) in predictors.iter().zip(names) {
            assert_eq!(col.len(), n, "predictor '{name}' has another length than y");
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
            term_names.push(name.to_string());
        }
        let p = term_names.len();
        Ok((DMatrix::from_column_slice(n, p, &cols), term_names))
    }

    #[allow(clippy::too_many_arguments)]
    fn summarise(
        &self,
        outcome: &str,
        y: &[f64],
        beta: &DVector<f64>,
        cov: &DMatrix<f64>,
        rss: f64,
        mse: f64,
        names: Vec<String>,
    ) -> OlsResult {
        let n = y.len();
        let p = beta.len();
        let df2 = n - p;
        let tcrit = dist::t_quantile(0.5 + self.level / 2.0, df2 as f64);
        let terms = names
            .into_iter()
            .enumerate()
            .map(|(j, term)| {
                let (estimate, se) = (beta[j], cov[(j, j)].sqrt());
                let t = estimate / se;
                Term {
                    term,
                    estimate,
                    se,
                    t,
                    p: dist::t_two_sided(t, df2 as f64),
                    ci_low: estimate - tcrit * se,
                    ci_high: estimate + tcrit * se,
                }
            })
            .collect();
        let tss = if self.intercept {
            let mean = y.iter().sum::<f64>() / n as f64;
            y.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
        } else {
            y.iter().map(|v| v * v).sum::<f64>()
        };
        let r2 = 1.0 - rss / tss;
        let k0 = usize::from(self.intercept);
        let adj_r2 = 1.0 - (1.0 - r2) * (n - k0) as f64 / df2 as f64;
        let df1 = p - k0;
        let f = wald_f(beta, cov, k0);
        OlsResult {
            outcome: outcome.to_string(),
            n,
            r2,
            adj_r2,
            f,
            df1,
            df2,
            p: f.map(|f| dist::f_upper(f, df1 as f64, df2 as f64)),
            mse,
            rss,
            intercept: self.intercept,
            hc: self.hc,
            level: self.level,
            terms,
            warnings: Vec::new(),
            cluster: None,
            cov: cov.transpose().as_slice().to_vec(),
        }
    }
}

/// Back to the data's units: with xⱼ = sⱼ·x̃ⱼ and y = s_y·ỹ, βⱼ = s_y/sⱼ·β̃ⱼ (SE and CI
/// alike), Cov(β)ⱼₖ = s_y²/(sⱼsₖ)·Cov(β̃)ⱼₖ, RSS and MSE times s_y²; t, p, R² and F are
/// scale-free. Each SE is scaled from the scaled SE, not from the (possibly underflowing)
/// unscaled variance.
fn unscale(fit: &mut OlsResult, scales: &[f64], y_scale: f64) {
    let p = scales.len();
    for (t, s) in fit.terms.iter_mut().zip(scales) {
        for v in [&mut t.estimate, &mut t.se, &mut t.ci_low, &mut t.ci_high] {
            *v = *v * y_scale / s;
        }
    }
    for (idx, c) in fit.cov.iter_mut().enumerate() {
        let (j, k) = (idx / p, idx % p);
        *c = *c * y_scale / scales[j] * y_scale / scales[k];
    }
    fit.rss *= y_scale * y_scale;
    fit.mse *= y_scale * y_scale;
}

/// Never passes off a NaN or infinite estimate: every coefficient, SE and CI bound, R² and
/// the residual variance must be finite (t may be infinite in an essentially perfect fit,
/// which carries its own warning).
fn check_fit_finite(fit: &OlsResult) -> Result<(), StatsError> {
    for t in &fit.terms {
        check_finite(
            &format!(
                "the coefficient of '{}' in the model of '{}'",
                t.term, fit.outcome
            ),
            &[t.estimate, t.se, t.ci_low, t.ci_high],
        )?;
    }
    check_finite(
        &format!(
            "the residual variance or R² of the model of '{}'",
            fit.outcome
        ),
        &[fit.rss, fit.mse, fit.r2, fit.adj_r2],
    )
}

/// Householder QR kept in factored form (as LINPACK/LAPACK do): Qᵀv is applied reflector by
/// reflector and Q is formed only when the HC estimators need its rows.
struct Householder {
    n: usize,
    /// Column-major n × p: R on and above the diagonal, reflector k below it in column k
    /// (its leading 1 implicit).
    a: Vec<f64>,
    tau: Vec<f64>,
    /// The p × p upper-triangular factor.
    r: DMatrix<f64>,
}

impl Householder {
    /// Reflector k maps column k (rows k..) to (β, 0, …, 0) with β = −sign(a_kk)·‖·‖, the
    /// sign that avoids cancellation (Golub & Van Loan 2013, §5.1.2; LAPACK dlarfg).
    fn new(x: &DMatrix<f64>) -> Self {
        let (n, p) = x.shape();
        let mut a = x.as_slice().to_vec();
        let mut tau = vec![0.0; p];
        for k in 0..p {
            let (done, rest) = a.split_at_mut((k + 1) * n);
            let col = &mut done[k * n..];
            let alpha = col[k];
            let tail = dot2(&col[k + 1..], &col[k + 1..]).sqrt();
            if tail == 0.0 {
                continue;
            }
            let beta = -alpha.signum() * alpha.hypot(tail);
            tau[k] = (beta - alpha) / beta;
            let scale = 1.0 / (alpha - beta);
            col[k + 1..].iter_mut().for_each(|v| *v *= scale);
            col[k] = beta;
            for other in rest.chunks_exact_mut(n) {
                reflect(col, tau[k], k, other);
            }
        }
        let r = DMatrix::from_fn(p, p, |i, j| if i <= j { a[j * n + i] } else { 0.0 });
        Self { n, a, tau, r }
    }

    /// Applies reflector k to `b` in place.
    fn reflect(&self, k: usize, b: &mut [f64]) {
        reflect(&self.a[k * self.n..(k + 1) * self.n], self.tau[k], k, b);
    }

    /// The first p entries of Qᵀb.
    fn qt_head(&self, b: &[f64]) -> DVector<f64> {
        let mut w = b.to_vec();
        for k in 0..self.tau.len() {
            self.reflect(k, &mut w);
        }
        DVector::from_column_slice(&w[..self.tau.len()])
    }

    /// The n × p matrix Q₁ with X = Q₁R.
    fn thin_q(&self) -> DMatrix<f64> {
        let (n, p) = (self.n, self.tau.len());
        let mut q = DMatrix::zeros(n, p);
        for j in 0..p {
            let mut e = vec![0.0; n];
            e[j] = 1.0;
            for k in (0..p).rev() {
                self.reflect(k, &mut e);
            }
            q.column_mut(j).copy_from_slice(&e);
        }
        q
    }

    /// β = R⁻¹Q₁ᵀy, then iterative refinement β += R⁻¹Q₁ᵀ(y − Xβ) with the residual in
    /// compensated (double-double) arithmetic (Golub 1965; Higham 2002, §20.5). A step costs
    /// O(np) and recovers digits lost to ill-conditioning (NIST Longley, Wampler).
    /// Returns β and its residuals.
    fn refined_solution(
        &self,
        x: &DMatrix<f64>,
        y: &[f64],
    ) -> Result<(DVector<f64>, DVector<f64>), StatsError> {
        let solve = |b: DVector<f64>| {
            self.r
                .solve_upper_triangular(&b)
                .ok_or_else(|| StatsError::Invalid("triangular solve failed".into()))
        };
        let mut beta = solve(self.qt_head(y))?;
        let mut resid = residuals(x, y, &beta);
        for _ in 0..REFINE_STEPS {
            let delta = solve(self.qt_head(resid.as_slice()))?;
            beta += &delta;
            resid = residuals(x, y, &beta);
            // Converged when the correction is at the rounding level of β.
            if delta.amax() <= REFINE_TOL * beta.amax() {
                break;
            }
        }
        Ok((beta, resid))
    }
}

/// R's `summary.lm` rule: the residual variance `mse` (finite) is below
/// (mean(ŷ)² + var(ŷ))·[`PERFECT_FIT_TOL`], with ŷ = y − e the fitted values and var the
/// sample variance (n − 1).
fn essentially_perfect(y: &[f64], resid: &[f64], mse: f64) -> bool {
    let n = y.len() as f64;
    let fitted: Vec<f64> = y.iter().zip(resid).map(|(yi, ei)| yi - ei).collect();
    let mean = fitted.iter().sum::<f64>() / n;
    let var = fitted.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / (n - 1.0);
    mse.is_finite() && mse < (mean * mean + var) * PERFECT_FIT_TOL
}

/// Most refinement steps; one or two usually suffice.
const REFINE_STEPS: usize = 3;
/// Relative size of a correction that counts as rounding noise.
const REFINE_TOL: f64 = 4.0 * f64::EPSILON;

/// y − Xβ with each row's sum in double-double arithmetic (error-free products by FMA and
/// Knuth's TwoSum; Ogita, Rump & Oishi 2005), so the residual is accurate even when it is tiny
/// next to y. Column by column, to read X in its storage order.
fn residuals(x: &DMatrix<f64>, y: &[f64], beta: &DVector<f64>) -> DVector<f64> {
    let mut s = y.to_vec();
    let mut c = vec![0.0; y.len()];
    for (col, &b) in x.as_slice().chunks_exact(y.len()).zip(beta.iter()) {
        for ((si, ci), &xi) in s.iter_mut().zip(c.iter_mut()).zip(col) {
            let prod = -xi * b;
            let prod_err = (-xi).mul_add(b, -prod);
            let t = *si + prod;
            let bp = t - *si;
            *ci += (*si - (t - bp)) + (prod - bp) + prod_err;
            *si = t;
        }
    }
    DVector::from_iterator(y.len(), s.iter().zip(&c).map(|(si, ci)| si + ci))
}

/// b ← (I − τvvᵀ)b for the reflector stored in `col` (v_k = 1, v_i = col[i] for i > k).
fn reflect(col: &[f64], tau: f64, k: usize, b: &mut [f64]) {
    if tau == 0.0 {
        return;
    }
    let s = tau * (b[k] + dot2(&col[k + 1..], &b[k + 1..]));
    b[k] -= s;
    for (bi, vi) in b[k + 1..].iter_mut().zip(&col[k + 1..]) {
        *bi -= s * vi;
    }
}

/// Σ aᵢbᵢ in double-double arithmetic (Dot2 of Ogita, Rump & Oishi 2005): as accurate as if
/// computed in twice the working precision, then rounded.
fn dot2(a: &[f64], b: &[f64]) -> f64 {
    let (mut s, mut c) = (0.0_f64, 0.0_f64);
    for (&x, &y) in a.iter().zip(b) {
        let prod = x * y;
        let prod_err = x.mul_add(y, -prod);
        let t = s + prod;
        let bp = t - s;
        c += (s - (t - bp)) + (prod - bp) + prod_err;
        s = t;
    }
    s + c
}

/// Rejects a design whose column j lies (almost) in the span of the columns before it.
fn check_rank(x: &DMatrix<f64>, r: &DMatrix<f64>, names: &[String]) -> Result<(), StatsError> {
    for j in 0..x.ncols() {
        let norm = x.column(j).norm();
        let ratio = if norm > 0.0 {
            r[(j, j)].abs() / norm
        } else {
            0.0
        };
        if ratio < RANK_TOL {
            if norm == 0.0 {
                return Err(StatsError::ConstantColumn {
                    column: names[j].clone(),
                });
            }
            let others = if j == 0 {
                "nothing (it is all zero)".to_string()
            } else {
                names[..j]
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(StatsError::Collinear {
                column: names[j].clone(),
                others,
                ratio,
                tol: RANK_TOL,
            });
        }
    }
    Ok(())
}

/// Sandwich covariance R⁻¹ Qᵀ diag(ω) Q R⁻ᵀ for the chosen HC weights.
fn hc_cov(
    hc: HcType,
    q: &DMatrix<f64>,
    r_inv: &DMatrix<f64>,
    resid: &DVector<f64>,
) -> DMatrix<f64> {
    let (n, p) = q.shape();
    let mut wq = q.clone();
    for i in 0..n {
        let e2 = resid[i] * resid[i];
        let h = q.row(i).norm_squared();
        let omega = match hc {
            HcType::Hc0 => e2,
            HcType::Hc1 => e2 * n as f64 / (n - p) as f64,
            HcType::Hc2 => e2 / (1.0 - h),
            HcType::Hc3 => e2 / (1.0 - h).powi(2),
            HcType::Hc4 => e2 / (1.0 - h).powf((n as f64 * h / p as f64).min(4.0)),
        };
        wq.row_mut(i).scale_mut(omega);
    }
    let meat = q.transpose() * wq;
    r_inv * meat * r_inv.transpose()
}

/// Wald F for all coefficients from index `first` on; `None` when there are none.
fn wald_f(beta: &DVector<f64>, cov: &DMatrix<f64>, first: usize) -> Option<f64> {
    let q = beta.len() - first;
    if q == 0 {
        return None;
    }
    let b = beta.rows(first, q).into_owned();
    let v = cov.view((first, first), (q, q)).into_owned();
    let chol = v.cholesky()?;
    Some(b.dot(&chol.solve(&b)) / q as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle values: R `lm()` on the pmi data (tests/data/pmi.csv; see its README).
    #[test]
    fn pmi_reaction_model_matches_r_lm() {
        let d = crate::stats::testdata::pmi();
        let fit = OlsSpec::default()
            .fit(
                "reaction",
                &d.reaction,
                &[&d.cond, &d.import, &d.pmi],
                &["cond", "import", "pmi"],
            )
            .unwrap();
        let tol = 5e-7;
        assert!((fit.r2 - 0.325150).abs() < tol);
        assert!((fit.adj_r2 - 0.308137).abs() < tol);
        assert!((fit.f.unwrap() - 19.111808).abs() < 1e-5);
        assert!((fit.mse - 1.662839).abs() < 1e-6);
        let want = [
            (-0.149831, 0.529820),
            (0.103391, 0.239099),
            (0.324422, 0.070747),
            (0.396526, 0.092983),
        ];
        for (term, (b, se)) in fit.terms.iter().zip(want) {
            assert!((term.estimate - b).abs() < tol, "{term:?}");
            assert!((term.se - se).abs() < tol, "{term:?}");
        }
        assert_eq!((fit.df1, fit.df2, fit.n), (3, 119, 123));
    }

    #[test]
    fn collinear_and_constant_columns_are_named() {
        let y = [1.0, 2.0, 3.0, 5.0, 4.0];
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [2.0, 4.0, 6.0, 8.0, 10.0];
        let c = [3.0; 5];
        let err = OlsSpec::default()
            .fit("y", &y, &[&a, &b], &["a", "b"])
            .unwrap_err();
        assert!(
            matches!(err, StatsError::Collinear { ref column, .. } if column == "b"),
            "{err}"
        );
        let err = OlsSpec::default()
            .fit("y", &y, &[&a, &c], &["a", "c"])
            .unwrap_err();
        assert_eq!(err, StatsError::ConstantColumn { column: "c".into() });
        let err = OlsSpec::default()
            .fit("y", &y[..2], &[&a[..2]], &["a"])
            .unwrap_err();
        assert_eq!(err, StatsError::TooFewRows { n: 2, p: 2 });
    }

    /// Scaling a column by a power of two changes its coefficient and SE by exactly that
    /// factor and nothing else (the fit runs in scaled units); a regressor of size 1e300
    /// fits like the ordinary one instead of overflowing to NaN.
    #[test]
    fn column_scale_is_exact_and_extreme_magnitudes_fit() {
        let d = crate::stats::testdata::pmi();
        let fit = |cond: &[f64], spec: OlsSpec| {
            spec.fit("pmi", &d.pmi, &[cond, &d.import], &["cond", "import"])
                .unwrap()
        };
        for spec in [
            OlsSpec::default(),
            OlsSpec {
                hc: Some(HcType::Hc3),
                ..OlsSpec::default()
            },
        ] {
            let base = fit(&d.cond, spec);
            let two900: Vec<f64> = d.cond.iter().map(|v| v * 2f64.powi(900)).collect();
            let scaled = fit(&two900, spec);
            assert_eq!(
                scaled.terms[1].estimate,
                base.terms[1].estimate / 2f64.powi(900)
            );
            assert_eq!(scaled.terms[1].se, base.terms[1].se / 2f64.powi(900));
            assert_eq!(scaled.terms[2], base.terms[2]);
            assert_eq!(
                (scaled.r2, scaled.f, scaled.mse),
                (base.r2, base.f, base.mse)
            );
            let e300: Vec<f64> = d.cond.iter().map(|v| v * 1e300).collect();
            let big = fit(&e300, spec);
            let rel = |a: f64, b: f64| (a / b - 1.0).abs();
            assert!(rel(big.terms[1].estimate * 1e300, base.terms[1].estimate) < 1e-12);
            assert!(rel(big.terms[1].se * 1e300, base.terms[1].se) < 1e-12);
            assert!(rel(big.terms[2].estimate, base.terms[2].estimate) < 1e-12);
        }
    }

    #[test]
    fn an_unrepresentable_slope_is_an_overflow_error_naming_the_term() {
        let x = [1e-300, 2e-300, 3e-300, 4e-300, 5e-300];
        let y = [1e300, 3e300, 2e300, 5e300, 4e300];
        let err = OlsSpec::default().fit("y", &y, &[&x], &["x"]).unwrap_err();
        assert!(
            matches!(err, StatsError::Overflow { ref what } if what.contains("'x'")),
            "{err}"
        );
    }

    #[test]
    fn hc_f_uses_the_same_covariance_and_classical_f_matches_r2_form() {
        let d = crate::stats::testdata::pmi();
        let spec = OlsSpec::default();
        let fit = spec
            .fit("pmi", &d.pmi, &[&d.cond, &d.import], &["cond", "import"])
            .unwrap();
        let f_r2 = (fit.r2 / 2.0) / ((1.0 - fit.r2) / 120.0);
        assert!((fit.f.unwrap() - f_r2).abs() < 1e-9);
        let hc3 = OlsSpec {
            hc: Some(HcType::Hc3),
            ..spec
        };
        let fit3 = hc3
            .fit("pmi", &d.pmi, &[&d.cond, &d.import], &["cond", "import"])
            .unwrap();
        assert_eq!(fit3.terms[1].estimate, fit.terms[1].estimate);
        assert!(fit3.f.unwrap() != fit.f.unwrap());
    }

    #[test]
    fn essentially_perfect_fit_is_flagged_as_r_does() {
        // y = 2x + 1 exactly: R's summary.lm warns "essentially perfect fit".
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
        let fit = OlsSpec::default().fit("y", &y, &[&x], &["x"]).unwrap();
        assert_eq!(fit.warnings, [PERFECT_FIT_WARNING]);
        // Without an intercept too (y = 2x), and with HC standard errors.
        let y2: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let spec = OlsSpec {
            intercept: false,
            hc: Some(HcType::Hc3),
            ..OlsSpec::default()
        };
        let fit = spec.fit("y", &y2, &[&x], &["x"]).unwrap();
        assert_eq!(fit.warnings, [PERFECT_FIT_WARNING]);
        // An ordinary fit has no warning, and its JSON no `warnings` field.
        let d = crate::stats::testdata::pmi();
        let fit = OlsSpec::default()
            .fit("pmi", &d.pmi, &[&d.cond], &["cond"])
            .unwrap();
        assert!(fit.warnings.is_empty());
        let json = serde_json::to_value(&fit).unwrap();
        assert!(json.get("warnings").is_none());
        let back: OlsResult = serde_json::from_value(json).unwrap();
        assert!(back.warnings.is_empty());
        // A near-perfect but genuine fit (residuals of ±1e-6) is not flagged.
        let noisy: Vec<f64> = y
            .iter()
            .enumerate()
            .map(|(i, v)| v + if i % 2 == 0 { 1e-6 } else { -1e-6 })
            .collect();
        let fit = OlsSpec::default().fit("y", &noisy, &[&x], &["x"]).unwrap();
        assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
    }
}

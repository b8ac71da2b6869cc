//! Linear mixed model for repeated measures over waves, fitted by REML: time as a factor,
//! an unstructured covariance (MMRM; Mallinckrodt et al. 2008) or a random intercept
//! (compound symmetry), baseline covariates and an optional group (arm) with group × time.
//! Every participant with at least one observed wave contributes (valid under MAR).
//!
//! # Formula
//! Participant i has the observed waves oᵢ, outcome yᵢ and design Xᵢ; yᵢ ~ N(Xᵢβ, Vᵢ) with
//! Vᵢ = Σ(θ)[oᵢ, oᵢ]. Σ is linear in θ, Σ = Σ_r θ_r G_r:
//! - unstructured: θ = (σ_kl, k ≤ l), G_kl = E_kl + E_lk (E_kk on the diagonal);
//! - random intercept: θ = (σ²_between, σ²_within), G = (J, I).
//!
//! REML log-likelihood (Patterson & Thompson 1971; Harville 1977), Φ = (XᵀV⁻¹X)⁻¹,
//! β̂ = Φ XᵀV⁻¹y, r = y − Xβ̂, P = V⁻¹ − V⁻¹XΦXᵀV⁻¹:
//!   ℓ_R = −½[(N − p) ln 2π + Σᵢ ln|Vᵢ| + ln|XᵀV⁻¹X| + rᵀV⁻¹r].
//! Score s_r = −½ tr(P V_r) + ½ rᵀV⁻¹V_rV⁻¹r; expected information
//! I_rs = ½ tr(P V_r P V_s); observed information J_rs = −I_rs + rᵀV⁻¹V_r P V_sV⁻¹r
//! (V_r = ∂V/∂θ_r = G_r restricted to each participant's waves; ∂²V = 0).
//! Optimiser: Fisher scoring, then Newton once the observed information is positive
//! definite, with step halving that keeps Σ positive definite and ℓ_R non-decreasing.
//!
//! Every sum over participants is a sum over missingness patterns of pattern-level matrices
//! times sufficient statistics computed once (Σᵢ x_ia x_ibᵀ, Σᵢ x_ia y_ib, Σᵢ y_ia y_ib for
//! each pair of observed waves a, b), so an iteration costs nothing per participant.
//!
//! Inference for a linear combination lᵀβ (a coefficient, a marginal mean, a contrast):
//! - Satterthwaite (Satterthwaite 1946; as lmerTest, Kuznetsova et al. 2017):
//!   ν = 2(lᵀΦl)² / (gᵀ J⁻¹ g), g_r = ∂(lᵀΦl)/∂θ_r = lᵀΦ R_r Φl, R_r = XᵀV⁻¹V_rV⁻¹X;
//!   SE = √(lᵀΦl).
//! - Kenward–Roger (Kenward & Roger 1997; as pbkrtest, Halekoh & Højsgaard 2014):
//!   Φ_A = Φ + 2Φ[Σ_rs W_rs (Q_rs − R_r Φ R_s)]Φ, W = I⁻¹, Q_rs = XᵀV⁻¹V_rV⁻¹V_sV⁻¹X;
//!   SE = √(lᵀΦ_A l); for one contrast the KR df is ν = 2(lᵀΦl)² / (gᵀ W g) and the scaling
//!   λ is 1.
//!
//! Estimated marginal means (as emmeans): each wave (× group) cell with covariates at their
//! mean over the observations used. Contrasts: Tk − Tk−1 and Tk − T0 within each group, and
//! their differences between each group and the reference group (group × time).

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::dist;
use super::StatsError;

/// Covariance structure over waves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariance {
    /// One variance per wave and one covariance per pair of waves (MMRM).
    Unstructured,
    /// Random intercept per participant: compound symmetry.
    RandomIntercept,
}

impl Covariance {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Unstructured => "unstructured (a variance per wave, a covariance per pair)",
            Self::RandomIntercept => "random intercept (compound symmetry)",
        }
    }
}

/// Denominator degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DfMethod {
    Satterthwaite,
    KenwardRoger,
}

impl DfMethod {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Satterthwaite => "Satterthwaite",
            Self::KenwardRoger => "Kenward-Roger (adjusted covariance and df)",
        }
    }
}

/// One participant's data: baseline covariates, group and observed waves.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// Index into the levels of [`MixedData::group`] (0 without a group).
    pub group: usize,
    /// Baseline covariates, in the order of [`MixedData::covariates`].
    pub covariates: Vec<f64>,
    /// (wave index, outcome), waves ascending and distinct.
    pub obs: Vec<(usize, f64)>,
}

/// Long data reduced to participants.
#[derive(Debug, Clone, PartialEq)]
pub struct MixedData {
    pub outcome: String,
    /// Wave labels in time order; the first is the reference (baseline).
    pub waves: Vec<String>,
    /// Group name and its levels (the first is the reference), if any.
    pub group: Option<(String, Vec<String>)>,
    pub covariates: Vec<String>,
    pub subjects: Vec<Subject>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MixedSpec {
    pub covariance: Covariance,
    pub df: DfMethod,
    /// Confidence level (proportion).
    pub level: f64,
    pub max_iter: usize,
}

impl Default for MixedSpec {
    fn default() -> Self {
        Self {
            covariance: Covariance::Unstructured,
            df: DfMethod::Satterthwaite,
            level: 0.95,
            max_iter: 200,
        }
    }
}

/// A linear combination of the fixed effects with its test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub t: f64,
    pub p: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedEffect {
    pub term: String,
    #[serde(flatten)]
    pub est: Estimate,
}

/// Estimated marginal mean of one wave (in one group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarginalMean {
    pub wave: String,
    pub group: Option<String>,
    #[serde(flatten)]
    pub est: Estimate,
}

/// A change between waves within a group, or its difference between groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contrast {
    /// e.g. "T1 − T0".
    pub contrast: String,
    /// The group (within-group change), "B − A" (between groups), or None without a group.
    pub group: Option<String>,
    /// True for a between-group difference in change (group × time).
    pub interaction: bool,
    #[serde(flatten)]
    pub est: Estimate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveCount {
    pub wave: String,
    /// Participants observed at this wave.
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternCount {
    /// The waves observed, e.g. ["T0", "T1"].
    pub waves: Vec<String>,
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedResult {
    pub outcome: String,
    pub covariance: Covariance,
    pub df_method: DfMethod,
    pub level: f64,
    pub n_participants: usize,
    pub n_observations: usize,
    pub per_wave: Vec<WaveCount>,
    pub patterns: Vec<PatternCount>,
    pub converged: bool,
    pub iterations: usize,
    /// REML log-likelihood (lme4's REML criterion is −2 times this).
    pub reml_loglik: f64,
    /// Estimated covariance over waves, Σ (rows and columns in wave order).
    pub sigma: Vec<Vec<f64>>,
    /// Random intercept only: σ²_between and σ²_within.
    pub variance_components: Option<(f64, f64)>,
    pub fixed: Vec<FixedEffect>,
    pub means: Vec<MarginalMean>,
    pub contrasts: Vec<Contrast>,
    pub warnings: Vec<String>,
}

/// Fewest participants observed at each wave (and, for an unstructured covariance, at each
/// pair of waves).
pub const MIN_PER_WAVE: usize = 3;

/// Sufficient statistics of one missingness pattern.
struct Pattern {
    waves: Vec<usize>,
    count: usize,
    /// Σᵢ x_ia x_ibᵀ, index a·n + b.
    xx: Vec<DMatrix<f64>>,
    /// Σᵢ x_ia y_ib, index a·n + b.
    xy: Vec<DVector<f64>>,
    /// Σᵢ y_ia y_ib.
    yy: DMatrix<f64>,
}

impl Pattern {
    fn n(&self) -> usize {
        self.waves.len()
    }
    /// Σᵢ Xᵢᵀ M Xᵢ.
    fn xmx(&self, m: &DMatrix<f64>) -> DMatrix<f64> {
        let n = self.n();
        let p = self.xx[0].nrows();
        let mut out = DMatrix::zeros(p, p);
        for a in 0..n {
            for b in 0..n {
                out += &self.xx[a * n + b] * m[(a, b)];
            }
        }
        out
    }
    /// Σᵢ Xᵢᵀ M yᵢ.
    fn xmy(&self, m: &DMatrix<f64>) -> DVector<f64> {
        let n = self.n();
        let mut out = DVector::zeros(self.xy[0].len());
        for a in 0..n {
            for b in 0..n {
                out.axpy(m[(a, b)], &self.xy[a * n + b], 1.0);
            }
        }
        out
    }
    /// Σᵢ rᵢᵀ M rᵢ with rᵢ = yᵢ − Xᵢβ.
    fn rmr(&self, m: &DMatrix<f64>, beta: &DVector<f64>) -> f64 {
        let n = self.n();
        let mut s = 0.0;
        for a in 0..n {
            for b in 0..n {
                let rr =
                    self.yy[(a, b)] - beta.dot(&self.xy[a * n + b]) - beta.dot(&self.xy[b * n + a])
                        + (&self.xx[a * n + b] * beta).dot(beta);
                s += m[(a, b)] * rr;
            }
        }
        s
    }
    /// Σᵢ Xᵢᵀ M rᵢ.
    fn xmr(&self, m: &DMatrix<f64>, beta: &DVector<f64>) -> DVector<f64> {
        let n = self.n();
        let mut out = DVector::zeros(beta.len());
        for a in 0..n {
            for b in 0..n {
                let v = &self.xy[a * n + b] - &self.xx[a * n + b] * beta;
                out.axpy(m[(a, b)], &v, 1.0);
            }
        }
        out
    }
}

/// The design: column names and one row per (participant, wave).
struct Design {
    terms: Vec<String>,
    n_waves: usize,
    n_groups: usize,
    n_cov: usize,
}

impl Design {
    fn new(data: &MixedData) -> Self {
        let w = &data.waves;
        let mut terms = vec![super::ols::INTERCEPT.to_string()];
        terms.extend(w[1..].iter().map(|l| format!("time[{l}]")));
        let n_groups = data.group.as_ref().map_or(1, |(_, l)| l.len());
        if let Some((_, levels)) = &data.group {
            terms.extend(levels[1..].iter().map(|g| format!("group[{g}]")));
        }
        terms.extend(data.covariates.iter().cloned());
        if let Some((_, levels)) = &data.group {
            for g in &levels[1..] {
                for l in &w[1..] {
                    terms.push(format!("time[{l}]:group[{g}]"));
                }
            }
        }
        Self {
            terms,
            n_waves: w.len(),
            n_groups,
            n_cov: data.covariates.len(),
        }
    }
    fn p(&self) -> usize {
        self.terms.len()
    }
    /// Design row for wave `w`, group `g`, covariates `c` (R's treatment coding, R's order).
    fn row(&self, w: usize, g: usize, c: &[f64]) -> DVector<f64> {
        let mut x = DVector::zeros(self.p());
        x[0] = 1.0;
        let nw = self.n_waves - 1;
        let ng = self.n_groups - 1;
        if w > 0 {
            x[w] = 1.0;
        }
        if g > 0 {
            x[1 + nw + g - 1] = 1.0;
        }
        for (j, v) in c.iter().enumerate() {
            x[1 + nw + ng + j] = *v;
        }
        if w > 0 && g > 0 {
            x[1 + nw + ng + self.n_cov + (g - 1) * nw + (w - 1)] = 1.0;
        }
        x
    }
}

/// The parametrised covariance Σ(θ) = Σ_r θ_r G_r.
struct CovModel {
    kind: Covariance,
    t: usize,
    g: Vec<DMatrix<f64>>,
}

impl CovModel {
    fn new(kind: Covariance, t: usize) -> Self {
        let g = match kind {
            Covariance::Unstructured => {
                let mut g = Vec::new();
                for k in 0..t {
                    for l in k..t {
                        let mut m = DMatrix::zeros(t, t);
                        m[(k, l)] = 1.0;
                        m[(l, k)] = 1.0;
                        g.push(m);
                    }
                }
                g
            }
            Covariance::RandomIntercept => {
                vec![DMatrix::from_element(t, t, 1.0), DMatrix::identity(t, t)]
            }
        };
        Self { kind, t, g }
    }
    fn sigma(&self, theta: &[f64]) -> DMatrix<f64> {
        let mut s = DMatrix::zeros(self.t, self.t);
        for (th, g) in theta.iter().zip(&self.g) {
            s += g * *th;
        }
        s
    }
    /// θ from a covariance matrix (projected onto the structure).
    fn theta_from(&self, s: &DMatrix<f64>) -> Vec<f64> {
        match self.kind {
            Covariance::Unstructured => {
                let mut th = Vec::new();
                for k in 0..self.t {
                    for l in k..self.t {
                        th.push(s[(k, l)]);
                    }
                }
                th
            }
            Covariance::RandomIntercept => {
                let t = self.t as f64;
                let diag = s.diagonal().mean();
                let off = if self.t > 1 {
                    (s.sum() - s.trace()) / (t * (t - 1.0))
                } else {
                    0.0
                };
                let between = off.clamp(0.1 * diag, 0.9 * diag);
                vec![between, diag - between]
            }
        }
    }
    /// Admissible: Σ positive definite (and, for the random intercept, σ²_between ≥ 0).
    fn admissible(&self, theta: &[f64]) -> bool {
        if self.kind == Covariance::RandomIntercept && (theta[0] < 0.0 || theta[1] <= 0.0) {
            return false;
        }
        self.sigma(theta).cholesky().is_some()
    }
}

/// Pattern-level matrices at θ.
struct PatternMats {
    vinv: DMatrix<f64>,
    logdet: f64,
    /// V_r restricted to the pattern.
    vr: Vec<DMatrix<f64>>,
    /// V⁻¹V_rV⁻¹.
    b: Vec<DMatrix<f64>>,
}

/// Everything at one θ that the score, informations and inference need.
struct Eval {
    loglik: f64,
    beta: DVector<f64>,
    phi: DMatrix<f64>,
    score: DVector<f64>,
    expected: DMatrix<f64>,
    observed: DMatrix<f64>,
    /// R_r = XᵀV⁻¹V_rV⁻¹X.
    r: Vec<DMatrix<f64>>,
    /// Q_rs = XᵀV⁻¹V_rV⁻¹V_sV⁻¹X, index r·q + s.
    q: Vec<DMatrix<f64>>,
}

struct Fitter<'a> {
    patterns: &'a [Pattern],
    cov: &'a CovModel,
    n_obs: usize,
    p: usize,
    terms: &'a [String],
}

impl Fitter<'_> {
    fn pattern_mats(&self, sigma: &DMatrix<f64>, pat: &Pattern) -> Option<PatternMats> {
        let idx = &pat.waves;
        let v = sigma.select_rows(idx).select_columns(idx);
        let ch = v.cholesky()?;
        let logdet = 2.0 * ch.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
        let vinv = ch.inverse();
        let vr: Vec<DMatrix<f64>> = self
            .cov
            .g
            .iter()
            .map(|g| g.select_rows(idx).select_columns(idx))
            .collect();
        let b = vr.iter().map(|m| &vinv * m * &vinv).collect();
        Some(PatternMats {
            vinv,
            logdet,
            vr,
            b,
        })
    }

    /// GLS and the REML log-likelihood only (for step halving).
    fn loglik(&self, theta: &[f64]) -> Option<f64> {
        let sigma = self.cov.sigma(theta);
        let mats: Vec<PatternMats> = self
            .patterns
            .iter()
            .map(|p| self.pattern_mats(&sigma, p))
            .collect::<Option<_>>()?;
        let (_, _, ll, _) = self.gls(&mats).ok()?;
        Some(ll)
    }

    /// β̂, Φ, ℓ_R and the Cholesky log-determinant of XᵀV⁻¹X.
    fn gls(
        &self,
        mats: &[PatternMats],
    ) -> Result<(DVector<f64>, DMatrix<f64>, f64, f64), StatsError> {
        let p = self.p;
        let mut xvx = DMatrix::zeros(p, p);
        let mut xvy = DVector::zeros(p);
        for (pat, m) in self.patterns.iter().zip(mats) {
            xvx += pat.xmx(&m.vinv);
            xvy += pat.xmy(&m.vinv);
        }
        let ch = xvx
            .clone()
            .cholesky()
            .ok_or_else(|| self.rank_error(&xvx))?;
        let logdet_x = 2.0 * ch.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
        let beta = ch.solve(&xvy);
        let phi = ch.inverse();
        let mut quad = 0.0;
        let mut logdet_v = 0.0;
        for (pat, m) in self.patterns.iter().zip(mats) {
            quad += pat.rmr(&m.vinv, &beta);
            logdet_v += pat.count as f64 * m.logdet;
        }
        let ll = -0.5
            * ((self.n_obs - p) as f64 * (2.0 * std::f64::consts::PI).ln()
                + logdet_v
                + logdet_x
                + quad);
        Ok((beta, phi, ll, logdet_x))
    }

    /// Names the first term that is (nearly) a combination of the ones before it.
    fn rank_error(&self, xvx: &DMatrix<f64>) -> StatsError {
        for k in 1..=self.p {
            let sub = xvx.view((0, 0), (k, k)).into_owned();
            let ok = sub.clone().cholesky().is_some_and(|c| {
                let d = c.l().diagonal();
                let scale = sub.diagonal().max().max(f64::MIN_POSITIVE);
                d[k - 1] * d[k - 1] > 1e-10 * scale
            });
            if !ok {
                return StatsError::Invalid(format!(
                    "the fixed effect '{}' cannot be estimated: it is constant or a combination of the terms before it (e.g. a group with no observation at a wave, or a covariate that does not vary); drop it or merge levels",
                    self.terms[k - 1]
                ));
            }
        }
        StatsError::Invalid("the fixed-effects design is singular".into())
    }

    fn eval(&self, theta: &[f64]) -> Result<Eval, StatsError> {
        let sigma = self.cov.sigma(theta);
        let mats: Vec<PatternMats> = self
            .patterns
            .iter()
            .map(|p| self.pattern_mats(&sigma, p))
            .collect::<Option<_>>()
            .ok_or_else(not_pd)?;
        let (beta, phi, loglik, _) = self.gls(&mats)?;
        let nq = theta.len();
        let p = self.p;
        let mut r = vec![DMatrix::<f64>::zeros(p, p); nq];
        let mut q = vec![DMatrix::<f64>::zeros(p, p); nq * nq];
        let mut w = vec![DVector::<f64>::zeros(p); nq];
        let mut tr_v = DVector::<f64>::zeros(nq);
        let mut tr_vv = DMatrix::<f64>::zeros(nq, nq);
        let mut rbr = DVector::<f64>::zeros(nq);
        let mut rcr = DMatrix::<f64>::zeros(nq, nq);
        for (pat, m) in self.patterns.iter().zip(&mats) {
            let c = pat.count as f64;
            for a in 0..nq {
                r[a] += pat.xmx(&m.b[a]);
                w[a] += pat.xmr(&m.b[a], &beta);
                rbr[a] += pat.rmr(&m.b[a], &beta);
                tr_v[a] += c * (&m.vinv * &m.vr[a]).trace();
                for s in 0..nq {
                    let cm = &m.b[a] * &m.vr[s] * &m.vinv;
                    q[a * nq + s] += pat.xmx(&cm);
                    rcr[(a, s)] += pat.rmr(&cm, &beta);
                    tr_vv[(a, s)] += c * (&m.b[a] * &m.vr[s]).trace();
                }
            }
        }
        let mut score = DVector::<f64>::zeros(nq);
        let mut expected = DMatrix::<f64>::zeros(nq, nq);
        let mut observed = DMatrix::<f64>::zeros(nq, nq);
        let phir: Vec<DMatrix<f64>> = r.iter().map(|ra| &phi * ra).collect();
        for a in 0..nq {
            score[a] = -0.5 * (tr_v[a] - phir[a].trace()) + 0.5 * rbr[a];
            for s in 0..nq {
                let e: f64 = 0.5
                    * (tr_vv[(a, s)] - 2.0 * (&phi * &q[a * nq + s]).trace()
                        + (&phir[a] * &phir[s]).trace());
                expected[(a, s)] = e;
                observed[(a, s)] = -e + rcr[(a, s)] - w[a].dot(&(&phi * &w[s]));
            }
        }
        Ok(Eval {
            loglik,
            beta,
            phi,
            score,
            expected,
            observed,
            r,
            q,
        })
    }

    /// REML by Fisher scoring, switching to Newton near the optimum.
    fn optimise(
        &self,
        theta0: Vec<f64>,
        max_iter: usize,
    ) -> Result<(Vec<f64>, Eval, usize, bool), StatsError> {
        let mut theta = theta0;
        let mut ev = self.eval(&theta)?;
        let mut newton = false;
        for iter in 1..=max_iter {
            let info = if newton { &ev.observed } else { &ev.expected };
            let step = match info.clone().cholesky() {
                Some(ch) => ch.solve(&ev.score),
                None if newton => {
                    newton = false;
                    continue;
                }
                None => return Err(not_pd()),
            };
            let scale = theta.iter().fold(1e-300_f64, |m, v| m.max(v.abs()));
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..40 {
                let cand: Vec<f64> = theta
                    .iter()
                    .zip(step.iter())
                    .map(|(a, d)| a + t * d)
                    .collect();
                if self.cov.admissible(&cand) {
                    if let Some(ll) = self.loglik(&cand) {
                        if ll >= ev.loglik - 1e-10 * ev.loglik.abs().max(1.0) {
                            accepted = Some(cand);
                            break;
                        }
                    }
                }
                t *= 0.5;
            }
            let Some(cand) = accepted else {
                if newton {
                    newton = false;
                    continue;
                }
                return Ok((theta, ev, iter, false));
            };
            let change = step.amax() * t;
            theta = cand;
            ev = self.eval(&theta)?;
            if change <= 1e-11 * scale {
                return Ok((theta, ev, iter, true));
            }
            // Newton converges quadratically near the optimum; Fisher scoring is safer far away.
            newton = change < 1e-3 * scale && ev.observed.clone().cholesky().is_some();
        }
        Ok((theta, ev, max_iter, false))
    }
}

fn not_pd() -> StatsError {
    StatsError::Invalid(
        "the covariance over waves is not positive definite (two waves may be perfectly correlated, or a wave has no variance); try --covariance intercept"
            .into(),
    )
}

/// Inference for lᵀβ at the REML optimum.
struct Inference<'a> {
    ev: &'a Eval,
    /// Inverse of the information used for the df (observed: Satterthwaite; expected: KR).
    a: DMatrix<f64>,
    /// Covariance of β̂ used for the SE (Φ or the KR-adjusted Φ_A).
    vcov: DMatrix<f64>,
    level: f64,
}

impl<'a> Inference<'a> {
    fn new(ev: &'a Eval, method: DfMethod, level: f64) -> Result<Self, StatsError> {
        let info = match method {
            DfMethod::Satterthwaite => &ev.observed,
            DfMethod::KenwardRoger => &ev.expected,
        };
        let a = info.clone().try_inverse().ok_or_else(|| {
            StatsError::Invalid(
                "the information matrix of the covariance parameters is singular, so the degrees of freedom cannot be computed"
                    .into(),
            )
        })?;
        let vcov = match method {
            DfMethod::Satterthwaite => ev.phi.clone(),
            DfMethod::KenwardRoger => kr_adjusted(ev, &a),
        };
        Ok(Self { ev, a, vcov, level })
    }

    fn estimate(&self, l: &DVector<f64>) -> Estimate {
        let phi_l = &self.ev.phi * l;
        let v0 = l.dot(&phi_l);
        let g = DVector::from_iterator(
            self.ev.r.len(),
            self.ev.r.iter().map(|r| phi_l.dot(&(r * &phi_l))),
        );
        let df = 2.0 * v0 * v0 / g.dot(&(&self.a * &g));
        let est = l.dot(&self.ev.beta);
        let se = l.dot(&(&self.vcov * l)).max(0.0).sqrt();
        let t = est / se;
        let q = dist::t_quantile(0.5 + self.level / 2.0, df);
        Estimate {
            estimate: est,
            se,
            df,
            t,
            p: dist::t_two_sided(t, df),
            ci_low: est - q * se,
            ci_high: est + q * se,
        }
    }
}

/// Kenward–Roger adjusted covariance Φ_A = Φ + 2Φ[Σ_rs W_rs (Q_rs − R_r Φ R_s)]Φ.
fn kr_adjusted(ev: &Eval, w: &DMatrix<f64>) -> DMatrix<f64> {
    let nq = ev.r.len();
    let p = ev.phi.nrows();
    let mut u = DMatrix::zeros(p, p);
    for a in 0..nq {
        for s in 0..nq {
            let term = &ev.q[a * nq + s] - &ev.r[a] * &ev.phi * &ev.r[s];
            u += term * w[(a, s)];
        }
    }
    &ev.phi + (&ev.phi * u * &ev.phi) * 2.0
}

impl MixedSpec {
    pub fn fit(&self, data: &MixedData) -> Result<MixedResult, StatsError> {
        let t = data.waves.len();
        if t < 2 {
            return Err(StatsError::Invalid(format!(
                "{} wave(s) found; a model over waves needs at least two",
                t
            )));
        }
        let design = Design::new(data);
        let (patterns, n_obs, per_wave, y_mean) = build_patterns(data, &design)?;
        check_counts(data, self.covariance, &per_wave)?;
        let p = design.p();
        if n_obs <= p {
            return Err(StatsError::TooFewRows { n: n_obs, p });
        }
        let cov = CovModel::new(self.covariance, t);
        let fitter = Fitter {
            patterns: &patterns,
            cov: &cov,
            n_obs,
            p,
            terms: &design.terms,
        };
        let theta0 = start_values(&fitter, t)?;
        let (theta, ev, iterations, converged) = fitter.optimise(theta0, self.max_iter)?;
        let mut warnings = Vec::new();
        if !converged {
            warnings.push(format!(
                "REML did not converge in {iterations} iterations; the estimates may be inaccurate"
            ));
        }
        if self.covariance == Covariance::RandomIntercept && theta[0] < 1e-8 * theta[1] {
            warnings.push(
                "the between-participant variance is estimated at (nearly) zero (a boundary fit)"
                    .into(),
            );
        }
        let mut ev = ev;
        // The fit used y − ȳ (for numerical accuracy); the intercept carries ȳ back.
        ev.beta[0] += y_mean;
        let inf = Inference::new(&ev, self.df, self.level)?;
        let fixed = design
            .terms
            .iter()
            .enumerate()
            .map(|(j, term)| {
                let mut l = DVector::zeros(p);
                l[j] = 1.0;
                FixedEffect {
                    term: term.clone(),
                    est: inf.estimate(&l),
                }
            })
            .collect();
        let cov_means = covariate_means(data, n_obs);
        let (means, contrasts) = means_and_contrasts(data, &design, &cov_means, &inf);
        let sigma = cov.sigma(&theta);
        Ok(MixedResult {
            outcome: data.outcome.clone(),
            covariance: self.covariance,
            df_method: self.df,
            level: self.level,
            n_participants: data.subjects.iter().filter(|s| !s.obs.is_empty()).count(),
            n_observations: n_obs,
            per_wave: data
                .waves
                .iter()
                .zip(&per_wave)
                .map(|(w, n)| WaveCount {
                    wave: w.clone(),
                    n: *n,
                })
                .collect(),
            patterns: patterns
                .iter()
                .map(|pt| PatternCount {
                    waves: pt.waves.iter().map(|w| data.waves[*w].clone()).collect(),
                    n: pt.count,
                })
                .collect(),
            converged,
            iterations,
            reml_loglik: ev.loglik,
            sigma: (0..t)
                .map(|i| (0..t).map(|j| sigma[(i, j)]).collect())
                .collect(),
            variance_components: (self.covariance == Covariance::RandomIntercept)
                .then(|| (theta[0], theta[1])),
            fixed,
            means,
            contrasts,
            warnings,
        })
    }
}

type Built = (Vec<Pattern>, usize, Vec<usize>, f64);

/// Groups participants by missingness pattern and accumulates the sufficient statistics
/// (outcome centred at its mean).
fn build_patterns(data: &MixedData, design: &Design) -> Result<Built, StatsError> {
    let t = data.waves.len();
    let mut n_obs = 0;
    let mut sum = 0.0;
    let mut per_wave = vec![0; t];
    for s in &data.subjects {
        if s.covariates.len() != data.covariates.len()
            || s.covariates.iter().any(|v| !v.is_finite())
        {
            return Err(StatsError::NonFinite {
                what: "a covariate".into(),
            });
        }
        for (w, y) in &s.obs {
            if *w >= t || !y.is_finite() {
                return Err(StatsError::NonFinite {
                    what: format!("the outcome '{}'", data.outcome),
                });
            }
            n_obs += 1;
            sum += y;
            per_wave[*w] += 1;
        }
    }
    if n_obs == 0 {
        return Err(StatsError::Invalid("no observed outcome".into()));
    }
    let y_mean = sum / n_obs as f64;
    let p = design.p();
    let mut map: BTreeMap<Vec<usize>, Pattern> = BTreeMap::new();
    for s in data.subjects.iter().filter(|s| !s.obs.is_empty()) {
        let waves: Vec<usize> = s.obs.iter().map(|o| o.0).collect();
        let n = waves.len();
        let pat = map.entry(waves.clone()).or_insert_with(|| Pattern {
            waves,
            count: 0,
            xx: vec![DMatrix::zeros(p, p); n * n],
            xy: vec![DVector::zeros(p); n * n],
            yy: DMatrix::zeros(n, n),
        });
        pat.count += 1;
        let rows: Vec<DVector<f64>> = s
            .obs
            .iter()
            .map(|(w, _)| design.row(*w, s.group, &s.covariates))
            .collect();
        let ys: Vec<f64> = s.obs.iter().map(|(_, y)| y - y_mean).collect();
        for a in 0..n {
            for b in 0..n {
                pat.xx[a * n + b].ger(1.0, &rows[a], &rows[b], 1.0);
                pat.xy[a * n + b].axpy(ys[b], &rows[a], 1.0);
                pat.yy[(a, b)] += ys[a] * ys[b];
            }
        }
    }
    // Longest patterns first (complete cases lead), then by waves: a stable order.
    let mut patterns: Vec<Pattern> = map.into_values().collect();
    patterns.sort_by(|a, b| b.n().cmp(&a.n()).then_with(|| a.waves.cmp(&b.waves)));
    Ok((patterns, n_obs, per_wave, y_mean))
}

fn check_counts(data: &MixedData, cov: Covariance, per_wave: &[usize]) -> Result<(), StatsError> {
    for (w, n) in data.waves.iter().zip(per_wave) {
        if *n < MIN_PER_WAVE {
            return Err(StatsError::Invalid(format!(
                "wave {w} has {n} observed value(s) of '{}'; each wave needs at least {MIN_PER_WAVE} participants",
                data.outcome
            )));
        }
    }
    if cov == Covariance::Unstructured {
        let t = data.waves.len();
        for k in 0..t {
            for l in k + 1..t {
                let both = data
                    .subjects
                    .iter()
                    .filter(|s| s.obs.iter().any(|o| o.0 == k) && s.obs.iter().any(|o| o.0 == l))
                    .count();
                if both < MIN_PER_WAVE {
                    return Err(StatsError::Invalid(format!(
                        "only {both} participant(s) observed at both {} and {}; an unstructured covariance needs at least {MIN_PER_WAVE} per pair of waves (use --covariance intercept)",
                        data.waves[k], data.waves[l]
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Start: OLS residual covariances over the available pairs, projected onto the structure.
fn start_values(f: &Fitter, t: usize) -> Result<Vec<f64>, StatsError> {
    let ident: Vec<PatternMats> = f
        .patterns
        .iter()
        .map(|p| f.pattern_mats(&DMatrix::identity(t, t), p))
        .collect::<Option<_>>()
        .ok_or_else(not_pd)?;
    let (beta, _, _, _) = f.gls(&ident)?;
    let mut s = DMatrix::zeros(t, t);
    let mut n = DMatrix::<f64>::zeros(t, t);
    for pat in f.patterns {
        let k = pat.n();
        for a in 0..k {
            for b in 0..k {
                let mut e = DMatrix::zeros(k, k);
                e[(a, b)] = 1.0;
                s[(pat.waves[a], pat.waves[b])] += pat.rmr(&e, &beta);
                n[(pat.waves[a], pat.waves[b])] += pat.count as f64;
            }
        }
    }
    let mut s0 = s.component_div(&n.map(|v| v.max(1.0)));
    if s0.clone().cholesky().is_none() {
        s0 = DMatrix::from_diagonal(&s0.diagonal());
    }
    if s0.diagonal().iter().any(|v| *v <= 0.0) {
        return Err(StatsError::Invalid(
            "the outcome does not vary at some wave after the fixed effects".into(),
        ));
    }
    Ok(f.cov.theta_from(&s0))
}

/// Covariate means over the observations used (emmeans' reference grid).
fn covariate_means(data: &MixedData, n_obs: usize) -> Vec<f64> {
    let mut m = vec![0.0; data.covariates.len()];
    for s in &data.subjects {
        for (j, v) in s.covariates.iter().enumerate() {
            m[j] += v * s.obs.len() as f64;
        }
    }
    m.iter().map(|v| v / n_obs as f64).collect()
}

/// Changes reported: Tk − Tk−1 for every k ≥ 1, then Tk − T0 for k ≥ 2.
fn change_pairs(t: usize) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = (1..t).map(|k| (k, k - 1)).collect();
    v.extend((2..t).map(|k| (k, 0)));
    v
}

fn means_and_contrasts(
    data: &MixedData,
    design: &Design,
    cov_means: &[f64],
    inf: &Inference,
) -> (Vec<MarginalMean>, Vec<Contrast>) {
    let levels: Vec<Option<String>> = match &data.group {
        Some((_, l)) => l.iter().cloned().map(Some).collect(),
        None => vec![None],
    };
    let t = data.waves.len();
    let cell = |w: usize, g: usize| design.row(w, g, cov_means);
    let mut means = Vec::new();
    for (g, level) in levels.iter().enumerate() {
        for w in 0..t {
            means.push(MarginalMean {
                wave: data.waves[w].clone(),
                group: level.clone(),
                est: inf.estimate(&cell(w, g)),
            });
        }
    }
    let label = |(a, b): (usize, usize)| format!("{} − {}", data.waves[a], data.waves[b]);
    let mut contrasts = Vec::new();
    for (g, level) in levels.iter().enumerate() {
        for pair in change_pairs(t) {
            contrasts.push(Contrast {
                contrast: label(pair),
                group: level.clone(),
                interaction: false,
                est: inf.estimate(&(cell(pair.0, g) - cell(pair.1, g))),
            });
        }
    }
    for g in 1..levels.len() {
        for pair in change_pairs(t) {
            let l = (cell(pair.0, g) - cell(pair.1, g)) - (cell(pair.0, 0) - cell(pair.1, 0));
            contrasts.push(Contrast {
                contrast: label(pair),
                group: Some(format!(
                    "{} − {}",
                    levels[g].as_deref().unwrap_or(""),
                    levels[0].as_deref().unwrap_or("")
                )),
                interaction: true,
                est: inf.estimate(&l),
            });
        }
    }
    (means, contrasts)
}

//! Paired change between two waves, on the participants observed at both.
//!
//! With aᵢ the earlier and bᵢ the later score and dᵢ = bᵢ − aᵢ (n pairs):
//! - paired t (Student 1908): t = d̄ / (s_d/√n), n − 1 df; CI d̄ ± t_{(1+L)/2, n−1}·s_d/√n.
//! - Wilcoxon signed-rank (Wilcoxon 1945), exactly as R's `wilcox.test(b, a, paired = TRUE)`:
//!   zeros dropped, V = sum of the ranks of |dᵢ| over dᵢ > 0 (mid-ranks for ties); exact p
//!   from the signed-rank distribution when fewer than 50 non-zero differences remain and
//!   there are no ties and no zeros, otherwise the normal approximation
//!   z = (V − m(m+1)/4 − ½·sign) / √(m(m+1)(2m+1)/24 − Σ(tⱼ³ − tⱼ)/48).
//!   Ties and zeros are decided with a tolerance, not by exact floating-point equality (see
//!   [`TIE_RTOL`]): a scale mean computed in another order can differ from a mathematically
//!   equal one in its last bit, which would otherwise break a tie, or a zero, by chance.
//! - Cohen's d_z = d̄ / s_d and d_av = d̄ / ((s_a + s_b)/2) (Lakens 2013). Their CIs invert
//!   the noncentral t (Steiger & Fouladi 1997): find δ_L, δ_U with
//!   P(T_{n−1}(δ_L) ≤ t) = (1+L)/2 and P(T_{n−1}(δ_U) ≤ t) = (1−L)/2; then
//!   d_z ∈ δ/√n and d_av ∈ δ·s_d/(√n·s_av).
//! - Holm (1979) step-down adjustment, as R's `p.adjust(p, "holm")`.
//! - Residualised change: residuals of the OLS regression of the later on the earlier score.
//!
//! Validated against R 4.2.2 (`t.test`, `wilcox.test`, `pt(q, df, ncp)`, `psignrank`,
//! `p.adjust`, `lm`): tests/reference/stats/change.R and residualised.R.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::beta::beta_reg;
use statrs::function::gamma::ln_gamma;

use super::descriptives::{mean, sd};
use super::ols::OlsSpec;
use super::{dist, StatsError};

/// Relative tolerance for ties and zeros among the paired differences in the Wilcoxon test.
///
/// With S = max(1, largest |score| of the pairs), two differences are tied when their absolute
/// values differ by at most `TIE_RTOL`·S, and a difference is zero when its absolute value is
/// at most `TIE_RTOL`·S. One rule serves the zeros, the ranks, the tie correction and the
/// choice between the exact and the normal p.
///
/// Why 1e-9 and why relative to the scores: a difference b − a of scores of magnitude ≤ S
/// (each a mean of at most a few hundred items) carries a rounding error of at most a few
/// hundred ulp(S) ≈ 1e-13·S, far below the tolerance; and differences that are genuinely
/// distinct are much further apart, since survey scale means of k integer-scored items move in
/// steps of 1/k. The floor S ≥ 1 keeps the tolerance meaningful for scores near zero.
pub const TIE_RTOL: f64 = 1e-9;

/// Which p-value the Wilcoxon test reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WilcoxonMethod {
    /// Exact signed-rank distribution (fewer than 50 non-zero differences, no ties, no zeros;
    /// ties and zeros within [`TIE_RTOL`]).
    Exact,
    /// Normal approximation with continuity and tie correction.
    Normal,
}

/// A paired comparison between two waves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedComparison {
    /// Pairs observed at both waves.
    pub n: usize,
    /// Cases without a score at both waves (left out).
    pub n_excluded: usize,
    pub level: f64,
    pub mean_from: f64,
    pub mean_to: f64,
    pub sd_from: f64,
    pub sd_to: f64,
    /// Mean of (to − from).
    pub mean_change: f64,
    pub sd_change: f64,
    pub change_ci: [f64; 2],
    pub t: f64,
    pub df: f64,
    pub p_t: f64,
    /// Wilcoxon V: sum of the ranks of the positive changes.
    pub v: f64,
    pub p_wilcoxon: f64,
    pub wilcoxon_method: WilcoxonMethod,
    /// Changes that are zero within [`TIE_RTOL`] (dropped by the Wilcoxon test).
    pub n_zero: usize,
    pub d_z: f64,
    pub d_z_ci: [f64; 2],
    pub d_av: f64,
    pub d_av_ci: [f64; 2],
}

/// Compares `to` with `from` on the cases observed at both (same case order in both slices).
pub fn paired(
    from: &[Option<f64>],
    to: &[Option<f64>],
    level: f64,
) -> Result<PairedComparison, StatsError> {
    check_level(level)?;
    if from.len() != to.len() {
        return Err(StatsError::Invalid(format!(
            "paired comparison needs equal lengths ({} vs {})",
            from.len(),
            to.len()
        )));
    }
    let (a, b): (Vec<f64>, Vec<f64>) = from
        .iter()
        .zip(to)
        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
        .unzip();
    if a.iter().chain(&b).any(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite {
            what: "a paired score".into(),
        });
    }
    let n = a.len();
    if n < 3 {
        return Err(StatsError::TooFewRows { n, p: 2 });
    }
    let diff: Vec<f64> = b.iter().zip(&a).map(|(y, x)| y - x).collect();
    let (mean_change, sd_change) = (mean(&diff), sd(&diff));
    if sd_change == 0.0 {
        return Err(StatsError::ConstantColumn {
            column: "change".into(),
        });
    }
    let df = (n - 1) as f64;
    let se = sd_change / (n as f64).sqrt();
    let t = mean_change / se;
    let tcrit = dist::t_quantile(0.5 + level / 2.0, df);
    let scale = a.iter().chain(&b).fold(1.0_f64, |s, v| s.max(v.abs()));
    let wilcoxon = signed_rank(&diff, scale);
    if wilcoxon.n_zero == n {
        // Every change is zero within the tie tolerance: nothing to test.
        return Err(StatsError::ConstantColumn {
            column: "change".into(),
        });
    }
    let (sd_from, sd_to) = (sd(&a), sd(&b));
    let s_av = (sd_from + sd_to) / 2.0;
    let q = (1.0 - level) / 2.0;
    let ncp = [ncp_for(t, df, 1.0 - q)?, ncp_for(t, df, q)?];
    let root_n = (n as f64).sqrt();
    super::check_finite(
        "the paired comparison",
        &[
            mean_change,
            sd_change,
            t,
            tcrit * se,
            sd_from,
            sd_to,
            s_av,
            ncp[0],
            ncp[1],
        ],
    )?;
    Ok(PairedComparison {
        n,
        n_excluded: from.len() - n,
        level,
        mean_from: mean(&a),
        mean_to: mean(&b),
        sd_from,
        sd_to,
        mean_change,
        sd_change,
        change_ci: [mean_change - tcrit * se, mean_change + tcrit * se],
        t,
        df,
        p_t: dist::t_two_sided(t, df),
        v: wilcoxon.v,
        p_wilcoxon: wilcoxon.p,
        wilcoxon_method: wilcoxon.method,
        n_zero: wilcoxon.n_zero,
        d_z: mean_change / sd_change,
        d_z_ci: ncp.map(|d| d / root_n),
        d_av: mean_change / s_av,
        d_av_ci: ncp.map(|d| d * sd_change / (root_n * s_av)),
    })
}

fn check_level(level: f64) -> Result<(), StatsError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::Invalid(format!(
            "confidence level must lie strictly between 0 and 1, got {level}"
        )))
    }
}

/// Wilcoxon signed-rank test on the differences.
struct SignedRank {
    v: f64,
    p: f64,
    method: WilcoxonMethod,
    n_zero: usize,
}

/// Two-sided signed-rank test of the differences `d`, as R's `wilcox.test` (R 4.x,
/// `exact = NULL`, `correct = TRUE`), except that zeros and ties are decided within
/// `TIE_RTOL`·`scale` (`scale`: the largest |score| of the pairs, at least 1) instead of
/// exactly. Needs at least one non-zero difference.
fn signed_rank(d: &[f64], scale: f64) -> SignedRank {
    let tol = TIE_RTOL * scale.max(1.0);
    let nz: Vec<f64> = d.iter().copied().filter(|x| x.abs() > tol).collect();
    let n_zero = d.len() - nz.len();
    let m = nz.len();
    let abs: Vec<f64> = nz.iter().map(|x| x.abs()).collect();
    let (ranks, tie_sizes) = mid_ranks(&abs, tol);
    let v: f64 = ranks
        .iter()
        .zip(&nz)
        .filter(|(_, x)| **x > 0.0)
        .map(|(r, _)| r)
        .sum();
    let mf = m as f64;
    let ties = tie_sizes.iter().any(|t| *t > 1);
    if m < 50 && !ties && n_zero == 0 {
        // R: v > m(m+1)/4 ? psignrank(v − 1, m, lower = FALSE) : psignrank(v, m); p = min(2p, 1).
        let p = if v > mf * (mf + 1.0) / 4.0 {
            signrank_upper(v, m)
        } else {
            signrank_cdf(v, m)
        };
        return SignedRank {
            v,
            p: (2.0 * p).min(1.0),
            method: WilcoxonMethod::Exact,
            n_zero,
        };
    }
    let z0 = v - mf * (mf + 1.0) / 4.0;
    let tie_term: f64 = tie_sizes
        .iter()
        .map(|&t| (t as f64).powi(3) - t as f64)
        .sum();
    let sigma = (mf * (mf + 1.0) * (2.0 * mf + 1.0) / 24.0 - tie_term / 48.0).sqrt();
    let z = (z0 - 0.5 * sign(z0)) / sigma;
    let normal = Normal::standard();
    let p = 2.0 * normal.cdf(z).min(normal.cdf(-z));
    SignedRank {
        v,
        p,
        method: WilcoxonMethod::Normal,
        n_zero,
    }
}

/// R's `sign`: 0 at 0.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Mid-ranks (1-based, ties share the mean rank, as R's `rank`) and the size of each tie
/// group. Values are tied when they lie within `tol` of the smallest value of their group
/// (in sorted order, a value opens a new group when it exceeds the group's first value by
/// more than `tol`), so a group never spans more than `tol` and no chain of near-ties merges
/// distinct values. With `tol` = 0 this is R ≥ 4.0's exact equality (`digits.rank = Inf`).
fn mid_ranks(x: &[f64], tol: f64) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
    let mut ranks = vec![0.0; x.len()];
    let mut sizes = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && x[order[end]] - x[order[start]] <= tol {
            end += 1;
        }
        let rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        sizes.push(end - start);
        start = end;
    }
    (ranks, sizes)
}

/// Number of subsets of {1, …, n} with each sum 0..=n(n+1)/2 (the signed-rank counts of
/// R's `csignrank`). Exact in f64 for n < 53, since every count is below 2ⁿ.
fn signrank_counts(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0; max + 1];
    counts[0] = 1.0;
    for k in 1..=n {
        let top = k * (k + 1) / 2;
        for s in (k..=top).rev() {
            counts[s] += counts[s - k];
        }
    }
    counts
}

/// P(V ≤ q) for the signed-rank statistic with n non-zero differences (R's `psignrank`).
fn signrank_cdf(q: f64, n: usize) -> f64 {
    let max = n * (n + 1) / 2;
    // R rounds q + 1e-7 down to an integer, so a q computed as 26.9999999 counts as 27.
    let q = (q + 1e-7).floor();
    if q < 0.0 {
        return 0.0;
    }
    if q >= max as f64 {
        return 1.0;
    }
    let counts = signrank_counts(n);
    let scale = (-(n as f64) * std::f64::consts::LN_2).exp();
    let q = q as usize;
    // Sum the shorter tail so a small probability keeps its relative precision (as R).
    if 4 * q <= max {
        counts[..=q].iter().sum::<f64>() * scale
    } else {
        1.0 - counts[..max - q].iter().sum::<f64>() * scale
    }
}

/// P(V ≥ v) = P(V ≤ n(n+1)/2 − v) by the symmetry of the signed-rank distribution.
fn signrank_upper(v: f64, n: usize) -> f64 {
    signrank_cdf((n * (n + 1) / 2) as f64 - v, n)
}

/// Holm's (1979) step-down adjusted p-values, as R's `p.adjust(p, "holm")`: with the m
/// non-missing p sorted ascending, p̃₍ᵢ₎ = min(1, maxⱼ≤ᵢ (m − j + 1)·p₍ⱼ₎).
/// NaN marks a missing p: it stays NaN and does not count towards m.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    // Stable sort: ties keep their input order, as R's `order`.
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 0.0_f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max((m - rank) as f64 * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

/// Residuals of the OLS regression `to ~ from` (with intercept), in input order: the part
/// of the later score not predicted by the earlier one (residualised change).
pub fn residualised_change(from: &[f64], to: &[f64]) -> Result<Vec<f64>, StatsError> {
    if from.len() != to.len() {
        return Err(StatsError::Invalid(format!(
            "residualised change needs equal lengths ({} vs {})",
            from.len(),
            to.len()
        )));
    }
    let fit = OlsSpec::default().fit("to", to, &[from], &["from"])?;
    let b0 = fit.terms[0].estimate;
    let b1 = fit.terms[1].estimate;
    Ok(to
        .iter()
        .zip(from)
        .map(|(y, x)| y - (b0 + b1 * x))
        .collect())
}

/// Noncentrality δ with P(T_df(δ) ≤ t) = prob. The cdf falls in δ, so the root is unique;
/// it is bracketed by stepping out from t ± 10 and then bisected to machine precision.
fn ncp_for(t: f64, df: f64, prob: f64) -> Result<f64, StatsError> {
    let f = |ncp: f64| noncentral_t_cdf(t, df, ncp) - prob;
    let (mut lo, mut hi) = (t - 10.0, t + 10.0);
    let mut steps = 0;
    while f(lo) < 0.0 || f(hi) > 0.0 {
        if f(lo) < 0.0 {
            lo -= 10.0;
        }
        if f(hi) > 0.0 {
            hi += 10.0;
        }
        steps += 1;
        if steps > 100 {
            return Err(StatsError::Invalid(format!(
                "no noncentrality parameter found for t = {t}, df = {df}"
            )));
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// Cdf of the noncentral t distribution, P(T ≤ t) with `df` degrees of freedom and
/// noncentrality `ncp`.
///
/// Algorithm AS 243 (Lenth 1989, Appl. Statist. 38:185–189) with the refinements of R's
/// `pnt` (R 4.2, nmath/pnt.c), which this ports line by line so results agree with
/// `pt(t, df, ncp)`: for t ≥ 0, F(t) = Φ(−δ) + Σⱼ (pⱼ·I_x(j + ½, ν/2) + qⱼ·I_x(j + 1, ν/2))
/// with x = t²/(t² + ν), pⱼ, qⱼ Poisson weights in δ²/2 (Guenther 1978's twin series);
/// for t < 0, F(t) = 1 − F(−t; −δ). Beyond df > 4·10⁵ or δ² > 2·ln2·1021 it uses the
/// normal approximation of Abramowitz & Stegun 26.7.10, as R does.
pub fn noncentral_t_cdf(t: f64, df: f64, ncp: f64) -> f64 {
    const ITRMAX: usize = 1000;
    const ERRMAX: f64 = 1e-12;
    if df.is_nan() || df <= 0.0 || t.is_nan() || ncp.is_nan() {
        return f64::NAN;
    }
    if ncp == 0.0 {
        return central_t_cdf(t, df);
    }
    if t.is_infinite() {
        return if t < 0.0 { 0.0 } else { 1.0 };
    }
    let (negdel, tt, del) = if t >= 0.0 {
        (false, t, ncp)
    } else {
        if ncp > 40.0 {
            return 0.0;
        }
        (true, -t, -ncp)
    };
    let normal = Normal::standard();
    // DBL_MIN_EXP = −1021.
    if df > 4e5 || del * del > 2.0 * std::f64::consts::LN_2 * 1021.0 {
        let s = 1.0 / (4.0 * df);
        let z = (tt * (1.0 - s) - del) / (1.0 + tt * tt * 2.0 * s).sqrt();
        return if negdel {
            normal.cdf(-z)
        } else {
            normal.cdf(z)
        };
    }
    let mut tnc = 0.0;
    let x0 = t * t;
    let rxb0 = df / (x0 + df); // 1 − x, computed without cancellation
    let x = x0 / (x0 + df);
    if x > 0.0 {
        let lambda = del * del;
        let mut p = 0.5 * (-0.5 * lambda).exp();
        if p == 0.0 {
            // Underflow; unreachable given the δ² bound above, kept as in R.
            return if negdel { 1.0 } else { 0.0 };
        }
        let mut q = (2.0 / std::f64::consts::PI).sqrt() * p * del;
        let mut s = 0.5 - p;
        if s < 1e-7 {
            s = -0.5 * (-0.5 * lambda).exp_m1();
        }
        let mut a = 0.5;
        let b = 0.5 * df;
        let rxb = rxb0.powf(b);
        let albeta = 0.5 * std::f64::consts::PI.ln() + ln_gamma(b) - ln_gamma(0.5 + b);
        let mut xodd = beta_reg(a, b, x);
        let mut godd = 2.0 * rxb * (a * x.ln() - albeta).exp();
        let tnc0 = b * x;
        let mut xeven = if tnc0 < f64::EPSILON { tnc0 } else { 1.0 - rxb };
        let mut geven = tnc0 * rxb;
        tnc = p * xodd + q * xeven;
        for it in 1..=ITRMAX {
            a += 1.0;
            xodd -= godd;
            xeven -= geven;
            godd *= x * (a + b - 1.0) / a;
            geven *= x * (a + b - 0.5) / (a + 0.5);
            p *= lambda / (2 * it) as f64;
            q *= lambda / (2 * it + 1) as f64;
            tnc += p * xodd + q * xeven;
            s -= p;
            if s < -1e-10 || (s <= 0.0 && it > 1) {
                break;
            }
            let errbd = 2.0 * s * (xodd - godd);
            if errbd.abs() < ERRMAX {
                break;
            }
        }
    }
    tnc += normal.cdf(-del);
    let tnc = tnc.min(1.0);
    if negdel {
        1.0 - tnc
    } else {
        tnc
    }
}

/// Central t cdf through the incomplete beta (A&S 26.7.1), accurate in both tails.
fn central_t_cdf(t: f64, df: f64) -> f64 {
    if t.is_infinite() {
        return if t < 0.0 { 0.0 } else { 1.0 };
    }
    let tail = 0.5 * dist::t_two_sided(t, df);
    if t < 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Closed-form quantities (means, t, p, exact/normal Wilcoxon, Holm).
    const CLOSED_FORM_TOL: f64 = 1e-8;
    /// R writes 15 significant digits and stops `uniroot` at tol = 1e-14 in the ncp,
    /// so the d CIs (root of a series) are compared a little looser.
    const NCP_CI_TOL: f64 = 1e-8;
    /// AS 243 stops its series at an error bound of 1e-12 (absolute, in probability).
    const PNT_ABS_TOL: f64 = 1e-11;

    fn reference() -> Value {
        serde_json::from_str(include_str!("../../tests/reference/stats/change.json")).unwrap()
    }

    /// The columns of change_waves.csv, by name (NA → None).
    fn waves() -> Vec<(String, Vec<Option<f64>>)> {
        crate::stats::testdata::named_columns(include_str!(
            "../../tests/reference/stats/change_waves.csv"
        ))
    }

    fn column(name: &str) -> Vec<Option<f64>> {
        waves().into_iter().find(|(n, _)| n == name).unwrap().1
    }

    fn close(actual: f64, expected: f64, tol: f64, what: &str) {
        let scale = expected.abs().max(1e-300);
        assert!(
            (actual - expected).abs() <= tol * scale,
            "{what}: got {actual:e}, R {expected:e}"
        );
    }

    fn num(v: &Value) -> f64 {
        v.as_f64().unwrap()
    }

    fn pair(v: &Value) -> [f64; 2] {
        [num(&v[0]), num(&v[1])]
    }

    fn check(key: &str, r: &Value, got: &PairedComparison) {
        assert_eq!(got.n as u64, r["n"].as_u64().unwrap(), "{key} n");
        for (name, actual) in [
            ("mean_from", got.mean_from),
            ("mean_to", got.mean_to),
            ("sd_from", got.sd_from),
            ("sd_to", got.sd_to),
            ("mean_change", got.mean_change),
            ("sd_change", got.sd_change),
            ("t", got.t),
            ("df", got.df),
            ("p_t", got.p_t),
            ("v", got.v),
            ("p_wilcoxon", got.p_wilcoxon),
            ("d_z", got.d_z),
            ("d_av", got.d_av),
        ] {
            close(
                actual,
                num(&r[name]),
                CLOSED_FORM_TOL,
                &format!("{key} {name}"),
            );
        }
        let exact = r["wilcoxon_exact"].as_bool().unwrap();
        assert_eq!(got.wilcoxon_method == WilcoxonMethod::Exact, exact, "{key}");
        for (name, actual, tol) in [
            ("change_ci", got.change_ci, CLOSED_FORM_TOL),
            ("d_z_ci", got.d_z_ci, NCP_CI_TOL),
            ("d_av_ci", got.d_av_ci, NCP_CI_TOL),
        ] {
            let expected = pair(&r[name]);
            for i in 0..2 {
                close(actual[i], expected[i], tol, &format!("{key} {name}[{i}]"));
            }
        }
    }

    #[test]
    fn paired_comparisons_match_r() {
        let r = reference();
        for (key, expected) in r["comparisons"].as_object().unwrap() {
            let parts: Vec<&str> = key.split('_').collect();
            let from = column(&format!("{}_{}", parts[0], parts[1]));
            let to = column(&format!("{}_{}", parts[0], parts[2]));
            let got = paired(&from, &to, 0.95).unwrap();
            check(key, expected, &got);
        }
        let got = paired(&column("wellbeing_T0"), &column("wellbeing_T1"), 0.90).unwrap();
        check("wellbeing_T0_T1_90", &r["wellbeing_T0_T1_90"], &got);
    }

    #[test]
    fn holm_matches_r() {
        let r = reference();
        for (p_name, holm_name) in [("p_t", "holm_t"), ("p_wilcoxon", "holm_wilcoxon")] {
            let family: Vec<f64> = r["family"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| num(&r["comparisons"][k.as_str().unwrap()][p_name]))
                .collect();
            for (got, want) in holm(&family).iter().zip(r[holm_name].as_array().unwrap()) {
                close(*got, num(want), CLOSED_FORM_TOL, holm_name);
            }
        }
        let as_nan = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
        let input: Vec<f64> = r["holm_with_na"]["p"]
            .as_array()
            .unwrap()
            .iter()
            .map(as_nan)
            .collect();
        let want: Vec<f64> = r["holm_with_na"]["adjusted"]
            .as_array()
            .unwrap()
            .iter()
            .map(as_nan)
            .collect();
        for (got, want) in holm(&input).iter().zip(&want) {
            if want.is_nan() {
                assert!(got.is_nan());
            } else {
                close(*got, *want, CLOSED_FORM_TOL, "holm with NA");
            }
        }
    }

    #[test]
    fn noncentral_t_matches_r_pt() {
        for row in reference()["pnt_grid"].as_array().unwrap() {
            let (t, df, ncp, p) = (
                num(&row["t"]),
                num(&row["df"]),
                num(&row["ncp"]),
                num(&row["p"]),
            );
            let got = noncentral_t_cdf(t, df, ncp);
            assert!(
                (got - p).abs() < PNT_ABS_TOL,
                "pt({t}, {df}, {ncp}) = {p}, got {got}"
            );
            // AS 243 bounds the absolute error only: for t < 0 it returns 1 − F(−t; −δ), so
            // tiny left-tail probabilities (R's too) carry no relative precision.
        }
    }

    #[test]
    fn signrank_cdf_matches_r_psignrank() {
        for row in reference()["psignrank"].as_array().unwrap() {
            let (q, n, p) = (num(&row["q"]), row["n"].as_u64().unwrap(), num(&row["p"]));
            close(signrank_cdf(q, n as usize), p, CLOSED_FORM_TOL, "psignrank");
        }
    }

    #[test]
    fn residualised_change_matches_r_lm() {
        let r: Value = serde_json::from_str(include_str!(
            "../../tests/reference/stats/residualised.json"
        ))
        .unwrap();
        for key in ["wellbeing_T0_T1", "hrqol_T0_T2"] {
            let get =
                |f: &str| -> Vec<f64> { r[key][f].as_array().unwrap().iter().map(num).collect() };
            let got = residualised_change(&get("from"), &get("to")).unwrap();
            let want = get("residuals");
            assert_eq!(got.len(), want.len());
            // Residuals near zero have no relative precision: compare on the residual scale.
            let scale = sd(&want);
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= CLOSED_FORM_TOL * scale,
                    "{key}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn refuses_degenerate_input() {
        let same = vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)];
        assert!(matches!(
            paired(&same, &same, 0.95),
            Err(StatsError::ConstantColumn { .. })
        ));
        let short = vec![Some(1.0), None, Some(3.0)];
        assert!(matches!(
            paired(&short, &same[..3], 0.95),
            Err(StatsError::TooFewRows { .. })
        ));
        assert!(paired(&same, &same[..3], 0.95).is_err());
        assert!(paired(&same, &same, 1.5).is_err());
        assert!(residualised_change(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_err());
        assert!(residualised_change(&[1.0, 2.0], &[1.0, 2.0, 3.0]).is_err());
    }

    #[test]
    fn signed_rank_handles_ties_and_zeros() {
        // d = (0, 1, −1, 2, 2): zeros dropped, ties → normal approximation, as R.
        let sr = signed_rank(&[0.0, 1.0, -1.0, 2.0, 2.0], 1.0);
        assert_eq!(sr.method, WilcoxonMethod::Normal);
        assert_eq!((sr.v, sr.n_zero), (8.5, 1));
    }

    #[test]
    fn float_split_ties_and_zeros_count_as_ties_and_zeros() {
        // Scale means of three items: 4/3 − 2/3 and 5/3 − 1 are both 2/3, but differ in the
        // last bit; (0.1 + 0.2) + 0.3 and 0.1 + (0.2 + 0.3) are both 0.6, but their difference
        // is −1.1e-16, not 0.
        let mean3 = |items: [f64; 3]| (items[0] + items[1] + items[2]) / 3.0;
        let from = [
            mean3([0.0, 1.0, 1.0]),
            mean3([0.0, 1.0, 2.0]),
            (0.1 + 0.2) + 0.3,
            1.0,
            2.0,
            3.0,
            1.0,
        ];
        let to = [
            mean3([1.0, 1.0, 2.0]),
            mean3([1.0, 2.0, 2.0]),
            0.1 + (0.2 + 0.3),
            2.0,
            1.5,
            3.25,
            0.0,
        ];
        let d: Vec<f64> = to.iter().zip(&from).map(|(b, a)| b - a).collect();
        assert_ne!(d[0], d[1], "the float arithmetic splits the tie");
        assert_ne!(d[2], 0.0, "the float arithmetic misses the zero");
        assert_ne!(mid_ranks(&[d[0], d[1]], 0.0).0, [1.5, 1.5]);

        let tol = TIE_RTOL * 3.25;
        let (ranks, sizes) = mid_ranks(&[d[0], d[1], 0.25], tol);
        assert_eq!((ranks, sizes), (vec![2.5, 2.5, 1.0], vec![1, 2]));

        let some = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        let got = paired(&some(&from), &some(&to), 0.95).unwrap();
        // The same differences, tied exactly: |d| = 2/3, 2/3, 1, 0.5, 0.25, 1 after the zero.
        let exact = signed_rank(&[2.0 / 3.0, 2.0 / 3.0, 0.0, 1.0, -0.5, 0.25, -1.0], 1.0);
        assert_eq!(exact.v, 1.0 + 3.5 + 3.5 + 5.5);
        assert_eq!(got.v, exact.v);
        assert_eq!(got.p_wilcoxon, exact.p);
        assert_eq!((got.n_zero, exact.n_zero), (1, 1));
        assert_eq!(got.wilcoxon_method, WilcoxonMethod::Normal);
        assert_eq!(exact.method, WilcoxonMethod::Normal);
    }

    #[test]
    fn changes_that_are_all_zero_within_tolerance_are_refused() {
        let from = [Some((0.1 + 0.2) + 0.3), Some(1.0), Some(2.0)];
        let to = [Some(0.1 + (0.2 + 0.3)), Some(1.0), Some(2.0)];
        assert!(matches!(
            paired(&from, &to, 0.95),
            Err(StatsError::ConstantColumn { .. })
        ));
    }
}

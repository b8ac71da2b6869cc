//! Little's (1988) test that data are missing completely at random (MCAR).
//!
//! 1. EM for the mean μ and covariance Σ of a multivariate normal with missing values
//!    (Dempster, Laird & Rubin 1977; Little & Rubin 2002, sec. 11.2). E-step for case i with
//!    observed part o and missing part m: x̂ₘ = μₘ + Σₘₒ Σₒₒ⁻¹ (yₒ − μₒ) and conditional
//!    covariance Cₘₘ = Σₘₘ − Σₘₒ Σₒₒ⁻¹ Σₒₘ; M-step μ = Σᵢ x̂ᵢ / n, Σ = Σᵢ (x̂ᵢx̂ᵢᵀ + Cᵢ)/n − μμᵀ.
//!    Start: observed means and a diagonal of the observed variances (n denominator); stop
//!    when no element of μ or Σ moves by more than 1e-13 · (1 + maxⱼ(μⱼ² + Σⱼⱼ)). The
//!    scale makes the stop reachable in floating point: Σ is formed as E(xxᵀ) − μμᵀ, so
//!    its rounding noise grows with the second moments (an absolute 1e-13 would never be
//!    met by scores in the thousands).
//! 2. With the cases grouped by missing-data pattern j (n_j cases, p_j observed variables,
//!    observed means ȳ_j): d² = Σ_j n_j (ȳ_j − μ_j)ᵀ Σ_j⁻¹ (ȳ_j − μ_j), where μ_j and Σ_j are
//!    the EM estimates restricted to the observed variables; df = Σ_j p_j − p; under MCAR
//!    d² ~ χ²(df).
//!
//! Cases with nothing observed carry no information and are dropped first.
//! Validated against tests/reference/stats/mcar.R (the same EM written in R, itself checked
//! against lavaan's FIML saturated model): tolerance 1e-8 relative, see the tests.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::StatsError;

/// EM convergence: largest change of any element of μ or Σ, relative to
/// 1 + maxⱼ(μⱼ² + Σⱼⱼ) at the start.
pub const EM_TOL: f64 = 1e-13;
/// EM gives up after this many iterations (the result is then refused).
pub const EM_MAX_ITER: usize = 10_000;

/// Result of Little's MCAR test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McarTest {
    pub variables: Vec<String>,
    /// Cases with at least one observed value (the ones used).
    pub n: usize,
    /// Cases dropped because nothing was observed.
    pub n_dropped: usize,
    pub n_patterns: usize,
    pub d2: f64,
    pub df: usize,
    /// `None` when df = 0 (a single pattern: every case fully observed).
    pub p: Option<f64>,
    /// EM (maximum-likelihood) mean and covariance (row-major rows).
    pub mu: Vec<f64>,
    pub sigma: Vec<Vec<f64>>,
    pub em_iterations: usize,
}

/// Cases of one missing-data pattern.
struct Pattern {
    observed: Vec<usize>,
    missing: Vec<usize>,
    rows: Vec<usize>,
}

/// Little's test on `columns[variable][case]` (`None` = missing).
pub fn little_mcar(names: &[String], columns: &[Vec<Option<f64>>]) -> Result<McarTest, StatsError> {
    let y = rows_of(names, columns)?;
    let p = names.len();
    let n = y.len();
    let n_dropped = columns.first().map_or(0, |c| c.len()) - n;
    let patterns = group_patterns(&y, p);
    for j in 0..p {
        let seen = y.iter().filter(|r| r[j].is_some()).count();
        if seen < 2 {
            return Err(StatsError::TooFewRows { n: seen, p: 2 });
        }
    }
    let (mu, sigma, em_iterations) = em(&y, &patterns, p)?;
    let (d2, df) = statistic(&y, &patterns, &mu, &sigma)?;
    Ok(McarTest {
        variables: names.to_vec(),
        n,
        n_dropped,
        n_patterns: patterns.len(),
        d2,
        df,
        p: (df > 0).then(|| super::attrition::chi2_upper(df, d2)),
        mu: mu.iter().copied().collect(),
        sigma: (0..p)
            .map(|i| sigma.row(i).iter().copied().collect())
            .collect(),
        em_iterations,
    })
}

/// Cases as rows, without the ones that have nothing observed.
fn rows_of(
    names: &[String],
    columns: &[Vec<Option<f64>>],
) -> Result<Vec<Vec<Option<f64>>>, StatsError> {
    if names.len() != columns.len() || columns.is_empty() {
        return Err(StatsError::Invalid(
            "MCAR test needs one name per column and at least one column".into(),
        ));
    }
    let n = columns[0].len();
    if columns.iter().any(|c| c.len() != n) {
        return Err(StatsError::Invalid("columns differ in length".into()));
    }
    if columns.iter().flatten().flatten().any(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite {
            what: "the MCAR variables".into(),
        });
    }
    Ok((0..n)
        .map(|i| columns.iter().map(|c| c[i]).collect::<Vec<_>>())
        .filter(|row| row.iter().any(Option::is_some))
        .collect())
}

/// Groups the cases by missing-data pattern, in order of first appearance.
fn group_patterns(y: &[Vec<Option<f64>>], p: usize) -> Vec<Pattern> {
    let mut patterns: Vec<Pattern> = Vec::new();
    for (i, row) in y.iter().enumerate() {
        let observed: Vec<usize> = (0..p).filter(|&j| row[j].is_some()).collect();
        match patterns.iter_mut().find(|pat| pat.observed == observed) {
            Some(pat) => pat.rows.push(i),
            None => patterns.push(Pattern {
                missing: (0..p).filter(|j| !observed.contains(j)).collect(),
                observed,
                rows: vec![i],
            }),
        }
    }
    patterns
}

/// Starting values: observed means, diagonal of observed variances (n denominator).
fn start(y: &[Vec<Option<f64>>], p: usize) -> (DVector<f64>, DMatrix<f64>) {
    let mut mu = DVector::zeros(p);
    let mut sigma = DMatrix::zeros(p, p);
    for j in 0..p {
        let x: Vec<f64> = y.iter().filter_map(|r| r[j]).collect();
        let m = x.iter().sum::<f64>() / x.len() as f64;
        mu[j] = m;
        sigma[(j, j)] = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / x.len() as f64;
    }
    (mu, sigma)
}

/// Submatrix of `m` on rows `r` and columns `c`.
fn sub(m: &DMatrix<f64>, r: &[usize], c: &[usize]) -> DMatrix<f64> {
    DMatrix::from_fn(r.len(), c.len(), |i, j| m[(r[i], c[j])])
}

fn inverse(m: DMatrix<f64>) -> Result<DMatrix<f64>, StatsError> {
    m.cholesky().map(|c| c.inverse()).ok_or_else(|| {
        StatsError::Invalid("the EM covariance matrix is not positive definite".into())
    })
}

fn em(
    y: &[Vec<Option<f64>>],
    patterns: &[Pattern],
    p: usize,
) -> Result<(DVector<f64>, DMatrix<f64>, usize), StatsError> {
    let n = y.len() as f64;
    let (mut mu, mut sigma) = start(y, p);
    let scale = 1.0
        + (0..p)
            .map(|j| mu[j] * mu[j] + sigma[(j, j)])
            .fold(0.0, f64::max);
    for iter in 1..=EM_MAX_ITER {
        let mut t1 = DVector::zeros(p);
        let mut t2 = DMatrix::zeros(p, p);
        for pat in patterns {
            let (o, m) = (&pat.observed, &pat.missing);
            // Regression of the missing on the observed variables, shared by the pattern.
            let (b, c) = if m.is_empty() {
                (DMatrix::zeros(0, o.len()), DMatrix::zeros(0, 0))
            } else {
                let b = sub(&sigma, m, o) * inverse(sub(&sigma, o, o))?;
                let c = sub(&sigma, m, m) - &b * sub(&sigma, o, m);
                (b, c)
            };
            for &i in &pat.rows {
                let mut x = DVector::zeros(p);
                let yo = DVector::from_iterator(o.len(), o.iter().map(|&j| y[i][j].unwrap_or(0.0)));
                let mo = DVector::from_iterator(o.len(), o.iter().map(|&j| mu[j]));
                let xm = &b * (&yo - &mo);
                for (k, &j) in o.iter().enumerate() {
                    x[j] = yo[k];
                }
                for (k, &j) in m.iter().enumerate() {
                    x[j] = mu[j] + xm[k];
                }
                t2 += &x * x.transpose();
                for (a, &ja) in m.iter().enumerate() {
                    for (bb, &jb) in m.iter().enumerate() {
                        t2[(ja, jb)] += c[(a, bb)];
                    }
                }
                t1 += x;
            }
        }
        let mu_new = t1 / n;
        let sigma_new = t2 / n - &mu_new * mu_new.transpose();
        let change = (&mu_new - &mu).amax().max((&sigma_new - &sigma).amax());
        mu = mu_new;
        sigma = sigma_new;
        if change < EM_TOL * scale {
            return Ok((mu, sigma, iter));
        }
    }
    Err(StatsError::Invalid(format!(
        "EM for the MCAR test did not converge in {EM_MAX_ITER} iterations"
    )))
}

/// Little's d² and its df.
fn statistic(
    y: &[Vec<Option<f64>>],
    patterns: &[Pattern],
    mu: &DVector<f64>,
    sigma: &DMatrix<f64>,
) -> Result<(f64, usize), StatsError> {
    let mut d2 = 0.0;
    let mut df = 0;
    for pat in patterns {
        let o = &pat.observed;
        let nj = pat.rows.len() as f64;
        let diff = DVector::from_iterator(
            o.len(),
            o.iter().map(|&j| {
                pat.rows
                    .iter()
                    .map(|&i| y[i][j].unwrap_or(0.0))
                    .sum::<f64>()
                    / nj
                    - mu[j]
            }),
        );
        let inv = inverse(sub(sigma, o, o))?;
        d2 += nj * (diff.transpose() * inv * &diff)[(0, 0)];
        df += o.len();
    }
    Ok((d2, df - mu.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Both sides run the same EM to a change near 1e-13, so the fixed points agree to well
    /// below this; d² and p are closed form given μ and Σ.
    const TOL: f64 = 1e-8;
    /// Against lavaan's FIML (BFGS, gradient-based stop) the optimum agrees less tightly.
    const LAVAAN_TOL: f64 = 1e-5;

    fn data(wanted: &[&str]) -> Vec<Vec<Option<f64>>> {
        crate::stats::testdata::columns(
            include_str!("../../tests/reference/stats/mcar_data.csv"),
            wanted,
        )
    }

    fn close(actual: f64, expected: f64, tol: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= tol * expected.abs().max(1.0),
            "{what}: got {actual:e}, R {expected:e}"
        );
    }

    fn check(got: &McarTest, want: &Value) {
        assert_eq!(got.n as u64, want["n"].as_u64().unwrap());
        assert_eq!(got.df as u64, want["df"].as_u64().unwrap());
        assert_eq!(got.n_patterns as u64, want["n_patterns"].as_u64().unwrap());
        let p = got.mu.len();
        for j in 0..p {
            close(got.mu[j], want["mu"][j].as_f64().unwrap(), TOL, "mu");
            for k in 0..p {
                close(
                    got.sigma[j][k],
                    want["sigma"][j][k].as_f64().unwrap(),
                    TOL,
                    "sigma",
                );
            }
        }
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
        assert!(
            rel(got.d2, want["d2"].as_f64().unwrap()) < TOL,
            "d2 {}",
            got.d2
        );
        assert!(rel(got.p.unwrap(), want["p"].as_f64().unwrap()) < TOL, "p");
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_r_em_and_little() {
        let r: Value =
            serde_json::from_str(include_str!("../../tests/reference/stats/mcar.json")).unwrap();
        let vars = ["y1", "y2", "y3", "y4"];
        let got = little_mcar(&names(&vars), &data(&vars)).unwrap();
        check(&got, &r);
        // The iteration count is not compared: R's absolute 1e-13 stop sits at the rounding
        // floor of second moments near 400 (changes hover at 1e-13 from iteration 29 on),
        // while the Rust stop is relative; both are at the same fixed point (checked above).
        // Independent optimiser (lavaan FIML): agreement of the statistic.
        let d2_lav = r["d2_lavaan"].as_f64().unwrap();
        assert!((got.d2 - d2_lav).abs() / d2_lav < LAVAAN_TOL);

        let pair = ["y1", "y3"];
        let got = little_mcar(&names(&pair), &data(&pair)).unwrap();
        assert_eq!(got.n_dropped, 1);
        check(&got, &r["pair"]);
    }

    #[test]
    fn complete_data_has_no_test() {
        let cols = vec![
            vec![Some(1.0), Some(2.0), Some(3.0), Some(5.0)],
            vec![Some(2.0), Some(1.0), Some(4.0), Some(3.0)],
        ];
        let got = little_mcar(&names(&["a", "b"]), &cols).unwrap();
        assert_eq!((got.df, got.p, got.n_patterns), (0, None, 1));
        assert!(got.d2.abs() < 1e-20);
    }

    #[test]
    fn refuses_degenerate_input() {
        let cols = vec![
            vec![Some(1.0), None, None],
            vec![Some(2.0), Some(1.0), Some(4.0)],
        ];
        assert!(little_mcar(&names(&["a", "b"]), &cols).is_err());
        assert!(little_mcar(&names(&["a"]), &cols).is_err());
        let constant = vec![
            vec![Some(1.0), Some(1.0), Some(1.0)],
            vec![Some(2.0), None, Some(4.0)],
        ];
        assert!(little_mcar(&names(&["a", "b"]), &constant).is_err());
    }
}

//! Internal consistency of a multi-item scale, on the complete cases of its items.
//!
//! With k items, item covariance matrix C (n − 1 denominator) and total score X = Σ items:
//! - Cronbach's (1951) α = k/(k − 1) · (1 − tr C / 1ᵀC1) (psych::alpha's raw_alpha).
//! - Feldt (1965) CI: (1 − α)/(1 − α̂) ~ F(n − 1, (n − 1)(k − 1)), so
//!   α ∈ [1 − (1 − α̂)·F_{1−q}, 1 − (1 − α̂)·F_{q}] with q = (1 − L)/2 (psych::alpha.ci).
//! - Corrected item–total correlation r.drop: Pearson r of item j with X − item j.
//! - α if item deleted: α of the other k − 1 items.
//! - McDonald's (1999) ω_total = (Σλ)² / ((Σλ)² + Σθ) from a one-factor model
//!   Σ = λλᵀ + diag(θ) fitted by maximum likelihood to the covariance matrix with n
//!   denominator (lavaan's sample covariance, so λ and θ match `cfa(std.lv = TRUE)`).
//!   The fit uses the EM algorithm for factor analysis (Rubin & Thayer 1982): with
//!   β = λᵀΣ⁻¹, E(f²) = 1 − βλ + βSβᵀ and E(x f) = Sβᵀ, the update is
//!   λ ← Sβᵀ / E(f²), θ ← diag(S − λ(Sβᵀ)ᵀ). It needs k ≥ 3 (k = 2 is not identified).
//!
//! Validated against R 4.2.2, psych 2.2.9 (`alpha`, `alpha.ci`) and lavaan 0.6.14 (`cfa`):
//! tests/reference/stats/reliability.R. α, its CI, r.drop and α-drop to 1e-8 relative;
//! ω, λ and θ to 1e-6 (lavaan stops its optimiser on a gradient below 1e-6).

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use statrs::function::beta::inv_beta_reg;

use super::StatsError;

/// EM stops when no loading or uniqueness moves by more than this (relative to the largest
/// item variance).
pub const FACTOR_TOL: f64 = 1e-14;
/// EM gives up (ω reported as missing) after this many iterations.
pub const FACTOR_MAX_ITER: usize = 100_000;

/// Per-item statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStats {
    pub item: String,
    /// Corrected item–total correlation (item against the sum of the other items).
    pub r_drop: f64,
    /// α of the scale without this item; `None` when only one item would remain.
    pub alpha_if_deleted: Option<f64>,
}

/// One-factor ML solution behind ω.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneFactor {
    pub omega: f64,
    /// Loadings λ (factor variance 1), in item order.
    pub loadings: Vec<f64>,
    /// Unique variances θ.
    pub uniquenesses: Vec<f64>,
    pub iterations: usize,
}

/// Reliability of one scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    pub items: Vec<String>,
    pub k: usize,
    /// Complete cases of the scale's items (used).
    pub n: usize,
    /// Cases with at least one item missing (left out).
    pub n_dropped: usize,
    pub level: f64,
    pub alpha: f64,
    /// Feldt CI at `level`.
    pub alpha_ci: [f64; 2],
    pub item_stats: Vec<ItemStats>,
    /// `None` for k < 3 or when the factor model does not converge.
    pub omega: Option<OneFactor>,
}

/// Reliability of the scale with items `items[item][case]`, named by `names`.
pub fn reliability(
    names: &[String],
    items: &[Vec<Option<f64>>],
    level: f64,
) -> Result<Reliability, StatsError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::Invalid(format!(
            "confidence level must lie strictly between 0 and 1, got {level}"
        )));
    }
    let x = complete_cases(names, items)?;
    let (k, n) = (x.ncols(), x.nrows());
    if k < 2 {
        return Err(StatsError::Invalid(
            "a scale needs at least two items".into(),
        ));
    }
    if n < 3 {
        return Err(StatsError::TooFewRows { n, p: 3 });
    }
    let c = covariance(&x);
    if let Some(j) = (0..k).find(|&j| c[(j, j)] == 0.0) {
        return Err(StatsError::ConstantColumn {
            column: names[j].clone(),
        });
    }
    let alpha = alpha_of(&c);
    Ok(Reliability {
        items: names.to_vec(),
        k,
        n,
        n_dropped: items[0].len() - n,
        level,
        alpha,
        alpha_ci: feldt_ci(alpha, n, k, level),
        item_stats: item_stats(names, &c),
        omega: one_factor(&(&c * ((n - 1) as f64 / n as f64))),
    })
}

/// The complete cases of all items, as an n × k matrix.
fn complete_cases(
    names: &[String],
    items: &[Vec<Option<f64>>],
) -> Result<DMatrix<f64>, StatsError> {
    if names.len() != items.len() || items.is_empty() {
        return Err(StatsError::Invalid(
            "reliability needs one name per item and at least one item".into(),
        ));
    }
    let n_all = items[0].len();
    if items.iter().any(|c| c.len() != n_all) {
        return Err(StatsError::Invalid("item columns differ in length".into()));
    }
    let rows: Vec<Vec<f64>> = (0..n_all)
        .filter_map(|i| items.iter().map(|c| c[i]).collect::<Option<Vec<f64>>>())
        .collect();
    if rows.iter().flatten().any(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite {
            what: "the scale items".into(),
        });
    }
    Ok(DMatrix::from_fn(rows.len(), items.len(), |i, j| rows[i][j]))
}

/// Sample covariance (n − 1), from centred columns.
fn covariance(x: &DMatrix<f64>) -> DMatrix<f64> {
    let n = x.nrows() as f64;
    let mut centred = x.clone();
    for mut col in centred.column_iter_mut() {
        let m = col.sum() / n;
        col.add_scalar_mut(-m);
    }
    centred.transpose() * &centred / (n - 1.0)
}

fn alpha_of(c: &DMatrix<f64>) -> f64 {
    let k = c.nrows() as f64;
    k / (k - 1.0) * (1.0 - c.trace() / c.sum())
}

/// Feldt (1965) interval for α.
fn feldt_ci(alpha: f64, n: usize, k: usize, level: f64) -> [f64; 2] {
    let q = (1.0 - level) / 2.0;
    let df1 = (n - 1) as f64;
    let df2 = ((n - 1) * (k - 1)) as f64;
    [
        1.0 - (1.0 - alpha) * f_quantile(1.0 - q, df1, df2),
        1.0 - (1.0 - alpha) * f_quantile(q, df1, df2),
    ]
}

/// Quantile of F(d1, d2) from the inverse regularised beta: if B ~ Beta(d1/2, d2/2) then
/// F = (d2·B)/(d1·(1 − B)). Above the median the complementary Beta(d2/2, d1/2) is inverted
/// so that 1 − B is not formed by subtraction.
fn f_quantile(p: f64, d1: f64, d2: f64) -> f64 {
    if p <= 0.5 {
        let b = inv_beta_reg(d1 / 2.0, d2 / 2.0, p);
        d2 * b / (d1 * (1.0 - b))
    } else {
        let one_minus_b = inv_beta_reg(d2 / 2.0, d1 / 2.0, 1.0 - p);
        d2 * (1.0 - one_minus_b) / (d1 * one_minus_b)
    }
}

/// r.drop and α-if-deleted for each item, from the covariance matrix alone:
/// cov(x_j, X − x_j) = Σ_l C_jl − C_jj and var(X − x_j) = 1ᵀC1 − 2Σ_l C_jl + C_jj.
fn item_stats(names: &[String], c: &DMatrix<f64>) -> Vec<ItemStats> {
    let k = c.nrows();
    let total = c.sum();
    (0..k)
        .map(|j| {
            let row = c.row(j).sum();
            let cov_rest = row - c[(j, j)];
            let var_rest = total - 2.0 * row + c[(j, j)];
            let others: Vec<usize> = (0..k).filter(|&l| l != j).collect();
            let c_rest = DMatrix::from_fn(k - 1, k - 1, |a, b| c[(others[a], others[b])]);
            ItemStats {
                item: names[j].clone(),
                r_drop: cov_rest / (c[(j, j)] * var_rest).sqrt(),
                alpha_if_deleted: (k > 2).then(|| alpha_of(&c_rest)),
            }
        })
        .collect()
}

/// ML one-factor model by EM; `None` for k < 3 or without convergence.
fn one_factor(s: &DMatrix<f64>) -> Option<OneFactor> {
    let k = s.nrows();
    if k < 3 {
        return None;
    }
    let scale = s.diagonal().max();
    // Start: half of each variance common, half unique.
    let mut lambda = DVector::from_fn(k, |j, _| (s[(j, j)] / 2.0).sqrt());
    let mut theta = DVector::from_fn(k, |j, _| s[(j, j)] / 2.0);
    for iter in 1..=FACTOR_MAX_ITER {
        // Woodbury: β = λᵀΘ⁻¹ / (1 + λᵀΘ⁻¹λ), no k × k inverse needed.
        let lt = lambda.component_div(&theta);
        let beta = &lt / (1.0 + lambda.dot(&lt));
        let sb = s * &beta;
        let eff = 1.0 - beta.dot(&lambda) + beta.dot(&sb);
        let lambda_new = &sb / eff;
        let theta_new = DVector::from_fn(k, |j, _| s[(j, j)] - lambda_new[j] * sb[j]);
        if theta_new.iter().any(|t| *t <= 0.0 || !t.is_finite()) {
            return None;
        }
        let change = (&lambda_new - &lambda)
            .amax()
            .max((&theta_new - &theta).amax());
        lambda = lambda_new;
        theta = theta_new;
        if change < FACTOR_TOL * scale {
            // Orientation: the factor is named by its items, so make the loadings sum ≥ 0.
            if lambda.sum() < 0.0 {
                lambda.neg_mut();
            }
            let common = lambda.sum().powi(2);
            return Some(OneFactor {
                omega: common / (common + theta.sum()),
                loadings: lambda.iter().copied().collect(),
                uniquenesses: theta.iter().copied().collect(),
                iterations: iter,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// α, its CI, r.drop and α-drop are closed form.
    const TOL: f64 = 1e-8;
    /// ω, λ, θ: lavaan's BFGS stops on a gradient below 1e-6 (asserted in reliability.R),
    /// so its optimum is only this close to the exact ML solution.
    const FACTOR_TOL_VS_LAVAAN: f64 = 1e-6;

    fn items(wanted: &[String]) -> Vec<Vec<Option<f64>>> {
        crate::stats::testdata::columns(
            include_str!("../../tests/reference/stats/reliability_items.csv"),
            wanted,
        )
    }

    fn close(actual: f64, expected: f64, tol: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= tol * expected.abs(),
            "{what}: got {actual:e}, R {expected:e}"
        );
    }

    fn nums(v: &Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    #[test]
    fn matches_psych_and_lavaan() {
        let r: Value =
            serde_json::from_str(include_str!("../../tests/reference/stats/reliability.json"))
                .unwrap();
        for scale in ["belong", "support"] {
            let want = &r[scale];
            let names: Vec<String> = want["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            let data = items(&names);
            let got = reliability(&names, &data, 0.95).unwrap();
            assert_eq!(got.n as u64, want["n"].as_u64().unwrap());
            assert_eq!(got.n_dropped as u64, want["n_dropped"].as_u64().unwrap());
            close(got.alpha, want["alpha"].as_f64().unwrap(), TOL, "alpha");
            for (i, w) in nums(&want["alpha_ci95"]).iter().enumerate() {
                close(got.alpha_ci[i], *w, TOL, "alpha_ci95");
            }
            let got90 = reliability(&names, &data, 0.90).unwrap();
            for (i, w) in nums(&want["alpha_ci90"]).iter().enumerate() {
                close(got90.alpha_ci[i], *w, TOL, "alpha_ci90");
            }
            let r_drop = nums(&want["r_drop"]);
            let alpha_drop = nums(&want["alpha_drop"]);
            for (j, item) in got.item_stats.iter().enumerate() {
                close(item.r_drop, r_drop[j], TOL, "r_drop");
                close(
                    item.alpha_if_deleted.unwrap(),
                    alpha_drop[j],
                    TOL,
                    "alpha_drop",
                );
            }
            let factor = got.omega.unwrap();
            close(
                factor.omega,
                want["omega"].as_f64().unwrap(),
                FACTOR_TOL_VS_LAVAAN,
                "omega",
            );
            let lambda = nums(&want["loadings"]);
            let theta = nums(&want["uniquenesses"]);
            for j in 0..names.len() {
                close(
                    factor.loadings[j],
                    lambda[j],
                    FACTOR_TOL_VS_LAVAAN,
                    "loading",
                );
                close(
                    factor.uniquenesses[j],
                    theta[j],
                    FACTOR_TOL_VS_LAVAAN,
                    "uniqueness",
                );
            }
        }
    }

    #[test]
    fn refuses_degenerate_input() {
        let names: Vec<String> = vec!["a".into(), "b".into()];
        let constant = vec![
            vec![Some(1.0); 4],
            vec![Some(1.0), Some(2.0), Some(3.0), Some(5.0)],
        ];
        assert!(matches!(
            reliability(&names, &constant, 0.95),
            Err(StatsError::ConstantColumn { .. })
        ));
        let few = vec![
            vec![Some(1.0), None, Some(2.0)],
            vec![Some(1.0), Some(2.0), Some(3.0)],
        ];
        assert!(reliability(&names, &few, 0.95).is_err());
        assert!(reliability(&names[..1], &few[..1], 0.95).is_err());
    }

    #[test]
    fn two_items_have_no_omega() {
        let names: Vec<String> = vec!["a".into(), "b".into()];
        let x = vec![
            vec![Some(1.0), Some(2.0), Some(3.0), Some(5.0)],
            vec![Some(2.0), Some(2.0), Some(4.0), Some(4.0)],
        ];
        let got = reliability(&names, &x, 0.95).unwrap();
        assert_eq!(got.omega, None);
        assert_eq!(got.item_stats[0].alpha_if_deleted, None);
    }
}

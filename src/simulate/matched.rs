//! Moment-matched simulation: a data set whose sample means, SDs and correlation matrix
//! equal a published descriptives table exactly (up to floating-point rounding).
//!
//! Method (the "exact" multivariate normal construction, e.g. Ripley 1987, *Stochastic
//! Simulation*, §3.3; the same idea as `MASS::mvrnorm(..., empirical = TRUE)`):
//! 1. draw an n × p matrix Z of independent standard normals (seeded ChaCha8, row by row);
//! 2. centre each column, Zc = Z − 1·z̄ᵀ;
//! 3. whiten: with S = ZcᵀZc/(n−1) = L_S L_Sᵀ (Cholesky), W = Zc L_S⁻ᵀ has WᵀW/(n−1) = I exactly;
//! 4. colour: with the target covariance Σ = D R D (D = diag(SD), R = correlations) and
//!    Σ = L Lᵀ, X = W Lᵀ + 1·μᵀ has sample mean μ and sample covariance Σ.
//!
//! SDs and covariances use the n − 1 denominator (R's `sd()`, `cov()`). Because OLS
//! coefficients are functions of the means and the covariance matrix only, any regression
//! fitted to the matched data reproduces the coefficients of the original data.

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::stats::rng::rng;
use crate::stats::StatsError;

/// The checked table and the normal draws live in `stats` (power analysis uses them too);
/// re-exported so `crate::simulate::matched::{Moments, …}` keeps working.
pub use crate::stats::mvn::{cholesky_lower, normal_rows, Moments};

/// Smallest SD/|mean| whose deviations double precision keeps to about 1e-7 relative.
const PRECISION_RATIO: f64 = 1e-9;

/// Tolerance for "the diagonal is 1" and "the matrix is symmetric" in a typed-in table.
const TABLE_TOL: f64 = 1e-9;

/// A descriptives table as written in TOML (see docs/methods/simulate.md).
///
/// `correlations` is either the full p × p matrix or its lower triangle row by row with
/// the diagonal (row i has i + 1 entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MomentTable {
    /// Sample size of the published table (the default number of rows to simulate).
    #[serde(default)]
    pub n: Option<usize>,
    pub variables: Vec<String>,
    pub means: Vec<f64>,
    pub sds: Vec<f64>,
    pub correlations: Vec<Vec<f64>>,
}

/// How many rows to draw, from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedSpec {
    pub n: usize,
    pub seed: u64,
}

/// Simulated columns, one per variable, in the table's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedData {
    pub names: Vec<String>,
    pub columns: Vec<Vec<f64>>,
}

fn invalid(msg: String) -> StatsError {
    StatsError::Invalid(msg)
}

impl MomentTable {
    /// Validates lengths, finiteness, SDs > 0, |r| ≤ 1, unit diagonal, symmetry and positive
    /// definiteness; each error names the offending entry.
    pub fn check(&self) -> Result<Moments, StatsError> {
        let p = self.variables.len();
        if p == 0 {
            return Err(invalid(
                "`variables` is empty; name at least one variable".into(),
            ));
        }
        self.check_names()?;
        check_vector("means", &self.means, p, &self.variables)?;
        check_vector("sds", &self.sds, p, &self.variables)?;
        if let Some(i) = self.sds.iter().position(|s| *s <= 0.0) {
            return Err(invalid(format!(
                "sds: the SD of '{}' is {}; every SD must be positive",
                self.variables[i], self.sds[i]
            )));
        }
        if let Some(i) = self.sds.iter().position(|s| !(s * s).is_finite()) {
            return Err(invalid(format!(
                "sds: the SD of '{}' is {}; its square (the variance) overflows double \
                 precision: rescale the variable (e.g. give it in thousands)",
                self.variables[i], self.sds[i]
            )));
        }
        // A deviation of one SD must survive being added to the mean (ulp(mean) ≈ 1e-16·|mean|),
        // or the written data would not have the table's SD.
        if let Some(i) = (0..p).find(|&i| self.sds[i] < self.means[i].abs() * PRECISION_RATIO) {
            return Err(invalid(format!(
                "sds: the SD of '{}' ({}) is too small next to its mean ({}) for double precision \
                 to hold the deviations (need SD ≥ |mean| × {PRECISION_RATIO:e}); subtract a \
                 constant from the variable first (e.g. centre it)",
                self.variables[i], self.sds[i], self.means[i]
            )));
        }
        let corr = self.correlation_matrix()?;
        check_positive_definite(&corr)?;
        Ok(Moments {
            names: self.variables.clone(),
            means: self.means.clone(),
            sds: self.sds.clone(),
            corr,
        })
    }

    fn check_names(&self) -> Result<(), StatsError> {
        for (i, v) in self.variables.iter().enumerate() {
            if v.trim().is_empty() {
                return Err(invalid(format!("variables: name {} is empty", i + 1)));
            }
            if self.variables[..i].contains(v) {
                return Err(invalid(format!("variables: '{v}' is named twice")));
            }
        }
        Ok(())
    }

    /// Builds the full matrix from a full or lower-triangular layout.
    fn correlation_matrix(&self) -> Result<DMatrix<f64>, StatsError> {
        let names = &self.variables;
        let p = names.len();
        let rows = &self.correlations;
        if rows.len() != p {
            return Err(invalid(format!(
                "correlations has {} rows for {p} variables; give one row per variable",
                rows.len()
            )));
        }
        let full = rows.iter().all(|r| r.len() == p);
        let lower = rows.iter().enumerate().all(|(i, r)| r.len() == i + 1);
        if !full && !lower {
            return Err(invalid(format!(
                "correlations: write either the full {p} x {p} matrix or its lower triangle \
                 with the diagonal (row i has i entries); row lengths are {:?}",
                rows.iter().map(Vec::len).collect::<Vec<_>>()
            )));
        }
        let mut r = DMatrix::zeros(p, p);
        for (i, row) in rows.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                check_entry(v, i, j, names)?;
                r[(i, j)] = v;
                if !full {
                    r[(j, i)] = v;
                }
            }
        }
        for i in 0..p {
            for j in 0..i {
                if (r[(i, j)] - r[(j, i)]).abs() > TABLE_TOL {
                    return Err(invalid(format!(
                        "correlations is not symmetric: r({}, {}) = {} but r({}, {}) = {}",
                        names[i],
                        names[j],
                        r[(i, j)],
                        names[j],
                        names[i],
                        r[(j, i)]
                    )));
                }
                r[(j, i)] = r[(i, j)];
            }
        }
        Ok(r)
    }
}

fn check_vector(what: &str, v: &[f64], p: usize, names: &[String]) -> Result<(), StatsError> {
    if v.len() != p {
        return Err(invalid(format!(
            "{what} has {} values for {p} variables; give one per variable",
            v.len()
        )));
    }
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(invalid(format!(
            "{what}: the value for '{}' is not finite",
            names[i]
        ))),
        None => Ok(()),
    }
}

fn check_entry(v: f64, i: usize, j: usize, names: &[String]) -> Result<(), StatsError> {
    let (a, b) = (&names[i], &names[j]);
    if !v.is_finite() || v.abs() > 1.0 {
        return Err(invalid(format!(
            "correlations: r({a}, {b}) = {v}; a correlation lies between -1 and 1"
        )));
    }
    if i == j && (v - 1.0).abs() > TABLE_TOL {
        return Err(invalid(format!(
            "correlations: the diagonal entry for '{a}' is {v}; it must be 1"
        )));
    }
    Ok(())
}

fn check_positive_definite(r: &DMatrix<f64>) -> Result<(), StatsError> {
    let min_eigen = r.clone().symmetric_eigen().eigenvalues.min();
    if r.clone().cholesky().is_none() || min_eigen <= 1e-12 {
        return Err(invalid(format!(
            "correlations: the matrix is not positive definite (smallest eigenvalue {min_eigen:.3e}); \
             some correlations contradict each other — check them against the source table"
        )));
    }
    Ok(())
}

impl MatchedSpec {
    /// Draws `n` rows whose sample moments equal `m` (see the module docs for the method).
    pub fn simulate(&self, m: &Moments) -> Result<MatchedData, StatsError> {
        let p = m.names.len();
        if self.n < p + 2 {
            return Err(invalid(format!(
                "n = {}: the moments of {p} variables can be matched only with at least {} rows",
                self.n,
                p + 2
            )));
        }
        let mut z = normal_rows(&mut rng(self.seed), self.n, p);
        for mut col in z.column_iter_mut() {
            let mean = col.mean();
            col.add_scalar_mut(-mean);
        }
        let s = z.transpose() * &z / (self.n as f64 - 1.0);
        let l_s = cholesky_lower(&s, "the covariance of the random draws")?;
        // Wᵀ = L_S⁻¹ Zcᵀ, so that WᵀW/(n−1) = I.
        let w_t = l_s
            .solve_lower_triangular(&z.transpose())
            .ok_or_else(|| invalid("whitening failed".into()))?;
        let l = cholesky_lower(&m.covariance(), "the target covariance")?;
        let x_t = l * w_t; // Xᵀ before adding the means
        let columns: Vec<Vec<f64>> = (0..p)
            .map(|j| x_t.row(j).iter().map(|v| v + m.means[j]).collect())
            .collect();
        // A mean near the largest double plus a deviation can overflow: never write `inf`.
        for (name, col) in m.names.iter().zip(&columns) {
            crate::stats::check_finite(&format!("a simulated value of '{name}'"), col)?;
        }
        Ok(MatchedData {
            names: m.names.clone(),
            columns,
        })
    }
}

impl MatchedData {
    /// Flat CSV with a header; values in Rust's shortest round-trip format (no precision lost).
    pub fn to_csv(&self) -> String {
        let mut out = self.names.join(",");
        out.push('\n');
        let n = self.columns.first().map_or(0, Vec::len);
        for i in 0..n {
            let row: Vec<String> = self.columns.iter().map(|c| format!("{}", c[i])).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Matched moments are exact up to floating-point rounding.
    const MOMENT_TOL: f64 = 1e-9;
    const PMI_TABLE: &str = include_str!("../../tests/reference/matched/pmi_table.toml");

    fn table() -> MomentTable {
        toml::from_str(PMI_TABLE).unwrap()
    }

    fn mean_sd(x: &[f64]) -> (f64, f64) {
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
        (m, v.sqrt())
    }

    fn corr(x: &[f64], y: &[f64]) -> f64 {
        let ((mx, sx), (my, sy)) = (mean_sd(x), mean_sd(y));
        let c: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        c / ((x.len() as f64 - 1.0) * sx * sy)
    }

    #[test]
    fn simulated_moments_equal_the_table() {
        let m = table().check().unwrap();
        for n in [6, 123, 1000] {
            let d = MatchedSpec { n, seed: 3 }.simulate(&m).unwrap();
            for (j, col) in d.columns.iter().enumerate() {
                assert_eq!(col.len(), n);
                let (mean, sd) = mean_sd(col);
                assert!((mean - m.means[j]).abs() < MOMENT_TOL, "mean {j}");
                assert!((sd - m.sds[j]).abs() < MOMENT_TOL, "sd {j}");
                for k in 0..j {
                    let r = corr(col, &d.columns[k]);
                    assert!((r - m.corr[(j, k)]).abs() < MOMENT_TOL, "r {j},{k}");
                }
            }
        }
    }

    #[test]
    fn same_seed_same_data_and_full_equals_lower_layout() {
        let lower = table();
        let m = lower.check().unwrap();
        let mut full = lower.clone();
        full.correlations = (0..4)
            .map(|i| (0..4).map(|j| m.corr[(i, j)]).collect())
            .collect();
        assert_eq!(full.check().unwrap(), m);
        let spec = MatchedSpec { n: 50, seed: 9 };
        assert_eq!(spec.simulate(&m).unwrap(), spec.simulate(&m).unwrap());
    }

    fn error_of(edit: impl Fn(&mut MomentTable)) -> String {
        let mut t = table();
        edit(&mut t);
        t.check().unwrap_err().to_string()
    }

    #[test]
    fn invalid_tables_are_rejected_with_the_entry_named() {
        assert!(error_of(|t| {
            t.means.pop();
        })
        .contains("means has 3 values"));
        assert!(error_of(|t| t.sds[2] = 0.0).contains("'pmi'"));
        assert!(error_of(|t| t.correlations[3][1] = 1.2).contains("r(reaction, import)"));
        assert!(error_of(|t| t.correlations[1][1] = 0.9).contains("diagonal"));
        assert!(error_of(|t| t.correlations[2].push(0.1)).contains("lower triangle"));
        assert!(error_of(|t| t.variables[3] = "cond".into()).contains("named twice"));
        // r(a,b) = r(a,c) = .9, r(b,c) = -.9 is impossible.
        let bad = error_of(|t| {
            t.correlations[1][0] = 0.9;
            t.correlations[2] = vec![0.9, -0.9, 1.0];
        });
        assert!(bad.contains("not positive definite"), "{bad}");
        let mut full = table();
        full.correlations = vec![vec![1.0, 0.2], vec![0.3, 1.0]];
        full.variables.truncate(2);
        full.means.truncate(2);
        full.sds.truncate(2);
        assert!(full
            .check()
            .unwrap_err()
            .to_string()
            .contains("not symmetric"));
        let m = table().check().unwrap();
        assert!(MatchedSpec { n: 5, seed: 1 }.simulate(&m).is_err());
    }
}

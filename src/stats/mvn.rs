//! Multivariate normal building blocks shared by moment-matched simulation
//! (`simulate/matched.rs`) and Monte Carlo power ([`super::power`]): a checked table of
//! means, SDs and correlations, its covariance matrix, rows of independent standard normals
//! and the lower Cholesky factor that colours them.

use nalgebra::{DMatrix, DVector};
use rand_chacha::ChaCha8Rng;

use super::rng::normal;
use super::StatsError;

/// Means, SDs and a symmetric positive definite correlation matrix of named variables
/// (a checked descriptives table, as `MomentTable::check` in `simulate/matched.rs` builds it).
///
/// Not to be confused with [`super::moments::Moments`], the weighted cross-products of a
/// bootstrap resample.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    pub names: Vec<String>,
    pub means: Vec<f64>,
    pub sds: Vec<f64>,
    pub corr: DMatrix<f64>,
}

impl Moments {
    /// The covariance matrix.
    ///
    /// # Formula
    /// Σ = D R D with D = diag(SD) and R the correlation matrix.
    pub fn covariance(&self) -> DMatrix<f64> {
        let d = DMatrix::from_diagonal(&DVector::from_column_slice(&self.sds));
        &d * &self.corr * &d
    }
}

/// n × p standard normals, drawn row by row from `r` (so the first m rows do not depend on n).
pub fn normal_rows(r: &mut ChaCha8Rng, n: usize, p: usize) -> DMatrix<f64> {
    let mut z = DMatrix::zeros(n, p);
    for i in 0..n {
        for j in 0..p {
            z[(i, j)] = normal(r);
        }
    }
    z
}

/// Lower Cholesky factor of a covariance matrix; `what` names it in the error.
///
/// # Formula
/// Σ = L Lᵀ with L lower triangular; if the rows of Z are iid N(0, I), the rows of Z Lᵀ are
/// iid N(0, Σ).
pub fn cholesky_lower(cov: &DMatrix<f64>, what: &str) -> Result<DMatrix<f64>, StatsError> {
    cov.clone()
        .cholesky()
        .map(|c| c.l())
        .ok_or_else(|| StatsError::Invalid(format!("{what} is not positive definite")))
}

//! Estimators. One model per file, in the pattern spec → fit → result. Estimators take
//! slices or nalgebra matrices (never Polars frames) and return plain `Serialize` structs;
//! nothing here prints.
//!
//! Shared engines, used by the models and knowing nothing about them: [`bootstrap`]
//! (resampling, the replicate driver, intervals), [`moments`] (weighted cross-products and
//! normal-equation solves from resample counts), [`rng`] and [`mvn`] (seeded draws,
//! multivariate normal). `stats` depends on no other module of the crate (`simulate`,
//! `spec`, … depend on it), and within it dependencies point one way, e.g.
//! `mediation → bootstrap, moments`.

pub mod attrition;
pub mod bootstrap;
pub mod change;
pub mod cluster;
pub mod correlation;
pub mod descriptives;
pub mod dist;
pub mod em;
pub mod estimate;
pub mod fiml;
pub mod glm;
pub mod irls;
pub mod mcar;
pub mod mediation;
pub mod mmrm;
pub mod moments;
pub mod mvn;
pub mod ols;
pub mod power;
pub mod reliability;
pub mod rng;

use thiserror::Error;

/// Why an estimator could not produce a trustworthy answer (exit code 1).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum StatsError {
    #[error("too few observations: {n} rows for {p} parameters (need more rows than parameters)")]
    TooFewRows { n: usize, p: usize },
    #[error("column '{column}' is constant, so its effect cannot be estimated; drop it from the model (`spcure regress` can also fit without an intercept: --no-intercept)")]
    ConstantColumn { column: String },
    #[error("column '{column}' is (nearly) a linear combination of {others}; the design is collinear (|R_jj|/||x_j|| = {ratio:.2e} < {tol:.0e}); drop one of them")]
    Collinear {
        column: String,
        others: String,
        ratio: f64,
        tol: f64,
    },
    #[error("non-finite value (NaN or infinity) in {what}")]
    NonFinite { what: String },
    /// The data were finite but a result is not: the arithmetic over- or underflowed.
    #[error("{what} is not finite: the arithmetic overflows double precision (values too far from 1 in magnitude); rescale the variables, e.g. divide them by a power of ten")]
    Overflow { what: String },
    #[error("{0}")]
    Invalid(String),
}

/// Refuses a result that is not finite: never report NaN or infinity as an estimate.
pub(crate) fn check_finite(what: &str, values: &[f64]) -> Result<(), StatsError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(StatsError::Overflow { what: what.into() })
    }
}

/// The power of two nearest below max |v| (1 for an all-zero or non-finite column).
/// Dividing by a power of two is exact, so scaled arithmetic gives the same digits as
/// unscaled arithmetic wherever the latter does not over- or underflow.
pub(crate) fn pow2_scale(values: &[f64]) -> f64 {
    let max = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if max == 0.0 || !max.is_finite() {
        return 1.0;
    }
    // Clamped so that 1/scale stays a normal number too.
    let e = (max.log2().floor() as i32).clamp(-1020, 1020);
    f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
pub(crate) mod testdata;

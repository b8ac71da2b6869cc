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
pub mod correlation;
pub mod descriptives;
pub mod dist;
pub mod em;
pub mod estimate;
pub mod fiml;
pub mod mcar;
pub mod mediation;
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
    #[error("{0}")]
    Invalid(String),
}

#[cfg(test)]
pub(crate) mod testdata;

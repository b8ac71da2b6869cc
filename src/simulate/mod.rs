//! Synthetic data: the example cohort's generative model ([`cohort`]) and moment-matched
//! data sets ([`matched`]). Everything is deterministic given the seed (ChaCha8).
//!
//! The random and multivariate normal math lives in [`crate::stats::rng`] and
//! [`crate::stats::mvn`] (power analysis needs it too); `simulate` depends on `stats`, never
//! the other way round.

pub mod cohort;
pub mod matched;

/// Re-exported for callers that used `crate::simulate::{rng, normal, …}`.
pub use crate::stats::rng::{normal, poisson, rng, uniform};

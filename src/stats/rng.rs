//! Seeded random draws shared by the simulations and Monte Carlo power: one ChaCha8 stream
//! per seed, standard normal, uniform and small-mean Poisson variates. Everything is
//! deterministic given the seed.
//!
//! (The bootstrap keeps its own per-resample streams, [`super::bootstrap::resample_rng`].)

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seeded generator used by every simulation.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Standard normal draw (Box–Muller; one of the pair is discarded for simplicity).
///
/// # Formula
/// With U₁ ∈ (0, 1] and U₂ ∈ [0, 1) independent uniforms,
/// Z = √(−2 ln U₁) · cos(2π U₂) ~ N(0, 1) (Box & Muller 1958, *Ann. Math. Statist.* 29:610).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Uniform draw in [0, 1).
pub fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

/// Poisson draw by inversion (small means only, as for GP visit counts).
///
/// # Formula
/// The smallest k with U ≤ Σ_{j ≤ k} e^{−λ} λʲ / j!, the terms built by
/// p_k = p_{k−1} · λ / k (inversion by sequential search; Devroye 1986, *Non-Uniform Random
/// Variate Generation*, ch. X);
/// capped at k = 1000.
pub fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u32 {
    let (mut k, mut p, mut cdf) = (0u32, (-mean).exp(), (-mean).exp());
    let u = uniform(rng);
    while u > cdf && k < 1000 {
        k += 1;
        p *= mean / k as f64;
        cdf += p;
    }
    k
}

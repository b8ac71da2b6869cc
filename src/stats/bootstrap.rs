//! The bootstrap as a reusable engine: random streams, resampled units, a driver that
//! evaluates any statistic on B resamples, bootstrap standard errors and the percentile,
//! bias-corrected (BC) and BCa confidence intervals. Models (e.g. `mediation`) supply a
//! statistic computed from per-case resample counts; this file knows nothing about them.
//!
//! Reproducibility: resample b draws from its own ChaCha8 stream (key from the seed, stream
//! number b), so results do not depend on how resamples are spread over threads.
//!
//! Interval positions follow Hayes' PROCESS (1-based order statistics of the B sorted
//! estimates, level L, α = (1 − L)/2):
//! - percentile: lower at round(B·α), upper at trunc(B·(L + α)) + 1
//!   (B = 5000, L = .95: the 125th and the 4876th);
//! - BC (Efron 1987; Efron & Tibshirani 1993, §14.3): z₀ = Φ⁻¹(#{θ*_b < θ̂}/B),
//!   z = Φ⁻¹(1 − α); lower at round(B·Φ(2z₀ − z)), upper at trunc(B·Φ(2z₀ + z)) + 1;
//! - BCa (Efron 1987, eq. 2.3; Efron & Tibshirani 1993, eq. 14.9–14.15): with acceleration
//!   â from the jackknife, α₁ = Φ(z₀ + (z₀ − z)/(1 − â(z₀ − z))),
//!   α₂ = Φ(z₀ + (z₀ + z)/(1 − â(z₀ + z))); lower at round(B·α₁), upper at trunc(B·α₂) + 1.
//!   With â = 0 this is the BC interval.
//!
//! Positions outside 1..B are clamped to the extreme estimate and the interval is flagged.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{dist, StatsError};

/// Guard against products such as 5000·0.95 landing just below an integer before `trunc`.
const POSITION_EPS: f64 = 1e-9;
/// Redraws allowed per resample before the bootstrap gives up.
pub const MAX_REDRAWS: usize = 100;

/// Bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CiMethod {
    Percentile,
    Bc,
    Bca,
}

/// How to bootstrap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootSpec {
    pub samples: usize,
    pub seed: u64,
    pub ci: CiMethod,
    /// Confidence level in (0, 1).
    pub level: f64,
}

impl BootSpec {
    /// At least 2 resamples and a level in (0, 1).
    pub fn check(&self) -> Result<(), StatsError> {
        if self.samples < 2 {
            return Err(StatsError::Invalid(
                "the bootstrap needs at least 2 resamples".into(),
            ));
        }
        let level = self.level;
        if level.is_nan() || level <= 0.0 || level >= 1.0 {
            return Err(StatsError::Invalid(format!(
                "confidence level {} is not in (0, 1)",
                self.level
            )));
        }
        Ok(())
    }
}

/// The random stream of resample `b`: ChaCha8 keyed by `seed`, stream number `b`.
pub fn resample_rng(seed: u64, b: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(b);
    rng
}

/// Uniform integer in 0..n (Lemire 2019, "Fast random integer generation in an interval",
/// multiply-and-reject; unbiased). `n` must be in 1..=u32::MAX.
#[inline]
fn below(rng: &mut ChaCha8Rng, n: u32) -> u32 {
    let mut m = u64::from(rng.next_u32()) * u64::from(n);
    if (m as u32) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u32) < threshold {
            m = u64::from(rng.next_u32()) * u64::from(n);
        }
    }
    (m >> 32) as u32
}

/// Draws n cases with replacement and stores how often each case was drawn in `counts`
/// (length n, overwritten). Requires n ≤ u32::MAX.
pub fn draw_counts(rng: &mut ChaCha8Rng, counts: &mut [u32]) {
    counts.fill(0);
    let n = counts.len() as u32;
    for _ in 0..n {
        counts[below(rng, n) as usize] += 1;
    }
}

/// The units a resample draws with replacement. A resample is handed to the statistic as
/// per-case counts (how often each case enters), whatever the unit, so a statistic computed
/// from counts works unchanged for every unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resampling {
    /// Nonparametric case resampling: n cases drawn with replacement (Efron & Tibshirani
    /// 1993, ch. 6). Requires 1 ≤ n ≤ u32::MAX.
    Cases { n: usize },
    /// Cluster (block) resampling: G whole clusters drawn with replacement, every case of a
    /// drawn cluster entering as often as its cluster was drawn (Davison & Hinkley 1997,
    /// §3.8; Cameron, Gelbach & Miller 2008). The resample's size varies with the sizes of
    /// the clusters drawn. `membership[i]` is case i's cluster in 0..`clusters`; build it
    /// with [`Resampling::clusters`].
    Clusters {
        membership: Vec<u32>,
        clusters: usize,
    },
}

impl Resampling {
    /// A cluster bootstrap over `membership` (case i in cluster `membership[i]`), with every
    /// cluster number in 0..G used and G ≥ 2.
    pub fn clusters(membership: Vec<u32>) -> Result<Self, StatsError> {
        let clusters = membership.iter().max().map_or(0, |m| *m as usize + 1);
        let mut seen = vec![false; clusters];
        for &m in &membership {
            seen[m as usize] = true;
        }
        if clusters < 2 || seen.contains(&false) {
            return Err(StatsError::Invalid(format!(
                "a cluster bootstrap needs at least 2 clusters numbered 0..G without gaps \
                 (got {clusters} numbers, {} of them used)",
                seen.iter().filter(|s| **s).count()
            )));
        }
        Ok(Self::Clusters {
            membership,
            clusters,
        })
    }

    /// Length of the count vectors: the number of cases.
    pub fn cases(&self) -> usize {
        match self {
            Self::Cases { n } => *n,
            Self::Clusters { membership, .. } => membership.len(),
        }
    }

    /// Number of units drawn per resample (cases or clusters).
    pub fn units(&self) -> usize {
        match self {
            Self::Cases { n } => *n,
            Self::Clusters { clusters, .. } => *clusters,
        }
    }

    /// Draws one resample from `rng` into `counts` (length [`Self::cases`], overwritten).
    #[inline]
    pub fn draw(&self, rng: &mut ChaCha8Rng, counts: &mut [u32]) {
        match self {
            Self::Cases { .. } => draw_counts(rng, counts),
            Self::Clusters {
                membership,
                clusters,
            } => {
                let mut drawn = vec![0u32; *clusters];
                draw_counts(rng, &mut drawn);
                for (c, &m) in counts.iter_mut().zip(membership) {
                    *c = drawn[m as usize];
                }
            }
        }
    }

    /// Counts of the jackknife sample without unit `u` (a case or a whole cluster): 1 for
    /// every other case, 0 for the left-out ones.
    pub fn leave_out(&self, u: usize, counts: &mut [u32]) {
        match self {
            Self::Cases { .. } => {
                counts.fill(1);
                counts[u] = 0;
            }
            Self::Clusters { membership, .. } => {
                for (c, &m) in counts.iter_mut().zip(membership) {
                    *c = u32::from(m as usize != u);
                }
            }
        }
    }
}

/// The bootstrap distribution: one column per statistic, each holding the B replicates in
/// resample order (b = 0, 1, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Replicates {
    pub columns: Vec<Vec<f64>>,
    /// Resamples redrawn because the statistic was undefined on them.
    pub replaced: usize,
}

/// Evaluates `statistic` on `samples` resamples of `units` drawn from `seed`, in parallel on
/// the current rayon pool.
///
/// Resample b draws its counts from [`resample_rng`]`(seed, b)`. When `statistic` returns
/// `None` (a degenerate resample, e.g. a singular design) the resample is redrawn from the
/// same stream and counted in `replaced`; when the redraws, too, are degenerate
/// [`MAX_REDRAWS`] times in a row the bootstrap fails. Results are ordered by b and identical for any thread count.
/// `progress` is called once per finished resample.
pub fn replicates<F>(
    units: &Resampling,
    samples: usize,
    seed: u64,
    statistic: F,
    progress: Option<&(dyn Fn() + Sync)>,
) -> Result<Replicates, StatsError>
where
    F: Fn(&[u32]) -> Option<Vec<f64>> + Sync,
{
    let n = units.cases();
    if n == 0 || n > u32::MAX as usize || units.units() > u32::MAX as usize {
        return Err(StatsError::Invalid(format!(
            "{n} cases to resample: need 1 to 2^32 − 1"
        )));
    }
    let rows: Vec<(Vec<f64>, usize)> = (0..samples)
        .into_par_iter()
        // Batches of at least 16 resamples: for small n one resample takes microseconds,
        // less than splitting the work finer would cost.
        .with_min_len(16)
        .map_init(
            || vec![0u32; n],
            |counts, b| {
                let out = one_resample(units, &statistic, seed, b as u64, counts);
                if let Some(tick) = progress {
                    tick();
                }
                out
            },
        )
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            StatsError::Invalid(format!(
                "the bootstrap failed: some resample was singular {MAX_REDRAWS} times in a \
                 row (a rare category or a near-constant variable?)"
            ))
        })?;
    let replaced = rows.iter().map(|r| r.1).sum();
    Ok(Replicates {
        columns: transpose(&rows),
        replaced,
    })
}

/// Statistics of resample `b` and how many draws were degenerate; `None` after
/// `MAX_REDRAWS` degenerate draws. Redraws continue b's own stream.
fn one_resample<F>(
    units: &Resampling,
    statistic: &F,
    seed: u64,
    b: u64,
    counts: &mut [u32],
) -> Option<(Vec<f64>, usize)>
where
    F: Fn(&[u32]) -> Option<Vec<f64>>,
{
    let mut rng = resample_rng(seed, b);
    for redraws in 0..=MAX_REDRAWS {
        units.draw(&mut rng, counts);
        if let Some(row) = statistic(counts) {
            return Some((row, redraws));
        }
    }
    None
}

/// Rows (one per resample) to columns (one per statistic).
fn transpose(rows: &[(Vec<f64>, usize)]) -> Vec<Vec<f64>> {
    let ncol = rows.first().map_or(0, |r| r.0.len());
    let mut columns = vec![Vec::with_capacity(rows.len()); ncol];
    for (row, _) in rows {
        for (c, v) in columns.iter_mut().zip(row) {
            c.push(*v);
        }
    }
    columns
}

/// Bootstrap SE and interval of every statistic: `columns` from [`replicates`] (sorted in
/// place), `estimates` the full-sample values, `accel` the BCa accelerations (ignored by
/// the other methods). Returns the summaries and, per statistic, whether an interval limit
/// was clamped (see [`interval`]).
pub fn summaries(
    columns: &mut [Vec<f64>],
    estimates: &[f64],
    accel: &[f64],
    spec: &BootSpec,
) -> (Vec<BootSummary>, Vec<bool>) {
    columns
        .iter_mut()
        .zip(estimates)
        .zip(accel)
        .map(|((col, &estimate), &a)| {
            let boot_se = sd(col);
            let (ci_low, ci_high, clamped) = interval(col, estimate, spec.ci, spec.level, a);
            let summary = BootSummary {
                estimate,
                boot_se,
                ci_low,
                ci_high,
            };
            (summary, clamped)
        })
        .unzip()
}

/// Jackknife acceleration of each of `ncol` statistics, in parallel over the `units` left
/// out: `leave_out(i)` gives the statistics without unit i (`None`: undefined, skipped).
/// See [`acceleration`] for the formula.
pub fn jackknife_acceleration<F>(units: usize, ncol: usize, leave_out: F) -> Vec<f64>
where
    F: Fn(usize) -> Option<Vec<f64>> + Sync,
{
    let rows: Vec<Vec<f64>> = (0..units)
        .into_par_iter()
        .with_min_len(256)
        .filter_map(&leave_out)
        .collect();
    (0..ncol)
        .map(|c| {
            let col: Vec<f64> = rows.iter().map(|r| r[c]).collect();
            acceleration(&col)
        })
        .collect()
}

/// A bootstrap summary of one statistic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootSummary {
    pub estimate: f64,
    pub boot_se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Standard deviation with the n − 1 denominator (the PROCESS bootstrap SE).
pub fn sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 2 {
        return f64::NAN;
    }
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// 1-based positions (lower, upper) for a two-sided interval with tail areas
/// `p_low` and `p_high` (= 1 − upper tail) among `b` estimates, PROCESS rule:
/// round(B·p_low) and trunc(B·p_high) + 1.
pub fn positions(b: usize, p_low: f64, p_high: f64) -> (i64, i64) {
    let bf = b as f64;
    let lo = (bf * p_low).round() as i64;
    let hi = (bf * p_high + POSITION_EPS).trunc() as i64 + 1;
    (lo, hi)
}

/// Tail areas (p_low, p_high) of the chosen interval.
/// `below` = share of bootstrap estimates strictly below the sample estimate;
/// `accel` = BCa acceleration (ignored otherwise).
pub fn tail_areas(method: CiMethod, level: f64, below: f64, accel: f64) -> (f64, f64) {
    let alpha = (1.0 - level) / 2.0;
    if method == CiMethod::Percentile {
        return (alpha, level + alpha);
    }
    let z = dist::norm_quantile(1.0 - alpha);
    let z0 = dist::norm_quantile(below);
    let a = if method == CiMethod::Bca { accel } else { 0.0 };
    let adj = |zq: f64| z0 + (z0 + zq) / (1.0 - a * (z0 + zq));
    (dist::norm_cdf(adj(-z)), dist::norm_cdf(adj(z)))
}

/// Interval from bootstrap estimates (any order; they are sorted in place).
/// Returns (low, high, clamped): `clamped` when a position fell outside 1..B (or was not a
/// number, e.g. when every estimate lies on one side of the sample estimate).
pub fn interval(
    values: &mut [f64],
    estimate: f64,
    method: CiMethod,
    level: f64,
    accel: f64,
) -> (f64, f64, bool) {
    let b = values.len();
    let below = values.iter().filter(|v| **v < estimate).count() as f64 / b as f64;
    let (p_low, p_high) = tail_areas(method, level, below, accel);
    values.sort_unstable_by(f64::total_cmp);
    let (lo, hi) = if p_low.is_nan() || p_high.is_nan() {
        (0, b as i64 + 1)
    } else {
        positions(b, p_low, p_high)
    };
    let clamped = lo < 1 || hi > b as i64;
    let at = |pos: i64| values[(pos.clamp(1, b as i64) - 1) as usize];
    (at(lo), at(hi), clamped)
}

/// Jackknife acceleration (Efron & Tibshirani 1993, eq. 14.15):
/// â = Σ(θ̄ − θ₍ᵢ₎)³ / (6·[Σ(θ̄ − θ₍ᵢ₎)²]^{3/2}), θ₍ᵢ₎ the estimate without case i.
/// Zero when all leave-one-out estimates coincide.
pub fn acceleration(leave_one_out: &[f64]) -> f64 {
    let n = leave_one_out.len() as f64;
    let mean = leave_one_out.iter().sum::<f64>() / n;
    let (mut s2, mut s3) = (0.0, 0.0);
    for v in leave_one_out {
        let d = mean - v;
        s2 += d * d;
        s3 += d * d * d;
    }
    if s2 == 0.0 {
        0.0
    } else {
        s3 / (6.0 * s2.powf(1.5))
    }
}

/// Equal-width histogram of `values` with `bins` bins from min to max:
/// (`bins` + 1 edges, `bins` counts). A value on an inner edge goes to the bin above it;
/// the maximum goes to the last bin.
pub fn histogram(values: &[f64], bins: usize) -> (Vec<f64>, Vec<u64>) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if bins == 0 || !min.is_finite() {
        return (Vec::new(), Vec::new());
    }
    let width = if max > min {
        (max - min) / bins as f64
    } else {
        1.0
    };
    let edges = (0..=bins).map(|i| min + width * i as f64).collect();
    let mut counts = vec![0u64; bins];
    for v in values.iter().filter(|v| v.is_finite()) {
        let i = (((v - min) / width).floor() as usize).min(bins - 1);
        counts[i] += 1;
    }
    (edges, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_percentile_positions() {
        // PROCESS documentation: B = 5000, 95 % → 125th and 4876th.
        let (p_low, p_high) = tail_areas(CiMethod::Percentile, 0.95, 0.5, 0.0);
        assert_eq!(positions(5000, p_low, p_high), (125, 4876));
        // B = 1000, 90 %: round(50) = 50, trunc(900 + 50) + 1 = 951.
        let (p_low, p_high) = tail_areas(CiMethod::Percentile, 0.90, 0.5, 0.0);
        assert_eq!(positions(1000, p_low, p_high), (50, 951));
        // B = 10000, 99 %: round(50) = 50, trunc(9900 + 50) + 1 = 9951.
        let (p_low, p_high) = tail_areas(CiMethod::Percentile, 0.99, 0.5, 0.0);
        assert_eq!(positions(10000, p_low, p_high), (50, 9951));
    }

    #[test]
    fn bc_with_median_estimate_equals_percentile() {
        let (a, b) = tail_areas(CiMethod::Bc, 0.95, 0.5, 0.0);
        // statrs Φ and Φ⁻¹ agree to about 1e-9.
        assert!(
            (a - 0.025).abs() < 1e-8 && (b - 0.975).abs() < 1e-8,
            "{a} {b}"
        );
        let (a2, b2) = tail_areas(CiMethod::Bca, 0.95, 0.5, 0.0);
        assert_eq!((a, b), (a2, b2));
    }

    #[test]
    fn interval_picks_order_statistics() {
        let mut v: Vec<f64> = (1..=5000).rev().map(f64::from).collect();
        let (lo, hi, clamped) = interval(&mut v, 2500.5, CiMethod::Percentile, 0.95, 0.0);
        assert_eq!((lo, hi, clamped), (125.0, 4876.0, false));
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut c1 = vec![0u32; 50];
        let mut c2 = vec![0u32; 50];
        draw_counts(&mut resample_rng(7, 3), &mut c1);
        draw_counts(&mut resample_rng(7, 3), &mut c2);
        assert_eq!(c1, c2);
        assert_eq!(c1.iter().sum::<u32>(), 50);
        draw_counts(&mut resample_rng(7, 4), &mut c2);
        assert_ne!(c1, c2);
    }

    /// The driver: replicates in resample order, identical for any thread count, redraws
    /// counted, and an error when a resample stays degenerate.
    #[test]
    fn replicates_are_ordered_reproducible_and_redraw_degenerate_resamples() {
        let units = Resampling::Cases { n: 30 };
        // "Degenerate" when case 0 is not drawn (probability (29/30)^30 ≈ 0.36).
        let statistic = |c: &[u32]| (c[0] > 0).then(|| vec![f64::from(c[1]), f64::from(c[0])]);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| replicates(&units, 200, 5, statistic, None))
                .unwrap()
        };
        let one = run(1);
        assert_eq!(one, run(3));
        assert_eq!(one.columns.len(), 2);
        assert!(one.columns[1].iter().all(|v| *v > 0.0));
        assert!(one.replaced > 0);
        // Resample 7 by hand: the first non-degenerate draw of stream 7.
        let mut rng = resample_rng(5, 7);
        let mut counts = vec![0u32; 30];
        let mut redraws = 0;
        loop {
            units.draw(&mut rng, &mut counts);
            if counts[0] > 0 {
                break;
            }
            redraws += 1;
        }
        assert!(redraws <= MAX_REDRAWS);
        assert_eq!(one.columns[0][7], f64::from(counts[1]));
        let never = |_: &[u32]| None::<Vec<f64>>;
        assert!(replicates(&units, 3, 5, never, None).is_err());
    }

    /// A cluster resample gives every case its cluster's draw count, reproducibly, and the
    /// driver's results do not depend on the thread count.
    #[test]
    fn cluster_resamples_draw_whole_clusters() {
        let membership = vec![2, 0, 1, 2, 2, 0, 1, 3];
        let units = Resampling::clusters(membership.clone()).unwrap();
        assert_eq!((units.cases(), units.units()), (8, 4));
        let mut counts = vec![0u32; 8];
        units.draw(&mut resample_rng(9, 2), &mut counts);
        let mut drawn = vec![0u32; 4];
        draw_counts(&mut resample_rng(9, 2), &mut drawn);
        assert_eq!(drawn.iter().sum::<u32>(), 4);
        for (c, m) in counts.iter().zip(&membership) {
            assert_eq!(*c, drawn[*m as usize]);
        }
        let statistic = |c: &[u32]| Some(vec![f64::from(c[0] + 10 * c[1])]);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| replicates(&units, 100, 3, statistic, None))
                .unwrap()
        };
        assert_eq!(run(1), run(4));
        units.leave_out(2, &mut counts);
        assert_eq!(counts, [0, 1, 1, 0, 0, 1, 1, 1]);
        assert!(Resampling::clusters(vec![0, 0]).is_err());
        assert!(Resampling::clusters(vec![0, 2]).is_err());
    }

    #[test]
    fn acceleration_of_symmetric_values_is_zero() {
        assert_eq!(acceleration(&[1.0, 2.0, 3.0]), 0.0);
        assert!(acceleration(&[0.0, 0.0, 0.0, 10.0]) < 0.0);
    }

    #[test]
    fn histogram_counts_everything() {
        let v: Vec<f64> = (0..100).map(f64::from).collect();
        let (edges, counts) = histogram(&v, 40);
        assert_eq!(edges.len(), 41);
        assert_eq!(counts.iter().sum::<u64>(), 100);
    }
}

//! The generative model behind `data/example/` (documented in data/README.md).
//!
//! Baseline (T0), per participant, on standardised latent scales:
//!   G0 ~ N(0,1); B0 = .45·G0 + e; S0 = .40·B0 + e; L0 = −.45·S0 + e; H0 = −.40·L0 + .10·G0 + e.
//! Change T0→T1 follows the Social Cure chain (the effect the analysis should find):
//!   ΔG = 0.35 + 0.9·e; ΔB = .65·ΔG + e; ΔS = .65·ΔB + .05·ΔG + e; ΔL = −.65·ΔS + e;
//!   ΔH = 0.10 − .90·ΔL + .05·ΔG + e  (each e ~ N(0, 0.4²)).
//! T1→T2 changes are small (the improvement holds): each construct drifts by N(0, 0.3²).
//! Latent scores map to item scales around a construct mean with a construct SD; each item
//! is the score plus item noise N(0, (0.3·SD)²), rounded and clipped to its range.
//! About 2% of items are skipped at random (written empty, a few as −99).
//! Dropout is not completely at random: participants are retained at T1 in order of
//! 0.6·H0 − 0.4·L0 + logistic noise (the top `n1`), and at T2 among those at T1 by the
//! same rule with T1 scores (the top `n2`), so healthier, less lonely people stay.
//! GP visits (3 months) ~ Poisson(exp(ln 3.2 + 0.35·L − 0.25·H − 0.22·[wave ≥ 1])).

use rand_chacha::ChaCha8Rng;

use crate::stats::rng::{normal, poisson, rng, uniform};

/// Size of the cohort at each wave.
#[derive(Debug, Clone, Copy)]
pub struct CohortSize {
    pub n0: usize,
    pub n1: usize,
    pub n2: usize,
}

impl CohortSize {
    /// The Nottinghamshire pathway's sizes: 630 → 178 → 63.
    pub fn example() -> Self {
        Self {
            n0: 630,
            n1: 178,
            n2: 63,
        }
    }
    /// Keeps the example's retention shares for another baseline size.
    pub fn scaled(n0: usize) -> Self {
        let n1 = (n0 as f64 * 178.0 / 630.0).round() as usize;
        let n2 = (n0 as f64 * 63.0 / 630.0).round() as usize;
        Self {
            n0,
            n1: n1.max(3),
            n2: n2.max(2),
        }
    }
}

/// One scale of the example instruments.
struct Scale {
    prefix: &'static str,
    items: usize,
    min: f64,
    max: f64,
    mean: f64,
    sd: f64,
    reverse: &'static [usize],
}

// Order: groups, belonging, support, loneliness, hrqol (the latent index below).
const SCALES: [Scale; 5] = [
    Scale {
        prefix: "groups",
        items: 4,
        min: 1.0,
        max: 7.0,
        mean: 3.6,
        sd: 1.2,
        reverse: &[],
    },
    Scale {
        prefix: "belong",
        items: 3,
        min: 1.0,
        max: 7.0,
        mean: 3.9,
        sd: 1.2,
        reverse: &[],
    },
    Scale {
        prefix: "support",
        items: 4,
        min: 1.0,
        max: 7.0,
        mean: 4.4,
        sd: 1.1,
        reverse: &[4],
    },
    Scale {
        prefix: "lonely",
        items: 3,
        min: 1.0,
        max: 3.0,
        mean: 2.1,
        sd: 0.6,
        reverse: &[],
    },
    Scale {
        prefix: "hrqol",
        items: 5,
        min: 1.0,
        max: 5.0,
        mean: 2.8,
        sd: 0.8,
        reverse: &[],
    },
];

struct Person {
    age: f64,
    gender: u8,
    /// Latent scores per wave: [wave][scale].
    latent: [[f64; 5]; 3],
}

/// The three wave files as CSV text (T0, T1, T2).
pub fn generate(size: CohortSize, seed: u64) -> [String; 3] {
    let mut r = rng(seed);
    let people: Vec<Person> = (0..size.n0).map(|_| person(&mut r)).collect();
    let t1 = retain(&mut r, &people, (0..size.n0).collect(), 0, size.n1);
    let t2 = retain(&mut r, &people, t1.clone(), 1, size.n2);
    let all: Vec<usize> = (0..size.n0).collect();
    [
        wave_csv(&mut r, &people, &all, 0),
        wave_csv(&mut r, &people, &t1, 1),
        wave_csv(&mut r, &people, &t2, 2),
    ]
}

fn person(r: &mut ChaCha8Rng) -> Person {
    let e = |r: &mut ChaCha8Rng, sd: f64| sd * normal(r);
    let g = normal(r);
    let b = 0.45 * g + e(r, 0.9);
    let s = 0.40 * b + e(r, 0.9);
    let l = -0.45 * s + e(r, 0.9);
    let h = -0.40 * l + 0.10 * g + e(r, 0.9);
    let t0 = [g, b, s, l, h];
    let dg = 0.35 + e(r, 0.9);
    let db = 0.65 * dg + e(r, 0.4);
    let ds = 0.65 * db + 0.05 * dg + e(r, 0.4);
    let dl = -0.65 * ds + e(r, 0.4);
    let dh = 0.10 - 0.90 * dl + 0.05 * dg + e(r, 0.4);
    let d = [dg, db, ds, dl, dh];
    let t1: [f64; 5] = std::array::from_fn(|k| t0[k] + d[k]);
    let t2: [f64; 5] = std::array::from_fn(|k| t1[k] + e(r, 0.3));
    let age = (58.0 + 16.0 * normal(r)).clamp(18.0, 95.0).round();
    let gender = u8::from(uniform(r) < 0.38);
    Person {
        age,
        gender,
        latent: [t0, t1, t2],
    }
}

/// The top `keep` of `pool` by 0.6·H − 0.4·L at `wave` plus logistic noise, in pool order.
fn retain(
    r: &mut ChaCha8Rng,
    people: &[Person],
    pool: Vec<usize>,
    wave: usize,
    keep: usize,
) -> Vec<usize> {
    let mut scored: Vec<(f64, usize)> = pool
        .iter()
        .map(|&i| {
            let u = uniform(r).clamp(1e-12, 1.0 - 1e-12);
            let lat = &people[i].latent[wave];
            (0.6 * lat[4] - 0.4 * lat[3] + (u / (1.0 - u)).ln(), i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept: Vec<usize> = scored
        .into_iter()
        .take(keep.min(pool.len()))
        .map(|(_, i)| i)
        .collect();
    kept.sort_unstable();
    kept
}

fn header() -> String {
    let mut cols = vec!["id".to_string()];
    for s in &SCALES {
        cols.extend((1..=s.items).map(|j| format!("{}_{j}", s.prefix)));
    }
    cols.extend(["gp_visits", "age", "gender"].map(String::from));
    cols.join(",")
}

fn wave_csv(r: &mut ChaCha8Rng, people: &[Person], rows: &[usize], wave: usize) -> String {
    let mut out = header();
    out.push('\n');
    for &i in rows {
        let p = &people[i];
        let mut cells = vec![format!("SP{:04}", i + 1)];
        for (k, s) in SCALES.iter().enumerate() {
            let score = s.mean + s.sd * p.latent[wave][k];
            for j in 1..=s.items {
                cells.push(item(r, s, score, s.reverse.contains(&j)));
            }
        }
        let lat = &p.latent[wave];
        let rate =
            (3.2f64.ln() + 0.35 * lat[3] - 0.25 * lat[4] - if wave >= 1 { 0.22 } else { 0.0 })
                .exp();
        cells.push(poisson(r, rate).to_string());
        cells.push(format!("{}", p.age));
        cells.push(p.gender.to_string());
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// One item response: score plus noise, rounded and clipped; reverse-keyed items are
/// written on the reversed scale; ~2% skipped (a quarter of those coded −99).
fn item(r: &mut ChaCha8Rng, s: &Scale, score: f64, reversed: bool) -> String {
    let u = uniform(r);
    // Item noise in proportion to the scale's spread, so coarse scales are not swamped.
    let noise = 0.3 * s.sd * normal(r);
    if u < 0.005 {
        return "-99".into();
    }
    if u < 0.02 {
        return String::new();
    }
    let v = (score + noise).round().clamp(s.min, s.max);
    let v = if reversed { s.min + s.max - v } else { v };
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohort_has_the_requested_sizes_and_is_deterministic() {
        let a = generate(CohortSize::example(), 7);
        let rows = |s: &str| s.lines().count() - 1;
        assert_eq!([rows(&a[0]), rows(&a[1]), rows(&a[2])], [630, 178, 63]);
        assert_eq!(a, generate(CohortSize::example(), 7));
        assert_ne!(a[0], generate(CohortSize::example(), 8)[0]);
    }
}

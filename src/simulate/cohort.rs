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

use std::io::{BufWriter, Write};

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

/// The three wave files as CSV text (T0, T1, T2); for small cohorts (tests, the example).
pub fn generate(size: CohortSize, seed: u64) -> [String; 3] {
    let mut bufs: [Vec<u8>; 3] = Default::default();
    let [a, b, c] = &mut bufs;
    write_cohort(size, seed, [a, b, c]).expect("writing to memory cannot fail");
    bufs.map(|b| String::from_utf8(b).expect("the generator writes ASCII"))
}

/// Writes the three wave files (T0, T1, T2) row by row into `outs`.
///
/// Memory and time are linear in `size.n0`: the latent scores (136 bytes a participant) and
/// the retained index lists are held; the CSV text never is. One random stream is used in a
/// fixed order (participants, dropout at T1, dropout at T2, then the cells of T0, T1, T2),
/// so the output depends only on the size and the seed.
pub fn write_cohort(size: CohortSize, seed: u64, outs: [&mut dyn Write; 3]) -> std::io::Result<()> {
    let mut r = rng(seed);
    let people: Vec<Person> = (0..size.n0).map(|_| person(&mut r)).collect();
    let t1 = retain(&mut r, &people, (0..size.n0).collect(), 0, size.n1);
    let t2 = retain(&mut r, &people, t1.clone(), 1, size.n2);
    let all: Vec<usize> = (0..size.n0).collect();
    let rows = [&all, &t1, &t2];
    for (wave, out) in outs.into_iter().enumerate() {
        write_wave(&mut r, &people, rows[wave], wave, out)?;
    }
    Ok(())
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
    let keep = keep.min(scored.len());
    if keep == 0 {
        return Vec::new();
    }
    // Highest score first, ties by index: a strict total order, so the top `keep` are one
    // set whether found by sorting or, in linear time, by selection.
    let order = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    scored.select_nth_unstable_by(keep - 1, order);
    let mut kept = vec![false; people.len()];
    for &(_, i) in &scored[..keep] {
        kept[i] = true;
    }
    pool.into_iter().filter(|&i| kept[i]).collect()
}

fn header() -> String {
    let mut cols = vec!["id".to_string()];
    for s in &SCALES {
        cols.extend((1..=s.items).map(|j| format!("{}_{j}", s.prefix)));
    }
    cols.extend(["gp_visits", "age", "gender"].map(String::from));
    cols.join(",")
}

fn write_wave(
    r: &mut ChaCha8Rng,
    people: &[Person],
    rows: &[usize],
    wave: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    writeln!(out, "{}", header())?;
    for &i in rows {
        let p = &people[i];
        write!(out, "SP{:04}", i + 1)?;
        for (k, s) in SCALES.iter().enumerate() {
            let score = s.mean + s.sd * p.latent[wave][k];
            for j in 1..=s.items {
                out.write_all(b",")?;
                match item(r, s, score, s.reverse.contains(&j)) {
                    Item::Value(v) => write!(out, "{v}")?,
                    Item::Code => out.write_all(b"-99")?,
                    Item::Empty => {}
                }
            }
        }
        let lat = &p.latent[wave];
        let rate =
            (3.2f64.ln() + 0.35 * lat[3] - 0.25 * lat[4] - if wave >= 1 { 0.22 } else { 0.0 })
                .exp();
        writeln!(out, ",{},{},{}", poisson(r, rate), p.age, p.gender)?;
    }
    out.flush()
}

/// One written item cell.
enum Item {
    Value(f64),
    /// Skipped, coded −99.
    Code,
    /// Skipped, left empty.
    Empty,
}

/// One item response: score plus noise, rounded and clipped; reverse-keyed items are
/// written on the reversed scale; ~2% skipped (a quarter of those coded −99).
fn item(r: &mut ChaCha8Rng, s: &Scale, score: f64, reversed: bool) -> Item {
    let u = uniform(r);
    // Item noise in proportion to the scale's spread, so coarse scales are not swamped.
    let noise = 0.3 * s.sd * normal(r);
    if u < 0.005 {
        return Item::Code;
    }
    if u < 0.02 {
        return Item::Empty;
    }
    let v = (score + noise).round().clamp(s.min, s.max);
    Item::Value(if reversed { s.min + s.max - v } else { v })
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

    /// The selection in `retain` keeps exactly the set a full sort would keep.
    #[test]
    fn retain_keeps_the_top_scores_in_pool_order() {
        let mut r = rng(3);
        let people: Vec<Person> = (0..500).map(|_| person(&mut r)).collect();
        for keep in [0, 1, 37, 499, 500, 600] {
            let mut a = rng(keep as u64);
            let kept = retain(&mut a, &people, (0..500).collect(), 0, keep);
            let mut b = rng(keep as u64);
            let mut scored: Vec<(f64, usize)> = (0..500)
                .map(|i| {
                    let u = uniform(&mut b).clamp(1e-12, 1.0 - 1e-12);
                    let lat = &people[i].latent[0];
                    (0.6 * lat[4] - 0.4 * lat[3] + (u / (1.0 - u)).ln(), i)
                })
                .collect();
            scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            let mut want: Vec<usize> = scored.iter().take(keep).map(|p| p.1).collect();
            want.sort_unstable();
            assert_eq!(kept, want, "keep = {keep}");
        }
    }

    /// A scaled cohort keeps the example's retention shares, and dropout depends on health:
    /// those retained at T1 had better baseline HRQoL and less loneliness than those lost.
    #[test]
    fn scaled_cohort_keeps_the_shares_and_drops_out_not_at_random() {
        let size = CohortSize::scaled(5000);
        assert_eq!((size.n0, size.n1, size.n2), (5000, 1413, 500));
        let mut r = rng(11);
        let people: Vec<Person> = (0..size.n0).map(|_| person(&mut r)).collect();
        let t1 = retain(&mut r, &people, (0..size.n0).collect(), 0, size.n1);
        let mean = |keep: bool, k: usize| {
            let v: Vec<f64> = (0..size.n0)
                .filter(|i| t1.binary_search(i).is_ok() == keep)
                .map(|i| people[i].latent[0][k])
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean(true, 4) > mean(false, 4) + 0.2);
        assert!(mean(true, 3) < mean(false, 3) - 0.1);
        let files = generate(size, 11);
        let rows = |s: &str| s.lines().count() - 1;
        assert_eq!(
            [rows(&files[0]), rows(&files[1]), rows(&files[2])],
            [5000, 1413, 500]
        );
        // T2 participants are a subset of T1's, which are a subset of T0's.
        let ids = |s: &str| -> Vec<String> {
            s.lines()
                .skip(1)
                .map(|l| l.split(',').next().unwrap_or("").to_string())
                .collect()
        };
        let (i0, i1, i2) = (ids(&files[0]), ids(&files[1]), ids(&files[2]));
        assert!(i1.iter().all(|i| i0.contains(i)));
        assert!(i2.iter().all(|i| i1.contains(i)));
    }

    /// Streaming to writers gives the same bytes as building the text.
    #[test]
    fn written_files_equal_the_generated_text() {
        let size = CohortSize::scaled(300);
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        write_cohort(size, 5, [&mut a, &mut b, &mut c]).unwrap();
        let text = generate(size, 5);
        assert_eq!([a, b, c], text.map(String::into_bytes));
    }
}

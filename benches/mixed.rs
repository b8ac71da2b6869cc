//! MMRM for one construct: 630 participants × 3 waves with the example's dropout
//! (630 → 178 → 63), unstructured covariance, REML, Kenward–Roger df (target ≤ 50 ms on the
//! 2-core reference machine; figures in docs/benchmarks.md). Run: `cargo bench --bench mixed`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use spcure::stats::mmrm::{Covariance, DfMethod, MixedData, MixedSpec, Subject};

/// Deterministic data (xorshift + Box–Muller, independent of any RNG crate's stream):
/// correlated waves, a rise over time, and dropout that keeps 178 at T1 and 63 at T2.
fn simulate(n: usize) -> MixedData {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut unif = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut subjects = Vec::with_capacity(n);
    for i in 0..n {
        let mut normal = || {
            let (u, v) = (unif(), unif());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        };
        let person = 0.6 * normal();
        let ys: Vec<f64> = (0..3)
            .map(|w| 2.8 + 0.15 * w as f64 + person + 0.5 * normal())
            .collect();
        // The first 63 stay to T2 and the first 178 to T1 (the example's retention).
        let waves = if i < 63 {
            3
        } else if i < 178 {
            2
        } else {
            1
        };
        subjects.push(Subject {
            group: 0,
            covariates: Vec::new(),
            obs: (0..waves).map(|w| (w, ys[w])).collect(),
        });
    }
    MixedData {
        outcome: "hrqol".into(),
        waves: vec!["T0".into(), "T1".into(), "T2".into()],
        group: None,
        covariates: Vec::new(),
        subjects,
    }
}

fn bench(c: &mut Criterion) {
    let data = simulate(630);
    let spec = MixedSpec {
        covariance: Covariance::Unstructured,
        df: DfMethod::KenwardRoger,
        ..MixedSpec::default()
    };
    c.bench_function("mmrm_630x3_unstructured_kr", |b| {
        b.iter(|| black_box(spec.fit(black_box(&data)).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Serial mediation bootstrap, k = 3 mediators, N = 630, B = 5000 (the target is < 50 ms on
//! the 2-core reference machine; figures in docs/benchmarks.md), and the cluster bootstrap,
//! k = 3, N = 2000 in 12 sites of unequal size, B = 5000 (target ≤ 1 s). Run: `cargo bench
//! --bench mediation` or scripts/bench.sh.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use spcure::stats::cluster::{ClusterSpec, ClusterVcov, Clusters};
use spcure::stats::mediation::{BootSpec, CiMethod, MediationData, MediationSpec};

/// Deterministic data with serial paths (a simple xorshift generator and Box–Muller,
/// so the benchmark does not depend on any RNG crate's stream).
fn simulate(n: usize, k: usize) -> (Vec<f64>, Vec<Vec<f64>>, Vec<f64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut unif = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut normal = move || {
        let (u, v) = (unif(), unif());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    let x: Vec<f64> = (0..n).map(|i| (i % 2) as f64).collect();
    let mut ms: Vec<Vec<f64>> = Vec::new();
    for j in 0..k {
        let m = (0..n)
            .map(|i| 0.4 * x[i] + if j > 0 { 0.3 * ms[j - 1][i] } else { 0.0 } + normal())
            .collect();
        ms.push(m);
    }
    let y = (0..n)
        .map(|i| 0.2 * x[i] + ms.iter().map(|m| 0.3 * m[i]).sum::<f64>() + normal())
        .collect();
    (x, ms, y)
}

fn spec(k: usize, samples: usize, ci: CiMethod) -> MediationSpec {
    MediationSpec {
        x: "x".into(),
        mediators: (1..=k).map(|j| format!("m{j}")).collect(),
        y: "y".into(),
        covariates: Vec::new(),
        hc: None,
        contrasts: false,
        standardize: false,
        boot: BootSpec {
            samples,
            seed: 1,
            ci,
            level: 0.95,
        },
    }
}

fn bench(c: &mut Criterion) {
    let (x, ms, y) = simulate(630, 3);
    let data = MediationData {
        x: &x,
        mediators: ms.iter().map(Vec::as_slice).collect(),
        y: &y,
        covariates: Vec::new(),
    };
    let mut group = c.benchmark_group("mediation_k3_n630_b5000");
    group.sample_size(20);
    let percentile = spec(3, 5000, CiMethod::Percentile);
    group.bench_function("fit_percentile", |b| {
        b.iter(|| black_box(percentile.fit(black_box(&data)).unwrap()))
    });
    let bca = spec(3, 5000, CiMethod::Bca);
    group.bench_function("fit_bca", |b| {
        b.iter(|| black_box(bca.fit(black_box(&data)).unwrap()))
    });
    group.bench_function("indirect_cis", |b| {
        b.iter(|| black_box(percentile.indirect_cis(black_box(&data)).unwrap()))
    });
    group.finish();
    cluster_bench(c);
}

/// 12 sites of unequal size: site s (0-based) holds a share (s + 1)/78 of the cases.
fn sites(n: usize) -> ClusterSpec {
    let labels: Vec<String> = (0..n)
        .map(|i| {
            let pos = i as f64 / n as f64 * 78.0;
            let site = (0..12)
                .find(|&s| pos < ((s + 1) * (s + 2) / 2) as f64)
                .unwrap_or(11);
            format!("S{site:02}")
        })
        .collect();
    ClusterSpec {
        variable: "site".into(),
        clusters: Clusters::new(&labels).unwrap(),
        vcov: ClusterVcov::Cr2,
    }
}

fn cluster_bench(c: &mut Criterion) {
    let (x, ms, y) = simulate(2000, 3);
    let data = MediationData {
        x: &x,
        mediators: ms.iter().map(Vec::as_slice).collect(),
        y: &y,
        covariates: Vec::new(),
    };
    let cluster = sites(2000);
    let mut group = c.benchmark_group("cluster_mediation_k3_n2000_12sites_b5000");
    group.sample_size(10);
    let percentile = spec(3, 5000, CiMethod::Percentile);
    group.bench_function("fit_clustered_percentile", |b| {
        b.iter(|| {
            black_box(
                percentile
                    .fit_clustered(black_box(&data), &cluster, None)
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

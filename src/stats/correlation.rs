//! Pearson correlation matrix on pairwise-complete cases.
//!
//! For each pair (x, y) only the cases observed on both are used (n_xy of them):
//! r = Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² Σ(y − ȳ)²) with the means of those cases (two-pass, so
//! no cancellation); two-sided p from t = r·√(n − 2)/√(1 − r²) on n − 2 df (Pearson 1896;
//! the test of R's `cor.test`). Validated against R 4.2.2 `cor.test`
//! (tests/reference/stats/correlation.R), tolerance 1e-8 relative.

use serde::{Deserialize, Serialize};

use super::dist;

/// Pairwise correlations. `r[i][j]` is `None` when fewer than 3 pairs are observed or one
/// of the two columns is constant on them. The diagonal holds r = 1 and p = `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationMatrix {
    pub variables: Vec<String>,
    pub r: Vec<Vec<Option<f64>>>,
    pub p: Vec<Vec<Option<f64>>>,
    /// Pairwise-complete n (on the diagonal: the observed values of the variable).
    pub n: Vec<Vec<usize>>,
}

/// Pearson correlations between `columns` (all of the same length, one per name).
/// Columns of unequal length are compared on their common leading cases.
pub fn pearson_matrix(names: &[String], columns: &[Vec<Option<f64>>]) -> CorrelationMatrix {
    let k = columns.len();
    let mut r = vec![vec![None; k]; k];
    let mut p = vec![vec![None; k]; k];
    let mut n = vec![vec![0; k]; k];
    for i in 0..k {
        for j in i..k {
            let (x, y) = complete_pairs(&columns[i], &columns[j]);
            n[i][j] = x.len();
            n[j][i] = x.len();
            let (rij, pij) = if i == j {
                (Some(1.0).filter(|_| x.len() >= 3 && !constant(&x)), None)
            } else {
                pearson(&x, &y).map_or((None, None), |(r, p)| (Some(r), Some(p)))
            };
            r[i][j] = rij;
            r[j][i] = rij;
            p[i][j] = pij;
            p[j][i] = pij;
        }
    }
    CorrelationMatrix {
        variables: names.to_vec(),
        r,
        p,
        n,
    }
}

/// The values of both columns on the cases where both are observed and finite.
fn complete_pairs(a: &[Option<f64>], b: &[Option<f64>]) -> (Vec<f64>, Vec<f64>) {
    a.iter()
        .zip(b)
        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .unzip()
}

fn constant(x: &[f64]) -> bool {
    x.iter().all(|v| *v == x[0])
}

/// r and its two-sided p, or `None` for fewer than 3 pairs or a constant column.
fn pearson(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len();
    if n < 3 || constant(x) || constant(y) {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n as f64;
    let my = y.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    // Rounding can push |r| a hair above 1 for perfectly collinear data.
    let r = (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0);
    let df = (n - 2) as f64;
    let t = r * df.sqrt() / (1.0 - r * r).sqrt();
    Some((r, dist::t_two_sided(t, df)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Closed form: r and p agree with R to rounding.
    const TOL: f64 = 1e-8;

    fn waves(wanted: &[String]) -> Vec<Vec<Option<f64>>> {
        crate::stats::testdata::columns(
            include_str!("../../tests/reference/stats/change_waves.csv"),
            wanted,
        )
    }

    #[test]
    fn matches_r_cor_test() {
        let r: Value =
            serde_json::from_str(include_str!("../../tests/reference/stats/correlation.json"))
                .unwrap();
        let names: Vec<String> = r["variables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let m = pearson_matrix(&names, &waves(&names));
        for i in 0..names.len() {
            for j in 0..names.len() {
                assert_eq!(m.n[i][j] as u64, r["n"][i][j].as_u64().unwrap());
                let want_r = r["r"][i][j].as_f64().unwrap();
                let got_r = m.r[i][j].unwrap();
                assert!((got_r - want_r).abs() <= TOL * want_r.abs(), "r[{i}][{j}]");
                if i != j {
                    let want_p = r["p"][i][j].as_f64().unwrap();
                    let got_p = m.p[i][j].unwrap();
                    assert!((got_p - want_p).abs() <= TOL * want_p, "p[{i}][{j}]");
                } else {
                    assert_eq!(m.p[i][j], None);
                }
            }
        }
    }

    #[test]
    fn none_for_constant_or_too_few() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let cols = vec![
            vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
            vec![Some(5.0), Some(5.0), Some(5.0), Some(5.0)],
            vec![Some(1.0), None, None, Some(2.0)],
        ];
        let m = pearson_matrix(&names, &cols);
        assert_eq!((m.r[0][1], m.p[0][1]), (None, None));
        assert_eq!((m.r[0][2], m.n[0][2]), (None, 2));
        assert_eq!(m.r[1][1], None);
        assert_eq!(m.r[0][0], Some(1.0));
    }
}

//! Weighted moments of centred data: the engine that refits linear equations on a bootstrap
//! resample (or a jackknife subsample) without touching the rows again.
//!
//! The data are centred once and stored row-major ([`Centred`]). A resample is a vector of
//! case counts wᵢ; one pass accumulates [`Moments`] (Σwᵢ, Σwᵢzᵢ, Σwᵢzᵢzᵢᵀ), from which the
//! centred cross-product matrix ([`CrossProducts`]) gives every equation's slopes by a small
//! Cholesky solve of its normal equations, and every variable's SD. This is algebraically the
//! OLS fit of the resampled rows (the intercept drops out with the centring); mediation checks
//! it against a QR refit in `resample_moments_equal_ols_refit`.
//!
//! The hot loop is [`Moments::from_counts`], run once per resample over all n cases; see its
//! comments before changing it.

/// A resample design is singular when a predictor keeps less than this share of its
/// centred sum of squares after the predictors before it (1 − R²ⱼ), i.e. |Rⱼⱼ|/‖xⱼ‖ < 1e-5.
/// Looser than `lm`'s 1e-7 on |Rⱼⱼ|/‖xⱼ‖ because cross-products square the condition number.
const PIVOT_TOL: f64 = 1e-10;
/// A resampled variable whose variance is below this share of its full-sample variance is
/// treated as constant.
const CONSTANT_TOL: f64 = 1e-12;

/// Data centred at their column means, stored row-major (case i is `row(i)`), each column
/// in scaled units (divided by a power of two near its largest |value|, see [`Centred::new`]).
#[derive(Debug, Clone)]
pub struct Centred {
    n: usize,
    d: usize,
    rows: Vec<f64>,
    /// Full-sample variances (÷ n) in scaled units, the scale for "constant in a resample".
    var: Vec<f64>,
    /// The power of two each column was divided by.
    scale: Vec<f64>,
}

impl Centred {
    /// Scales and centres the columns (all of one length n ≥ 1).
    ///
    /// # Formula
    /// x̃ᵢⱼ = xᵢⱼ/sⱼ with sⱼ the power of two nearest below maxᵢ|xᵢⱼ| (exact; it keeps the
    /// cross-products of columns of size 1e300 or 1e-300 in range, as R's QR scales column
    /// norms); zᵢⱼ = x̃ᵢⱼ − x̄ⱼ with x̄ⱼ = Σᵢx̃ᵢⱼ/n refined once by the mean of the residuals
    /// (x̄ⱼ += Σᵢ(x̃ᵢⱼ − x̄ⱼ)/n, which corrects rounding in the first sum); vⱼ = Σᵢzᵢⱼ²/n.
    /// Slopes and SDs are returned in the data's units ([`CrossProducts`]).
    pub fn new(cols: &[&[f64]]) -> Self {
        let (n, d) = (cols[0].len(), cols.len());
        let mut rows = vec![0.0; n * d];
        let mut var = vec![0.0; d];
        let mut scale = vec![1.0; d];
        for (j, col) in cols.iter().enumerate() {
            scale[j] = super::pow2_scale(col);
            let col: Vec<f64> = col.iter().map(|v| v / scale[j]).collect();
            let mut mean = col.iter().sum::<f64>() / n as f64;
            mean += col.iter().map(|v| v - mean).sum::<f64>() / n as f64;
            for (i, v) in col.iter().enumerate() {
                rows[i * d + j] = v - mean;
            }
            var[j] = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        }
        Self {
            n,
            d,
            rows,
            var,
            scale,
        }
    }

    /// Number of cases.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of columns.
    pub fn d(&self) -> usize {
        self.d
    }

    /// The centred values of case i, in scaled units.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.rows[i * self.d..(i + 1) * self.d]
    }
}

/// Weighted sufficient statistics of centred data: case count, column sums and the
/// packed upper triangle of Σ wᵢ zᵢ zᵢᵀ (row p holds columns p..d).
#[derive(Debug, Clone)]
pub struct Moments {
    count: f64,
    sums: Vec<f64>,
    tri: Vec<f64>,
    /// The column scales of the data (see [`Centred::new`]).
    scale: Vec<f64>,
}

impl Moments {
    fn zero(data: &Centred) -> Self {
        let d = data.d;
        Self {
            count: 0.0,
            sums: vec![0.0; d],
            tri: vec![0.0; d * (d + 1) / 2],
            scale: data.scale.clone(),
        }
    }

    /// Adds case `row` with weight `w` (negative to remove it).
    fn add(&mut self, row: &[f64], w: f64) {
        let mut idx = 0;
        for (p, &zp) in row.iter().enumerate() {
            let wp = w * zp;
            self.sums[p] += wp;
            for &zq in &row[p..] {
                self.tri[idx] += wp * zq;
                idx += 1;
            }
        }
        self.count += w;
    }

    /// Moments of a resample: case i enters `counts[i]` times (`counts` has length n).
    ///
    /// # Formula
    /// count = Σwᵢ, sums = Σwᵢzᵢ, tri = upper triangle of Σwᵢzᵢzᵢᵀ, with wᵢ = `counts[i]`.
    ///
    /// One sequential pass over all cases, weighted by their counts. Common widths get a
    /// monomorphized loop (fixed-size arrays, so the compiler unrolls it); cases drawn zero
    /// times are multiplied by 0 rather than skipped, which avoids unpredictable branches.
    pub fn from_counts(data: &Centred, counts: &[u32]) -> Self {
        match data.d {
            3 => Self::from_counts_fixed::<3>(data, counts),
            4 => Self::from_counts_fixed::<4>(data, counts),
            5 => Self::from_counts_fixed::<5>(data, counts),
            6 => Self::from_counts_fixed::<6>(data, counts),
            7 => Self::from_counts_fixed::<7>(data, counts),
            8 => Self::from_counts_fixed::<8>(data, counts),
            9 => Self::from_counts_fixed::<9>(data, counts),
            10 => Self::from_counts_fixed::<10>(data, counts),
            _ => {
                let mut m = Self::zero(data);
                for (i, &c) in counts.iter().enumerate() {
                    if c != 0 {
                        m.add(data.row(i), f64::from(c));
                    }
                }
                m
            }
        }
    }

    fn from_counts_fixed<const D: usize>(data: &Centred, counts: &[u32]) -> Self {
        let mut sums = [0.0; D];
        let mut cross = [[0.0; D]; D];
        let mut count = 0.0;
        for (chunk, &c) in data.rows.chunks_exact(D).zip(counts) {
            let w = f64::from(c);
            let row: [f64; D] = std::array::from_fn(|j| chunk[j]);
            for p in 0..D {
                let wp = w * row[p];
                sums[p] += wp;
                for q in p..D {
                    cross[p][q] += wp * row[q];
                }
            }
            count += w;
        }
        let mut tri = Vec::with_capacity(D * (D + 1) / 2);
        for (p, cross_p) in cross.iter().enumerate() {
            tri.extend_from_slice(&cross_p[p..]);
        }
        Self {
            count,
            sums: sums.to_vec(),
            tri,
            scale: data.scale.clone(),
        }
    }

    /// Moments of the full sample (every case once).
    pub fn full(data: &Centred) -> Self {
        let mut m = Self::zero(data);
        for i in 0..data.n {
            m.add(data.row(i), 1.0);
        }
        m
    }

    /// The moments without one case (jackknife), by downdating: adds `row` with weight −1.
    pub fn without(&self, row: &[f64]) -> Self {
        let mut m = self.clone();
        m.add(row, -1.0);
        m
    }

    /// The centred cross-product matrix of these moments.
    ///
    /// # Formula
    /// S = Σwzzᵀ − (Σwz)(Σwz)ᵀ / Σw (Σw, Σwz, Σwzzᵀ as in [`Moments::from_counts`]).
    pub fn centred_cross(&self) -> CrossProducts {
        let d = self.sums.len();
        let mut s = vec![0.0; d * d];
        let mut idx = 0;
        for p in 0..d {
            for q in p..d {
                let v = self.tri[idx] - self.sums[p] * self.sums[q] / self.count;
                s[p * d + q] = v;
                s[q * d + p] = v;
                idx += 1;
            }
        }
        CrossProducts {
            d,
            count: self.count,
            s,
            scale: self.scale.clone(),
        }
    }
}

/// A centred cross-product matrix S (d × d, full, row-major, in the scaled units of
/// [`Centred`]) and its case count n_w = Σw.
#[derive(Debug, Clone)]
pub struct CrossProducts {
    d: usize,
    count: f64,
    s: Vec<f64>,
    /// Column scales sⱼ: results are multiplied back into the data's units.
    scale: Vec<f64>,
}

impl CrossProducts {
    /// Sample SD of column j.
    ///
    /// # Formula
    /// SDⱼ = sⱼ·√(Sⱼⱼ / (n_w − 1)) (the n − 1 denominator of R's `sd()`; sⱼ the column scale).
    pub fn sd(&self, j: usize) -> f64 {
        (self.s[j * self.d + j] / (self.count - 1.0)).sqrt() * self.scale[j]
    }

    /// True when some column is (nearly) constant in these moments, relative to `data`, the
    /// full sample they were drawn from.
    ///
    /// # Formula
    /// Sⱼⱼ ≤ 10⁻¹² · vⱼ · n_w (vⱼ the full-sample variance ÷ n), or vⱼ = 0.
    pub fn any_constant(&self, data: &Centred) -> bool {
        let d = self.d;
        let constant = |j: usize| {
            self.s[j * d + j] <= CONSTANT_TOL * data.var[j] * self.count || data.var[j] == 0.0
        };
        (0..d).any(constant)
    }

    /// Slopes of column `outcome` regressed on columns `preds` (with an intercept).
    /// `None` when a pivot keeps less than 10⁻¹⁰ of its diagonal (the predictor is (nearly) a
    /// combination of the ones before it) or a predictor has no variance.
    ///
    /// # Formula
    /// Solves the normal equations S_PP β = S_Po by Cholesky, S_PP = L Lᵀ: forward
    /// L z = S_Po, back Lᵀ β = z (e.g. Golub & Van Loan 2013, *Matrix Computations*, §4.2);
    /// in the data's units βⱼ = β̃ⱼ·s_o/sⱼ (S is in scaled units).
    pub fn solve(&self, preds: &[usize], outcome: usize) -> Option<Vec<f64>> {
        let (s, d) = (&self.s, self.d);
        let l = cholesky(s, d, preds)?;
        let p = preds.len();
        let mut z = vec![0.0; p];
        for i in 0..p {
            let mut v = s[preds[i] * d + outcome];
            for t in 0..i {
                v -= l[i * p + t] * z[t];
            }
            z[i] = v / l[i * p + i];
        }
        for i in (0..p).rev() {
            let mut v = z[i];
            for t in i + 1..p {
                v -= l[t * p + i] * z[t];
            }
            z[i] = v / l[i * p + i];
        }
        for (b, &j) in z.iter_mut().zip(preds) {
            *b = *b * self.scale[outcome] / self.scale[j];
        }
        Some(z)
    }
}

/// Lower Cholesky factor (p × p, row-major) of the submatrix S_PP of `s` (d × d);
/// `None` when a pivot keeps less than `PIVOT_TOL` of its diagonal.
fn cholesky(s: &[f64], d: usize, preds: &[usize]) -> Option<Vec<f64>> {
    let p = preds.len();
    let mut l = vec![0.0; p * p];
    for j in 0..p {
        let diag = s[preds[j] * d + preds[j]];
        let mut rest = diag;
        for t in 0..j {
            rest -= l[j * p + t] * l[j * p + t];
        }
        if diag.is_nan() || diag <= 0.0 || rest <= PIVOT_TOL * diag {
            return None;
        }
        let ljj = rest.sqrt();
        l[j * p + j] = ljj;
        for i in j + 1..p {
            let mut v = s[preds[i] * d + preds[j]];
            for t in 0..j {
                v -= l[i * p + t] * l[j * p + t];
            }
            l[i * p + j] = v / ljj;
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact in exact arithmetic.
    const IDENTITY_TOL: f64 = 1e-12;

    fn data() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let x = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let z = vec![0.5, -1.0, 2.0, 0.0, 1.5, -0.5];
        let y: Vec<f64> = x.iter().zip(&z).map(|(a, b)| 2.0 + 3.0 * a - b).collect();
        (x, z, y)
    }

    #[test]
    fn exact_fit_recovers_slopes() {
        let (x, z, y) = data();
        let c = Centred::new(&[&x, &z, &y]);
        let beta = Moments::full(&c).centred_cross().solve(&[0, 1], 2).unwrap();
        assert!((beta[0] - 3.0).abs() < IDENTITY_TOL, "{beta:?}");
        assert!((beta[1] + 1.0).abs() < IDENTITY_TOL, "{beta:?}");
    }

    #[test]
    fn counts_equal_repeated_rows_and_downdating_equals_dropping() {
        let (x, z, y) = data();
        let c = Centred::new(&[&x, &z, &y]);
        let all_once = Moments::from_counts(&c, &[1; 6]).centred_cross();
        let full = Moments::full(&c).centred_cross();
        assert!((all_once.sd(2) - full.sd(2)).abs() < IDENTITY_TOL);
        // Leaving case 0 out = count 0 for case 0.
        let left = Moments::full(&c).without(c.row(0)).centred_cross();
        let zero = Moments::from_counts(&c, &[0, 1, 1, 1, 1, 1]).centred_cross();
        for (a, b) in left.s.iter().zip(&zero.s) {
            assert!((a - b).abs() < IDENTITY_TOL);
        }
    }

    /// Columns of size 1e300 and 1e-300 (whose squares over- and underflow) give the slopes
    /// and SDs of the unscaled data, scaled.
    #[test]
    fn extreme_magnitudes_are_solved_in_scaled_units() {
        let (x, z, y) = data();
        let big: Vec<f64> = x.iter().map(|v| v * 1e300).collect();
        let tiny: Vec<f64> = y.iter().map(|v| v * 1e-300).collect();
        let c = Centred::new(&[&big, &z, &tiny]);
        let s = Moments::full(&c).centred_cross();
        let beta = s.solve(&[0, 1], 2).unwrap();
        // β_big = 3·1e-300/1e300 is below the smallest double; z's slope −1e-300 is not.
        assert!((beta[1] / -1e-300 - 1.0).abs() < 1e-12, "{beta:?}");
        let plain = Moments::full(&Centred::new(&[&x, &z, &y])).centred_cross();
        assert!((s.sd(0) / (plain.sd(0) * 1e300) - 1.0).abs() < 1e-12);
        assert!((s.sd(2) / (plain.sd(2) * 1e-300) - 1.0).abs() < 1e-12);
        // y ~ 1e300 on x ~ 1e300: slope 3, exactly as unscaled.
        let big_y: Vec<f64> = y.iter().map(|v| v * 1e300).collect();
        let c = Centred::new(&[&big, &z, &big_y]);
        let beta = Moments::full(&c).centred_cross().solve(&[0, 1], 2).unwrap();
        assert!((beta[0] - 3.0).abs() < 1e-9, "{beta:?}");
        assert!((beta[1] / -1e300 - 1.0).abs() < 1e-9, "{beta:?}");
    }

    #[test]
    fn collinear_and_constant_designs_are_detected() {
        let (x, _, y) = data();
        let twice: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let c = Centred::new(&[&x, &twice, &y]);
        let s = Moments::full(&c).centred_cross();
        assert!(s.solve(&[0, 1], 2).is_none());
        assert!(!s.any_constant(&c));
        // Only cases with x = 3 drawn: x is constant in the resample.
        let one = Moments::from_counts(&c, &[0, 0, 6, 0, 0, 0]).centred_cross();
        assert!(one.any_constant(&c));
    }
}

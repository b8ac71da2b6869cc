//! Univariate descriptives: n, missing, mean, SD (n − 1 denominator), min, max.
//!
//! Mean and SD use two passes (mean first, then squared deviations), which avoids the
//! cancellation of the one-pass Σx² − n·x̄² formula (Chan, Golub & LeVeque 1983).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub missing: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Mean of a non-empty slice.
pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample SD (n − 1); NaN for fewer than two values.
pub fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Summary of a column with missing values.
pub fn summarise(values: &[Option<f64>]) -> Summary {
    let x: Vec<f64> = values.iter().flatten().copied().collect();
    let n = x.len();
    Summary {
        n,
        missing: values.len() - n,
        mean: (n > 0).then(|| mean(&x)),
        sd: (n > 1).then(|| sd(&x)),
        min: x.iter().copied().reduce(f64::min),
        max: x.iter().copied().reduce(f64::max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R: mean(c(2,4,4,4,5,5,7,9)) = 5, sd(...) = 2.13808993529939.
    #[test]
    fn matches_r_mean_and_sd() {
        let v: Vec<Option<f64>> = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
            .iter()
            .map(|x| Some(*x))
            .chain([None])
            .collect();
        let s = summarise(&v);
        assert_eq!((s.n, s.missing), (8, 1));
        assert_eq!(s.mean, Some(5.0));
        assert!((s.sd.unwrap() - 2.13808993529939).abs() < 1e-13);
        assert_eq!((s.min, s.max), (Some(2.0), Some(9.0)));
        assert_eq!(summarise(&[None]).mean, None);
    }
}

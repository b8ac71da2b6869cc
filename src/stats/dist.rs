//! Tail probabilities and quantiles, written through the regularised incomplete beta
//! function so that very small p-values keep their relative precision (1 − cdf would not).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::beta::beta_reg;

/// Two-sided p-value of a t statistic with `df` degrees of freedom:
/// p = I_{df/(df+t²)}(df/2, 1/2) (Abramowitz & Stegun 26.7.1).
pub fn t_two_sided(t: f64, df: f64) -> f64 {
    // A df that is not positive (e.g. a degenerate Satterthwaite df) has no t distribution:
    // NaN, which callers report as not computed, never a panic inside statrs.
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    beta_reg(df / 2.0, 0.5, df / (df + t * t))
}

/// Upper-tail p-value of an F statistic: P(F > f) = I_{d2/(d2+d1 f)}(d2/2, d1/2) (A&S 26.6.2).
pub fn f_upper(f: f64, df1: f64, df2: f64) -> f64 {
    if f.is_nan() || df1.is_nan() || df2.is_nan() || df1 <= 0.0 || df2 <= 0.0 {
        return f64::NAN;
    }
    if f <= 0.0 {
        return 1.0;
    }
    if f.is_infinite() {
        return 0.0;
    }
    beta_reg(df2 / 2.0, df1 / 2.0, df2 / (df2 + df1 * f))
}

/// Quantile of Student's t (used for confidence intervals). NaN when `df` is not positive
/// (or NaN), so that a degenerate interval reaches the estimator's finiteness check as "not
/// computed" instead of aborting; the normal quantile for infinite `df`.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df.is_infinite() && df > 0.0 {
        return norm_quantile(p);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) if df > 0.0 => t.inverse_cdf(p),
        _ => f64::NAN,
    }
}

/// Standard normal cdf Φ.
pub fn norm_cdf(z: f64) -> f64 {
    Normal::standard().cdf(z)
}

/// Standard normal quantile Φ⁻¹.
pub fn norm_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Two-sided p-value of a standard normal statistic.
pub fn z_two_sided(z: f64) -> f64 {
    2.0 * Normal::standard().cdf(-z.abs())
}

/// Upper-tail p-value of F via statrs, kept only to cross-check `f_upper` in tests.
#[cfg(test)]
fn f_upper_statrs(f: f64, df1: f64, df2: f64) -> f64 {
    use statrs::distribution::FisherSnedecor;
    1.0 - FisherSnedecor::new(df1, df2).unwrap().cdf(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: R 4.x, 2*pt(-abs(t), df) and pf(f, d1, d2, lower.tail = FALSE).
    #[test]
    fn t_tail_matches_r() {
        assert!((t_two_sided(2.023406, 121.0) - 0.04523).abs() < 1e-4);
        // R: 2*pt(-18.370444, 121) = 8.39e-37; relative precision must survive.
        let p = t_two_sided(18.370444, 121.0);
        assert!((p / 8.39e-37 - 1.0).abs() < 0.01, "{p}");
    }

    #[test]
    fn t_quantile_of_degenerate_df_is_nan_not_a_panic() {
        assert!(t_quantile(0.975, f64::NAN).is_nan());
        assert!(t_quantile(0.975, 0.0).is_nan());
        assert!(t_quantile(0.975, -3.0).is_nan());
        assert!((t_quantile(0.975, f64::INFINITY) - 1.959963984540054).abs() < 1e-12);
        // R: qt(0.975, 10) = 2.228138851986274
        assert!((t_quantile(0.975, 10.0) - 2.228138851986274).abs() < 1e-10);
    }

    #[test]
    fn f_tail_matches_statrs_in_the_bulk() {
        for &(f, a, b) in &[
            (4.094173, 1.0, 121.0),
            (6.442765, 2.0, 120.0),
            (0.5, 3.0, 10.0),
        ] {
            assert!((f_upper(f, a, b) - f_upper_statrs(f, a, b)).abs() < 1e-10);
        }
        assert!((f_upper(4.094173, 1.0, 121.0) - 0.0452).abs() < 1e-4);
    }
}

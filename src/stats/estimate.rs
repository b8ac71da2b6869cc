//! One type for every estimate with uncertainty: the term, the estimate, its standard error,
//! the test statistic with its reference distribution, the p-value, and an interval that knows
//! its level and kind. The report renders every coefficient, effect and indirect effect from
//! it, so a header or caption can never claim another level or method than the interval has.
//!
//! The estimators keep their flat, PROCESS-like result fields (`estimate`, `se`, `t`, `p`,
//! `ci_low`, `ci_high`; `boot_se` for bootstrap effects), which `mediate --json`,
//! `regress --json` and `results.json` write; [`Estimate`] is built from them with the context
//! (level, interval method, degrees of freedom) that the flat fields leave implicit.

use serde::{Deserialize, Serialize};

use super::bootstrap::CiMethod;
use super::mediation::{Contrast, IndirectEffect, PathEffect};
use super::ols::{OlsResult, Term};

/// The reference distribution of a test statistic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case")]
pub enum Test {
    /// Student's t with `df` degrees of freedom.
    T { value: f64, df: f64 },
    /// Standard normal.
    Z { value: f64 },
    /// χ² with `df` degrees of freedom.
    ChiSquared { value: f64, df: f64 },
    /// No test (e.g. a bootstrap interval without a p-value).
    None,
}

/// How an interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalKind {
    /// estimate ± quantile × SE (t or normal).
    Wald,
    /// Bootstrap percentile (Efron & Tibshirani 1993, ch. 13).
    Percentile,
    /// Bias-corrected bootstrap (Efron 1981).
    Bc,
    /// Bias-corrected and accelerated bootstrap (Efron 1987).
    Bca,
}

impl From<CiMethod> for IntervalKind {
    fn from(m: CiMethod) -> Self {
        match m {
            CiMethod::Percentile => IntervalKind::Percentile,
            CiMethod::Bc => IntervalKind::Bc,
            CiMethod::Bca => IntervalKind::Bca,
        }
    }
}

/// A confidence interval with its level (in (0, 1)) and kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    pub level: f64,
    pub kind: IntervalKind,
}

impl Interval {
    /// True when the interval lies wholly above or below zero.
    pub fn excludes_zero(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

/// An estimate with its uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub term: String,
    pub estimate: f64,
    /// Standard error (for bootstrap effects, the SD of the bootstrap estimates).
    pub se: f64,
    pub test: Test,
    /// `None` when there is no test.
    pub p: Option<f64>,
    pub interval: Interval,
}

impl Estimate {
    /// A coefficient of an OLS fit: t with the fit's residual df, a Wald interval at its level.
    pub fn of_term(t: &Term, fit: &OlsResult) -> Self {
        Self {
            term: t.term.clone(),
            estimate: t.estimate,
            se: t.se,
            test: Test::T {
                value: t.t,
                df: fit.df2 as f64,
            },
            p: Some(t.p),
            interval: Interval {
                low: t.ci_low,
                high: t.ci_high,
                level: fit.level,
                kind: IntervalKind::Wald,
            },
        }
    }

    /// The total or direct effect, from the equation (`fit`) it is a coefficient of.
    pub fn of_path(term: &str, e: &PathEffect, fit: &OlsResult) -> Self {
        Self {
            term: term.to_string(),
            estimate: e.estimate,
            se: e.se,
            test: Test::T {
                value: e.t,
                df: fit.df2 as f64,
            },
            p: Some(e.p),
            interval: Interval {
                low: e.ci_low,
                high: e.ci_high,
                level: fit.level,
                kind: IntervalKind::Wald,
            },
        }
    }

    /// A bootstrap effect: no test, the bootstrap interval at `level`.
    pub fn of_bootstrap(
        term: &str,
        (estimate, se, low, high): (f64, f64, f64, f64),
        level: f64,
        method: CiMethod,
    ) -> Self {
        Self {
            term: term.to_string(),
            estimate,
            se,
            test: Test::None,
            p: None,
            interval: Interval {
                low,
                high,
                level,
                kind: method.into(),
            },
        }
    }

    pub fn of_indirect(e: &IndirectEffect, level: f64, method: CiMethod) -> Self {
        Self::of_bootstrap(
            &e.label,
            (e.estimate, e.boot_se, e.ci_low, e.ci_high),
            level,
            method,
        )
    }

    pub fn of_contrast(c: &Contrast, level: f64, method: CiMethod) -> Self {
        Self::of_bootstrap(
            &c.label,
            (c.estimate, c.boot_se, c.ci_low, c.ci_high),
            level,
            method,
        )
    }

    /// The test statistic's value, if there is a test.
    pub fn statistic(&self) -> Option<f64> {
        match self.test {
            Test::T { value, .. } | Test::Z { value } | Test::ChiSquared { value, .. } => {
                Some(value)
            }
            Test::None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::ols::OlsSpec;

    #[test]
    fn a_term_knows_its_df_level_and_interval_kind() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [1.1, 1.9, 3.2, 3.9, 5.2, 5.8];
        let spec = OlsSpec {
            level: 0.9,
            ..OlsSpec::default()
        };
        let fit = spec.fit("y", &y, &[&x], &["x"]).unwrap();
        let e = Estimate::of_term(fit.term("x").unwrap(), &fit);
        assert_eq!(e.interval.level, 0.9);
        assert_eq!(e.interval.kind, IntervalKind::Wald);
        assert_eq!(
            e.test,
            Test::T {
                value: fit.terms[1].t,
                df: 4.0
            }
        );
        assert!(e.interval.excludes_zero());
    }
}

//! APA-style number formatting (Publication Manual of the American Psychological
//! Association, 7th ed., 2020, §6.36 numbers, §6.40–6.46 statistics in text).
//!
//! Conventions used everywhere in spcure's reports:
//! - **Minus sign: ASCII hyphen-minus `-`** (U+002D), never U+2212, so every number in every
//!   format can be copied into R, a spreadsheet or a parser unchanged.
//! - Rounding is round-half-to-even on the exact binary value (Rust's `{:.N}`, the same as C's
//!   `printf` with glibc); a value that rounds to zero prints without a sign ("0.00").
//! - Statistics that cannot exceed 1 in magnitude (p, correlations, R², proportions) have
//!   no leading zero (APA §6.36): `.42`, `-.42`.
//! - p-values: three decimals, `p < .001` below .001, `p > .999` above .999 (as papaja's
//!   `printp`), so a p-value is never shown as `.000` or `1.000`.
//! - Non-finite values: NaN prints as `—`, infinities as `∞` / `-∞`.

use serde::{Deserialize, Serialize};

/// Shown for NaN (and invalid p-values).
const NOT_A_NUMBER: &str = "—";

/// `v` with `digits` decimals; negative zero after rounding prints as "0.00".
pub fn fixed(v: f64, digits: usize) -> String {
    if v.is_nan() {
        return NOT_A_NUMBER.to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "-∞" }.to_string();
    }
    let s = format!("{v:.digits$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// `v` with `digits` decimals and no leading zero (".42", "-.42"), for statistics that
/// cannot exceed 1 in magnitude. A value that rounds to ±1 keeps its "1" ("1.00").
pub fn no_leading_zero(v: f64, digits: usize) -> String {
    let s = fixed(v, digits);
    if let Some(rest) = s.strip_prefix("0.") {
        format!(".{rest}")
    } else if let Some(rest) = s.strip_prefix("-0.") {
        format!("-.{rest}")
    } else {
        s
    }
}

/// A p-value without "p": ".042", "< .001", "> .999"; "—" for NaN or a value outside [0, 1].
pub fn p_bare(p: f64) -> String {
    if !(0.0..=1.0).contains(&p) {
        NOT_A_NUMBER.to_string()
    } else if p < 0.001 {
        "< .001".to_string()
    } else if p > 0.999 {
        "> .999".to_string()
    } else {
        no_leading_zero(p, 3)
    }
}

/// A p-value for running text: "p = .042", "p < .001", "p > .999".
pub fn p_value(p: f64) -> String {
    let bare = p_bare(p);
    if bare.starts_with('<') || bare.starts_with('>') {
        format!("p {bare}")
    } else {
        format!("p = {bare}")
    }
}

/// A confidence interval in brackets: "[0.01, 0.08]".
pub fn ci(low: f64, high: f64, digits: usize) -> String {
    format!("[{}, {}]", fixed(low, digits), fixed(high, digits))
}

/// A confidence level as a percentage: 0.95 → "95%", 0.995 → "99.5%".
pub fn level_percent(level: f64) -> String {
    // Rounded to 4 decimals of a percent so 0.95 * 100 = 94.999… prints as 95.
    let pct = (level * 100.0 * 1e4).round() / 1e4;
    format!("{pct}%")
}

/// Joins names as an APA series: "a", "a and b", "a, b, and c" (APA 7 §6.3 requires the
/// serial comma before the final item of three or more).
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

/// How a confidence interval was obtained (named in sentences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CiKind {
    /// Normal-theory (Wald / t) interval.
    Normal,
    /// Percentile bootstrap (Efron & Tibshirani, 1993, ch. 13).
    Percentile,
    /// Bias-corrected bootstrap (Efron, 1981).
    BiasCorrected,
    /// Bias-corrected and accelerated bootstrap (Efron, 1987).
    Bca,
}

impl CiKind {
    /// The interval's name as it appears before "CI".
    pub fn phrase(self) -> &'static str {
        match self {
            CiKind::Normal => "",
            CiKind::Percentile => "percentile bootstrap ",
            CiKind::BiasCorrected => "bias-corrected bootstrap ",
            CiKind::Bca => "bias-corrected and accelerated bootstrap ",
        }
    }
}

/// "b = 0.04, 95% percentile bootstrap CI [0.01, 0.08]".
pub fn estimate_with_ci(
    b: f64,
    ci_low: f64,
    ci_high: f64,
    level: f64,
    ci_kind: CiKind,
    digits: usize,
) -> String {
    format!(
        "b = {}, {} {}CI {}",
        fixed(b, digits),
        level_percent(level),
        ci_kind.phrase(),
        ci(ci_low, ci_high, digits)
    )
}

/// One sentence reporting an indirect effect, e.g. "The serial indirect effect through
/// belonging, support, and loneliness was b = 0.04, 95% percentile bootstrap CI [0.01, 0.08]."
/// A path through one mediator is "the indirect effect"; through two or more, "the serial
/// indirect effect" (Hayes, 2022, *Introduction to Mediation, Moderation, and Conditional
/// Process Analysis*, 3rd ed., ch. 5).
pub fn indirect_sentence(
    path_names: &[String],
    b: f64,
    ci_low: f64,
    ci_high: f64,
    level: f64,
    ci_kind: CiKind,
    digits: usize,
) -> String {
    let subject = match path_names.len() {
        0 => "The indirect effect".to_string(),
        1 => format!("The indirect effect through {}", path_names[0]),
        _ => format!(
            "The serial indirect effect through {}",
            join_and(path_names)
        ),
    };
    format!(
        "{subject} was {}.",
        estimate_with_ci(b, ci_low, ci_high, level, ci_kind, digits)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Expected strings from tests/reference/apa/apa.R (base R `sprintf`, i.e. C printf).
    #[derive(Deserialize)]
    struct Case {
        function: String,
        input: String,
        digits: usize,
        expected: String,
    }

    #[test]
    fn formatting_matches_r_sprintf_reference() {
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("../../tests/reference/apa/apa.json")).unwrap();
        assert!(cases.len() > 20);
        for c in &cases {
            let v: f64 = c.input.parse().unwrap();
            let got = match c.function.as_str() {
                "fixed" => fixed(v, c.digits),
                "no_leading_zero" => no_leading_zero(v, c.digits),
                "p_bare" => p_bare(v),
                "p_value" => p_value(v),
                other => panic!("unknown function {other}"),
            };
            assert_eq!(got, c.expected, "{}({}, {})", c.function, c.input, c.digits);
        }
    }

    #[test]
    fn p_value_edge_cases_from_the_brief() {
        assert_eq!(p_value(0.0005), "p < .001");
        assert_eq!(p_value(0.001), "p = .001");
        assert_eq!(p_value(0.0449999), "p = .045");
        assert_eq!(p_value(1.0), "p > .999");
        assert_eq!(p_bare(0.0449999), ".045");
    }

    #[test]
    fn invalid_p_values_do_not_panic() {
        assert_eq!(p_bare(f64::NAN), "—");
        assert_eq!(p_bare(-0.1), "—");
        assert_eq!(p_bare(1.5), "—");
        assert_eq!(p_value(f64::NAN), "p = —");
    }

    #[test]
    fn negative_zero_after_rounding_prints_as_zero() {
        assert_eq!(fixed(-0.004, 2), "0.00");
        assert_eq!(fixed(-0.0, 2), "0.00");
        assert_eq!(fixed(-0.0, 0), "0");
        assert_eq!(no_leading_zero(-0.004, 2), ".00");
        assert_eq!(fixed(-0.0004, 3), "0.000");
        assert_eq!(fixed(-0.4, 0), "0");
        assert_eq!(no_leading_zero(-0.0, 3), ".000");
        assert_eq!(ci(-0.0004, 0.0004, 3), "[0.000, 0.000]");
    }

    #[test]
    fn non_finite_values() {
        assert_eq!(fixed(f64::NAN, 2), "—");
        assert_eq!(fixed(f64::INFINITY, 2), "∞");
        assert_eq!(fixed(f64::NEG_INFINITY, 2), "-∞");
    }

    #[test]
    fn ci_and_level() {
        assert_eq!(ci(0.0123, 0.0789, 2), "[0.01, 0.08]");
        assert_eq!(ci(-0.123, -0.0001, 2), "[-0.12, 0.00]");
        assert_eq!(level_percent(0.95), "95%");
        assert_eq!(level_percent(0.9), "90%");
        assert_eq!(level_percent(0.995), "99.5%");
    }

    #[test]
    fn series_use_the_serial_comma() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_and(&[]), "");
        assert_eq!(join_and(&names(&["a"])), "a");
        assert_eq!(join_and(&names(&["a", "b"])), "a and b");
        assert_eq!(join_and(&names(&["a", "b", "c"])), "a, b, and c");
    }

    #[test]
    fn indirect_sentences() {
        let path: Vec<String> = ["belonging", "support", "loneliness"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            indirect_sentence(&path, 0.0412, 0.0101, 0.0799, 0.95, CiKind::Percentile, 2),
            "The serial indirect effect through belonging, support, and loneliness was \
             b = 0.04, 95% percentile bootstrap CI [0.01, 0.08]."
        );
        assert_eq!(
            indirect_sentence(&path[..1], -0.0312, -0.061, -0.004, 0.9, CiKind::Bca, 3),
            "The indirect effect through belonging was b = -0.031, 90% bias-corrected and \
             accelerated bootstrap CI [-0.061, -0.004]."
        );
        assert_eq!(
            indirect_sentence(&[], 0.5, 0.1, 0.9, 0.95, CiKind::Normal, 2),
            "The indirect effect was b = 0.50, 95% CI [0.10, 0.90]."
        );
    }
}

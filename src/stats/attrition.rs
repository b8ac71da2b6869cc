//! Attrition: the flow of participants across waves, and completers compared with
//! non-completers on their baseline measures.
//!
//! Flow (CONSORT-style): at wave w, n = present, retained = present at w and w − 1,
//! lost = present at w − 1 but not at w, returned = present at w but not at w − 1.
//!
//! Continuous baseline variables (each on the cases observed on it), group 1 = completers:
//! - Welch (1947) t = (x̄₁ − x̄₂)/√(s₁²/n₁ + s₂²/n₂), Welch–Satterthwaite df
//!   ν = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1)); CI of the difference
//!   x̄₁ − x̄₂ ± t_{(1+L)/2, ν}·se, as R's `t.test(var.equal = FALSE)`.
//! - Hedges' g = J·(x̄₁ − x̄₂)/s_p with s_p² = ((n₁−1)s₁² + (n₂−1)s₂²)/m, m = n₁ + n₂ − 2 and
//!   the exact small-sample factor J = Γ(m/2) / (√(m/2)·Γ((m−1)/2)) (Hedges 1981);
//!   SE = √((n₁+n₂)/(n₁n₂) + g²/(2(n₁+n₂))) (Hedges & Olkin 1985, eq. 5.15); Wald CI g ± z·SE.
//!
//! Categorical baseline variables: the 2 × L table completer × level, Pearson χ² =
//! Σ (O − E)²/E without continuity correction, (L − 1) df, with the smallest expected count
//! and the number of cells with E < 5 (Cochran 1954's rule of thumb), as R's
//! `chisq.test(correct = FALSE)`.
//!
//! Validated against R 4.2.2 `t.test`, `effectsize::hedges_g` and `chisq.test`
//! (tests/reference/stats/attrition.R), tolerance 1e-8 relative.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::{gamma_ur, ln_gamma};

use super::descriptives::{mean, sd};
use super::{dist, StatsError};

/// One wave of the participant flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowRow {
    pub wave: String,
    pub n: usize,
    pub retained: usize,
    pub lost: usize,
    pub returned: usize,
    pub pct_of_baseline: f64,
    /// `None` when nobody was present at the previous wave.
    pub pct_of_previous: Option<f64>,
}

/// The flow table: `present[w][i]` says whether participant i took part in wave w
/// (wave 0 is the baseline, which defines the cohort).
pub fn flow(waves: &[String], present: &[Vec<bool>]) -> Result<Vec<FlowRow>, StatsError> {
    if waves.len() != present.len() || present.is_empty() {
        return Err(StatsError::Invalid(
            "flow table needs one presence vector per wave (at least one wave)".into(),
        ));
    }
    let cohort = present[0].len();
    if present.iter().any(|p| p.len() != cohort) {
        return Err(StatsError::Invalid(
            "presence vectors differ in length".into(),
        ));
    }
    if cohort == 0 {
        return Err(StatsError::TooFewRows { n: 0, p: 1 });
    }
    let count = |f: &dyn Fn(usize) -> bool| (0..cohort).filter(|&i| f(i)).count();
    let rows = present
        .iter()
        .enumerate()
        .map(|(w, now)| {
            let prev = &present[w.saturating_sub(1)];
            let n = count(&|i| now[i]);
            let n_prev = count(&|i| prev[i]);
            let retained = count(&|i| now[i] && prev[i]);
            FlowRow {
                wave: waves[w].clone(),
                n,
                retained,
                lost: count(&|i| prev[i] && !now[i]),
                returned: count(&|i| now[i] && !prev[i]),
                pct_of_baseline: 100.0 * n as f64 / cohort as f64,
                pct_of_previous: (n_prev > 0).then(|| 100.0 * retained as f64 / n_prev as f64),
            }
        })
        .collect();
    Ok(rows)
}

/// Completers (group 1) against non-completers (group 2) on a continuous variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuousComparison {
    pub variable: String,
    pub level: f64,
    pub n1: usize,
    pub n2: usize,
    pub mean1: f64,
    pub mean2: f64,
    pub sd1: f64,
    pub sd2: f64,
    /// Welch t, its df and two-sided p.
    pub t: f64,
    pub df: f64,
    pub p: f64,
    /// mean1 − mean2 with its Welch CI.
    pub diff: f64,
    pub diff_ci: [f64; 2],
    /// Hedges' g (completers − non-completers), its SE and Wald CI.
    pub g: f64,
    pub g_se: f64,
    pub g_ci: [f64; 2],
}

/// Compares `values` between `completer[i] == true` and the rest, on observed values only.
pub fn compare_continuous(
    variable: &str,
    values: &[Option<f64>],
    completer: &[bool],
    level: f64,
) -> Result<ContinuousComparison, StatsError> {
    check_inputs(values.len(), completer.len(), level)?;
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (v, c) in values.iter().zip(completer) {
        match v {
            Some(v) if !v.is_finite() => {
                return Err(StatsError::NonFinite {
                    what: format!("column '{variable}'"),
                })
            }
            Some(v) if *c => x.push(*v),
            Some(v) => y.push(*v),
            None => {}
        }
    }
    let (n1, n2) = (x.len(), y.len());
    if n1 < 2 || n2 < 2 {
        return Err(StatsError::TooFewRows {
            n: n1.min(n2),
            p: 2,
        });
    }
    let (m1, m2, s1, s2) = (mean(&x), mean(&y), sd(&x), sd(&y));
    if s1 == 0.0 && s2 == 0.0 {
        return Err(StatsError::ConstantColumn {
            column: variable.to_string(),
        });
    }
    let (v1, v2) = (s1 * s1 / n1 as f64, s2 * s2 / n2 as f64);
    let se = (v1 + v2).sqrt();
    // Welch–Satterthwaite df written with the shares rⱼ = vⱼ/(v₁ + v₂), which is the same
    // number but cannot overflow: (v₁ + v₂)²/(v₁²/(n₁−1) + v₂²/(n₂−1)) squares variances
    // and gives inf/inf = NaN for scores around 1e100.
    let (r1, r2) = (v1 / (v1 + v2), v2 / (v1 + v2));
    let df = 1.0 / (r1 * r1 / (n1 - 1) as f64 + r2 * r2 / (n2 - 1) as f64);
    let diff = m1 - m2;
    let t = diff / se;
    let tcrit = dist::t_quantile(0.5 + level / 2.0, df);
    let (g, g_se) = hedges_g(diff, s1, s2, n1, n2);
    let z = dist::norm_quantile(0.5 + level / 2.0);
    super::check_finite(
        &format!("the completer comparison of '{variable}'"),
        &[m1, m2, s1, s2, t, df, diff, tcrit * se, g, g_se],
    )?;
    Ok(ContinuousComparison {
        variable: variable.to_string(),
        level,
        n1,
        n2,
        mean1: m1,
        mean2: m2,
        sd1: s1,
        sd2: s2,
        t,
        df,
        p: dist::t_two_sided(t, df),
        diff,
        diff_ci: [diff - tcrit * se, diff + tcrit * se],
        g,
        g_se,
        g_ci: [g - z * g_se, g + z * g_se],
    })
}

fn check_inputs(values: usize, groups: usize, level: f64) -> Result<(), StatsError> {
    if values != groups {
        return Err(StatsError::Invalid(format!(
            "{values} values but {groups} completer flags"
        )));
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::Invalid(format!(
            "confidence level must lie strictly between 0 and 1, got {level}"
        )));
    }
    Ok(())
}

/// Hedges' g with the exact J (through log-gamma, so large m does not overflow) and its SE.
fn hedges_g(diff: f64, s1: f64, s2: f64, n1: usize, n2: usize) -> (f64, f64) {
    let m = (n1 + n2 - 2) as f64;
    let sp = (((n1 - 1) as f64 * s1 * s1 + (n2 - 1) as f64 * s2 * s2) / m).sqrt();
    let j = (ln_gamma(m / 2.0) - (m / 2.0).sqrt().ln() - ln_gamma((m - 1.0) / 2.0)).exp();
    let g = j * diff / sp;
    let (a, b) = (n1 as f64, n2 as f64);
    let se = ((a + b) / (a * b) + g * g / (2.0 * (a + b))).sqrt();
    (g, se)
}

/// Completers against non-completers on a categorical variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalComparison {
    pub variable: String,
    /// Observed levels, ascending.
    pub levels: Vec<f64>,
    pub counts_completers: Vec<usize>,
    pub counts_noncompleters: Vec<usize>,
    /// Cases observed on the variable.
    pub n: usize,
    pub chi2: f64,
    pub df: usize,
    pub p: f64,
    pub min_expected: f64,
    pub cells_expected_below_5: usize,
}

/// Pearson χ² test of completion × level on the observed values of `values`.
pub fn compare_categorical(
    variable: &str,
    values: &[Option<f64>],
    completer: &[bool],
) -> Result<CategoricalComparison, StatsError> {
    check_inputs(values.len(), completer.len(), 0.5)?;
    let observed: Vec<(f64, bool)> = values
        .iter()
        .zip(completer)
        .filter_map(|(v, c)| v.map(|v| (v, *c)))
        .collect();
    if observed.iter().any(|(v, _)| !v.is_finite()) {
        return Err(StatsError::NonFinite {
            what: format!("column '{variable}'"),
        });
    }
    let mut levels: Vec<f64> = observed.iter().map(|(v, _)| *v).collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let mut table = [vec![0usize; levels.len()], vec![0usize; levels.len()]];
    for (v, c) in &observed {
        let j = levels.iter().position(|l| l == v).unwrap_or_default();
        table[usize::from(!c)][j] += 1;
    }
    let n = observed.len();
    let rows = [
        table[0].iter().sum::<usize>(),
        table[1].iter().sum::<usize>(),
    ];
    if levels.len() < 2 {
        return Err(StatsError::ConstantColumn {
            column: variable.to_string(),
        });
    }
    if rows.contains(&0) {
        return Err(StatsError::Invalid(format!(
            "'{variable}': everyone observed is in one group (completers {}, non-completers {})",
            rows[0], rows[1]
        )));
    }
    let (chi2, min_expected, below_5) = pearson_chi2(&table, rows, n);
    let df = levels.len() - 1;
    Ok(CategoricalComparison {
        variable: variable.to_string(),
        levels,
        counts_completers: table[0].clone(),
        counts_noncompleters: table[1].clone(),
        n,
        chi2,
        df,
        p: chi2_upper(df, chi2),
        min_expected,
        cells_expected_below_5: below_5,
    })
}

/// P(χ²_df ≥ x). Q(a, 0) = 1; statrs' `gamma_ur` panics at x = 0, which a perfectly
/// balanced table (completers and non-completers with identical level shares) reaches.
pub(crate) fn chi2_upper(df: usize, x: f64) -> f64 {
    if x > 0.0 {
        gamma_ur(df as f64 / 2.0, x / 2.0)
    } else {
        1.0
    }
}

/// χ² = Σ (O − E)²/E with E = row total · column total / n; also min E and #cells E < 5.
fn pearson_chi2(table: &[Vec<usize>; 2], rows: [usize; 2], n: usize) -> (f64, f64, usize) {
    let mut chi2 = 0.0;
    let mut min_expected = f64::INFINITY;
    let mut below_5 = 0;
    for j in 0..table[0].len() {
        let col = (table[0][j] + table[1][j]) as f64;
        for (i, row) in table.iter().enumerate() {
            let e = rows[i] as f64 * col / n as f64;
            chi2 += (row[j] as f64 - e).powi(2) / e;
            min_expected = min_expected.min(e);
            below_5 += usize::from(e < 5.0);
        }
    }
    (chi2, min_expected, below_5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Closed form throughout.
    const TOL: f64 = 1e-8;

    fn reference() -> Value {
        serde_json::from_str(include_str!("../../tests/reference/stats/attrition.json")).unwrap()
    }

    /// attrition_baseline.csv as named columns (NA → None).
    fn data() -> Vec<(String, Vec<Option<f64>>)> {
        crate::stats::testdata::named_columns(include_str!(
            "../../tests/reference/stats/attrition_baseline.csv"
        ))
    }

    fn column(name: &str) -> Vec<Option<f64>> {
        data().into_iter().find(|(n, _)| n == name).unwrap().1
    }

    fn presence(name: &str) -> Vec<bool> {
        column(name).iter().map(|v| *v == Some(1.0)).collect()
    }

    fn close(actual: f64, expected: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= TOL * expected.abs(),
            "{what}: got {actual:e}, R {expected:e}"
        );
    }

    fn num(v: &Value) -> f64 {
        v.as_f64().unwrap()
    }

    #[test]
    fn flow_matches_r() {
        let t1 = presence("present_T1");
        let present = vec![vec![true; t1.len()], t1, presence("present_T2")];
        let waves: Vec<String> = ["T0", "T1", "T2"].iter().map(|s| s.to_string()).collect();
        let rows = flow(&waves, &present).unwrap();
        for (row, want) in rows.iter().zip(reference()["flow"].as_array().unwrap()) {
            let counts = [row.n, row.retained, row.lost, row.returned];
            for (got, key) in counts.iter().zip(["n", "retained", "lost", "returned"]) {
                assert_eq!(
                    *got as u64,
                    want[key].as_u64().unwrap(),
                    "{} {key}",
                    row.wave
                );
            }
            close(
                row.pct_of_baseline,
                num(&want["pct_of_baseline"]),
                "pct_of_baseline",
            );
            close(
                row.pct_of_previous.unwrap(),
                num(&want["pct_of_previous"]),
                "pct_prev",
            );
        }
    }

    #[test]
    fn continuous_comparisons_match_r() {
        let r = reference();
        let comp = presence("present_T2");
        for (key, var, level) in [
            ("lonely", "lonely", 0.95),
            ("hrqol", "hrqol", 0.95),
            ("age", "age", 0.95),
            ("lonely_90", "lonely", 0.90),
        ] {
            let got = compare_continuous(var, &column(var), &comp, level).unwrap();
            let want = &r[key];
            assert_eq!(
                (got.n1 as u64, got.n2 as u64),
                (want["n1"].as_u64().unwrap(), want["n2"].as_u64().unwrap())
            );
            for (name, actual) in [
                ("mean1", got.mean1),
                ("mean2", got.mean2),
                ("sd1", got.sd1),
                ("sd2", got.sd2),
                ("t", got.t),
                ("df", got.df),
                ("p", got.p),
                ("diff", got.diff),
                ("g", got.g),
                ("g_effectsize", got.g),
                ("g_se", got.g_se),
            ] {
                close(actual, num(&want[name]), &format!("{key} {name}"));
            }
            for i in 0..2 {
                close(
                    got.diff_ci[i],
                    num(&want["diff_ci"][i]),
                    &format!("{key} diff_ci"),
                );
                close(got.g_ci[i], num(&want["g_ci"][i]), &format!("{key} g_ci"));
            }
        }
    }

    #[test]
    fn categorical_comparisons_match_r() {
        let r = reference();
        let comp = presence("present_T2");
        for var in ["gender", "deprivation"] {
            let got = compare_categorical(var, &column(var), &comp).unwrap();
            let want = &r[var];
            let as_f64s =
                |v: &Value| -> Vec<f64> { v.as_array().unwrap().iter().map(num).collect() };
            let counts = |c: &[usize]| -> Vec<f64> { c.iter().map(|x| *x as f64).collect() };
            assert_eq!(got.levels, as_f64s(&want["levels"]));
            assert_eq!(
                counts(&got.counts_completers),
                as_f64s(&want["counts_completers"])
            );
            assert_eq!(
                counts(&got.counts_noncompleters),
                as_f64s(&want["counts_noncompleters"])
            );
            assert_eq!(got.n as u64, want["n"].as_u64().unwrap());
            assert_eq!(got.df as u64, want["df"].as_u64().unwrap());
            assert_eq!(
                got.cells_expected_below_5 as u64,
                want["cells_expected_below_5"].as_u64().unwrap()
            );
            close(got.chi2, num(&want["chi2"]), "chi2");
            close(got.p, num(&want["p"]), "p");
            close(got.min_expected, num(&want["min_expected"]), "min_expected");
        }
    }

    #[test]
    fn a_perfectly_balanced_table_has_chi2_0_and_p_1() {
        // Completers 2:2 and non-completers 1:1 over two levels: χ² = 0 exactly.
        let v = [
            Some(1.0),
            Some(2.0),
            Some(1.0),
            Some(2.0),
            Some(1.0),
            Some(2.0),
        ];
        let c = [true, true, true, true, false, false];
        let r = compare_categorical("x", &v, &c).unwrap();
        assert_eq!((r.chi2, r.p), (0.0, 1.0));
    }

    #[test]
    fn refuses_degenerate_input() {
        let v = vec![Some(1.0), Some(2.0), Some(3.0)];
        assert!(compare_continuous("x", &v, &[true, false, false], 0.95).is_err());
        assert!(compare_continuous("x", &v, &[true, false], 0.95).is_err());
        assert!(compare_categorical("x", &v, &[true, true, true]).is_err());
        let same = vec![Some(1.0); 3];
        assert!(compare_categorical("x", &same, &[true, false, true]).is_err());
        assert!(flow(&["T0".into()], &[]).is_err());
    }
}

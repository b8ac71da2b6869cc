//! Property tests (proptest): what must hold for every input, not just the examples.
//!
//! - The loaders: any bytes written as a wave file or a flat CSV load or fail with a clean
//!   error (naming the file, no parser internals), never a panic. Three generators: raw
//!   bytes, CSV-like text over an awkward alphabet behind a valid header, and random edits
//!   of a real wave file (the head of the bundled example).
//! - The estimators, as the algebra of least squares says:
//!   permuting rows leaves OLS and mediation estimates unchanged; multiplying a predictor by
//!   c divides its coefficient by c (and leaves the others), multiplying the outcome by c
//!   multiplies every coefficient by c; stacking the data set twice leaves the estimates
//!   unchanged and multiplies each OLS SE by sqrt((n − p)/(2n − p)) (the cross-product and
//!   the RSS double, the residual df go from n − p to 2n − p).
//!
//! Case counts are kept small so that the binary runs in a few seconds.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use spcure::load::{load_study, read_flat, FlatOptions, Input, LoadError, LoadOptions, WaveFile};
use spcure::spec::StudySpec;
use spcure::stats::bootstrap::{BootSpec, CiMethod};
use spcure::stats::mediation::{MediationData, MediationResult, MediationSpec};
use spcure::stats::ols::{OlsResult, OlsSpec};

// ---------------------------------------------------------------------------------------
// Loaders
// ---------------------------------------------------------------------------------------

/// The head of the bundled example's T0 and T1 (shared with the fuzz corpus).
const T0_HEAD: &[u8] = include_bytes!("../fuzz/seeds/load_csv/T0_head.csv");
const T1_HEAD: &[u8] = include_bytes!("../fuzz/seeds/load_csv/T1_head.csv");

/// Parser internals that must never reach a user (Polars' Python-side advice).
const INTERNALS: [&str; 3] = ["truncate_ragged_lines", "schema_overrides", "infer_schema"];

fn check_error(e: &LoadError, files: &[&Path]) -> Result<(), TestCaseError> {
    let msg = e.to_string();
    prop_assert!(
        files.iter().any(|f| msg.contains(&f.display().to_string())),
        "the error does not name the file: {msg}"
    );
    for word in INTERNALS {
        prop_assert!(!msg.contains(word), "parser internals in: {msg}");
    }
    Ok(())
}

/// Writes `bytes` as a flat file and as each of two waves beside a valid one, and loads
/// them; every outcome must be Ok or a clean error.
fn load_every_way(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let write = |name: &str, b: &[u8]| -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, b).expect("write to a temporary directory");
        p
    };
    let input = write("input.csv", bytes);
    let (t0, t1) = (write("T0.csv", T0_HEAD), write("T1.csv", T1_HEAD));
    if let Err(e) = read_flat(&input, &["groups_1", "age"], &FlatOptions::default()) {
        check_error(&e, &[&input])?;
    }
    let spec = StudySpec::default_spec();
    let wave = |wave: u32, path: &Path| WaveFile {
        wave,
        path: path.to_path_buf(),
    };
    for files in [
        [wave(0, &input), wave(1, &t1)],
        [wave(0, &t0), wave(1, &input)],
    ] {
        let files = Input::Waves(files.to_vec());
        if let Err(e) = load_study(&files, &spec, &LoadOptions::default()) {
            check_error(&e, &[&input, &t0, &t1])?;
        }
    }
    // The same bytes as one long or wide file holding every wave.
    if let Err(e) = load_study(&Input::One(input.clone()), &spec, &LoadOptions::default()) {
        check_error(&e, &[&input])?;
    }
    Ok(())
}

/// CSV-like text: fields from an awkward alphabet (quotes, both decimal marks, missing
/// codes, delimiters, line ends, a BOM, non-ASCII, a NUL) behind the example's header.
fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let header = std::str::from_utf8(T0_HEAD)
        .ok()
        .and_then(|t| t.lines().next())
        .unwrap_or("id")
        .to_string();
    let token = prop_oneof![
        Just("SP0001".to_string()),
        Just("SP0002".to_string()),
        "[0-9]{1,3}",
        "-?[0-9]{1,4}[.,][0-9]{1,3}",
        Just("1.250,5".to_string()),
        Just("NA".to_string()),
        Just("-99".to_string()),
        Just("1e300".to_string()),
        Just("inf".to_string()),
        Just("NaN".to_string()),
        Just(",".to_string()),
        Just(";".to_string()),
        Just("\t".to_string()),
        Just("\"".to_string()),
        Just("\"\"".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just(" ".to_string()),
        Just("\u{feff}".to_string()),
        Just("é".to_string()),
        Just("\0".to_string()),
        Just("sep=;\n".to_string()),
    ];
    (any::<bool>(), prop::collection::vec(token, 0..120)).prop_map(move |(head, toks)| {
        let mut s = if head {
            format!("{header}\n")
        } else {
            String::new()
        };
        s.extend(toks);
        s.into_bytes()
    })
}

/// A real wave file with a few random byte edits (replace, insert, delete).
fn edited_wave() -> impl Strategy<Value = Vec<u8>> {
    let edit = (any::<prop::sample::Index>(), 0u8..3, any::<u8>());
    prop::collection::vec(edit, 1..6).prop_map(|edits| {
        let mut b = T0_HEAD.to_vec();
        for (at, op, byte) in edits {
            if b.is_empty() {
                break;
            }
            let i = at.index(b.len());
            match op {
                0 => b[i] = byte,
                1 => b.insert(i, byte),
                _ => {
                    b.remove(i);
                }
            }
        }
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_bytes_load_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        load_every_way(&bytes)?;
    }

    #[test]
    fn csv_like_text_loads_or_fails_cleanly(bytes in csv_like()) {
        load_every_way(&bytes)?;
    }

    #[test]
    fn edited_wave_files_load_or_fail_cleanly(bytes in edited_wave()) {
        load_every_way(&bytes)?;
    }
}

// ---------------------------------------------------------------------------------------
// Estimators
// ---------------------------------------------------------------------------------------

/// Equal up to floating-point rounding, on the scale of the estimate and its SE.
fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-8 * (a.abs() + b.abs() + scale)
}

/// Columns of n rows: `cols` predictors then the outcome, values spread over [−5, 5] with
/// a linear signal so that coefficients are not all near zero.
fn data(cols: usize, rows: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Vec<f64>>> {
    rows.prop_flat_map(move |n| prop::collection::vec(-5.0f64..5.0, n * (cols + 1)))
        .prop_map(move |v| {
            let n = v.len() / (cols + 1);
            let mut out: Vec<Vec<f64>> = v.chunks(n).map(<[f64]>::to_vec).collect();
            let (xs, y) = out.split_at_mut(cols);
            for (i, yi) in y[0].iter_mut().enumerate() {
                *yi += xs
                    .iter()
                    .enumerate()
                    .map(|(j, x)| (j as f64 + 1.0) * 0.5 * x[i])
                    .sum::<f64>();
            }
            out
        })
}

/// A degenerate design (possible only while proptest shrinks the values towards 0, which
/// can make a column constant) rejects the case instead of failing it, so that the shrunk
/// case shown is a counter-example to the property itself.
fn degenerate(e: spcure::stats::StatsError) -> TestCaseError {
    TestCaseError::reject(format!("degenerate design: {e}"))
}

fn ols(cols: &[Vec<f64>]) -> Result<OlsResult, TestCaseError> {
    let (y, xs) = cols.split_last().expect("at least the outcome");
    let xs: Vec<&[f64]> = xs.iter().map(Vec::as_slice).collect();
    let names: Vec<String> = (1..=xs.len()).map(|j| format!("x{j}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    OlsSpec::default()
        .fit("y", y, &xs, &names)
        .map_err(degenerate)
}

fn permuted(cols: &[Vec<f64>], order: &[usize]) -> Vec<Vec<f64>> {
    cols.iter()
        .map(|c| order.iter().map(|&i| c[i]).collect())
        .collect()
}

fn doubled(cols: &[Vec<f64>]) -> Vec<Vec<f64>> {
    cols.iter().map(|c| [c.as_slice(), c].concat()).collect()
}

/// Data with a random permutation of its rows.
fn data_and_order(
    cols: usize,
    rows: std::ops::Range<usize>,
) -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<usize>)> {
    data(cols, rows).prop_flat_map(|d| {
        let n = d[0].len();
        (Just(d), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
    })
}

/// A multiplier c with |c| in [0.01, 100], either sign.
fn multiplier() -> impl Strategy<Value = f64> {
    (-2.0f64..2.0, any::<bool>())
        .prop_map(|(e, neg)| if neg { -(10f64.powf(e)) } else { 10f64.powf(e) })
}

fn mediation(cols: &[Vec<f64>]) -> Result<MediationResult, TestCaseError> {
    // Columns: X, M1, M2, Y.
    let spec = MediationSpec {
        x: "x".into(),
        mediators: vec!["m1".into(), "m2".into()],
        y: "y".into(),
        covariates: vec![],
        hc: None,
        contrasts: false,
        standardize: false,
        boot: BootSpec {
            samples: 20,
            seed: 1,
            ci: CiMethod::Percentile,
            level: 0.95,
        },
    };
    let d = MediationData {
        x: &cols[0],
        mediators: vec![&cols[1], &cols[2]],
        y: &cols[3],
        covariates: vec![],
    };
    spec.fit(&d).map_err(degenerate)
}

/// Every point estimate of a mediation, with the SE scale of each: the equations'
/// coefficients, the total and direct effects and the indirect effects.
fn mediation_points(r: &MediationResult) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = r
        .equations
        .iter()
        .chain([&r.total_model])
        .flat_map(|eq| eq.terms.iter().map(|t| (t.estimate, t.se)))
        .collect();
    out.extend(
        r.indirect_effects
            .iter()
            .map(|e| (e.estimate, e.estimate.abs() + 1e-12)),
    );
    out.push((r.total_effect.estimate, r.total_effect.se));
    out.push((r.direct_effect.estimate, r.direct_effect.se));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn permuting_rows_leaves_ols_unchanged((d, order) in data_and_order(3, 8..40)) {
        let (a, b) = (ols(&d)?, ols(&permuted(&d, &order))?);
        for (s, t) in a.terms.iter().zip(&b.terms) {
            prop_assert!(close(s.estimate, t.estimate, s.se), "{} {} vs {}", s.term, s.estimate, t.estimate);
            prop_assert!(close(s.se, t.se, 0.0), "{} SE {} vs {}", s.term, s.se, t.se);
        }
        prop_assert!(close(a.r2, b.r2, 1e-12));
    }

    #[test]
    fn rescaling_a_predictor_rescales_its_coefficient(
        d in data(3, 8..40), j in 0usize..3, c in multiplier()
    ) {
        let a = ols(&d)?;
        let mut e = d.clone();
        e[j].iter_mut().for_each(|v| *v *= c);
        let b = ols(&e)?;
        for (k, (s, t)) in a.terms.iter().zip(&b.terms).enumerate() {
            // terms[0] is the intercept; terms[j + 1] belongs to the rescaled column.
            let factor = if k == j + 1 { 1.0 / c } else { 1.0 };
            prop_assert!(close(s.estimate * factor, t.estimate, s.se * factor.abs()),
                "{}: {} × {factor} vs {}", s.term, s.estimate, t.estimate);
            prop_assert!(close(s.se * factor.abs(), t.se, 0.0));
            prop_assert!(close(s.t * factor.signum(), t.t, 1e-6));
        }
    }

    #[test]
    fn rescaling_the_outcome_rescales_every_coefficient(d in data(2, 8..40), c in multiplier()) {
        let a = ols(&d)?;
        let mut e = d.clone();
        e[2].iter_mut().for_each(|v| *v *= c);
        let b = ols(&e)?;
        for (s, t) in a.terms.iter().zip(&b.terms) {
            prop_assert!(close(s.estimate * c, t.estimate, s.se * c.abs()));
            prop_assert!(close(s.se * c.abs(), t.se, 0.0));
        }
        prop_assert!(close(a.r2, b.r2, 1e-12));
    }

    #[test]
    fn duplicating_the_data_shrinks_ols_ses_by_the_algebraic_factor(d in data(3, 8..40)) {
        let (a, b) = (ols(&d)?, ols(&doubled(&d))?);
        let n = d[0].len() as f64;
        let p = a.terms.len() as f64;
        let factor = ((n - p) / (2.0 * n - p)).sqrt();
        prop_assert_eq!(b.n, 2 * a.n);
        for (s, t) in a.terms.iter().zip(&b.terms) {
            prop_assert!(close(s.estimate, t.estimate, s.se), "{}", s.term);
            prop_assert!(close(s.se * factor, t.se, 0.0), "{}: {} × {factor} vs {}", s.term, s.se, t.se);
        }
    }

    #[test]
    fn mediation_estimates_are_invariant_to_row_order_and_duplication(
        (d, order) in data_and_order(3, 10..40)
    ) {
        let a = mediation_points(&mediation(&d)?);
        for other in [mediation(&permuted(&d, &order))?, mediation(&doubled(&d))?] {
            for ((s, scale), (t, _)) in a.iter().zip(mediation_points(&other)) {
                prop_assert!(close(*s, t, *scale), "{s} vs {t}");
            }
        }
    }

    /// X·c divides every indirect effect by c, Y·c multiplies it by c, and a mediator·c
    /// leaves it unchanged (a·c times b/c).
    #[test]
    fn rescaling_mediation_variables_rescales_the_indirect_effects(
        d in data(3, 10..40), which in 0usize..4, c in multiplier()
    ) {
        let a = mediation(&d)?;
        let mut e = d.clone();
        e[which].iter_mut().for_each(|v| *v *= c);
        let b = mediation(&e)?;
        let factor = match which {
            0 => 1.0 / c,
            3 => c,
            _ => 1.0,
        };
        for (s, t) in a.indirect_effects.iter().zip(&b.indirect_effects) {
            prop_assert!(close(s.estimate * factor, t.estimate, 1e-12 + (s.estimate * factor).abs()),
                "{}: {} × {factor} vs {}", s.label, s.estimate, t.estimate);
        }
        prop_assert!(close(a.total_effect.estimate * factor, b.total_effect.estimate,
            a.total_effect.se * factor.abs()));
        prop_assert!(close(a.direct_effect.estimate * factor, b.direct_effect.estimate,
            a.direct_effect.se * factor.abs()));
    }
}

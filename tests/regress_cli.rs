//! `spcure regress` as a user meets it: the JSON fields, listwise deletion, the HC and level
//! options against R (tests/reference/regress/), the uncentred R² without intercept, the
//! table, and exit codes (2 for bad input, 1 for a design that cannot be estimated).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const REF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/regress");
const REFERENCE: &str = include_str!("reference/regress/hc_reference.json");
/// Relative tolerance against R (lm + sandwich::vcovHC + lmtest::waldtest).
const REL_TOL: f64 = 1e-8;

fn spcure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("regress")
        .args(args)
        .output()
        .unwrap()
}

fn data() -> String {
    format!("{REF_DIR}/hc_data.csv")
}

fn json(args: &[&str]) -> Value {
    let out = spcure(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn close(got: f64, want: f64, what: &str) {
    let scale = want.abs().max(f64::MIN_POSITIVE);
    assert!(
        (got - want).abs() / scale <= REL_TOL,
        "{what}: got {got}, R {want}"
    );
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Runs the CLI for one R reference fit at one level and compares everything.
fn compare(fit: &Value, level: u32) {
    let file = data();
    let hc_index = fit["hc"].as_str().map(|h| h[2..].to_string());
    let level_s = level.to_string();
    let mut args = vec![file.as_str(), "--y", "y", "--x", "x1,x2,x3", "--json"];
    args.extend(["--level", level_s.as_str()]);
    if let Some(h) = &hc_index {
        args.extend(["--hc", h.as_str()]);
    }
    if fit["intercept"] == false {
        args.push("--no-intercept");
    }
    let got = json(&args);
    let what = format!("{:?} level {level}", fit["hc"]);
    assert_eq!(got["n"], fit["n"], "{what}");
    assert_eq!(got["df1"], fit["df1"], "{what}");
    assert_eq!(got["df2"], fit["df2"], "{what}");
    for key in ["r2", "adj_r2", "mse", "f"] {
        close(
            got[key].as_f64().unwrap(),
            fit[key].as_f64().unwrap(),
            &format!("{what} {key}"),
        );
    }
    close(
        got["p"].as_f64().unwrap(),
        fit["f_p"].as_f64().unwrap(),
        &format!("{what} F p"),
    );
    let ci = fit["ci"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["level"] == level)
        .unwrap();
    let terms = got["terms"].as_array().unwrap();
    let names = fit["term"].as_array().unwrap();
    assert_eq!(terms.len(), names.len());
    for (j, term) in terms.iter().enumerate() {
        assert_eq!(term["term"], names[j]);
        for key in ["estimate", "se", "t", "p"] {
            let want = nums(&fit[key])[j];
            close(
                term[key].as_f64().unwrap(),
                want,
                &format!("{what} {key}[{j}]"),
            );
        }
        close(
            term["ci_low"].as_f64().unwrap(),
            nums(&ci["ci_low"])[j],
            &format!("{what} ci_low[{j}]"),
        );
        close(
            term["ci_high"].as_f64().unwrap(),
            nums(&ci["ci_high"])[j],
            &format!("{what} ci_high[{j}]"),
        );
    }
}

#[test]
fn classical_and_hc0_to_hc4_match_r_at_three_levels() {
    let reference: Value = serde_json::from_str(REFERENCE).unwrap();
    for fit in reference["fits"].as_array().unwrap() {
        for level in [90, 95, 99] {
            compare(fit, level);
        }
    }
}

#[test]
fn json_has_the_documented_fields_and_counts_listwise_deletion() {
    let file = data();
    let v = json(&[&file, "--y", "y", "--x", "x1,x2,x3", "--json", "--hc", "3"]);
    for key in [
        "n",
        "r2",
        "adj_r2",
        "f",
        "df1",
        "df2",
        "p",
        "mse",
        "terms",
        "hc",
        "level",
        "rows_read",
        "exclusions",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    for key in ["term", "estimate", "se", "t", "p", "ci_low", "ci_high"] {
        assert!(v["terms"][0].get(key).is_some(), "terms[0] lacks {key}");
    }
    assert_eq!(v["terms"][0]["term"], "(Intercept)");
    assert_eq!(v["hc"], "HC3");
    assert_eq!(v["rows_read"], 60);
    assert_eq!(v["n"], 57);
    let dropped: u64 = v["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(dropped, 3);
}

#[test]
fn no_intercept_reports_the_uncentred_r2() {
    let file = data();
    let v = json(&[
        &file,
        "--y",
        "y",
        "--x",
        "x1,x2,x3",
        "--json",
        "--no-intercept",
    ]);
    assert!(v["terms"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["term"] != "(Intercept)"));
    assert_eq!(v["df1"], 3);
    assert_eq!(v["intercept"], false);
    // Uncentred: 1 − RSS/Σy², computed here from the reported RSS and the data.
    let text = std::fs::read_to_string(&file).unwrap();
    let ss: f64 = text
        .lines()
        .skip(1)
        .filter(|l| !l.contains("NA"))
        .map(|l| l.split(',').next().unwrap().parse::<f64>().unwrap().powi(2))
        .sum();
    let r2 = 1.0 - v["rss"].as_f64().unwrap() / ss;
    close(v["r2"].as_f64().unwrap(), r2, "uncentred R²");
}

#[test]
fn table_is_aligned_and_fits_100_columns() {
    let file = data();
    let out = spcure(&[
        &file, "--y", "y", "--x", "x1,x2,x3", "--hc", "4", "--level", "90",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("(Intercept)") && text.contains("HC4"),
        "{text}"
    );
    assert!(text.contains("90% low"), "{text}");
    assert!(text.contains("3 dropped listwise"), "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn missing_column_exits_2_naming_the_column_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "d.csv", "y,a\n1,2\n2,3\n3,5\n");
    let out = spcure(&[&file, "--y", "y", "--x", "a,bogus"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bogus") && err.contains("d.csv"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn non_numeric_cell_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "d.csv", "y,a\n1,2\n2,three\n3,5\n4,4\n");
    let out = spcure(&[&file, "--y", "y", "--x", "a"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("three"), "{err}");
}

#[test]
fn collinear_design_exits_1_naming_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "d.csv",
        "y,a,b\n1,1,2\n2,2,4\n4,3,6\n3,4,8\n5,5,10\n",
    );
    let out = spcure(&[&file, "--y", "y", "--x", "a,b"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("'b'") && err.contains("'a'"), "{err}");
    assert!(err.contains("collinear"), "{err}");
}

#[test]
fn constant_column_and_too_few_rows_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "d.csv", "y,a,c\n1,1,7\n2,2,7\n4,3,7\n3,4,7\n");
    let out = spcure(&[&file, "--y", "y", "--x", "a,c"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("'c' is constant"));
    let file = write(dir.path(), "e.csv", "y,a\n1,1\n2,NA\n");
    let out = spcure(&[&file, "--y", "y", "--x", "a"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("too few observations"));
}

#[test]
fn usage_errors_exit_2() {
    let file = data();
    for args in [
        vec![file.as_str(), "--y", "y", "--x", "x1,x1"],
        vec![file.as_str(), "--y", "y", "--x", "x1,y"],
        vec![file.as_str(), "--y", "y", "--x", "x1", "--level", "100"],
    ] {
        let out = spcure(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
    }
}

#[test]
fn essentially_perfect_fit_warns_on_stderr_and_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "d.csv",
        "x,y\n1,3\n2,5\n3,7\n4,9\n5,11\n6,13\n7,15\n",
    );
    const WARNING: &str = "essentially perfect fit: summary may be unreliable";
    for json in [false, true] {
        let mut args = vec![file.as_str(), "--y", "y", "--x", "x"];
        if json {
            args.push("--json");
        }
        let out = spcure(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(
            err.contains("warning: y ~ x") && err.contains(WARNING),
            "{err}"
        );
        if json {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["warnings"], serde_json::json!([WARNING]), "{v}");
        }
    }
    // An ordinary fit warns about nothing and has no `warnings` field.
    let out = spcure(&[&data(), "--y", "y", "--x", "x1,x2,x3", "--json"]);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("warnings").is_none(), "{v}");
}

/// A regressor of size 1e300 and one of size 1e-300 (issue 13 §1): fitted as R's lm() fits
/// them, not NaN (tests/reference/regress/large_scale.R; SEs from R's rescaled fit).
#[test]
fn extreme_magnitude_regressors_match_r_lm() {
    let want: Value =
        serde_json::from_str(include_str!("reference/regress/large_scale.json")).unwrap();
    let file = format!("{REF_DIR}/large_scale.csv");
    let got = json(&[&file, "--y", "y", "--x", "big,small,z", "--json"]);
    assert_eq!(got["n"], want["n"]);
    let terms = got["terms"].as_array().unwrap();
    for (j, name) in want["terms"].as_array().unwrap().iter().enumerate() {
        let t = &terms[j];
        assert_eq!(&t["term"], name);
        for (key, r_key) in [("estimate", "estimate"), ("se", "se"), ("t", "t")] {
            close(
                t[key].as_f64().unwrap(),
                want[r_key][j].as_f64().unwrap(),
                &format!("{name} {key}"),
            );
        }
    }
    close(
        got["r2"].as_f64().unwrap(),
        want["r2"].as_f64().unwrap(),
        "r2",
    );
    close(
        got["mse"].as_f64().unwrap(),
        want["mse"].as_f64().unwrap(),
        "mse",
    );
}

/// A slope that cannot be represented (y ~ 1e300 on x ~ 1e-300: slope ~ 1e600) is an analysis
/// failure naming the term, never NaN or inf with exit 0.
#[test]
fn an_unrepresentable_estimate_exits_1_instead_of_printing_inf() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "d.csv",
        "y,x\n1e300,1e-300\n3e300,2e-300\n2e300,3e-300\n5e300,4e-300\n4e300,5e-300\n",
    );
    for json in [false, true] {
        let mut args = vec![file.as_str(), "--y", "y", "--x", "x"];
        if json {
            args.push("--json");
        }
        let out = spcure(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("'x'") && err.contains("not finite"), "{err}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }
}

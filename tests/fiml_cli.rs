//! `--missing fiml` on `spcure mediate` and `spcure regress` as a user meets it: the numbers
//! against lavaan (tests/reference/fiml/fiml.json, written by make.R beside it), the sample
//! named in the output, determinism, and exit code 2 for flags that do not combine.

use std::process::{Command, Output};

use serde_json::Value;

const COHORT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/reference/fiml/cohort.csv"
);
/// lavaan at its optimum vs the EM fixed point (src/stats/fiml.rs has the full comparison).
const TOL: f64 = 1e-6;

fn spcure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(args)
        .output()
        .unwrap()
}

fn mediate(extra: &[&str]) -> Output {
    let mut args = vec![
        "mediate",
        COHORT,
        "--x",
        "d_x",
        "--m",
        "d_m1,d_m2",
        "--y",
        "d_y",
        "--cov",
        "age",
        "--missing",
        "fiml",
        "--boot",
        "200",
        "--seed",
        "3",
        "--quiet",
    ];
    args.extend(extra);
    spcure(&args)
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn reference() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/fiml/fiml.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// lavaan's (estimate, SE) of a `:=` label.
fn defined(r: &Value, label: &str) -> (f64, f64) {
    let p = &r["params"];
    let i = p["label"]
        .as_array()
        .unwrap()
        .iter()
        .position(|l| l == label)
        .unwrap();
    (p["est"][i].as_f64().unwrap(), p["se"][i].as_f64().unwrap())
}

fn close(got: &Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap();
    assert!(
        (got - want).abs() <= TOL * want.abs(),
        "{what}: {got} vs lavaan {want}"
    );
}

#[test]
fn mediation_with_auxiliaries_matches_lavaan_and_names_the_sample() {
    let v = json(&mediate(&["--aux", "y_T0,m1_T0", "--json"]));
    let r = &reference()["med_k2_cov_aux"];
    assert_eq!(v["missing"], "fiml");
    assert_eq!(v["sample"]["method"], "FIML (MAR)");
    assert_eq!(v["sample"]["n_contributing"], r["ntotal"]);
    assert_eq!(v["sample"]["n_rows"], 630);
    let observed = v["sample"]["observed"].as_array().unwrap();
    assert_eq!(observed.len(), 7);
    assert_eq!(observed[5]["variable"], "y_T0");
    assert_eq!(observed[5]["auxiliary"], true);
    for (i, label) in ["ind1", "ind2", "ind3", "total_ind"].iter().enumerate() {
        let (est, se) = defined(r, label);
        close(&v["indirect_effects"][i]["estimate"], est, label);
        close(&v["indirect_effects"][i]["se"], se, label);
    }
    let (est, se) = defined(r, "total");
    close(&v["total_effect"]["estimate"], est, "total");
    close(&v["total_effect"]["se"], se, "total SE");
    let (est, se) = defined(r, "ind3");
    let _ = (est, se);
    assert!(v["em"]["iterations"].as_u64().unwrap() > 0);
    assert!(v["bootstrap"]["replaced"].is_number());
}

#[test]
fn text_report_says_fiml_mar_and_n_contributing() {
    let o = mediate(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("Missing data: FIML (MAR), n contributing = 606 of 630 rows read"),
        "{text}"
    );
    assert!(text.contains("redrawn"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");

    let o = spcure(&[
        "regress",
        COHORT,
        "--y",
        "d_y",
        "--x",
        "d_x,age",
        "--missing",
        "fiml",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("FIML (MAR), n contributing = 606"), "{text}");
}

#[test]
fn regression_json_matches_lavaan() {
    let o = spcure(&[
        "regress",
        COHORT,
        "--y",
        "d_y",
        "--x",
        "d_x,age",
        "--missing",
        "fiml",
        "--aux",
        "y_T0",
        "--json",
    ]);
    let v = json(&o);
    let r = &reference()["regress_aux"];
    let p = &r["params"];
    let n = p["lhs"].as_array().unwrap().len();
    let find = |op: &str, rhs: &str| {
        (0..n)
            .find(|&i| p["lhs"][i] == "d_y" && p["op"][i] == op && p["rhs"][i] == rhs)
            .unwrap()
    };
    let terms = v["terms"].as_array().unwrap();
    assert_eq!(terms.len(), 3);
    for t in terms {
        let name = t["term"].as_str().unwrap();
        let i = if name == "(Intercept)" {
            find("~1", "")
        } else {
            find("~", name)
        };
        close(&t["estimate"], p["est"][i].as_f64().unwrap(), name);
        close(&t["se"], p["se"][i].as_f64().unwrap(), name);
    }
    assert_eq!(v["sample"]["n_contributing"], r["ntotal"]);
}

#[test]
fn same_seed_same_bytes_at_any_thread_count() {
    let a = mediate(&["--json", "--threads", "1", "--ci", "bca"]);
    let b = mediate(&["--json", "--threads", "2", "--ci", "bca"]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn flags_that_do_not_combine_exit_2() {
    let o = spcure(&[
        "regress", COHORT, "--y", "d_y", "--x", "d_x", "--aux", "y_T0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--missing fiml"));
    let o = mediate(&["--hc", "3"]);
    assert_eq!(o.status.code(), Some(2));
    let o = mediate(&["--aux", "d_x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = mediate(&["--aux", "no_such_column"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_variable_never_observed_is_named() {
    let dir = std::env::temp_dir().join(format!("spcure-fiml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("empty_col.csv");
    std::fs::write(&file, "x,m,y,e\n1,2,3,\n2,1,4,\n3,5,4,\n4,3,6,\n5,4,4,\n").unwrap();
    let f = file.to_str().unwrap();
    let o = spcure(&["regress", f, "--y", "y", "--x", "x,e", "--missing", "fiml"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("'e' has no observed values"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

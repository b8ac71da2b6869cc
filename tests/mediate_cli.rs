//! `spcure mediate` as a user meets it: JSON fields, the text report, reproducible seeds and
//! exit code 2 for bad input.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const PMI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pmi.csv");

/// The pmi model (X = cond, M1 = import, M2 = pmi, Y = reaction) on `file`.
fn mediate(file: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("mediate")
        .arg(file)
        .args([
            "--x",
            "cond",
            "--m",
            "import,pmi",
            "--y",
            "reaction",
            "--boot",
            "1000",
            "--quiet",
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn json_has_the_documented_fields() {
    let o = mediate(
        Path::new(PMI),
        &[
            "--seed",
            "5",
            "--json",
            "--contrasts",
            "--standardize",
            "--cov",
            "gender",
        ],
    );
    let v = json(&o);
    assert_eq!(v["schema_version"], "1.0.0");
    assert_eq!(v["n"], 123);
    assert_eq!(v["mediators"], serde_json::json!(["import", "pmi"]));
    assert_eq!(v["covariates"], serde_json::json!(["gender"]));
    assert_eq!(v["equations"].as_array().unwrap().len(), 3);
    for key in ["r2", "f", "df1", "df2", "p", "mse", "terms"] {
        assert!(!v["equations"][0][key].is_null(), "{key}");
    }
    for key in ["estimate", "se", "t", "p", "ci_low", "ci_high"] {
        assert!(v["total_effect"][key].is_number(), "{key}");
        assert!(v["direct_effect"][key].is_number(), "{key}");
    }
    let ind = v["indirect_effects"].as_array().unwrap();
    assert_eq!(ind.len(), 4);
    assert_eq!(ind[2]["label"], "Ind3");
    assert_eq!(
        ind[2]["path"],
        serde_json::json!(["cond", "import", "pmi", "reaction"])
    );
    assert_eq!(ind[3]["label"], "Total");
    assert!(ind[3]["path"].is_null());
    assert!(ind[0]["standardized"]["partial"]["boot_se"].is_number());
    assert!(ind[0]["standardized"]["complete"]["ci_low"].is_number());
    let contrasts = v["contrasts"].as_array().unwrap();
    assert_eq!(contrasts.len(), 3);
    assert_eq!(contrasts[1]["minuend"], "Ind1");
    assert_eq!(contrasts[1]["subtrahend"], "Ind3");
    let boot = &v["bootstrap"];
    assert_eq!(boot["samples"], 1000);
    assert_eq!(boot["seed"], 5);
    assert_eq!(boot["ci"], "percentile");
    assert_eq!(boot["seed_drawn"], false);
    assert_eq!(boot["replaced"], 0);
    let dist = &v["serial_distribution"];
    assert_eq!(dist["label"], "Ind3");
    assert_eq!(dist["edges"].as_array().unwrap().len(), 41);
    let total: u64 = dist["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(total, 1000);
}

#[test]
fn same_seed_same_output_for_any_thread_count() {
    let a = mediate(
        Path::new(PMI),
        &["--seed", "9", "--json", "--ci", "bca", "--threads", "1"],
    );
    let b = mediate(
        Path::new(PMI),
        &["--seed", "9", "--json", "--ci", "bca", "--threads", "3"],
    );
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn drawn_seed_is_reported_and_reproduces() {
    let v = json(&mediate(Path::new(PMI), &["--json"]));
    assert_eq!(v["bootstrap"]["seed_drawn"], true);
    let seed = v["bootstrap"]["seed"].as_u64().unwrap().to_string();
    let again = json(&mediate(Path::new(PMI), &["--json", "--seed", &seed]));
    assert_eq!(v["indirect_effects"], again["indirect_effects"]);
    let text = mediate(Path::new(PMI), &[]);
    let out = String::from_utf8(text.stdout).unwrap();
    assert!(out.contains("Random seed:"), "{out}");
    assert!(out.contains("pass --seed"), "{out}");
}

#[test]
fn text_report_is_process_like_and_fits_100_columns() {
    let o = mediate(
        Path::new(PMI),
        &["--seed", "1", "--contrasts", "--standardize"],
    );
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    for needle in [
        "OUTCOME VARIABLE: import",
        "coeff",
        "BootLLCI",
        "Indirect effect key:",
        "Ind3     cond -> import -> pmi -> reaction",
        "Number of bootstrap samples for percentile bootstrap confidence intervals: 1000",
        "Random seed: 1",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    for line in out.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
}

#[test]
fn missing_column_and_non_numeric_cell_exit_2() {
    let o = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args([
            "mediate", PMI, "--x", "cond", "--m", "nosuch", "--y", "reaction",
        ])
        .args(["--seed", "1", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nosuch"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let text = std::fs::read_to_string(PMI).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[5] = lines[5].replacen(',', ",abc,", 1);
    let cols = lines[5].split(',').count();
    lines[5] = lines[5]
        .split(',')
        .take(cols - 1)
        .collect::<Vec<_>>()
        .join(",");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let o = mediate(&bad, &["--seed", "1"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn too_many_bootstrap_resamples_exit_2_naming_the_limit() {
    let o = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("mediate")
        .arg(PMI)
        .args(["--x", "cond", "--m", "import,pmi", "--y", "reaction"])
        .args(["--boot", "100000000000", "--quiet"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--boot 100000000000") && err.contains("at most 1000000"),
        "{err}"
    );
}

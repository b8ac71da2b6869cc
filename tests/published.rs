//! CI reproduces published estimates on every change: the files in data/published/ are run
//! through `spcure check` against fresh results.

use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn spcure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .current_dir(ROOT)
        .args(args)
        .output()
        .unwrap()
}

fn check(results: &Path, expected: &str) {
    let out = spcure(&["check", results.to_str().unwrap(), "--expect", expected]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Hayes' serial model on the pmi data: OLS paths from R's lm(), bootstrap SEs and
/// bias-corrected CIs from the published Mplus run (B = 10000), tests/data/pmi.README.md.
#[test]
fn pmi_serial_mediation_reproduces_the_published_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let out = spcure(&[
        "mediate",
        "tests/data/pmi.csv",
        "--x",
        "cond",
        "--m",
        "import,pmi",
        "--y",
        "reaction",
        "--boot",
        "10000",
        "--ci",
        "bc",
        "--seed",
        "2010",
        "--json",
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.path().join("pmi.json");
    std::fs::write(&path, &out.stdout).unwrap();
    check(&path, "data/published/pmi.toml");
}

/// The bundled example cohort: every mediation equation against R's lm() on independently
/// scored change scores (tests/reference/example/example_lm.R).
#[test]
fn example_cohort_matches_r_lm() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = spcure(&[
        "analyse",
        "data/example/T0.csv",
        "data/example/T1.csv",
        "data/example/T2.csv",
        "--out",
        out_dir.to_str().unwrap(),
        "--seed",
        "7",
        "--boot",
        "1000",
        "--quiet",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check(&out_dir.join("results.json"), "data/published/example.toml");
}

//! `--cluster` on `spcure regress` and `spcure mediate` as a user meets it: CR2 with
//! Satterthwaite df and CR1 against R (clubSandwich::coef_test, sandwich::vcovCL; 1e-6), the
//! cluster bootstrap against an R cluster bootstrap of the same indirect effects (Monte Carlo
//! tolerance below), determinism at any thread count, and the bad-input errors (exit 2).
//! Reference data and values: tests/reference/cluster/make.R.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const REF_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/cluster");
const CR_REFERENCE: &str = include_str!("reference/cluster/cr_reference.json");
const BOOT_REFERENCE: &str = include_str!("reference/cluster/boot_reference.json");
/// Against clubSandwich / sandwich: |got − want| ≤ 1e-6·max(1, |want|).
const TOL: f64 = 1e-6;
/// Monte Carlo tolerance of the cluster bootstrap (both sides B = 20000, independent
/// streams): bootstrap SEs within 5 % (the Monte Carlo SD of the ratio of two SE estimates
/// is about √(2(κ − 1)/(4B)) ≈ 1–2 % for kurtosis κ ≤ 10), percentile limits within 0.15
/// bootstrap SE (Monte Carlo SD of a difference of two 2.5 % quantiles ≈ 0.04 SE for a
/// normal-shaped distribution).
const SE_REL_TOL: f64 = 0.05;
const CI_SE_TOL: f64 = 0.15;

fn spcure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(args)
        .output()
        .unwrap()
}

fn sites() -> String {
    format!("{REF_DIR}/sites.csv")
}

fn ok_json(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn reference(label: &str) -> Value {
    let all: Value = serde_json::from_str(CR_REFERENCE).unwrap();
    all["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["label"] == label)
        .unwrap()
        .clone()
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= TOL * want.abs().max(1.0),
        "{what}: spcure {got}, R {want}"
    );
}

/// An OLS result in spcure's JSON against a reference model: CR2 columns, or CR1 ones.
fn check_fit(fit: &Value, want: &Value, cr1: bool) {
    let terms = fit["terms"].as_array().unwrap();
    let names: Vec<&str> = terms.iter().map(|t| t["term"].as_str().unwrap()).collect();
    let want_names: Vec<&str> = want["term"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(names, want_names);
    let cluster = &fit["cluster"];
    assert_eq!(cluster["clusters"], want["clusters"]);
    let df = nums(&cluster["df"]);
    let (se, t, p) = if cr1 {
        ("cr1_se", "cr1_t", "cr1_p")
    } else {
        ("se", "tstat", "p_satt")
    };
    for (k, term) in terms.iter().enumerate() {
        let label = format!("{} {}", want["label"], names[k]);
        close(
            term["estimate"].as_f64().unwrap(),
            nums(&want["beta"])[k],
            &label,
        );
        close(term["se"].as_f64().unwrap(), nums(&want[se])[k], &label);
        close(term["t"].as_f64().unwrap(), nums(&want[t])[k], &label);
        close(term["p"].as_f64().unwrap(), nums(&want[p])[k], &label);
        let want_df = if cr1 {
            want["cr1_df"].as_f64().unwrap()
        } else {
            nums(&want["df_satt"])[k]
        };
        close(df[k], want_df, &format!("{label} df"));
    }
}

#[test]
fn regress_cr2_and_cr1_match_clubsandwich_and_sandwich() {
    let file = sites();
    let base = [
        "regress",
        &file,
        "--y",
        "y",
        "--x",
        "x,m1,funded",
        "--cluster",
        "site",
    ];
    let cr2 = ok_json(&spcure(&[&base[..], &["--json"]].concat()));
    assert_eq!(cr2["se_type"], "CR2");
    assert_eq!(cr2["n"], 339);
    assert_eq!(cr2["cluster"]["variable"], "site");
    assert_eq!(cr2["cluster"]["df_method"], "Satterthwaite");
    assert_eq!(cr2["cluster"]["smallest"], 6);
    assert_eq!(cr2["cluster"]["largest"], 67);
    assert!(cr2["f"].is_null());
    check_fit(&cr2, &reference("regress"), false);
    let cr1 = ok_json(&spcure(&[&base[..], &["--vcov", "cr1", "--json"]].concat()));
    assert_eq!(cr1["se_type"], "CR1");
    check_fit(&cr1, &reference("regress"), true);
}

#[test]
fn regress_table_names_the_estimator_clusters_and_df() {
    let file = sites();
    let out = spcure(&[
        "regress",
        &file,
        "--y",
        "y",
        "--x",
        "x,m1,funded",
        "--cluster",
        "site",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("SE: CR2, 12 clusters (site; 6 to 67 cases each), Satterthwaite df"),
        "{text}"
    );
    assert!(
        text.contains("model F not reported with cluster-robust SEs"),
        "{text}"
    );
    let header = text.lines().find(|l| l.starts_with("term")).unwrap();
    assert!(header.contains(" df "), "{header}");
    // The df of `funded` (a site-level variable) is R's 5.08, not n − p = 335.
    let funded = text.lines().find(|l| l.starts_with("funded")).unwrap();
    assert!(funded.contains(" 5.08 "), "{funded}");
    assert!(text.lines().all(|l| l.chars().count() <= 100));
}

#[test]
fn singleton_cluster_matches_clubsandwich() {
    let file = format!("{REF_DIR}/singleton.csv");
    let fit = ok_json(&spcure(&[
        "regress",
        &file,
        "--y",
        "y",
        "--x",
        "x1,x2",
        "--cluster",
        "cl",
        "--json",
    ]));
    check_fit(&fit, &reference("singleton"), false);
}

#[test]
fn mediate_cluster_bootstrap_matches_an_r_cluster_bootstrap() {
    let file = sites();
    let run = |threads: &str| {
        spcure(&[
            "mediate",
            &file,
            "--x",
            "x",
            "--m",
            "m1,m2,m3",
            "--y",
            "y",
            "--cov",
            "funded",
            "--cluster",
            "site",
            "--boot",
            "20000",
            "--seed",
            "7",
            "--threads",
            threads,
            "--json",
        ])
    };
    let one = run("1");
    let r = ok_json(&one);
    assert_eq!(
        one.stdout,
        run("2").stdout,
        "thread count changed the output"
    );
    assert_eq!(r["bootstrap"]["cluster"]["clusters"], 12);
    assert_eq!(r["bootstrap"]["cluster"]["variable"], "site");
    let stderr = String::from_utf8_lossy(&one.stderr);
    assert!(stderr.contains("only 12 clusters"), "{stderr}");
    // Equations: CR2 + Satterthwaite as clubSandwich.
    let eqs = r["equations"].as_array().unwrap();
    for (eq, label) in eqs.iter().zip(["m1", "m2", "m3", "y"]) {
        check_fit(eq, &reference(label), false);
    }
    check_fit(&r["total_model"], &reference("total"), false);
    // Indirect effects: same point estimates; bootstrap SEs and percentile limits within
    // Monte Carlo tolerance of R's hand-coded cluster bootstrap.
    let want: Value = serde_json::from_str(BOOT_REFERENCE).unwrap();
    let effects = r["indirect_effects"].as_array().unwrap();
    let path = |e: &Value| match e["path"].as_array() {
        Some(p) => p
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(">"),
        None => "TOTAL".to_string(),
    };
    for (k, label) in want["paths"].as_array().unwrap().iter().enumerate() {
        let label = label.as_str().unwrap();
        let got = effects.iter().find(|e| path(e) == label).unwrap();
        let se = nums(&want["boot_se"])[k];
        close(
            got["estimate"].as_f64().unwrap(),
            nums(&want["estimate"])[k],
            "estimate",
        );
        let got_se = got["boot_se"].as_f64().unwrap();
        assert!(
            (got_se / se - 1.0).abs() < SE_REL_TOL,
            "{label}: boot SE {got_se} vs R {se}"
        );
        for (key, what) in [("ci_low", "lower"), ("ci_high", "upper")] {
            let (g, w) = (got[key].as_f64().unwrap(), nums(&want[key])[k]);
            assert!(
                (g - w).abs() < CI_SE_TOL * se,
                "{label} {what} limit: {g} vs R {w} (SE {se})"
            );
        }
    }
}

#[test]
fn mediate_text_reports_clusters_and_warns_when_few() {
    let file = sites();
    let out = spcure(&[
        "mediate",
        &file,
        "--x",
        "x",
        "--m",
        "m1,m2",
        "--y",
        "y",
        "--cluster",
        "site",
        "--boot",
        "1000",
        "--seed",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Clusters: 12 (column 'site')"), "{text}");
    assert!(text.contains("SE: CR2, 12 clusters (site"), "{text}");
    assert!(
        text.contains("Cluster bootstrap: each resample draws 12 clusters"),
        "{text}"
    );
    assert!(text.contains("Warning: only 12 clusters"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn fails_with(args: &[&str], needle: &str) {
    let out = spcure(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "wanted '{needle}' in: {stderr}");
}

#[test]
fn bad_cluster_input_exits_2_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let missing = write(
        dir.path(),
        "missing.csv",
        "site,x,y\nA,1,2\nB,2,3\n,3,5\nA,4,4\nB,5,7\n",
    );
    fails_with(
        &[
            "regress",
            &missing,
            "--y",
            "y",
            "--x",
            "x",
            "--cluster",
            "site",
        ],
        "line 4 (data row 3): column 'site' (--cluster) is empty",
    );
    // A row dropped listwise for a missing y does not need a cluster id.
    let dropped = write(
        dir.path(),
        "dropped.csv",
        "site,x,y\nA,1,2\nB,2,3\n,3,NA\nA,4,4\nB,5,7\nA,6,6\n",
    );
    let out = spcure(&[
        "regress",
        &dropped,
        "--y",
        "y",
        "--x",
        "x",
        "--cluster",
        "site",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let one = write(
        dir.path(),
        "one.csv",
        "site,x,y\nA,1,2\nA,2,3\nA,3,5\nA,4,4\n",
    );
    fails_with(
        &["regress", &one, "--y", "y", "--x", "x", "--cluster", "site"],
        "has 1 distinct value(s) among the 4 cases used",
    );
    fails_with(
        &[
            "regress",
            &missing,
            "--y",
            "y",
            "--x",
            "x",
            "--cluster",
            "region",
        ],
        "region",
    );
    fails_with(
        &[
            "regress",
            &missing,
            "--y",
            "y",
            "--x",
            "x",
            "--cluster",
            "site",
            "--hc",
            "3",
        ],
        "--hc and --cluster cannot be combined",
    );
    fails_with(
        &["regress", &missing, "--y", "y", "--x", "x", "--vcov", "cr1"],
        "--cluster",
    );
    fails_with(
        &[
            "regress",
            &missing,
            "--y",
            "y",
            "--x",
            "x",
            "--cluster",
            "x",
        ],
        "cannot also be a model variable",
    );
}

/// `analyse` with `cluster = "site"` in the spec: the regression and the mediation
/// equations carry CR2 + Satterthwaite (as clubSandwich, 1e-6) and the mediation a cluster
/// bootstrap; the report says so. The wave files are the reference data as T0 (and a copy as
/// T1), so the models are R's.
#[test]
fn analyse_with_a_cluster_spec_uses_cr2_and_the_cluster_bootstrap() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sites()).unwrap();
    let mut t0 = String::new();
    for (i, line) in text.lines().enumerate() {
        let id = if i == 0 {
            "id".to_string()
        } else {
            format!("P{i:03}")
        };
        t0.push_str(&format!("{id},{line}\n"));
    }
    let t0_path = write(dir.path(), "T0.csv", &t0);
    // T1: the same scores without the baseline variables (a file may not be two waves).
    let t1: String = t0
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{},{},{},{},{}\n", f[0], f[2], f[3], f[4], f[5], f[7])
        })
        .collect();
    let t1_path = write(dir.path(), "T1.csv", &t1);
    let construct = |name: &str| {
        format!("[[construct]]\nname = \"{name}\"\ncolumn = \"{name}\"\nmin = -100\nmax = 100\n\n")
    };
    let mut spec = String::from(
        "[study]\nname = \"Twelve sites\"\nmissing_codes = [\"NA\"]\ncluster = \"site\"\n\n",
    );
    for c in ["x", "m1", "m2", "m3", "y"] {
        spec.push_str(&construct(c));
    }
    spec.push_str(
        "[[covariate]]\nname = \"funded\"\ncolumn = \"funded\"\nmin = 0\nmax = 1\n\n\
         [[covariate]]\nname = \"site\"\ncolumn = \"site\"\ncategorical = true\n\n\
         [[analysis]]\nkind = \"regression\"\nid = \"clustered\"\ny = \"y@T0\"\n\
         x = [\"x@T0\", \"m1@T0\", \"funded\"]\n\n\
         [[analysis]]\nkind = \"serial_mediation\"\nid = \"chain\"\nx = \"x@T0\"\n\
         mediators = [\"m1@T0\", \"m2@T0\", \"m3@T0\"]\ny = \"y@T0\"\ncovariates = [\"funded\"]\n",
    );
    let spec_path = write(dir.path(), "study.toml", &spec);
    let out_dir = dir.path().join("out");
    let out = spcure(&[
        "analyse",
        &t0_path,
        &t1_path,
        "--spec",
        &spec_path,
        "--out",
        out_dir.to_str().unwrap(),
        "--seed",
        "5",
        "--boot",
        "1000",
        "--format",
        "json,md",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("results.json")).unwrap())
            .unwrap();
    let entry = |id: &str| {
        results["analyses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("no analysis {id}"))
            .clone()
    };
    let check_positions = |fit: &Value, label: &str| {
        // Names differ (x_T0 vs x): compare by position.
        let mut want = reference(label);
        want["term"] = serde_json::json!(fit["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["term"].clone())
            .collect::<Vec<_>>());
        check_fit(fit, &want, false);
    };
    check_positions(&entry("clustered")["output"]["fit"], "regress");
    let chain = &entry("chain")["output"]["result"];
    for (eq, label) in chain["equations"]
        .as_array()
        .unwrap()
        .iter()
        .zip(["m1", "m2", "m3", "y"])
    {
        check_positions(eq, label);
    }
    assert_eq!(chain["bootstrap"]["cluster"]["clusters"], 12);
    let report = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(
        report.contains("CR2 cluster-robust standard errors for 12 clusters of site"),
        "{report}"
    );
    assert!(
        report.contains("cluster bootstrap samples (whole clusters of site"),
        "{report}"
    );
}

#[test]
fn a_spec_cluster_that_is_not_a_baseline_variable_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "study.toml",
        "[study]\nname = \"S\"\ncluster = \"region\"\n\n[[construct]]\nname = \"y\"\n\
         column = \"y\"\nmin = 0\nmax = 10\n",
    );
    fails_with(
        &["spec", "--check", &spec],
        "study.cluster = \"region\" is not a baseline variable",
    );
}

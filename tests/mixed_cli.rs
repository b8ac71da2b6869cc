//! `spcure mixed` against R (tests/reference/mixed/make.R, outputs committed beside it):
//! random intercept against lme4 + lmerTest + pbkrtest + emmeans, unstructured (MMRM) against
//! nlme::gls with Satterthwaite/Kenward–Roger df from independent R code (pbkrtest's own
//! Kenward–Roger routines, numDeriv for Satterthwaite). Tolerances: 1e-6 (absolute) on
//! estimates, SEs and CI limits, 1e-4 on df.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use spcure::commands::mixed::{mixed, MixedOutput};
use spcure::config::mixed::MixedConfig;
use spcure::stats::mmrm::{Covariance, DfMethod, Estimate, MixedSpec};

const TOL: f64 = 1e-6;
const DF_TOL: f64 = 1e-4;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/mixed")
}

fn reference() -> Value {
    let text = std::fs::read_to_string(dir().join("reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn fit(cov: Covariance, df: DfMethod, arm: bool) -> MixedOutput {
    let cfg = MixedConfig {
        file: dir().join("long.csv"),
        id: "id".into(),
        time: "wave".into(),
        y: "y".into(),
        group: arm.then(|| "arm".to_string()),
        covariates: if arm { vec!["age".into()] } else { vec![] },
        spec: MixedSpec {
            covariance: cov,
            df,
            ..MixedSpec::default()
        },
        json: false,
    };
    mixed(&cfg).unwrap()
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, R {want} (difference {:e}, tolerance {tol:e})",
        got - want
    );
}

/// Compares estimates, SEs and df with R's (column arrays).
fn check_rows(what: &str, got: &[&Estimate], est: &[f64], se: &[f64], df: &[f64]) {
    assert_eq!(got.len(), est.len(), "{what}: number of rows");
    for (i, g) in got.iter().enumerate() {
        close(&format!("{what}[{i}] estimate"), g.estimate, est[i], TOL);
        close(&format!("{what}[{i}] SE"), g.se, se[i], TOL);
        close(&format!("{what}[{i}] df"), g.df, df[i], DF_TOL);
    }
}

fn check_ri(case: &str, arm: bool) {
    let r = &reference()[case];
    for (method, key) in [
        (DfMethod::Satterthwaite, "satterthwaite"),
        (DfMethod::KenwardRoger, "kenward_roger"),
    ] {
        let out = fit(Covariance::RandomIntercept, method, arm);
        let f = &out.fit;
        assert!(f.converged, "{case} {key}: not converged");
        close(
            &format!("{case} REML criterion"),
            -2.0 * f.reml_loglik,
            r["reml_criterion"].as_f64().unwrap(),
            TOL,
        );
        let vc = nums(&r["variance_components"]);
        let (b, w) = f.variance_components.unwrap();
        close("σ²_between", b, vc[0], TOL);
        close("σ²_within", w, vc[1], TOL);
        let m = &r[key];
        let fixed: Vec<&Estimate> = f.fixed.iter().map(|t| &t.est).collect();
        check_rows(
            &format!("{case} {key} fixed"),
            &fixed,
            &nums(&m["estimate"]),
            &nums(&m["se"]),
            &nums(&m["df"]),
        );
        for (g, p) in fixed.iter().zip(nums(&m["p"])) {
            close("fixed p", g.p, p, 1e-6);
        }
        let em = &m["emmeans"]["means"];
        let means: Vec<&Estimate> = f.means.iter().map(|t| &t.est).collect();
        check_rows(
            &format!("{case} {key} means"),
            &means,
            &nums(&em["estimate"]),
            &nums(&em["se"]),
            &nums(&em["df"]),
        );
        for (g, lo) in means.iter().zip(nums(&em["lower"])) {
            close("mean CI low", g.ci_low, lo, TOL);
        }
        let ct = &m["emmeans"]["contrasts"];
        let cons: Vec<&Estimate> = f.contrasts.iter().map(|t| &t.est).collect();
        check_rows(
            &format!("{case} {key} contrasts"),
            &cons,
            &nums(&ct["estimate"]),
            &nums(&ct["se"]),
            &nums(&ct["df"]),
        );
        for (i, g) in cons.iter().enumerate() {
            close("contrast t", g.t, nums(&ct["t"])[i], 1e-5);
            close("contrast p", g.p, nums(&ct["p"])[i], 1e-6);
            close("contrast CI high", g.ci_high, nums(&ct["upper"])[i], TOL);
        }
    }
}

fn records(v: &Value, field: &str) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_f64().unwrap())
        .collect()
}

fn check_un(case: &str, arm: bool) {
    let r = &reference()[case];
    for (method, df_key, se_key) in [
        (DfMethod::Satterthwaite, "sat_df", "se"),
        (DfMethod::KenwardRoger, "kr_df", "kr_se"),
    ] {
        let out = fit(Covariance::Unstructured, method, arm);
        let f = &out.fit;
        assert!(f.converged, "{case}: not converged");
        close(
            &format!("{case} REML log-likelihood"),
            f.reml_loglik,
            r["reml_loglik"].as_f64().unwrap(),
            TOL,
        );
        let sigma = r["sigma"].as_array().unwrap();
        for (i, row) in sigma.iter().enumerate() {
            for (j, v) in nums(row).iter().enumerate() {
                close(&format!("Σ[{i},{j}]"), f.sigma[i][j], *v, TOL);
            }
        }
        for (what, got, want) in [
            (
                "fixed",
                f.fixed.iter().map(|t| &t.est).collect::<Vec<_>>(),
                &r["fixed"],
            ),
            (
                "means",
                f.means.iter().map(|t| &t.est).collect(),
                &r["means"],
            ),
            (
                "contrasts",
                f.contrasts.iter().map(|t| &t.est).collect(),
                &r["contrasts"],
            ),
        ] {
            check_rows(
                &format!("{case} {df_key} {what}"),
                &got,
                &records(want, "estimate"),
                &records(want, se_key),
                &records(want, df_key),
            );
        }
    }
}

#[test]
fn random_intercept_with_arm_matches_lmer_lmertest_pbkrtest_emmeans() {
    check_ri("ri_arm", true);
}

#[test]
fn random_intercept_over_waves_matches_lmer() {
    check_ri("ri_plain", false);
}

#[test]
fn unstructured_with_arm_matches_gls_and_pbkrtest() {
    check_un("un_arm", true);
}

#[test]
fn unstructured_over_waves_matches_gls() {
    check_un("un_plain", false);
}

#[test]
fn the_sample_is_counted_per_wave_and_reported() {
    let out = fit(Covariance::Unstructured, DfMethod::Satterthwaite, true);
    let f = &out.fit;
    assert_eq!(out.participants_in_file, 240);
    assert_eq!(f.n_participants, 240);
    let total: usize = f.per_wave.iter().map(|w| w.n).sum();
    assert_eq!(total, f.n_observations);
    assert_eq!(out.rows_read, 567);
    assert_eq!(f.n_observations, 566, "one row has no outcome");
    assert_eq!(out.dropped.len(), 1);
    assert_eq!(out.dropped[0].count, 1);
    assert_eq!(f.per_wave[0].n, 240);
}

fn spcure(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn terminal_output_names_model_sample_covariance_df_and_assumption() {
    let file = dir().join("long.csv");
    let out = spcure(&[
        "mixed",
        file.to_str().unwrap(),
        "--id",
        "id",
        "--time",
        "wave",
        "--y",
        "y",
        "--group",
        "arm",
        "--cov",
        "age",
        "--df",
        "kenward-roger",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "MMRM, REML): y ~ wave * arm + age",
        "240 participants, 566 observations (per wave: T0 240,",
        "missing at random, MAR",
        "Covariance: unstructured",
        "Kenward-Roger",
        "(treatment − control): T2 − T0",
        "converged after",
    ] {
        assert!(s.contains(needle), "missing {needle:?} in\n{s}");
    }
}

#[test]
fn json_output_round_trips() {
    let file = dir().join("long.csv");
    let out = spcure(&[
        "mixed",
        file.to_str().unwrap(),
        "--id",
        "id",
        "--time",
        "wave",
        "--y",
        "y",
        "--covariance",
        "intercept",
        "--json",
    ]);
    assert!(out.status.success());
    let v: MixedOutput = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.fit.covariance, Covariance::RandomIntercept);
    assert_eq!(v.fit.contrasts.len(), 3);
    assert_eq!(v.fit.contrasts[0].contrast, "T1 − T0");
}

fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    std::fs::write(&p, text).unwrap();
    (d, p)
}

fn run_err(path: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "mixed",
        path.to_str().unwrap(),
        "--id",
        "id",
        "--time",
        "wave",
        "--y",
        "y",
    ];
    args.extend(extra);
    let out = spcure(&args);
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_wave_twice_for_one_participant_is_bad_input() {
    let (_d, p) = write("l.csv", "id,wave,y\na,T0,1\na,T0,2\nb,T0,3\n");
    let (code, err) = run_err(&p, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("participant 'a' has two rows for wave 'T0' (lines 2 and 3)"),
        "{err}"
    );
}

#[test]
fn a_covariate_that_changes_within_a_participant_is_bad_input() {
    let (_d, p) = write("l.csv", "id,wave,y,age\na,T0,1,30\na,T1,2,31\n");
    let (code, err) = run_err(&p, &["--cov", "age"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("covariate 'age' of participant 'a' is 30 on line 2 but 31 on line 3"),
        "{err}"
    );
}

#[test]
fn text_in_the_outcome_names_line_and_value() {
    let (_d, p) = write("l.csv", "id,wave,y\na,T0,1\na,T1,lots\n");
    let (code, err) = run_err(&p, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("line 3") && err.contains("lots"), "{err}");
}

#[test]
fn too_few_participants_at_a_wave_is_an_analysis_failure() {
    let mut csv = String::from("id,wave,y\n");
    for i in 0..20 {
        csv.push_str(&format!("p{i},T0,{}\n", i % 5));
        if i < 2 {
            csv.push_str(&format!("p{i},T1,{}\n", i));
        }
    }
    let (_d, p) = write("l.csv", &csv);
    let (code, err) = run_err(&p, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("wave T1 has 2 observed value(s)"), "{err}");
}

/// In `analyse` the mixed model uses every participant: with everyone observed at T0 its T0
/// mean is the raw T0 mean exactly (monotone dropout, Σ free), later model means differ from
/// the raw means of those still present (dropout depends on health), and the key findings
/// quote the model before the completer tests.
#[test]
fn analyse_leads_change_with_the_mixed_model() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tempfile::tempdir().unwrap();
    let waves: Vec<String> = ["T0", "T1", "T2"]
        .iter()
        .map(|w| format!("{root}/data/example/{w}.csv"))
        .collect();
    let status = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("analyse")
        .args(&waves)
        .args([
            "--seed", "1", "--boot", "200", "--quiet", "--format", "json,md",
        ])
        .arg("--out")
        .arg(out.path().join("o"))
        .status()
        .unwrap();
    assert!(status.success());
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("o/results.json")).unwrap())
            .unwrap();
    let entry = r["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "mixed_model")
        .unwrap();
    let hrqol = entry["output"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["construct"] == "hrqol")
        .unwrap();
    assert_eq!(hrqol["fit"]["n_participants"], 630);
    let model = |w: &str| {
        hrqol["fit"]["means"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["wave"] == w)
            .unwrap()["estimate"]
            .as_f64()
            .unwrap()
    };
    let raw = |w: &str| {
        hrqol["observed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["wave"] == w)
            .unwrap()["mean"]
            .as_f64()
            .unwrap()
    };
    assert!((model("T0") - raw("T0")).abs() < 1e-8);
    assert!(
        model("T1") < raw("T1") - 0.2,
        "{} vs {}",
        model("T1"),
        raw("T1")
    );
    let md = std::fs::read_to_string(out.path().join("o/report.md")).unwrap();
    let mixed = md
        .find("By the mixed model over every participant")
        .unwrap();
    let paired = md.find("M = 3.12 → 3.25").unwrap();
    assert!(mixed < paired);
}

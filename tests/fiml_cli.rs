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

/// Runs `analyse` on the bundled example with a small B (the FIML bootstrap re-runs the EM
/// per resample) and returns results.json and the output directory.
fn analyse_example(dir: &std::path::Path, extra: &[&str]) -> Value {
    std::fs::create_dir_all(dir).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "analyse",
        "data/example/T0.csv",
        "data/example/T1.csv",
        "data/example/T2.csv",
        "--seed",
        "5",
        "--boot",
        "100",
        "--quiet",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = spcure(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap()
}

fn entry<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no entry {id}"))
}

const CHAIN: [&str; 5] = ["groups", "belonging", "support", "loneliness", "hrqol"];

/// The change scores T1 − T0 of the chain, the covariates and the baseline scores, from the
/// panel.csv that analyse wrote (empty = missing).
fn derived_csv(panel: &str) -> String {
    let mut lines = panel.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut out = CHAIN.join(",") + ",age,gender,";
    out += &CHAIN.map(|c| format!("{c}_T0")).join(",");
    out.push('\n');
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let num = |name: &str| cells[col(name)].parse::<f64>().ok();
        let mut row: Vec<String> = CHAIN
            .iter()
            .map(
                |c| match (num(&format!("{c}_T1")), num(&format!("{c}_T0"))) {
                    (Some(t1), Some(t0)) => format!("{}", t1 - t0),
                    _ => String::new(),
                },
            )
            .collect();
        for c in ["age", "gender"]
            .into_iter()
            .map(String::from)
            .chain(CHAIN.map(|c| format!("{c}_T0")))
        {
            row.push(cells[col(&c)].to_string());
        }
        out += &row.join(",");
        out.push('\n');
    }
    out
}

/// `analyse` estimates the [model] chain by FIML with the chain's baseline scores as
/// auxiliaries, keeps the listwise estimate beside it, and its numbers are exactly those of
/// `spcure mediate --missing fiml --aux …` on the same derived data (itself validated
/// against lavaan above).
#[test]
fn analyse_mediation_is_fiml_by_default_and_equals_mediate() {
    let dir = tempfile::tempdir().unwrap();
    let r = analyse_example(dir.path(), &["--write-panel"]);
    let fiml = entry(&r, "mediation");
    let listwise = entry(&r, "mediation_listwise");
    assert_eq!(fiml["sample"]["missing"], "fiml");
    assert_eq!(listwise["sample"]["missing"], "listwise");
    let (n_fiml, n_listwise) = (
        fiml["sample"]["n"].as_u64().unwrap(),
        listwise["sample"]["n"].as_u64().unwrap(),
    );
    assert!(n_fiml > n_listwise, "{n_fiml} vs {n_listwise}");
    let got = &fiml["output"]["result"];
    assert_eq!(got["sample"]["n_contributing"].as_u64(), Some(n_fiml));
    assert_eq!(got["sample"]["n_complete"].as_u64(), Some(n_listwise));
    let aux: Vec<String> = CHAIN.map(|c| format!("{c}_T0")).to_vec();
    assert_eq!(got["auxiliary"], serde_json::json!(aux));

    let panel = std::fs::read_to_string(dir.path().join("out/panel.csv")).unwrap();
    let csv = dir.path().join("derived.csv");
    std::fs::write(&csv, derived_csv(&panel)).unwrap();
    let aux = aux.join(",");
    let o = spcure(&[
        "mediate",
        csv.to_str().unwrap(),
        "--x",
        "groups",
        "--m",
        "belonging,support,loneliness",
        "--y",
        "hrqol",
        "--cov",
        "age,gender",
        "--missing",
        "fiml",
        "--aux",
        &aux,
        "--boot",
        "100",
        "--seed",
        "5",
        "--json",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let want = json(&o);
    let same = |a: &Value, b: &Value, what: &str| {
        let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
        assert!(
            (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            "{what}: {a} vs {b}"
        );
    };
    for (ge, we) in got["equations"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["equations"].as_array().unwrap())
    {
        for (gt, wt) in ge["terms"].as_array().unwrap().iter().zip(wt_terms(we)) {
            same(&gt["estimate"], &wt["estimate"], "path");
            same(&gt["se"], &wt["se"], "path SE");
        }
    }
    for key in ["total_effect", "direct_effect"] {
        same(&got[key]["estimate"], &want[key]["estimate"], key);
        same(&got[key]["se"], &want[key]["se"], key);
    }
    for (g, w) in got["indirect_effects"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["indirect_effects"].as_array().unwrap())
    {
        for f in ["estimate", "se", "ci_low", "ci_high"] {
            same(&g[f], &w[f], f);
        }
    }
}

fn wt_terms(eq: &Value) -> &Vec<Value> {
    eq["terms"].as_array().unwrap()
}

/// `missing = "listwise"` in [model] restores spcure 1.x: one listwise entry `mediation`,
/// identical to the listwise twin of the default run.
#[test]
fn spec_missing_listwise_restores_the_listwise_mediation() {
    let dir = tempfile::tempdir().unwrap();
    let default = analyse_example(&dir.path().join("a"), &[]);
    let spec = String::from_utf8(spcure(&["spec", "--print-default"]).stdout).unwrap();
    let spec = spec.replacen("[model]\n", "[model]\nmissing = \"listwise\"\n", 1);
    let path = dir.path().join("listwise.toml");
    std::fs::write(&path, spec).unwrap();
    let r = analyse_example(&dir.path().join("b"), &["--spec", path.to_str().unwrap()]);
    let m = entry(&r, "mediation");
    assert_eq!(m["sample"]["missing"], "listwise");
    assert!(r["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"] != "mediation_listwise"));
    let twin = entry(&default, "mediation_listwise");
    assert_eq!(m["output"], twin["output"]);
    assert_eq!(m["sample"], twin["sample"]);
}

/// `missing = "fiml"` on a regression analysis is refused with exit 2, naming the key and the
/// way out (analyse's regressions stay listwise).
#[test]
fn spec_missing_fiml_on_a_regression_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = String::from_utf8(spcure(&["spec", "--print-default"]).stdout).unwrap()
        + "\n[[analysis]]\nkind = \"regression\"\ny = \"hrqol\"\nx = \"groups\"\nmissing = \"fiml\"\n";
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, spec).unwrap();
    let out = dir.path().join("out");
    let o = spcure(&[
        "analyse",
        "data/example/T0.csv",
        "data/example/T1.csv",
        "--spec",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("missing = \"fiml\"") && err.contains("regress --missing fiml"),
        "{err}"
    );
}

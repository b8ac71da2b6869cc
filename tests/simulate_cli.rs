//! `spcure simulate --match`: data whose moments equal a descriptives table, so that any
//! regression reproduces the original data's OLS estimates.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use spcure::stats::ols::OlsSpec;

const TABLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/reference/matched/pmi_table.toml"
);
const LM: &str = include_str!("reference/matched/pmi_lm.json");
/// Moments of the matched data equal the table up to rounding.
const MOMENT_TOL: f64 = 1e-9;
/// OLS estimates equal R's lm() on the original data.
const OLS_TOL: f64 = 1e-6;

fn simulate(table: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(["simulate", "--match"])
        .arg(table)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn read_columns(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let names: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let mut cols = vec![Vec::new(); names.len()];
    for rec in rdr.records() {
        for (c, v) in cols.iter_mut().zip(rec.unwrap().iter()) {
            c.push(v.parse::<f64>().unwrap());
        }
    }
    (names, cols)
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (
        m,
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

#[test]
fn matched_pmi_reproduces_the_table_and_the_lm_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let o = simulate(Path::new(TABLE), &out, &["--seed", "42"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (names, cols) = read_columns(&out.join("matched.csv"));
    assert_eq!(names, ["cond", "import", "pmi", "reaction"]);
    assert_eq!(cols[0].len(), 123, "the table's n is the default");

    let table: toml::Value = toml::from_str(&std::fs::read_to_string(TABLE).unwrap()).unwrap();
    let num = |v: &toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap();
    for (j, col) in cols.iter().enumerate() {
        let (m, sd) = mean_sd(col);
        assert!((m - num(&table["means"][j])).abs() < MOMENT_TOL);
        assert!((sd - num(&table["sds"][j])).abs() < MOMENT_TOL);
    }

    let lm: Value = serde_json::from_str(LM).unwrap();
    let ols = OlsSpec {
        intercept: true,
        hc: None,
        level: 0.95,
    };
    let col = |name: &str| cols[names.iter().position(|n| n == name).unwrap()].as_slice();
    let models: [(&str, &str, &[&str]); 4] = [
        ("import", "import", &["cond"]),
        ("pmi", "pmi", &["cond", "import"]),
        ("reaction", "reaction", &["cond", "import", "pmi"]),
        ("total", "reaction", &["cond"]),
    ];
    for (key, y, xs) in models {
        let preds: Vec<&[f64]> = xs.iter().map(|x| col(x)).collect();
        let fit = ols.fit(y, col(y), &preds, xs).unwrap();
        for (term, want) in lm[key].as_object().unwrap() {
            let got = fit.term(term).unwrap().estimate;
            assert!(
                (got - want.as_f64().unwrap()).abs() < OLS_TOL,
                "{key} {term}: {got}"
            );
        }
    }
    // The serial path coefficients printed in tests/data/pmi.README.md (6 decimals).
    let fit = ols
        .fit(
            "reaction",
            col("reaction"),
            &[col("cond"), col("import"), col("pmi")],
            &["cond", "import", "pmi"],
        )
        .unwrap();
    assert!((fit.term("import").unwrap().estimate - 0.324422).abs() < OLS_TOL);
    assert!((fit.term("pmi").unwrap().estimate - 0.396526).abs() < OLS_TOL);
    assert!((fit.term("cond").unwrap().estimate - 0.103391).abs() < OLS_TOL);
}

#[test]
fn n_and_seed_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    assert!(
        simulate(Path::new(TABLE), &a, &["--n", "500", "--seed", "1"])
            .status
            .success()
    );
    assert!(
        simulate(Path::new(TABLE), &b, &["--n", "500", "--seed", "1"])
            .status
            .success()
    );
    assert!(
        simulate(Path::new(TABLE), &c, &["--n", "500", "--seed", "2"])
            .status
            .success()
    );
    let read = |d: &Path| std::fs::read_to_string(d.join("matched.csv")).unwrap();
    assert_eq!(read(&a), read(&b));
    assert_ne!(read(&a), read(&c));
    assert_eq!(read(&a).lines().count(), 501);
}

fn bad_table(edit: impl Fn(String) -> String) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(&path, edit(std::fs::read_to_string(TABLE).unwrap())).unwrap();
    let o = simulate(&path, &dir.path().join("out"), &[]);
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn invalid_tables_exit_2_naming_the_problem() {
    let (code, err) = bad_table(|t| t.replace("[0.18091082755826304, 1]", "[1.5, 1]"));
    assert_eq!(code, 2);
    assert!(err.contains("r(import, cond) = 1.5"), "{err}");
    let (code, err) =
        bad_table(|t| t.replace("[0.18091082755826304, 1]", "[0.18091082755826304, 1, 0.2]"));
    assert_eq!(code, 2);
    assert!(err.contains("lower triangle"), "{err}");
    let (code, err) = bad_table(|t| {
        t.replace("[0.18091082755826304, 1]", "[0.95, 1]").replace(
            "[0.1807735600847778, 0.28207107389073466, 1]",
            "[0.95, -0.9, 1]",
        )
    });
    assert_eq!(code, 2);
    assert!(err.contains("not positive definite"), "{err}");
    let (code, err) = bad_table(|t| t.replace("n = 123\n", ""));
    assert_eq!(code, 2);
    assert!(err.contains("no `n`"), "{err}");
    let (code, err) = bad_table(|t| t.replace("sds = [", "sds = [1, "));
    assert_eq!(code, 2);
    assert!(err.contains("sds has 5 values"), "{err}");
    let (code, err) = bad_table(|t| t.replace("means", "mean"));
    assert_eq!(code, 2);
    assert!(err.contains("t.toml"), "{err}");
    // Moments beyond double precision (issue 13): never write `inf` and claim success.
    let (code, err) = bad_table(|t| t.replace("sds = [0.50123132403836701", "sds = [1e308"));
    assert_eq!(code, 2);
    assert!(err.contains("'cond'") && err.contains("overflows"), "{err}");
    let (code, err) = bad_table(|t| t.replace("means = [0.47154471544715448", "means = [1e308"));
    assert_eq!(code, 2);
    assert!(
        err.contains("'cond'") && err.contains("too small next to its mean"),
        "{err}"
    );
}

fn simulate_cohort(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("simulate")
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn cohort_refuses_a_non_empty_directory_it_did_not_create() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("notes.txt");
    std::fs::write(&keep, "mine").unwrap();
    let o = simulate_cohort(dir.path(), &["--n", "40"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert!(!dir.path().join("T0.csv").exists());
    // --force writes there; a directory spcure made may be rewritten without it.
    let o = simulate_cohort(dir.path(), &["--n", "40", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "mine");
    let fresh = dir.path().join("fresh");
    for _ in 0..2 {
        let o = simulate_cohort(&fresh, &["--n", "40"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(fresh.join("T2.csv").exists());
}

#[test]
fn huge_sample_sizes_exit_2_naming_the_flag_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["100000000000", "18446744073709551615"] {
        let o = simulate_cohort(&dir.path().join("c"), &["--n", n]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("--n {n}")) && err.contains("at most 10000000"),
            "{err}"
        );
        let o = simulate(Path::new(TABLE), &dir.path().join("m"), &["--n", n]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("--n {n}")), "{err}");
    }
    let (code, err) = bad_table(|t| t.replace("n = 123\n", "n = 100000000000\n"));
    assert_eq!(code, 2);
    assert!(
        err.contains("n = 100000000000") && err.contains("at most 10000000"),
        "{err}"
    );
}

/// `simulate --n`: the same N and seed give the same bytes; another seed other data; the
/// retention shares of the example; no temporary file left behind.
#[test]
fn large_cohort_is_deterministic_by_seed() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let o = simulate_cohort(&out, &["--n", "2000", "--seed", seed]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let files: Vec<Vec<u8>> = ["T0.csv", "T1.csv", "T2.csv"]
            .iter()
            .map(|w| std::fs::read(out.join(w)).unwrap())
            .collect();
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
        files
    };
    let a = run("a", "5");
    assert_eq!(a, run("b", "5"));
    assert_ne!(a[0], run("c", "6")[0]);
    let rows: Vec<usize> = a
        .iter()
        .map(|f| f.iter().filter(|b| **b == b'\n').count() - 1)
        .collect();
    assert_eq!(rows, [2000, 565, 200]);
}

//! `spcure power`: plan files, JSON output, determinism across thread counts, the N search
//! and exit code 2 for bad plans.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const SOBEL_PLAN: &str = r#"
n = 400
retention = 0.5
replications = 200
ci = "sobel"

[paths]
mediators = ["belonging", "support"]
a = [0.39, 0.3]
d = [[0.39]]
b = [0.2, 0.39]
c_prime = 0.1
"#;

fn power(plan: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    let o = run(&path, extra);
    (dir, o)
}

fn run(path: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("power")
        .arg(path)
        .args(extra)
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn json_lists_every_effect_with_power_and_mc_se() {
    let (_d, o) = power(SOBEL_PLAN, &["--json", "--seed", "4"]);
    let v = json(&o);
    assert_eq!(v["schema_version"], "1");
    let r = &v["result"];
    assert_eq!(r["n_t0"], 400);
    assert_eq!(r["n_analysed"], 200);
    let effects = r["effects"].as_array().unwrap();
    let labels: Vec<&str> = effects
        .iter()
        .map(|e| e["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Ind1", "Ind2", "Ind3", "Total"]);
    assert_eq!(
        effects[2]["path"],
        serde_json::json!(["X", "belonging", "support", "Y"])
    );
    for e in effects {
        let p = e["power"].as_f64().unwrap();
        let se = e["mc_se"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
        assert!((se - (p * (1.0 - p) / 200.0).sqrt()).abs() < 1e-12);
    }
    // Ind3 = .39 * .39 * .39 is well powered at n = 200.
    assert!(effects[2]["power"].as_f64().unwrap() > 0.8);
}

#[test]
fn results_do_not_depend_on_threads() {
    let (_d1, one) = power(SOBEL_PLAN, &["--json", "--threads", "1"]);
    let (_d2, two) = power(SOBEL_PLAN, &["--json", "--threads", "2"]);
    assert_eq!(json(&one), json(&two));
}

#[test]
fn target_search_reports_its_path() {
    let (_d, o) = power(SOBEL_PLAN, &["--json", "--target", "0.9"]);
    let v = json(&o);
    let s = &v["search"];
    let steps = s["steps"].as_array().unwrap();
    assert!(steps.len() >= 2);
    assert_eq!(s["effect"], "Ind3");
    let n = s["n_t0"].as_u64().unwrap();
    assert!(s["at_n"]["effects"][2]["power"].as_f64().unwrap() >= 0.9);
    assert!(steps.iter().any(|st| st["power"].as_f64().unwrap() < 0.9));
    assert!(n < 400, "the plan's N already exceeds the target: {n}");
    let (_d, text) = power(SOBEL_PLAN, &["--target", "0.9"]);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(text.contains("Smallest N at T0"), "{text}");
}

#[test]
fn descriptives_plan_uses_the_table_population() {
    let table = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/matched/pmi_table.toml"
    ))
    .unwrap()
    .replace("n = 123\n", "");
    let plan = format!(
        "n = 123\nreplications = 100\nci = \"sobel\"\n\n[descriptives]\nx = \"cond\"\nmediators = [\"import\", \"pmi\"]\ny = \"reaction\"\n{table}"
    );
    let (_d, o) = power(&plan, &["--json"]);
    let v = json(&o);
    let e = &v["result"]["effects"];
    // Population values are the pmi OLS estimates (tests/data/pmi.README.md).
    assert!((e[0]["population"].as_f64().unwrap() - 0.203344).abs() < 1e-6);
    assert!((e[2]["population"].as_f64().unwrap() - 0.048750).abs() < 1e-6);
    assert!((e[3]["population"].as_f64().unwrap() - 0.392299).abs() < 1e-6);
    assert_eq!(
        v["variables"],
        serde_json::json!(["cond", "import", "pmi", "reaction"])
    );
}

#[test]
fn bad_plans_exit_2_naming_the_field() {
    let cases = [
        (
            SOBEL_PLAN.replace("retention = 0.5", "retention = 1.5"),
            "retention",
        ),
        (
            SOBEL_PLAN.replace("d = [[0.39]]", "d = [[0.39, 0.1]]"),
            "row 1 of `d`",
        ),
        (
            SOBEL_PLAN.replace("b = [0.2, 0.39]", "b = [0.9, 0.9]"),
            "into Y",
        ),
        (SOBEL_PLAN.replace("[paths]", "[pathz]"), "plan.toml"),
        (SOBEL_PLAN.replace("n = 400", "n = 10"), "cases to analyse"),
        (
            SOBEL_PLAN.replace("ci = \"sobel\"", "ci = \"perc\""),
            "line",
        ),
    ];
    for (plan, needle) in cases {
        let (_d, o) = power(&plan, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let (_d, o) = power(SOBEL_PLAN, &["--target", "1.2"]);
    assert_eq!(o.status.code(), Some(2));
}

const FRITZ: &str = include_str!("reference/power/fritz_percentile.json");
/// Replications per cell: MC SE ≈ 0.02 at power .8 (keeps the test near 10 s in dev builds).
const FRITZ_REPS: usize = 400;
/// Bootstrap resamples per replication, as in the R reference.
const FRITZ_BOOT: usize = 1000;
/// R and spcure draw different random numbers for finite B; the percentile rule is the same.
const BOOT_ALLOWANCE: f64 = 0.02;
/// The tabled N is itself a Monte Carlo estimate (R = 1000 there) rounded to a whole N.
const TABLE_ALLOWANCE: f64 = 0.05;

/// Fritz & MacKinnon's population: X ~ N(0,1), M = aX + e, Y = bM + e, e ~ N(0,1), as a
/// descriptives table (SDs and correlations of X, M, Y).
fn fritz_plan(a: f64, b: f64, n: u64) -> String {
    let sd_m = (a * a + 1.0).sqrt();
    let sd_y = (b * b * (a * a + 1.0) + 1.0).sqrt();
    let r_xm = a / sd_m;
    let r_xy = a * b / sd_y;
    let r_my = b * (a * a + 1.0) / (sd_m * sd_y);
    format!(
        "n = {n}\nreplications = {FRITZ_REPS}\nboot = {FRITZ_BOOT}\nci = \"percentile\"\n\n\
         [descriptives]\nx = \"x\"\nmediators = [\"m\"]\ny = \"y\"\nvariables = [\"x\", \"m\", \"y\"]\n\
         means = [0, 0, 0]\nsds = [1, {sd_m}, {sd_y}]\n\
         correlations = [[1], [{r_xm}, 1], [{r_xy}, {r_my}, 1]]\n"
    )
}

#[test]
fn percentile_power_at_the_fritz_mackinnon_sample_sizes_is_about_80_percent() {
    let reference: Value = serde_json::from_str(FRITZ).unwrap();
    for cell in reference["cells"].as_array().unwrap().iter().take(2) {
        let (a, b) = (cell["a"].as_f64().unwrap(), cell["b"].as_f64().unwrap());
        let n = cell["n"].as_u64().unwrap();
        let (_d, o) = power(&fritz_plan(a, b, n), &["--json", "--seed", "7"]);
        let v = json(&o);
        let e = &v["result"]["effects"][0];
        let (p, se) = (e["power"].as_f64().unwrap(), e["mc_se"].as_f64().unwrap());
        let (p_r, se_r) = (
            cell["power"].as_f64().unwrap(),
            cell["mc_se"].as_f64().unwrap(),
        );
        assert!(
            (p - p_r).abs() <= 3.0 * (se * se + se_r * se_r).sqrt() + BOOT_ALLOWANCE,
            "{}: spcure {p} vs R {p_r}",
            cell["label"]
        );
        assert!(
            (p - 0.8).abs() <= 3.0 * se + TABLE_ALLOWANCE,
            "{}: power {p} at the tabled N = {n}",
            cell["label"]
        );
    }
}

#[test]
fn huge_plans_exit_2_naming_the_key_and_the_limit() {
    for (old, new, needle) in [
        (
            "n = 400",
            "n = 100000000000",
            "n = 100000000000: give at most 10000000",
        ),
        (
            "replications = 200",
            "replications = 100000000000",
            "replications = 100000000000: give at most 1000000",
        ),
        (
            "ci = \"sobel\"",
            "ci = \"percentile\"\nboot = 100000000000",
            "boot = 100000000000: give at most 1000000",
        ),
    ] {
        let (_d, o) = power(&SOBEL_PLAN.replace(old, new), &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn target_search_with_a_zero_population_effect_is_refused_at_once() {
    let plan = r#"
n = 100
replications = 100
ci = "sobel"

[paths]
a = [0.0]
b = [0.0]
"#;
    let started = std::time::Instant::now();
    let (_d, o) = power(plan, &["--target", "0.8"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--target") && err.contains("exactly 0") && err.contains("every indirect"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // Without --target the plan runs: power at the plan's n is the error rate.
    let (_d, o) = power(plan, &["--json"]);
    let v = json(&o);
    assert!(v["result"]["effects"][0]["power"].as_f64().unwrap() < 0.2);
    // A zero full serial effect is refused even when other paths are not zero.
    let (_d, o) = power(
        &SOBEL_PLAN.replace("d = [[0.39]]", "d = [[0.0]]"),
        &["--target", "0.8"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Ind3") && !err.contains("every indirect"),
        "{err}"
    );
}

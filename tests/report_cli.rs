//! `spcure report` regenerates from results.json alone exactly what `analyse` wrote, and the
//! analysis itself is reproducible: same data + same seed → identical bytes, whatever the
//! number of threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn spcure(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .current_dir(ROOT)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "spcure {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn analyse(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "analyse",
        "data/example/T0.csv",
        "data/example/T1.csv",
        "data/example/T2.csv",
        "--seed",
        "11",
        // Small B: the FIML mediation re-runs its EM per resample (slow in debug builds).
        "--boot",
        "200",
        "--quiet",
        "--dpi",
        "72",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    spcure(&args);
}

/// Every file below `dir` (relative path → bytes).
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn report_regenerates_every_table_and_figure_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    analyse(&a, &[]);
    let results = a.join("results.json");
    spcure(&[
        "report",
        results.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
        "--dpi",
        "72",
    ]);
    let (written, regenerated) = (files(&a), files(&b));
    let expected: Vec<&PathBuf> = written
        .keys()
        .filter(|p| p.as_os_str() != "panel.csv") // needs the data, not the results
        .collect();
    assert_eq!(regenerated.keys().collect::<Vec<_>>(), expected);
    for (path, bytes) in &regenerated {
        assert!(
            &written[path] == bytes,
            "{} differs after `report`",
            path.display()
        );
    }
    for wanted in [
        "report.html",
        "report.md",
        "results.json",
        "tables/mediation_listwise_indirect.csv",
        "tables/mediation_indirect.csv",
        "tables/mediation_total_direct.csv",
        "tables/mediation_paths.csv",
        "tables/change_across_waves.csv",
        "figures/mediation_listwise_path_diagram.svg",
        "figures/mediation_listwise_path_diagram.png",
        "figures/mediation_listwise_bootstrap_distribution.png",
        "figures/descriptives_trajectories.svg",
        "figures/attrition_flow.svg",
        "figures/correlations_change_heatmap.svg",
        "figures/correlations_baseline_heatmap.svg",
        "figures/mediation_listwise_indirect_effects.svg",
    ] {
        assert!(
            written.contains_key(Path::new(wanted)),
            "analyse did not write {wanted}"
        );
    }
}

#[test]
fn html_report_holds_every_table_and_figure_and_nothing_external() {
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), &["--format", "html,csv"]);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let tables = std::fs::read_dir(dir.path().join("tables"))
        .unwrap()
        .count();
    assert!(tables >= 15, "only {tables} tables");
    assert_eq!(
        html.matches("<table").count(),
        tables,
        "one HTML table per CSV table"
    );
    assert_eq!(html.matches("<svg").count(), 8, "eight inline figures");
    for section in [
        "Sample and attrition",
        "Descriptives, reliability and correlations",
        "Change across waves",
        "Regressions",
        "Serial mediation",
        "Indirect effects of groups on hrqol",
    ] {
        assert!(html.contains(section), "no {section:?} in the HTML");
    }
    assert!(html.contains("The serial indirect effect through community belonging, social support, and loneliness was b ="));
    assert!(html.contains("seed 11"));
    for banned in ["http://", "https://", "<script"] {
        assert!(!html.contains(banned), "the HTML contains {banned}");
    }
}

#[test]
fn same_seed_gives_identical_results_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for threads in ["1", "2", "16"] {
        let out = dir.path().join(threads);
        analyse(&out, &["--threads", threads, "--format", "json"]);
        seen.push(std::fs::read(out.join("results.json")).unwrap());
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "results.json depends on --threads"
    );
}

#[test]
fn a_90_percent_level_labels_every_interval_90_percent() {
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), &["--level", "90", "--format", "md,csv,svg"]);
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(!md.contains("95%"), "a 95% label under --level 90");
    assert!(md.contains("90% CI"));
    for entry in std::fs::read_dir(dir.path().join("figures")).unwrap() {
        let path = entry.unwrap().path();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(!svg.contains("95%"), "{} says 95%", path.display());
    }
    let forest = std::fs::read_to_string(
        dir.path()
            .join("figures/mediation_listwise_indirect_effects.svg"),
    )
    .unwrap();
    assert!(forest.contains("90% percentile bootstrap CI"));
    let header = std::fs::read_to_string(dir.path().join("tables/change_across_waves.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(header.contains("change_ci"), "{header}");
}

/// Breaks one thing in a results file's analyses.
type Breaker = Box<dyn Fn(&mut Vec<serde_json::Value>)>;

fn mediation(e: &mut [serde_json::Value]) -> &mut serde_json::Value {
    e.iter_mut()
        .find(|x| x["kind"] == "serial_mediation")
        .unwrap()
}

#[test]
fn report_refuses_inconsistent_results_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    analyse(dir.path(), &["--format", "json"]);
    let text = std::fs::read_to_string(dir.path().join("results.json")).unwrap();
    let mut r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = r["analyses"].as_array().unwrap().clone();
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "correlation matrices are not",
            Box::new(|e| {
                let c = e.iter_mut().find(|x| x["kind"] == "correlations").unwrap();
                c["output"]["matrix"]["r"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "equations",
            Box::new(|e| {
                let m = e
                    .iter_mut()
                    .find(|x| x["kind"] == "serial_mediation")
                    .unwrap();
                m["output"]["result"]["mediators"] = serde_json::json!([]);
            }),
        ),
        (
            "output.matrix.r[1] has",
            Box::new(|e| {
                let c = e.iter_mut().find(|x| x["kind"] == "correlations").unwrap();
                c["output"]["matrix"]["r"][1].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "output.matrix.p has",
            Box::new(|e| {
                let c = e.iter_mut().find(|x| x["kind"] == "correlations").unwrap();
                c["output"]["matrix"]["p"] = serde_json::json!([]);
            }),
        ),
        (
            "output.result.mediators has 0 entries",
            Box::new(|e| {
                let m = mediation(e);
                m["output"]["result"]["mediators"] = serde_json::json!([]);
            }),
        ),
        (
            "output.result.equations has",
            Box::new(|e| {
                let m = mediation(e);
                m["output"]["result"]["equations"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "output.variables has",
            Box::new(|e| {
                let m = mediation(e);
                m["output"]["variables"].as_array_mut().unwrap().truncate(2);
            }),
        ),
        (
            "output.result.indirect_effects is empty",
            Box::new(|e| {
                let m = mediation(e);
                m["output"]["result"]["indirect_effects"] = serde_json::json!([]);
            }),
        ),
        (
            "output.result.serial_distribution.edges has",
            Box::new(|e| {
                let m = mediation(e);
                let d = &mut m["output"]["result"]["serial_distribution"];
                d["edges"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "result.item_stats has",
            Box::new(|e| {
                let r = e.iter_mut().find(|x| x["kind"] == "reliability").unwrap();
                let s = &mut r["output"]["scales"][0]["result"]["item_stats"];
                s.as_array_mut().unwrap().pop();
            }),
        ),
        (
            "output.categorical[0].counts_completers has",
            Box::new(|e| {
                let a = e.iter_mut().find(|x| x["kind"] == "attrition").unwrap();
                let c = &mut a["output"]["categorical"][0]["counts_completers"];
                c.as_array_mut().unwrap().push(1.into());
            }),
        ),
        (
            "output.mcar.sigma[0] has",
            Box::new(|e| {
                let a = e.iter_mut().find(|x| x["kind"] == "attrition").unwrap();
                let c = &mut a["output"]["mcar"]["sigma"][0];
                c.as_array_mut().unwrap().pop();
            }),
        ),
        (
            "does not match its kind",
            Box::new(|e| e[0]["kind"] = "regression".into()),
        ),
        (
            "appears twice",
            Box::new(|e| {
                let first = e[0].clone();
                e.push(first);
            }),
        ),
    ];
    for (needle, break_it) in cases {
        let mut broken = entries.clone();
        break_it(&mut broken);
        r["analyses"] = serde_json::Value::Array(broken);
        let path = dir.path().join("broken.json");
        std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_spcure"))
            .args(["report", path.to_str().unwrap(), "--out"])
            .arg(dir.path().join("re"))
            .arg("--force")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{needle}: {err}");
        assert!(
            err.contains(needle) && !err.contains("panicked"),
            "{needle}: {err}"
        );
    }
    // Outside the analyses: the data files the report names.
    r["analyses"] = serde_json::Value::Array(entries);
    r["load"]["files"] = serde_json::json!([]);
    let path = dir.path().join("no_files.json");
    std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(["report", path.to_str().unwrap(), "--out"])
        .arg(dir.path().join("re"))
        .arg("--force")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("load.files is empty"), "{err}");
}

/// Runs spcure with its stdout a pipe whose read end is closed at once (as `spcure … | head -0`
/// or `| true` leave it), and returns the exit status and stderr.
fn with_closed_stdout(args: &[&str]) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .current_dir(ROOT)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap(), stderr)
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "n = 200\nretention = 0.5\nreplications = 20\nci = \"sobel\"\nlevel = 0.95\n\n\
         [paths]\nmediators = [\"m1\", \"m2\"]\na = [0.4, 0.0]\nd = [[0.4]]\n\
         b = [0.0, 0.4]\nc_prime = 0.0\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let (results, report) = (out.join("results.json"), dir.path().join("report"));
    let check_fixture = format!("{ROOT}/tests/data/check/pmi_mediate.json");
    #[rustfmt::skip]
    let runs: Vec<Vec<&str>> = vec![
        vec!["mediate", "tests/data/pmi.csv", "--x", "cond", "--m", "import,pmi", "--y",
             "reaction", "--json", "--seed", "1", "--boot", "1000"],
        vec!["power", plan.to_str().unwrap(), "--json"],
        vec!["analyse", "data/example/T0.csv", "data/example/T1.csv", "data/example/T2.csv",
             "--seed", "11", "--boot", "200", "--quiet", "--dpi", "72",
             "--out", out.to_str().unwrap()],
        vec!["report", results.to_str().unwrap(), "--out", report.to_str().unwrap(),
             "--dpi", "72"],
        vec!["spec", "--print-default"],
        vec!["regress", "tests/data/pmi.csv", "--y", "reaction", "--x", "cond,pmi"],
        vec!["check", &check_fixture, "--expect", "data/published/pmi.toml"],
    ];
    for args in &runs {
        let (status, stderr) = with_closed_stdout(args);
        assert!(!stderr.contains("panicked"), "spcure {args:?}: {stderr}");
        assert_eq!(status.code(), Some(0), "spcure {args:?}: {stderr}");
    }
    assert!(
        report.join("report.html").exists(),
        "report wrote its files"
    );
}

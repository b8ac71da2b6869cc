//! `spcure check` as a user meets it: the published pmi expectations against a hand-made
//! `mediate --json`-shaped fixture (tests/data/check/), in both result layouts; the table;
//! exit 1 on a mismatch; exit 2 for unknown quantities and malformed files.

use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixture() -> String {
    format!("{ROOT}/tests/data/check/pmi_mediate.json")
}

fn published() -> String {
    format!("{ROOT}/data/published/pmi.toml")
}

fn check(results: &str, expect: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(["check", results, "--expect", expect])
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn published_pmi_values_match_the_fixture() {
    let out = check(&fixture(), &published());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for col in [
        "quantity",
        "expected",
        "got",
        "difference",
        "tolerance",
        "ok",
    ] {
        assert!(stdout.contains(col), "{stdout}");
    }
    assert!(
        stdout.contains("cond -> import -> pmi -> reaction: boot_se"),
        "{stdout}"
    );
    assert!(stdout.contains("26 of 26 match"), "{stdout}");
    assert!(!stdout.contains(" NO"), "{stdout}");
}

/// A schema-2 results.json: the mediation inside an analysis entry.
fn wrapped(inner: &str) -> String {
    format!(
        r#"{{"schema_version": "2.0.0", "analyses": [
            {{"id": "baseline", "kind": "regression", "title": "r", "sample": null, "not_run": "x"}},
            {{"id": "mediation", "kind": "serial_mediation", "title": "m",
              "sample": {{"n": 126}}, "output": {{"variables": [], "result": {inner}}}}}]}}"#
    )
}

#[test]
fn analyse_layout_resolves_by_default_and_by_analysis_id() {
    let dir = tempfile::tempdir().unwrap();
    let inner = std::fs::read_to_string(fixture()).unwrap();
    let results = write(dir.path(), "results.json", &wrapped(&inner));
    // Without an analysis id, addresses find the first serial mediation.
    let out = check(&results, &published());
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let expect = write(
        dir.path(),
        "e.toml",
        "[[expect]]\nanalysis = \"mediation\"\npointer = \"/sample/n\"\nvalue = 126\nabs_tol = 0\n\n\
         [[expect]]\nanalysis = \"mediation\"\nlabel = \"Ind3\"\nvalue = 0.04875\nabs_tol = 1e-3\n",
    );
    let out = check(&results, &expect);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("[mediation] pointer /sample/n"), "{stdout}");
    // An unknown id is a bad address (exit 2) that lists the ids there are.
    let expect = write(
        dir.path(),
        "bad.toml",
        "[[expect]]\nanalysis = \"mediaton\"\nlabel = \"Ind3\"\nvalue = 0.04875\nabs_tol = 1e-3\n",
    );
    let out = check(&results, &expect);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"baseline\", \"mediation\""), "{stderr}");
}

#[test]
fn a_mismatch_exits_1_and_is_marked_in_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let expect = write(
        dir.path(),
        "e.toml",
        r#"
[[expect]]
label = "Ind3"
value = 0.048750
abs_tol = 5e-7

[[expect]]
path = "cond → import → reaction"
field = "ci_high"
value = 0.600
abs_tol = 0.03
"#,
    );
    let out = check(&fixture(), &expect);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 of 2 match"), "{stdout}");
    let bad = stdout.lines().find(|l| l.contains("ci_high")).unwrap();
    assert!(bad.ends_with("NO"), "{bad}");
    assert!(
        stderr.contains("1 of 2 expected value(s) do not match"),
        "{stderr}"
    );
}

#[test]
fn equation_terms_contrasts_pointers_and_case_insensitive_labels() {
    let dir = tempfile::tempdir().unwrap();
    let expect = write(
        dir.path(),
        "e.toml",
        r#"
[[expect]]
equation = "pmi"
term = "import"
field = "t"
value = 2.922833
abs_tol = 5e-7

[[expect]]
label = "C1"
value = 0.063140
abs_tol = 5e-7

[[expect]]
label = "ind1"
value = 0.203344
abs_tol = 5e-7

[[expect]]
pointer = "/equations/2/r2"
value = 0.325150
abs_tol = 5e-7

[[expect]]
pointer = "/n"
value = 123
rel_tol = 0.0
"#,
    );
    let out = check(&fixture(), &expect);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

/// Runs one expectation that cannot resolve and checks exit 2 and the message.
fn assert_exit_2(entry: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let expect = write(dir.path(), "e.toml", entry);
    let out = check(&fixture(), &expect);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "expected {n:?} in: {stderr}");
    }
}

#[test]
fn unknown_quantities_exit_2_listing_what_exists() {
    assert_exit_2(
        "[[expect]]\nlabel = \"Ind9\"\nvalue = 1.0\nabs_tol = 0.1\n",
        &["indirect Ind9", "\"Ind1\"", "\"Total\"", "\"C1\""],
    );
    assert_exit_2(
        "[[expect]]\npath = \"cond -> gender -> reaction\"\nvalue = 1.0\nabs_tol = 0.1\n",
        &[
            "cond -> gender -> reaction",
            "\"cond -> import -> pmi -> reaction\"",
        ],
    );
    assert_exit_2(
        "[[expect]]\nequation = \"age\"\nterm = \"cond\"\nvalue = 1.0\nabs_tol = 0.1\n",
        &["age ~ cond", "\"import\", \"pmi\", \"reaction\""],
    );
    assert_exit_2(
        "[[expect]]\nequation = \"pmi\"\nterm = \"age\"\nvalue = 1.0\nabs_tol = 0.1\n",
        &["pmi ~ age", "\"(Intercept)\", \"cond\", \"import\""],
    );
    assert_exit_2(
        "[[expect]]\nlabel = \"Ind1\"\nfield = \"bca_low\"\nvalue = 1.0\nabs_tol = 0.1\n",
        &["bca_low", "boot_se"],
    );
    assert_exit_2(
        "[[expect]]\npointer = \"/nothing/here\"\nvalue = 1.0\nabs_tol = 0.1\n",
        &["/nothing/here", "indirect_effects"],
    );
}

#[test]
fn malformed_expected_files_exit_2() {
    assert_exit_2(
        "[[expect]\nlabel = ",
        &["e.toml", "not a valid expected-values file"],
    );
    assert_exit_2("title = \"x\"\n", &["no [[expect]] entries"]);
    assert_exit_2(
        "[[expect]]\nlabel = \"Ind1\"\nvalue = 0.2\n",
        &["entry 1", "abs_tol or rel_tol"],
    );
    assert_exit_2(
        "[[expect]]\nlabel = \"Ind1\"\neffect = \"total\"\nvalue = 0.2\nabs_tol = 1.0\n",
        &["only one of"],
    );
}

#[test]
fn results_that_are_not_json_or_missing_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let results = write(dir.path(), "r.json", "not json");
    let out = check(&results, &published());
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(text(&out).1.contains("not valid JSON"));
    let out = check(&format!("{ROOT}/no/such.json"), &published());
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}

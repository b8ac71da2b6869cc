//! `spcure spec --draft`: the drafted spec is valid as written and `analyse` runs on it, on the
//! bundled example, on a renamed export (semicolons, `-9` codes, other wave and column names)
//! and on an unseen layout with text, free-text, baseline-only and follow-up-only columns.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use spcure::spec::StudySpec;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn spcure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn example_files() -> Vec<String> {
    ["T0", "T1", "T2"]
        .iter()
        .map(|w| format!("{ROOT}/data/example/{w}.csv"))
        .collect()
}

/// Drafts a spec from `files` into `dir/draft.toml`; returns its text and the parsed spec.
fn draft(dir: &Path, files: &[String]) -> (String, StudySpec) {
    let path = dir.join("draft.toml");
    let mut args = vec!["spec", "--draft"];
    args.extend(files.iter().map(String::as_str));
    let out_path = path.display().to_string();
    args.extend(["--out", &out_path]);
    ok(&spcure(&args));
    let text = std::fs::read_to_string(&path).unwrap();
    let spec = StudySpec::parse(&text, "draft.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, spec)
}

/// Runs `analyse` with `spec` on `files` and returns results.json.
fn analyse(dir: &Path, spec: &Path, files: &[String]) -> Value {
    let out = dir.join("out");
    let (spec, out_s) = (spec.display().to_string(), out.display().to_string());
    let mut args = vec!["analyse"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--spec", &spec, "--out", &out_s, "--format", "json", "--seed", "1", "--boot", "1000",
        "--quiet", "--force",
    ]);
    ok(&spcure(&args));
    serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap()
}

fn entry<'a>(results: &'a Value, id: &str) -> &'a Value {
    results["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no analysis '{id}'"))
}

fn items(spec: &StudySpec, name: &str) -> Vec<String> {
    spec.construct(name)
        .unwrap_or_else(|| panic!("no construct {name}"))
        .columns()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn range(spec: &StudySpec, name: &str) -> (f64, f64) {
    let c = spec.construct(name).unwrap();
    (*c.min.get_ref(), c.max)
}

/// The descriptives row of `construct` at `wave`.
fn described(results: &Value, construct: &str, wave: &str) -> Value {
    entry(results, "descriptives")["output"]["constructs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["construct"] == construct && r["wave"] == wave)
        .unwrap_or_else(|| panic!("no descriptives for {construct} at {wave}"))
        .clone()
}

#[test]
fn the_example_drafts_into_its_constructs_and_analyses_as_the_default_spec_does() {
    let dir = tempfile::tempdir().unwrap();
    let files = example_files();
    let (text, spec) = draft(dir.path(), &files);
    assert_eq!(spec.study.id_column, "id");
    assert!(spec.model.is_none() && spec.analyses.is_empty());
    let names: Vec<&str> = spec.constructs.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "groups",
            "belong",
            "support",
            "lonely",
            "hrqol",
            "gp_visits"
        ]
    );
    assert_eq!(
        items(&spec, "hrqol"),
        ["hrqol_1", "hrqol_2", "hrqol_3", "hrqol_4", "hrqol_5"]
    );
    assert_eq!(items(&spec, "gp_visits"), ["gp_visits"]);
    assert_eq!(range(&spec, "lonely"), (1.0, 3.0));
    // The negatively worded support item is flagged, not silently reversed.
    assert!(spec.construct("support").unwrap().reverse.is_empty());
    assert!(
        text.contains("# REVIEW: support_4 correlates negatively")
            && text.contains("# reverse = [\"support_4\"]"),
        "{text}"
    );
    let flagged = text.matches("correlates negatively").count();
    assert_eq!(flagged, 1, "only support_4 should be flagged:\n{text}");
    // age and gender repeat in every wave but never change: baseline variables.
    let age = spec.covariate("age").unwrap();
    assert!(!age.categorical && age.range().is_some());
    let gender = spec.covariate("gender").unwrap();
    assert!(gender.categorical && gender.range() == Some((0.0, 1.0)));
    // The commented-out model becomes a valid spec when uncommented.
    let uncommented = text
        .lines()
        .map(|l| {
            l.strip_prefix("# ")
                .filter(|r| is_model_line(r))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let with_model = StudySpec::parse(&uncommented, "uncommented.toml").unwrap();
    let model = with_model.model.expect("the model section");
    assert_eq!(model.x(), "groups");
    assert_eq!(model.y(), "gp_visits");

    // analyse runs on the draft as written; a construct whose items and range match the
    // default spec's gets exactly the default spec's descriptives.
    let spec_path = dir.path().join("draft.toml");
    let drafted = analyse(dir.path(), &spec_path, &files);
    let default_spec = dir.path().join("default.toml");
    std::fs::write(&default_spec, spcure::spec::DEFAULT_SPEC).unwrap();
    let default = analyse(&dir.path().join("d"), &default_spec, &files);
    for (draft_name, default_name) in [
        ("groups", "groups"),
        ("hrqol", "hrqol"),
        ("lonely", "loneliness"),
    ] {
        for wave in ["T0", "T1", "T2"] {
            let a = described(&drafted, draft_name, wave);
            let b = described(&default, default_name, wave);
            for key in ["n", "missing", "mean", "sd", "min", "max"] {
                assert_eq!(a[key], b[key], "{draft_name} {wave} {key}");
            }
        }
    }
    for id in ["descriptives", "reliability", "attrition"] {
        assert!(
            entry(&drafted, id).get("output").is_some(),
            "{id} did not run"
        );
    }
}

/// Lines of the commented-out `[model]` table.
fn is_model_line(l: &str) -> bool {
    l == "[model]"
        || [
            "x =",
            "mediators =",
            "y =",
            "covariates =",
            "from_wave =",
            "to_wave =",
        ]
        .iter()
        .any(|k| l.starts_with(k))
}

#[test]
fn a_renamed_semicolon_export_with_minus_9_codes_drafts_and_analyses() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = ["baseline", "followup1", "followup2"]
        .iter()
        .map(|w| format!("{ROOT}/examples/custom-spec/waves/{w}.csv"))
        .collect();
    let (text, spec) = draft(dir.path(), &files);
    assert_eq!(spec.study.id_column, "patient_id");
    assert!(
        spec.study.missing_codes.contains(&"-9".to_string()),
        "{text}"
    );
    assert!(
        text.contains("# REVIEW: -9 looks like a missing-value code"),
        "{text}"
    );
    let names: Vec<&str> = spec.constructs.iter().map(|c| c.name()).collect();
    assert_eq!(names, ["grp", "comm", "sup", "ucla", "eq", "gp_appts"]);
    assert_eq!(range(&spec, "ucla"), (1.0, 3.0));
    assert!(text.contains("# reverse = [\"sup4\"]"), "{text}");
    assert!(spec.covariate("age_years").is_some());
    assert!(spec.covariate("male").unwrap().categorical);
    let results = analyse(dir.path(), &dir.path().join("draft.toml"), &files);
    // The same cohort as data/example: the same baseline loneliness scores.
    let default_spec = dir.path().join("default.toml");
    std::fs::write(&default_spec, spcure::spec::DEFAULT_SPEC).unwrap();
    let default = analyse(&dir.path().join("d"), &default_spec, &example_files());
    let a = described(&results, "ucla", "T1");
    let b = described(&default, "loneliness", "T1");
    for key in ["n", "missing", "mean", "sd"] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

/// Writes an unseen study: ids `pid`, items `wb.1`…`wb.3` and `mood_1`…`mood_4`, a text arm,
/// a free-text note and a baseline-only site at T0, a follow-up-only satisfaction item, and
/// "refused" in one numeric column.
fn unseen_study(dir: &Path) -> Vec<String> {
    let mut t0 =
        String::from("pid,wb.1,wb.2,wb.3,mood_1,mood_2,mood_3,mood_4,arm,note,site,income\n");
    let mut t1 = String::from("pid,wb.1,wb.2,wb.3,mood_1,mood_2,mood_3,mood_4,satisfaction\n");
    for i in 0..60u32 {
        let a = (i * 7 % 5) + 1;
        let b = (i * 3 % 5) + 1;
        let arm = ["usual care", "link worker", "group"][(i % 3) as usize];
        let income = if i == 5 {
            "refused".to_string()
        } else {
            format!("{}", 1000 + i * 37)
        };
        t0.push_str(&format!(
            "P{i:03},{a},{},{},{b},{},{},{},{arm},note number {i},{},{income}\n",
            a.min(4) + 1,
            a,
            b,
            b.max(2),
            6 - b,
            i % 4 + 1
        ));
        if i % 4 != 0 {
            t1.push_str(&format!(
                "P{i:03},{},{a},{a},{b},{b},{b},{},{}\n",
                a.max(2),
                6 - b,
                i % 7
            ));
        }
    }
    let p0 = dir.join("survey_t0.csv");
    let p1 = dir.join("survey_t1.csv");
    std::fs::write(&p0, t0).unwrap();
    std::fs::write(&p1, t1).unwrap();
    vec![p0.display().to_string(), p1.display().to_string()]
}

#[test]
fn an_unseen_study_drafts_text_categories_and_leaves_out_what_cannot_be_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let files = unseen_study(dir.path());
    let (text, spec) = draft(dir.path(), &files);
    assert_eq!(spec.study.id_column, "pid");
    assert_eq!(items(&spec, "wb"), ["wb.1", "wb.2", "wb.3"]);
    assert_eq!(
        items(&spec, "mood"),
        ["mood_1", "mood_2", "mood_3", "mood_4"]
    );
    assert!(text.contains("# reverse = [\"mood_4\"]"), "{text}");
    let arm = spec.covariate("arm").unwrap();
    let levels: Vec<&str> = arm.levels().unwrap().iter().map(|l| l.as_str()).collect();
    assert_eq!(levels, ["group", "link worker", "usual care"]);
    let site = spec.covariate("site").unwrap();
    assert_eq!(site.range(), Some((1.0, 4.0)));
    assert!(spec.covariate("note").is_none());
    assert!(
        text.contains("#   note (text with 60 distinct values"),
        "{text}"
    );
    assert!(
        text.contains("#   satisfaction (not in the baseline file"),
        "{text}"
    );
    assert!(
        spec.study.missing_codes.contains(&"refused".to_string()),
        "{text}"
    );
    assert!(spec.covariate("income").is_some());
    let results = analyse(dir.path(), &dir.path().join("draft.toml"), &files);
    let mood = described(&results, "mood", "T0");
    assert_eq!(mood["n"], 60);
}

#[test]
fn the_draft_goes_to_stdout_without_out_and_an_existing_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let files = example_files();
    let mut args = vec!["spec", "--draft"];
    args.extend(files.iter().map(String::as_str));
    let stdout = ok(&spcure(&args));
    assert!(StudySpec::parse(&stdout, "stdout").is_ok(), "{stdout}");
    let existing = dir.path().join("mine.toml");
    std::fs::write(&existing, "# my edits\n").unwrap();
    let e = existing.display().to_string();
    let out = spcure(&[&args[..], &["--out", &e]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "# my edits\n");
    ok(&spcure(&[&args[..], &["--out", &e, "--force"]].concat()));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), stdout);
}

#[test]
fn files_without_a_usable_id_column_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p0: PathBuf = dir.path().join("T0.csv");
    let p1: PathBuf = dir.path().join("T1.csv");
    std::fs::write(&p0, "a,b\n1,2\n1,3\n").unwrap();
    std::fs::write(&p1, "a,b\n1,2\n2,2\n").unwrap();
    let out = spcure(&[
        "spec",
        "--draft",
        &p0.display().to_string(),
        &p1.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no column can be the participant id"), "{err}");
    let out = spcure(&["spec", "--draft", "nowave.csv"]);
    assert_eq!(out.status.code(), Some(2));
}

//! The loader as a user meets it: real-world export quirks must load, and every malformed
//! input must exit 2 with a message naming the file and the problem (never a panic).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/example");

fn example(wave: u8) -> String {
    std::fs::read_to_string(Path::new(EXAMPLE).join(format!("T{wave}.csv"))).unwrap()
}

/// Writes T0..T2 (after `edit`) into a fresh directory and returns it with the file paths.
fn waves(edit: impl Fn(u8, String) -> String) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = (0..3)
        .map(|w| {
            let p = dir.path().join(format!("T{w}.csv"));
            std::fs::write(&p, edit(w, example(w))).unwrap();
            p
        })
        .collect();
    (dir, paths)
}

fn analyse(paths: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("analyse")
        .args(paths)
        .arg("--out")
        .arg(out)
        .args([
            "--seed", "1", "--boot", "200", "--quiet", "--format", "json",
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Runs on broken input and checks exit 2 and that the message names the file and `needles`.
fn assert_bad_input(edit: impl Fn(u8, String) -> String, file: &str, needles: &[&str]) {
    let (dir, paths) = waves(edit);
    let out = analyse(&paths, &dir.path().join("out"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert!(err.contains(file), "message should name {file}: {err}");
    for n in needles {
        assert!(err.contains(n), "message should contain {n:?}: {err}");
    }
}

fn results_json(edit: impl Fn(u8, String) -> String) -> serde_json::Value {
    let (dir, paths) = waves(edit);
    let out_dir = dir.path().join("out");
    let out = analyse(&paths, &out_dir, &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = std::fs::read_to_string(out_dir.join("results.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// What must not change between export variants: everything but file paths and checksums.
fn comparable(mut v: serde_json::Value) -> serde_json::Value {
    v["load"]["files"] = serde_json::Value::Null;
    if let Some(ws) = v["load"]["warnings"].as_array_mut() {
        for w in ws {
            w["file"] = serde_json::Value::Null;
        }
    }
    v
}

#[test]
fn export_variants_load_to_identical_results() {
    let plain = comparable(results_json(|_, t| t));
    type Edit = Box<dyn Fn(u8, String) -> String>;
    let variants: Vec<(&str, Edit)> = vec![
        ("semicolon", Box::new(|_, t: String| t.replace(',', ";"))),
        ("tab", Box::new(|_, t: String| t.replace(',', "\t"))),
        (
            "bom+crlf",
            Box::new(|_, t: String| format!("\u{feff}{}", t.replace('\n', "\r\n"))),
        ),
        (
            "quoted+blank lines",
            Box::new(|_, t: String| {
                let mut lines: Vec<String> = t
                    .lines()
                    .map(|l| {
                        let cells: Vec<String> = l.split(',').map(|c| format!("\"{c}\"")).collect();
                        cells.join(",")
                    })
                    .collect();
                lines.push(String::new());
                lines.push(String::new());
                lines.join("\n")
            }),
        ),
    ];
    for (name, edit) in variants {
        assert_eq!(
            comparable(results_json(edit)),
            plain,
            "variant {name} changed the results"
        );
    }
}

#[test]
fn declared_missing_codes_are_missing_not_errors() {
    // "NA" and "999" are declared in the default spec; the example already holds -99.
    let v = results_json(|w, t| {
        if w == 1 {
            t.replacen(",4,", ",NA,", 3).replacen(",5,", ",999,", 2)
        } else {
            t
        }
    });
    assert_eq!(v["load"]["attrition"], serde_json::json!([630, 178, 63]));
}

#[test]
fn duplicate_ids_are_listed() {
    // The second participant of T1 takes the first one's id.
    let dup = |w: u8, t: String| {
        if w != 1 {
            return t;
        }
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        let first_id = lines[1].split(',').next().unwrap().to_string();
        let rest = lines[2].split_once(',').unwrap().1.to_string();
        lines[2] = format!("{first_id},{rest}");
        lines.join("\n") + "\n"
    };
    let first_id = example(1)
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    assert_bad_input(dup, "T1.csv", &["duplicated participant id", &first_id]);
}

#[test]
fn text_in_a_numeric_column_names_row_column_and_value() {
    assert_bad_input(
        |w, t| {
            if w != 0 {
                return t;
            }
            let mut lines: Vec<String> = t.lines().map(String::from).collect();
            let mut cells: Vec<String> = lines[5].split(',').map(String::from).collect();
            cells[2] = "four".into(); // groups_2
            lines[5] = cells.join(",");
            lines.join("\n") + "\n"
        },
        "T0.csv",
        &[
            "line 6",
            "groups_2",
            "\"four\"",
            "not a number",
            "missing_codes",
        ],
    );
}

#[test]
fn out_of_range_item_is_reported_with_the_range() {
    assert_bad_input(
        |w, t| {
            if w != 2 {
                return t;
            }
            let mut lines: Vec<String> = t.lines().map(String::from).collect();
            let mut cells: Vec<String> = lines[3].split(',').map(String::from).collect();
            cells[13] = "9".into(); // lonely_2, range 1–3
            lines[3] = cells.join(",");
            lines.join("\n") + "\n"
        },
        "T2.csv",
        &["line 4", "lonely_2", "\"9\"", "range 1–3"],
    );
}

#[test]
fn empty_and_header_only_files_are_refused() {
    assert_bad_input(
        |w, t| if w == 1 { String::new() } else { t },
        "T1.csv",
        &["empty"],
    );
    assert_bad_input(
        |w, t| {
            if w == 2 {
                t.lines().next().unwrap().to_string() + "\n"
            } else {
                t
            }
        },
        "T2.csv",
        &["header but no data rows"],
    );
}

#[test]
fn missing_id_column_lists_the_columns_and_the_fix() {
    assert_bad_input(
        |w, t| {
            if w == 0 {
                t.replacen("id,", "patient,", 1)
            } else {
                t
            }
        },
        "T0.csv",
        &[
            "no participant id column 'id'",
            "patient",
            "study.id_column",
        ],
    );
}

#[test]
fn a_wave_without_overlap_is_refused() {
    assert_bad_input(
        |w, t| if w == 2 { t.replace("SP", "XX") } else { t },
        "T2.csv",
        &["shares no participant ids", "XX"],
    );
}

#[test]
fn strangers_in_later_waves_are_counted_and_left_out() {
    let v = results_json(|w, t| {
        if w == 1 {
            t.replacen("SP0", "NEW", 2)
        } else {
            t
        }
    });
    let warnings = v["load"]["warnings"].to_string();
    assert!(
        warnings.contains("2 participant(s) not in the baseline file"),
        "{warnings}"
    );
    assert_eq!(v["load"]["files"][1]["not_in_baseline"], 2);
}

#[test]
fn unknown_wave_names_and_duplicate_waves_are_usage_errors() {
    let (dir, paths) = waves(|_, t| t);
    let odd = dir.path().join("survey.csv");
    std::fs::copy(&paths[1], &odd).unwrap();
    let out = analyse(
        &[paths[0].clone(), odd.clone()],
        &dir.path().join("o1"),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--wave T1="), "{}", stderr(&out));
    let twin = dir.path().join("wave_1.csv");
    std::fs::copy(&paths[1], &twin).unwrap();
    let out = analyse(
        &[paths[0].clone(), paths[1].clone(), twin],
        &dir.path().join("o2"),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("two files for wave T1"),
        "{}",
        stderr(&out)
    );
    let out = analyse(
        &[paths[0].clone(), odd.clone()],
        &dir.path().join("o3"),
        &["--wave", &format!("T1={}", odd.display())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn output_directory_is_protected() {
    let (dir, paths) = waves(|_, t| t);
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let out = analyse(&paths, &foreign, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    // Never into the inputs' directory.
    let out = analyse(&paths, dir.path(), &["--force"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("directory of the input"),
        "{}",
        stderr(&out)
    );
    // A directory spcure made may be reused.
    let mine = dir.path().join("mine");
    assert_eq!(analyse(&paths, &mine, &[]).status.code(), Some(0));
    assert_eq!(analyse(&paths, &mine, &[]).status.code(), Some(0));
    assert!(std::fs::read_dir(&mine).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains(".tmp-")));
}

#[test]
fn bad_spec_points_at_the_toml_line() {
    let (dir, paths) = waves(|_, t| t);
    let spec = dir.path().join("study.toml");
    let text = spcure::spec::DEFAULT_SPEC.replace("y = \"hrqol\"", "y = \"wellbeing\"");
    let line = text.lines().position(|l| l.contains("wellbeing")).unwrap() + 1;
    std::fs::write(&spec, text).unwrap();
    let out = analyse(
        &paths,
        &dir.path().join("o"),
        &["--spec", spec.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("study.toml, line {line}")),
        "{}",
        stderr(&out)
    );
}

/// The example waves with a treatment arm (TAU/CBT/Group, as text) and a site (coded 1/2/3)
/// appended to every file, and a spec declaring them with `arm_table` and `site_table`.
fn arm_and_site_study(arm_table: &str) -> (tempfile::TempDir, Vec<PathBuf>, PathBuf) {
    let (dir, paths) = waves(|_, t| {
        t.lines()
            .enumerate()
            .map(|(i, l)| match i {
                0 => format!("{l},arm,site\n"),
                _ => {
                    let arm = ["TAU", "CBT", "Group"][i % 3];
                    let site = if i % 7 == 0 {
                        "2.0".into()
                    } else {
                        (i % 3 + 1).to_string()
                    };
                    format!("{l},{arm},{site}\n")
                }
            })
            .collect()
    });
    let anchor = "# The serial chain";
    let tables = format!(
        "{arm_table}\n[[covariate]]\nname = \"site\"\ncolumn = \"site\"\ncategorical = true\n\n{anchor}"
    );
    let spec = dir.path().join("study.toml");
    std::fs::write(
        &spec,
        spcure::spec::DEFAULT_SPEC.replacen(anchor, &tables, 1),
    )
    .unwrap();
    (dir, paths, spec)
}

#[test]
fn text_coded_arms_and_numeric_site_codes_load_as_categories() {
    let (dir, paths, spec) = arm_and_site_study(
        "[[covariate]]\nname = \"arm\"\nlabel = \"Treatment arm\"\ncolumn = \"arm\"\n\
         categorical = true\nreference = \"CBT\"\n",
    );
    let out_dir = dir.path().join("out");
    let out = analyse(
        &paths,
        &out_dir,
        &["--spec", spec.to_str().unwrap(), "--write-panel"],
    );
    let err = stderr(&out);
    // Only the load stage is asserted here: the text levels must load.
    for load_error in [
        "invalid value",
        "not a number",
        "missing_codes",
        "never holds it",
    ] {
        assert!(!err.contains(load_error), "load error: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    if out.status.code() == Some(0) {
        let panel = std::fs::read_to_string(out_dir.join("panel.csv")).unwrap();
        let header: Vec<&str> = panel.lines().next().unwrap().split(',').collect();
        let arm = header.iter().position(|h| *h == "arm").unwrap();
        let site = header.iter().position(|h| *h == "site").unwrap();
        let cell = |row: usize, col: usize| {
            panel
                .lines()
                .nth(row)
                .unwrap()
                .split(',')
                .nth(col)
                .unwrap()
                .to_string()
        };
        assert_eq!(
            (cell(1, arm), cell(2, arm), cell(3, arm)),
            ("CBT".into(), "Group".into(), "TAU".into())
        );
        // Site codes stay codes, "2.0" is the level "2".
        assert_eq!((cell(1, site), cell(7, site)), ("2".into(), "2".into()));
    } else {
        assert_ne!(out.status.code(), Some(2), "{err}");
    }
}

#[test]
fn text_in_a_numeric_covariate_suggests_categorical_not_missing_codes() {
    let (dir, paths, spec) =
        arm_and_site_study("[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\nmin = 0\nmax = 2\n");
    let out = analyse(
        &paths,
        &dir.path().join("out"),
        &["--spec", spec.to_str().unwrap()],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("T0.csv")
            && err.contains("column 'arm' holds text (\"CBT\")")
            && err.contains("`categorical = true`"),
        "{err}"
    );
    assert!(!err.contains("missing_codes"), "{err}");
}

/// A spec with the default constructs and covariates but neither `[model]` nor `[[analysis]]`.
fn no_model_spec(dir: &Path, extra: &str) -> PathBuf {
    let text = spcure::spec::DEFAULT_SPEC;
    let cut = text.find("# The serial chain").unwrap();
    let spec = dir.join("study.toml");
    std::fs::write(&spec, format!("{}{extra}", &text[..cut])).unwrap();
    spec
}

fn kinds(results: &serde_json::Value) -> Vec<(String, String)> {
    results["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn without_a_model_analyse_runs_what_needs_no_chain_and_exits_0() {
    let (dir, paths) = waves(|_, t| t);
    let spec = no_model_spec(dir.path(), "");
    let out_dir = dir.path().join("o");
    let out = analyse(&paths, &out_dir, &["--spec", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(out_dir.join("results.json")).unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(r["schema_version"], "2.0.0");
    let kinds: Vec<String> = kinds(&r).into_iter().map(|(_, k)| k).collect();
    assert_eq!(
        kinds,
        [
            "descriptives",
            "reliability",
            "correlations",
            "attrition",
            "mixed_model",
            "change"
        ]
    );
    assert!(r["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e.get("not_run").is_none()));
}

#[test]
fn a_single_outcome_trial_with_a_text_coded_arm_gets_dummy_coded_regressions() {
    let (dir, paths, spec) = arm_and_site_study(
        "[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\ncategorical = true\nreference = \"TAU\"\n",
    );
    let text = std::fs::read_to_string(&spec).unwrap();
    let cut = text.find("# The serial chain").unwrap();
    let analyses = "[[analysis]]\nkind = \"regression\"\nid = \"ancova\"\ny = \"hrqol@T1\"\n\
                    x = [\"arm\", \"hrqol@T0\"]\ncovariates = [\"site\"]\n";
    std::fs::write(&spec, format!("{}{analyses}", &text[..cut])).unwrap();
    let out_dir = dir.path().join("o");
    let out = analyse(
        &paths,
        &out_dir,
        &["--spec", spec.to_str().unwrap(), "--format", "json,md"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("results.json")).unwrap())
            .unwrap();
    let ancova = r["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "ancova")
        .unwrap();
    let formula = ancova["output"]["formula"].as_str().unwrap();
    assert_eq!(
        formula,
        "hrqol_T1 ~ arm[CBT] + arm[Group] + hrqol_T0 + site[2] + site[3]"
    );
    assert_eq!(ancova["output"]["coding"][0]["reference"], "TAU");
    assert_eq!(ancova["sample"]["n"], 178);
    assert_eq!(
        ancova["sample"]["exclusions"][0]["reason"]["type"],
        "not_followed_up"
    );
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(
        md.contains("arm: indicator (dummy) coding against the reference level TAU"),
        "coding is printed under the table"
    );
    assert!(md.contains("Missing data: complete cases"), "{md}");
}

#[test]
fn a_spec_needing_a_wave_no_file_provides_exits_2_before_any_analysis() {
    let (dir, paths) = waves(|_, t| t);
    let out_dir = dir.path().join("o");
    let spec = no_model_spec(
        dir.path(),
        "[[analysis]]\nkind = \"regression\"\ny = \"hrqol@T3\"\nx = \"groups@T0\"\n",
    );
    let out = analyse(&paths, &out_dir, &["--spec", spec.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("needs wave T3") && err.contains("T0, T1, T2"),
        "{err}"
    );
    assert!(
        !out_dir.exists(),
        "nothing is written before the plan is valid"
    );
}

#[test]
fn spec_analysis_errors_point_at_the_toml_line() {
    let dir = tempfile::tempdir().unwrap();
    for (table, needle) in [
        (
            "kind = \"regresion\"\ny = \"hrqol\"\nx = \"groups\"",
            "unknown analysis kind",
        ),
        (
            "kind = \"regression\"\ny = \"hrqol@T1\"\nx = \"wellbeing\"",
            "'wellbeing' is neither",
        ),
        (
            "kind = \"regression\"\ny = \"age\"\nx = \"groups\"",
            "must be a construct",
        ),
        (
            "kind = \"regression\"\ny = \"hrqol@T0-T1\"\nx = \"groups\"",
            "later − earlier",
        ),
    ] {
        let spec = no_model_spec(dir.path(), &format!("[[analysis]]\n{table}\n"));
        let text = std::fs::read_to_string(&spec).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_spcure"))
            .args(["spec", "--check", spec.to_str().unwrap()])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
        let line = err
            .split("line ")
            .nth(1)
            .and_then(|s| s.split(':').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap();
        assert!(
            line > text
                .find("[[analysis]]")
                .map_or(0, |i| text[..i].lines().count()),
            "{err}"
        );
    }
}

#[test]
fn nobody_dropping_out_is_said_plainly() {
    // T1 holds every baseline participant (T0's rows with one answer changed, so it is not a
    // byte-identical copy): the attrition entry says so.
    let (dir, paths) = waves(|w, t| {
        if w == 1 {
            example(0).replacen("SP0001,4,4,3,4", "SP0001,5,4,3,4", 1)
        } else {
            t
        }
    });
    let spec = no_model_spec(dir.path(), "");
    let out_dir = dir.path().join("o");
    let out = analyse(
        &paths[..2],
        &out_dir,
        &["--format", "json,md", "--spec", spec.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("nobody dropped out by T1"), "{md}");
    assert!(!md.contains("0 rows for 2 parameters"), "{md}");
}

// ---- Hardening: malformed exports must be refused with the line and the fix. ----

/// Replaces data line `line` (1-based file line) of wave `wave` using `f`.
fn edit_line(wave: u8, line: usize, f: impl Fn(&str) -> String) -> impl Fn(u8, String) -> String {
    move |w, t| {
        if w != wave {
            return t;
        }
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        lines[line - 1] = f(&lines[line - 1]);
        lines.join("\n") + "\n"
    }
}

/// The Python-flavoured advice Polars gives, which a CLI user cannot act on.
fn assert_no_polars_advice(err: &str) {
    for bad in [
        "truncate_ragged_lines",
        "schema_overrides",
        "infer_schema_length",
        "ignore_errors",
        "Schema",
    ] {
        assert!(!err.contains(bad), "message leaks {bad:?}: {err}");
    }
    assert!(err.len() < 1500, "message should not dump the file: {err}");
}

fn bad_input_message(edit: impl Fn(u8, String) -> String) -> String {
    let (dir, paths) = waves(edit);
    let out = analyse(&paths, &dir.path().join("out"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_no_polars_advice(&err);
    err
}

#[test]
fn duplicate_column_names_are_refused_with_both_positions() {
    let err = bad_input_message(edit_line(1, 1, |h| h.replacen("groups_2", "groups_1", 1)));
    for n in ["T1.csv", "'groups_1' (columns 2 and 3)", "rename"] {
        assert!(err.contains(n), "{n:?}: {err}");
    }
    // Names that only differ by surrounding spaces are the same name.
    let err = bad_input_message(edit_line(0, 1, |h| h.replacen("age", "gender ", 1)));
    assert!(err.contains("'gender' (columns 22 and 23)"), "{err}");
    // An unnamed column in the middle of the header.
    let err = bad_input_message(edit_line(2, 1, |h| h.replacen("belong_1", "", 1)));
    assert!(
        err.contains("T2.csv") && err.contains("column 6 of the header (line 1) has no name"),
        "{err}"
    );
}

#[test]
fn short_and_long_rows_are_refused_with_lines_and_field_counts() {
    // Line 5 loses its last field, line 8 gains one.
    let edit = |w: u8, t: String| {
        let t = edit_line(1, 5, |l| l.rsplit_once(',').unwrap().0.to_string())(w, t);
        edit_line(1, 8, |l| format!("{l},7"))(w, t)
    };
    let err = bad_input_message(edit);
    for n in [
        "T1.csv",
        "2 line(s) do not have the 23 fields of the header",
        "line 5: expected 23 fields, found 22",
        "line 8: expected 23 fields, found 24",
        "restore the missing delimiters",
    ] {
        assert!(err.contains(n), "{n:?}: {err}");
    }
    // An empty last cell keeps its delimiter and is fine; so are a final newline and
    // trailing blank lines (export_variants_load_to_identical_results).
    let v = results_json(edit_line(2, 3, |l| {
        l.rsplit_once(',').unwrap().0.to_string() + ","
    }));
    assert_eq!(v["load"]["files"][2]["rows"], 63);
}

#[test]
fn one_file_cannot_be_two_waves() {
    let (dir, paths) = waves(|_, t| t);
    let t1 = paths[1].display().to_string();
    let check = |out: Output, needles: &[&str]| {
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        for n in needles {
            assert!(err.contains(n), "{n:?}: {err}");
        }
    };
    // The same path for two waves.
    let out = analyse(
        &paths[..1],
        &dir.path().join("o1"),
        &["--wave", &format!("T1={t1}"), "--wave", &format!("T2={t1}")],
    );
    check(out, &[&format!("{t1} (T1) and {t1} (T2)"), "the same file"]);
    // A byte-identical copy under another name.
    std::fs::copy(&paths[1], &paths[2]).unwrap();
    let out = analyse(&paths, &dir.path().join("o2"), &[]);
    check(out, &["T1.csv (T1)", "T2.csv (T2)", "byte-identical"]);
    // A symbolic link.
    #[cfg(unix)]
    {
        std::fs::remove_file(&paths[2]).unwrap();
        std::os::unix::fs::symlink(&paths[1], &paths[2]).unwrap();
        let out = analyse(&paths, &dir.path().join("o3"), &[]);
        check(out, &["T1.csv (T1)", "T2.csv (T2)", "the same file"]);
    }
}

#[test]
fn quoting_and_delimiter_mistakes_name_the_line_not_polars_options() {
    // A stray quote inside an unquoted value.
    let err = bad_input_message(edit_line(0, 4, |l| l.replacen(",4,", ",4\",", 1)));
    for n in ["T0.csv", "line 4", "stray double quote", "`4\"`", "doubled"] {
        assert!(err.contains(n), "{n:?}: {err}");
    }
    // A quote that opens a value and never closes.
    let err = bad_input_message(edit_line(2, 6, |l| l.replacen(",", ",\"", 1)));
    for n in ["T2.csv", "line 6", "column 'groups_1'", "never closed"] {
        assert!(err.contains(n), "{n:?}: {err}");
    }
    // An opening quote closed by a quote many lines later.
    let edit = |w: u8, t: String| {
        let t = edit_line(2, 6, |l| l.replacen(",", ",\"", 1))(w, t);
        edit_line(2, 20, |l| l.replacen(",", ",\"x\"", 1))(w, t)
    };
    let err = bad_input_message(edit);
    assert!(
        err.contains("line 6") && err.contains("runs on to line 20"),
        "{err}"
    );
    // A trailing delimiter on the data lines only.
    let err = bad_input_message(|w, t| {
        if w != 2 {
            return t;
        }
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        for l in lines.iter_mut().skip(1) {
            l.push(',');
        }
        lines.join("\n") + "\n"
    });
    for n in [
        "T2.csv",
        "63 line(s)",
        "line 2: expected 23 fields, found 24 (the line ends with a delimiter ',')",
        "remove the delimiter at the end",
        "… and 53 more",
    ] {
        assert!(err.contains(n), "{n:?}: {err}");
    }
    // An unquoted decimal comma adds a field.
    let err = bad_input_message(edit_line(0, 3, |l| l.replacen(",46,", ",46,5,", 1)));
    for n in [
        "line 3: expected 23 fields, found 24",
        "decimal comma",
        "\"3,5\"",
    ] {
        assert!(err.contains(n), "{n:?}: {err}");
    }
}

#[test]
fn excel_sep_line_and_trailing_delimiters_everywhere_load_as_usual() {
    let plain = comparable(results_json(|_, t| t));
    let sep = comparable(results_json(|_, t| {
        format!(
            "\u{feff}sep=;\r\n{}",
            t.replace(',', ";").replace('\n', "\r\n")
        )
    }));
    assert_eq!(sep, plain, "sep=; first line");
    let trailing = comparable(results_json(|_, t| {
        t.lines().map(|l| format!("{l},\n")).collect::<String>()
    }));
    assert_eq!(trailing, plain, "a trailing delimiter on every line");
    // The sep= line counts as line 1 in messages.
    let err = bad_input_message(|w, t| {
        let t = format!("sep=,\n{t}");
        if w == 0 {
            t.replacen("SP0003,", "SP0003,\"", 1)
        } else {
            t
        }
    });
    assert!(err.contains("T0.csv: line 5,"), "{err}");
}

/// Writes the example waves, T1 as raw bytes made by `bytes`, and runs analyse.
fn analyse_with_t1_bytes(bytes: impl Fn(&str) -> Vec<u8>) -> (Output, serde_json::Value) {
    let (dir, paths) = waves(|_, t| t);
    std::fs::write(&paths[1], bytes(&example(1))).unwrap();
    let out_dir = dir.path().join("out");
    let out = analyse(&paths, &out_dir, &[]);
    let json = std::fs::read_to_string(out_dir.join("results.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (out, json)
}

#[test]
fn utf16_exports_are_read_and_other_encodings_name_the_line() {
    let plain = results_json(|_, t| t);
    type Encode = fn(&str) -> Vec<u8>;
    let utf16: [(&str, Encode); 3] = [
        ("LE with BOM", |t| {
            let mut b = vec![0xFF, 0xFE];
            b.extend(t.encode_utf16().flat_map(u16::to_le_bytes));
            b
        }),
        ("LE without BOM", |t| {
            t.encode_utf16().flat_map(u16::to_le_bytes).collect()
        }),
        ("BE without BOM", |t| {
            t.encode_utf16().flat_map(u16::to_be_bytes).collect()
        }),
    ];
    for (name, bytes) in utf16 {
        let (out, v) = analyse_with_t1_bytes(bytes);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert_eq!(v["load"]["attrition"], plain["load"]["attrition"], "{name}");
        assert_eq!(v["load"]["files"][1]["rows"], 178, "{name}");
        let warnings = v["load"]["warnings"].to_string();
        assert!(warnings.contains("UTF-16"), "{name}: {warnings}");
    }
    // A Latin-1 byte on line 7.
    let (out, _) = analyse_with_t1_bytes(|t| {
        let mut lines: Vec<Vec<u8>> = t.lines().map(|l| l.as_bytes().to_vec()).collect();
        lines[6].splice(0..0, *b"Zo\xe9");
        lines.join(&b'\n')
    });
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for n in [
        "T1.csv",
        "line 7 is not valid UTF-8",
        "0xE9",
        "save it as UTF-8",
    ] {
        assert!(err.contains(n), "{n:?}: {err}");
    }
    assert!(!err.contains("byte 1") && !err.contains("offset"), "{err}");
}

#[test]
fn header_names_are_trimmed_with_a_warning() {
    let plain = comparable(results_json(|_, t| t));
    let v = results_json(|w, t| {
        if w == 0 {
            t.replacen("id,", " id ,", 1)
                .replacen(",age,", ",\" age\",", 1)
        } else {
            t
        }
    });
    let warnings: Vec<String> = v["load"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap().to_string())
        .filter(|m| m.contains("spaces"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("2 column name(s)") && warnings[0].contains("' age' → 'age'"),
        "{warnings:?}"
    );
    let mut v = comparable(v);
    v["load"]["warnings"]
        .as_array_mut()
        .unwrap()
        .retain(|w| !w["message"].as_str().unwrap().contains("spaces"));
    assert_eq!(v, plain);
}

#[test]
fn flat_files_share_the_reader_checks() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flat.csv");
    std::fs::write(&file, "x,y\n1,2\n2\n3,5\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(["regress"])
        .arg(&file)
        .args(["--y", "y", "--x", "x"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("flat.csv") && err.contains("line 3: expected 2 fields, found 1"),
        "{err}"
    );
}

#[test]
fn analyse_lists_only_the_files_it_wrote() {
    let (dir, paths) = waves(|_, t| t);
    let out = analyse(&paths, &dir.path().join("o"), &["--format", "json,csv"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.contains("results.json, tables/ ("), "{last}");
    assert!(
        !last.contains("report.html") && !last.contains("figures/"),
        "{last}"
    );
    // Row-level data (panel.csv) are written only on request.
    assert!(!last.contains("panel.csv"), "{last}");
    assert!(!dir.path().join("o/panel.csv").exists());
    let out = analyse(
        &paths,
        &dir.path().join("p"),
        &["--format", "json", "--write-panel"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.contains("results.json, panel.csv"), "{last}");
    let panel = std::fs::read_to_string(dir.path().join("p/panel.csv")).unwrap();
    assert!(
        panel.lines().count() > 600,
        "one row per baseline participant"
    );
}

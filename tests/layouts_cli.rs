//! One study, many shapes: the example cohort written as one long file (REDCap event names),
//! one wide file (wave tags as prefixes and suffixes) and a semicolon file with decimal
//! commas must give the same `analyses` as the per-wave files for the same seed. Also: the
//! decimal mark rules, the layout errors, and missing codes in flat files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/example");
const PMI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pmi.csv");

/// Header and rows (cells split on commas; the example has no quoted cells) of wave `w`.
fn wave(w: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(Path::new(EXAMPLE).join(format!("T{w}.csv"))).unwrap();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let split = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    let header = split(lines.next().unwrap());
    (header, lines.map(split).collect())
}

const EVENTS: [&str; 3] = [
    "baseline_arm_1",
    "4_month_followup_arm_1",
    "12_month_followup_arm_1",
];

/// The three waves as one long file: `wave_column` first after the id, rows by participant
/// (in baseline order) then wave, wave values from `values`; cells through `cell`.
fn long_csv(
    wave_column: &str,
    values: &[&str; 3],
    sep: &str,
    cell: impl Fn(&str) -> String,
) -> String {
    let waves: Vec<_> = (0..3).map(wave).collect();
    let header = &waves[0].0;
    let mut out = format!(
        "{}{sep}{wave_column}{sep}{}\n",
        header[0],
        header[1..].join(sep)
    );
    for row in &waves[0].1 {
        for (w, (_, rows)) in waves.iter().enumerate() {
            if let Some(r) = rows.iter().find(|r| r[0] == row[0]) {
                let cells: Vec<String> = r[1..].iter().map(|c| cell(c)).collect();
                out.push_str(&format!(
                    "{}{sep}{}{sep}{}\n",
                    r[0],
                    values[w],
                    cells.join(sep)
                ));
            }
        }
    }
    out
}

/// The three waves as one wide file: T0 columns prefixed (`T0_groups_1`), T1 suffixed
/// (`groups_1_T1`), T2 suffixed with a dot (`groups_1.t2`); age and gender untagged
/// (baseline). Absent waves are empty cells.
fn wide_csv() -> String {
    let waves: Vec<_> = (0..3).map(wave).collect();
    let header = &waves[0].0;
    let baseline_only = ["age", "gender"];
    let measured: Vec<(usize, &String)> = header
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, c)| !baseline_only.contains(&c.as_str()))
        .collect();
    let mut names = vec!["id".to_string()];
    for (w, fmt) in [(0, "T0_{}"), (1, "{}_T1"), (2, "{}.t2")] {
        let _ = w;
        names.extend(measured.iter().map(|(_, c)| fmt.replace("{}", c)));
    }
    names.extend(baseline_only.iter().map(|s| s.to_string()));
    let mut out = names.join(",") + "\n";
    for row in &waves[0].1 {
        let mut cells = vec![row[0].clone()];
        for (_, rows) in &waves {
            let r = rows.iter().find(|r| r[0] == row[0]);
            cells.extend(
                measured
                    .iter()
                    .map(|(i, _)| r.map_or(String::new(), |r| r[*i].clone())),
            );
        }
        for b in baseline_only {
            let i = header.iter().position(|c| c == b).unwrap();
            cells.push(row[i].clone());
        }
        out.push_str(&(cells.join(",") + "\n"));
    }
    out
}

fn run(cmd: &str, args: &[&str], files: &[PathBuf]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg(cmd)
        .args(files)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// `analyse FILES` into a fresh directory: (exit, stdout, stderr, results.json if written).
fn analyse(files: &[PathBuf], extra: &[&str]) -> (Output, Option<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let mut args = vec![
        "--out",
        out_dir.to_str().unwrap(),
        "--seed",
        "7",
        "--boot",
        "200",
        "--quiet",
        "--format",
        "json",
    ];
    args.extend(extra);
    let out = run("analyse", &args, files);
    let json = std::fs::read_to_string(out_dir.join("results.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    (out, json)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn per_wave() -> Value {
    let files: Vec<PathBuf> = (0..3)
        .map(|w| Path::new(EXAMPLE).join(format!("T{w}.csv")))
        .collect();
    let (out, json) = analyse(&files, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    json.unwrap()
}

fn assert_same_numbers(json: &Value, reference: &Value, what: &str) {
    assert_eq!(
        json["load"]["attrition"], reference["load"]["attrition"],
        "{what}: attrition"
    );
    assert!(reference["analyses"]
        .as_array()
        .is_some_and(|a| a.len() > 5));
    assert_eq!(
        json["analyses"], reference["analyses"],
        "{what}: the analyses differ from the per-wave run"
    );
}

#[test]
fn long_wide_and_decimal_comma_files_give_the_per_wave_results() {
    let reference = per_wave();
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, PathBuf, &str)> = vec![
        (
            "REDCap long",
            write(dir.path(), "cohort_long.csv", &long_csv("redcap_event_name", &EVENTS, ",", str::to_string)),
            "Layout (detected): one long file, wave column 'redcap_event_name' (baseline_arm_1 → T0, 4_month_followup_arm_1 → T1, 12_month_followup_arm_1 → T2",
        ),
        (
            "wide",
            write(dir.path(), "cohort_wide.csv", &wide_csv()),
            "Layout (detected): one wide file, wave tags in the column names: T0 (20 columns), T1 (20 columns), T2 (20 columns); 2 untagged column(s) read as baseline (T0): age, gender",
        ),
        (
            "decimal comma long",
            // Every number written with a decimal comma ("4,0"), semicolon-delimited.
            write(
                dir.path(),
                "cohort_de.csv",
                &long_csv("wave", &["T0", "T1", "T2"], ";", |c| {
                    if c.is_empty() || c.starts_with('-') { c.to_string() } else { format!("{c},0") }
                }),
            ),
            "(delimiter ';', decimal ',')",
        ),
    ];
    for (what, file, says) in cases {
        let (out, json) = analyse(&[file], &[]);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains(says),
            "{what}: terminal should say {says:?}:\n{text}"
        );
        let json = json.unwrap();
        assert_same_numbers(&json, &reference, what);
        assert_ne!(json["load"]["layout"]["layout"], "waves", "{what}");
    }
}

#[test]
fn layout_flags_override_and_an_explicit_map_in_the_spec_names_the_waves() {
    let reference = per_wave();
    let dir = tempfile::tempdir().unwrap();
    // Values no rule knows, mapped in the spec; the column named with --wave-column.
    let file = write(
        dir.path(),
        "visits.csv",
        &long_csv("visit", &["pre", "post", "later"], ",", str::to_string),
    );
    let default = run("spec", &["--print-default"], &[]);
    let spec_text = format!(
        "{}\n[waves]\nmap = {{ pre = \"T0\", post = \"T1\", later = \"T2\" }}\n",
        stdout(&default)
    );
    let spec = write(dir.path(), "study.toml", &spec_text);
    let (out, json) = analyse(
        std::slice::from_ref(&file),
        &[
            "--spec",
            spec.to_str().unwrap(),
            "--wave-column",
            "visit",
            "--layout",
            "long",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Layout (--layout): one long file, wave column 'visit' (pre → T0, post → T1, later → T2 by the spec's [waves] map)"), "{}", stdout(&out));
    let json = json.unwrap();
    assert_eq!(json["analyses"], reference["analyses"]);
    // Without the map, the values cannot be read and the fix is named.
    let (out, _) = analyse(std::slice::from_ref(&file), &["--wave-column", "visit"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("visits.csv") && err.contains("\"pre\"") && err.contains("[waves]"),
        "{err}"
    );
    // A long layout asked of a file without a wave column.
    let plain = write(
        dir.path(),
        "cohort.csv",
        &std::fs::read_to_string(Path::new(EXAMPLE).join("T0.csv")).unwrap(),
    );
    let (out, _) = analyse(std::slice::from_ref(&plain), &["--layout", "long"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cohort.csv") && err.contains("--wave-column"),
        "{err}"
    );
    // One file that is none of the layouts, with a name naming no wave.
    let (out, _) = analyse(&[plain], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--layout long or --layout wide"), "{err}");
    // --layout long with several files is a usage error.
    let (out, _) = analyse(&[file.clone(), file], &["--layout", "long"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn repeated_participant_waves_in_a_long_file_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = long_csv("wave", &["T0", "T1", "T2"], ",", str::to_string);
    let dup: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("SP0002,T1,"))
        .map(str::to_string)
        .collect();
    text.push_str(&format!("{}\n", dup[0]));
    let file = write(dir.path(), "long.csv", &text);
    let (out, _) = analyse(&[file], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let last = text.lines().count();
    assert!(
        err.contains("long.csv")
            && err.contains("1 repeated participant × wave row(s)")
            && err.contains(&format!("'SP0002' at T1 (lines 4 and {last})")),
        "{err}"
    );
}

#[test]
fn a_bad_cell_in_a_wide_file_names_the_files_column_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = wide_csv();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|c| *c == "groups_1_T1").unwrap();
    // SP0002 (line 3) is present at T1.
    let mut cells: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    cells[col] = "12".into();
    lines[2] = cells.join(",");
    let file = write(dir.path(), "wide.csv", &(lines.join("\n") + "\n"));
    let (out, _) = analyse(&[file], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("wide.csv")
            && err.contains("line 3 (data row 2), column 'groups_1_T1', value \"12\""),
        "{err}"
    );
}

/// The example's per-wave files after `edit(wave, text)`.
fn edited_waves(dir: &Path, edit: impl Fn(usize, String) -> String) -> Vec<PathBuf> {
    (0..3)
        .map(|w| {
            let text =
                std::fs::read_to_string(Path::new(EXAMPLE).join(format!("T{w}.csv"))).unwrap();
            write(dir, &format!("T{w}.csv"), &edit(w, text))
        })
        .collect()
}

/// Replaces the age of the participant on data line `line` of T0 (age is the next-to-last
/// column) with `age`.
fn set_age(text: &str, line: usize, age: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[line - 1].split(';').map(str::to_string).collect();
    let n = cells.len();
    cells[n - 2] = age.to_string();
    lines[line - 1] = cells.join(";");
    lines.join("\n") + "\n"
}

#[test]
fn one_file_one_decimal_mark_and_grouping_marks_are_never_rescaled() {
    let dir = tempfile::tempdir().unwrap();
    let semi = |_: usize, t: String| t.replace(',', ";");
    // Decimal commas and a point elsewhere in the same file: refused, both named.
    let files = edited_waves(dir.path(), |w, t| {
        let t = semi(w, t);
        if w == 0 {
            set_age(&set_age(&t, 2, "55,5"), 5, "40.5")
        } else {
            t
        }
    });
    let (out, _) = analyse(&files, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("T0.csv")
            && err.contains("both decimal marks")
            && err.contains("\"40.5\" (line 5, column 'age')")
            && err.contains("\"55,5\" (line 2, column 'age')"),
        "{err}"
    );
    // Told the mark, the other one is a bad cell, never 40.5 nor 405.
    let (out, _) = analyse(&files, &["--decimal", ","]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "line 5 (data row 4), column 'age', value \"40.5\": uses '.' as a decimal mark"
        ),
        "{err}"
    );

    // "1.250" alone in a semicolon file: ambiguous, the fix is named.
    let dir = tempfile::tempdir().unwrap();
    let files = edited_waves(dir.path(), |w, t| {
        let t = semi(w, t);
        if w == 0 {
            set_age(&t, 2, "1.250")
        } else {
            t
        }
    });
    let (out, _) = analyse(&files, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot tell the decimal mark")
            && err.contains("--decimal ,")
            && err.contains("\"1.250\" (line 2, column 'age')"),
        "{err}"
    );
    // With a decimal comma it is 1250 (a grouping mark): outside the age range, not 1.25.
    let (out, _) = analyse(&files, &["--decimal", ","]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("value \"1.250\": outside the declared range 16–110"),
        "{err}"
    );
}

#[test]
fn a_decimal_comma_flat_file_fits_the_same_regression() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(PMI).unwrap();
    let de = write(
        dir.path(),
        "pmi_de.csv",
        &text.replace(',', ";").replace('.', ","),
    );
    let args = ["--y", "reaction", "--x", "cond,pmi", "--json"];
    let plain = run("regress", &args, &[PathBuf::from(PMI)]);
    let comma = run("regress", &args, &[de]);
    assert_eq!(comma.status.code(), Some(0), "{}", stderr(&comma));
    let (mut a, mut b): (Value, Value) = (
        serde_json::from_str(&stdout(&plain)).unwrap(),
        serde_json::from_str(&stdout(&comma)).unwrap(),
    );
    for v in [&mut a, &mut b] {
        v["file"] = Value::Null;
        v["sha256"] = Value::Null;
    }
    assert_eq!(a, b);
    // A decimal-comma file with a dot grouping thousands: 1250, with a warning, never 1.25.
    let mut rows = String::from("y;x\n");
    for i in 0..12 {
        rows.push_str(&format!(
            "{},5;{}\n",
            i % 5,
            if i == 3 {
                "1.250".to_string()
            } else {
                (i * 7 % 9).to_string()
            }
        ));
    }
    let grouped = write(dir.path(), "grouped.csv", &rows);
    let out = run("regress", &["--y", "y", "--x", "x", "--json"], &[grouped]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 value(s) use '.' as a thousands separator and were read as such (e.g. \"1.250\" (line 5, column 'x') → 1250)"),
        "{}",
        stderr(&out)
    );
}

/// A flat file: y = 1 + 0.5 x + noise, x in 1–7; rows 3 and 8 hold -99 in y.
fn flat_with_codes(dir: &Path, with_codes: bool) -> PathBuf {
    let mut text = String::from("y,x\n");
    for i in 0..40 {
        let x = 1 + i % 7;
        let y = 1.0 + 0.5 * x as f64 + ((i * 37 % 11) as f64 - 5.0) / 10.0;
        let code = with_codes && (i == 2 || i == 7);
        if code {
            text.push_str(&format!("-99,{x}\n"));
        } else if with_codes || !(i == 2 || i == 7) {
            text.push_str(&format!("{y},{x}\n"));
        }
    }
    write(
        dir,
        if with_codes { "coded.csv" } else { "clean.csv" },
        &text,
    )
}

#[test]
fn flat_files_warn_about_missing_codes_and_accept_missing_codes() {
    let dir = tempfile::tempdir().unwrap();
    let coded = flat_with_codes(dir.path(), true);
    let clean = flat_with_codes(dir.path(), false);
    let args = ["--y", "y", "--x", "x", "--json"];
    let out = run("regress", &args, std::slice::from_ref(&coded));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "column 'y' holds -99 (2 row(s), first on line 4) far outside its other values"
        ) && err.contains("--missing-codes=-99"),
        "{err}"
    );
    // No false alarm on the clean file.
    let out = run("regress", &args, std::slice::from_ref(&clean));
    assert!(
        !stderr(&out).contains("missing-value code"),
        "{}",
        stderr(&out)
    );
    let reference: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // With --missing-codes the codes are missing: the fit equals the clean file's, and the two
    // rows are counted as exclusions.
    let mut with: Vec<&str> = args.to_vec();
    with.push("--missing-codes=-99,-999");
    let out = run("regress", &with, &[coded]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("far outside"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 value(s) matching --missing-codes read as missing"),
        "{}",
        stderr(&out)
    );
    let fitted: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(fitted["fit"]["terms"], reference["fit"]["terms"]);
    assert_eq!(fitted["fit"]["n"], reference["fit"]["n"]);
    let excluded = fitted["exclusions"].to_string();
    assert!(
        excluded.contains('2') && excluded.contains('y'),
        "{excluded}"
    );
    // mediate takes the same flag.
    let out = run(
        "mediate",
        &[
            "--x",
            "x",
            "--m",
            "y",
            "--y",
            "x2",
            "--boot",
            "100",
            "--seed",
            "1",
            "--missing-codes=-99",
        ],
        &[flat_with_codes(dir.path(), true)],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "x2 does not exist: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("x2"), "{}", stderr(&out));
}

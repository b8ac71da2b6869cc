//! Hardening through `spcure analyse` as a user meets it (issue 13): data of extreme magnitude
//! give finite estimates or a reported "not computed", never a panic or NaN; a chain of
//! eight mediators gives bounded, readable figures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/example");

fn example(wave: u8) -> String {
    std::fs::read_to_string(Path::new(EXAMPLE).join(format!("T{wave}.csv"))).unwrap()
}

/// Writes T0..T2 (after `edit`) into `dir` and returns the file paths.
fn waves(dir: &Path, edit: impl Fn(u8, String) -> String) -> Vec<PathBuf> {
    (0..3)
        .map(|w| {
            let p = dir.join(format!("T{w}.csv"));
            std::fs::write(&p, edit(w, example(w))).unwrap();
            p
        })
        .collect()
}

fn analyse(paths: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spcure"))
        .arg("analyse")
        .args(paths)
        .arg("--out")
        .arg(out)
        .args(["--seed", "1", "--quiet"])
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Multiplies the `gp_visits` column of a wave file by `factor` (written in full).
fn scale_gp_visits(text: String, factor: f64) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let col = header.split(',').position(|h| h == "gp_visits").unwrap();
    let mut out = format!("{header}\n");
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        if let Ok(v) = cells[col].parse::<f64>() {
            cells[col] = format!("{:e}", v * factor);
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// GP visits in units of 1e100 (range widened to match): the Welch df used to square
/// variances of 1e200 into inf/inf = NaN and panic in the t quantile.
fn gp_visits_run(factor: f64) -> (Output, Option<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let text = spcure::spec::DEFAULT_SPEC.replace(
        "column = \"gp_visits\"\nmin = 0\nmax = 60",
        &format!("column = \"gp_visits\"\nmin = 0\nmax = {:e}", 60.0 * factor),
    );
    assert_ne!(
        text,
        spcure::spec::DEFAULT_SPEC,
        "the gp_visits range is in the spec"
    );
    let spec = dir.path().join("study.toml");
    std::fs::write(&spec, text).unwrap();
    let paths = waves(dir.path(), |_, t| scale_gp_visits(t, factor));
    let out_dir = dir.path().join("out");
    let args = ["--spec", spec.to_str().unwrap(), "--boot", "200"];
    let out = analyse(
        &paths,
        &out_dir,
        &[&args[..], &["--format", "json,md"]].concat(),
    );
    let results = std::fs::read_to_string(out_dir.join("results.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    (out, results)
}

fn welch_gp_visits(results: &Value) -> Value {
    results["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "attrition")
        .unwrap()["output"]["continuous"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["variable"] == "gp_visits")
        .unwrap()
        .clone()
}

#[test]
fn scores_of_size_1e100_are_analysed_like_scores_of_size_1() {
    let (plain, plain_json) = gp_visits_run(1.0);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let (big, big_json) = gp_visits_run(1e100);
    let err = stderr(&big);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(big.status.code(), Some(0), "{err}");
    let (a, b) = (
        welch_gp_visits(&plain_json.unwrap()),
        welch_gp_visits(&big_json.clone().unwrap()),
    );
    // t, df, p and g are scale-free; the difference scales with the data.
    for key in ["t", "df", "p", "g"] {
        let (x, y) = (a[key].as_f64().unwrap(), b[key].as_f64().unwrap());
        assert!(
            (x - y).abs() <= 1e-9 * x.abs().max(1e-300),
            "{key}: {x} vs {y}"
        );
    }
    let (x, y) = (a["diff"].as_f64().unwrap(), b["diff"].as_f64().unwrap());
    assert!((y / (x * 1e100) - 1.0).abs() < 1e-9, "diff {x} vs {y}");
    // No NaN/inf anywhere: serde writes them as null, so no estimate may be null.
    let text = serde_json::to_string(&big_json.unwrap()).unwrap();
    // (as JSON values: words such as "full-information" may contain "inf").
    assert!(
        !text.contains("NaN") && !text.contains(":inf") && !text.contains(":-inf"),
        "{text}"
    );
}

/// Scores of size 1e200 have variances beyond double precision: every estimator that needs
/// them reports "not computed" with the reason; nothing panics or prints NaN.
#[test]
fn scores_beyond_double_precision_are_not_computed_with_a_reason() {
    let (out, results) = gp_visits_run(1e200);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    let results = results.expect("results.json is written");
    let text = serde_json::to_string(&results).unwrap();
    assert!(text.contains("not finite"), "the reason is reported");
    let attrition = results["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "attrition")
        .unwrap();
    let notes = attrition["output"]["notes"].to_string();
    assert!(
        notes.contains("gp_visits") && notes.contains("not finite"),
        "{notes}"
    );
}

/// A spec of ten single-item constructs (the study and covariate tables of the default spec),
/// so that a chain of eight mediators can be built from the example data.
fn chain8_spec(dir: &Path) -> PathBuf {
    let text = spcure::spec::DEFAULT_SPEC;
    let study = &text[..text.find("[[construct]]").unwrap()];
    let covariates =
        &text[text.find("[[covariate]]").unwrap()..text.find("# The serial chain").unwrap()];
    let items = [
        "groups_1",
        "groups_2",
        "groups_3",
        "groups_4",
        "belong_1",
        "belong_2",
        "belong_3",
        "support_1",
        "support_2",
        "hrqol_1",
    ];
    let mut spec = study.to_string();
    for (i, item) in items.iter().enumerate() {
        let max = if item.starts_with("hrqol") { 5 } else { 7 };
        spec.push_str(&format!(
            "[[construct]]\nname = \"c{i}\"\nlabel = \"Item {item}\"\ncolumn = \"{item}\"\nmin = 1\nmax = {max}\n\n"
        ));
    }
    spec.push_str(covariates);
    spec.push_str(
        "[[analysis]]\nkind = \"serial_mediation\"\nid = \"chain8\"\nx = \"c0\"\n\
         mediators = [\"c1\", \"c2\", \"c3\", \"c4\", \"c5\", \"c6\", \"c7\", \"c8\"]\ny = \"c9\"\n\
         missing = \"listwise\"\n",
    );
    let path = dir.join("study.toml");
    std::fs::write(&path, spec).unwrap();
    path
}

/// The height of an SVG from its root element.
fn svg_height(svg: &str) -> f64 {
    let start = svg.find("height=\"").unwrap() + 8;
    let end = start + svg[start..].find('"').unwrap();
    svg[start..end].parse().unwrap()
}

/// k = 8 (255 specific indirect effects, 32,385 contrasts) used to fail at the figure stage
/// with a forest plot 1.6 million pixels tall.
#[test]
fn a_chain_of_eight_mediators_gives_bounded_figures() {
    let dir = tempfile::tempdir().unwrap();
    let spec = chain8_spec(dir.path());
    let paths = waves(dir.path(), |_, t| t);
    let out_dir = dir.path().join("out");
    let out = analyse(
        &paths,
        &out_dir,
        &[
            "--spec",
            spec.to_str().unwrap(),
            "--boot",
            "100",
            "--format",
            "json,md,svg,png",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let figures = out_dir.join("figures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&figures).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            let h = svg_height(&svg);
            assert!(h <= 3000.0, "{}: {h} px tall", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 3, "figures written: {checked}");
    let forest = std::fs::read_to_string(figures.join("chain8_indirect_effects.svg")).unwrap();
    assert!(
        !forest.contains("Contrasts"),
        "contrasts left out of the figure"
    );
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(
        md.contains("The 32385 pairwise contrasts are too many to draw legibly"),
        "the caption says the contrasts are left out"
    );
    assert!(
        md.contains("specific indirect effects largest in absolute value, of 255"),
        "the caption says which indirect effects are shown"
    );
    assert!(figures.join("chain8_indirect_effects.png").exists());
}

/// Every "n = K", "K participants", "K of M" and "reason: K;" with 0 < K < `min` in `text`.
fn small_counts(text: &str, min: u64) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit()
            || (i > 0
                && (bytes[i - 1].is_ascii_alphanumeric()
                    || b"._-".contains(&bytes[i - 1])
                    || bytes[i - 1] >= 0x80))
        {
            i += 1;
            continue;
        }
        let end = i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let (before, after) = (&text[..i], &text[end..]);
        let v: u64 = text[i..end].parse().unwrap_or(0);
        let decimal =
            after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit());
        let count = before.ends_with(" n = ")
            || before.ends_with("(n = ")
            || before.ends_with(">n = ")
            || [" participant", " excluded", " of "]
                .iter()
                .any(|w| after.starts_with(w));
        if count && !decimal && v > 0 && v < min {
            found.push(text[i.saturating_sub(30)..(end + 20).min(text.len())].to_string());
        }
        i = end;
    }
    found
}

/// `--min-cell N`: no count of people below N survives in the report's tables, text or
/// figures; the methods say so; no row-level file is written by default.
#[test]
fn min_cell_suppresses_small_counts_everywhere_in_the_report() {
    const MIN: u64 = 40;
    let dir = tempfile::tempdir().unwrap();
    let paths = waves(dir.path(), |_, t| t);
    let out_dir = dir.path().join("out");
    let min = MIN.to_string();
    let out = analyse(
        &paths,
        &out_dir,
        &[
            "--boot",
            "200",
            "--format",
            "md,csv,svg",
            "--min-cell",
            &min,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !out_dir.join("panel.csv").exists(),
        "row-level data only on request"
    );
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains(&format!("< {MIN}")), "something was suppressed");
    assert!(
        md.contains("Small numbers were suppressed"),
        "the methods say so"
    );
    assert_eq!(small_counts(&md, MIN), Vec::<String>::new());
    for sub in ["figures", "tables"] {
        for entry in std::fs::read_dir(out_dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                small_counts(&text, MIN),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
            if sub == "tables" {
                check_csv_counts(&path, MIN);
            }
        }
    }
    // The same report without --min-cell has such counts (so the test could fail).
    let plain_dir = dir.path().join("plain");
    let out = analyse(&paths, &plain_dir, &["--boot", "200", "--format", "md"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = std::fs::read_to_string(plain_dir.join("report.md")).unwrap();
    assert!(!small_counts(&md, MIN).is_empty());
}

/// No integer 1..min in a count column of a CSV table.
fn check_csv_counts(path: &Path, min: u64) {
    const COUNT_COLUMNS: [&str; 10] = [
        "n",
        "missing",
        "retained",
        "lost",
        "returned",
        "n_completers",
        "n_noncompleters",
        "rows",
        "baseline_participants",
        "not_in_baseline",
    ];
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        for (h, v) in headers.iter().zip(rec.iter()) {
            if COUNT_COLUMNS.contains(&h) {
                if let Ok(k) = v.parse::<u64>() {
                    assert!(k == 0 || k >= min, "{}: {h} = {k}", path.display());
                }
            }
        }
    }
}

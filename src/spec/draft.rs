//! `spcure spec --draft`: a commented starting spec written from the wave files themselves.
//!
//! The drafter sees plain columns (from `crate::load::read_draft_columns`) and decides:
//! - the missing-value codes: the default codes, plus negative integer codes (≤ −7, e.g. −9)
//!   in columns whose other values are all ≥ 0, plus up to three text values in columns that
//!   are otherwise at least 80% numbers ("refused"); every added code is flagged for review;
//! - the id column: present in every file, never empty and unique within each file;
//!   a conventional name (`id`, `*_id`) wins over the first such column;
//! - constructs: numeric baseline columns sharing a stem (`lonely_1`, `lonely_2` → `lonely`;
//!   `grp1`, `grp2` → `grp`) are one multi-item scale; a numeric baseline column without a
//!   stem that changes between waves is a one-column construct;
//! - baseline variables (`[[covariate]]`): numeric columns measured only at baseline, or whose
//!   value does not change between waves for at least 90% of participants, or with a
//!   conventional baseline name (age, sex, …); two-valued ones are categorical codes; text
//!   columns with at most [`MAX_LEVELS`] levels are categorical with their levels listed;
//! - ranges: the smallest and largest value in the data, over every wave (so that the data
//!   pass validation); the user should widen them to the instrument's full range;
//! - likely reverse-keyed items: a negative item–rest correlation at baseline (complete cases,
//!   scales of three or more items; `crate::stats::reliability`), flagged in a comment;
//! - a commented-out `[model]` naming the constructs measured at two waves.
//!
//! The draft is valid as written: without a `[model]`, `analyse` runs every analysis that needs
//! no chain. Every decision is written beside the line it made, so it can be reviewed.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use thiserror::Error;

use crate::load::{list_capped, wave_label, DraftCell, DraftFile};
use crate::stats::reliability::reliability;

/// The missing-value codes of the default spec, kept in every draft.
pub const DEFAULT_MISSING_CODES: &[&str] = &["NA", "N/A", "-99", "-999", "999", "."];
/// A text column with more distinct values than this is free text, not a category.
pub const MAX_LEVELS: usize = 20;
/// Share of matched participants whose value is the same in every wave for a column measured
/// in several waves to count as a baseline variable.
const STABLE_SHARE: f64 = 0.9;
/// Names that are baseline variables even when repeated in every wave (compared lowercased).
const BASELINE_NAMES: &[&str] = &[
    "age",
    "sex",
    "gender",
    "male",
    "female",
    "arm",
    "group",
    "condition",
    "treatment",
    "site",
    "centre",
    "center",
    "ethnicity",
    "education",
];
/// Conventional id column names, in order of preference (compared lowercased).
const ID_NAMES: &[&str] = &[
    "id",
    "participant_id",
    "patient_id",
    "record_id",
    "subject_id",
    "respondent_id",
    "pid",
    "participant",
    "subject",
];

/// Files that cannot be drafted from (exit code 2).
#[derive(Debug, Error)]
pub enum DraftError {
    #[error("no wave files to draft from")]
    NoFiles,
    #[error("no column can be the participant id: an id column must be in every file ({files}), never empty and unique within each file. Columns in every file: {columns}. Add an id column, or remove duplicated rows")]
    NoIdColumn { files: String, columns: String },
    #[error("{path}: no column besides the id '{id}' holds data at baseline; give the baseline file with its answers")]
    NothingToAnalyse { path: String, id: String },
}

/// What the draft contains, for the command's one-line summary.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftSummary {
    pub id_column: String,
    pub waves: Vec<String>,
    pub constructs: Vec<String>,
    pub covariates: Vec<String>,
    /// Items flagged as likely reverse-keyed.
    pub reverse_flagged: Vec<String>,
    /// Missing-value codes added to the defaults.
    pub added_codes: Vec<String>,
    /// Columns left out, with why.
    pub left_out: Vec<String>,
}

/// The drafted spec text and its summary.
#[derive(Debug, Clone)]
pub struct Draft {
    pub toml: String,
    pub summary: DraftSummary,
}

/// Missing-value codes: text compared after trimming, numbers compared as numbers.
struct Codes {
    text: Vec<String>,
    numeric: Vec<f64>,
}

impl Codes {
    fn new(codes: &[String]) -> Self {
        Self {
            text: codes.to_vec(),
            numeric: codes.iter().filter_map(|c| c.parse().ok()).collect(),
        }
    }
    fn number(&self, cell: &DraftCell) -> Option<f64> {
        match cell {
            DraftCell::Number(v) if !self.numeric.contains(v) => Some(*v),
            _ => None,
        }
    }
    fn text<'a>(&self, cell: &'a DraftCell) -> Option<&'a str> {
        match cell {
            DraftCell::Text(t) if !self.text.contains(t) => Some(t),
            _ => None,
        }
    }
    fn is_missing(&self, cell: &DraftCell) -> bool {
        self.number(cell).is_none() && self.text(cell).is_none()
    }
}

/// What a baseline column is.
enum Kind {
    /// A multi-item scale (items in order) or a one-column construct.
    Construct { items: Vec<String>, single: bool },
    /// A numeric baseline variable; `binary` ones are categorical codes.
    Numeric { binary: bool },
    /// A text baseline variable with its levels.
    Text { levels: Vec<String> },
}

struct Entry {
    /// The spec name (made unique and name-safe by `name_entries`).
    name: String,
    /// The column of a baseline variable (constructs list theirs in `kind`).
    column: String,
    kind: Kind,
    /// The comment line(s) above the table.
    notes: Vec<String>,
    min: f64,
    max: f64,
    reverse: Vec<(String, f64, usize)>,
}

/// Drafts a spec from the wave files (sorted by wave, the baseline first).
pub fn draft(files: &[DraftFile]) -> Result<Draft, DraftError> {
    let base = files.first().ok_or(DraftError::NoFiles)?;
    let (codes, added_codes, code_notes) = missing_codes(files);
    let id = id_column(files)?;
    let mut left_out = Vec::new();
    let mut entries = Vec::new();
    let mut grouped: Vec<&str> = vec![id.as_str()];
    for (stem, items) in stems(base, &codes) {
        if items.iter().any(|i| grouped.contains(&i.as_str())) {
            continue;
        }
        grouped.extend(
            base.columns
                .iter()
                .map(|c| c.name.as_str())
                .filter(|n| items.iter().any(|i| i == n)),
        );
        let items = items_in_every_wave(files, &items, &mut left_out);
        entries.push(construct(files, &codes, &stem, items, false));
    }
    for col in &base.columns {
        if grouped.contains(&col.name.as_str()) {
            continue;
        }
        match classify(files, &codes, &id, &col.name) {
            Ok(kind) => entries.push(entry(files, &codes, &col.name, kind)),
            Err(why) => left_out.push(format!("{} ({why})", col.name)),
        }
    }
    for f in &files[1..] {
        for c in &f.columns {
            if base.column(&c.name).is_none()
                && !left_out
                    .iter()
                    .any(|l| l.starts_with(&format!("{} (", c.name)))
            {
                left_out.push(format!(
                    "{} (not in the baseline file; only baseline columns become constructs or covariates)",
                    c.name
                ));
            }
        }
    }
    let mut kept = Vec::new();
    for e in entries {
        match &e.kind {
            Kind::Text { levels } if levels.len() < 2 => left_out.push(format!(
                "{} (the same value, {}, in every row)",
                e.name,
                levels.first().map(String::as_str).unwrap_or("")
            )),
            Kind::Text { .. } => kept.push(e),
            _ if e.min < e.max => kept.push(e),
            _ => left_out.push(format!(
                "{} (the same value, {}, in every row)",
                e.name,
                number(e.min)
            )),
        }
    }
    if kept.is_empty() {
        return Err(DraftError::NothingToAnalyse {
            path: base.path.display().to_string(),
            id,
        });
    }
    name_entries(&mut kept);
    let summary = DraftSummary {
        id_column: id.clone(),
        waves: files.iter().map(|f| wave_label(f.wave)).collect(),
        constructs: kept
            .iter()
            .filter(|e| matches!(e.kind, Kind::Construct { .. }))
            .map(|e| e.name.clone())
            .collect(),
        covariates: kept
            .iter()
            .filter(|e| !matches!(e.kind, Kind::Construct { .. }))
            .map(|e| e.name.clone())
            .collect(),
        reverse_flagged: kept
            .iter()
            .flat_map(|e| e.reverse.iter().map(|r| r.0.clone()))
            .collect(),
        added_codes,
        left_out,
    };
    let toml = write_toml(files, &summary, &codes, &code_notes, &kept);
    Ok(Draft { toml, summary })
}

/// The default codes plus the codes the data seem to use, with a note on each added one.
fn missing_codes(files: &[DraftFile]) -> (Codes, Vec<String>, Vec<String>) {
    let defaults: Vec<String> = DEFAULT_MISSING_CODES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let base = Codes::new(&defaults);
    // code → columns where it was seen, in first-seen order.
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    let mut note = |code: String, column: &str| match found.iter_mut().find(|(c, _)| *c == code) {
        Some((_, cols)) => {
            if !cols.iter().any(|c| c == column) {
                cols.push(column.to_string())
            }
        }
        None => found.push((code, vec![column.to_string()])),
    };
    for f in files {
        for col in &f.columns {
            let numbers: Vec<f64> = col.cells.iter().filter_map(|c| base.number(c)).collect();
            let texts: Vec<&str> = col.cells.iter().filter_map(|c| base.text(c)).collect();
            let sentinel = |v: f64| v <= -7.0 && v.fract() == 0.0;
            let negatives: Vec<f64> = numbers.iter().copied().filter(|v| *v < 0.0).collect();
            if !negatives.is_empty()
                && negatives.len() < numbers.len()
                && negatives.iter().all(|v| sentinel(*v))
            {
                for v in negatives {
                    note(number(v), &col.name);
                }
            }
            let mut distinct: Vec<&str> = texts.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let total = numbers.len() + texts.len();
            if !texts.is_empty()
                && distinct.len() <= 3
                && numbers.len() as f64 >= 0.8 * total as f64
            {
                for t in distinct {
                    note(t.to_string(), &col.name);
                }
            }
        }
    }
    let mut all = defaults;
    let mut added = Vec::new();
    let mut notes = Vec::new();
    for (code, cols) in found {
        notes.push(format!(
            "REVIEW: {} looks like a missing-value code (in {}); remove it if it is a real answer",
            code,
            list_capped(&cols)
        ));
        added.push(code.clone());
        all.push(code);
    }
    (Codes::new(&all), added, notes)
}

/// The id column: in every file, never empty, unique in each file.
fn id_column(files: &[DraftFile]) -> Result<String, DraftError> {
    let base = files.first().ok_or(DraftError::NoFiles)?;
    let in_all: Vec<&str> = base
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| files.iter().all(|f| f.column(n).is_some()))
        .collect();
    let usable = |name: &str| {
        files.iter().all(|f| {
            let Some(col) = f.column(name) else {
                return false;
            };
            let mut keys: Vec<String> = Vec::with_capacity(col.cells.len());
            for c in &col.cells {
                match cell_key(c) {
                    Some(k) => keys.push(k),
                    None => return false,
                }
            }
            keys.sort_unstable();
            keys.windows(2).all(|w| w[0] != w[1])
        })
    };
    let rank = |name: &str| {
        let lower = name.to_lowercase();
        ID_NAMES.iter().position(|n| *n == lower).unwrap_or(
            if lower.ends_with("_id") || lower.ends_with("id") {
                ID_NAMES.len()
            } else {
                ID_NAMES.len() + 1
            },
        )
    };
    let mut candidates: Vec<&str> = in_all.iter().copied().filter(|n| usable(n)).collect();
    candidates.sort_by_key(|n| rank(n));
    candidates
        .first()
        .map(|s| s.to_string())
        .ok_or_else(|| DraftError::NoIdColumn {
            files: files
                .iter()
                .map(|f| f.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            columns: list_capped(&in_all),
        })
}

/// A cell as an id or level key (as `analyse` reads ids: the text as written, trimmed).
fn cell_key(c: &DraftCell) -> Option<String> {
    match c {
        DraftCell::Empty => None,
        DraftCell::Number(v) => Some(number(*v)),
        DraftCell::Text(t) => Some(t.clone()),
    }
}

/// `lonely_1` → (`lonely`, 1); `grp2` → (`grp`, 2); `age` → None.
fn stem_of(name: &str) -> Option<(String, u64)> {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 3 {
        return None;
    }
    let (head, tail) = name.split_at(name.len() - digits);
    let stem = head.trim_end_matches(['_', '.', '-', ' ']);
    if stem.is_empty() || !stem.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    Some((stem.to_string(), tail.parse().ok()?))
}

/// Numeric baseline columns grouped by shared stem (two or more items), in header order,
/// items ordered by their number.
fn stems(base: &DraftFile, codes: &Codes) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<(u64, String)>)> = Vec::new();
    for col in &base.columns {
        if !is_numeric(&col.cells, codes) {
            continue;
        }
        let Some((stem, n)) = stem_of(&col.name) else {
            continue;
        };
        match groups.iter_mut().find(|(s, _)| *s == stem) {
            Some((_, items)) => items.push((n, col.name.clone())),
            None => groups.push((stem, vec![(n, col.name.clone())])),
        }
    }
    groups
        .into_iter()
        .filter(|(_, items)| items.len() >= 2)
        .map(|(stem, mut items)| {
            items.sort_by_key(|(n, _)| *n);
            (stem, items.into_iter().map(|(_, name)| name).collect())
        })
        .collect()
}

/// Every non-missing cell is a number, and there is at least one.
fn is_numeric(cells: &[DraftCell], codes: &Codes) -> bool {
    let mut any = false;
    for c in cells {
        if codes.number(c).is_some() {
            any = true;
        } else if codes.text(c).is_some() {
            return false;
        }
    }
    any
}

/// The items a later wave has too: `analyse` refuses a wave holding only some of a scale's
/// items, so an item missing from a wave that has the others is left out of the scale.
fn items_in_every_wave(
    files: &[DraftFile],
    items: &[String],
    left_out: &mut Vec<String>,
) -> Vec<String> {
    let mut keep: Vec<String> = items.to_vec();
    for f in &files[1..] {
        let here: Vec<&String> = keep.iter().filter(|i| f.column(i).is_some()).collect();
        if !here.is_empty() && here.len() < keep.len() {
            let (kept, dropped): (Vec<String>, Vec<String>) =
                keep.iter().cloned().partition(|i| f.column(i).is_some());
            for d in dropped {
                left_out.push(format!(
                    "{d} (not in {} although the rest of its scale is)",
                    f.path.display()
                ));
            }
            keep = kept;
        }
    }
    keep
}

/// What a baseline column outside any scale is, or why it is left out.
fn classify(files: &[DraftFile], codes: &Codes, id: &str, name: &str) -> Result<Kind, String> {
    let base = &files[0];
    let cells = base.column(name).map(|c| &c.cells[..]).unwrap_or(&[]);
    let everywhere: Vec<&DraftCell> = files
        .iter()
        .filter_map(|f| f.column(name))
        .flat_map(|c| c.cells.iter())
        .collect();
    if cells.iter().all(|c| codes.is_missing(c)) {
        return Err("empty at baseline".into());
    }
    if !everywhere.iter().all(|c| codes.text(c).is_none()) {
        let mut levels: Vec<String> = everywhere
            .iter()
            .filter(|c| !codes.is_missing(c))
            .filter_map(|c| cell_key(c))
            .collect();
        sort_levels(&mut levels);
        if levels.len() > MAX_LEVELS {
            return Err(format!(
                "text with {} distinct values: free text or dates, not a category",
                levels.len()
            ));
        }
        return Ok(Kind::Text { levels });
    }
    let repeated = files.len() > 1 && files[1..].iter().any(|f| f.column(name).is_some());
    let conventional = BASELINE_NAMES.contains(&name.to_lowercase().as_str());
    let binary = {
        let mut v: Vec<f64> = everywhere.iter().filter_map(|c| codes.number(c)).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v.len() == 2
    };
    if !repeated || conventional || stable(files, codes, id, name) {
        return Ok(Kind::Numeric { binary });
    }
    Ok(Kind::Construct {
        items: vec![name.to_string()],
        single: true,
    })
}

/// True when at least [`STABLE_SHARE`] of the participants with a value at baseline and in
/// a later wave have the same value in both.
fn stable(files: &[DraftFile], codes: &Codes, id: &str, name: &str) -> bool {
    let values = |f: &DraftFile| -> HashMap<String, f64> {
        let (Some(ids), Some(col)) = (f.column(id), f.column(name)) else {
            return HashMap::new();
        };
        ids.cells
            .iter()
            .zip(&col.cells)
            .filter_map(|(i, c)| Some((cell_key(i)?, codes.number(c)?)))
            .collect()
    };
    let base = values(&files[0]);
    let (mut same, mut matched) = (0usize, 0usize);
    for f in &files[1..] {
        for (k, v) in values(f) {
            if let Some(b) = base.get(&k) {
                matched += 1;
                same += usize::from(*b == v);
            }
        }
    }
    matched > 0 && same as f64 >= STABLE_SHARE * matched as f64
}

/// Numeric codes ascending, then text in string order (the order `analyse` uses).
fn sort_levels(levels: &mut Vec<String>) {
    let key = |s: &String| s.parse::<f64>().ok().filter(|v| v.is_finite());
    levels.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    });
    levels.dedup();
}

fn entry(files: &[DraftFile], codes: &Codes, name: &str, kind: Kind) -> Entry {
    match kind {
        Kind::Construct { items, single } => construct(files, codes, name, items, single),
        kind => {
            let (min, max) = range(files, codes, &[name.to_string()]);
            let waves = waves_with(files, &[name.to_string()]);
            let mut notes = vec![match &kind {
                Kind::Text { levels } => format!(
                    "{name}: text at baseline, {} level(s); a category (dummy-coded against `reference`, default the first level).",
                    levels.len()
                ),
                Kind::Numeric { binary: true } => format!(
                    "{name}: two codes ({}, {}) in the data; a category. Say what the codes mean in `label`.",
                    number(min),
                    number(max)
                ),
                _ => format!(
                    "{name}: numeric, {}–{} in the data; widen min/max to the values it may take.",
                    number(min),
                    number(max)
                ),
            }];
            if waves.len() > 1 {
                notes.push(format!(
                    "Also in {}; analyses use its baseline value.",
                    waves[1..].join(", ")
                ));
            }
            Entry {
                name: name.to_string(),
                column: name.to_string(),
                kind,
                notes,
                min,
                max,
                reverse: Vec::new(),
            }
        }
    }
}

fn construct(
    files: &[DraftFile],
    codes: &Codes,
    stem: &str,
    items: Vec<String>,
    single: bool,
) -> Entry {
    let (min, max) = range(files, codes, &items);
    let waves = waves_with(files, &items);
    let what = if single {
        "one column".to_string()
    } else {
        format!("{} items", items.len())
    };
    let fix = if single {
        "Set min/max to the values it may take."
    } else {
        "Set min/max to the instrument's full range (e.g. 1–7)."
    };
    let notes = vec![format!(
        "{stem}: {what}, measured at {}; values {}–{} in the data. {fix}",
        waves.join(", "),
        number(min),
        number(max)
    )];
    let reverse = if single {
        Vec::new()
    } else {
        reverse_candidates(&files[0], codes, &items)
    };
    Entry {
        name: stem.to_string(),
        column: String::new(),
        kind: Kind::Construct { items, single },
        notes,
        min,
        max,
        reverse,
    }
}

/// Items with a negative item–rest correlation at baseline: (item, r, n).
fn reverse_candidates(
    base: &DraftFile,
    codes: &Codes,
    items: &[String],
) -> Vec<(String, f64, usize)> {
    if items.len() < 3 {
        return Vec::new();
    }
    let columns: Vec<Vec<Option<f64>>> = items
        .iter()
        .map(|i| {
            base.column(i)
                .map(|c| c.cells.iter().map(|x| codes.number(x)).collect())
                .unwrap_or_default()
        })
        .collect();
    let Ok(r) = reliability(items, &columns, 0.95) else {
        return Vec::new();
    };
    r.item_stats
        .iter()
        .filter(|s| s.r_drop < 0.0)
        .map(|s| (s.item.clone(), s.r_drop, r.n))
        .collect()
}

/// Smallest and largest value of the columns over every wave.
fn range(files: &[DraftFile], codes: &Codes, columns: &[String]) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for f in files {
        for c in columns.iter().filter_map(|c| f.column(c)) {
            for v in c.cells.iter().filter_map(|x| codes.number(x)) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    (lo, hi)
}

fn waves_with(files: &[DraftFile], columns: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| columns.iter().any(|c| f.column(c).is_some()))
        .map(|f| wave_label(f.wave))
        .collect()
}

/// Spec names: letters, digits and underscores, unique.
fn name_entries(entries: &mut [Entry]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for e in entries.iter_mut() {
        let mut name: String = e
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if name.trim_matches('_').is_empty() {
            name = "variable".into();
        }
        let n = seen.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            name = format!("{name}_{n}");
        }
        e.name = name;
    }
}

/// A number as TOML writes it: integers without a decimal point.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

/// A TOML string literal (quotes and escapes as TOML needs).
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn quoted_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Comment text on one line (a header name could hold a line break).
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn write_toml(
    files: &[DraftFile],
    summary: &DraftSummary,
    codes: &Codes,
    code_notes: &[String],
    entries: &[Entry],
) -> String {
    let mut t = String::new();
    let w = &mut t;
    let _ = writeln!(
        w,
        "# Study spec drafted by `spcure spec --draft` from {} file(s):",
        files.len()
    );
    for f in files {
        let _ = writeln!(
            w,
            "#   {}: {} ({} rows, {} columns)",
            wave_label(f.wave),
            comment(&f.path.display().to_string()),
            f.rows,
            f.columns.len()
        );
    }
    let _ = writeln!(
        w,
        "# Review it before use, above all the lines marked REVIEW: ranges are the values seen in"
    );
    let _ = writeln!(
        w,
        "# the data (set each scale's full range), names and labels are guesses. Check it with"
    );
    let _ = writeln!(
        w,
        "# `spcure spec --check FILE`; `spcure analyse FILES --spec FILE` runs the analyses that"
    );
    let _ = writeln!(w, "# need no model (descriptives, reliability, correlations, attrition, change across waves).");
    let _ = writeln!(w);
    let _ = writeln!(w, "[study]");
    let _ = writeln!(w, "name = \"Drafted study\"");
    let _ = writeln!(w, "# Never empty and unique within every file.");
    let _ = writeln!(w, "id_column = {}", quoted(&summary.id_column));
    for n in code_notes {
        let _ = writeln!(w, "# {}", comment(n));
    }
    let _ = writeln!(w, "missing_codes = {}", quoted_list(&codes.text));
    let _ = writeln!(w, "min_item_share = 0.5");
    for e in entries {
        let _ = writeln!(w);
        for n in &e.notes {
            let _ = writeln!(w, "# {}", comment(n));
        }
        match &e.kind {
            Kind::Construct { items, single } => {
                let _ = writeln!(w, "[[construct]]");
                let _ = writeln!(w, "name = {}", quoted(&e.name));
                if *single {
                    let _ = writeln!(w, "column = {}", quoted(&items[0]));
                } else {
                    let _ = writeln!(w, "items = {}", quoted_list(items));
                }
                if !e.reverse.is_empty() {
                    for (item, r, n) in &e.reverse {
                        let _ = writeln!(
                            w,
                            "# REVIEW: {} correlates negatively with the rest of the scale at baseline (item–rest r = {:.2}, n = {n}): likely reverse-keyed.",
                            comment(item),
                            r
                        );
                    }
                    let names: Vec<String> = e.reverse.iter().map(|r| r.0.clone()).collect();
                    let _ = writeln!(
                        w,
                        "# If it is worded negatively, keep this line (uncommented):"
                    );
                    let _ = writeln!(w, "# reverse = {}", quoted_list(&names));
                }
                let _ = writeln!(w, "min = {}", number(e.min));
                let _ = writeln!(w, "max = {}", number(e.max));
            }
            Kind::Numeric { binary } => {
                let _ = writeln!(w, "[[covariate]]");
                let _ = writeln!(w, "name = {}", quoted(&e.name));
                let _ = writeln!(w, "column = {}", quoted(&e.column));
                let _ = writeln!(w, "min = {}", number(e.min));
                let _ = writeln!(w, "max = {}", number(e.max));
                if *binary {
                    let _ = writeln!(w, "categorical = true");
                }
            }
            Kind::Text { levels } => {
                let _ = writeln!(w, "[[covariate]]");
                let _ = writeln!(w, "name = {}", quoted(&e.name));
                let _ = writeln!(w, "column = {}", quoted(&e.column));
                let _ = writeln!(w, "categorical = true");
                let _ = writeln!(w, "levels = {}", quoted_list(levels));
            }
        }
    }
    if !summary.left_out.is_empty() {
        let _ = writeln!(w);
        let _ = writeln!(w, "# Columns left out:");
        for l in &summary.left_out {
            let _ = writeln!(w, "#   {}", comment(l));
        }
    }
    write_model(w, files, entries);
    t
}

/// The commented-out `[model]`: the constructs measured at the first two waves, in file order.
fn write_model(w: &mut String, files: &[DraftFile], entries: &[Entry]) {
    let second = files.get(1).map(|f| wave_label(f.wave));
    let repeated: Vec<&str> = entries
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Construct { items, .. } => files
                .get(1)
                .filter(|f| items.iter().any(|i| f.column(i).is_some()))
                .map(|_| e.name.as_str()),
            _ => None,
        })
        .collect();
    let covariates: Vec<String> = entries
        .iter()
        .filter(|e| !matches!(e.kind, Kind::Construct { .. }))
        .map(|e| e.name.clone())
        .collect();
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "# The serial chain X → M1 → … → Mk → Y on change scores (to_wave − from_wave)."
    );
    let _ = writeln!(
        w,
        "# Uncomment it and put the constructs in their causal order; the names below are"
    );
    let _ = writeln!(
        w,
        "# the constructs measured at two waves, in file order, as a placeholder."
    );
    let _ = writeln!(
        w,
        "# Without [model], analyse runs the analyses that need no chain."
    );
    let _ = writeln!(w, "# [model]");
    let (x, mediators, y) = match repeated.as_slice() {
        [x, mid @ .., y] if !mid.is_empty() => (
            x.to_string(),
            mid.iter()
                .take(crate::spec::MAX_MEDIATORS)
                .map(|s| s.to_string())
                .collect(),
            y.to_string(),
        ),
        _ => ("X".to_string(), vec!["M1".to_string()], "Y".to_string()),
    };
    let _ = writeln!(w, "# x = {}", quoted(&x));
    let _ = writeln!(
        w,
        "# mediators = {}   # 1 to {} constructs, in causal order",
        quoted_list(&mediators),
        crate::spec::MAX_MEDIATORS
    );
    let _ = writeln!(w, "# y = {}", quoted(&y));
    let _ = writeln!(w, "# covariates = {}", quoted_list(&covariates));
    let _ = writeln!(w, "# from_wave = \"{}\"", wave_label(files[0].wave));
    let _ = writeln!(
        w,
        "# to_wave = \"{}\"",
        second.unwrap_or_else(|| "T1".into())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_the_name_before_a_trailing_number() {
        assert_eq!(stem_of("lonely_1"), Some(("lonely".into(), 1)));
        assert_eq!(stem_of("grp12"), Some(("grp".into(), 12)));
        assert_eq!(stem_of("wb.3"), Some(("wb".into(), 3)));
        assert_eq!(stem_of("age"), None);
        assert_eq!(stem_of("2024"), None);
        assert_eq!(stem_of("x_20240101"), None);
    }

    #[test]
    fn levels_sort_numbers_first_then_text() {
        let mut l: Vec<String> = ["b", "10", "2", "a", "2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort_levels(&mut l);
        assert_eq!(l, ["2", "10", "a", "b"]);
    }

    #[test]
    fn numbers_are_written_as_toml_reads_them() {
        assert_eq!(number(7.0), "7");
        assert_eq!(number(-9.0), "-9");
        assert_eq!(number(2.5), "2.5");
        for raw in ["a\"b", "c:\\d", "it's"] {
            let t: toml::Table = toml::from_str(&format!("x = {}", quoted(raw))).unwrap();
            assert_eq!(t["x"].as_str(), Some(raw));
        }
    }
}

//! One file holding every wave, split into the per-wave raw tables that `score` consumes.
//!
//! - **long**: an id column and a wave column (`wave`, `time`, `redcap_event_name`, or
//!   `--wave-column` / the spec's `[waves] column`), one row per participant and wave;
//! - **wide**: one row per participant, wave tags as prefixes or suffixes of the column names
//!   (`T0_groups_1`, `groups_1_T0`, `groups_1.t1`, `groups_1_w2`); untagged columns are
//!   baseline (T0) columns, so baseline-only variables stay covariates.
//!
//! Every split table keeps the file's line of each row and the file's column name of each
//! cell, so messages point into the one file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::read::RawWave;
use super::score::Missing;
use super::waves::{label, prefixed_number, waves_in_text};
use super::{list_capped, LoadError, LoadOptions};
use crate::spec::{wave_number, StudySpec};

/// How the waves are laid out in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One file per wave (the wave from each file name, or `--wave`).
    #[default]
    Waves,
    /// One file, one row per participant and wave, with a wave column.
    Long,
    /// One file, one row per participant, wave tags in the column names.
    Wide,
}

/// Which layout was used and how the waves were found, for the load summary.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LayoutSummary {
    pub layout: Layout,
    /// True when the layout was decided from the file (no `--layout`).
    pub detected: bool,
    /// One sentence: the wave column and its values, or the wave tags found.
    pub description: String,
}

/// Wave column names tried in a long file (case-insensitive), in this order.
pub const WAVE_COLUMNS: &[&str] = &["wave", "time", "redcap_event_name"];

fn names(raw: &RawWave) -> Vec<String> {
    raw.frame
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn bad(path: &Path, message: String) -> LoadError {
    LoadError::Layout {
        path: path.to_path_buf(),
        message,
    }
}

/// What one file holds: `None` for a per-wave file (decided by the caller from its name).
pub fn decide(
    raw: &RawWave,
    spec: &StudySpec,
    opts: &LoadOptions,
) -> Result<Option<(Layout, bool)>, LoadError> {
    let cols = names(raw);
    let asked_column = opts
        .wave_column
        .clone()
        .or_else(|| spec.waves.as_ref().and_then(|w| w.column.clone()));
    match opts.layout {
        Some(Layout::Waves) => return Ok(None),
        Some(l) => return Ok(Some((l, false))),
        None => {}
    }
    if asked_column.is_some() || wave_column(&cols, None).is_some() {
        return Ok(Some((Layout::Long, true)));
    }
    let id = spec.study.id_column.as_str();
    let tagged: Vec<u32> = cols
        .iter()
        .filter(|c| c.as_str() != id)
        .filter_map(|c| wave_tag(c).map(|t| t.0))
        .collect();
    if tagged.iter().any(|w| *w > 0) {
        return Ok(Some((Layout::Wide, true)));
    }
    Ok(None)
}

/// The wave column: the one asked for, else the first default name present.
fn wave_column(cols: &[String], asked: Option<&str>) -> Option<String> {
    match asked {
        Some(a) => cols.iter().find(|c| c.as_str() == a).cloned(),
        None => WAVE_COLUMNS
            .iter()
            .find_map(|w| cols.iter().find(|c| c.eq_ignore_ascii_case(w)).cloned()),
    }
}

/// A wave tag: `t1`, `T0`, `w2`, `wave3`, `fu1`, `baseline` (case-insensitive).
fn tag_wave(tag: &str) -> Option<u32> {
    let t = tag.to_lowercase();
    if t == "baseline" {
        return Some(0);
    }
    prefixed_number(&t)
}

/// `(wave, stem)` of a column with a wave tag as prefix (`T0_x`) or suffix (`x_T0`, `x.t1`,
/// `x-w2`), separated by `_`, `.` or `-`.
pub fn wave_tag(name: &str) -> Option<(u32, String)> {
    let seps = ['_', '.', '-'];
    if let Some((head, stem)) = name.split_once(seps) {
        if let (Some(w), false) = (tag_wave(head), stem.is_empty()) {
            return Some((w, stem.to_string()));
        }
    }
    let (stem, tail) = name.rsplit_once(seps)?;
    match (tag_wave(tail), stem.is_empty()) {
        (Some(w), false) => Some((w, stem.to_string())),
        _ => None,
    }
}

/// Wave `wave`'s table: the rows where `keep` is true, the columns `cols` (file names) renamed
/// to `stems`. Its path reads `file.csv (T1)`, so that messages and warnings name the wave.
fn sub_table(
    raw: &RawWave,
    wave: u32,
    keep: &[bool],
    cols: &[String],
    stems: &[String],
) -> Result<RawWave, LoadError> {
    let polars_err = |e: PolarsError| LoadError::Csv {
        path: raw.path.clone(),
        message: e.to_string(),
    };
    let mask = BooleanChunked::from_slice("keep".into(), keep);
    let mut frame = raw
        .frame
        .select(cols.iter().map(|c| c.as_str()))
        .and_then(|f| f.filter(&mask))
        .map_err(polars_err)?;
    frame.set_column_names(stems).map_err(polars_err)?;
    let lines = raw
        .lines
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(l, _)| *l)
        .collect();
    let origin = stems
        .iter()
        .zip(cols)
        .filter(|(s, c)| s != c)
        .map(|(s, c)| (s.clone(), c.clone()))
        .collect();
    Ok(RawWave {
        path: format!("{} ({})", raw.path.display(), label(wave)).into(),
        frame,
        lines,
        delimiter: raw.delimiter,
        decimal: raw.decimal,
        sha256: raw.sha256.clone(),
        warnings: Vec::new(),
        origin,
        data_rows: raw
            .data_rows
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(r, _)| *r)
            .collect(),
    })
}

fn text_cells(raw: &RawWave, name: &str) -> Vec<String> {
    raw.frame
        .column(name)
        .ok()
        .and_then(|c| c.str().ok().cloned())
        .map(|c| {
            c.iter()
                .map(|v| v.map(|s| s.trim().to_string()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

/// Splits a long file by its wave column.
pub fn split_long(
    raw: RawWave,
    spec: &StudySpec,
    opts: &LoadOptions,
) -> Result<(Vec<(u32, RawWave)>, String), LoadError> {
    let path = raw.path.clone();
    let cols = names(&raw);
    let asked = opts
        .wave_column
        .clone()
        .or_else(|| spec.waves.as_ref().and_then(|w| w.column.clone()));
    let column = wave_column(&cols, asked.as_deref()).ok_or_else(|| {
        bad(
            &path,
            match &asked {
                Some(a) => format!("no wave column '{a}'; the columns are: {}. Name the file's wave column with --wave-column NAME", list_capped(&cols)),
                None => format!("a long file needs a wave column ({}), but the file has none; the columns are: {}. Name it with --wave-column NAME, or pass --layout wide or one file per wave", WAVE_COLUMNS.join(", "), list_capped(&cols)),
            },
        )
    })?;
    let values = text_cells(&raw, &column);
    if let Some(row) = values.iter().position(String::is_empty) {
        return Err(bad(
            &path,
            format!(
                "line {}: the wave column '{column}' is empty; every row of a long file needs its wave",
                raw.lines[row]
            ),
        ));
    }
    let mut distinct: Vec<&str> = Vec::new();
    for v in &values {
        if !distinct.contains(&v.as_str()) {
            distinct.push(v);
        }
    }
    let explicit = spec
        .waves
        .as_ref()
        .map(|w| &w.map)
        .filter(|m| !m.is_empty());
    let (map, rule) = match explicit {
        Some(m) => (spec_map(&path, &distinct, m)?, "the spec's [waves] map"),
        None => (wave_values(&distinct).ok_or_else(|| {
            bad(&path, format!(
                "cannot tell which wave each value of column '{column}' is: {}. Use values such as T0, T1 / baseline, followup1 / 0, 1, 2 / REDCap event names (baseline_arm_1, 4_month_followup_arm_1), or map them in the spec, e.g.\n[waves]\nmap = {{ {} }}",
                list_capped(&distinct.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>()),
                distinct.iter().take(3).enumerate().map(|(i, v)| format!("\"{v}\" = \"T{i}\"")).collect::<Vec<_>>().join(", ")
            ))
        })?, "the wave naming rules"),
    };
    let wave_of: Vec<u32> = values.iter().map(|v| map[v.as_str()]).collect();
    if !wave_of.contains(&0) {
        return Err(bad(&path, format!(
            "no baseline rows: the values of the wave column '{column}' are taken as {}; a long file needs its baseline (T0) rows{}",
            distinct.iter().map(|v| format!("{v} → {}", label(map[*v]))).collect::<Vec<_>>().join(", "),
            if explicit.is_some() { "" } else { " (or map the values in the spec's [waves] map)" }
        )));
    }
    repeated_id_waves(&raw, spec, &wave_of)?;
    let keep_cols: Vec<String> = cols.iter().filter(|c| **c != column).cloned().collect();
    let mut waves: Vec<u32> = map.values().copied().collect();
    waves.sort_unstable();
    waves.dedup();
    let mut out = Vec::new();
    for w in waves {
        let keep: Vec<bool> = wave_of.iter().map(|x| *x == w).collect();
        out.push((w, sub_table(&raw, w, &keep, &keep_cols, &keep_cols)?));
    }
    let mapping: Vec<String> = distinct
        .iter()
        .map(|v| format!("{v} → {}", label(map[*v])))
        .collect();
    let description = format!(
        "one long file, wave column '{column}' ({} by {rule})",
        list_capped(&mapping),
    );
    Ok((out, description))
}

/// The spec's `[waves] map`: every value must be listed and name a wave.
fn spec_map(
    path: &Path,
    distinct: &[&str],
    m: &BTreeMap<String, String>,
) -> Result<HashMap<String, u32>, LoadError> {
    let mut out = HashMap::new();
    let unmapped: Vec<&str> = distinct
        .iter()
        .copied()
        .filter(|v| !m.contains_key(*v))
        .collect();
    if !unmapped.is_empty() {
        return Err(bad(path, format!(
            "the wave column holds value(s) that the spec's [waves] map does not list: {}; add them to the map",
            list_capped(&unmapped)
        )));
    }
    for (value, wave) in m {
        let w = wave_number(wave.trim()).ok_or_else(|| {
            bad(path, format!(
                "the spec's [waves] map sends \"{value}\" to \"{wave}\", which is not a wave; use T0, T1, T2, …"
            ))
        })?;
        out.insert(value.clone(), w);
    }
    Ok(out)
}

/// Maps wave values by the file-name rules: all bare integers (0, 1, 2 as they are; 1, 2, 3
/// in order when 0 is absent), else every value naming one wave (T0, wave_1, baseline,
/// followup2), else REDCap-style event names ordered by their time.
pub fn wave_values(distinct: &[&str]) -> Option<HashMap<String, u32>> {
    let ordinal = |keys: Vec<(f64, &str)>| -> Option<HashMap<String, u32>> {
        let mut keys = keys;
        keys.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut out = HashMap::new();
        let mut wave = 0;
        for (i, (k, v)) in keys.iter().enumerate() {
            if i > 0 && *k != keys[i - 1].0 {
                wave += 1;
            }
            out.insert(v.to_string(), wave);
        }
        Some(out)
    };
    let ints: Option<Vec<u32>> = distinct.iter().map(|v| v.parse().ok()).collect();
    if let Some(ints) = ints {
        if ints.contains(&0) {
            return Some(distinct.iter().map(|v| v.to_string()).zip(ints).collect());
        }
        return ordinal(
            ints.iter()
                .map(|i| *i as f64)
                .zip(distinct.iter().copied())
                .collect(),
        );
    }
    let named: Option<Vec<u32>> = distinct
        .iter()
        .map(|v| match waves_in_text(strip_arm(v)).as_slice() {
            [w] => Some(*w),
            _ => None,
        })
        .collect();
    if let Some(named) = named {
        return Some(distinct.iter().map(|v| v.to_string()).zip(named).collect());
    }
    let times: Option<Vec<(f64, &str)>> = distinct
        .iter()
        .map(|v| event_days(v).map(|d| (d, *v)))
        .collect();
    let times = times?;
    // The baseline must come first: an event at time 0.
    times.iter().any(|(d, _)| *d == 0.0).then_some(())?;
    ordinal(times)
}

/// `baseline_arm_1` → `baseline`: REDCap appends the arm to every event name.
fn strip_arm(v: &str) -> &str {
    let lower = v.to_ascii_lowercase();
    match lower.rfind("_arm_") {
        Some(i) if v[i + 5..].chars().all(|c| c.is_ascii_digit()) && i + 5 < v.len() => &v[..i],
        _ => v,
    }
}

/// The time of an event name in days: `baseline`/`screening`/`enrolment` are 0; otherwise a
/// number with a unit (`4_month_followup`, `week_6`, `6m`, `12months`, `1_year`).
fn event_days(v: &str) -> Option<f64> {
    let text = strip_arm(v).to_lowercase();
    let mut tokens: Vec<String> = Vec::new();
    for t in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        // "6m", "12months", "month6": split digits from letters.
        let mut cur = String::new();
        for c in t.chars() {
            if !cur.is_empty()
                && cur.chars().last().is_some_and(|l| l.is_ascii_digit()) != c.is_ascii_digit()
            {
                tokens.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        if !cur.is_empty() {
            tokens.push(cur);
        }
    }
    if tokens.iter().any(|t| {
        matches!(
            t.as_str(),
            "baseline" | "screening" | "enrolment" | "enrollment" | "enrolement" | "bl"
        )
    }) {
        return Some(0.0);
    }
    let unit = |t: &str| -> Option<f64> {
        match t {
            "d" | "day" | "days" => Some(1.0),
            "w" | "wk" | "wks" | "week" | "weeks" => Some(7.0),
            "m" | "mo" | "mon" | "month" | "months" => Some(30.4375),
            "y" | "yr" | "yrs" | "year" | "years" => Some(365.25),
            _ => None,
        }
    };
    for (i, t) in tokens.iter().enumerate() {
        let Ok(n) = t.parse::<f64>() else { continue };
        let next = tokens.get(i + 1).and_then(|u| unit(u));
        let prev = i.checked_sub(1).and_then(|j| unit(&tokens[j]));
        if let Some(days) = next.or(prev) {
            return Some(n * days);
        }
    }
    None
}

/// Refuses a participant with two rows for one wave, listing them.
fn repeated_id_waves(raw: &RawWave, spec: &StudySpec, wave_of: &[u32]) -> Result<(), LoadError> {
    let id_col = spec.study.id_column.as_str();
    let ids = text_cells(raw, id_col);
    if ids.is_empty() {
        return Ok(()); // no id column: `score` reports it with the columns
    }
    let mut first: HashMap<(&str, u32), usize> = HashMap::new();
    let mut repeated = Vec::new();
    for (row, (id, w)) in ids.iter().zip(wave_of).enumerate() {
        if id.is_empty() {
            continue; // `score` reports empty ids with their line
        }
        match first.get(&(id.as_str(), *w)) {
            Some(r) => repeated.push(format!(
                "'{id}' at {} (lines {} and {})",
                label(*w),
                raw.lines[*r],
                raw.lines[row]
            )),
            None => {
                first.insert((id.as_str(), *w), row);
            }
        }
    }
    if repeated.is_empty() {
        return Ok(());
    }
    Err(bad(&raw.path, format!(
        "{} repeated participant × wave row(s) in column '{id_col}': {}; a long file must have one row per participant and wave",
        repeated.len(),
        list_capped(&repeated)
    )))
}

/// Splits a wide file by the wave tags of its columns.
pub fn split_wide(
    raw: RawWave,
    spec: &StudySpec,
) -> Result<(Vec<(u32, RawWave)>, String), LoadError> {
    let path = raw.path.clone();
    let id = spec.study.id_column.clone();
    let cols = names(&raw);
    // wave → [(file column, stem)]
    let mut by_wave: BTreeMap<u32, Vec<(String, String)>> = BTreeMap::new();
    let mut untagged = Vec::new();
    for c in &cols {
        match wave_tag(c).filter(|_| *c != id) {
            Some((w, stem)) => by_wave.entry(w).or_default().push((c.clone(), stem)),
            None if *c != id => untagged.push((c.clone(), c.clone())),
            None => {}
        }
    }
    if !by_wave.keys().any(|w| *w > 0) {
        return Err(bad(&path, format!(
            "a wide file needs columns tagged with a later wave (e.g. groups_1_T1, T1_groups_1, groups_1.t1, groups_1_w2), but none is; the columns are: {}",
            list_capped(&cols)
        )));
    }
    let tags: Vec<String> = by_wave
        .iter()
        .map(|(w, c)| format!("{} ({} columns)", label(*w), c.len()))
        .collect();
    let description = format!(
        "one wide file, wave tags in the column names: {}{}",
        tags.join(", "),
        if untagged.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = untagged.iter().map(|(c, _)| c.as_str()).collect();
            format!(
                "; {} untagged column(s) read as baseline (T0): {}",
                names.len(),
                list_capped(&names)
            )
        }
    );
    let mut base = untagged;
    base.extend(by_wave.remove(&0).unwrap_or_default());
    by_wave.insert(0, base);
    let missing = Missing::from_codes(&spec.study.missing_codes);
    let mut out = Vec::new();
    for (w, columns) in &by_wave {
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for (c, stem) in columns {
            if let Some(other) = seen.insert(stem.as_str(), c.as_str()) {
                return Err(bad(
                    &path,
                    format!(
                        "columns '{other}' and '{c}' are both '{stem}' at {}; keep one of them",
                        label(*w)
                    ),
                ));
            }
        }
        // At baseline every row is a participant; later, a participant is present when
        // any of that wave's cells holds a value (not empty, not a missing code).
        let keep: Vec<bool> = if *w == 0 {
            vec![true; raw.frame.height()]
        } else {
            let mut any = vec![false; raw.frame.height()];
            for (c, _) in columns {
                for (row, v) in text_cells(&raw, c).iter().enumerate() {
                    any[row] |= !missing.is_missing_value(v, raw.decimal);
                }
            }
            any
        };
        let mut file_cols = vec![id.clone()];
        let mut stems = vec![id.clone()];
        for (c, s) in columns {
            file_cols.push(c.clone());
            stems.push(s.clone());
        }
        if !cols.contains(&id) {
            // `score` reports the missing id column with the columns.
            file_cols.remove(0);
            stems.remove(0);
        }
        out.push((*w, sub_table(&raw, *w, &keep, &file_cols, &stems)?));
    }
    Ok((out, description))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wave_tags_as_prefixes_or_suffixes() {
        let t = |n: &str| wave_tag(n);
        assert_eq!(t("T0_groups_1"), Some((0, "groups_1".into())));
        assert_eq!(t("groups_1_T0"), Some((0, "groups_1".into())));
        assert_eq!(t("groups_1.t1"), Some((1, "groups_1".into())));
        assert_eq!(t("groups_1_w2"), Some((2, "groups_1".into())));
        assert_eq!(t("age_baseline"), Some((0, "age".into())));
        assert_eq!(t("lonely-wave3"), Some((3, "lonely".into())));
        for none in ["groups_1", "age", "t1", "hrqol_5", "weight_kg", "T1_"] {
            assert_eq!(t(none), None, "{none}");
        }
    }

    fn mapped(values: &[&str]) -> Option<Vec<u32>> {
        let m = wave_values(values)?;
        Some(values.iter().map(|v| m[*v]).collect())
    }

    #[test]
    fn wave_values_follow_the_file_name_rules() {
        assert_eq!(mapped(&["T0", "T1", "T2"]), Some(vec![0, 1, 2]));
        assert_eq!(mapped(&["baseline", "followup1"]), Some(vec![0, 1]));
        assert_eq!(mapped(&["wave_0", "wave_2"]), Some(vec![0, 2]));
        assert_eq!(mapped(&["0", "1", "2"]), Some(vec![0, 1, 2]));
        assert_eq!(mapped(&["2", "1", "3"]), Some(vec![1, 0, 2]));
        assert_eq!(
            mapped(&[
                "12_month_followup_arm_1",
                "baseline_arm_1",
                "4_month_followup_arm_1",
                "baseline_arm_2"
            ]),
            Some(vec![2, 0, 1, 0])
        );
        assert_eq!(mapped(&["screening", "week_6", "6m"]), Some(vec![0, 1, 2]));
        assert_eq!(mapped(&["pre", "post"]), None);
        assert_eq!(mapped(&["4_month_followup_arm_1"]), None, "no baseline");
    }
}

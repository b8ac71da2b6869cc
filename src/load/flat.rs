//! Flat CSV (one row per participant) for `spcure mediate` and `spcure regress`.
//!
//! Cells are validated as in the wave loader (non-numbers are errors with line, column and
//! value); empty cells and the text codes "NA", "N/A", "." and "NaN" are missing. Numeric
//! codes such as -99 are missing only when named with `--missing-codes`; without it, a column
//! holding a common code far outside its other values gets a warning (see
//! [`suspect_codes`]). Which rows a model keeps is decided in `prepare` (the one sample seam),
//! not here.

use std::path::Path;

use super::decimal::DecimalMark;
use super::read::{read_wave, RawWave};
use super::score::{Ctx, Missing};
use super::{LoadError, Warning};

/// Missing-value codes for flat files.
pub const FLAT_MISSING_CODES: &[&str] = &["NA", "N/A", ".", "NaN"];

/// Numeric values often used to mark a missing answer in survey and registry exports.
pub const COMMON_MISSING_CODES: &[f64] = &[
    -9.0, -99.0, -999.0, -9999.0, -8.0, -88.0, -888.0, -7.0, -77.0, -777.0, 9.0, 99.0, 999.0,
    9999.0, 88.0, 888.0, 98.0, 998.0,
];

/// How to read a flat file: `--decimal` and `--missing-codes`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlatOptions {
    pub decimal: Option<DecimalMark>,
    pub missing_codes: Vec<String>,
}

/// The named columns of a flat file, every row (`None` = missing); `prepare::flat_frame`
/// keeps the complete cases.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatData {
    pub names: Vec<String>,
    /// `[column][row]`.
    pub columns: Vec<Vec<Option<f64>>>,
    pub rows_read: usize,
    pub sha256: String,
    /// What was repaired while reading (UTF-16 transcoded, header names trimmed).
    pub warnings: Vec<Warning>,
}

/// Reads `columns` from a flat CSV, validating every cell.
pub fn read_flat(path: &Path, columns: &[&str], opts: &FlatOptions) -> Result<FlatData, LoadError> {
    Ok(read_flat_labelled(path, columns, None, opts)?.0)
}

/// One text column of a flat file (e.g. a cluster id such as a site name), every row:
/// trimmed, `None` when empty or a missing-value code.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatLabels {
    pub column: String,
    pub values: Vec<Option<String>>,
    /// 1-based file line of each data row (for error messages).
    pub lines: Vec<usize>,
}

/// [`read_flat`] plus, when `labels` names one, a text column read as is (one file read).
pub fn read_flat_labelled(
    path: &Path,
    columns: &[&str],
    labels: Option<&str>,
    opts: &FlatOptions,
) -> Result<(FlatData, Option<FlatLabels>), LoadError> {
    let raw = read_wave(path, opts.decimal)?;
    let wanted: Vec<&str> = columns.iter().copied().chain(labels).collect();
    let columns = &wanted[..columns.len()];
    require_columns(
        &raw,
        path,
        &wanted,
        "Check the names given to --x, --m, --y, --cov or --cluster (they are case-sensitive).",
    )?;
    let mut codes: Vec<String> = FLAT_MISSING_CODES.iter().map(|s| s.to_string()).collect();
    codes.extend(opts.missing_codes.iter().cloned());
    let user = Missing::from_codes(&opts.missing_codes);
    let mut ctx = Ctx {
        raw: &raw,
        missing: Missing::from_codes(&codes),
        problems: Vec::new(),
        total_problems: 0,
    };
    let values: Vec<Vec<Option<f64>>> = columns
        .iter()
        .map(|c| ctx.numeric_column(c, f64::NEG_INFINITY, f64::INFINITY))
        .collect();
    if ctx.total_problems > 0 {
        return Err(LoadError::Cells {
            path: path.to_path_buf(),
            problems: ctx.problems,
            total: ctx.total_problems,
        });
    }
    let labels = labels.map(|name| FlatLabels {
        column: name.to_string(),
        values: ctx
            .text_column(name)
            .into_iter()
            .map(|v| v.filter(|t| !ctx.missing.is_missing(t)))
            .collect(),
        lines: raw.lines.clone(),
    });
    let mut warnings = raw.warnings.clone();
    for (name, new) in columns.iter().zip(&values) {
        let turned = if opts.missing_codes.is_empty() {
            0
        } else {
            user_code_cells(&raw, name, &user)
        };
        if turned > 0 {
            warnings.push(Warning::new(Some(path), format!(
                "column '{name}': {turned} value(s) matching --missing-codes read as missing (those rows are excluded from the model)"
            )));
        }
        if let Some(w) = suspect_codes(name, new, &raw.lines, &user) {
            warnings.push(Warning::new(Some(path), w));
        }
    }
    let data = FlatData {
        names: columns.iter().map(|s| s.to_string()).collect(),
        rows_read: raw.frame.height(),
        columns: values,
        sha256: raw.sha256,
        warnings,
    };
    Ok((data, labels))
}

/// Refuses a file that lacks any of `wanted`, listing the columns it has; `fix` names the
/// command's flags that gave the names.
pub(super) fn require_columns(
    raw: &RawWave,
    path: &Path,
    wanted: &[&str],
    fix: &str,
) -> Result<(), LoadError> {
    let names: Vec<String> = raw
        .frame
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let absent: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|c| !names.iter().any(|n| n == c))
        .collect();
    if absent.is_empty() {
        return Ok(());
    }
    Err(LoadError::MissingColumns {
        path: path.to_path_buf(),
        what: "the command".into(),
        missing: absent.join(", "),
        columns: names.join(", "),
        fix: fix.into(),
    })
}

/// Cells of `name` that are one of the user's `--missing-codes`.
fn user_code_cells(raw: &RawWave, name: &str, user: &Missing) -> usize {
    let Ok(col) = raw.frame.column(name).and_then(|c| c.str().cloned()) else {
        return 0;
    };
    col.iter()
        .flatten()
        .map(str::trim)
        .filter(|v| !v.is_empty() && user.is_missing_value(v, raw.decimal))
        .count()
}

/// A warning when a column holds a common missing-value code ([`COMMON_MISSING_CODES`],
/// not given with `--missing-codes`) beyond the range of its other values (the values that
/// are no such code) by more than twice that range (at least 1): -99 among answers 1–7, or
/// 9 in a 0/1 column, is flagged; 99 among ages 18–90 is not, nor is anything in a column
/// whose values are all codes.
fn suspect_codes(
    name: &str,
    values: &[Option<f64>],
    lines: &[usize],
    user: &Missing,
) -> Option<String> {
    // One pass: the range of the other values and how often each code occurs.
    let code_index = |v: f64| {
        (v.fract() == 0.0 && v.abs() <= 9999.0)
            .then(|| COMMON_MISSING_CODES.iter().position(|c| *c == v))
            .flatten()
    };
    let mut counts = [0usize; 32];
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.iter().flatten() {
        match code_index(*v) {
            Some(k) => counts[k] += 1,
            None => (lo, hi) = (lo.min(*v), hi.max(*v)),
        }
    }
    if !lo.is_finite() {
        return None;
    }
    let margin = 2.0 * (hi - lo).max(1.0);
    let mut found: Vec<(f64, String)> = Vec::new();
    for (k, &code) in COMMON_MISSING_CODES.iter().enumerate() {
        let beyond = code < lo - margin || code > hi + margin;
        if counts[k] == 0 || !beyond || user.is_numeric_code(code) {
            continue;
        }
        let first = values
            .iter()
            .position(|v| *v == Some(code))
            .map_or(0, |i| lines[i]);
        found.push((
            code,
            format!("{code} ({} row(s), first on line {first})", counts[k]),
        ));
    }
    if found.is_empty() {
        return None;
    }
    let listed: Vec<&str> = found.iter().map(|(_, s)| s.as_str()).collect();
    let codes: Vec<String> = found.iter().map(|(c, _)| c.to_string()).collect();
    Some(format!(
        "column '{name}' holds {} far outside its other values ({lo}–{hi}): missing-value code(s)? They are fitted as data; if they mark missing answers, pass --missing-codes={}",
        listed.join(", "),
        codes.join(",")
    ))
}

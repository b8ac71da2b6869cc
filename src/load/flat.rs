//! Flat CSV (one row per participant) for `spcure mediate` and `spcure regress`.
//!
//! Cells are validated as in the wave loader (non-numbers are errors with line, column and
//! value); empty cells and the text codes "NA", "N/A", "." and "NaN" are missing (numeric
//! codes such as -99 are not assumed in flat files). Which rows a model keeps is decided in
//! `prepare` (the one sample seam), not here.

use std::path::Path;

use super::read::read_wave;
use super::score::{Ctx, Missing};
use super::{LoadError, Warning};

/// Missing-value codes for flat files.
pub const FLAT_MISSING_CODES: &[&str] = &["NA", "N/A", ".", "NaN"];

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
pub fn read_flat(path: &Path, columns: &[&str]) -> Result<FlatData, LoadError> {
    Ok(read_flat_labelled(path, columns, None)?.0)
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
) -> Result<(FlatData, Option<FlatLabels>), LoadError> {
    let raw = read_wave(path)?;
    let wanted: Vec<&str> = columns.iter().copied().chain(labels).collect();
    let columns = &wanted[..columns.len()];
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
    if !absent.is_empty() {
        return Err(LoadError::MissingColumns {
            path: path.to_path_buf(),
            what: "the command".into(),
            missing: absent.join(", "),
            columns: names.join(", "),
            fix: "Check the names given to --x, --m, --y, --cov or --cluster (they are \
                  case-sensitive)."
                .into(),
        });
    }
    let codes: Vec<String> = FLAT_MISSING_CODES.iter().map(|s| s.to_string()).collect();
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
    let data = FlatData {
        names: columns.iter().map(|s| s.to_string()).collect(),
        rows_read: raw.frame.height(),
        columns: values,
        sha256: raw.sha256,
        warnings: raw.warnings,
    };
    Ok((data, labels))
}

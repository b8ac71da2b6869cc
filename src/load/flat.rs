//! Flat CSV (one row per participant) for `spcure mediate` and `spcure regress`.
//!
//! Cells are validated as in the wave loader (non-numbers are errors with line, column and
//! value); empty cells and the text codes "NA", "N/A", "." and "NaN" (numeric codes such as -99 are not assumed in flat files)
//! are missing, and rows with any missing value in the named columns are left out
//! (listwise, as PROCESS) and counted.

use std::path::Path;

use super::read::read_wave;
use super::score::{Ctx, Missing};
use super::{LoadError, Warning};
use crate::prepare::Exclusion;

/// Missing-value codes for flat files.
pub const FLAT_MISSING_CODES: &[&str] = &["NA", "N/A", ".", "NaN"];

/// The named columns, complete cases only.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatData {
    pub names: Vec<String>,
    /// `[column][case]`.
    pub columns: Vec<Vec<f64>>,
    pub rows_read: usize,
    pub exclusions: Vec<Exclusion>,
    pub sha256: String,
    /// What was repaired while reading (UTF-16 transcoded, header names trimmed).
    pub warnings: Vec<Warning>,
}

impl FlatData {
    pub fn n(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }
    pub fn column(&self, name: &str) -> &[f64] {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .expect("column was requested");
        &self.columns[i]
    }
}

/// Reads `columns` from a flat CSV, dropping rows with a missing value (counted per column).
pub fn read_flat(path: &Path, columns: &[&str]) -> Result<FlatData, LoadError> {
    let raw = read_wave(path)?;
    let names: Vec<String> = raw
        .frame
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let absent: Vec<&str> = columns
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
            fix: "Check the names given to --x, --m, --y or --cov (they are case-sensitive)."
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
    let rows = raw.frame.height();
    let mut exclusions: Vec<Exclusion> = Vec::new();
    let mut out = vec![Vec::with_capacity(rows); columns.len()];
    for i in 0..rows {
        match values.iter().position(|col| col[i].is_none()) {
            Some(c) => {
                let reason = format!("missing {}", columns[c]);
                match exclusions.iter_mut().find(|e| e.reason == reason) {
                    Some(e) => e.count += 1,
                    None => exclusions.push(Exclusion { reason, count: 1 }),
                }
            }
            None => {
                for (col, v) in out.iter_mut().zip(&values) {
                    col.push(v[i].expect("checked"));
                }
            }
        }
    }
    Ok(FlatData {
        names: columns.iter().map(|s| s.to_string()).collect(),
        columns: out,
        rows_read: rows,
        exclusions,
        sha256: raw.sha256,
        warnings: raw.warnings,
    })
}

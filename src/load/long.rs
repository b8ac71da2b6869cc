//! Long CSV (one row per participant and wave) for `spcure mixed`.
//!
//! Cells are validated as in [`super::read_flat`]: numeric columns must hold numbers (or a
//! missing-value code, see [`FLAT_MISSING_CODES`]); text columns (id, wave, group) are kept as
//! trimmed text with missing codes as `None`. How rows become participants is decided by the
//! command, which reports every row it cannot use.

use std::path::Path;

use super::flat::{require_columns, FLAT_MISSING_CODES};
use super::read::read_wave;
use super::score::{Ctx, Missing};
use super::{LoadError, Warning};

#[derive(Debug, Clone, PartialEq)]
pub struct LongData {
    /// `[column][row]`, in the order of the text columns asked for.
    pub text: Vec<Vec<Option<String>>>,
    /// `[column][row]`, in the order of the numeric columns asked for.
    pub numeric: Vec<Vec<Option<f64>>>,
    /// 1-based file line of each data row.
    pub lines: Vec<usize>,
    pub sha256: String,
    pub warnings: Vec<Warning>,
}

impl LongData {
    pub fn rows(&self) -> usize {
        self.lines.len()
    }
}

/// Reads the named text and numeric columns of a long CSV, validating every numeric cell.
pub fn read_long(path: &Path, text: &[&str], numeric: &[&str]) -> Result<LongData, LoadError> {
    let raw = read_wave(path, None)?;
    let wanted: Vec<&str> = text.iter().chain(numeric).copied().collect();
    require_columns(
        &raw,
        path,
        &wanted,
        "Check the names given to --id, --time, --y, --group or --cov (they are case-sensitive).",
    )?;
    let codes: Vec<String> = FLAT_MISSING_CODES.iter().map(|s| s.to_string()).collect();
    let mut ctx = Ctx {
        raw: &raw,
        missing: Missing::from_codes(&codes),
        problems: Vec::new(),
        total_problems: 0,
    };
    let text_cols = text
        .iter()
        .map(|c| {
            ctx.text_column(c)
                .into_iter()
                .map(|v| v.filter(|s| !s.is_empty() && !FLAT_MISSING_CODES.contains(&s.as_str())))
                .collect()
        })
        .collect();
    let numeric_cols = numeric
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
    Ok(LongData {
        text: text_cols,
        numeric: numeric_cols,
        lines: raw.lines.clone(),
        sha256: raw.sha256.clone(),
        warnings: raw.warnings.clone(),
    })
}

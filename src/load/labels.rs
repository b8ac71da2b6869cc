//! A text column of a flat CSV (participant ids, cluster labels), for `regress --id`.

use std::path::Path;

use super::read::read_wave;
use super::{LoadError, FLAT_MISSING_CODES};

/// The cells of `column`, trimmed; empty cells and the flat missing codes are `None`.
pub fn read_flat_labels(path: &Path, column: &str) -> Result<Vec<Option<String>>, LoadError> {
    let raw = read_wave(path)?;
    let missing = || {
        let names: Vec<String> = raw
            .frame
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        LoadError::MissingColumns {
            path: path.to_path_buf(),
            what: "the command".into(),
            missing: column.to_string(),
            columns: names.join(", "),
            fix: "Check the name given to --id (names are case-sensitive).".into(),
        }
    };
    let col = raw.frame.column(column).map_err(|_| missing())?;
    let text = col.str().map_err(|_| missing())?;
    Ok(text
        .iter()
        .map(|v| {
            v.map(str::trim)
                .filter(|s| !s.is_empty() && !FLAT_MISSING_CODES.contains(s))
                .map(str::to_string)
        })
        .collect())
}

//! Every column of a wave file as plain cells, for `spcure spec --draft` (which must see the
//! columns before any spec exists). The file is read by the same reader as `analyse`, and
//! numbers are parsed by the same rule (a decimal comma in a file not delimited by commas), so
//! the draft describes the data exactly as `analyse` will read it.

use std::path::PathBuf;

use super::decimal::parse_number;
use super::read::read_wave;
use super::{LoadError, WaveFile};

/// One cell as written: empty, a number, or other text (trimmed). Missing-value codes are
/// not applied here: the drafter decides which codes the data use.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftCell {
    Empty,
    Number(f64),
    Text(String),
}

/// One column of a file, every row in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftColumn {
    pub name: String,
    pub cells: Vec<DraftCell>,
}

/// One wave file as plain columns.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftFile {
    pub wave: u32,
    pub path: PathBuf,
    pub rows: usize,
    pub columns: Vec<DraftColumn>,
}

impl DraftFile {
    pub fn column(&self, name: &str) -> Option<&DraftColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Reads every column of one wave file.
pub fn read_draft_columns(file: &WaveFile) -> Result<DraftFile, LoadError> {
    let raw = read_wave(&file.path, None)?;
    let mut columns = Vec::with_capacity(raw.frame.width());
    for col in raw.frame.columns() {
        let text = col.str().map_err(|e| LoadError::Csv {
            path: file.path.clone(),
            message: format!("column '{}' was not read as text ({e})", col.name()),
        })?;
        let cells = text
            .iter()
            .map(|v| match v.map(str::trim) {
                None | Some("") => DraftCell::Empty,
                Some(s) => match parse_number(s, raw.decimal) {
                    Some(x) => DraftCell::Number(x),
                    None => DraftCell::Text(s.to_string()),
                },
            })
            .collect();
        columns.push(DraftColumn {
            name: col.name().to_string(),
            cells,
        });
    }
    Ok(DraftFile {
        wave: file.wave,
        path: file.path.clone(),
        rows: raw.frame.height(),
        columns,
    })
}

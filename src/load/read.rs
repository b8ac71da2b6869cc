//! Reads one wave file into a Polars frame of text columns.
//!
//! Real survey exports vary, so before Polars parses the bytes this step removes a UTF-8
//! byte-order mark, normalises CRLF/CR line ends, drops blank lines (remembering the file
//! line of every data row, for error messages) and detects the delimiter (comma, semicolon
//! or tab) from the header. All columns are read as text; typed parsing happens in
//! `score`, where each bad cell can be reported with its row, column and value.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::LoadError;

/// A wave file as read, before validation.
pub struct RawWave {
    pub path: PathBuf,
    /// Every column as text (nulls for empty cells).
    pub frame: DataFrame,
    /// 1-based file line of each data row.
    pub lines: Vec<usize>,
    pub delimiter: u8,
    /// SHA-256 of the file's bytes, for the methods section.
    pub sha256: String,
}

/// Reads and parses `path`.
pub fn read_wave(path: &Path) -> Result<RawWave, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let sha256 = sha256_hex(&bytes);
    let text = decode(path, &bytes)?;
    let records = records(&text);
    if records.is_empty() {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    if records.len() == 1 {
        return Err(LoadError::HeaderOnly {
            path: path.to_path_buf(),
        });
    }
    let delimiter = detect_delimiter(records[0].1);
    let mut clean = String::with_capacity(text.len());
    for (_, rec) in &records {
        clean.push_str(rec);
        clean.push('\n');
    }
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|o| o.with_separator(delimiter))
        .into_reader_with_file_handle(Cursor::new(clean.into_bytes()))
        .finish()
        .map_err(|e| LoadError::Csv {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let lines: Vec<usize> = records[1..].iter().map(|(line, _)| *line).collect();
    if frame.height() != lines.len() {
        return Err(LoadError::Csv {
            path: path.to_path_buf(),
            message: format!(
                "found {} data rows but parsed {}; check quoting",
                lines.len(),
                frame.height()
            ),
        });
    }
    Ok(RawWave {
        path: path.to_path_buf(),
        frame,
        lines,
        delimiter,
        sha256,
    })
}

/// Text of the file without a UTF-8 BOM; UTF-16 and invalid UTF-8 are refused with the fix.
fn decode(path: &Path, bytes: &[u8]) -> Result<String, LoadError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(LoadError::Encoding {
            path: path.to_path_buf(),
            message: "the file is UTF-16; save it as UTF-8 (CSV UTF-8 in Excel)".into(),
        });
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8(body.to_vec()).map_err(|e| LoadError::Encoding {
        path: path.to_path_buf(),
        message: format!(
            "byte {} is not valid UTF-8 (a Latin-1 or Windows-1252 export?); save the file as UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Splits text into records (respecting quoted line breaks), with the 1-based line each
/// starts on. CRLF and lone CR end a line; blank records are dropped.
fn records(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let (mut start, mut line, mut start_line, mut in_quotes) = (0, 1, 1, false);
    let mut i = 0;
    while i <= bytes.len() {
        let b = bytes.get(i).copied();
        match b {
            Some(b'"') => in_quotes = !in_quotes,
            Some(b'\n') | Some(b'\r') | None if !in_quotes || b.is_none() => {
                let rec = &text[start..i];
                if !rec.trim().is_empty() {
                    out.push((start_line, rec));
                }
                if b == Some(b'\r') && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                line += 1;
                start = i + 1;
                start_line = line;
            }
            Some(b'\n') => line += 1,
            _ => {}
        }
        i += 1;
    }
    out
}

/// The most frequent of comma, semicolon and tab outside quotes in the header.
fn detect_delimiter(header: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut in_quotes = false;
    for b in header.bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            if let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
                c.1 += 1;
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_file_lines_and_skip_blank_lines() {
        let recs = records("id,a\r\n1,2\r\n\r\n3,\"x\ny\"\r\n4,5\n\n\n");
        let lines: Vec<usize> = recs.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 2, 4, 6]);
        assert_eq!(recs[2].1, "3,\"x\ny\"");
    }

    #[test]
    fn delimiter_detection_ignores_quoted_separators() {
        assert_eq!(detect_delimiter("id;\"a,b\";c"), b';');
        assert_eq!(detect_delimiter("id\tx\ty"), b'\t');
        assert_eq!(detect_delimiter("id,x,y"), b',');
        assert_eq!(detect_delimiter("id"), b',');
    }
}

//! Reads one wave file into a Polars frame of text columns.
//!
//! Real survey exports vary, so before Polars parses the bytes this step checks and normalises
//! them itself, so that every problem can be reported with its line:
//! - encoding: UTF-8 (a byte-order mark is removed) or UTF-16 (detected by its byte-order mark
//!   or its NUL-byte pattern, transcoded, with a warning); anything else is refused with the
//!   first line that is not UTF-8;
//! - Excel's `sep=;` first line is skipped and names the delimiter; otherwise the delimiter
//!   (comma, semicolon or tab) is detected from the header;
//! - records are split with RFC 4180 quoting (CRLF, CR or LF line ends; blank lines dropped,
//!   the file line of every data row kept); a stray or unclosed quote is refused;
//! - header names are trimmed (with a warning); an empty or repeated name is refused;
//! - every data line must have as many fields as the header (a trailing delimiter on both the
//!   header and the data lines is accepted and the empty last column dropped).
//!
//! Only then does Polars parse the records, every column as text; typed parsing happens in
//! `score`, where each bad cell can be reported with its row, column and value.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::decimal::{self, DecimalMark};
use super::{list_capped, LoadError, Warning, MAX_LISTED};

/// A wave file as read, before validation.
pub struct RawWave {
    pub path: PathBuf,
    /// Every column as text (nulls for empty cells).
    pub frame: DataFrame,
    /// 1-based file line of each data row.
    pub lines: Vec<usize>,
    pub delimiter: u8,
    /// The file's decimal mark (detected, or `--decimal`).
    pub decimal: DecimalMark,
    /// SHA-256 of the file's bytes, for the methods section.
    pub sha256: String,
    /// What was repaired while reading (UTF-16 transcoded, header names trimmed).
    pub warnings: Vec<Warning>,
    /// Columns renamed when a long or wide file was split: (name here, name in the file).
    pub origin: Vec<(String, String)>,
    /// 1-based data row of each row in the file (the header not counted).
    pub data_rows: Vec<usize>,
}

/// Reads and parses `path`; `decimal` is the user's `--decimal` (detected when `None`).
pub fn read_wave(path: &Path, decimal: Option<DecimalMark>) -> Result<RawWave, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let sha256 = sha256_hex(&bytes);
    let mut warnings = Vec::new();
    let text = decode(path, &bytes, &mut warnings)?;
    let (sep, from, first_line) = sep_line(path, &text)?;
    let delimiter = sep.unwrap_or_else(|| {
        detect_delimiter(
            text[from..]
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(""),
        )
    });
    let mut scanner = Scanner {
        text: &text,
        pos: from,
        line: first_line,
        delimiter,
    };
    let quote_error = |e: QuoteProblem, header: Option<&[String]>| {
        let at = match header.and_then(|h| h.get(e.field)) {
            Some(name) => format!("column '{name}'"),
            None => format!("field {}", e.field + 1),
        };
        let (problem, fix) = match e.kind {
            QuoteKind::Stray => (
                format!("a stray double quote in the value {}", e.value),
                "a value with quotes in it must be quoted as a whole, with each inner quote doubled (e.g. \"5'10\"\"\"); or remove the quote".to_string(),
            ),
            QuoteKind::RunsOn { to_line } => (
                format!("the double quote that opens the value {} is not closed on this line, so the value runs on to line {to_line}", e.value),
                "add the missing closing quote, or remove the opening one".to_string(),
            ),
            QuoteKind::Unclosed => (
                format!("the double quote that opens the value {} is never closed (the value would run to the end of the file)", e.value),
                "add the missing closing quote, or remove the opening one".to_string(),
            ),
        };
        LoadError::Quote {
            path: path.to_path_buf(),
            line: e.line,
            at,
            problem,
            fix,
        }
    };
    let header = match scanner.next_record().map_err(|e| quote_error(e, None))? {
        Some(h) => h,
        None => {
            return Err(LoadError::Empty {
                path: path.to_path_buf(),
            })
        }
    };
    let (names, trailing) =
        header_names(path, &text[header.start..header.end], &header, delimiter)?;
    let trimmed: Vec<String> = split_fields(&text[header.start..header.end], delimiter)
        .iter()
        .zip(&names)
        .filter(|(raw, name)| raw.as_str() != name.as_str())
        .map(|(raw, name)| format!("'{raw}' → '{name}'"))
        .collect();
    if !trimmed.is_empty() {
        warnings.push(Warning::new(
            Some(path),
            format!(
                "removed spaces around {} column name(s) in the header: {}",
                trimmed.len(),
                list_capped(&trimmed)
            ),
        ));
    }
    let named = names.len() - usize::from(trailing);
    let mut data: Vec<Record> = Vec::new();
    let mut ragged: Vec<String> = Vec::new();
    let (mut short, mut long_trailing, mut long) = (false, false, false);
    let mut n_ragged = 0;
    while let Some(rec) = scanner
        .next_record()
        .map_err(|e| quote_error(e, Some(&names)))?
    {
        let fits = rec.fields == named || (trailing && rec.fields == named + 1 && rec.last_empty);
        if !fits {
            n_ragged += 1;
            let note = if rec.fields < named {
                short = true;
                String::new()
            } else if rec.fields == named + 1 && rec.last_empty {
                long_trailing = true;
                format!(
                    " (the line ends with a delimiter '{}')",
                    delimiter_name(delimiter)
                )
            } else {
                long = true;
                if delimiter == b',' {
                    " (a comma inside a value, e.g. a decimal comma as in 3,5?)".to_string()
                } else {
                    String::new()
                }
            };
            let spans = if rec.end_line > rec.line {
                format!(
                    " (the record runs on to line {}: an unbalanced quote?)",
                    rec.end_line
                )
            } else {
                String::new()
            };
            if ragged.len() < MAX_LISTED {
                ragged.push(format!(
                    "\n  line {}: expected {named} fields, found {}{note}{spans}",
                    rec.line, rec.fields
                ));
            }
        }
        data.push(rec);
    }
    if data.is_empty() {
        return Err(LoadError::HeaderOnly {
            path: path.to_path_buf(),
        });
    }
    if n_ragged > 0 {
        let mut lines = ragged.concat();
        if n_ragged > ragged.len() {
            lines.push_str(&format!("\n  … and {} more", n_ragged - ragged.len()));
        }
        let mut fix = Vec::new();
        if short {
            fix.push(format!("A line with fewer fields has lost values or delimiters: export the file again, or restore the missing delimiters (an empty cell is nothing between two delimiters, e.g. 1{d}{d}3).", d = delimiter_name(delimiter)));
        }
        if long_trailing {
            fix.push("A line that ends with a delimiter has an extra empty field: remove the delimiter at the end of those lines.".to_string());
        }
        if long {
            fix.push(if delimiter == b',' {
                "A line with more fields has a delimiter inside a value: put such values in double quotes (\"3,5\"), or use a decimal point (3.5).".to_string()
            } else {
                "A line with more fields has a delimiter inside a value: put such values in double quotes.".to_string()
            });
        }
        return Err(LoadError::FieldCount {
            path: path.to_path_buf(),
            expected: named,
            header_line: header.line,
            total: n_ragged,
            lines,
            fix: fix.join(" "),
        });
    }
    let mut clean = String::with_capacity(text.len());
    for rec in &data {
        clean.push_str(&text[rec.start..rec.end]);
        clean.push('\n');
    }
    // Polars sees only the data records, with our names: the header is already checked.
    let schema: Schema = names
        .iter()
        .map(|n| Field::new(n.as_str().into(), DataType::String))
        .collect();
    let mut frame = CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(schema)))
        .map_parse_options(|o| o.with_separator(delimiter))
        .into_reader_with_file_handle(Cursor::new(clean.into_bytes()))
        .finish()
        .map_err(|e| LoadError::Csv {
            path: path.to_path_buf(),
            message: polars_message(&e),
        })?;
    if trailing {
        // The unnamed, empty last column (its name is "", unique among checked names).
        frame.drop_in_place("").map_err(|e| LoadError::Csv {
            path: path.to_path_buf(),
            message: polars_message(&e),
        })?;
    }
    let lines: Vec<usize> = data.iter().map(|r| r.line).collect();
    if frame.height() != lines.len() {
        return Err(LoadError::Csv {
            path: path.to_path_buf(),
            message: format!(
                "found {} data rows but the CSV parser read {}; check the quoting in the file",
                lines.len(),
                frame.height()
            ),
        });
    }
    let decimal = decimal::detect(path, &frame, &lines, delimiter, decimal)?;
    warnings.extend(decimal::warning(path, &decimal));
    Ok(RawWave {
        path: path.to_path_buf(),
        frame,
        data_rows: (1..=lines.len()).collect(),
        lines,
        delimiter,
        decimal: decimal.mark,
        sha256,
        warnings,
        origin: Vec::new(),
    })
}

/// A Polars error without its advice for Python users (should the parser fail after our
/// checks): its first line only.
fn polars_message(e: &PolarsError) -> String {
    let text = e.to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error");
    format!("{first}; check the file's delimiters and quoting, or export it again")
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        d => (d as char).to_string(),
    }
}

/// The header's names, trimmed, and whether the header ends with a delimiter (an empty last
/// name, dropped with its column when every data line also ends with one). Empty and repeated
/// names are refused.
fn header_names(
    path: &Path,
    raw: &str,
    header: &Record,
    delimiter: u8,
) -> Result<(Vec<String>, bool), LoadError> {
    let names: Vec<String> = split_fields(raw, delimiter)
        .iter()
        .map(|n| n.trim().to_string())
        .collect();
    let trailing = names.len() > 1 && names.last().is_some_and(|n| n.is_empty());
    let checked = &names[..names.len() - usize::from(trailing)];
    if let Some(i) = checked.iter().position(|n| n.is_empty()) {
        return Err(LoadError::UnnamedColumn {
            path: path.to_path_buf(),
            line: header.line,
            position: i + 1,
        });
    }
    let mut repeated: Vec<String> = Vec::new();
    for (i, name) in checked.iter().enumerate() {
        if checked[..i].contains(name) {
            continue;
        }
        let at: Vec<String> = checked
            .iter()
            .enumerate()
            .filter(|(_, n)| *n == name)
            .map(|(j, _)| (j + 1).to_string())
            .collect();
        if at.len() > 1 {
            let (last, rest) = at.split_last().expect("two or more");
            repeated.push(format!("'{name}' (columns {} and {last})", rest.join(", ")));
        }
    }
    if !repeated.is_empty() {
        return Err(LoadError::DuplicateColumns {
            path: path.to_path_buf(),
            line: header.line,
            list: list_capped(&repeated),
        });
    }
    Ok((names, trailing))
}

/// Text of the file: UTF-8 without its BOM, or UTF-16 transcoded (with a warning). Other
/// encodings, spreadsheets and binary files are refused with the line and the fix.
fn decode(path: &Path, bytes: &[u8], warnings: &mut Vec<Warning>) -> Result<String, LoadError> {
    let refuse = |message: String| LoadError::Encoding {
        path: path.to_path_buf(),
        message,
    };
    const SAVE: &str = "save it as UTF-8 (Excel: Save As › CSV UTF-8; LibreOffice: character set Unicode (UTF-8); R: write.csv(..., fileEncoding = \"UTF-8\"))";
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(refuse(
            "this is a spreadsheet workbook (.xlsx/.xls), not a CSV; open it and use Save As › CSV UTF-8".into(),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(refuse(format!("the file is UTF-32; {SAVE}")));
    }
    if let Some(little) = utf16_order(bytes) {
        let order = if little {
            "little-endian"
        } else {
            "big-endian"
        };
        let units = bytes.chunks(2).map(|c| match (c, little) {
            ([a, b], true) => u16::from_le_bytes([*a, *b]),
            ([a, b], false) => u16::from_be_bytes([*a, *b]),
            // A dangling last byte: not a valid code unit.
            _ => 0xDC00,
        });
        let mut text = String::with_capacity(bytes.len() / 2);
        for c in char::decode_utf16(units) {
            match c {
                Ok(c) => text.push(c),
                Err(_) => {
                    return Err(refuse(format!(
                    "the file looks like UTF-16 ({order}), but line {} is not valid UTF-16; {SAVE}",
                    line_count(text.as_bytes(), text.len())
                )))
                }
            }
        }
        warnings.push(Warning::new(
            Some(path),
            format!("the file is UTF-16 ({order}) and was read as such; saving it as UTF-8 (Excel: CSV UTF-8) avoids surprises in other tools"),
        ));
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        return Ok(text);
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Some(nul) = body.iter().position(|b| *b == 0) {
        return Err(refuse(format!(
            "line {} holds a NUL byte: this is not a UTF-8 text file (UTF-16 or UTF-32 text, or a binary file?); {SAVE}",
            line_count(body, nul)
        )));
    }
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = line_count(body, at);
            let line_start = body[..at]
                .iter()
                .rposition(|b| *b == b'\n' || *b == b'\r')
                .map_or(0, |i| i + 1);
            let line_end = body[at..]
                .iter()
                .position(|b| *b == b'\n' || *b == b'\r')
                .map_or(body.len(), |i| at + i);
            let other_lines = body[line_end..]
                .split(|b| *b == b'\n' || *b == b'\r')
                .filter(|l| std::str::from_utf8(l).is_err())
                .count();
            let excerpt: String = String::from_utf8_lossy(&body[line_start..line_end])
                .chars()
                .take(60)
                .collect();
            Err(refuse(format!(
                "line {line} is not valid UTF-8 (byte 0x{:02X} in \"{excerpt}\"){}: the file is in another encoding (Latin-1 or Windows-1252?); {SAVE}",
                body[at],
                match other_lines {
                    0 => String::new(),
                    n => format!(", nor are {n} later line(s)"),
                }
            )))
        }
    }
}

/// `Some(true)` for UTF-16 little-endian, `Some(false)` for big-endian: by the byte-order mark,
/// or, without one, by NUL bytes in every other position (ASCII text in UTF-16).
fn utf16_order(bytes: &[u8]) -> Option<bool> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Some(true);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Some(false);
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let pairs = sample.len() / 2;
    if pairs == 0 {
        return None;
    }
    let nuls_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (nuls_at(0), nuls_at(1));
    if odd * 2 >= pairs && even * 8 < odd {
        Some(true)
    } else if even * 2 >= pairs && odd * 8 < even {
        Some(false)
    } else {
        None
    }
}

/// 1-based line of byte `at` (CRLF, CR and LF each end a line).
fn line_count(bytes: &[u8], at: usize) -> usize {
    let head = &bytes[..at.min(bytes.len())];
    1 + head
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && head.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Excel's `sep=;` first line: the delimiter it names, and where the header starts (byte, line).
fn sep_line(path: &Path, text: &str) -> Result<(Option<u8>, usize, usize), LoadError> {
    let end = text.find(['\n', '\r']).unwrap_or(text.len());
    let first = text[..end].trim_matches(|c| c == ' ' || c == '"');
    let Some(value) = first
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("sep="))
        .map(|_| &first[4..])
    else {
        return Ok((None, 0, 1));
    };
    let from = match text[end..].strip_prefix("\r\n") {
        Some(_) => end + 2,
        None => (end + 1).min(text.len()),
    };
    match value.as_bytes() {
        [d] if *d != b'"' && d.is_ascii() && !d.is_ascii_alphanumeric() => Ok((Some(*d), from, 2)),
        _ => Err(LoadError::Encoding {
            path: path.to_path_buf(),
            message: format!(
                "line 1 ('{}') names a delimiter spcure cannot use; delete that line and use a comma, semicolon or tab",
                &text[..end]
            ),
        }),
    }
}

/// One record: the line it starts on, its byte range, its field count.
struct Record {
    line: usize,
    end_line: usize,
    start: usize,
    end: usize,
    fields: usize,
    last_empty: bool,
}

enum QuoteKind {
    /// A quote inside an unquoted value, or text after a closing quote.
    Stray,
    /// A quoted value closes on a later line and is followed by text: an unbalanced quote.
    RunsOn { to_line: usize },
    /// A quoted value that never closes.
    Unclosed,
}

struct QuoteProblem {
    line: usize,
    /// 0-based field index in the record.
    field: usize,
    /// The value, shortened and quoted for a message.
    value: String,
    kind: QuoteKind,
}

/// Splits text into RFC 4180 records, one at a time, keeping file lines.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    delimiter: u8,
}

impl Scanner<'_> {
    /// The next non-blank record, or `None` at the end of the text.
    fn next_record(&mut self) -> Result<Option<Record>, QuoteProblem> {
        let b = self.text.as_bytes();
        let d = self.delimiter;
        while self.pos < b.len() {
            let (start, line) = (self.pos, self.line);
            let mut i = start;
            let mut fields = 1;
            let mut last_empty;
            loop {
                let field_start = i;
                let field_line = self.line;
                if b.get(i) == Some(&b'"') {
                    i += 1;
                    loop {
                        match b.get(i) {
                            None => {
                                return Err(QuoteProblem {
                                    line: field_line,
                                    field: fields - 1,
                                    value: self.excerpt(field_start, field_start),
                                    kind: QuoteKind::Unclosed,
                                })
                            }
                            Some(b'"') if b.get(i + 1) == Some(&b'"') => i += 2,
                            Some(b'"') => {
                                i += 1;
                                break;
                            }
                            Some(b'\r') => {
                                if b.get(i + 1) != Some(&b'\n') {
                                    self.line += 1;
                                }
                                i += 1;
                            }
                            Some(b'\n') => {
                                self.line += 1;
                                i += 1;
                            }
                            Some(_) => i += 1,
                        }
                    }
                    match b.get(i) {
                        None | Some(b'\n') | Some(b'\r') => {}
                        Some(c) if *c == d => {}
                        Some(_) => {
                            let kind = if self.line > field_line {
                                QuoteKind::RunsOn { to_line: self.line }
                            } else {
                                QuoteKind::Stray
                            };
                            return Err(QuoteProblem {
                                line: field_line,
                                field: fields - 1,
                                value: self.excerpt(field_start, i),
                                kind,
                            });
                        }
                    }
                    last_empty = i == field_start + 2;
                } else {
                    while let Some(&c) = b.get(i) {
                        if c == d || c == b'\n' || c == b'\r' {
                            break;
                        }
                        if c == b'"' {
                            return Err(QuoteProblem {
                                line: field_line,
                                field: fields - 1,
                                value: self.excerpt(field_start, i),
                                kind: QuoteKind::Stray,
                            });
                        }
                        i += 1;
                    }
                    last_empty = self.text[field_start..i].trim().is_empty();
                }
                if b.get(i) == Some(&d) {
                    i += 1;
                    fields += 1;
                    continue;
                }
                break;
            }
            let end = i;
            let end_line = self.line;
            match b.get(i) {
                Some(b'\r') if b.get(i + 1) == Some(&b'\n') => i += 2,
                Some(b'\r') | Some(b'\n') => i += 1,
                _ => {}
            }
            if i > end {
                self.line += 1;
            }
            self.pos = i;
            if !self.text[start..end].trim().is_empty() {
                return Ok(Some(Record {
                    line,
                    end_line,
                    start,
                    end,
                    fields,
                    last_empty,
                }));
            }
        }
        Ok(None)
    }

    /// The value starting at `from`, up to the first delimiter or line end at or after
    /// `past`, shortened for a message.
    fn excerpt(&self, from: usize, past: usize) -> String {
        let b = self.text.as_bytes();
        let mut to = past;
        while to < b.len() && !matches!(b[to], b'\n' | b'\r') && b[to] != self.delimiter {
            to += 1;
        }
        let value = self.text[from..to].lines().next().unwrap_or("");
        let short: String = value.chars().take(40).collect();
        if short.len() < value.len() {
            format!("`{short}…`")
        } else {
            format!("`{short}`")
        }
    }
}

/// The values of one record already checked by the scanner (quotes removed, `""` → `"`).
fn split_fields(rec: &str, delimiter: u8) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = rec.chars().peekable();
    let mut in_quotes = false;
    let d = delimiter as char;
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => in_quotes = !in_quotes,
            c if c == d && !in_quotes => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
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

    fn records(text: &str, d: u8) -> Vec<(usize, String, usize)> {
        let mut s = Scanner {
            text,
            pos: 0,
            line: 1,
            delimiter: d,
        };
        let mut out = Vec::new();
        while let Some(r) = s.next_record().ok().flatten() {
            out.push((r.line, text[r.start..r.end].to_string(), r.fields));
        }
        out
    }

    #[test]
    fn records_keep_file_lines_and_skip_blank_lines() {
        let recs = records("id,a\r\n1,2\r\n\r\n3,\"x\ny\"\r\n4,5\n\n\n", b',');
        let lines: Vec<usize> = recs.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 2, 4, 6]);
        assert_eq!(recs[2].1, "3,\"x\ny\"");
        let recs = records("a;b\r1;\"2;3\"\r", b';');
        assert_eq!(
            recs.iter().map(|r| (r.0, r.2)).collect::<Vec<_>>(),
            [(1, 2), (2, 2)]
        );
    }

    #[test]
    fn quotes_must_be_balanced_and_whole() {
        let scan = |t: &str| {
            let mut s = Scanner {
                text: t,
                pos: 0,
                line: 1,
                delimiter: b',',
            };
            loop {
                match s.next_record() {
                    Ok(Some(_)) => continue,
                    Ok(None) => return None,
                    Err(e) => return Some((e.line, e.field, e.value, e.kind)),
                }
            }
        };
        assert!(scan("a,b\n1,\"x \"\"y\"\"\"\n").is_none());
        let (line, field, value, kind) = scan("a,b\n1,2\n3,ab\"c\n").unwrap();
        assert_eq!((line, field, value.as_str()), (3, 1, "`ab\"c`"));
        assert!(matches!(kind, QuoteKind::Stray));
        let (line, _, _, kind) = scan("a,b\n1,\"open\n2,3\n4,\"x\",5\n").unwrap();
        assert_eq!(line, 2);
        assert!(matches!(kind, QuoteKind::RunsOn { to_line: 4 }));
        let (line, _, _, kind) = scan("a,b\n1,2\n3,\"never\n4,5\n").unwrap();
        assert_eq!(line, 3);
        assert!(matches!(kind, QuoteKind::Unclosed));
    }

    #[test]
    fn fields_are_unquoted() {
        assert_eq!(
            split_fields("\" age\",\"a\"\"b\",c,", b','),
            [" age", "a\"b", "c", ""]
        );
    }

    #[test]
    fn utf16_is_detected_with_or_without_bom() {
        let le: Vec<u8> = "id,x\n1,2\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "id,x\n1,2\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16_order(&le), Some(true));
        assert_eq!(utf16_order(&be), Some(false));
        assert_eq!(utf16_order(b"id,x\n1,2\n"), None);
        let mut w = Vec::new();
        let mut bom = vec![0xFF, 0xFE];
        bom.extend(&le);
        assert_eq!(
            decode(Path::new("t.csv"), &bom, &mut w).unwrap(),
            "id,x\n1,2\n"
        );
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = decode(
            Path::new("t.csv"),
            b"id,x\r\n1,2\r\n3,Zo\xe9\n",
            &mut Vec::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 3 is not valid UTF-8"), "{err}");
        assert!(err.contains("0xE9"), "{err}");
        assert_eq!(line_count(b"a\rb\r\nc\nd", 7), 4);
    }

    #[test]
    fn excel_sep_line_names_the_delimiter() {
        let p = Path::new("t.csv");
        assert_eq!(sep_line(p, "sep=;\nid;x\n").unwrap(), (Some(b';'), 6, 2));
        assert_eq!(sep_line(p, "sep=,\r\nid,x\n").unwrap(), (Some(b','), 7, 2));
        assert_eq!(sep_line(p, "id;x\n").unwrap(), (None, 0, 1));
        assert_eq!(sep_line(p, "sep=\t\nid\tx\n").unwrap(), (Some(b'\t'), 6, 2));
        assert!(sep_line(p, "sep=ab\nid\n").is_err());
    }

    #[test]
    fn delimiter_detection_ignores_quoted_separators() {
        assert_eq!(detect_delimiter("id;\"a,b\";c"), b';');
        assert_eq!(detect_delimiter("id\tx\ty"), b'\t');
        assert_eq!(detect_delimiter("id,x,y"), b',');
        assert_eq!(detect_delimiter("id"), b',');
    }
}

//! Reporting: one report model rendered by one renderer per format, plus figures.

pub mod apa;
pub mod build;
pub mod csv;
pub mod docx;
pub mod html;
pub mod markdown;
pub mod model;
pub mod plot;
pub mod table;
pub mod terminal;
pub mod write;

use crate::error::UsageError;

/// Every output format, in the order they are written.
pub const ALL_FORMATS: &[&str] = &["json", "md", "csv", "html", "svg", "png", "docx"];

/// Validates `--format` values (empty = all).
pub fn parse_formats(raw: &[String]) -> Result<Vec<String>, UsageError> {
    if raw.is_empty() {
        return Ok(ALL_FORMATS.iter().map(|s| s.to_string()).collect());
    }
    let mut out = Vec::new();
    for f in raw {
        let f = f.trim().to_lowercase();
        let f = match f.as_str() {
            "markdown" => "md".to_string(),
            "word" => "docx".to_string(),
            _ => f,
        };
        if !ALL_FORMATS.contains(&f.as_str()) {
            return Err(UsageError::new(format!(
                "--format {f}: unknown format; choose from {}",
                ALL_FORMATS.join(", ")
            )));
        }
        if !out.contains(&f) {
            out.push(f);
        }
    }
    Ok(out)
}

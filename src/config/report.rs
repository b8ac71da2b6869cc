//! Typed settings for `spcure report`.

use std::path::PathBuf;

use crate::cli::ReportArgs;
use crate::error::UsageError;

#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub results: PathBuf,
    pub out: PathBuf,
    pub formats: Vec<String>,
    pub dpi: u32,
    pub force: bool,
    /// Counts below this are shown as "< N" (`--min-cell`).
    pub min_cell: Option<u64>,
}

impl ReportConfig {
    pub fn from_args(a: &ReportArgs) -> Result<Self, UsageError> {
        Ok(Self {
            results: a.results.clone(),
            out: a.out.clone(),
            formats: crate::report::parse_formats(&a.format)?,
            dpi: super::check_dpi(a.dpi)?,
            force: a.force,
            min_cell: a.min_cell,
        })
    }
}

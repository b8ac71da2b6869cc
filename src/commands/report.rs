//! `spcure report` (filled in by its issue).

use anyhow::Result;

use crate::error::UsageError;

pub fn run(_args: &crate::cli::ReportArgs) -> Result<()> {
    Err(UsageError::new("`spcure report` is not available in this build yet").into())
}

//! `spcure check` (filled in by its issue).

use anyhow::Result;

use crate::error::UsageError;

pub fn run(_args: &crate::cli::CheckArgs) -> Result<()> {
    Err(UsageError::new("`spcure check` is not available in this build yet").into())
}

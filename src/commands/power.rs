//! `spcure power` (filled in by its issue).

use anyhow::Result;

use crate::error::UsageError;

pub fn run(_args: &crate::cli::PowerArgs) -> Result<()> {
    Err(UsageError::new("`spcure power` is not available in this build yet").into())
}

//! `spcure regress` (filled in by its issue).

use anyhow::Result;

use crate::error::UsageError;

pub fn run(_args: &crate::cli::RegressArgs) -> Result<()> {
    Err(UsageError::new("`spcure regress` is not available in this build yet").into())
}

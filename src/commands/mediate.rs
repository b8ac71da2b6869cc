//! `spcure mediate` (filled in by its issue).

use anyhow::Result;

use crate::error::UsageError;

pub fn run(_args: &crate::cli::MediateArgs) -> Result<()> {
    Err(UsageError::new("`spcure mediate` is not available in this build yet").into())
}

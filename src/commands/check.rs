//! `spcure check RESULTS --expect EXPECTED.toml`: print the side-by-side comparison; exit 0
//! when everything matches, 1 on any mismatch, 2 when the expected file is malformed or names
//! a quantity the results do not have.

use anyhow::Result;

use crate::check::{render_table, run_checks, CheckError};
use crate::cli::CheckArgs;
use crate::config::check::CheckConfig;

pub fn run(args: &CheckArgs) -> Result<()> {
    let cfg = CheckConfig::from_args(args)?;
    let report = run_checks(&cfg.expected, &cfg.results_json)?;
    let title = format!(
        "{} vs {}{}",
        cfg.results.display(),
        cfg.expect_path.display(),
        cfg.expected
            .title
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default()
    );
    super::regress::emit(&render_table(&report, Some(&title)))?;
    match report.failed() {
        0 => Ok(()),
        failed => Err(CheckError::Mismatch {
            failed,
            total: report.rows.len(),
        }
        .into()),
    }
}

//! Typed settings for `spcure check`: the results JSON and the parsed expected values.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::check::{parse_expectations, CheckError, ExpectedFile};
use crate::cli::CheckArgs;

#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub results: PathBuf,
    pub results_json: serde_json::Value,
    pub expect_path: PathBuf,
    pub expected: ExpectedFile,
}

impl CheckConfig {
    /// Reads and validates both files (any problem here exits 2).
    pub fn from_args(a: &CheckArgs) -> Result<Self> {
        let expected_text = read(&a.expect, "expected values")?;
        let expected = parse_expectations(&expected_text, &a.expect.display().to_string())?;
        let results_text = read(&a.results, "results")?;
        let results_json = serde_json::from_str(&results_text).map_err(|e| {
            CheckError::Malformed {
                source_name: a.results.display().to_string(),
                message: format!(
                    "not valid JSON ({e}); pass a results.json from `spcure analyse` or the output of `spcure mediate --json`"
                ),
            }
        })?;
        Ok(Self {
            results: a.results.clone(),
            results_json,
            expect_path: a.expect.clone(),
            expected,
        })
    }
}

fn read(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} file {}", path.display()))
}

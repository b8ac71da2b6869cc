//! Typed settings for `spcure simulate --match`: the descriptives table, read and checked once.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::SimulateArgs;
use crate::error::UsageError;
use crate::simulate::matched::{MatchedSpec, MomentTable, Moments};

/// Settings for a moment-matched data set.
#[derive(Debug, Clone)]
pub struct MatchConfig {
    pub table_path: PathBuf,
    pub moments: Moments,
    pub spec: MatchedSpec,
    pub out: PathBuf,
    pub force: bool,
}

/// Reads a TOML descriptives table; every problem is a usage error naming the file.
pub fn read_table(path: &Path) -> Result<MomentTable> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the descriptives table {}", path.display()))?;
    parse_table(&text, &path.display().to_string()).map_err(Into::into)
}

/// Parses a descriptives table (TOML text); `source` names it in error messages.
pub fn parse_table(text: &str, source: &str) -> Result<MomentTable, UsageError> {
    toml::from_str(text).map_err(|e| super::toml_error(text, source, &e))
}

/// Checks a table, naming the file in the error.
pub fn check_table(table: &MomentTable, source: &str) -> Result<Moments, UsageError> {
    table
        .check()
        .map_err(|e| UsageError::new(format!("{source}: {e}")))
}

/// Most rows (participants) `simulate` generates.
pub const MAX_N: usize = 10_000_000;

/// Refuses a sample size above [`MAX_N`]; `what` names the flag or key ("--n", "t.toml: n").
pub fn check_n(n: usize, what: &str) -> Result<usize, UsageError> {
    if n > MAX_N {
        Err(UsageError::new(format!(
            "{what} {n}: give at most {MAX_N} participants"
        )))
    } else {
        Ok(n)
    }
}

impl MatchConfig {
    pub fn from_args(a: &SimulateArgs, table_path: &Path) -> Result<Self> {
        let source = table_path.display().to_string();
        let table = read_table(table_path)?;
        let moments = check_table(&table, &source)?;
        let n = a.n.or(table.n).ok_or_else(|| {
            UsageError::new(format!(
                "{source} has no `n` and no --n was given; say how many rows to simulate"
            ))
        })?;
        match a.n {
            Some(n) => check_n(n, "--n")?,
            None => check_n(n, &format!("{source}: n ="))?,
        };
        let p = moments.names.len();
        if n < p + 2 {
            return Err(UsageError::new(format!(
                "n = {n}: matching the moments of {p} variables needs at least {} rows",
                p + 2
            ))
            .into());
        }
        Ok(Self {
            table_path: table_path.to_path_buf(),
            moments,
            spec: MatchedSpec { n, seed: a.seed },
            out: a.out.clone(),
            force: a.force,
        })
    }
}

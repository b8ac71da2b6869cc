//! `spcure simulate`: the example cohort from its generative model.

use anyhow::Result;

use crate::cli::SimulateArgs;
use crate::error::UsageError;
use crate::output::write_atomic;
use crate::simulate::cohort::{generate, CohortSize};

pub fn run(a: &SimulateArgs) -> Result<()> {
    if a.match_table.is_some() {
        return Err(UsageError::new("--match is not available in this build yet").into());
    }
    if a.n < 20 {
        return Err(UsageError::new(format!("--n {}: give at least 20 participants", a.n)).into());
    }
    let size = if a.n == 630 {
        CohortSize::example()
    } else {
        CohortSize::scaled(a.n)
    };
    let paths: Vec<_> = (0..3).map(|w| a.out.join(format!("T{w}.csv"))).collect();
    if let Some(p) = paths.iter().find(|p| p.exists()).filter(|_| !a.force) {
        return Err(UsageError::new(format!(
            "{} exists; pass --force to overwrite it",
            p.display()
        ))
        .into());
    }
    for (path, text) in paths.iter().zip(generate(size, a.seed)) {
        write_atomic(path, text.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

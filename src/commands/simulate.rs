//! `spcure simulate`: the example cohort from its generative model, or (`--match`) a data
//! set whose moments equal a published descriptives table.

use anyhow::Result;

use crate::cli::SimulateArgs;
use crate::config::simulate::{check_n, MatchConfig};
use crate::error::UsageError;
use crate::output::OutputDir;
use crate::simulate::cohort::{generate, CohortSize};

/// Baseline size of the example cohort.
const DEFAULT_N: usize = 630;

pub fn run(a: &SimulateArgs) -> Result<()> {
    if let Some(table) = &a.match_table {
        return run_matched(&MatchConfig::from_args(a, table)?);
    }
    let n = check_n(a.n.unwrap_or(DEFAULT_N), "--n")?;
    if n < 20 {
        return Err(UsageError::new(format!("--n {n}: give at least 20 participants")).into());
    }
    let size = if n == DEFAULT_N {
        CohortSize::example()
    } else {
        CohortSize::scaled(n)
    };
    let out = OutputDir::prepare(&a.out, a.force, &[])?;
    for (w, text) in generate(size, a.seed).into_iter().enumerate() {
        let path = out.write(&format!("T{w}.csv"), text.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn run_matched(c: &MatchConfig) -> Result<()> {
    // Simulate first: a table that cannot be matched leaves no directory behind.
    let data = c.spec.simulate(&c.moments)?;
    let out = OutputDir::prepare(&c.out, c.force, std::slice::from_ref(&c.table_path))?;
    let path = out.write("matched.csv", data.to_csv().as_bytes())?;
    eprintln!(
        "wrote {} ({} rows x {} variables; means, SDs and correlations equal {})",
        path.display(),
        c.spec.n,
        c.moments.names.len(),
        c.table_path.display()
    );
    Ok(())
}

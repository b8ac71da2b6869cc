//! `spcure simulate`: the example cohort from its generative model, or (`--match`) a data
//! set whose moments equal a published descriptives table.

use std::fs::File;

use anyhow::{Context, Result};

use crate::cli::SimulateArgs;
use crate::config::simulate::{check_n, MatchConfig};
use crate::error::UsageError;
use crate::output::OutputDir;
use crate::simulate::cohort::{write_cohort, CohortSize};

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
    write_waves(&out, size, a.seed)
}

/// Streams the three wave files into temporary files, then renames them into place, so an
/// interrupted run leaves no half-written wave (as `OutputDir::write` does for small files).
fn write_waves(out: &OutputDir, size: CohortSize, seed: u64) -> Result<()> {
    let names = ["T0.csv", "T1.csv", "T2.csv"];
    let targets = names.map(|n| out.path.join(n));
    let temps = names.map(|n| out.path.join(format!(".{n}.tmp-{}", std::process::id())));
    let result = (|| -> std::io::Result<()> {
        let [mut a, mut b, mut c] = [
            File::create(&temps[0])?,
            File::create(&temps[1])?,
            File::create(&temps[2])?,
        ];
        write_cohort(size, seed, [&mut a, &mut b, &mut c])?;
        for f in [&a, &b, &c] {
            f.sync_all()?;
        }
        for (t, target) in temps.iter().zip(&targets) {
            std::fs::rename(t, target)?;
        }
        Ok(())
    })();
    if result.is_err() {
        for t in &temps {
            let _ = std::fs::remove_file(t);
        }
    }
    result.with_context(|| format!("cannot write the wave files into {}", out.path.display()))?;
    for t in &targets {
        eprintln!("wrote {}", t.display());
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

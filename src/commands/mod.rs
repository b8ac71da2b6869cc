//! The command layer: each subcommand validates its flags into a config once, then runs
//! load → prepare → estimate → report.

pub mod analyse;
pub mod check;
pub mod cluster;
pub mod mediate;
pub mod mixed;
pub mod power;
pub mod regress;
pub mod regress_count;
pub mod report;
pub mod simulate;
pub mod spec;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config::AnalyseConfig;

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Analyse(a) => analyse::run(&AnalyseConfig::from_args(&a)?),
        Command::Spec(a) => spec::run(&a),
        Command::Simulate(a) => simulate::run(&a),
        Command::Mediate(a) => mediate::run(&a),
        Command::Regress(a) => regress::run(&a),
        Command::Report(a) => report::run(&crate::config::report::ReportConfig::from_args(&a)?),
        Command::Check(a) => check::run(&a),
        Command::Mixed(a) => mixed::run(&crate::config::mixed::MixedConfig::from_args(&a)?),
        Command::Power(a) => power::run(&a),
    }
}

/// Runs `f` on a pool of `threads` workers (`--threads`), or on the global pool when `None`.
/// Results never depend on the thread count: each resample or replication has its own stream.
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    Ok(match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| anyhow::anyhow!("cannot start {n} worker threads: {e}"))?
            .install(f),
        None => f(),
    })
}

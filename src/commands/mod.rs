//! The command layer: each subcommand validates its flags into a config once, then runs
//! load → prepare → estimate → report.

pub mod analyse;
pub mod simulate;
pub mod spec;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config::AnalyseConfig;
use crate::error::UsageError;

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Analyse(a) => analyse::run(&AnalyseConfig::from_args(&a)?),
        Command::Spec(a) => spec::run(&a),
        Command::Simulate(a) => simulate::run(&a),
        Command::Mediate(_) => not_yet("mediate"),
        Command::Regress(_) => not_yet("regress"),
        Command::Report(_) => not_yet("report"),
        Command::Check(_) => not_yet("check"),
        Command::Power(_) => not_yet("power"),
    }
}

fn not_yet(name: &str) -> Result<()> {
    Err(UsageError::new(format!(
        "`spcure {name}` is not available in this build yet"
    ))
    .into())
}

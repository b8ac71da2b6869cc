//! spcure: reproducible analysis of social prescribing evaluations.
//!
//! Data flows one way: **load → prepare → estimate → report**.
//! - [`load`] reads wave CSVs into Polars frames and builds a panel keyed by participant id;
//!   it is the only module that touches Polars.
//! - [`prepare`] turns the panel into plain vectors (change scores, complete cases) and
//!   counts every exclusion.
//! - [`stats`] holds one model per file (spec → fit → result); results are `Serialize` structs.
//! - [`report`] renders one report model to terminal, Markdown, CSV, JSON and HTML, and draws figures.
//!
//! The command layer ([`cli`], [`config`], [`commands`]) is the only place that knows about clap.

pub mod analysis;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod load;
pub mod output;
pub mod prepare;
pub mod report;
pub mod results;
pub mod simulate;
pub mod spec;
pub mod stats;

/// The version written into every result file, so a saved result names the code that made it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

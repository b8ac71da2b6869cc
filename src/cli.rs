//! Raw command-line flags (clap derive). Validation into typed settings happens once, in
//! [`crate::config`]; nothing below the command layer sees these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "spcure",
    version,
    about = "Reproducible analysis of social prescribing evaluations: \
wave loading, change scores and bootstrapped serial mediation (PROCESS Model 6)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the wave CSVs, score the scales and run the full analysis into an output directory.
    Analyse(AnalyseArgs),
    /// Serial mediation (X → M1 → … → Mk → Y) with a case bootstrap on one flat CSV.
    Mediate(MediateArgs),
    /// One OLS regression on a flat CSV.
    Regress(RegressArgs),
    /// Regenerate tables and figures from a saved results.json.
    Report(ReportArgs),
    /// Compare a results.json against expected values; exit 1 on any mismatch.
    Check(CheckArgs),
    /// Generate a synthetic cohort (the bundled example data) or moment-matched data.
    Simulate(SimulateArgs),
    /// Monte Carlo power for the serial indirect effects.
    Power(PowerArgs),
    /// Print or validate a study spec.
    Spec(SpecArgs),
}

/// Bootstrap flags shared by `analyse` and `mediate`.
#[derive(Debug, Args, Clone)]
pub struct BootArgs {
    /// Bootstrap resamples (as PROCESS: 5000 by default).
    #[arg(long, default_value_t = 5000)]
    pub boot: usize,
    /// Random seed; without it a seed is drawn and reported.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Bootstrap confidence interval.
    #[arg(long, value_enum, default_value_t = CiArg::Percentile)]
    pub ci: CiArg,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0)]
    pub level: f64,
    /// Heteroscedasticity-consistent standard errors for the paths (0–4 = HC0–HC4).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=4))]
    pub hc: Option<u8>,
    /// Worker threads for the bootstrap (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiArg {
    Percentile,
    Bc,
    Bca,
}

#[derive(Debug, Args)]
pub struct AnalyseArgs {
    /// Wave CSV files (T0.csv, T1.csv, …); the wave comes from each file name.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Study spec (TOML); default: the embedded Social Cure spec (`spcure spec --print-default`).
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Set a file's wave explicitly, e.g. --wave T1=survey_june.csv (repeatable).
    #[arg(long = "wave", value_name = "TN=PATH")]
    pub waves: Vec<String>,
    /// Output directory.
    #[arg(long, default_value = "spcure-out")]
    pub out: PathBuf,
    /// Write into an existing non-empty output directory that spcure did not create.
    #[arg(long)]
    pub force: bool,
    /// Output formats, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    pub format: Vec<String>,
    /// PNG resolution.
    #[arg(long, default_value_t = 150)]
    pub dpi: u32,
    #[command(flatten)]
    pub boot: BootArgs,
}

#[derive(Debug, Args)]
pub struct MediateArgs {
    /// Flat CSV with one row per participant.
    pub file: PathBuf,
    /// Predictor X.
    #[arg(long)]
    pub x: String,
    /// Mediators in causal order, comma-separated (1 to 8).
    #[arg(long, value_delimiter = ',', required = true)]
    pub m: Vec<String>,
    /// Outcome Y.
    #[arg(long)]
    pub y: String,
    /// Covariates (entered in every equation), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub cov: Vec<String>,
    /// All pairwise contrasts of the specific indirect effects.
    #[arg(long)]
    pub contrasts: bool,
    /// Partially and completely standardized indirect effects.
    #[arg(long)]
    pub standardize: bool,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub boot: BootArgs,
    #[command(flatten)]
    pub missing: MissingArgs,
}

#[derive(Debug, Args)]
pub struct RegressArgs {
    /// Flat CSV with a header row.
    pub file: PathBuf,
    /// Outcome column.
    #[arg(long)]
    pub y: String,
    /// Predictor columns, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub x: Vec<String>,
    /// Fit without an intercept.
    #[arg(long)]
    pub no_intercept: bool,
    /// Heteroscedasticity-consistent standard errors (0–4 = HC0–HC4).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=4))]
    pub hc: Option<u8>,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0)]
    pub level: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub missing: MissingArgs,
}

/// Missing-data flags shared by `mediate` and `regress`.
#[derive(Debug, Args, Clone)]
pub struct MissingArgs {
    /// Missing data: listwise (complete cases; MCAR) or fiml (full-information maximum
    /// likelihood, every row with any observed variable; MAR).
    #[arg(long, value_enum, default_value_t = MissingArg::Listwise)]
    pub missing: MissingArg,
    /// Auxiliary variables for --missing fiml (saturated correlates), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub aux: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MissingArg {
    Listwise,
    Fiml,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results.json written by `spcure analyse`.
    pub results: PathBuf,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Formats, comma-separated: html, md, csv, json, svg, png (default: all).
    #[arg(long, value_delimiter = ',')]
    pub format: Vec<String>,
    /// PNG resolution.
    #[arg(long, default_value_t = 150)]
    pub dpi: u32,
    /// Write into an existing non-empty directory.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A results.json (from `analyse`) or a JSON file from `mediate --json` / `regress --json`.
    pub results: PathBuf,
    /// Expected values (TOML).
    #[arg(long)]
    pub expect: PathBuf,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Output directory for the generated wave files (T0.csv, T1.csv, T2.csv).
    #[arg(long, default_value = "simulated")]
    pub out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 20240601)]
    pub seed: u64,
    /// Baseline sample size (the example cohort: 630; with --match: the table's n).
    #[arg(long)]
    pub n: Option<usize>,
    /// Moment-matched data from a descriptives table (TOML): means, SDs, correlations.
    #[arg(long = "match", value_name = "TABLE")]
    pub match_table: Option<PathBuf>,
    /// Overwrite files in a non-empty output directory.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PowerArgs {
    /// Power plan (TOML): N, retention, paths or descriptives, CI method, B, replications.
    pub plan: PathBuf,
    /// Search for the smallest N reaching this power.
    #[arg(long)]
    pub target: Option<f64>,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Print the embedded default spec.
    #[arg(long)]
    pub print_default: bool,
    /// Validate a spec file and print its model.
    #[arg(long)]
    pub check: Option<PathBuf>,
}

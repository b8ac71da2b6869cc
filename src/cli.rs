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
    /// Mixed model over waves (MMRM or random intercept) on long data, every participant used.
    Mixed(MixedArgs),
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

/// How a flat CSV is read (`mediate`, `regress`).
#[derive(Debug, Args, Clone)]
pub struct FlatArgs {
    /// Decimal mark of the file's numbers, `.` or `,` (default: detected).
    #[arg(long, value_name = "MARK")]
    pub decimal: Option<String>,
    /// Values that mark a missing answer, comma-separated, e.g. --missing-codes=-99,-999.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_name = "CODES"
    )]
    pub missing_codes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    Waves,
    Long,
    Wide,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiArg {
    Percentile,
    Bc,
    Bca,
}

/// Cluster-robust covariance estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VcovArg {
    Cr2,
    Cr1,
}

#[derive(Debug, Args)]
pub struct AnalyseArgs {
    /// Wave CSV files (T0.csv, T1.csv, …; the wave comes from each file name), or one long
    /// or wide file holding every wave.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// How the waves are laid out (default: one file per wave; one file: decided from it).
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// The wave column of a long file (default: wave, time or redcap_event_name).
    #[arg(long, value_name = "NAME")]
    pub wave_column: Option<String>,
    /// Decimal mark of the numbers, `.` or `,` (default: detected per file).
    #[arg(long, value_name = "MARK")]
    pub decimal: Option<String>,
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
    /// Output formats, comma-separated: json, md, csv, html, svg, png, docx (default: all).
    #[arg(long, value_delimiter = ',')]
    pub format: Vec<String>,
    /// PNG resolution.
    #[arg(long, default_value_t = 150)]
    pub dpi: u32,
    /// Also write panel.csv: the scored data of every participant (row-level data; keep it
    /// out of anything shared).
    #[arg(long)]
    pub write_panel: bool,
    /// Disclosure control: show every count of participants below N as "< N" in the tables,
    /// text and figures of the report (NHS small-number rules, e.g. --min-cell 10).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub min_cell: Option<u64>,
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
    /// Cases nested in clusters (sites, practices, schools): the column naming each case's
    /// cluster (text or numbers). The bootstrap resamples whole clusters; the
    /// equations' tests become cluster-robust (CR2, Satterthwaite df).
    #[arg(long, value_name = "COL")]
    pub cluster: Option<String>,
    /// Cluster-robust estimator with --cluster: cr2 (default; Satterthwaite df) or cr1
    /// (Stata's small-sample factor; t on G - 1 df).
    #[arg(long, value_enum, requires = "cluster")]
    pub vcov: Option<VcovArg>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub flat: FlatArgs,
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
    /// Cases nested in clusters (sites, practices, schools): the column naming each case's
    /// cluster (text or numbers). Tests become cluster-robust (CR2, Satterthwaite df).
    #[arg(long, value_name = "COL")]
    pub cluster: Option<String>,
    /// Cluster-robust estimator with --cluster: cr2 (default; Satterthwaite df) or cr1
    /// (Stata's small-sample factor; t on G - 1 df).
    #[arg(long, value_enum, requires = "cluster")]
    pub vcov: Option<VcovArg>,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0)]
    pub level: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub count: CountArgs,
    #[command(flatten)]
    pub flat: FlatArgs,
    #[command(flatten)]
    pub missing: MissingArgs,
}

/// The count-model flags of `regress` (`--family poisson|negbin|auto`).
#[derive(Debug, Args, Clone)]
pub struct CountArgs {
    /// Model: gaussian (OLS), poisson, negbin (NB2) or auto (NB when overdispersed).
    #[arg(long, value_enum, default_value_t = FamilyArg::Gaussian)]
    pub family: FamilyArg,
    /// Exposure column of a count model (e.g. months of recall): log(COL) is the offset.
    #[arg(long, value_name = "COL")]
    pub offset: Option<String>,
    /// Participant ID column of long data (a row per participant and wave): SEs robust to the
    /// pairing, clustered by participant (= GEE, independence); with --family poisson.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    Gaussian,
    Poisson,
    Negbin,
    Auto,
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
    /// Formats, comma-separated: html, md, csv, json, svg, png, docx (default: all).
    #[arg(long, value_delimiter = ',')]
    pub format: Vec<String>,
    /// PNG resolution.
    #[arg(long, default_value_t = 150)]
    pub dpi: u32,
    /// Write into an existing non-empty directory.
    #[arg(long)]
    pub force: bool,
    /// Disclosure control: show every count of participants below N as "< N" in the tables,
    /// text and figures of the report (NHS small-number rules, e.g. --min-cell 10).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub min_cell: Option<u64>,
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
    /// Draft a commented starting spec from wave files (T0.csv T1.csv …; waves from the names).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub draft: Vec<PathBuf>,
    /// With --draft: set a file's wave explicitly, e.g. --wave T1=survey_june.csv (repeatable).
    #[arg(long = "wave", value_name = "TN=PATH", requires = "draft")]
    pub waves: Vec<String>,
    /// With --draft: write the spec to this file (default: standard output).
    #[arg(long, requires = "draft")]
    pub out: Option<PathBuf>,
    /// With --draft --out: overwrite an existing file.
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct MixedArgs {
    /// Long CSV: one row per participant and wave.
    pub file: PathBuf,
    /// Participant id column.
    #[arg(long)]
    pub id: String,
    /// Wave column (T0, T1, … or numbers; the first wave is the baseline).
    #[arg(long)]
    pub time: String,
    /// Outcome column.
    #[arg(long)]
    pub y: String,
    /// Group (arm) column: adds group and group × time.
    #[arg(long)]
    pub group: Option<String>,
    /// Baseline covariates (one value per participant), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub cov: Vec<String>,
    /// Covariance over waves.
    #[arg(long, value_enum, default_value_t = CovarianceArg::Unstructured)]
    pub covariance: CovarianceArg,
    /// Denominator degrees of freedom.
    #[arg(long, value_enum, default_value_t = DfArg::Satterthwaite)]
    pub df: DfArg,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0)]
    pub level: f64,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CovarianceArg {
    Unstructured,
    Intercept,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DfArg {
    Satterthwaite,
    KenwardRoger,
}

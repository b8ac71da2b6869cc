//! Files → Polars frames → a panel keyed by participant id.
//!
//! `waves` assigns a wave to each file, `read` parses a file into a frame of text columns,
//! `score` validates cells against the spec and scores the scales, and `panel` merges the
//! waves onto the baseline (T0) participants. Polars is used only inside this module.

mod decimal;
mod draft;
mod flat;
mod layout;
mod long;
mod panel;
mod read;
mod score;
mod waves;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use decimal::DecimalMark;
pub use draft::{read_draft_columns, DraftCell, DraftColumn, DraftFile};
pub use flat::{
    read_flat, read_flat_labelled, FlatData, FlatLabels, FlatOptions, COMMON_MISSING_CODES,
    FLAT_MISSING_CODES,
};
pub use layout::{Layout, LayoutSummary, WAVE_COLUMNS};
pub use long::{read_long, LongData};
pub use panel::{
    panel_frame, write_panel_csv, FileSummary, LoadSummary, Panel, PanelConstruct, PanelCovariate,
};
pub use read::read_wave;
pub use score::{scale_scores, score_wave, CovariateCells, WaveData};
pub use waves::{assign as assign_waves, label as wave_label, WaveFile};

use crate::spec::StudySpec;

/// A bad cell: where it is, what it holds, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct CellProblem {
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based data row (the header is not counted).
    pub row: usize,
    pub column: String,
    pub value: String,
    pub message: String,
}

/// How many names a warning or error lists before "… and N more".
pub const MAX_LISTED: usize = 10;

/// `a, b, c`: the first [`MAX_LISTED`] items, then "… and N more".
pub fn list_capped<S: AsRef<str>>(items: &[S]) -> String {
    let shown: Vec<&str> = items.iter().take(MAX_LISTED).map(AsRef::as_ref).collect();
    let mut out = shown.join(", ");
    if items.len() > MAX_LISTED {
        out.push_str(&format!(" … and {} more", items.len() - MAX_LISTED));
    }
    out
}

fn list_problems(problems: &[CellProblem], total: &usize) -> String {
    let mut out = String::new();
    for p in problems {
        out.push_str(&format!(
            "\n  line {} (data row {}), column '{}', value \"{}\": {}",
            p.line, p.row, p.column, p.value, p.message
        ));
    }
    if *total > problems.len() {
        out.push_str(&format!("\n  … and {} more", total - problems.len()));
    }
    out
}

/// Everything that can be wrong with the input files (exit code 2).
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("no wave files given; pass the wave CSVs, e.g. `spcure analyse waves/*.csv`")]
    NoFiles,
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: cannot tell which wave this file is from its name; name it like T0.csv, wave_1.csv or followup2.csv, or pass --wave T1={path}")]
    WaveUnknown { path: PathBuf },
    #[error("{path}: the name mentions several waves ({waves}); rename the file or pass --wave T1={path}")]
    WaveAmbiguous { path: PathBuf, waves: String },
    #[error("two files for wave {wave}: {first} and {second}; pass one file per wave (or set waves with --wave)")]
    WaveDuplicate {
        wave: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("no baseline file: the first wave given is {first} ({path}); pass the T0 file too, or set it with --wave T0=FILE")]
    NoBaseline { first: String, path: PathBuf },
    #[error("{path}: {message}")]
    Encoding { path: PathBuf, message: String },
    #[error("{path}: the file is empty; export the wave again with a header row and one row per participant")]
    Empty { path: PathBuf },
    #[error("{path}: the file has a header but no data rows; export the wave again with its participants")]
    HeaderOnly { path: PathBuf },
    #[error("{path}: {message}")]
    Decimal { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Layout { path: PathBuf, message: String },
    #[error("{path}: cannot parse as CSV: {message}")]
    Csv { path: PathBuf, message: String },
    #[error("{path}: no participant id column '{id_column}'; the columns are: {columns}. Rename the id column to '{id_column}', or set study.id_column in a spec (--spec)")]
    MissingIdColumn {
        path: PathBuf,
        id_column: String,
        columns: String,
    },
    #[error("{path}: {what} needs column(s) {missing}, which the file lacks; the columns are: {columns}. {fix}")]
    MissingColumns {
        path: PathBuf,
        what: String,
        missing: String,
        columns: String,
        /// How to fix it: depends on whether the names came from a spec or from flags.
        fix: String,
    },
    #[error("{path}: {count} duplicated participant id(s) in column '{id_column}': {examples}; each participant must appear once per wave")]
    DuplicateIds {
        path: PathBuf,
        id_column: String,
        count: usize,
        examples: String,
    },
    #[error("{path}: {total} invalid value(s):{}", list_problems(.problems, .total))]
    Cells {
        path: PathBuf,
        problems: Vec<CellProblem>,
        total: usize,
    },
    #[error("{path}: covariate '{covariate}' has reference = \"{reference}\", but column '{column}' never holds it at baseline (levels seen: {seen}); correct `reference` in the spec (levels are compared exactly, case-sensitively)")]
    UnknownReference {
        path: PathBuf,
        covariate: String,
        column: String,
        reference: String,
        seen: String,
    },
    #[error("{first} ({first_wave}) and {second} ({second_wave}) are {how}: one export cannot be two waves; pass each wave's own file (check the file names and any --wave flags)")]
    SameFile {
        first: PathBuf,
        first_wave: String,
        second: PathBuf,
        second_wave: String,
        /// "the same file", "byte-identical copies (SHA-256 …)".
        how: String,
    },
    #[error("{path}: the header (line {line}) repeats column name(s): {list}; rename or delete the extra copies so that each column has its own name (spcure would otherwise read only the first)")]
    DuplicateColumns {
        path: PathBuf,
        line: usize,
        /// e.g. `'age' (columns 3 and 17)`.
        list: String,
    },
    #[error("{path}: column {position} of the header (line {line}) has no name; name it, or delete the column if it holds nothing")]
    UnnamedColumn {
        path: PathBuf,
        line: usize,
        position: usize,
    },
    #[error("{path}: {total} line(s) do not have the {expected} fields of the header (line {header_line}):{lines}\n{fix}")]
    FieldCount {
        path: PathBuf,
        expected: usize,
        header_line: usize,
        total: usize,
        /// One `\n  line L: expected N fields, found M` per line (capped).
        lines: String,
        fix: String,
    },
    #[error("{path}: line {line}, {at}: {problem}; {fix}")]
    Quote {
        path: PathBuf,
        line: usize,
        /// `column 'x'` (or `field 3` in the header).
        at: String,
        problem: String,
        fix: String,
    },
    #[error("{path} ({wave}) shares no participant ids with the baseline file {baseline}; check that both use the same ids in column '{id_column}' (first ids here: {examples})")]
    NoOverlap {
        path: PathBuf,
        wave: String,
        baseline: PathBuf,
        id_column: String,
        examples: String,
    },
}

/// Something worth telling the user that does not stop the analysis; counted and reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub file: Option<String>,
    pub message: String,
}

impl Warning {
    pub fn new(file: Option<&Path>, message: String) -> Self {
        Self {
            file: file.map(|p| p.display().to_string()),
            message,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// How to read the input: the user's `--layout`, `--wave-column` and `--decimal`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    pub layout: Option<Layout>,
    pub wave_column: Option<String>,
    pub decimal: Option<DecimalMark>,
}

/// The files given: one per wave (waves assigned), or one file whose layout is decided on
/// reading it (long, wide, or a single wave named by its file name).
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Waves(Vec<WaveFile>),
    One(PathBuf),
}

impl Input {
    pub fn paths(&self) -> Vec<PathBuf> {
        match self {
            Self::Waves(files) => files.iter().map(|f| f.path.clone()).collect(),
            Self::One(p) => vec![p.clone()],
        }
    }
}

/// Loads the input, validates every wave against the spec and merges the waves into a panel.
pub fn load_study(
    input: &Input,
    spec: &StudySpec,
    opts: &LoadOptions,
) -> Result<(Panel, LoadSummary), LoadError> {
    let (raws, layout) = match input {
        Input::Waves(files) => (read_waves(files, opts.decimal)?, LayoutSummary::default()),
        Input::One(path) => read_one(path, spec, opts)?,
    };
    let mut waves: Vec<WaveData> = Vec::with_capacity(raws.len());
    for (wave, raw) in raws {
        let mut data = score_wave(&raw, wave, spec)?;
        data.warnings.splice(0..0, raw.warnings);
        waves.push(data);
    }
    let (panel, mut summary) = panel::merge(waves, spec)?;
    if let Input::One(path) = input {
        // Split waves carry "file.csv (T1)" for messages; the summary keeps the file's path.
        for f in &mut summary.files {
            f.path = path.display().to_string();
        }
    }
    summary.layout = layout;
    Ok((panel, summary))
}

/// Reads one file per wave. Two waves with byte-identical files are refused (one export
/// given twice).
fn read_waves(
    files: &[WaveFile],
    decimal: Option<DecimalMark>,
) -> Result<Vec<(u32, read::RawWave)>, LoadError> {
    let mut raws: Vec<(u32, read::RawWave)> = Vec::with_capacity(files.len());
    for f in files {
        let raw = read_wave(&f.path, decimal)?;
        if let Some((wave, twin)) = raws.iter().find(|(_, w)| w.sha256 == raw.sha256) {
            return Err(LoadError::SameFile {
                first: twin.path.clone(),
                first_wave: wave_label(*wave),
                second: f.path.clone(),
                second_wave: wave_label(f.wave),
                how: format!(
                    "byte-identical copies (SHA-256 {}…)",
                    &raw.sha256[..raw.sha256.len().min(12)]
                ),
            });
        }
        raws.push((f.wave, raw));
    }
    Ok(raws)
}

/// Reads one file and splits it by its layout (`--layout`, or decided from its columns).
fn read_one(
    path: &Path,
    spec: &StudySpec,
    opts: &LoadOptions,
) -> Result<(Vec<(u32, read::RawWave)>, LayoutSummary), LoadError> {
    let mut raw = read_wave(path, opts.decimal)?;
    let decided = match (opts.layout, opts.wave_column.is_some()) {
        // A file named like a wave (T0.csv) is that wave unless told otherwise.
        (None, false) if waves::waves_in_text(&stem(path)).len() == 1 => None,
        _ => layout::decide(&raw, spec, opts)?,
    };
    let Some((kind, detected)) = decided.filter(|(k, _)| *k != Layout::Waves) else {
        let files = assign_waves(&[path.to_path_buf()], &[]).map_err(|e| match e {
            LoadError::WaveUnknown { .. } => LoadError::Layout {
                path: path.to_path_buf(),
                message: format!(
                    "cannot tell how this one file holds the waves: it has no wave column ({}; or name it with --wave-column NAME), no columns tagged with a later wave (groups_1_T1, T1_groups_1), and its name names no wave (T0.csv). Pass --layout long or --layout wide, or one file per wave",
                    WAVE_COLUMNS.join(", ")
                ),
            },
            e => e,
        })?;
        let wave = files.first().map_or(0, |f| f.wave);
        return Ok((vec![(wave, raw)], LayoutSummary::default()));
    };
    let warnings = std::mem::take(&mut raw.warnings);
    let (mut split, description) = match kind {
        Layout::Long => layout::split_long(raw, spec, opts)?,
        _ => layout::split_wide(raw, spec)?,
    };
    if let Some((_, first)) = split.first_mut() {
        first.warnings = warnings;
    }
    Ok((
        split,
        LayoutSummary {
            layout: kind,
            detected,
            description,
        },
    ))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_capped_with_a_count_of_the_rest() {
        let few = ["a", "b"];
        assert_eq!(list_capped(&few), "a, b");
        let many: Vec<String> = (1..=13).map(|i| format!("c{i}")).collect();
        assert_eq!(
            list_capped(&many),
            "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 … and 3 more"
        );
    }
}

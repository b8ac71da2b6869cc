//! Publication figures as SVG strings, plus an SVG → PNG renderer that uses only the bundled font.
//!
//! Every figure is drawn from a plain input struct defined here (no dependency on other spcure
//! modules) and returned as an SVG `String`. Output is deterministic: coordinates are written
//! with fixed decimals, there are no timestamps and no random ids, so identical input gives
//! byte-identical SVG and PNG. Text uses the bundled Liberation Sans (SIL OFL 1.1, metric
//! compatible with Arial), named in every SVG, so SVG viewers and the PNG renderer agree.

mod attrition;
mod forest;
mod heatmap;
mod histogram;
mod path_diagram;
mod png;
mod svg;
mod trajectories;

use serde::{Deserialize, Serialize};

pub use attrition::attrition_flow;
pub use forest::{forest, MAX_ROWS as FOREST_MAX_ROWS};
pub use heatmap::correlation_heatmap;
pub use histogram::bootstrap_histogram;
pub use path_diagram::path_diagram;
pub use png::svg_to_png;
pub use trajectories::{model_trajectories, trajectories};

/// Family name of the bundled font, used in every SVG and as the renderer's default family.
pub const FONT_FAMILY: &str = "Liberation Sans";

/// Errors of the PNG renderer (the SVG figure functions themselves cannot fail).
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("dpi must be between 1 and {max}, got {dpi}")]
    Dpi { dpi: u32, max: u32 },
    #[error("could not parse SVG: {0}")]
    Parse(String),
    #[error("image of {width} x {height} px is empty or too large")]
    Size { width: u32, height: u32 },
    #[error("could not encode PNG: {0}")]
    Encode(String),
}

/// One path of a serial mediation model. Nodes are indexed 0 = X, 1..=k = mediators, k + 1 = Y.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PathCoef {
    pub from: usize,
    pub to: usize,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p: f64,
}

/// Serial mediation path diagram X → M1 → … → Mk → Y.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PathDiagram {
    /// Node labels: X, the k mediators in causal order, Y (so k + 2 labels).
    pub labels: Vec<String>,
    /// Paths to draw (a, d, b and c′); paths with out-of-range or backward indices are ignored.
    pub paths: Vec<PathCoef>,
    /// Total effect c of X on Y, printed in the caption.
    pub total: Option<PathCoef>,
    /// Optional extra caption line (e.g. "Unstandardised coefficients; n = 412").
    pub note: Option<String>,
    /// Name of the coefficients' interval, e.g. "95% CI".
    pub ci_label: String,
}

/// Mean and CI of one construct at one wave; `None` where the wave has no data.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct WavePoint {
    pub mean: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n: u64,
}

/// One construct's series, one point per wave label of [`Trajectories::waves`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ConstructSeries {
    pub name: String,
    pub points: Vec<WavePoint>,
}

/// Small multiples of mean ± CI per construct across waves.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Trajectories {
    pub waves: Vec<String>,
    pub constructs: Vec<ConstructSeries>,
    /// Name of the bars' interval, e.g. "95% confidence intervals".
    pub ci_label: String,
}

/// One row of a forest plot.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ForestRow {
    pub label: String,
    /// Path text, e.g. "X → M1 → M2 → Y".
    pub sublabel: String,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// A block of forest rows under an optional heading (e.g. "Indirect effects", "Contrasts").
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ForestGroup {
    pub heading: Option<String>,
    pub rows: Vec<ForestRow>,
}

/// Forest plot of estimates with CIs, with a zero line.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Forest {
    /// x-axis title, e.g. "Indirect effect on Δ HRQoL".
    pub x_label: String,
    /// Name of the interval in the column header, e.g. "95% percentile bootstrap CI".
    pub ci_label: String,
    pub groups: Vec<ForestGroup>,
}

/// Bootstrap distribution as a histogram: `edges.len() == counts.len() + 1`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BootHistogram {
    /// x-axis title, e.g. "Serial indirect effect X → M1 → M2 → Y".
    pub label: String,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Name of the interval, e.g. "95% percentile CI".
    pub ci_label: String,
}

/// One stage of a CONSORT-style flow (e.g. "T0 baseline", n = 412).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FlowStage {
    pub label: String,
    pub n: u64,
}

/// A reason with a count (exclusions from analysis).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FlowReason {
    pub reason: String,
    pub n: u64,
}

/// CONSORT-style attrition flow. "Lost to follow-up" between stages is the drop in n.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AttritionFlow {
    pub stages: Vec<FlowStage>,
    /// Exclusions from analysis after the last stage (drawn as a side box with reasons).
    pub excluded: Vec<FlowReason>,
    /// n analysed; when `None` and there are exclusions it is the last n minus the exclusions.
    pub analysed: Option<u64>,
}

/// Correlation matrix heat map; `r[i][j]` is `None` (or NaN) where undefined.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Heatmap {
    pub names: Vec<String>,
    pub r: Vec<Vec<Option<f64>>>,
}

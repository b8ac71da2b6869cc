//! Merges scored waves into one panel keyed by participant id.
//!
//! Shape: one row per baseline (T0) participant, in T0 file order. For each wave w and
//! construct c the panel holds the score `c_Tw` (missing when the participant skipped the
//! wave or too few items were answered) and the item values; `present_Tw` says whether
//! the participant's id appears in wave w's file. Covariates come from T0. Ids found in a
//! later wave but not at T0 cannot be compared with baseline: they are counted, listed in a
//! warning and left out. As a Polars frame (`panel_frame`) the columns are `id`,
//! `present_T0…`, `<construct>_T0…` for each construct, then the covariates.

use std::collections::HashMap;
use std::io::Write;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::score::WaveData;
use super::{wave_label, LoadError, Warning};
use crate::spec::StudySpec;

/// Baseline participants and their measures across waves, in plain vectors.
#[derive(Debug, Clone)]
pub struct Panel {
    pub id_column: String,
    pub ids: Vec<String>,
    /// Wave numbers, ascending; index `w` below refers to `waves[w]`.
    pub waves: Vec<u32>,
    /// `[w][participant]`: id appears in wave w's file.
    pub present: Vec<Vec<bool>>,
    pub constructs: Vec<PanelConstruct>,
    pub covariates: Vec<PanelCovariate>,
}

#[derive(Debug, Clone)]
pub struct PanelConstruct {
    pub name: String,
    pub label: String,
    pub item_names: Vec<String>,
    /// `[w][participant]`.
    pub scores: Vec<Vec<Option<f64>>>,
    /// `[w]` → `[item][participant]`; `None` when the wave lacks the construct.
    pub items: Vec<Option<Vec<Vec<Option<f64>>>>>,
    /// `[w]`: participants with some, but too few, items answered.
    pub too_few_items: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct PanelCovariate {
    pub name: String,
    pub label: String,
    pub categorical: bool,
    pub values: Vec<Option<f64>>,
    /// Levels of a categorical variable, reference first; `values` hold level indices.
    /// Empty for numeric variables.
    pub levels: Vec<String>,
}

impl Panel {
    pub fn n(&self) -> usize {
        self.ids.len()
    }
    pub fn wave_index(&self, wave: u32) -> Option<usize> {
        self.waves.iter().position(|w| *w == wave)
    }
    pub fn construct(&self, name: &str) -> Option<&PanelConstruct> {
        self.constructs.iter().find(|c| c.name == name)
    }
    pub fn covariate(&self, name: &str) -> Option<&PanelCovariate> {
        self.covariates.iter().find(|c| c.name == name)
    }
}

/// What was loaded: per file, the attrition chain and every warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadSummary {
    pub id_column: String,
    pub files: Vec<FileSummary>,
    /// Baseline participants present at each wave (e.g. 630 → 178 → 63).
    pub attrition: Vec<usize>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    pub wave: String,
    pub path: String,
    pub sha256: String,
    pub delimiter: String,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows whose id is a baseline participant.
    pub retained: usize,
    /// Rows whose id is not in the baseline file (left out).
    pub not_in_baseline: usize,
}

pub(super) fn merge(
    waves: Vec<WaveData>,
    spec: &StudySpec,
) -> Result<(Panel, LoadSummary), LoadError> {
    let base = &waves[0];
    let index: HashMap<&str, usize> = base
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let n = base.ids.len();
    let mut warnings: Vec<Warning> = Vec::new();
    let mut files = Vec::new();
    let mut present = Vec::new();
    // Row of each baseline participant in each wave file.
    let mut rows: Vec<Vec<Option<usize>>> = Vec::new();
    for w in &waves {
        let mut row_of = vec![None; n];
        let mut strangers = Vec::new();
        for (row, id) in w.ids.iter().enumerate() {
            match index.get(id.as_str()) {
                Some(&i) => row_of[i] = Some(row),
                None => strangers.push(id.as_str()),
            }
        }
        let retained = row_of.iter().filter(|r| r.is_some()).count();
        if retained == 0 {
            return Err(LoadError::NoOverlap {
                path: w.path.clone(),
                wave: wave_label(w.wave),
                baseline: base.path.clone(),
                id_column: spec.study.id_column.clone(),
                examples: w.ids.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            });
        }
        if !strangers.is_empty() {
            warnings.push(Warning::new(
                Some(&w.path),
                format!(
                    "{} participant(s) not in the baseline file were left out: {}{}",
                    strangers.len(),
                    strangers
                        .iter()
                        .take(5)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    if strangers.len() > 5 { ", …" } else { "" }
                ),
            ));
        }
        warnings.extend(w.warnings.iter().cloned());
        files.push(FileSummary {
            wave: wave_label(w.wave),
            path: w.path.display().to_string(),
            sha256: w.sha256.clone(),
            delimiter: match w.delimiter {
                '\t' => "tab".into(),
                d => d.to_string(),
            },
            rows: w.ids.len(),
            retained,
            not_in_baseline: strangers.len(),
        });
        present.push(row_of.iter().map(Option::is_some).collect::<Vec<bool>>());
        rows.push(row_of);
    }
    let constructs = spec
        .constructs
        .iter()
        .enumerate()
        .map(|(c, def)| {
            let pick = |col: &Vec<Option<f64>>, row_of: &Vec<Option<usize>>| -> Vec<Option<f64>> {
                row_of.iter().map(|r| r.and_then(|r| col[r])).collect()
            };
            let scores = waves
                .iter()
                .zip(&rows)
                .map(|(w, row_of)| match &w.scores[c] {
                    Some(col) => pick(col, row_of),
                    None => vec![None; n],
                })
                .collect();
            let items = waves
                .iter()
                .zip(&rows)
                .map(|(w, row_of)| {
                    w.items[c]
                        .as_ref()
                        .map(|items| items.iter().map(|col| pick(col, row_of)).collect())
                })
                .collect();
            PanelConstruct {
                name: def.name().to_string(),
                label: def.label_or_name().to_string(),
                item_names: def.columns().iter().map(|s| s.to_string()).collect(),
                scores,
                items,
                too_few_items: waves.iter().map(|w| w.too_few_items[c]).collect(),
            }
        })
        .collect();
    let covariates = spec
        .covariates
        .iter()
        .enumerate()
        .map(|(k, def)| PanelCovariate {
            name: def.name().to_string(),
            label: if def.label.is_empty() {
                def.name().to_string()
            } else {
                def.label.clone()
            },
            categorical: def.categorical,
            levels: Vec::new(),
            values: base.covariates[k]
                .clone()
                .expect("baseline covariates are required"),
        })
        .collect();
    for (c, def) in spec.constructs.iter().enumerate() {
        for w in &waves {
            if w.too_few_items[c] > 0 {
                warnings.push(Warning::new(Some(&w.path), format!(
                    "{} participant(s) answered too few items of '{}' to be scored (need {:.0}% of items)",
                    w.too_few_items[c], def.name(), spec.study.min_item_share.get_ref() * 100.0)));
            }
        }
    }
    let attrition = present
        .iter()
        .map(|p| p.iter().filter(|x| **x).count())
        .collect();
    let panel = Panel {
        id_column: spec.study.id_column.clone(),
        ids: base.ids.clone(),
        waves: waves.iter().map(|w| w.wave).collect(),
        present,
        constructs,
        covariates,
    };
    let summary = LoadSummary {
        id_column: spec.study.id_column.clone(),
        files,
        attrition,
        warnings,
    };
    Ok((panel, summary))
}

/// The panel as a Polars frame (shape documented at the top of this file).
pub fn panel_frame(panel: &Panel) -> PolarsResult<DataFrame> {
    let mut cols: Vec<Column> = vec![Column::new(
        panel.id_column.as_str().into(),
        panel.ids.clone(),
    )];
    for (w, wave) in panel.waves.iter().enumerate() {
        cols.push(Column::new(
            format!("present_{}", wave_label(*wave)).into(),
            panel.present[w].clone(),
        ));
    }
    for c in &panel.constructs {
        for (w, wave) in panel.waves.iter().enumerate() {
            cols.push(Column::new(
                format!("{}_{}", c.name, wave_label(*wave)).into(),
                c.scores[w].clone(),
            ));
        }
    }
    for cov in &panel.covariates {
        cols.push(Column::new(cov.name.as_str().into(), cov.values.clone()));
    }
    DataFrame::new(panel.n(), cols)
}

/// Writes the panel frame as CSV (the scored data behind every analysis).
pub fn write_panel_csv(panel: &Panel, out: &mut dyn Write) -> PolarsResult<()> {
    let mut frame = panel_frame(panel)?;
    CsvWriter::new(out).finish(&mut frame)
}

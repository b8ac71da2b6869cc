//! Merges scored waves into one panel keyed by participant id.
//!
//! Shape: one row per baseline (T0) participant, in T0 file order. For each wave w and
//! construct c the panel holds the score `c_Tw` (missing when the participant skipped the
//! wave or too few items were answered) and the item values; `present_Tw` says whether
//! the participant's id appears in wave w's file. Covariates come from T0. Ids found in a
//! later wave but not at T0 cannot be compared with baseline: they are counted, listed in a
//! warning and left out. As a Polars frame (`panel_frame`) the columns are `id`,
//! `present_T0…`, `<construct>_T0…` for each construct, then the covariates (a categorical
//! one as its level text).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::io::Write;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::decimal::DecimalMark;
use super::layout::LayoutSummary;
use super::score::{CovariateCells, WaveData};
use super::{wave_label, LoadError, Warning};
use crate::spec::{Covariate, Level, StudySpec};

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

/// A baseline variable (from the T0 file), one value per baseline participant.
///
/// Numeric: `values` are the values and `levels` is empty. Categorical: `levels` holds the
/// level labels (text as in the file, trimmed; numeric codes normalised, "1.0" → "1") with
/// **the reference level first** (the spec's `reference`, by default the first level), then
/// the others in display order (the spec's `levels`, or else those observed at baseline:
/// numeric codes ascending, then text in string order); `values[i] = Some(k as f64)` where
/// `k` indexes participant i's level in `levels`. So `levels[0]` is the reference, dummy
/// columns are `values == k` for k = 1.., and the labels of the codes are in `levels`. A
/// level the spec lists may have no participants. With codes 0/1 and reference 0 (the
/// default spec's gender) the indices equal the codes.
#[derive(Debug, Clone)]
pub struct PanelCovariate {
    pub name: String,
    pub label: String,
    pub categorical: bool,
    /// Categorical only (empty for a numeric variable): level labels, reference first.
    pub levels: Vec<String>,
    pub values: Vec<Option<f64>>,
}

impl PanelCovariate {
    /// The reference level of a categorical variable (`levels[0]`).
    pub fn reference(&self) -> Option<&str> {
        self.levels.first().map(String::as_str)
    }
    /// Participant i's level label (categorical) or `None` (missing, or a numeric variable).
    pub fn level(&self, i: usize) -> Option<&str> {
        let k = self.values[i]?;
        self.levels.get(k as usize).map(String::as_str)
    }
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
    /// One file per wave, or one long or wide file (and how its waves were found).
    #[serde(default)]
    pub layout: LayoutSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    pub wave: String,
    pub path: String,
    pub sha256: String,
    pub delimiter: String,
    /// The decimal mark the numbers were read with.
    #[serde(default)]
    pub decimal: DecimalMark,
    /// Data rows in the file (in a long or wide file: the rows of this wave).
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
                    "{} participant(s) not in the baseline file were left out: {}",
                    strangers.len(),
                    super::list_capped(&strangers)
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
            decimal: w.decimal,
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
        .map(|(k, def)| {
            let cells = base.covariates[k]
                .as_ref()
                .expect("baseline covariates are required");
            let (levels, values) = match cells {
                CovariateCells::Numeric(v) => (Vec::new(), v.clone()),
                CovariateCells::Categorical(cells) => {
                    let (levels, values) =
                        level_indices(def, cells).map_err(|seen| LoadError::UnknownReference {
                            path: base.path.clone(),
                            covariate: def.name().to_string(),
                            column: def.column.clone(),
                            reference: def.reference().map(Level::to_string).unwrap_or_default(),
                            seen,
                        })?;
                    (levels, values)
                }
            };
            Ok(PanelCovariate {
                name: def.name().to_string(),
                label: def.label_or_name().to_string(),
                categorical: def.categorical,
                levels,
                values,
            })
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
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
        layout: LayoutSummary::default(),
    };
    Ok((panel, summary))
}

/// A categorical variable's levels (reference first, see `PanelCovariate`) and each cell's
/// index into them. Err: the spec's reference is not among the observed levels (listed).
fn level_indices(
    def: &Covariate,
    cells: &[Option<Level>],
) -> Result<(Vec<String>, Vec<Option<f64>>), String> {
    let mut levels: Vec<Level> = match def.levels() {
        Some(listed) => listed.into_iter().cloned().collect(),
        None => {
            let distinct: HashSet<&Level> = cells.iter().flatten().collect();
            let mut seen: Vec<Level> = distinct.into_iter().cloned().collect();
            seen.sort_by(level_order);
            seen
        }
    };
    if let Some(r) = def.reference() {
        match levels.iter().position(|l| l == r) {
            Some(i) => {
                let r = levels.remove(i);
                levels.insert(0, r);
            }
            None => {
                let seen: Vec<&str> = levels.iter().map(Level::as_str).collect();
                return Err(if seen.is_empty() {
                    "none".into()
                } else {
                    seen.join(", ")
                });
            }
        }
    }
    let index: HashMap<&Level, usize> = levels.iter().enumerate().map(|(k, l)| (l, k)).collect();
    let values = cells
        .iter()
        .map(|c| c.as_ref().and_then(|l| index.get(l)).map(|k| *k as f64))
        .collect();
    Ok((levels.iter().map(Level::to_string).collect(), values))
}

/// Observed levels' order: numeric codes ascending, then text in string order.
fn level_order(a: &Level, b: &Level) -> Ordering {
    match (a.code(), b.code()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.as_str().cmp(b.as_str()),
    }
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
        let name = cov.name.as_str().into();
        cols.push(if cov.categorical {
            let text: Vec<Option<&str>> = (0..panel.n()).map(|i| cov.level(i)).collect();
            Column::new(name, text)
        } else {
            Column::new(name, cov.values.clone())
        });
    }
    DataFrame::new(panel.n(), cols)
}

/// Writes the panel frame as CSV (the scored data behind every analysis).
pub fn write_panel_csv(panel: &Panel, out: &mut dyn Write) -> PolarsResult<()> {
    let mut frame = panel_frame(panel)?;
    CsvWriter::new(out).finish(&mut frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::score::tests::spec_with;
    use crate::load::{load_study, Input, LoadOptions, WaveFile};

    /// Loads T0 and T1 (CSV text) with `spec`; the directory lives as long as the result.
    fn load(t0: &str, t1: &str, spec: &StudySpec) -> Result<(Panel, LoadSummary), LoadError> {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<WaveFile> = [t0, t1]
            .iter()
            .enumerate()
            .map(|(w, text)| {
                let path = dir.path().join(format!("T{w}.csv"));
                std::fs::write(&path, text).unwrap();
                WaveFile {
                    wave: w as u32,
                    path,
                }
            })
            .collect();
        load_study(&Input::Waves(files), spec, &LoadOptions::default())
    }

    const T0: &str = "id,a,b,c,arm,site\n\
                      1,1,1,1,TAU,3\n\
                      2,1,1,1,CBT,1.0\n\
                      3,1,1,1,Group,2\n\
                      4,1,1,1,NA,1\n\
                      5,1,1,1,TAU,\n";
    const T1: &str = "id,a,b,c\n1,2,2,2\n2,2,2,2\n";

    fn arm_site(arm_extra: &str, site_extra: &str) -> StudySpec {
        spec_with(&format!(
            "[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\ncategorical = true\n{arm_extra}\n\
             [[covariate]]\nname = \"site\"\ncolumn = \"site\"\ncategorical = true\n{site_extra}\n"
        ))
    }

    #[test]
    fn observed_levels_are_sorted_with_the_reference_first() {
        let (panel, _) = load(T0, T1, &arm_site("", "")).unwrap();
        let arm = panel.covariate("arm").unwrap();
        assert_eq!(arm.levels, ["CBT", "Group", "TAU"]);
        assert_eq!(arm.reference(), Some("CBT"));
        assert_eq!(
            arm.values,
            [Some(2.0), Some(0.0), Some(1.0), None, Some(2.0)]
        );
        let site = panel.covariate("site").unwrap();
        assert_eq!(
            site.levels,
            ["1", "2", "3"],
            "numeric codes sort as numbers"
        );
        assert_eq!(
            site.values,
            [Some(2.0), Some(0.0), Some(1.0), Some(0.0), None]
        );
        assert_eq!(site.level(1), Some("1"));
    }

    #[test]
    fn listed_levels_keep_their_order_after_the_reference() {
        let spec = arm_site(
            "levels = [\"TAU\", \"CBT\", \"Group\", \"Waitlist\"]\nreference = \"CBT\"",
            "reference = 3",
        );
        let (panel, _) = load(T0, T1, &spec).unwrap();
        let arm = panel.covariate("arm").unwrap();
        assert_eq!(arm.levels, ["CBT", "TAU", "Group", "Waitlist"]);
        assert_eq!(
            arm.values,
            [Some(1.0), Some(0.0), Some(2.0), None, Some(1.0)]
        );
        let site = panel.covariate("site").unwrap();
        assert_eq!(site.levels, ["3", "1", "2"]);
        assert_eq!(
            site.values,
            [Some(0.0), Some(1.0), Some(2.0), Some(1.0), None]
        );
    }

    #[test]
    fn a_reference_never_observed_is_an_error() {
        let err = load(T0, T1, &arm_site("reference = \"tau\"", ""))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("T0.csv")
                && err.contains("reference = \"tau\"")
                && err.contains("levels seen: CBT, Group, TAU"),
            "{err}"
        );
    }

    #[test]
    fn numeric_covariates_have_no_levels() {
        let spec =
            spec_with("[[covariate]]\nname = \"site\"\ncolumn = \"site\"\nmin = 1\nmax = 3\n");
        let (panel, _) = load(T0, T1, &spec).unwrap();
        let site = panel.covariate("site").unwrap();
        assert!(site.levels.is_empty() && site.reference().is_none());
        assert_eq!(
            site.values,
            [Some(3.0), Some(1.0), Some(2.0), Some(1.0), None]
        );
    }

    #[test]
    fn default_spec_gender_codes_are_unchanged() {
        // Numbers reported before categorical levels existed must not move: gender's level
        // indices (reference "0" first, then "1") equal its 0/1 codes.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/example");
        let files: Vec<WaveFile> = (0..3)
            .map(|w| WaveFile {
                wave: w,
                path: std::path::Path::new(dir).join(format!("T{w}.csv")),
            })
            .collect();
        let input = Input::Waves(files.clone());
        let (panel, _) =
            load_study(&input, &StudySpec::default_spec(), &LoadOptions::default()).unwrap();
        let gender = panel.covariate("gender").unwrap();
        assert!(gender.categorical);
        assert_eq!(gender.levels, ["0", "1"]);
        let t0 = std::fs::read_to_string(files[0].path.clone()).unwrap();
        let raw: Vec<Option<f64>> = t0
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().trim().parse().ok())
            .collect();
        assert_eq!(gender.values, raw);
        assert!(gender
            .values
            .iter()
            .flatten()
            .all(|v| *v == 0.0 || *v == 1.0));
        assert!(panel.covariate("age").unwrap().levels.is_empty());
    }

    #[test]
    fn panel_csv_writes_categorical_levels_as_text() {
        let spec = arm_site("reference = \"TAU\"", "");
        let (panel, _) = load(T0, T1, &spec).unwrap();
        let mut out = Vec::new();
        write_panel_csv(&panel, &mut out).unwrap();
        let csv = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = csv.lines().collect();
        assert!(rows[0].ends_with(",arm,site"), "{csv}");
        assert!(rows[1].ends_with(",TAU,3"), "{csv}");
        assert!(rows[2].ends_with(",CBT,1"), "{csv}");
        assert!(rows[3].ends_with(",Group,2"), "{csv}");
        assert!(rows[4].ends_with(",,1"), "{csv}");
        assert!(rows[5].ends_with(",TAU,"), "{csv}");
    }
}

//! Validates one wave's cells against the spec and scores its scales.
//!
//! Scoring: reverse-keyed items become min + max − value; a scale score is the mean of
//! the answered items, computed only when at least ⌈share·k⌉ of its k items are answered.

use std::collections::HashMap;
use std::path::PathBuf;

use super::read::RawWave;
use super::{CellProblem, LoadError, Warning};
use crate::spec::{Covariate, Level, StudySpec};

/// The fix for a column a spec names but a wave file lacks.
const SPEC_FIX: &str = "Rename the columns in the file, or change the spec (--spec; start from `spcure spec --print-default`).";

/// How many bad cells one error message lists before summarising the rest.
pub const MAX_LISTED_PROBLEMS: usize = 12;

/// One wave, validated and scored, in plain vectors (row order of the file).
#[derive(Debug, Clone)]
pub struct WaveData {
    pub wave: u32,
    pub path: PathBuf,
    pub sha256: String,
    pub delimiter: char,
    pub ids: Vec<String>,
    /// Per construct (spec order): scale score per row; `None` for a construct this wave lacks.
    pub scores: Vec<Option<Vec<Option<f64>>>>,
    /// Per construct: item values (reverse-keying applied), `[item][row]`.
    pub items: Vec<Option<Vec<Vec<Option<f64>>>>>,
    /// Per construct: rows not scored because too few items were answered (but at least one was).
    pub too_few_items: Vec<usize>,
    /// Per covariate (spec order): its cells; `None` when this wave has no such column.
    pub covariates: Vec<Option<CovariateCells>>,
    pub warnings: Vec<Warning>,
}

/// One wave's cells of a baseline variable, row by row (`None`: missing).
#[derive(Debug, Clone, PartialEq)]
pub enum CovariateCells {
    /// A numeric covariate, within its declared range.
    Numeric(Vec<Option<f64>>),
    /// A categorical variable: each cell's level (text trimmed, numeric codes normalised, so
    /// "1.0" and "1" are one level), one of the spec's `levels` when it lists them.
    Categorical(Vec<Option<Level>>),
}

/// Missing-value rules of the spec.
pub(super) struct Missing {
    text: Vec<String>,
    numeric: Vec<f64>,
}

impl Missing {
    fn new(spec: &StudySpec) -> Self {
        Self::from_codes(&spec.study.missing_codes)
    }
    pub(super) fn from_codes(codes: &[String]) -> Self {
        let text: Vec<String> = codes.iter().map(|c| c.trim().to_string()).collect();
        let numeric = text.iter().filter_map(|c| c.parse::<f64>().ok()).collect();
        Self { text, numeric }
    }
    fn is_missing(&self, raw: &str) -> bool {
        raw.is_empty() || self.text.iter().any(|c| c == raw)
    }
    fn is_numeric_code(&self, v: f64) -> bool {
        self.numeric.contains(&v)
    }
}

pub(super) struct Ctx<'a> {
    pub(super) raw: &'a RawWave,
    pub(super) missing: Missing,
    pub(super) problems: Vec<CellProblem>,
    pub(super) total_problems: usize,
}

impl Ctx<'_> {
    fn problem(&mut self, row: usize, column: &str, value: &str, message: String) {
        self.total_problems += 1;
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(CellProblem {
                line: self.raw.lines[row],
                row: row + 1,
                column: column.to_string(),
                value: value.to_string(),
                message,
            });
        }
    }

    pub(super) fn text_column(&self, name: &str) -> Vec<Option<String>> {
        let col = self
            .raw
            .frame
            .column(name)
            .expect("column checked")
            .str()
            .expect("read as text");
        col.iter()
            .map(|v| v.map(|s| s.trim().to_string()))
            .collect()
    }

    /// Parses a numeric column, checking the declared range; bad cells become problems.
    pub(super) fn numeric_column(&mut self, name: &str, min: f64, max: f64) -> Vec<Option<f64>> {
        self.numeric_cells(name, min, max, None)
    }

    /// `numeric_column` for a numeric covariate (`covariate` names it): text that looks like a
    /// category, not a missing-value marker, is met with the advice to declare it categorical.
    fn numeric_cells(
        &mut self,
        name: &str,
        min: f64,
        max: f64,
        covariate: Option<&str>,
    ) -> Vec<Option<f64>> {
        let decimal_comma = self.raw.delimiter != b',';
        let cells = self.text_column(name);
        let mut out = Vec::with_capacity(cells.len());
        for (row, cell) in cells.iter().enumerate() {
            let raw = cell.as_deref().unwrap_or("");
            if self.missing.is_missing(raw) {
                out.push(None);
                continue;
            }
            let parsed = parse_number(raw, decimal_comma);
            match parsed {
                Some(v) if self.missing.is_numeric_code(v) => out.push(None),
                Some(v) if (min..=max).contains(&v) => out.push(Some(v)),
                Some(_) => {
                    self.problem(row, name, raw, out_of_range(raw, min, max));
                    out.push(None);
                }
                None => {
                    let message = match covariate {
                        Some(cov) if !looks_like_missing(raw) => format!(
                            "column '{name}' holds text (\"{raw}\"), not a number; if covariate '{cov}' is a category (a treatment arm, site, group), set `categorical = true` for it in the spec"),
                        _ => format!(
                            "is not a number; correct it, or add \"{raw}\" to study.missing_codes in the spec if it marks a missing value"),
                    };
                    self.problem(row, name, raw, message);
                    out.push(None);
                }
            }
        }
        out
    }

    /// Reads a categorical variable's cells as levels: text trimmed, numeric codes normalised
    /// ("1.0" is "1"), missing codes and empty cells missing. With a declared range (numeric
    /// codes) text and codes outside it are problems; so is, when the spec lists `levels`,
    /// any other value.
    fn categorical_column(&mut self, name: &str, cov: &Covariate) -> Vec<Option<Level>> {
        let decimal_comma = self.raw.delimiter != b',';
        let levels = cov.levels();
        let range = cov.range();
        let cells = self.text_column(name);
        let mut out = Vec::with_capacity(cells.len());
        for (row, cell) in cells.iter().enumerate() {
            let raw = cell.as_deref().unwrap_or("");
            if self.missing.is_missing(raw) {
                out.push(None);
                continue;
            }
            let level = match parse_number(raw, decimal_comma) {
                Some(v) if self.missing.is_numeric_code(v) => {
                    out.push(None);
                    continue;
                }
                Some(v) => {
                    if let Some((min, max)) = range.filter(|(a, b)| !(*a..=*b).contains(&v)) {
                        self.problem(row, name, raw, out_of_range(raw, min, max));
                        out.push(None);
                        continue;
                    }
                    Level::number(v)
                }
                None => match range {
                    None => Level::new(raw),
                    Some((min, max)) => {
                        self.problem(row, name, raw, format!(
                        "is not a numeric code, but covariate '{}' declares codes {min}–{max} (min, max); correct it, add \"{raw}\" to study.missing_codes if it marks a missing value, or remove `min` and `max` from the spec to allow text levels",
                        cov.name()));
                        out.push(None);
                        continue;
                    }
                },
            };
            match &levels {
                Some(levels) if !levels.contains(&&level) => {
                    let listed: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
                    self.problem(row, name, raw, format!(
                        "is not one of the levels of covariate '{}' ({}); correct it, or add \"{raw}\" to its `levels` or to study.missing_codes in the spec",
                        cov.name(), listed.join(", ")));
                    out.push(None);
                }
                _ => out.push(Some(level)),
            }
        }
        out
    }
}

fn out_of_range(raw: &str, min: f64, max: f64) -> String {
    format!("outside the declared range {min}–{max}; correct it, or add \"{raw}\" to study.missing_codes in the spec if it is a missing-value code")
}

/// Text that usually marks a missing answer ("n/a", "unknown", "?") rather than a category.
fn looks_like_missing(raw: &str) -> bool {
    let key: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    key.chars().all(|c| !c.is_alphabetic())
        || [
            "na",
            "nan",
            "null",
            "none",
            "missing",
            "unknown",
            "dk",
            "dontknow",
            "refused",
            "notapplicable",
            "notknown",
            "notstated",
            "nk",
            "ns",
            "nr",
            "x",
        ]
        .contains(&key.as_str())
}

fn parse_number(raw: &str, decimal_comma: bool) -> Option<f64> {
    let v = raw.parse::<f64>().ok().or_else(|| {
        (decimal_comma && raw.matches(',').count() == 1)
            .then(|| raw.replace(',', ".").parse().ok())?
    })?;
    v.is_finite().then_some(v)
}

/// Validates and scores one wave file.
pub fn score_wave(raw: &RawWave, wave: u32, spec: &StudySpec) -> Result<WaveData, LoadError> {
    let names: Vec<String> = raw
        .frame
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let id_col = spec.study.id_column.as_str();
    if !names.iter().any(|n| n == id_col) {
        return Err(LoadError::MissingIdColumn {
            path: raw.path.clone(),
            id_column: id_col.to_string(),
            columns: names.join(", "),
        });
    }
    let mut ctx = Ctx {
        raw,
        missing: Missing::new(spec),
        problems: Vec::new(),
        total_problems: 0,
    };
    let ids = read_ids(&mut ctx, id_col)?;
    let mut warnings = Vec::new();
    let mut used: Vec<&str> = vec![id_col];
    let (mut scores, mut items, mut too_few_items) = (Vec::new(), Vec::new(), Vec::new());
    for c in &spec.constructs {
        let cols = c.columns();
        used.extend(cols.iter().copied());
        let present: Vec<&str> = cols
            .iter()
            .copied()
            .filter(|col| names.iter().any(|n| n == col))
            .collect();
        if present.is_empty() && wave != 0 {
            warnings.push(Warning::new(Some(&raw.path), format!(
                "construct '{}' is not measured in this wave (no column {}); its values are missing here",
                c.name(), cols.join(", "))));
            scores.push(None);
            items.push(None);
            too_few_items.push(0);
            continue;
        }
        if present.len() < cols.len() {
            let absent: Vec<&str> = cols
                .iter()
                .copied()
                .filter(|col| !present.contains(col))
                .collect();
            return Err(LoadError::MissingColumns {
                path: raw.path.clone(),
                what: format!("construct '{}'", c.name()),
                missing: absent.join(", "),
                columns: names.join(", "),
                fix: SPEC_FIX.into(),
            });
        }
        let values: Vec<Vec<Option<f64>>> = cols
            .iter()
            .map(|col| {
                let v = ctx.numeric_column(col, *c.min.get_ref(), c.max);
                if c.is_reversed(col) {
                    reverse(v, *c.min.get_ref(), c.max)
                } else {
                    v
                }
            })
            .collect();
        let (s, short) = scale_scores(&values, *spec.study.min_item_share.get_ref());
        scores.push(Some(s));
        items.push(Some(values));
        too_few_items.push(short);
    }
    let mut covariates = Vec::new();
    for cov in &spec.covariates {
        used.push(cov.column.as_str());
        if !names.contains(&cov.column) {
            if wave == 0 {
                return Err(LoadError::MissingColumns {
                    path: raw.path.clone(),
                    what: format!("covariate '{}'", cov.name()),
                    missing: cov.column.clone(),
                    columns: names.join(", "),
                    fix: SPEC_FIX.into(),
                });
            }
            covariates.push(None);
            continue;
        }
        covariates.push(Some(if cov.categorical {
            CovariateCells::Categorical(ctx.categorical_column(&cov.column, cov))
        } else {
            let (min, max) = cov
                .range()
                .expect("the spec validates that a numeric covariate has min and max");
            CovariateCells::Numeric(ctx.numeric_cells(&cov.column, min, max, Some(cov.name())))
        }));
    }
    if ctx.total_problems > 0 {
        return Err(LoadError::Cells {
            path: raw.path.clone(),
            problems: ctx.problems,
            total: ctx.total_problems,
        });
    }
    let unused: Vec<&String> = names
        .iter()
        .filter(|n| !used.contains(&n.as_str()))
        .collect();
    if !unused.is_empty() {
        warnings.push(Warning::new(
            Some(&raw.path),
            format!(
                "{} column(s) not used by the spec: {}",
                unused.len(),
                super::list_capped(&unused)
            ),
        ));
    }
    Ok(WaveData {
        wave,
        path: raw.path.clone(),
        sha256: raw.sha256.clone(),
        delimiter: raw.delimiter as char,
        ids,
        scores,
        items,
        too_few_items,
        covariates,
        warnings,
    })
}

/// Reads the id column; empty ids and duplicated ids are errors.
fn read_ids(ctx: &mut Ctx, id_col: &str) -> Result<Vec<String>, LoadError> {
    let cells = ctx.text_column(id_col);
    let mut ids = Vec::with_capacity(cells.len());
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut dups: Vec<String> = Vec::new();
    let mut n_dups = 0;
    for (row, cell) in cells.into_iter().enumerate() {
        let id = cell.unwrap_or_default();
        if id.is_empty() {
            ctx.problem(
                row,
                id_col,
                "",
                "participant id is empty; every row needs an id".into(),
            );
        } else if let Some(first) = first_row.get(&id) {
            n_dups += 1;
            if dups.len() < 5 {
                dups.push(format!(
                    "'{id}' (lines {} and {})",
                    ctx.raw.lines[*first], ctx.raw.lines[row]
                ));
            }
        } else {
            first_row.insert(id.clone(), row);
        }
        ids.push(id);
    }
    if n_dups > 0 {
        return Err(LoadError::DuplicateIds {
            path: ctx.raw.path.clone(),
            id_column: id_col.to_string(),
            count: n_dups,
            examples: dups.join(", "),
        });
    }
    Ok(ids)
}

fn reverse(values: Vec<Option<f64>>, min: f64, max: f64) -> Vec<Option<f64>> {
    values
        .into_iter()
        .map(|v| v.map(|x| min + max - x))
        .collect()
}

/// Mean of answered items where at least ⌈share·k⌉ are answered; also counts the rows that
/// had some but too few answers.
pub fn scale_scores(items: &[Vec<Option<f64>>], share: f64) -> (Vec<Option<f64>>, usize) {
    let k = items.len();
    let need = ((share * k as f64).ceil() as usize).max(1);
    let n = items.first().map_or(0, Vec::len);
    let mut short = 0;
    let scores = (0..n)
        .map(|i| {
            let answered: Vec<f64> = items.iter().filter_map(|col| col[i]).collect();
            if answered.len() >= need {
                Some(answered.iter().sum::<f64>() / answered.len() as f64)
            } else {
                short += usize::from(!answered.is_empty());
                None
            }
        })
        .collect();
    (scores, short)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn scale_scores_apply_the_item_share_rule() {
        let items = vec![
            vec![Some(1.0), Some(2.0), None],
            vec![Some(3.0), None, None],
            vec![Some(5.0), None, None],
        ];
        let (s, short) = scale_scores(&items, 0.5);
        assert_eq!(s[0], Some(3.0));
        assert_eq!(s[1], None, "1 of 3 answered is below ceil(0.5*3) = 2");
        assert_eq!(s[2], None);
        assert_eq!(short, 1);
    }

    #[test]
    fn numbers_accept_decimal_commas_only_off_comma_files() {
        assert_eq!(parse_number("3,5", true), Some(3.5));
        assert_eq!(parse_number("3,5", false), None);
        assert_eq!(parse_number("inf", false), None);
        assert_eq!(parse_number("-2.5e1", false), Some(-25.0));
    }

    /// A spec with constructs a, b, c (one column each, 0–10) and `covariates` appended.
    pub(in crate::load) fn spec_with(covariates: &str) -> StudySpec {
        let text = format!(
            "[study]\nmissing_codes = [\"NA\", \"-99\"]\n\
             [[construct]]\nname = \"a\"\ncolumn = \"a\"\nmin = 0\nmax = 10\n\
             [[construct]]\nname = \"b\"\ncolumn = \"b\"\nmin = 0\nmax = 10\n\
             [[construct]]\nname = \"c\"\ncolumn = \"c\"\nmin = 0\nmax = 10\n\
             {covariates}\n\
             [model]\nx = \"a\"\nmediators = [\"b\"]\ny = \"c\"\n"
        );
        StudySpec::parse(&text, "test.toml").unwrap()
    }

    fn score_text(csv: &str, spec: &StudySpec) -> Result<WaveData, LoadError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("T0.csv");
        std::fs::write(&path, csv).unwrap();
        score_wave(&super::super::read_wave(&path)?, 0, spec)
    }

    fn categorical(w: &WaveData, k: usize) -> Vec<Option<&str>> {
        match w.covariates[k].as_ref().unwrap() {
            CovariateCells::Categorical(v) => {
                v.iter().map(|l| l.as_ref().map(Level::as_str)).collect()
            }
            other => panic!("not categorical: {other:?}"),
        }
    }

    const ARM_SITE: &str = "[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\ncategorical = true\n\
        [[covariate]]\nname = \"site\"\ncolumn = \"site\"\ncategorical = true\n";

    #[test]
    fn categorical_cells_are_trimmed_text_or_normalised_codes() {
        let csv = "id,a,b,c,arm,site\n\
                   1,1,1,1,TAU,1\n\
                   2,1,1,1, CBT ,1.0\n\
                   3,1,1,1,NA,-99\n\
                   4,1,1,1,,2\n\
                   5,1,1,1,Group,02\n";
        let w = score_text(csv, &spec_with(ARM_SITE)).unwrap();
        assert_eq!(
            categorical(&w, 0),
            [Some("TAU"), Some("CBT"), None, None, Some("Group")]
        );
        assert_eq!(
            categorical(&w, 1),
            [Some("1"), Some("1"), None, Some("2"), Some("2")]
        );
    }

    #[test]
    fn a_value_outside_the_listed_levels_is_a_cell_error_with_the_fix() {
        let spec = spec_with(
            "[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\ncategorical = true\n\
             levels = [\"TAU\", \"CBT\"]\n",
        );
        let csv = "id,a,b,c,arm\n1,1,1,1,TAU\n2,1,1,1,Group\n3,1,1,1,cbt\n";
        let err = score_text(csv, &spec).unwrap_err().to_string();
        for needle in [
            "T0.csv",
            "2 invalid value(s)",
            "line 3 (data row 2), column 'arm', value \"Group\"",
            "line 4",
            "\"cbt\"",
            "not one of the levels of covariate 'arm' (TAU, CBT)",
            "its `levels` or to study.missing_codes",
        ] {
            assert!(err.contains(needle), "{needle:?} not in {err}");
        }
    }

    #[test]
    fn categorical_codes_keep_a_declared_range() {
        // The default spec's gender: categorical 0/1 with min 0, max 1.
        let spec = spec_with(
            "[[covariate]]\nname = \"gender\"\ncolumn = \"gender\"\ncategorical = true\nmin = 0\nmax = 1\n",
        );
        let w = score_text("id,a,b,c,gender\n1,1,1,1,0\n2,1,1,1,1\n", &spec).unwrap();
        assert_eq!(categorical(&w, 0), [Some("0"), Some("1")]);
        let err = score_text("id,a,b,c,gender\n1,1,1,1,2\n", &spec)
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside the declared range 0–1"), "{err}");
        // A declared range means numeric codes: text is an error, not a third level.
        let err = score_text("id,a,b,c,gender\n1,1,1,1,F\n", &spec)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("declares codes 0–1") && err.contains("remove `min` and `max`"),
            "{err}"
        );
    }

    #[test]
    fn text_in_a_numeric_covariate_suggests_categorical_not_missing_codes() {
        let spec = spec_with("[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\nmin = 0\nmax = 2\n");
        let err = score_text("id,a,b,c,arm\n1,1,1,1,TAU\n2,1,1,1,1\n", &spec)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column 'arm' holds text (\"TAU\")")
                && err.contains("set `categorical = true`")
                && !err.contains("missing_codes"),
            "{err}"
        );
        // A missing-value marker still gets the missing-code advice.
        let err = score_text("id,a,b,c,arm\n1,1,1,1,n/a\n", &spec)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a number") && err.contains("missing_codes"),
            "{err}"
        );
        // Construct items keep the missing-code advice.
        let err = score_text("id,a,b,c,arm\n1,four,1,1,1\n", &spec)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing_codes") && !err.contains("categorical"),
            "{err}"
        );
    }

    #[test]
    fn missing_markers_are_told_from_categories() {
        for m in ["n/a", "N.A.", "unknown", "?", "-", "Don't know", "NULL"] {
            assert!(looks_like_missing(m), "{m}");
        }
        for c in ["TAU", "CBT", "Group", "north", "site A"] {
            assert!(!looks_like_missing(c), "{c}");
        }
    }
}

//! Saved results → the one report model (tables, sentences, figures). Every renderer and
//! `spcure report` start from here, so a report regenerated from results.json is the one
//! `analyse` wrote.
//!
//! One section builder per kind of output (`part` dispatches on the kind, so the compiler
//! says where a new kind must be handled); each entry's part lands in its kind's section.

mod attrition;
mod change;
mod correlations;
mod count_change;
mod descriptives;
mod disclosure;
mod fiml;
mod findings;
mod mediation;
mod methods;
mod mixed;
mod regression;
mod reliability;

use super::apa::{self, CiKind};
use super::model::{Cell, Column, Figure, Report, Section, Table};
use crate::analysis::{Entry, Kind, Output};
use crate::prepare::Sample;
use crate::results::AnalysisResults;
use crate::stats::mediation::CiMethod;

/// Significance level used to mark coefficients in tables and figures.
pub const ALPHA: f64 = 0.05;

/// The full report of an analysis with counts below `min_cell` suppressed (`--min-cell`;
/// `None` or 1: every count shown).
pub fn build_disclosed(r: &AnalysisResults, min_cell: Option<u64>) -> Report {
    let mut report = build(r);
    if let Some(n) = min_cell {
        disclosure::suppress(&mut report, n);
    }
    report
}

/// The full report of an analysis.
pub fn build(r: &AnalysisResults) -> Report {
    let labels = Labels::new(r);
    let mut sections = vec![attrition::files_section(r)];
    let mut figures = Vec::new();
    for e in &r.analyses {
        let part = match &e.output {
            Some(o) => part(e, o, &labels),
            None => not_run_part(e),
        };
        figures.extend(part.figures.iter().cloned());
        place(&mut sections, e.kind, part);
    }
    Report {
        title: format!("{}: results", r.study),
        subtitle: Some(format!(
            "spcure {} · schema {} · spec {}",
            r.spcure_version, r.schema_version, r.spec_source
        )),
        key_findings: findings::key_findings(r, &labels),
        sections,
        methods: methods::methods(r),
        figures,
    }
}

/// What one entry adds to its section.
#[derive(Default)]
struct Part {
    paragraphs: Vec<String>,
    tables: Vec<Table>,
    figures: Vec<Figure>,
}

/// The report section of each kind: (id, title).
fn section_of(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Attrition => ("sample", "Sample and attrition"),
        Kind::Descriptives | Kind::Reliability | Kind::Correlations => {
            ("descriptives", "Descriptives, reliability and correlations")
        }
        Kind::Change | Kind::MixedModel => ("change", "Change across waves"),
        Kind::Regression => ("regressions", "Regressions"),
        Kind::SerialMediation => ("mediation", "Serial mediation"),
        Kind::CountChange => ("count_change", "Change in counts"),
    }
}

fn part(e: &Entry, o: &Output, labels: &Labels) -> Part {
    match o {
        Output::Descriptives(d) => descriptives::part(e, d),
        Output::Reliability(x) => reliability::part(e, x),
        Output::Correlations(c) => correlations::part(e, c),
        Output::Attrition(a) => attrition::part(e, a, labels),
        Output::Change(c) => change::part(e, c, labels),
        Output::MixedModel(m) => mixed::part(e, m),
        Output::Regression(x) => regression::part(e, x),
        Output::SerialMediation(m) => mediation::part(e, m, labels),
        Output::CountChange(c) => count_change::part(e, c),
        Output::FimlMediation(m) => fiml::part(e, m, labels),
    }
}

fn not_run_part(e: &Entry) -> Part {
    Part {
        paragraphs: vec![format!(
            "Not reported: {} — {}",
            e.title,
            e.not_run.as_deref().unwrap_or("no output")
        )],
        ..Part::default()
    }
}

/// Appends a part to its kind's section, opening the section on first use.
fn place(sections: &mut Vec<Section>, kind: Kind, part: Part) {
    let (id, title) = section_of(kind);
    let index = match sections.iter().position(|s| s.id == id) {
        Some(i) => i,
        None => {
            sections.push(Section {
                id: id.into(),
                title: title.into(),
                ..Section::default()
            });
            sections.len() - 1
        }
    };
    let s = &mut sections[index];
    s.paragraphs.extend(part.paragraphs);
    s.tables.extend(part.tables);
    s.figure_ids.extend(part.figures.into_iter().map(|f| f.id));
}

/// Display labels of constructs and baseline variables, from the descriptives.
pub(crate) struct Labels {
    pairs: Vec<(String, String)>,
}

impl Labels {
    fn new(r: &AnalysisResults) -> Self {
        let mut pairs = Vec::new();
        for (_, o) in r.outputs(Kind::Descriptives) {
            if let Output::Descriptives(d) = o {
                pairs.extend(
                    d.constructs
                        .iter()
                        .map(|c| (c.construct.clone(), c.label.clone())),
                );
                pairs.extend(
                    d.covariates
                        .iter()
                        .map(|c| (c.covariate.clone(), c.label.clone())),
                );
            }
        }
        Self { pairs }
    }

    /// The label of a construct or baseline variable, or the name itself.
    pub fn of(&self, name: &str) -> String {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| name.to_string(), |(_, l)| l.clone())
    }

    /// "Community belonging" → "community belonging", keeping acronyms such as "GP".
    pub fn lower(&self, name: &str) -> String {
        let l = self.of(name);
        let mut chars = l.chars();
        match (chars.next(), chars.clone().next()) {
            (Some(first), Some(second)) if !second.is_uppercase() => {
                first.to_lowercase().chain(chars).collect()
            }
            _ => l,
        }
    }
}

// ------------------------------------------------------------------ cells and notes

fn num(value: f64, digits: usize) -> Cell {
    if value.is_finite() {
        Cell::Num { value, digits }
    } else {
        Cell::Missing
    }
}

fn opt(value: Option<f64>, digits: usize) -> Cell {
    value.map_or(Cell::Missing, |v| num(v, digits))
}

fn int(n: usize) -> Cell {
    Cell::Int(n as i64)
}

fn p(value: f64) -> Cell {
    if value.is_finite() {
        Cell::P(value)
    } else {
        Cell::Missing
    }
}

fn coef(value: f64, p: f64, digits: usize) -> Cell {
    Cell::Coef {
        value,
        digits,
        significant: p < ALPHA,
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn ci_kind(ci: CiMethod) -> CiKind {
    match ci {
        CiMethod::Percentile => CiKind::Percentile,
        CiMethod::Bc => CiKind::BiasCorrected,
        CiMethod::Bca => CiKind::Bca,
    }
}

/// "95% CI" for a header: the level comes from the results, never a literal.
fn ci_header(level: f64) -> String {
    format!("{} CI", apa::level_percent(level))
}

/// "* p < .05."
fn significance_note() -> String {
    format!("* p < {}.", apa::no_leading_zero(ALPHA, 2))
}

/// The sample note every model table carries: who was analysed, how missing data were
/// handled, and under which assumption the numbers hold.
fn sample_note(s: &Sample) -> String {
    format!(
        "Sample: {}. Missing data: {}.",
        s.describe(),
        s.missing.assumption()
    )
}

/// An empty table with the given columns.
fn table(id: &str, caption: impl Into<String>, columns: Vec<Column>) -> Table {
    Table {
        id: id.into(),
        caption: caption.into(),
        columns,
        rows: Vec::new(),
        notes: Vec::new(),
    }
}

//! The report model: one plain, format-independent description of a report (title, key
//! findings, sections with paragraphs, tables and figure references, methods, figures).
//! The command layer maps analysis results into it; each renderer (terminal, Markdown, HTML,
//! CSV) only reads it. Nothing here knows about the statistics types.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::apa;

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Report {
    pub title: String,
    pub subtitle: Option<String>,
    /// One-sentence findings, shown first (terminal summary, Markdown list, HTML list).
    pub key_findings: Vec<String>,
    pub sections: Vec<Section>,
    /// Methods paragraphs, rendered last.
    pub methods: Vec<String>,
    /// Every figure; sections refer to them by id.
    pub figures: Vec<Figure>,
}

/// One results section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub tables: Vec<Table>,
    /// Ids of figures (in `Report::figures`) shown in this section.
    pub figure_ids: Vec<String>,
}

/// One table; `id` is also the CSV file stem (e.g. "change_across_waves").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub columns: Vec<Column>,
    /// Rows of cells; a row shorter than `columns` is padded with `Cell::Missing`,
    /// extra cells are ignored (see [`Report::problems`]).
    pub rows: Vec<Vec<Cell>>,
    /// Table notes; the first one is rendered after an italic "Note." label.
    pub notes: Vec<String>,
}

/// One table column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Tidy CSV header, snake_case (e.g. "ci_low").
    pub key: String,
    /// Display header (e.g. "95% CI lower").
    pub header: String,
    pub align: Align,
}

/// Horizontal alignment of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Align {
    Left,
    Right,
    Center,
}

/// One table cell. Numbers keep their full value; formatting happens at render time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A number shown with `digits` decimals.
    Num {
        value: f64,
        digits: usize,
    },
    /// A p-value, shown APA style without leading zero (".042", "< .001").
    P(f64),
    /// A coefficient; `significant` ones are marked with `*` (explain the mark in a note).
    Coef {
        value: f64,
        digits: usize,
        significant: bool,
    },
    Missing,
}

/// A figure: an SVG document with its caption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// File stem: Markdown refers to `figures/<id>.svg`.
    pub id: String,
    pub caption: String,
    pub svg: String,
}

/// Writes a report in one format.
pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// Renders into a `String` (all renderers write UTF-8).
pub fn render_to_string(renderer: &dyn Renderer, report: &Report) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail except through a renderer bug; keep what was written.
    let _ = renderer.render(report, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// What a display cell shows: the text and whether it carries a significance mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellText {
    pub text: String,
    pub marked: bool,
}

/// Shown for missing cells and NaN numbers in display formats (the CSV leaves them empty).
pub const MISSING: &str = "—";

impl Cell {
    /// The APA-formatted display text (without the significance mark).
    pub fn display(&self) -> CellText {
        let plain = |text: String| CellText {
            text,
            marked: false,
        };
        match self {
            Cell::Text(s) => plain(s.clone()),
            Cell::Int(i) => plain(i.to_string()),
            Cell::Num { value, digits } => plain(apa::fixed(*value, *digits)),
            Cell::P(p) => plain(apa::p_bare(*p)),
            Cell::Coef {
                value,
                digits,
                significant,
            } => CellText {
                text: apa::fixed(*value, *digits),
                marked: *significant && !value.is_nan(),
            },
            Cell::Missing => plain(MISSING.to_string()),
        }
    }

    /// True for cells holding a number (right-aligned in "auto" contexts).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Cell::Int(_) | Cell::Num { .. } | Cell::P(_) | Cell::Coef { .. }
        )
    }
}

impl Column {
    /// A left-aligned text column.
    pub fn text(key: &str, header: &str) -> Self {
        Self {
            key: key.to_string(),
            header: header.to_string(),
            align: Align::Left,
        }
    }

    /// A right-aligned number column.
    pub fn number(key: &str, header: &str) -> Self {
        Self {
            key: key.to_string(),
            header: header.to_string(),
            align: Align::Right,
        }
    }
}

/// Stands in for cells a short row lacks.
static MISSING_CELL: Cell = Cell::Missing;

impl Table {
    /// The row padded or cut to the number of columns, so renderers never index out of range.
    pub fn row_cells<'a>(&'a self, row: &'a [Cell]) -> impl Iterator<Item = &'a Cell> + 'a {
        (0..self.columns.len()).map(move |i| row.get(i).unwrap_or(&MISSING_CELL))
    }
}

/// A file-name-safe version of an id: ASCII letters, digits, '_', '-' and '.' are kept,
/// everything else becomes '_' (an empty id becomes "unnamed"). Use it for every file
/// named after a table or figure id, so Markdown links and written files agree.
pub fn file_stem(id: &str) -> String {
    let stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_start_matches('.').to_string();
    if stem.is_empty() {
        "unnamed".to_string()
    } else {
        stem
    }
}

/// Table and figure numbers, shared by all renderers so they agree.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbering {
    /// Figure ids in number order (Figure 1 first): first referenced by the sections in
    /// reading order, then figures no section refers to, in `Report::figures` order.
    pub figure_order: Vec<String>,
}

impl Numbering {
    pub fn of(report: &Report) -> Self {
        let mut order: Vec<String> = Vec::new();
        let referenced = report.sections.iter().flat_map(|s| s.figure_ids.iter());
        for id in referenced.chain(report.figures.iter().map(|f| &f.id)) {
            let known = report.figures.iter().any(|f| &f.id == id);
            if known && !order.contains(id) {
                order.push(id.clone());
            }
        }
        Self {
            figure_order: order,
        }
    }

    /// 1-based figure number of `id`, if the report has such a figure.
    pub fn figure(&self, id: &str) -> Option<usize> {
        self.figure_order
            .iter()
            .position(|f| f == id)
            .map(|i| i + 1)
    }
}

impl Report {
    /// The figure with this id.
    pub fn figure(&self, id: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.id == id)
    }

    /// Figures no section refers to (renderers show them after the last section).
    pub fn unreferenced_figures(&self) -> Vec<&Figure> {
        self.figures
            .iter()
            .filter(|f| !self.sections.iter().any(|s| s.figure_ids.contains(&f.id)))
            .collect()
    }

    /// Every table, in reading order, with its 1-based number.
    pub fn numbered_tables(&self) -> Vec<(usize, &Table)> {
        self.sections
            .iter()
            .flat_map(|s| s.tables.iter())
            .enumerate()
            .map(|(i, t)| (i + 1, t))
            .collect()
    }

    /// Problems renderers work around silently (ragged rows, unknown figure ids, duplicate
    /// or non-file-safe ids). Empty for a well-formed report; the command layer may warn.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut table_stems: Vec<String> = Vec::new();
        for (_, t) in self.numbered_tables() {
            let stem = file_stem(&t.id);
            if stem != t.id {
                out.push(format!("table id '{}' is not file-safe", t.id));
            }
            if table_stems.contains(&stem) {
                out.push(format!("duplicate table id '{}'", t.id));
            }
            table_stems.push(stem);
            for (i, row) in t.rows.iter().enumerate() {
                if row.len() != t.columns.len() {
                    out.push(format!(
                        "table '{}' row {}: {} cells for {} columns",
                        t.id,
                        i + 1,
                        row.len(),
                        t.columns.len()
                    ));
                }
            }
        }
        for s in &self.sections {
            for id in &s.figure_ids {
                if self.figure(id).is_none() {
                    out.push(format!(
                        "section '{}' refers to unknown figure '{id}'",
                        s.id
                    ));
                }
            }
        }
        for (i, f) in self.figures.iter().enumerate() {
            if file_stem(&f.id) != f.id {
                out.push(format!("figure id '{}' is not file-safe", f.id));
            }
            if self.figures[..i].iter().any(|g| g.id == f.id) {
                out.push(format!("duplicate figure id '{}'", f.id));
            }
        }
        out
    }
}

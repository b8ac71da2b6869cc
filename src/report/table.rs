//! Plain-text renderer for the terminal: key findings first, then each section with its
//! tables laid out in aligned columns that fit a fixed width (100 columns by default; long
//! text cells and headers wrap onto extra lines, numbers never do).

use std::io::{self, Write};

use super::model::{file_stem, Align, Cell, Numbering, Renderer, Report, Table};

/// Width a terminal report fits in.
pub const TERMINAL_WIDTH: usize = 100;
/// Space between table columns.
const GAP: usize = 2;
/// Indentation of tables, lists and notes.
const INDENT: usize = 2;
/// A text column is never squeezed narrower than this (unless its content is narrower).
const MIN_TEXT_WIDTH: usize = 8;

/// Renders a report as aligned plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalRenderer {
    pub width: usize,
}

impl Default for TerminalRenderer {
    fn default() -> Self {
        Self {
            width: TERMINAL_WIDTH,
        }
    }
}

impl Renderer for TerminalRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let width = self.width.max(20);
        let numbering = Numbering::of(report);
        heading(out, &report.title, '=', width)?;
        if let Some(sub) = &report.subtitle {
            write_wrapped(out, sub, width, "", "")?;
        }
        if !report.key_findings.is_empty() {
            writeln!(out)?;
            writeln!(out, "Key findings")?;
            for f in &report.key_findings {
                write_wrapped(out, f, width, "  • ", "    ")?;
            }
        }
        let mut table_no = 0;
        for s in &report.sections {
            writeln!(out)?;
            heading(out, &s.title, '-', width)?;
            for p in &s.paragraphs {
                writeln!(out)?;
                write_wrapped(out, p, width, "", "")?;
            }
            for t in &s.tables {
                table_no += 1;
                writeln!(out)?;
                write_table(out, table_no, t, width)?;
            }
            for id in &s.figure_ids {
                write_figure(out, report, &numbering, id, width)?;
            }
        }
        let loose = report.unreferenced_figures();
        if !loose.is_empty() {
            writeln!(out)?;
            heading(out, "Figures", '-', width)?;
            for f in loose {
                write_figure(out, report, &numbering, &f.id, width)?;
            }
        }
        if !report.methods.is_empty() {
            writeln!(out)?;
            heading(out, "Methods", '-', width)?;
            for p in &report.methods {
                writeln!(out)?;
                write_wrapped(out, p, width, "", "")?;
            }
        }
        Ok(())
    }
}

fn heading(out: &mut dyn Write, title: &str, underline: char, width: usize) -> io::Result<()> {
    let lines = wrap(title, width);
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    for l in &lines {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "{}", underline.to_string().repeat(longest.max(1)))
}

fn write_figure(
    out: &mut dyn Write,
    report: &Report,
    numbering: &Numbering,
    id: &str,
    width: usize,
) -> io::Result<()> {
    let (Some(fig), Some(no)) = (report.figure(id), numbering.figure(id)) else {
        return Ok(());
    };
    let text = format!(
        "Figure {no}. {} (figures/{}.svg)",
        fig.caption,
        file_stem(&fig.id)
    );
    writeln!(out)?;
    write_wrapped(out, &text, width, "", "")
}

/// Writes `text` word-wrapped; the first line starts with `first`, the others with `rest`.
fn write_wrapped(
    out: &mut dyn Write,
    text: &str,
    width: usize,
    first: &str,
    rest: &str,
) -> io::Result<()> {
    let avail = width.saturating_sub(first.chars().count()).max(1);
    for (i, line) in wrap(text, avail).iter().enumerate() {
        let prefix = if i == 0 { first } else { rest };
        writeln!(out, "{prefix}{line}")?;
    }
    Ok(())
}

/// Word-wraps `text` (whitespace, including newlines, collapses to single spaces) into
/// lines of at most `width` characters; words longer than `width` are split.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut chars: Vec<char> = word.chars().collect();
        while chars.len() > width {
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            lines.push(chars.drain(..width).collect());
        }
        let wlen = chars.len();
        if wlen == 0 {
            continue;
        }
        if len > 0 && len + 1 + wlen > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.extend(chars);
        len += wlen;
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Whitespace runs (including line breaks) as single spaces, so a cell stays in its row.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Display text of every cell, with the significance mark `*` (or a space in columns
/// that have marks, so decimal points stay aligned).
fn cell_texts(t: &Table) -> Vec<Vec<String>> {
    let shown: Vec<Vec<(String, bool)>> = t
        .rows
        .iter()
        .map(|r| {
            t.row_cells(r)
                .map(|c| {
                    let d = c.display();
                    (collapse(&d.text), d.marked)
                })
                .collect()
        })
        .collect();
    let marked_col: Vec<bool> = (0..t.columns.len())
        .map(|j| shown.iter().any(|r| r[j].1))
        .collect();
    shown
        .into_iter()
        .map(|r| {
            r.into_iter()
                .enumerate()
                .map(|(j, (text, marked))| match (marked, marked_col[j]) {
                    (true, _) => format!("{text}*"),
                    (false, true) => format!("{text} "),
                    _ => text,
                })
                .collect()
        })
        .collect()
}

/// Column widths: natural widths, then the widest squeezable columns narrowed one
/// character at a time until the table fits. Numeric cells are never squeezed.
fn column_widths(t: &Table, texts: &[Vec<String>], avail: usize) -> Vec<usize> {
    let n = t.columns.len();
    let len = |s: &str| s.chars().count();
    let mut widths = vec![1; n];
    let mut mins = vec![1; n];
    for j in 0..n {
        let header = len(&t.columns[j].header);
        // Text cells may wrap; numbers and missing-value dashes may not.
        let mut longest_fixed = 0;
        let mut longest_text = 0;
        for (i, row) in texts.iter().enumerate() {
            let w = len(&row[j]);
            match t.rows[i].get(j) {
                Some(Cell::Text(_)) => longest_text = longest_text.max(w),
                _ => longest_fixed = longest_fixed.max(w),
            }
        }
        widths[j] = header.max(longest_fixed).max(longest_text).max(1);
        let text_min = if longest_text > 0 {
            widths[j].min(MIN_TEXT_WIDTH)
        } else {
            1
        };
        mins[j] = longest_fixed.max(text_min);
    }
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * n.saturating_sub(1);
    while total(&widths) > avail {
        let widest = (0..n)
            .filter(|&j| widths[j] > mins[j])
            .max_by_key(|&j| (widths[j], std::cmp::Reverse(j)));
        match widest {
            Some(j) => widths[j] -= 1,
            None => break,
        }
    }
    widths
}

fn pad(s: &str, width: usize, align: Align) -> String {
    let fill = width.saturating_sub(s.chars().count());
    match align {
        Align::Left => format!("{s}{}", " ".repeat(fill)),
        Align::Right => format!("{}{s}", " ".repeat(fill)),
        Align::Center => {
            let left = fill / 2;
            format!("{}{s}{}", " ".repeat(left), " ".repeat(fill - left))
        }
    }
}

/// Writes one table row whose cells may span several lines.
fn write_row(
    out: &mut dyn Write,
    cells: &[String],
    widths: &[usize],
    aligns: &[Align],
) -> io::Result<()> {
    let wrapped: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .map(|(c, &w)| {
            if c.chars().count() <= w {
                vec![c.clone()]
            } else {
                wrap(c, w)
            }
        })
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
    for k in 0..height {
        let parts: Vec<String> = wrapped
            .iter()
            .enumerate()
            .map(|(j, lines)| {
                pad(
                    lines.get(k).map_or("", String::as_str),
                    widths[j],
                    aligns[j],
                )
            })
            .collect();
        let line = format!("{}{}", " ".repeat(INDENT), parts.join(&" ".repeat(GAP)));
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn write_table(out: &mut dyn Write, number: usize, t: &Table, width: usize) -> io::Result<()> {
    write_wrapped(
        out,
        &format!("Table {number}. {}", t.caption),
        width,
        "",
        "",
    )?;
    if t.columns.is_empty() {
        return Ok(());
    }
    let texts = cell_texts(t);
    let widths = column_widths(t, &texts, width.saturating_sub(INDENT));
    let aligns: Vec<Align> = t.columns.iter().map(|c| c.align).collect();
    let table_width = widths.iter().sum::<usize>() + GAP * (widths.len() - 1);
    let rule = format!("{}{}", " ".repeat(INDENT), "─".repeat(table_width));
    writeln!(out, "{rule}")?;
    let headers: Vec<String> = t.columns.iter().map(|c| collapse(&c.header)).collect();
    write_row(out, &headers, &widths, &aligns)?;
    writeln!(out, "{rule}")?;
    for row in &texts {
        write_row(out, row, &widths, &aligns)?;
    }
    writeln!(out, "{rule}")?;
    let indent = " ".repeat(INDENT);
    for (i, note) in t.notes.iter().enumerate() {
        let text = if i == 0 {
            format!("Note. {note}")
        } else {
            note.clone()
        };
        write_wrapped(out, &text, width, &indent, &indent)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width_and_splits_long_words() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("x\n  y", 10), vec!["x y"]);
    }

    #[test]
    fn cells_that_are_missing_from_a_ragged_row_render_as_dashes() {
        let t = Table {
            id: "t".into(),
            caption: "c".into(),
            columns: vec![
                super::super::model::Column::text("a", "A"),
                super::super::model::Column::number("b", "B"),
            ],
            rows: vec![vec![Cell::Text("x".into())]],
            notes: vec![],
        };
        let mut buf = Vec::new();
        write_table(&mut buf, 1, &t, 100).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("x  —"), "{s}");
    }
}

//! GitHub-flavoured Markdown renderer: title, key findings as a list, sections with
//! paragraphs, pipe tables (APA order: bold "Table N", italic caption, table, italic "Note."),
//! figures as `![caption](figures/<id>.svg)` with "Figure N." captions, then the methods.
//! All report text is escaped, so it is shown literally.

use std::io::{self, Write};

use super::model::{file_stem, Align, Numbering, Renderer, Report, Table};

/// Renders a report as GitHub-flavoured Markdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MarkdownRenderer;

impl Renderer for MarkdownRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let numbering = Numbering::of(report);
        writeln!(out, "# {}", escape_inline(&report.title))?;
        if let Some(sub) = &report.subtitle {
            writeln!(out)?;
            writeln!(out, "*{}*", escape_inline(sub))?;
        }
        if !report.key_findings.is_empty() {
            writeln!(out)?;
            writeln!(out, "## Key findings")?;
            writeln!(out)?;
            for f in &report.key_findings {
                writeln!(out, "- {}", escape_inline(f))?;
            }
        }
        let mut table_no = 0;
        for s in &report.sections {
            writeln!(out)?;
            writeln!(out, "## {}", escape_inline(&s.title))?;
            for p in &s.paragraphs {
                writeln!(out)?;
                writeln!(out, "{}", escape_paragraph(p))?;
            }
            for t in &s.tables {
                table_no += 1;
                write_table(out, table_no, t)?;
            }
            for id in &s.figure_ids {
                write_figure(out, report, &numbering, id)?;
            }
        }
        let loose = report.unreferenced_figures();
        if !loose.is_empty() {
            writeln!(out)?;
            writeln!(out, "## Figures")?;
            for f in loose {
                write_figure(out, report, &numbering, &f.id)?;
            }
        }
        if !report.methods.is_empty() {
            writeln!(out)?;
            writeln!(out, "## Methods")?;
            for p in &report.methods {
                writeln!(out)?;
                writeln!(out, "{}", escape_paragraph(p))?;
            }
        }
        Ok(())
    }
}

fn write_figure(
    out: &mut dyn Write,
    report: &Report,
    numbering: &Numbering,
    id: &str,
) -> io::Result<()> {
    let (Some(fig), Some(no)) = (report.figure(id), numbering.figure(id)) else {
        return Ok(());
    };
    writeln!(out)?;
    writeln!(
        out,
        "![{}](figures/{}.svg)",
        escape_alt(&fig.caption),
        file_stem(&fig.id)
    )?;
    writeln!(out)?;
    writeln!(out, "*Figure {no}.* {}", escape_inline(&fig.caption))
}

fn write_table(out: &mut dyn Write, number: usize, t: &Table) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "**Table {number}**")?;
    writeln!(out)?;
    writeln!(out, "*{}*", escape_inline(&t.caption))?;
    if !t.columns.is_empty() {
        let headers: Vec<String> = t.columns.iter().map(|c| escape_cell(&c.header)).collect();
        let rows: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| {
                t.row_cells(r)
                    .map(|c| {
                        let d = c.display();
                        let mark = if d.marked { "\\*" } else { "" };
                        format!("{}{mark}", escape_cell(&d.text))
                    })
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = (0..headers.len())
            .map(|j| {
                rows.iter()
                    .map(|r| r[j].chars().count())
                    .chain([headers[j].chars().count(), 3])
                    .max()
                    .unwrap_or(3)
            })
            .collect();
        let aligns: Vec<Align> = t.columns.iter().map(|c| c.align).collect();
        writeln!(out)?;
        write_row(out, &headers, &widths, &aligns)?;
        let rules: Vec<String> = widths
            .iter()
            .zip(&aligns)
            .map(|(&w, a)| rule(w, *a))
            .collect();
        writeln!(out, "| {} |", rules.join(" | "))?;
        for r in &rows {
            write_row(out, r, &widths, &aligns)?;
        }
    }
    for (i, note) in t.notes.iter().enumerate() {
        writeln!(out)?;
        if i == 0 {
            writeln!(out, "*Note.* {}", escape_inline(note))?;
        } else {
            writeln!(out, "{}", escape_paragraph(note))?;
        }
    }
    Ok(())
}

/// The delimiter-row cell: dashes with colons marking the alignment.
fn rule(width: usize, align: Align) -> String {
    match align {
        Align::Left => format!(":{}", "-".repeat(width - 1)),
        Align::Right => format!("{}:", "-".repeat(width - 1)),
        Align::Center => format!(":{}:", "-".repeat(width - 2)),
    }
}

fn write_row(
    out: &mut dyn Write,
    cells: &[String],
    widths: &[usize],
    aligns: &[Align],
) -> io::Result<()> {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths.iter().zip(aligns))
        .map(|(c, (&w, a))| {
            let fill = " ".repeat(w.saturating_sub(c.chars().count()));
            match a {
                Align::Right => format!("{fill}{c}"),
                _ => format!("{c}{fill}"),
            }
        })
        .collect();
    writeln!(out, "| {} |", padded.join(" | "))
}

/// Escapes text for use inside a line: backslash, emphasis and code characters, and '<'
/// where it could open raw HTML. Newlines collapse to spaces.
pub fn escape_inline(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = collapsed.chars().collect();
    let mut out = String::with_capacity(collapsed.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '[' => {
                out.push('\\');
                out.push(c);
            }
            // An underscore inside a word never starts emphasis in GFM ("d_av").
            '_' if !(i > 0
                && is_word(chars[i - 1])
                && chars.get(i + 1).is_some_and(|n| is_word(*n))) =>
            {
                out.push_str("\\_");
            }
            '<' if chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || "/!?".contains(*n)) =>
            {
                out.push_str("\\<");
            }
            _ => out.push(c),
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Escapes image alt text: inline escapes plus ']', which would end the alt text.
fn escape_alt(text: &str) -> String {
    escape_inline(text).replace(']', "\\]")
}

/// Escapes a whole paragraph: inline escapes plus a leading character that would start a
/// heading, list, quote, or rule.
pub fn escape_paragraph(text: &str) -> String {
    let s = escape_inline(text);
    let starts_block = s.starts_with(['#', '>', '-', '+', '=', '|', '~']);
    if starts_block {
        return format!("\\{s}");
    }
    // "1." or "1)" at the start would open an ordered list.
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &s[..digits], &s[digits..]);
    }
    s
}

/// Escapes a table cell: inline escapes plus the column separator.
fn escape_cell(text: &str) -> String {
    escape_inline(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_syntax() {
        assert_eq!(escape_inline("a*b_c d_ _e [x]"), "a\\*b_c d\\_ \\_e \\[x]");
        assert_eq!(escape_alt("a [b]"), "a \\[b\\]");
        assert_eq!(escape_inline("p < .001 <b>"), "p < .001 \\<b>");
        assert_eq!(escape_paragraph("# not a heading"), "\\# not a heading");
        assert_eq!(escape_paragraph("1. not a list"), "1\\. not a list");
        assert_eq!(escape_paragraph("-0.5 change"), "\\-0.5 change");
        assert_eq!(escape_cell("a|b"), "a\\|b");
    }
}

//! Self-contained HTML renderer: one file with inline CSS and inline SVG figures, no
//! JavaScript, no external URLs, no web fonts. It reads like the results section of a paper:
//! title, key findings, sections with numbered APA-style tables (caption above, horizontal
//! rules only, right-aligned tabular figures, notes below) and numbered figures (caption
//! below), then the methods. Print CSS targets A4.

use std::io::{self, Write};

use super::model::{file_stem, Align, Figure, Numbering, Renderer, Report, Table};

/// Renders a report as one self-contained HTML file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HtmlRenderer;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #111;
  font-family: "Times New Roman", Times, "Liberation Serif", "Nimbus Roman", "DejaVu Serif", Georgia, serif;
  font-size: 12pt; line-height: 1.5; }
main { max-width: 50em; margin: 0 auto; padding: 2em 1.5em; }
h1 { font-size: 1.6em; line-height: 1.25; margin: 0 0 0.2em; text-align: center; }
.subtitle { text-align: center; margin: 0 0 1.5em; font-style: italic; }
h2 { font-size: 1.2em; margin: 1.6em 0 0.6em; break-after: avoid; }
p { margin: 0 0 0.8em; text-align: left; hyphens: auto; }
.key-findings { border-top: 1px solid #111; border-bottom: 1px solid #111; padding: 0.4em 0 0.6em; }
.key-findings h2 { margin-top: 0.4em; }
.key-findings ul { margin: 0; padding-left: 1.4em; }
.table-block { margin: 1.4em 0; break-inside: avoid; overflow-x: auto; }
table { border-collapse: collapse; border-top: 1.5px solid #111; border-bottom: 1.5px solid #111;
  font-variant-numeric: tabular-nums lining-nums; margin: 0; }
caption { caption-side: top; text-align: left; padding-bottom: 0.4em; }
caption .label { display: block; font-weight: bold; }
caption .title { display: block; font-style: italic; }
th, td { padding: 0.15em 0.7em; vertical-align: top; border: none; }
thead th { border-bottom: 1px solid #111; font-weight: normal; vertical-align: bottom; }
tbody tr:first-child td { padding-top: 0.35em; }
tbody tr:last-child td { padding-bottom: 0.35em; }
.l { text-align: left; }
.r { text-align: right; white-space: nowrap; }
.c { text-align: center; }
.mark { display: inline-block; width: 0.5em; text-align: left; }
.notes { font-size: 0.92em; margin-top: 0.4em; }
.notes p { margin: 0 0 0.2em; }
figure { margin: 1.4em 0; break-inside: avoid; }
figure .graphic svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { margin-top: 0.4em; }
figcaption .label { font-weight: bold; }
.omitted { font-style: italic; }
@page { size: A4; margin: 2.2cm 2cm; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  .table-block { overflow: visible; }
}
"#;

impl Renderer for HtmlRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let numbering = Numbering::of(report);
        writeln!(out, "<!DOCTYPE html>")?;
        writeln!(out, "<html lang=\"en\">")?;
        writeln!(out, "<head>")?;
        writeln!(out, "<meta charset=\"utf-8\">")?;
        writeln!(
            out,
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        )?;
        writeln!(out, "<title>{}</title>", escape(&report.title))?;
        writeln!(out, "<style>{STYLE}</style>")?;
        writeln!(out, "</head>")?;
        writeln!(out, "<body>")?;
        writeln!(out, "<main>")?;
        writeln!(out, "<h1>{}</h1>", escape(&report.title))?;
        if let Some(sub) = &report.subtitle {
            writeln!(out, "<p class=\"subtitle\">{}</p>", escape(sub))?;
        }
        write_key_findings(out, &report.key_findings)?;
        let mut table_no = 0;
        for s in &report.sections {
            writeln!(out, "<section id=\"sec-{}\">", file_stem(&s.id))?;
            writeln!(out, "<h2>{}</h2>", escape(&s.title))?;
            for p in &s.paragraphs {
                writeln!(out, "<p>{}</p>", escape(p))?;
            }
            for t in &s.tables {
                table_no += 1;
                write_table(out, table_no, t)?;
            }
            for id in &s.figure_ids {
                if let (Some(f), Some(no)) = (report.figure(id), numbering.figure(id)) {
                    write_figure(out, no, f)?;
                }
            }
            writeln!(out, "</section>")?;
        }
        let loose = report.unreferenced_figures();
        if !loose.is_empty() {
            writeln!(out, "<section id=\"figures\">")?;
            writeln!(out, "<h2>Figures</h2>")?;
            for f in loose {
                if let Some(no) = numbering.figure(&f.id) {
                    write_figure(out, no, f)?;
                }
            }
            writeln!(out, "</section>")?;
        }
        if !report.methods.is_empty() {
            writeln!(out, "<section id=\"methods\">")?;
            writeln!(out, "<h2>Methods</h2>")?;
            for p in &report.methods {
                writeln!(out, "<p>{}</p>", escape(p))?;
            }
            writeln!(out, "</section>")?;
        }
        writeln!(out, "</main>")?;
        writeln!(out, "</body>")?;
        writeln!(out, "</html>")
    }
}

fn write_key_findings(out: &mut dyn Write, findings: &[String]) -> io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section class=\"key-findings\" id=\"key-findings\">")?;
    writeln!(out, "<h2>Key findings</h2>")?;
    writeln!(out, "<ul>")?;
    for f in findings {
        writeln!(out, "<li>{}</li>", escape(f))?;
    }
    writeln!(out, "</ul>")?;
    writeln!(out, "</section>")
}

fn align_class(a: Align) -> &'static str {
    match a {
        Align::Left => "l",
        Align::Right => "r",
        Align::Center => "c",
    }
}

fn write_table(out: &mut dyn Write, number: usize, t: &Table) -> io::Result<()> {
    writeln!(
        out,
        "<div class=\"table-block\" id=\"tbl-{}\">",
        file_stem(&t.id)
    )?;
    writeln!(out, "<table>")?;
    writeln!(
        out,
        "<caption><span class=\"label\">Table {number}</span><span class=\"title\">{}</span></caption>",
        escape(&t.caption)
    )?;
    write!(out, "<thead><tr>")?;
    for c in &t.columns {
        write!(
            out,
            "<th scope=\"col\" class=\"{}\">{}</th>",
            align_class(c.align),
            escape(&c.header)
        )?;
    }
    writeln!(out, "</tr></thead>")?;
    writeln!(out, "<tbody>")?;
    // Columns holding any marked coefficient reserve the mark's width in every row, so
    // right-aligned decimals line up.
    let marked_col: Vec<bool> = (0..t.columns.len())
        .map(|j| {
            t.rows
                .iter()
                .any(|r| r.get(j).is_some_and(|c| c.display().marked))
        })
        .collect();
    for r in &t.rows {
        write!(out, "<tr>")?;
        for (j, (cell, col)) in t.row_cells(r).zip(&t.columns).enumerate() {
            let d = cell.display();
            let mark = match (d.marked, marked_col[j]) {
                (true, _) => "<span class=\"mark\">*</span>",
                (false, true) => "<span class=\"mark\"></span>",
                _ => "",
            };
            write!(
                out,
                "<td class=\"{}\">{}{mark}</td>",
                align_class(col.align),
                escape(&d.text)
            )?;
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody>")?;
    writeln!(out, "</table>")?;
    if !t.notes.is_empty() {
        writeln!(out, "<div class=\"notes\">")?;
        for (i, note) in t.notes.iter().enumerate() {
            let label = if i == 0 { "<em>Note.</em> " } else { "" };
            writeln!(out, "<p>{label}{}</p>", escape(note))?;
        }
        writeln!(out, "</div>")?;
    }
    writeln!(out, "</div>")
}

fn write_figure(out: &mut dyn Write, number: usize, f: &Figure) -> io::Result<()> {
    writeln!(out, "<figure id=\"fig-{}\">", file_stem(&f.id))?;
    match inline_svg(&f.svg) {
        Some(svg) => writeln!(out, "<div class=\"graphic\">{svg}</div>")?,
        None => writeln!(
            out,
            "<p class=\"omitted\">(Figure not embedded: its SVG is missing, contains scripts or \
             refers to external resources; see figures/{}.svg.)</p>",
            file_stem(&f.id)
        )?,
    }
    writeln!(
        out,
        "<figcaption><span class=\"label\">Figure {number}.</span> {}</figcaption>",
        escape(&f.caption)
    )?;
    writeln!(out, "</figure>")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The SVG prepared for inlining: the XML declaration, doctype and comments removed and the
/// namespace declarations dropped (the HTML parser puts `<svg>` in the SVG namespace itself,
/// and the namespace URIs would be the only URLs in the file). `None` when the SVG has no
/// `<svg` element, or contains scripts, event handlers, `<foreignObject>` or any URL, which
/// a self-contained, script-free report must not carry.
pub fn inline_svg(svg: &str) -> Option<String> {
    let mut s = strip_between(svg, "<?", "?>");
    s = strip_between(&s, "<!--", "-->");
    s = strip_between(&s, "<!DOCTYPE", ">");
    s = strip_xmlns(&s);
    let start = s.find("<svg")?;
    let s = s[start..].trim().to_string();
    let lower = s.to_ascii_lowercase();
    let forbidden = [
        "<script",
        "<foreignobject",
        "http://",
        "https://",
        "javascript:",
        "@import",
    ];
    if forbidden.iter().any(|f| lower.contains(f))
        || has_event_handler(&lower)
        || has_external_reference(&lower)
    {
        return None;
    }
    Some(s)
}

/// True for an `on…=` attribute inside a tag (`<svg onload="…">`).
fn has_event_handler(lower: &str) -> bool {
    lower.match_indices(char::is_whitespace).any(|(i, _)| {
        let rest = &lower[i + 1..];
        let name_len = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .count();
        name_len > 2
            && rest.starts_with("on")
            && rest[name_len..].trim_start().starts_with('=')
            && inside_tag(lower, i)
    })
}

/// True for an `href` or `url(…)` that points anywhere but inside the document (`#id`).
fn has_external_reference(lower: &str) -> bool {
    let target = |rest: &str| {
        rest.trim_start()
            .trim_start_matches(['"', '\''])
            .trim_start()
            .chars()
            .next()
    };
    let href = lower.match_indices("href").any(|(i, _)| {
        let rest = lower[i + 4..].trim_start();
        rest.strip_prefix('=')
            .is_some_and(|v| target(v) != Some('#'))
    });
    let url = lower
        .match_indices("url(")
        .any(|(i, _)| target(&lower[i + 4..]) != Some('#'));
    href || url
}

/// True when byte position `i` lies inside a tag (after a '<' not yet closed by '>').
fn inside_tag(s: &str, i: usize) -> bool {
    let before = &s[..i];
    match (before.rfind('<'), before.rfind('>')) {
        (Some(lt), Some(gt)) => lt > gt,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Removes every `open … close` span (case-insensitive on `open`).
fn strip_between(s: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let lower = rest.to_ascii_lowercase();
        let Some(a) = lower.find(&open.to_ascii_lowercase()) else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..a]);
        match rest[a + open.len()..].find(close) {
            Some(b) => rest = &rest[a + open.len() + b + close.len()..],
            None => return out,
        }
    }
}

/// Removes `xmlns="…"` and `xmlns:prefix="…"` attributes (either quote style).
fn strip_xmlns(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(a) = rest.find("xmlns") {
        let after = &rest[a + 5..];
        let name_len = after
            .chars()
            .take_while(|c| *c == ':' || c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .map(char::len_utf8)
            .sum::<usize>();
        let tail = after[name_len..].trim_start();
        let value = tail.strip_prefix('=').map(str::trim_start);
        let quote = value
            .and_then(|v| v.chars().next())
            .filter(|q| *q == '"' || *q == '\'');
        match (value, quote) {
            (Some(v), Some(q)) => match v[1..].find(q) {
                Some(end) => {
                    out.push_str(rest[..a].trim_end_matches(' '));
                    let consumed = rest.len() - v.len() + 1 + end + 1;
                    rest = &rest[consumed..];
                }
                None => break,
            },
            _ => {
                out.push_str(&rest[..a + 5]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape("a < b & \"c\" 'd'"),
            "a &lt; b &amp; &quot;c&quot; &#39;d&#39;"
        );
    }

    #[test]
    fn svg_is_cleaned_for_inlining() {
        let svg = "<?xml version=\"1.0\"?>\n<!-- plotters -->\n<svg width=\"10\" \
                   xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink='http://www.w3.org/1999/xlink'>\
                   <rect width=\"1\"/></svg>";
        assert_eq!(
            inline_svg(svg).unwrap(),
            "<svg width=\"10\"><rect width=\"1\"/></svg>"
        );
    }

    #[test]
    fn unsafe_svg_is_not_inlined() {
        assert!(inline_svg("<svg><script>x()</script></svg>").is_none());
        assert!(inline_svg("<svg onload=\"x()\"></svg>").is_none());
        assert!(inline_svg("<svg><image href=\"https://e.org/a.png\"/></svg>").is_none());
        assert!(inline_svg("not an svg").is_none());
        assert!(inline_svg("<svg><rect fill=\"url( 'data:x')\"/></svg>").is_none());
        // References inside the document are fine.
        assert!(inline_svg("<svg><use href=\"#a\"/><rect fill=\"url(#g)\"/></svg>").is_some());
        // "on" inside text or attribute names that merely start with "on" are fine.
        assert!(inline_svg("<svg><text x=\"1\"> one onion</text></svg>").is_some());
    }
}

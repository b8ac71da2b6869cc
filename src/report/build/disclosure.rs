//! Small-number suppression (`--min-cell N`, NHS small-number rules): every count of people
//! below N in a table, sentence, caption or figure of the report is shown as "< N", and a
//! percentage in the same table row as a suppressed count is withheld too, so it cannot give
//! the count back. Zero is shown (it discloses nobody). Applied to the finished report, so
//! every section and figure goes through the same rule; `results.json` itself keeps the
//! exact counts (it is the machine record that regenerates the report).

use super::super::model::{Cell, Report, Table};

/// Table columns holding integers that are not counts of people (scale items).
const NOT_PEOPLE: [&str; 1] = ["k"];

/// Suppresses every count below `min_cell` in `report` and says so in its methods.
pub fn suppress(report: &mut Report, min_cell: u64) {
    if min_cell <= 1 {
        return;
    }
    for s in &mut report.sections {
        for p in &mut s.paragraphs {
            *p = suppress_text(p, min_cell, false);
        }
        for t in &mut s.tables {
            suppress_table(t, min_cell);
        }
    }
    for f in &mut report.key_findings {
        *f = suppress_text(f, min_cell, false);
    }
    for f in &mut report.figures {
        f.caption = suppress_text(&f.caption, min_cell, false);
        f.svg = suppress_text(&f.svg, min_cell, true);
    }
    for m in &mut report.methods {
        *m = suppress_text(m, min_cell, false);
    }
    report.methods.push(format!(
        "Small numbers were suppressed for disclosure control (NHS small-number rules): every \
         count of participants between 1 and {} is shown as \"< {min_cell}\" in the tables, \
         text and figures, and percentages that would reveal such a count are withheld.",
        min_cell - 1
    ));
}

fn suppress_table(t: &mut Table, min_cell: u64) {
    let shown = format!("< {min_cell}");
    let mut any = false;
    for row in &mut t.rows {
        let mut hidden = false;
        for (j, cell) in row.iter_mut().enumerate() {
            let key = t.columns.get(j).map_or("", |c| c.key.as_str());
            match cell {
                Cell::Int(v) if !NOT_PEOPLE.contains(&key) && small(*v, min_cell) => {
                    *cell = Cell::Text(shown.clone());
                    hidden = true;
                }
                Cell::Text(s) => *s = suppress_text(s, min_cell, false),
                _ => {}
            }
        }
        any |= hidden;
        if hidden {
            for (j, cell) in row.iter_mut().enumerate() {
                let key = t.columns.get(j).map_or("", |c| c.key.as_str());
                if key.starts_with("pct") {
                    *cell = Cell::Missing;
                }
            }
        }
    }
    if any {
        t.notes.push(format!(
            "Counts between 1 and {} are shown as \"< {min_cell}\" (disclosure control).",
            min_cell - 1
        ));
    }
}

fn small(v: i64, min_cell: u64) -> bool {
    v > 0 && (v as u64) < min_cell
}

/// Words after an integer that make it a count of people ("12 participants", "3 excluded",
/// "5 of 630 baseline participants", "40 rows").
const COUNT_AFTER: [&str; 5] = [
    " participant",
    " baseline participant",
    " excluded",
    " of ",
    " rows",
];

/// Replaces every count of people K with 0 < K < N by "< N" ("n = 3" → "n < 10", "3 of 630"
/// → "< 10 of 630"), and drops a "(x% of M)" that follows it. A count is an integer after
/// "n = ", before one of [`COUNT_AFTER`], or a reason's count in a list ("lost: 3;").
/// In SVG (`xml`) the sign is written `&lt;`.
fn suppress_text(s: &str, min_cell: u64, xml: bool) -> String {
    let lt = if xml { "&lt;" } else { "<" };
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && is_word(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let end = i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let (before, after) = (&s[..i], &s[end..]);
        let decimal =
            after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit());
        let whole = !decimal && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        let value: u64 = s[i..end].parse().unwrap_or(0);
        let n_eq = before
            .strip_suffix("n = ")
            .is_some_and(|b| !b.ends_with(|c: char| c.is_alphanumeric() || c == '_'));
        let is_count = n_eq
            || COUNT_AFTER.iter().any(|w| after.starts_with(w))
            || (before.ends_with(": ") && after.starts_with([';', ')']));
        if whole && is_count && value > 0 && value < min_cell {
            out.push_str(&s[copied..if n_eq { i - 2 } else { i }]);
            out.push_str(&format!("{lt} {min_cell}"));
            let rest = drop_percentage(after);
            copied = s.len() - rest.len();
            i = copied;
        } else {
            i = end;
        }
    }
    out.push_str(&s[copied..]);
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-' || b >= 0x80
}

/// Skips " (x% of M)" at the start of `s`, which would give a suppressed count back.
fn drop_percentage(s: &str) -> &str {
    if let Some(inner) = s.strip_prefix(" (") {
        if let Some(end) = inner.find(')') {
            if inner[..end].contains('%') {
                return &inner[end + 1..];
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::super::model::Column;
    use super::*;

    #[test]
    fn small_counts_in_text_become_less_than_n() {
        assert_eq!(suppress_text("n = 3 (0.5% of 630)", 10, false), "n < 10");
        assert_eq!(suppress_text("Lost (n = 12)", 10, false), "Lost (n = 12)");
        assert_eq!(suppress_text("n = 0", 10, false), "n = 0");
        assert_eq!(
            suppress_text("mean = 3 and n = 9.", 10, false),
            "mean = 3 and n < 10."
        );
        assert_eq!(
            suppress_text("b = 0.5, n = 2.5", 10, false),
            "b = 0.5, n = 2.5"
        );
        assert_eq!(
            suppress_text("<text>n = 4</text>", 5, true),
            "<text>n &lt; 5</text>"
        );
        assert_eq!(
            suppress_text("Sample: 3 of 630 baseline participants analysed; 627 excluded (lost: 2; other: 625).", 10, false),
            "Sample: < 10 of 630 baseline participants analysed; 627 excluded (lost: < 10; other: 625)."
        );
        assert_eq!(
            suppress_text("T1 and 5 participants", 10, false),
            "T1 and < 10 participants"
        );
        assert_eq!(suppress_text("seed 7, B = 5", 10, false), "seed 7, B = 5");
    }

    #[test]
    fn table_counts_and_their_percentages_are_suppressed_but_not_item_counts() {
        let mut t = Table {
            id: "t".into(),
            caption: String::new(),
            columns: vec![
                Column::number("k", "Items"),
                Column::number("n", "n"),
                Column::number("pct_of_baseline", "%"),
            ],
            rows: vec![
                vec![
                    Cell::Int(3),
                    Cell::Int(4),
                    Cell::Num {
                        value: 0.6,
                        digits: 1,
                    },
                ],
                vec![Cell::Int(3), Cell::Int(40), Cell::Int(0)],
            ],
            notes: Vec::new(),
        };
        suppress_table(&mut t, 5);
        assert_eq!(t.rows[0][0], Cell::Int(3));
        assert_eq!(t.rows[0][1], Cell::Text("< 5".into()));
        assert_eq!(t.rows[0][2], Cell::Missing);
        assert_eq!(t.rows[1][1], Cell::Int(40));
        assert!(t.notes[0].contains("< 5"));
    }
}

//! The decimal mark of a file: one per file, detected from its cells or given by `--decimal`.
//!
//! Every cell that looks like a number with a separator is classified:
//! - a definite decimal comma: `3,5`, `-0,25`, `1.250,5` (dots grouping thousands);
//! - a definite decimal point: `3.5`, `1,250.5`, `1,250,000`;
//! - ambiguous: `1,250` or `1.250` (one separator followed by exactly three digits, the
//!   first group 1–3 digits without a leading zero): a decimal or a thousands separator.
//!
//! Definite evidence for both marks is an error (one file, one decimal mark). Definite
//! evidence for one mark decides; ambiguous cells then use the other mark as a grouping mark
//! (`1.250` in a decimal-comma file is 1250), and a warning says so. With ambiguous cells
//! only, a comma-delimited file uses the decimal point (its commas would have to be quoted);
//! any other file is an error asking for `--decimal`. A value that uses the other mark in
//! any other way (`2.5` in a decimal-comma file) is refused as a bad cell, never rescaled.

use std::fmt;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{LoadError, Warning};
use std::path::Path;

/// Which character separates the integer part from the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DecimalMark {
    #[default]
    #[serde(rename = ".")]
    Point,
    #[serde(rename = ",")]
    Comma,
}

impl DecimalMark {
    pub fn char(self) -> char {
        match self {
            Self::Point => '.',
            Self::Comma => ',',
        }
    }
    /// The other mark.
    pub fn other(self) -> Self {
        match self {
            Self::Point => Self::Comma,
            Self::Comma => Self::Point,
        }
    }
    fn grouping(self) -> char {
        match self {
            Self::Point => ',',
            Self::Comma => '.',
        }
    }
}

impl fmt::Display for DecimalMark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Point => f.write_str("decimal point"),
            Self::Comma => f.write_str("decimal comma"),
        }
    }
}

/// What a cell says about the decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// No separator, or not a number.
    Silent,
    Definite(DecimalMark),
    /// `1,250` or `1.250`: the separator used (a decimal, or grouping thousands).
    Ambiguous(char),
}

/// `[1-9]\d{0,2}(<sep>\d{3})+`: digits grouped in thousands by `sep`.
fn grouped_integer(s: &str, sep: char) -> bool {
    let mut groups = s.split(sep);
    let first = groups.next().unwrap_or("");
    let mut n = 0;
    let rest_ok = groups.all(|g| {
        n += 1;
        g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())
    });
    n >= 1
        && (1..=3).contains(&first.len())
        && !first.starts_with('0')
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest_ok
}

fn digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn shape(cell: &str) -> Shape {
    let s = cell.trim();
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    // One pass over the bytes: this runs on every cell of every file.
    let (mut commas, mut points, mut other) = (0usize, 0usize, false);
    for b in s.bytes() {
        match b {
            b',' => commas += 1,
            b'.' => points += 1,
            b'0'..=b'9' => {}
            _ => other = true,
        }
    }
    if other || commas + points == 0 {
        // Scientific notation with a point (1.5e3) is Rust's own syntax: a decimal point.
        if other && points == 1 && commas == 0 && s.parse::<f64>().is_ok_and(f64::is_finite) {
            return Shape::Definite(DecimalMark::Point);
        }
        return Shape::Silent;
    }
    for mark in [DecimalMark::Point, DecimalMark::Comma] {
        let (dec, group) = (mark.char(), mark.grouping());
        // Both separators: the last one is the decimal, the others must group thousands.
        if commas > 0 && points > 0 {
            if let Some((int, frac)) = s.rsplit_once(dec) {
                if !int.contains(dec) && grouped_integer(int, group) && digits(frac) {
                    return Shape::Definite(mark);
                }
            }
            continue;
        }
        let count = if dec == ',' { commas } else { points };
        if count == 0 {
            // Only the grouping character, used more than once: grouping thousands.
            if s.matches(group).count() > 1 && grouped_integer(s, group) {
                return Shape::Definite(mark);
            }
            continue;
        }
        if count == 1 {
            let (int, frac) = s.split_once(dec).unwrap_or((s, ""));
            if frac.is_empty() {
                return Shape::Silent;
            }
            // One separator (all other bytes are digits): `1,250` groups or is a decimal.
            if frac.len() == 3 && (1..=3).contains(&int.len()) && !int.starts_with('0') {
                return Shape::Ambiguous(dec);
            }
            return Shape::Definite(mark);
        }
    }
    Shape::Silent
}

/// Parses a cell with the file's decimal mark; the other mark only as a thousands separator
/// (`1.250,5` → 1250.5 with a decimal comma). Non-finite values are not numbers.
pub fn parse_number(raw: &str, mark: DecimalMark) -> Option<f64> {
    let (dec, group) = (mark.char(), mark.grouping());
    if !raw.contains(group) && (dec == '.' || !raw.contains(',')) {
        // The common case, without an allocation.
        return raw.parse::<f64>().ok().filter(|v| v.is_finite());
    }
    let mut s = raw.to_string();
    if s.contains(group) {
        let body = s.trim_start_matches(['-', '+']);
        let int = body.split_once(dec).map_or(body, |(i, _)| i);
        if !grouped_integer(int, group) {
            return None;
        }
        s = s.replace(group, "");
    }
    if dec == ',' {
        if s.matches(',').count() > 1 {
            return None;
        }
        s = s.replacen(',', ".", 1);
    }
    let v = s.parse::<f64>().ok()?;
    v.is_finite().then_some(v)
}

/// Why a cell that is a number only in the other mark is refused, for its error message.
pub fn other_mark_problem(raw: &str, mark: DecimalMark) -> Option<String> {
    let other = mark.grouping();
    (raw.contains(other) && parse_number(raw, mark.other()).is_some()).then(|| {
        format!(
            "uses '{other}' as a decimal mark, but this file's decimal mark is '{}' (one file, one decimal mark); correct the value, or give the file's mark with --decimal",
            mark.char()
        )
    })
}

/// The decimal mark used by a file, and what the choice rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Decimal {
    pub mark: DecimalMark,
    /// A note for the warnings (grouping marks read as such), if any.
    pub warning: Option<String>,
}

/// A cell seen while scanning, for messages.
struct Seen<'a> {
    value: &'a str,
    line: usize,
    column: &'a str,
}

impl fmt::Display for Seen<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\"{}\" (line {}, column '{}')",
            self.value, self.line, self.column
        )
    }
}

/// Decides the decimal mark of a frame of text cells (`lines`: file line of each row);
/// `forced` is `--decimal`.
pub fn detect(
    path: &Path,
    frame: &DataFrame,
    lines: &[usize],
    delimiter: u8,
    forced: Option<DecimalMark>,
) -> Result<Decimal, LoadError> {
    let mut first_definite: [Option<Seen>; 2] = [None, None];
    let mut ambiguous: [(usize, Option<Seen>); 2] = [(0, None), (0, None)];
    for col in frame.columns() {
        let Ok(cells) = col.str() else { continue };
        let column = col.name().as_str();
        for (row, cell) in cells.iter().enumerate() {
            let Some(value) = cell else { continue };
            // Once a mark is known, only cells holding the other character can change the
            // outcome (a conflict, or a grouping mark to warn about): skip the rest quickly.
            let known = forced.or(match &first_definite {
                [Some(_), None] => Some(DecimalMark::Point),
                [None, Some(_)] => Some(DecimalMark::Comma),
                _ => None,
            });
            if known.is_some_and(|m| !value.contains(m.grouping())) {
                continue;
            }
            let seen = || Seen {
                value: value.trim(),
                line: lines.get(row).copied().unwrap_or(0),
                column,
            };
            match shape(value) {
                Shape::Silent => {}
                Shape::Definite(m) => {
                    let slot = &mut first_definite[m as usize];
                    if slot.is_none() {
                        *slot = Some(seen());
                    }
                }
                Shape::Ambiguous(sep) => {
                    let slot = &mut ambiguous[usize::from(sep == ',')];
                    slot.0 += 1;
                    if slot.1.is_none() {
                        slot.1 = Some(seen());
                    }
                }
            }
        }
    }
    let bad = |message: String| LoadError::Decimal {
        path: path.to_path_buf(),
        message,
    };
    let mark = match (forced, &first_definite) {
        (Some(m), _) => m,
        (None, [Some(p), Some(c)]) => {
            return Err(bad(format!(
                "the file uses both decimal marks: a decimal point in {p} and a decimal comma in {c}; one file must use one mark. Correct the values that use the other mark, or say which mark the file uses with --decimal . or --decimal , (values using the other mark are then refused)"
            )))
        }
        (None, [Some(_), None]) => DecimalMark::Point,
        (None, [None, Some(_)]) => DecimalMark::Comma,
        (None, [None, None]) => {
            let [(_, point), (_, comma)] = &ambiguous;
            match (point, comma) {
                (None, None) => DecimalMark::Point,
                (Some(_), None) if delimiter == b',' => DecimalMark::Point,
                (_, Some(example)) | (Some(example), None) => {
                    let sep = if comma.is_some() { ',' } else { '.' };
                    let (as_comma, as_point) = if sep == ',' {
                        ("1.25", "1250")
                    } else {
                        ("1250", "1.25")
                    };
                    return Err(bad(format!(
                        "cannot tell the decimal mark: {example} could be a decimal {} or a thousands separator, and no value settles it; pass --decimal , (a decimal comma: \"1{sep}250\" reads as {as_comma}) or --decimal . (\"1{sep}250\" reads as {as_point})",
                        if sep == ',' { "comma" } else { "point" },
                    )));
                }
            }
        }
    };
    // Ambiguous cells with the other character are grouping marks under this mark.
    let (n, example) = &ambiguous[usize::from(mark.grouping() == ',')];
    let warning = example.as_ref().map(|e| {
        format!(
            "{n} value(s) use '{}' as a thousands separator and were read as such (e.g. {e} → {}), since the file's decimal mark is '{}'",
            mark.grouping(),
            parse_number(e.value, mark).map_or_else(|| "?".to_string(), |v| v.to_string()),
            mark.char()
        )
    });
    Ok(Decimal { mark, warning })
}

/// A warning for the load summary about the grouping marks read.
pub fn warning(path: &Path, d: &Decimal) -> Option<Warning> {
    d.warning.clone().map(|m| Warning::new(Some(path), m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use DecimalMark::{Comma, Point};

    #[test]
    fn cells_are_classified() {
        assert_eq!(shape("3,5"), Shape::Definite(Comma));
        assert_eq!(shape("-0,25"), Shape::Definite(Comma));
        assert_eq!(shape("0,125"), Shape::Definite(Comma));
        assert_eq!(shape("1.250,5"), Shape::Definite(Comma));
        assert_eq!(shape("1.250.000"), Shape::Definite(Comma));
        assert_eq!(shape("3.5"), Shape::Definite(Point));
        assert_eq!(shape("1,250.5"), Shape::Definite(Point));
        assert_eq!(shape("1,250,000"), Shape::Definite(Point));
        assert_eq!(shape("1.5e3"), Shape::Definite(Point));
        assert_eq!(shape("1,250"), Shape::Ambiguous(','));
        assert_eq!(shape("1.250"), Shape::Ambiguous('.'));
        for silent in ["12", "SP0001", "01.02.2020", "3,5 hours", "", "NA", "1,2,3"] {
            assert_eq!(shape(silent), Shape::Silent, "{silent}");
        }
    }

    #[test]
    fn numbers_follow_the_files_mark() {
        assert_eq!(parse_number("3,5", Comma), Some(3.5));
        assert_eq!(parse_number("3,5", Point), None);
        assert_eq!(parse_number("1.250", Comma), Some(1250.0));
        assert_eq!(parse_number("1.250,5", Comma), Some(1250.5));
        assert_eq!(parse_number("2.5", Comma), None, "never silently 2.5");
        assert_eq!(parse_number("1,250", Point), Some(1250.0));
        assert_eq!(parse_number("1,25", Point), None);
        assert_eq!(parse_number("inf", Point), None);
        assert_eq!(parse_number("-2.5e1", Point), Some(-25.0));
        assert_eq!(parse_number("-4", Comma), Some(-4.0));
    }

    fn frame(cells: &[&str]) -> DataFrame {
        let col = Column::new(
            "x".into(),
            cells.iter().map(|s| Some(*s)).collect::<Vec<_>>(),
        );
        DataFrame::new(cells.len(), vec![col]).unwrap()
    }

    fn decide(cells: &[&str], delimiter: u8) -> Result<Decimal, String> {
        let lines: Vec<usize> = (2..cells.len() + 2).collect();
        detect(Path::new("f.csv"), &frame(cells), &lines, delimiter, None)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn detection_decides_refuses_mixtures_and_asks_when_unsure() {
        assert_eq!(decide(&["1", "3,5"], b';').unwrap().mark, Comma);
        assert_eq!(decide(&["1", "3.5"], b';').unwrap().mark, Point);
        assert_eq!(decide(&["1", "2"], b';').unwrap().mark, Point);
        let d = decide(&["3,5", "1.250"], b';').unwrap();
        assert_eq!(d.mark, Comma);
        let w = d.warning.unwrap();
        assert!(w.contains("\"1.250\" (line 3, column 'x') → 1250"), "{w}");
        let err = decide(&["3,5", "2.5"], b';').unwrap_err();
        assert!(
            err.contains("both decimal marks")
                && err.contains("line 3")
                && err.contains("--decimal"),
            "{err}"
        );
        let err = decide(&["1,250"], b';').unwrap_err();
        assert!(
            err.contains("--decimal ,") && err.contains("--decimal ."),
            "{err}"
        );
        assert!(decide(&["1.250"], b';').is_err());
        assert_eq!(decide(&["1.250"], b',').unwrap().mark, Point);
    }
}

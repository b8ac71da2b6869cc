//! Tidy CSV: one file per table, header = column keys, one row per table row. Numbers are
//! written at full precision (Rust's shortest round-trip `{}` formatting of f64, so parsing
//! gives back the identical value), with no APA formatting; missing cells and NaN are empty,
//! infinities are `Inf` / `-Inf` (read by R, pandas and Rust alike). Quoting follows RFC 4180
//! (fields containing a comma, quote or line break are quoted, quotes doubled) and records
//! end in CRLF as RFC 4180 specifies. Significance marks are not written: they follow from
//! the interval columns.

use std::io::{self, Write};

use super::model::{file_stem, Cell, Report, Table};

/// Writes one table as tidy CSV.
pub fn write_csv(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(table.columns.iter().map(|c| c.key.as_str()))
        .map_err(io::Error::other)?;
    for row in &table.rows {
        let fields: Vec<String> = table.row_cells(row).map(field).collect();
        w.write_record(&fields).map_err(io::Error::other)?;
    }
    w.flush()
}

/// Every table of the report as `("<id>.csv", bytes)`, in reading order. File names go
/// through [`file_stem`]; a repeated id gets a numeric suffix (`"<id>_2.csv"`) so no file is
/// overwritten.
pub fn csv_files(report: &Report) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (_, table) in report.numbered_tables() {
        let stem = file_stem(&table.id);
        let mut name = format!("{stem}.csv");
        let mut k = 2;
        while files.iter().any(|(n, _)| *n == name) {
            name = format!("{stem}_{k}.csv");
            k += 1;
        }
        let mut bytes = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = write_csv(table, &mut bytes);
        files.push((name, bytes));
    }
    files
}

/// The raw value of a cell as a CSV field.
fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Num { value, .. } | Cell::P(value) | Cell::Coef { value, .. } => number(*value),
        Cell::Missing => String::new(),
    }
}

/// Shortest representation that parses back to exactly `v`.
fn number(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v.is_infinite() {
        let s = if v > 0.0 { "Inf" } else { "-Inf" };
        s.to_string()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shortest_round_trip() {
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(f64::NAN), "");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        for v in [1.0 / 3.0, 1e-300, 1e8 / 7.0, -2.5e-8, f64::MAX] {
            assert_eq!(number(v).parse::<f64>().unwrap(), v);
        }
        assert_eq!("-Inf".parse::<f64>().unwrap(), f64::NEG_INFINITY);
    }
}

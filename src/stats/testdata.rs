//! Fixed data sets for unit tests, compiled in so tests need no files at run time.

/// The pmi data (Tal-Or et al., 2010; tests/data/pmi.README.md gives provenance).
#[allow(dead_code)]
pub struct Pmi {
    pub cond: Vec<f64>,
    pub pmi: Vec<f64>,
    pub import: Vec<f64>,
    pub reaction: Vec<f64>,
    pub gender: Vec<f64>,
    pub age: Vec<f64>,
}

pub fn pmi() -> Pmi {
    let text = include_str!("../../tests/data/pmi.csv");
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 6];
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        for (col, v) in cols.iter_mut().zip(line.split(',')) {
            col.push(v.trim().parse().expect("pmi.csv is numeric"));
        }
    }
    let mut it = cols.into_iter();
    let mut next = || it.next().unwrap();
    Pmi {
        cond: next(),
        pmi: next(),
        import: next(),
        reaction: next(),
        gender: next(),
        age: next(),
    }
}

/// The columns of a reference CSV (header row; `NA` or any non-number → `None`), by name.
pub fn named_columns(text: &str) -> Vec<(String, Vec<Option<f64>>)> {
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .expect("header row")
        .split(',')
        .map(String::from)
        .collect();
    let mut cols = vec![Vec::new(); names.len()];
    for line in lines.filter(|l| !l.trim().is_empty()) {
        for (col, v) in cols.iter_mut().zip(line.split(',')) {
            col.push(v.trim().parse::<f64>().ok());
        }
    }
    names.into_iter().zip(cols).collect()
}

/// The `wanted` columns of a reference CSV, in that order.
pub fn columns<S: AsRef<str>>(text: &str, wanted: &[S]) -> Vec<Vec<Option<f64>>> {
    let all = named_columns(text);
    wanted
        .iter()
        .map(|w| {
            let w = w.as_ref();
            all.iter()
                .find(|(n, _)| n == w)
                .unwrap_or_else(|| panic!("no column {w}"))
                .1
                .clone()
        })
        .collect()
}

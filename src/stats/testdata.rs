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

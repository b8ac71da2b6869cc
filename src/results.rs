//! `results.json`: everything an analysis found, as one versioned, plain-data document: the
//! load summary and a list of analysis entries, each of a known kind. `spcure report`
//! regenerates every table and figure from it alone. The schema is documented in
//! docs/RESULTS.md; bump `SCHEMA_VERSION` on any change of meaning.

use serde::{Deserialize, Serialize};

use crate::analysis::{Entry, Kind, Output};
use crate::load::LoadSummary;

/// Version of the results.json layout (semantic versioning).
pub const SCHEMA_VERSION: &str = "2.0.0";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisResults {
    pub schema_version: String,
    pub spcure_version: String,
    pub study: String,
    /// Where the spec came from, and its full text, so the run can be repeated.
    pub spec_source: String,
    pub spec_toml: String,
    pub load: LoadSummary,
    /// Every analysis, in the order planned.
    pub analyses: Vec<Entry>,
}

impl AnalysisResults {
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.analyses.iter().find(|e| e.id == id)
    }

    /// Entries of one kind that produced output, with their outputs.
    pub fn outputs(&self, kind: Kind) -> impl Iterator<Item = (&Entry, &Output)> {
        self.analyses
            .iter()
            .filter(move |e| e.kind == kind)
            .filter_map(|e| e.output.as_ref().map(|o| (e, o)))
    }

    /// Entries that could not run, with the reason.
    pub fn not_run(&self) -> impl Iterator<Item = (&Entry, &str)> {
        self.analyses
            .iter()
            .filter_map(|e| e.not_run.as_deref().map(|r| (e, r)))
    }
}

impl AnalysisResults {
    /// Checks what the report relies on beyond the JSON types (unique ids, at least one
    /// file, square matrices, one equation per mediator plus Y, one entry per item, histogram
    /// edges, …), so a hand-edited or truncated file is refused with the JSON path of the
    /// offending field (e.g. `analyses[5].output.matrix.r[2]`) instead of crashing the report.
    pub fn validate(&self) -> Result<(), String> {
        if self.load.files.is_empty() {
            return Err("load.files is empty: the results name no data file".into());
        }
        for (i, e) in self.analyses.iter().enumerate() {
            if self.analyses[..i].iter().any(|x| x.id == e.id) {
                return Err(format!("analyses[{i}].id: '{}' appears twice", e.id));
            }
            if let Some(o) = &e.output {
                check_output(o, &format!("analyses[{i}].output"))
                    .map_err(|m| format!("{m} (analysis '{}')", e.id))?;
            }
        }
        Ok(())
    }
}

/// `len` entries expected at `path`.
fn check_len(path: &str, got: usize, want: usize, what: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{path} has {got} entries but needs {want} ({what})"
        ))
    }
}

/// A k × k matrix at `path`.
fn check_square<T>(path: &str, m: &[Vec<T>], k: usize) -> Result<(), String> {
    let what = format!("the matrix must be {k} × {k}, one row and column per variable");
    check_len(path, m.len(), k, &what)?;
    for (i, row) in m.iter().enumerate() {
        check_len(&format!("{path}[{i}]"), row.len(), k, &what)?;
    }
    Ok(())
}

fn check_output(o: &Output, at: &str) -> Result<(), String> {
    match o {
        Output::Correlations(c) => {
            let m = &c.matrix;
            let k = m.variables.len();
            let at = format!("{at}.matrix");
            if k == 0 {
                return Err(format!("{at}.variables is empty"));
            }
            check_square(&format!("{at}.r"), &m.r, k)
                .and(check_square(&format!("{at}.p"), &m.p, k))
                .and(check_square(&format!("{at}.n"), &m.n, k))
                .map_err(|e| format!("{e}; the correlation matrices are not {k} × {k}"))?;
        }
        Output::SerialMediation(m) => check_mediation(m, at)?,
        Output::FimlMediation(m) => check_fiml_mediation(m, at)?,
        Output::Attrition(a) => {
            for (j, c) in a.categorical.iter().enumerate() {
                let at = format!("{at}.categorical[{j}]");
                let what = format!("'{}': counts do not match its levels", c.variable);
                let n = c.levels.len();
                check_len(
                    &format!("{at}.counts_completers"),
                    c.counts_completers.len(),
                    n,
                    &what,
                )?;
                check_len(
                    &format!("{at}.counts_noncompleters"),
                    c.counts_noncompleters.len(),
                    n,
                    &what,
                )?;
            }
            if let Some(t) = &a.mcar {
                let k = t.variables.len();
                check_len(
                    &format!("{at}.mcar.mu"),
                    t.mu.len(),
                    k,
                    "one mean per variable",
                )?;
                check_square(&format!("{at}.mcar.sigma"), &t.sigma, k)?;
            }
        }
        Output::Reliability(r) => {
            for (j, s) in r.scales.iter().enumerate() {
                let at = format!("{at}.scales[{j}]");
                let x = &s.result;
                let k = x.items.len();
                if k == 0 {
                    return Err(format!("{at}.result.items is empty"));
                }
                let one = "one entry per item";
                check_len(
                    &format!("{at}.result.item_stats"),
                    x.item_stats.len(),
                    k,
                    one,
                )?;
                if let Some(f) = &x.omega {
                    check_len(
                        &format!("{at}.result.omega.loadings"),
                        f.loadings.len(),
                        k,
                        one,
                    )?;
                    check_len(
                        &format!("{at}.result.omega.uniquenesses"),
                        f.uniquenesses.len(),
                        k,
                        one,
                    )?;
                }
            }
        }
        Output::MixedModel(m) => {
            for c in &m.models {
                let t = c.fit.per_wave.len();
                let cells = c.fit.means.len();
                if t == 0 || cells == 0 || cells % t != 0 || c.observed.len() != cells {
                    return Err(format!(
                        "mixed model of '{}': {cells} model means and {} raw means for {t} waves",
                        c.construct,
                        c.observed.len()
                    ));
                }
            }
        }
        Output::Descriptives(_)
        | Output::Change(_)
        | Output::Regression(_)
        | Output::CountChange(_) => {}
    }
    Ok(())
}

/// The shape every serial mediation shares, listwise or FIML.
struct ChainShape<'a> {
    mediators: usize,
    equations: usize,
    variables: usize,
    indirect_effects: usize,
    distribution: &'a crate::stats::mediation::Distribution,
}

fn check_mediation(
    o: &crate::analysis::mediation::MediationOutput,
    at: &str,
) -> Result<(), String> {
    let r = &o.result;
    check_chain(
        at,
        &ChainShape {
            mediators: r.mediators.len(),
            equations: r.equations.len(),
            variables: o.variables.len(),
            indirect_effects: r.indirect_effects.len(),
            distribution: &r.serial_distribution,
        },
    )
}

fn check_fiml_mediation(
    o: &crate::analysis::mediation::FimlMediationOutput,
    at: &str,
) -> Result<(), String> {
    let r = &o.result;
    check_chain(
        at,
        &ChainShape {
            mediators: r.mediators.len(),
            equations: r.equations.len(),
            variables: o.variables.len(),
            indirect_effects: r.indirect_effects.len(),
            distribution: &r.serial_distribution,
        },
    )
}

fn check_chain(at: &str, c: &ChainShape<'_>) -> Result<(), String> {
    let k = c.mediators;
    let max = crate::stats::mediation::MAX_MEDIATORS;
    if !(1..=max).contains(&k) {
        return Err(format!(
            "{at}.result.mediators has {k} entries; a serial mediation has 1 to {max} mediators, and its equations one per mediator plus the outcome"
        ));
    }
    check_len(
        &format!("{at}.result.equations"),
        c.equations,
        k + 1,
        "one equation per mediator plus the outcome",
    )?;
    if c.variables < k + 2 {
        return Err(format!(
            "{at}.variables has {} entries; needs at least {} (X, the {k} mediators and Y): fewer variables than X, the mediators and Y",
            c.variables,
            k + 2
        ));
    }
    if c.indirect_effects == 0 {
        return Err(format!("{at}.result.indirect_effects is empty"));
    }
    let d = c.distribution;
    check_len(
        &format!("{at}.result.serial_distribution.edges"),
        d.edges.len(),
        d.counts.len() + 1,
        "serial_distribution needs one more edge than counts",
    )
}

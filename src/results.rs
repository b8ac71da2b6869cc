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
    /// Checks what the report relies on beyond the JSON shape (unique ids, square matrices,
    /// one equation per mediator plus Y, histogram edges), so a hand-edited or truncated
    /// file is refused with a reason instead of crashing the report.
    pub fn validate(&self) -> Result<(), String> {
        for (i, e) in self.analyses.iter().enumerate() {
            if self.analyses[..i].iter().any(|x| x.id == e.id) {
                return Err(format!("analysis id '{}' appears twice", e.id));
            }
            if let Some(o) = &e.output {
                check_output(o).map_err(|m| format!("analysis '{}': {m}", e.id))?;
            }
        }
        Ok(())
    }
}

fn check_output(o: &Output) -> Result<(), String> {
    match o {
        Output::Correlations(c) => {
            let m = &c.matrix;
            let k = m.variables.len();
            let square = |rows: usize, lens: Vec<usize>| rows == k && lens.iter().all(|l| *l == k);
            if !square(m.r.len(), m.r.iter().map(Vec::len).collect())
                || !square(m.p.len(), m.p.iter().map(Vec::len).collect())
                || !square(m.n.len(), m.n.iter().map(Vec::len).collect())
            {
                return Err(format!("the correlation matrices are not {k} × {k}"));
            }
        }
        Output::SerialMediation(m) => {
            let r = &m.result;
            let k = r.mediators.len();
            if k == 0 || r.equations.len() != k + 1 {
                return Err(format!(
                    "{k} mediators but {} equations (need 1 to 8 mediators and one equation per mediator plus the outcome)",
                    r.equations.len()
                ));
            }
            if m.variables.len() < k + 2 {
                return Err("fewer variables than X, the mediators and Y".into());
            }
            let d = &r.serial_distribution;
            if d.edges.len() != d.counts.len() + 1 {
                return Err("serial_distribution needs one more edge than counts".into());
            }
        }
        Output::FimlMediation(m) => {
            let r = &m.result;
            if r.equations.len() != r.mediators.len() + 1 {
                return Err(format!(
                    "FIML mediation: {} mediators but {} equations",
                    r.mediators.len(),
                    r.equations.len()
                ));
            }
        }
        Output::Attrition(a) => {
            if let Some(c) = a.categorical.iter().find(|c| {
                c.counts_completers.len() != c.levels.len()
                    || c.counts_noncompleters.len() != c.levels.len()
            }) {
                return Err(format!("'{}': counts do not match its levels", c.variable));
            }
        }
        Output::Descriptives(_)
        | Output::Reliability(_)
        | Output::Change(_)
        | Output::Regression(_) => {}
    }
    Ok(())
}

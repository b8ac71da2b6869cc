//! The evaluation analyses on a loaded panel: reliability, correlations, attrition, change
//! across waves and change-score regressions. Each analysis that cannot run (too few cases,
//! a constant column, a wave that was not given) leaves a note saying why instead of failing
//! the whole run; the numbers come from the estimators in [`crate::stats`].

use serde::{Deserialize, Serialize};

use crate::load::{wave_label, Panel};
use crate::prepare::{model_frame, paired_scores, Exclusion, ModelFrame, Var};
use crate::spec::StudySpec;
use crate::stats::attrition::{
    compare_categorical, compare_continuous, flow, CategoricalComparison, ContinuousComparison,
    FlowRow,
};
use crate::stats::change::{holm, paired, PairedComparison};
use crate::stats::correlation::{pearson_matrix, CorrelationMatrix};
use crate::stats::mcar::{little_mcar, McarTest};
use crate::stats::ols::{OlsResult, OlsSpec};
use crate::stats::reliability::{reliability, Reliability};

/// Everything [`evaluate`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub reliability: Vec<ReliabilityEntry>,
    pub correlations: Correlations,
    pub attrition: Attrition,
    pub change: Vec<ChangeEntry>,
    pub regressions: Vec<RegressionEntry>,
    /// Analyses that could not be run, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityEntry {
    pub construct: String,
    pub label: String,
    pub wave: String,
    pub result: Reliability,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlations {
    /// Construct scores and covariates at baseline (pairwise complete).
    pub baseline: CorrelationMatrix,
    /// Change scores of the constructs between the model's waves.
    pub change: Option<CorrelationMatrix>,
    pub change_from: String,
    pub change_to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attrition {
    pub flow: Vec<FlowRow>,
    /// Completers are the baseline participants present at this wave (the model's follow-up).
    pub completer_wave: String,
    pub continuous: Vec<ContinuousComparison>,
    pub categorical: Vec<CategoricalComparison>,
    /// Little's MCAR test on the model's variables (scores at both waves, covariates).
    pub mcar: Option<McarTest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEntry {
    pub construct: String,
    pub label: String,
    pub from: String,
    pub to: String,
    pub comparison: PairedComparison,
    /// Holm-adjusted p-values across every construct and wave pair.
    pub p_t_holm: f64,
    pub p_wilcoxon_holm: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionEntry {
    /// Short key, e.g. `change_T0_T1`.
    pub id: String,
    pub title: String,
    /// The model in words and as a formula.
    pub formula: String,
    pub n_baseline: usize,
    pub exclusions: Vec<Exclusion>,
    pub fit: OlsResult,
}

/// Settings of the evaluation analyses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvaluationSpec {
    /// Confidence level in (0, 1).
    pub level: f64,
    /// Wave numbers of the model's change (from, to).
    pub from: u32,
    pub to: u32,
    pub ols: OlsSpec,
}

/// Runs every evaluation analysis on the panel.
pub fn evaluate(panel: &Panel, spec: &StudySpec, e: &EvaluationSpec) -> Evaluation {
    let mut notes = Vec::new();
    let reliability = reliabilities(panel, e.level, &mut notes);
    let correlations = correlations(panel, e, &mut notes);
    let attrition = attrition(panel, spec, e, &mut notes);
    let change = changes(panel, e.level, &mut notes);
    let regressions = regressions(panel, spec, e, &mut notes);
    Evaluation {
        reliability,
        correlations,
        attrition,
        change,
        regressions,
        notes,
    }
}

fn reliabilities(panel: &Panel, level: f64, notes: &mut Vec<String>) -> Vec<ReliabilityEntry> {
    let mut out = Vec::new();
    for c in panel.constructs.iter().filter(|c| c.item_names.len() > 1) {
        for (w, wave) in panel.waves.iter().enumerate() {
            let Some(items) = &c.items[w] else { continue };
            // Only the participants who took part in the wave: absentees are not missing items.
            let items: Vec<Vec<Option<f64>>> = items
                .iter()
                .map(|col| {
                    col.iter()
                        .zip(&panel.present[w])
                        .filter(|(_, p)| **p)
                        .map(|(v, _)| *v)
                        .collect()
                })
                .collect();
            match reliability(&c.item_names, &items, level) {
                Ok(result) => out.push(ReliabilityEntry {
                    construct: c.name.clone(),
                    label: c.label.clone(),
                    wave: wave_label(*wave),
                    result,
                }),
                Err(err) => notes.push(format!(
                    "reliability of {} at {}: not computed ({err})",
                    c.name,
                    wave_label(*wave)
                )),
            }
        }
    }
    out
}

fn correlations(panel: &Panel, e: &EvaluationSpec, notes: &mut Vec<String>) -> Correlations {
    let mut names = Vec::new();
    let mut cols = Vec::new();
    for c in &panel.constructs {
        names.push(c.name.clone());
        cols.push(c.scores[0].clone());
    }
    for c in &panel.covariates {
        names.push(c.name.clone());
        cols.push(c.values.clone());
    }
    let baseline = pearson_matrix(&names, &cols);
    let mut change_names = Vec::new();
    let mut change_cols = Vec::new();
    for c in &panel.constructs {
        if let Some((a, b)) = paired_scores(panel, &c.name, e.from, e.to) {
            change_names.push(format!("d_{}", c.name));
            change_cols.push(
                a.iter()
                    .zip(&b)
                    .map(|(a, b)| Some((*b)? - (*a)?))
                    .collect::<Vec<_>>(),
            );
        }
    }
    let change = if change_names.is_empty() {
        notes.push(format!(
            "correlations of change scores: no {} and {} waves to compare",
            wave_label(e.from),
            wave_label(e.to)
        ));
        None
    } else {
        Some(pearson_matrix(&change_names, &change_cols))
    };
    Correlations {
        baseline,
        change,
        change_from: wave_label(e.from),
        change_to: wave_label(e.to),
    }
}

fn attrition(
    panel: &Panel,
    spec: &StudySpec,
    e: &EvaluationSpec,
    notes: &mut Vec<String>,
) -> Attrition {
    let labels: Vec<String> = panel.waves.iter().map(|w| wave_label(*w)).collect();
    let flow = flow(&labels, &panel.present).unwrap_or_else(|err| {
        notes.push(format!("attrition flow: not computed ({err})"));
        Vec::new()
    });
    let completer_wave = wave_label(e.to);
    let mut out = Attrition {
        flow,
        completer_wave: completer_wave.clone(),
        continuous: Vec::new(),
        categorical: Vec::new(),
        mcar: None,
    };
    let Some(w) = panel.wave_index(e.to) else {
        notes.push(format!(
            "attrition: no {completer_wave} file, so no completers to compare"
        ));
        return out;
    };
    let completer = &panel.present[w];
    for c in &panel.constructs {
        match compare_continuous(&c.name, &c.scores[0], completer, e.level) {
            Ok(r) => out.continuous.push(r),
            Err(err) => notes.push(format!("attrition, {}: not compared ({err})", c.name)),
        }
    }
    for c in &panel.covariates {
        let categorical = spec.covariate(&c.name).is_some_and(|s| s.categorical);
        let result = if categorical {
            compare_categorical(&c.name, &c.values, completer).map(|r| out.categorical.push(r))
        } else {
            compare_continuous(&c.name, &c.values, completer, e.level)
                .map(|r| out.continuous.push(r))
        };
        if let Err(err) = result {
            notes.push(format!("attrition, {}: not compared ({err})", c.name));
        }
    }
    out.mcar = mcar(panel, spec, e, notes);
    out
}

/// Little's test on the model's constructs at both waves plus the covariates.
fn mcar(
    panel: &Panel,
    spec: &StudySpec,
    e: &EvaluationSpec,
    notes: &mut Vec<String>,
) -> Option<McarTest> {
    let m = &spec.model;
    let mut chain = vec![m.x()];
    chain.extend(m.mediators());
    chain.push(m.y());
    let mut names = Vec::new();
    let mut cols = Vec::new();
    for c in &chain {
        let (a, b) = paired_scores(panel, c, e.from, e.to)?;
        names.push(format!("{c}_{}", wave_label(e.from)));
        cols.push(a);
        names.push(format!("{c}_{}", wave_label(e.to)));
        cols.push(b);
    }
    for c in m.covariates() {
        names.push(c.to_string());
        cols.push(panel.covariate(c)?.values.clone());
    }
    little_mcar(&names, &cols)
        .map_err(|err| notes.push(format!("Little's MCAR test: not computed ({err})")))
        .ok()
}

fn changes(panel: &Panel, level: f64, notes: &mut Vec<String>) -> Vec<ChangeEntry> {
    let mut pairs = Vec::new();
    for (i, a) in panel.waves.iter().enumerate() {
        for b in &panel.waves[i + 1..] {
            pairs.push((*a, *b));
        }
    }
    // T0–T1, T1–T2, then T0–T2: consecutive steps first, as papers report them.
    pairs.sort_by_key(|(a, b)| (b - a, *a));
    let mut out = Vec::new();
    for c in &panel.constructs {
        for &(from, to) in &pairs {
            let Some((a, b)) = paired_scores(panel, &c.name, from, to) else {
                continue;
            };
            match paired(&a, &b, level) {
                Ok(comparison) => out.push(ChangeEntry {
                    construct: c.name.clone(),
                    label: c.label.clone(),
                    from: wave_label(from),
                    to: wave_label(to),
                    comparison,
                    p_t_holm: f64::NAN,
                    p_wilcoxon_holm: f64::NAN,
                }),
                Err(err) => notes.push(format!(
                    "change of {} {}–{}: not computed ({err})",
                    c.name,
                    wave_label(from),
                    wave_label(to)
                )),
            }
        }
    }
    let p_t: Vec<f64> = out.iter().map(|c| c.comparison.p_t).collect();
    let p_w: Vec<f64> = out.iter().map(|c| c.comparison.p_wilcoxon).collect();
    for ((entry, t), w) in out.iter_mut().zip(holm(&p_t)).zip(holm(&p_w)) {
        entry.p_t_holm = t;
        entry.p_wilcoxon_holm = w;
    }
    out
}

/// One regression to fit: an outcome, its predictors, a title.
struct Planned {
    id: String,
    title: String,
    y: Var,
    x: Vec<Var>,
}

fn planned(panel: &Panel, spec: &StudySpec, e: &EvaluationSpec) -> Vec<Planned> {
    let m = &spec.model;
    let (x, y) = (m.x(), m.y());
    let covs: Vec<Var> = m
        .covariates()
        .iter()
        .map(|c| Var::Covariate(c.to_string()))
        .collect();
    let with_covs = |mut v: Vec<Var>| {
        v.extend(covs.iter().cloned());
        v
    };
    let (f, t) = (wave_label(e.from), wave_label(e.to));
    let mut plan = vec![
        Planned {
            id: format!("baseline_{f}"),
            title: format!("Baseline association: {y} on {x} at {f}"),
            y: Var::score(y, e.from),
            x: with_covs(vec![Var::score(x, e.from)]),
        },
        Planned {
            id: format!("change_{f}_{t}"),
            title: format!("Change-score regression: Δ{y} on Δ{x} ({t} − {f})"),
            y: Var::change(y, e.from, e.to),
            x: with_covs(vec![Var::change(x, e.from, e.to)]),
        },
        Planned {
            id: format!("residualised_{f}_{t}"),
            title: format!("Residualised change: {y} at {t} on {y} at {f} and Δ{x}"),
            y: Var::score(y, e.to),
            x: with_covs(vec![Var::score(y, e.from), Var::change(x, e.from, e.to)]),
        },
    ];
    if let Some(&last) = panel.waves.last().filter(|w| **w > e.to) {
        let l = wave_label(last);
        plan.push(Planned {
            id: format!("change_{f}_{l}"),
            title: format!("Change-score regression: Δ{y} on Δ{x} ({l} − {f})"),
            y: Var::change(y, e.from, last),
            x: with_covs(vec![Var::change(x, e.from, last)]),
        });
    }
    let chain: Vec<&str> = std::iter::once(x).chain(m.mediators()).chain([y]).collect();
    // Constructs outside the chain (e.g. GP appointments): their change on the change in X,
    // the companion analysis of service use.
    for c in panel
        .constructs
        .iter()
        .filter(|c| !chain.contains(&c.name.as_str()))
    {
        plan.push(Planned {
            id: format!("change_{}_{f}_{t}", c.name),
            title: format!("Change-score regression: Δ{} on Δ{x} ({t} − {f})", c.name),
            y: Var::change(&c.name, e.from, e.to),
            x: with_covs(vec![Var::change(x, e.from, e.to)]),
        });
    }
    plan
}

fn regressions(
    panel: &Panel,
    spec: &StudySpec,
    e: &EvaluationSpec,
    notes: &mut Vec<String>,
) -> Vec<RegressionEntry> {
    let mut out = Vec::new();
    for p in planned(panel, spec, e) {
        if p.x.iter().chain([&p.y]).any(|v| !available(panel, v)) {
            continue;
        }
        let mut vars = vec![p.y.clone()];
        vars.extend(p.x.iter().cloned());
        let frame = model_frame(panel, &vars);
        let formula = formula(&frame);
        match fit(&frame, &e.ols) {
            Ok(fit) => out.push(RegressionEntry {
                id: p.id,
                title: p.title,
                formula,
                n_baseline: frame.n_baseline,
                exclusions: frame.exclusions,
                fit,
            }),
            Err(err) => notes.push(format!("{}: not fitted ({err})", p.title)),
        }
    }
    out
}

fn available(panel: &Panel, v: &Var) -> bool {
    match v {
        Var::Score { wave, .. } => panel.wave_index(*wave).is_some(),
        Var::Change { from, to, .. } => {
            panel.wave_index(*from).is_some() && panel.wave_index(*to).is_some()
        }
        Var::Covariate(_) => true,
    }
}

fn formula(frame: &ModelFrame) -> String {
    format!("{} ~ {}", frame.names[0], frame.names[1..].join(" + "))
}

fn fit(frame: &ModelFrame, ols: &OlsSpec) -> Result<OlsResult, crate::stats::StatsError> {
    let predictors: Vec<&[f64]> = frame.columns[1..].iter().map(Vec::as_slice).collect();
    let names: Vec<&str> = frame.names[1..].iter().map(String::as_str).collect();
    ols.fit(&frame.names[0], &frame.columns[0], &predictors, &names)
}

//! `spcure regress FILE --y COUNT --x … --family poisson|negbin|auto [--offset EXPOSURE]`:
//! a log-linear count model on a flat CSV.
//!
//! load (listwise deletion, counted) → count and exposure checks naming file, column, row and
//! value (exit 2) → [`CountSpec::fit`](crate::stats::glm::CountSpec::fit) → JSON or tables.
//! A model that cannot be estimated (separation, collinearity, no convergence) exits 1.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::config::count::CountConfig;
use crate::config::RegressConfig;
use crate::error::UsageError;
use crate::load::{read_flat, read_flat_labelled};
use crate::prepare::{flat_frame, Exclusion, ModelFrame};
use crate::stats::glm::{CountData, CountFamily, CountResult, INTERCEPT};

use super::regress::{emit, exclusion_note, num, p_eq, pval, shorten};

/// What `spcure regress --family … --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountOutput {
    /// "Poisson regression" or "negative binomial (NB2) regression".
    pub model: String,
    pub link: String,
    pub file: String,
    pub sha256: String,
    /// Data rows in the file, before listwise deletion.
    pub rows_read: usize,
    /// Rows left out for a missing value, by the first missing column.
    pub exclusions: Vec<Exclusion>,
    /// Which rows the model uses, in words.
    pub sample: String,
    /// What the coefficients estimate, in words.
    pub estimand: String,
    /// The model's assumptions, in one sentence.
    pub assumption: String,
    /// For each 0/1 predictor (e.g. wave), the change in words: "'visits' fell by 24.1 % (95 %
    /// CI 10.2 to 35.9) from wave = 0 to wave = 1".
    pub changes: Vec<String>,
    #[serde(flatten)]
    pub result: CountResult,
}

pub fn run(cfg: &RegressConfig, count: &CountConfig) -> Result<()> {
    let out = regress_count(cfg, count)?;
    for w in &out.result.warnings {
        eprintln!(
            "warning: {} ~ {}: {w}",
            out.result.fit.outcome,
            cfg.x.join(" + ")
        );
    }
    if cfg.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
    } else {
        emit(&render(&out))?;
    }
    Ok(())
}

/// Loads the columns (complete cases), checks counts and exposure, and fits.
pub fn regress_count(cfg: &RegressConfig, count: &CountConfig) -> Result<CountOutput> {
    if let Some(dup) = cfg
        .x
        .iter()
        .enumerate()
        .find(|(i, c)| cfg.x[..*i].contains(c))
    {
        return Err(UsageError::new(format!("--x names column '{}' twice", dup.1)).into());
    }
    let mut columns: Vec<&str> = vec![cfg.y.as_str()];
    columns.extend(cfg.x.iter().map(String::as_str));
    columns.extend(count.offset.as_deref());
    let file = cfg.file.display().to_string();
    let raw = read_flat(&cfg.file, &columns, &cfg.flat)?;
    for w in &raw.warnings {
        eprintln!("warning: {w}");
    }
    let data = flat_frame(&columns, &raw.columns, &file);
    check_input(&data, &file, &cfg.y, count.offset.as_deref())?;
    let k = cfg.x.len();
    let predictors: Vec<&[f64]> = data.columns[1..=k].iter().map(Vec::as_slice).collect();
    let names: Vec<&str> = cfg.x.iter().map(String::as_str).collect();
    let exposure = count
        .offset
        .as_deref()
        .map(|name| (name, data.columns[k + 1].as_slice()));
    let clusters = match &count.id {
        Some(id) => Some(participants(cfg, id, &data)?),
        None => None,
    };
    let input = CountData {
        outcome: &cfg.y,
        y: &data.columns[0],
        predictors: &predictors,
        names: &names,
        exposure,
        clusters: clusters.as_deref(),
        rows: Some(data.ids.as_slice()),
    };
    let result = count.spec.fit(&input).with_context(|| {
        format!(
            "{file}: cannot fit the count model {} ~ {} on {} complete rows",
            cfg.y,
            cfg.x.join(" + "),
            data.n()
        )
    })?;
    let fit = &result.fit;
    let in_clusters = match (&count.id, fit.clusters) {
        (Some(id), Some(g)) => format!(" from {g} participants ('{id}')"),
        _ => String::new(),
    };
    let changes = change_sentences(&result, &predictors, count.offset.as_deref());
    Ok(CountOutput {
        model: match fit.clusters {
            Some(_) => "Poisson GEE (independence working correlation)".into(),
            None => format!("{} regression", fit.family.label()),
        },
        link: "log".into(),
        sample: format!(
            "{} of {} rows of {file}{in_clusters} with every model variable present (listwise \
             deletion; assumes the missing rows are missing completely at random)",
            fit.n, raw.rows_read
        ),
        estimand: match fit.clusters {
            Some(_) => format!(
                "{}; population-averaged (marginal) over participants",
                estimand(&cfg.y, count.offset.as_deref())
            ),
            None => estimand(&cfg.y, count.offset.as_deref()),
        },
        assumption: match fit.clusters {
            Some(_) => CLUSTERED_ASSUMPTION.into(),
            None => assumption(fit.family).into(),
        },
        changes,
        file,
        sha256: raw.sha256,
        rows_read: raw.rows_read,
        exclusions: data.sample.exclusions,
        result,
    })
}

const CLUSTERED_ASSUMPTION: &str = "log mean linear in the predictors; rows of one participant \
     may be correlated and the variance need not equal the mean (SEs are the sandwich clustered by \
     participant, no small-sample correction); participants independent";

/// The participant of every kept row, from the `--id` column (text or numbers).
fn participants(cfg: &RegressConfig, id: &str, data: &ModelFrame) -> Result<Vec<String>> {
    let labels = read_flat_labelled(&cfg.file, &[], Some(id), &cfg.flat)?
        .1
        .map(|l| l.values)
        .unwrap_or_default();
    data.ids
        .iter()
        .map(|row| {
            row.parse::<usize>()
                .ok()
                .and_then(|r| labels.get(r.wrapping_sub(1)).cloned().flatten())
                .ok_or_else(|| {
                    UsageError::new(format!(
                        "{}: row {row}, column '{id}': the participant id is missing; every \
                         row of long data needs one",
                        cfg.file.display()
                    ))
                    .into()
                })
        })
        .collect()
}

/// A sentence per 0/1 predictor: the % change from 0 to 1 with its CI.
fn change_sentences(r: &CountResult, predictors: &[&[f64]], offset: Option<&str>) -> Vec<String> {
    let level = r.fit.level * 100.0;
    let what = |y: &str| match offset {
        Some(e) => format!("the rate of '{y}' per unit of '{e}'"),
        None => format!("mean '{y}'"),
    };
    r.fit
        .terms
        .iter()
        .filter(|t| t.term != INTERCEPT)
        .zip(predictors)
        .filter(|(_, x)| x.iter().all(|v| *v == 0.0 || *v == 1.0))
        .map(|(t, _)| {
            let dir = if t.pct_change < 0.0 { "fell" } else { "rose" };
            format!(
                "{} {dir} by {:.1} % from {} = 0 to {} = 1 (% change {:.1}, {level} % CI {:.1} \
                 to {:.1})",
                cap(&what(&r.fit.outcome)),
                t.pct_change.abs(),
                t.term,
                t.term,
                t.pct_change,
                t.pct_low,
                t.pct_high
            )
        })
        .collect()
}

fn estimand(y: &str, offset: Option<&str>) -> String {
    match offset {
        Some(e) => format!(
            "rate ratios exp(β) of '{y}' per unit of '{e}' (offset log({e})), each for a \
             one-unit higher predictor with the others held fixed"
        ),
        None => format!(
            "ratios of mean '{y}' exp(β), each for a one-unit higher predictor with the \
             others held fixed"
        ),
    }
}

fn assumption(family: CountFamily) -> &'static str {
    match family {
        CountFamily::Poisson => {
            "independent rows, log mean linear in the predictors, variance equal to the mean"
        }
        CountFamily::NegBin => {
            "independent rows, log mean linear in the predictors, variance μ + μ²/θ (NB2)"
        }
    }
}

/// Counts must be whole numbers ≥ 0 and exposures > 0: bad input, named with its row.
fn check_input(
    data: &ModelFrame,
    file: &str,
    y: &str,
    offset: Option<&str>,
) -> Result<(), UsageError> {
    for (v, row) in data.columns[0].iter().zip(&data.ids) {
        if *v < 0.0 || v.fract() != 0.0 {
            return Err(UsageError::new(format!(
                "{file}: row {row}, column '{y}': {v} is not a count; a count model needs whole \
                 numbers 0, 1, 2, … (use --family gaussian for a continuous outcome)"
            )));
        }
    }
    if let Some(e) = offset {
        let col = data.columns.last().map_or(&[][..], Vec::as_slice);
        for (v, row) in col.iter().zip(&data.ids) {
            if *v <= 0.0 {
                return Err(UsageError::new(format!(
                    "{file}: row {row}, column '{e}': exposure {v} is not positive; the offset \
                     is log({e}), so every row needs a positive exposure (e.g. months of recall)"
                )));
            }
        }
    }
    Ok(())
}

/// Width of the numeric columns.
const W: usize = 10;

/// The human-readable report: model, sample, check and decision, then the coefficients on
/// the log scale and as rate ratios with % change.
pub fn render(out: &CountOutput) -> String {
    let r = &out.result;
    let f = &r.fit;
    let xs: Vec<&str> = f
        .terms
        .iter()
        .map(|t| t.term.as_str())
        .filter(|t| *t != INTERCEPT)
        .collect();
    let mut rhs = xs.join(" + ");
    if !f.intercept {
        rhs.push_str(" (no intercept)");
    }
    if let Some(e) = &f.offset {
        rhs.push_str(&format!(" + offset(log({e}))"));
    }
    let mut s = format!("{}, log link: {} ~ {rhs}\n", cap(&out.model), f.outcome);
    s.push_str(&format!("File: {}\n", out.file));
    s.push_str(&format!(
        "n = {} of {} rows read{}\n",
        f.n,
        out.rows_read,
        exclusion_note(&out.exclusions)
    ));
    s.push_str(&format!("Estimand: {}\n", out.estimand));
    s.push_str(&format!("Assumes: {}\n", out.assumption));
    let o = &r.overdispersion;
    s.push_str(&format!(
        "Overdispersion check: Poisson Pearson χ²/df = {:.4} (df {}); LR test Poisson vs NB: \
         χ²(1) = {:.4}, p {} (boundary-halved){}\n",
        o.poisson_pearson_ratio,
        o.poisson_df,
        o.lr,
        p_eq(o.p),
        o.theta
            .map_or(String::new(), |t| format!(", θ = {}", num(t)))
    ));
    s.push_str(&format!("Decision: {}.\n", r.decision));
    let theta = match (f.theta, f.theta_se) {
        (Some(t), Some(se)) => format!("θ = {} (SE {}), ", num(t), num(se)),
        _ => String::new(),
    };
    s.push_str(&format!(
        "{theta}deviance = {}, Pearson χ²/df = {:.4}, log-likelihood = {}, AIC = {}\n",
        num(f.deviance),
        f.pearson_ratio,
        num(f.log_lik),
        num(f.aic)
    ));
    let se_note = match f.clusters {
        Some(g) => format!("{} SEs ({g} clusters)", f.se_type),
        None => format!("{} SEs", f.se_type),
    };
    s.push_str(&format!("Wald z tests and intervals, {se_note}\n"));
    let mut s = wrap(&s, MAX_WIDTH);
    s.push('\n');
    s.push_str(&coefficient_table(out));
    s.push('\n');
    s.push_str(&rate_ratio_table(out));
    for c in &out.changes {
        s.push_str(&wrap(&format!("{c}.\n"), MAX_WIDTH));
    }
    s
}

/// The report's widest line.
const MAX_WIDTH: usize = 100;

/// Breaks each line longer than `width` at spaces, continuing with a two-space indent.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut current = String::new();
        for word in line.split(' ') {
            let len = current.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                out.push_str(&current);
                out.push('\n');
                current = format!("  {word}");
            } else {
                if len > 0 {
                    current.push(' ');
                }
                current.push_str(word);
            }
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

fn term_width(out: &CountOutput) -> usize {
    out.result
        .fit
        .terms
        .iter()
        .map(|t| t.term.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 24)
}

fn coefficient_table(out: &CountOutput) -> String {
    let f = &out.result.fit;
    let tw = term_width(out);
    let w = W;
    let level = format!("{}%", f.level * 100.0);
    let mut s = format!(
        "{:<tw$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$}\n",
        "term (log)",
        "estimate",
        "SE",
        "z",
        "p",
        format!("{level} low"),
        format!("{level} high"),
    );
    for t in &f.terms {
        s.push_str(&format!(
            "{:<tw$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$}\n",
            shorten(&t.term, tw),
            num(t.estimate),
            num(t.se),
            num(t.z),
            pval(t.p),
            num(t.ci_low),
            num(t.ci_high),
        ));
    }
    s
}

fn rate_ratio_table(out: &CountOutput) -> String {
    let f = &out.result.fit;
    let tw = term_width(out);
    let w = W;
    let mut s = format!(
        "{:<tw$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$}\n",
        "term",
        if f.offset.is_some() { "IRR" } else { "ratio" },
        "low",
        "high",
        "% change",
        "low",
        "high",
    );
    // The intercept's exp(β) is a baseline rate, not a ratio: it stays in the JSON only.
    for t in f.terms.iter().filter(|t| t.term != INTERCEPT) {
        s.push_str(&format!(
            "{:<tw$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$} {:>w$}\n",
            shorten(&t.term, tw),
            num(t.irr),
            num(t.irr_low),
            num(t.irr_high),
            format!("{:.2}", t.pct_change),
            format!("{:.2}", t.pct_low),
            format!("{:.2}", t.pct_high),
        ));
    }
    s.push_str(&format!(
        "% change = (IRR − 1) × 100; intervals at {}% exponentiated from the log scale.\n",
        f.level * 100.0
    ));
    s
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

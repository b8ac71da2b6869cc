//! `spcure mixed FILE --id ID --time WAVE --y Y [--group ARM] [--cov C1,C2] …`: a linear
//! mixed model over waves on long data (one row per participant and wave).
//!
//! load (every cell validated) → participants (rows grouped by id; every row that cannot be
//! used is counted with its reason) → [`crate::stats::mmrm::MixedSpec::fit`] → JSON or tables. Bad input (missing
//! id or wave, a participant at a wave twice, a group or covariate that changes within a
//! participant) exits 2; a model that cannot be estimated exits 1.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::config::mixed::MixedConfig;
use crate::error::UsageError;
use crate::load::read_long;
use crate::spec::wave_number;
use crate::stats::mmrm::{Covariance, Estimate, MixedData, MixedResult, Subject};

/// The missing-data assumption, stated in every output.
pub const MAR_NOTE: &str = "every participant with an observed outcome at any wave is used; valid if missingness depends only on observed data (missing at random, MAR)";

/// Rows or participants left out, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    pub reason: String,
    pub count: usize,
}

/// What `spcure mixed --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedOutput {
    pub file: String,
    pub sha256: String,
    pub rows_read: usize,
    /// Participants (distinct ids) in the file.
    pub participants_in_file: usize,
    /// Rows and participants not used, with reasons.
    pub dropped: Vec<Dropped>,
    /// The model formula in words, e.g. "y ~ time * arm + age".
    pub model: String,
    pub missing_data: String,
    #[serde(flatten)]
    pub fit: MixedResult,
}

pub fn run(cfg: &MixedConfig) -> Result<()> {
    let out = mixed(cfg)?;
    for w in &out.fit.warnings {
        eprintln!("warning: {w}");
    }
    let text = if cfg.json {
        format!("{}\n", serde_json::to_string_pretty(&out)?)
    } else {
        render(&out)
    };
    super::regress::emit(&text)?;
    Ok(())
}

/// Loads the long file, builds participants and fits the model.
pub fn mixed(cfg: &MixedConfig) -> Result<MixedOutput> {
    let mut text_cols = vec![cfg.id.as_str(), cfg.time.as_str()];
    if let Some(g) = &cfg.group {
        text_cols.push(g);
    }
    let mut num_cols = vec![cfg.y.as_str()];
    num_cols.extend(cfg.covariates.iter().map(String::as_str));
    let raw = read_long(&cfg.file, &text_cols, &num_cols)?;
    for w in &raw.warnings {
        eprintln!("warning: {w}");
    }
    let file = cfg.file.display().to_string();
    let (data, participants, dropped) = participants(cfg, &raw, &file)?;
    let fit = cfg.spec.fit(&data).with_context(|| {
        format!(
            "{file}: cannot fit the mixed model for '{}' ({} participants)",
            cfg.y,
            data.subjects.len()
        )
    })?;
    Ok(MixedOutput {
        file,
        sha256: raw.sha256.clone(),
        rows_read: raw.rows(),
        participants_in_file: participants,
        dropped,
        model: formula(cfg),
        missing_data: MAR_NOTE.into(),
        fit,
    })
}

fn formula(cfg: &MixedConfig) -> String {
    let mut rhs = cfg.time.clone();
    if let Some(g) = &cfg.group {
        rhs = format!("{rhs} * {g}");
    }
    for c in &cfg.covariates {
        rhs = format!("{rhs} + {c}");
    }
    format!("{} ~ {rhs}", cfg.y)
}

/// One participant's rows as read.
#[derive(Default)]
struct Rows {
    group: Option<(String, usize)>,
    covariates: Vec<Option<(f64, usize)>>,
    obs: BTreeMap<String, (Option<f64>, usize)>,
}

type Built = (MixedData, usize, Vec<Dropped>);

/// Groups rows by id, checks that group and covariates are constant within a participant and
/// that no participant has a wave twice, and orders the waves.
fn participants(cfg: &MixedConfig, raw: &crate::load::LongData, file: &str) -> Result<Built> {
    let ids = &raw.text[0];
    let times = &raw.text[1];
    let groups = cfg.group.as_ref().map(|_| &raw.text[2]);
    let k = cfg.covariates.len();
    let mut by_id: BTreeMap<&str, Rows> = BTreeMap::new();
    for row in 0..raw.rows() {
        let line = raw.lines[row];
        let id = ids[row].as_deref().ok_or_else(|| {
            UsageError::new(format!(
                "{file}: line {line}: the id column '{}' is empty; every row needs a participant id",
                cfg.id
            ))
        })?;
        let time = times[row].as_deref().ok_or_else(|| {
            UsageError::new(format!(
                "{file}: line {line}: the wave column '{}' is empty; every row needs its wave",
                cfg.time
            ))
        })?;
        let entry = by_id.entry(id).or_insert_with(|| Rows {
            covariates: vec![None; k],
            ..Rows::default()
        });
        if let Some((_, first)) = entry.obs.get(time) {
            return Err(UsageError::new(format!(
                "{file}: participant '{id}' has two rows for wave '{time}' (lines {first} and {line}); keep one row per participant and wave"
            ))
            .into());
        }
        entry
            .obs
            .insert(time.to_string(), (raw.numeric[0][row], line));
        if let (Some(col), Some(name)) = (groups, &cfg.group) {
            if let Some(g) = &col[row] {
                same_value(&mut entry.group, g.clone(), line, || {
                    format!("{file}: participant '{id}' is in group '{{a}}' on line {{la}} and '{{b}}' on line {{lb}} (column '{name}'); a participant belongs to one group")
                })?;
            }
        }
        for (j, name) in cfg.covariates.iter().enumerate() {
            if let Some(v) = raw.numeric[1 + j][row] {
                same_value(&mut entry.covariates[j], v, line, || {
                    format!("{file}: covariate '{name}' of participant '{id}' is {{a}} on line {{la}} but {{b}} on line {{lb}}; a baseline covariate has one value per participant")
                })?;
            }
        }
    }
    let waves = order_waves(by_id.values().flat_map(|r| r.obs.keys()));
    let group_levels: Vec<String> = {
        let mut v: Vec<String> = by_id
            .values()
            .filter_map(|r| r.group.as_ref().map(|g| g.0.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    if cfg.group.is_some() && group_levels.len() < 2 {
        return Err(UsageError::new(format!(
            "{file}: the group column '{}' has {} level(s); a group × time model needs at least two groups",
            cfg.group.as_deref().unwrap_or(""),
            group_levels.len()
        ))
        .into());
    }
    let mut dropped = Counter::default();
    let mut subjects = Vec::new();
    for rows in by_id.values() {
        let missing_y = rows.obs.values().filter(|(y, _)| y.is_none()).count();
        dropped.add(
            &format!(
                "rows with no '{}' (skipped, the participant's other waves used)",
                cfg.y
            ),
            missing_y,
        );
        let obs: Vec<(usize, f64)> = waves
            .iter()
            .enumerate()
            .filter_map(|(w, label)| rows.obs.get(label).and_then(|(y, _)| y.map(|y| (w, y))))
            .collect();
        if obs.is_empty() {
            dropped.add(&format!("participants with no observed '{}'", cfg.y), 1);
            continue;
        }
        let group = match (&cfg.group, &rows.group) {
            (None, _) => 0,
            (Some(_), Some((g, _))) => group_levels.iter().position(|l| l == g).unwrap_or(0),
            (Some(name), None) => {
                dropped.add(&format!("participants with no group ('{name}')"), 1);
                continue;
            }
        };
        if let Some(j) = rows.covariates.iter().position(Option::is_none) {
            dropped.add(
                &format!(
                    "participants with no value of covariate '{}'",
                    cfg.covariates[j]
                ),
                1,
            );
            continue;
        }
        subjects.push(Subject {
            group,
            covariates: rows.covariates.iter().flatten().map(|c| c.0).collect(),
            obs,
        });
    }
    let n_ids = by_id.len();
    Ok((
        MixedData {
            outcome: cfg.y.clone(),
            waves,
            group: cfg.group.clone().map(|g| (g, group_levels)),
            covariates: cfg.covariates.clone(),
            subjects,
        },
        n_ids,
        dropped.0,
    ))
}

/// Keeps the first value (with its line); a different later value is an error whose message
/// `msg` gives with {a}, {la}, {b}, {lb} filled in.
fn same_value<T: PartialEq + std::fmt::Display + Clone>(
    slot: &mut Option<(T, usize)>,
    value: T,
    line: usize,
    msg: impl Fn() -> String,
) -> Result<(), UsageError> {
    match slot {
        None => {
            *slot = Some((value, line));
            Ok(())
        }
        Some((v, _)) if *v == value => Ok(()),
        Some((v, l)) => Err(UsageError::new(
            msg()
                .replace("{a}", &v.to_string())
                .replace("{la}", &l.to_string())
                .replace("{b}", &value.to_string())
                .replace("{lb}", &line.to_string()),
        )),
    }
}

#[derive(Default)]
struct Counter(Vec<Dropped>);

impl Counter {
    fn add(&mut self, reason: &str, n: usize) {
        if n == 0 {
            return;
        }
        match self.0.iter_mut().find(|d| d.reason == reason) {
            Some(d) => d.count += n,
            None => self.0.push(Dropped {
                reason: reason.to_string(),
                count: n,
            }),
        }
    }
}

/// Wave labels in time order: by number when all are T0, T1, … or all are numbers, else
/// alphabetically. The first is the baseline.
fn order_waves<'a>(labels: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = labels.cloned().collect();
    v.sort();
    v.dedup();
    let key = |s: &str| -> Option<f64> { wave_number(s).map(f64::from).or_else(|| s.parse().ok()) };
    if v.iter().all(|s| key(s).is_some()) {
        v.sort_by(|a, b| key(a).unwrap_or(0.0).total_cmp(&key(b).unwrap_or(0.0)));
    }
    v
}

// ---- terminal output --------------------------------------------------------------------

fn render(out: &MixedOutput) -> String {
    let f = &out.fit;
    let mut s = String::new();
    let kind = match f.covariance {
        Covariance::Unstructured => "MMRM",
        Covariance::RandomIntercept => "random-intercept model",
    };
    s.push_str(&format!(
        "Linear mixed model over waves ({kind}, REML): {}\n",
        out.model
    ));
    s.push_str(&format!("File: {}\n", out.file));
    let per_wave: Vec<String> = f
        .per_wave
        .iter()
        .map(|w| format!("{} {}", w.wave, w.n))
        .collect();
    s.push_str(&format!(
        "Sample: {} participants, {} observations (per wave: {}); {} ids in {} rows read\n",
        f.n_participants,
        f.n_observations,
        per_wave.join(", "),
        out.participants_in_file,
        out.rows_read
    ));
    for d in &out.dropped {
        s.push_str(&format!("  not used: {} {}\n", d.count, d.reason));
    }
    s.push_str(&format!("Missing data: {}\n", out.missing_data));
    s.push_str(&format!("Covariance: {}\n", f.covariance.describe()));
    s.push_str(&format!("Degrees of freedom: {}\n", f.df_method.describe()));
    s.push_str(&format!(
        "REML log-likelihood {:.4}; {} after {} iterations\n",
        f.reml_loglik,
        if f.converged {
            "converged"
        } else {
            "NOT converged"
        },
        f.iterations
    ));
    let level = format!("{}%", f.level * 100.0);
    s.push_str("\nFixed effects\n");
    s.push_str(&header("term", &level));
    for t in &f.fixed {
        s.push_str(&line(&t.term, &t.est));
    }
    s.push_str("\nEstimated marginal means (covariates at their mean)\n");
    s.push_str(&header("wave", &level));
    for m in &f.means {
        let name = match &m.group {
            Some(g) => format!("{} {}", g, m.wave),
            None => m.wave.clone(),
        };
        s.push_str(&line(&name, &m.est));
    }
    s.push_str("\nChange between waves\n");
    s.push_str(&header("contrast", &level));
    for c in &f.contrasts {
        let name = match &c.group {
            Some(g) if c.interaction => format!("({g}): {}", c.contrast),
            Some(g) => format!("{g}: {}", c.contrast),
            None => c.contrast.clone(),
        };
        s.push_str(&line(&name, &c.est));
    }
    s
}

const NAME_W: usize = 30;

fn header(first: &str, level: &str) -> String {
    format!(
        "{first:<NAME_W$} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}\n",
        "estimate",
        "SE",
        "df",
        "t",
        "p",
        format!("{level} lo"),
        format!("{level} hi")
    )
}

fn line(name: &str, e: &Estimate) -> String {
    let p = if e.p < 1e-4 {
        "<.0001".to_string()
    } else {
        format!("{:.4}", e.p)
    };
    let name: String = name.chars().take(NAME_W).collect();
    format!(
        "{name:<NAME_W$} {:>9.4} {:>8.4} {:>8.2} {:>8.3} {:>8} {:>9.4} {:>9.4}\n",
        e.estimate, e.se, e.df, e.t, p, e.ci_low, e.ci_high
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_are_ordered_by_number() {
        let v: Vec<String> = ["T10", "T2", "T0"].iter().map(|s| s.to_string()).collect();
        assert_eq!(order_waves(v.iter()), ["T0", "T2", "T10"]);
        let v: Vec<String> = ["b", "a"].iter().map(|s| s.to_string()).collect();
        assert_eq!(order_waves(v.iter()), ["a", "b"]);
    }
}

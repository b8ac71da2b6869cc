//! Serial mediation by FIML: the paths, total, direct and indirect effects with the sample
//! that contributed and the auxiliaries. Its listwise twin (`<id>_listwise`) follows as its
//! own part, so both samples' tables stand side by side in the section.

use super::super::model::Table;
use super::regression::estimate_table;
use super::{ci_kind, sample_note, Labels, Part};
use crate::analysis::mediation::FimlMediationOutput;
use crate::analysis::Entry;
use crate::report::apa;
use crate::stats::estimate::{Estimate, Interval, IntervalKind, Test};
use crate::stats::fiml::{FimlMediationResult, FimlTerm};

pub fn part(e: &Entry, o: &FimlMediationOutput, labels: &Labels) -> Part {
    let m = &o.result;
    let mut paragraphs = vec![
        format!(
            "{}: PROCESS Model 6 estimated by full-information maximum likelihood (FIML), covariates random; observed-information standard errors (z tests). Variables: {}. Covariates: {}.",
            e.title,
            o.variables
                .iter()
                .take(m.mediators.len() + 2)
                .map(|v| format!("{} = {} ({})", v.name, labels.of(&v.source), v.measure))
                .collect::<Vec<_>>()
                .join("; "),
            if m.covariates.is_empty() { "none".to_string() } else { m.covariates.join(", ") }
        ),
        missing_line(m),
    ];
    if let Some(s) = &e.sample {
        paragraphs.push(sample_note(s));
    }
    paragraphs.extend(
        o.coding
            .iter()
            .map(|c| format!("Coding: {}.", c.describe())),
    );
    Part {
        paragraphs,
        tables: vec![paths_table(e, m), effects_table(e, m), indirect_table(e, m)],
        figures: Vec::new(),
    }
}

/// "Missing data: FIML (MAR), n contributing = 612 of 630; auxiliaries: groups_T0, …".
pub fn missing_line(m: &FimlMediationResult) -> String {
    format!(
        "Missing data: {}, n contributing = {} of {} ({} complete on every variable); auxiliaries: {}.",
        m.sample.method,
        m.sample.n_contributing,
        m.sample.n_rows,
        m.sample.n_complete,
        if m.auxiliary.is_empty() {
            "none".to_string()
        } else {
            m.auxiliary.join(", ")
        }
    )
}

fn wald(term: String, t: &FimlTerm, level: f64) -> Estimate {
    Estimate {
        term,
        estimate: t.estimate,
        se: t.se,
        test: Test::Z { value: t.z },
        p: Some(t.p),
        interval: Interval {
            low: t.ci_low,
            high: t.ci_high,
            level,
            kind: IntervalKind::Wald,
        },
    }
}

fn paths_table(e: &Entry, m: &FimlMediationResult) -> Table {
    let level = m.bootstrap.level;
    let rows: Vec<Estimate> = m
        .equations
        .iter()
        .flat_map(|eq| {
            eq.terms
                .iter()
                .map(|t| wald(format!("{} ← {}", eq.outcome, t.term), t, level))
        })
        .collect();
    estimate_table(
        &format!("{}_paths", e.id),
        "Path coefficients (FIML)",
        &rows,
        vec![missing_line(m)],
    )
}

fn effects_table(e: &Entry, m: &FimlMediationResult) -> Table {
    let level = m.bootstrap.level;
    let rows = [
        wald("Total effect (c)".into(), &m.total_effect, level),
        wald("Direct effect (c′)".into(), &m.direct_effect, level),
    ];
    estimate_table(
        &format!("{}_total_direct", e.id),
        &format!("Total and direct effect of {} on {} (FIML)", m.x, m.y),
        &rows,
        vec![format!(
            "Wald z with observed-information SEs. {}",
            missing_line(m)
        )],
    )
}

fn indirect_table(e: &Entry, m: &FimlMediationResult) -> Table {
    let b = &m.bootstrap;
    let rows: Vec<Estimate> = m
        .indirect_effects
        .iter()
        .map(|x| Estimate {
            term: match &x.path {
                Some(p) => format!("{}: {}", x.label, p.join(" → ")),
                None => format!("{}: total indirect effect", x.label),
            },
            estimate: x.estimate,
            se: x.boot_se,
            test: Test::None,
            p: None,
            interval: Interval {
                low: x.ci_low,
                high: x.ci_high,
                level: b.level,
                kind: b.ci.into(),
            },
        })
        .collect();
    let note = format!(
        "{} {}CI from B = {} FIML bootstrap resamples (all contributing cases resampled, EM re-run per resample; seed {}{}). * CI excludes zero. {}",
        apa::level_percent(b.level),
        ci_kind(b.ci).phrase(),
        b.samples,
        b.seed,
        if b.replaced > 0 {
            format!("; {} resamples whose EM failed were redrawn", b.replaced)
        } else {
            String::new()
        },
        missing_line(m)
    );
    estimate_table(
        &format!("{}_indirect", e.id),
        &format!("Indirect effects of {} on {} (FIML)", m.x, m.y),
        &rows,
        vec![note],
    )
}

/// Key findings from the FIML result, naming the method and sample.
pub fn findings(o: &FimlMediationOutput, labels: &Labels) -> Vec<String> {
    let m = &o.result;
    let b = &m.bootstrap;
    let k = m.mediators.len();
    let name = |i: usize| {
        o.variables.get(i).map_or_else(
            || "?".into(),
            |v| {
                let l = labels.lower(&v.source);
                if v.measure.starts_with("change") {
                    format!("change in {l}")
                } else {
                    l
                }
            },
        )
    };
    let mut out = Vec::new();
    if let Some(full) = m
        .indirect_effects
        .iter()
        .find(|x| x.path.as_ref().is_some_and(|p| p.len() == k + 2))
    {
        let names: Vec<String> = (1..=k)
            .map(|i| labels.lower(&o.variables[i].source))
            .collect();
        out.push(format!(
            "By FIML (MAR; n contributing = {} of {}), {} predicted {} through the chain: {}",
            m.sample.n_contributing,
            m.sample.n_rows,
            name(0),
            name(k + 1),
            apa::indirect_sentence(
                &names,
                full.estimate,
                full.ci_low,
                full.ci_high,
                b.level,
                ci_kind(b.ci),
                3
            )
        ));
    }
    out.push(format!(
        "By FIML, the direct effect was {} ({}), the total effect {} ({}); B = {} resamples, seed {}. The complete-case (listwise) estimates are reported beside them.",
        apa::estimate_with_ci(m.direct_effect.estimate, m.direct_effect.ci_low, m.direct_effect.ci_high, b.level, apa::CiKind::Normal, 3),
        apa::p_value(m.direct_effect.p),
        apa::estimate_with_ci(m.total_effect.estimate, m.total_effect.ci_low, m.total_effect.ci_high, b.level, apa::CiKind::Normal, 3),
        apa::p_value(m.total_effect.p),
        b.samples,
        b.seed
    ));
    out
}

//! Serial mediation: the equations, total and direct effects, indirect effects and their
//! contrasts, with the path diagram, forest plot and bootstrap histogram.

use super::super::model::{Figure, Table};
use super::super::plot;
use super::regression::{estimate_table, fit_note, terms_table};
use super::{ci_header, ci_kind, sample_note, Labels, Part};
use crate::analysis::mediation::{MediationOutput, VariableInfo};
use crate::analysis::Entry;
use crate::report::apa::{self, CiKind};
use crate::stats::estimate::Estimate;
use crate::stats::mediation::{IndirectEffect, MediationResult};

pub fn part(e: &Entry, o: &MediationOutput, labels: &Labels) -> Part {
    let m = &o.result;
    let mut tables: Vec<Table> = m
        .equations
        .iter()
        .chain([&m.total_model])
        .enumerate()
        .map(|(i, eq)| {
            let total = i == m.equations.len();
            terms_table(
                &format!(
                    "{}_equation_{}{}",
                    e.id,
                    i + 1,
                    if total { "_total" } else { "" }
                ),
                &format!(
                    "{}: outcome {}",
                    if total {
                        "Total-effect model".to_string()
                    } else {
                        format!("Equation {}", i + 1)
                    },
                    eq.outcome
                ),
                eq,
                vec![fit_note(eq)],
            )
        })
        .collect();
    tables.push(effects_table(e, m));
    tables.push(indirect_table(e, m));
    if !m.contrasts.is_empty() {
        tables.push(contrast_table(e, m));
    }
    let mut paragraphs = vec![format!(
        "{}: PROCESS Model 6 estimated by OLS with covariates in every equation. Variables: {}. Covariates: {}.",
        e.title,
        o.variables
            .iter()
            .take(m.mediators.len() + 2)
            .map(|v| format!("{} = {} ({})", v.name, labels.of(&v.source), v.measure))
            .collect::<Vec<_>>()
            .join("; "),
        if m.covariates.is_empty() { "none".to_string() } else { m.covariates.join(", ") }
    )];
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
        tables,
        figures: figures(e, o, labels),
    }
}

fn effects_table(e: &Entry, m: &MediationResult) -> Table {
    let y = &m.equations[m.mediators.len()];
    let rows = [
        Estimate::of_path("Total effect (c)", &m.total_effect, &m.total_model),
        Estimate::of_path("Direct effect (c′)", &m.direct_effect, y),
    ];
    estimate_table(
        &format!("{}_total_direct", e.id),
        &format!("Total and direct effect of {} on {}", m.x, m.y),
        &rows,
        Vec::new(),
    )
}

fn indirect_table(e: &Entry, m: &MediationResult) -> Table {
    let b = &m.bootstrap;
    let rows: Vec<Estimate> = m
        .indirect_effects
        .iter()
        .map(|x| {
            let mut est = Estimate::of_indirect(x, b.level, b.ci);
            est.term = match &x.path {
                Some(p) => format!("{}: {}", x.label, p.join(" → ")),
                None => format!("{}: total indirect effect", x.label),
            };
            est
        })
        .collect();
    let note = format!(
        "{} {}CI from B = {} bootstrap resamples (seed {}{}). * CI excludes zero.",
        apa::level_percent(b.level),
        ci_kind(b.ci).phrase(),
        b.samples,
        b.seed,
        if b.replaced > 0 {
            format!(
                "; {} resamples with a singular design were redrawn",
                b.replaced
            )
        } else {
            String::new()
        }
    );
    estimate_table(
        &format!("{}_indirect", e.id),
        &format!("Indirect effects of {} on {}", m.x, m.y),
        &rows,
        vec![note],
    )
}

fn contrast_table(e: &Entry, m: &MediationResult) -> Table {
    let b = &m.bootstrap;
    let rows: Vec<Estimate> = m
        .contrasts
        .iter()
        .map(|c| {
            let mut est = Estimate::of_contrast(c, b.level, b.ci);
            est.term = format!("{}: {} − {}", c.label, c.minuend, c.subtrahend);
            est
        })
        .collect();
    estimate_table(
        &format!("{}_contrasts", e.id),
        "Pairwise contrasts of specific indirect effects",
        &rows,
        Vec::new(),
    )
}

fn figures(e: &Entry, o: &MediationOutput, labels: &Labels) -> Vec<Figure> {
    let m = &o.result;
    let b = &m.bootstrap;
    let ci_label = format!(
        "{} {}CI",
        apa::level_percent(b.level),
        ci_kind(b.ci).phrase()
    );
    let mut out = vec![Figure {
        id: format!("{}_path_diagram", e.id),
        caption: format!(
            "{}: unstandardized OLS coefficients with {} CIs; solid arrows p < .05, dashed arrows p ≥ .05. Total effect c = {}.",
            e.title,
            apa::level_percent(m.total_model.level),
            apa::fixed(m.total_effect.estimate, 3)
        ),
        svg: plot::path_diagram(&path_input(o, labels)),
    }];
    let rows = |effects: Vec<(String, String, f64, f64, f64)>| {
        effects
            .into_iter()
            .map(
                |(label, sublabel, estimate, ci_low, ci_high)| plot::ForestRow {
                    label,
                    sublabel,
                    estimate,
                    ci_low,
                    ci_high,
                },
            )
            .collect::<Vec<_>>()
    };
    let (shown, mut note) = forest_indirect(m);
    let mut groups = vec![plot::ForestGroup {
        heading: Some("Indirect effects".into()),
        rows: rows(
            shown
                .iter()
                .map(|x| {
                    let path = x.path.as_ref().map_or("total".into(), |p| p.join(" → "));
                    (x.label.clone(), path, x.estimate, x.ci_low, x.ci_high)
                })
                .collect(),
        ),
    }];
    let contrasts_fit = shown.len() + m.contrasts.len() <= plot::FOREST_MAX_ROWS;
    if !m.contrasts.is_empty() && !contrasts_fit {
        note.push_str(&format!(
            " The {} pairwise contrasts are too many to draw legibly: they are in the contrasts table only.",
            m.contrasts.len()
        ));
    }
    if !m.contrasts.is_empty() && contrasts_fit {
        groups.push(plot::ForestGroup {
            heading: Some("Contrasts".into()),
            rows: rows(
                m.contrasts
                    .iter()
                    .map(|c| {
                        let what = format!("{} − {}", c.minuend, c.subtrahend);
                        (c.label.clone(), what, c.estimate, c.ci_low, c.ci_high)
                    })
                    .collect(),
            ),
        });
    }
    let y = o.variables.get(m.mediators.len() + 1);
    out.push(Figure {
        id: format!("{}_indirect_effects", e.id),
        caption: format!(
            "Indirect effects with {ci_label} (B = {}).{note}",
            b.samples
        ),
        svg: plot::forest(&plot::Forest {
            x_label: format!(
                "Indirect effect on {}",
                y.map_or_else(|| m.y.clone(), |v| short(v, labels))
            ),
            ci_label: ci_label.clone(),
            groups,
        }),
    });
    let d = &m.serial_distribution;
    if let Some(full) = m.indirect_effects.iter().find(|x| x.label == d.label) {
        out.push(Figure {
            id: format!("{}_bootstrap_distribution", e.id),
            caption: format!(
                "Bootstrap distribution of the full serial indirect effect ({}), B = {}, with the point estimate and the {ci_label}.",
                d.path.join(" → "),
                b.samples
            ),
            svg: plot::bootstrap_histogram(&plot::BootHistogram {
                label: d.path.join(" → "),
                edges: d.edges.clone(),
                counts: d.counts.clone(),
                estimate: full.estimate,
                ci_low: full.ci_low,
                ci_high: full.ci_high,
                ci_label,
            }),
        });
    }
    out
}

/// The indirect effects the forest plot draws, and a caption note when some are left out:
/// all of them when they fit in [`plot::FOREST_MAX_ROWS`] rows, otherwise the total (and any
/// effect without a path) and the specific effects largest in absolute value, in their
/// table order, so that a chain of 7 or 8 mediators (127 or 255 specific effects) still
/// gives a figure of bounded, readable size.
fn forest_indirect(m: &MediationResult) -> (Vec<&IndirectEffect>, String) {
    let all: Vec<&IndirectEffect> = m.indirect_effects.iter().collect();
    let cap = plot::FOREST_MAX_ROWS;
    if all.len() <= cap {
        return (all, String::new());
    }
    let (specific, other): (Vec<&IndirectEffect>, Vec<&IndirectEffect>) =
        all.iter().partition(|x| x.path.is_some());
    let room = cap.saturating_sub(other.len());
    let mut by_size: Vec<usize> = (0..specific.len()).collect();
    // Largest |estimate| first; NaN last; ties in table order (stable sort).
    by_size.sort_by(|&a, &b| {
        let key = |i: usize| {
            let v = specific[i].estimate.abs();
            if v.is_nan() {
                -1.0
            } else {
                v
            }
        };
        key(b).total_cmp(&key(a))
    });
    let keep: std::collections::BTreeSet<usize> = by_size.into_iter().take(room).collect();
    let mut shown: Vec<&IndirectEffect> = keep.iter().map(|&i| specific[i]).collect();
    shown.extend(other.iter().copied());
    let note = format!(
        " Shown: the {} specific indirect effects largest in absolute value, of {}, and the total; all are in the indirect effects table.",
        keep.len(),
        specific.len()
    );
    (shown, note)
}

/// A variable's label in figures: "Δ Loneliness", "HRQoL (T1)", "arm = CBT".
fn short(v: &VariableInfo, labels: &Labels) -> String {
    let label = labels.of(&v.source);
    if v.measure.starts_with("change") {
        format!("Δ {label}")
    } else if let Some(wave) = v.measure.strip_prefix("score at ") {
        format!("{label} ({wave})")
    } else if let Some(level) = v.measure.strip_prefix("indicator of ") {
        format!("{} = {level}", v.source)
    } else {
        label
    }
}

fn path_input(o: &MediationOutput, labels: &Labels) -> plot::PathDiagram {
    let m = &o.result;
    let k = m.mediators.len();
    let labels_: Vec<String> = o.variables[..k + 2]
        .iter()
        .map(|v| short(v, labels))
        .collect();
    let names: Vec<&str> = std::iter::once(m.x.as_str())
        .chain(m.mediators.iter().map(String::as_str))
        .chain([m.y.as_str()])
        .collect();
    let mut paths = Vec::new();
    for (to, eq) in m.equations.iter().enumerate() {
        let to = to + 1;
        for (from, name) in names[..to].iter().enumerate() {
            if let Some(t) = eq.term(name) {
                paths.push(plot::PathCoef {
                    from,
                    to,
                    estimate: t.estimate,
                    ci_low: t.ci_low,
                    ci_high: t.ci_high,
                    p: t.p,
                });
            }
        }
    }
    let t = &m.total_effect;
    plot::PathDiagram {
        labels: labels_,
        paths,
        total: Some(plot::PathCoef {
            from: 0,
            to: names.len() - 1,
            estimate: t.estimate,
            ci_low: t.ci_low,
            ci_high: t.ci_high,
            p: t.p,
        }),
        ci_label: ci_header(m.total_model.level),
        note: Some(format!(
            "n = {}; covariates: {}",
            m.n,
            if m.covariates.is_empty() {
                "none".into()
            } else {
                m.covariates.join(", ")
            }
        )),
    }
}

/// Sentences for key findings: the full serial indirect effect, and total/direct effects.
pub fn findings(o: &MediationOutput, labels: &Labels) -> Vec<String> {
    let m = &o.result;
    let b = &m.bootstrap;
    let name = |i: usize| {
        o.variables
            .get(i)
            .map_or_else(|| "?".into(), |v| lower(&short(v, labels)))
    };
    let mut out = Vec::new();
    if let Some(full) = m.indirect_effects.iter().find(|x| {
        x.path
            .as_ref()
            .is_some_and(|p| p.len() == m.mediators.len() + 2)
    }) {
        let names: Vec<String> = (1..=m.mediators.len())
            .map(|i| labels.lower(&o.variables[i].source))
            .collect();
        out.push(format!(
            "{} predicted {} through the chain: {}",
            capitalise(&name(0)),
            name(m.mediators.len() + 1),
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
    if let Some(total) = m.indirect_effects.iter().find(|x| x.path.is_none()) {
        out.push(format!(
            "The total indirect effect was {}; the direct effect was {} ({}), the total effect {} ({}); n = {}, B = {} resamples, seed {}.",
            apa::estimate_with_ci(total.estimate, total.ci_low, total.ci_high, b.level, ci_kind(b.ci), 3),
            apa::estimate_with_ci(m.direct_effect.estimate, m.direct_effect.ci_low, m.direct_effect.ci_high, b.level, CiKind::Normal, 3),
            apa::p_value(m.direct_effect.p),
            apa::estimate_with_ci(m.total_effect.estimate, m.total_effect.ci_low, m.total_effect.ci_high, b.level, CiKind::Normal, 3),
            apa::p_value(m.total_effect.p),
            m.n,
            b.samples,
            b.seed
        ));
    }
    out
}

/// "Δ Group memberships" → "change in group memberships" for sentences.
fn lower(s: &str) -> String {
    match s.strip_prefix("Δ ") {
        Some(rest) => {
            let mut c = rest.chars();
            let first: String = match (c.next(), c.clone().next()) {
                (Some(f), Some(s)) if !s.is_uppercase() => f.to_lowercase().chain(c).collect(),
                _ => rest.to_string(),
            };
            format!("change in {first}")
        }
        None => s.to_string(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

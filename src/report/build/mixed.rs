//! Change across waves by the mixed model (every participant, MAR): model-based means beside
//! the raw means of those present, the changes between waves (within and between groups), and
//! the trajectories figure drawn from the model.

use super::super::model::{Cell, Column, Figure, Table};
use super::super::plot;
use super::{ci_header, coef, int, num, p, table, text, Part, ALPHA};
use crate::analysis::mixed::{ConstructModel, MixedModelOutput};
use crate::analysis::Entry;
use crate::report::apa;

pub fn part(e: &Entry, o: &MixedModelOutput) -> Part {
    let mut out = Part {
        paragraphs: o
            .notes
            .iter()
            .map(|n| format!("Not reported: {n}."))
            .collect(),
        ..Part::default()
    };
    let Some(first) = o.models.first() else {
        return out;
    };
    let level = first.fit.level;
    let grouped = o.models.iter().any(|m| m.fit.means[0].group.is_some());
    out.tables.push(means_table(e, o, level, grouped));
    out.tables.push(change_table(e, o, level, grouped));
    let pct = apa::level_percent(level);
    out.figures.push(Figure {
        id: format!("{}_trajectories", e.id),
        caption: format!("Model-based mean of each construct by wave with {pct} confidence intervals (mixed model over every participant, valid under MAR), and, grey and dashed, the raw means of those present at each wave: where they part, attrition rather than change moves the raw means."),
        svg: figure(o, format!("{pct} CIs")),
    });
    out
}

/// The note every table carries: model, sample, assumption.
fn model_note(o: &MixedModelOutput) -> String {
    let samples: Vec<String> = o
        .models
        .iter()
        .map(|m| {
            let dropped = if m.no_group > 0 {
                format!(", {} without a group left out", m.no_group)
            } else {
                String::new()
            };
            format!(
                "{}: {} participants, {} observations{dropped}",
                m.label, m.fit.n_participants, m.fit.n_observations
            )
        })
        .collect();
    format!(
        "Linear mixed model per construct: time as a factor{}, unstructured covariance over waves (MMRM), REML, Kenward–Roger standard errors and df; marginal means as emmeans. Sample: {} ({}). Missing data: {}.",
        o.models
            .first()
            .and_then(|m| m.fit.means[0].group.as_ref().map(|_| " × group"))
            .unwrap_or(""),
        o.models.first().map_or("", |_| "every baseline participant with a score at any wave"),
        samples.join("; "),
        o.assumption
    )
}

fn lead_columns(grouped: bool, last: (&str, &str)) -> Vec<Column> {
    let mut c = vec![Column::text("construct", "Construct")];
    if grouped {
        c.push(Column::text("group", "Group"));
    }
    c.push(Column::text(last.0, last.1));
    c
}

fn means_table(e: &Entry, o: &MixedModelOutput, level: f64, grouped: bool) -> Table {
    let mut cols = lead_columns(grouped, ("wave", "Wave"));
    cols.extend([
        Column::number("n", "n observed"),
        Column::number("raw_mean", "M (present)"),
        Column::number("model_mean", "M (model)"),
        Column::text("model_ci", &ci_header(level)),
    ]);
    let mut t = table(
        &format!("{}_means", e.id),
        "Mean by wave: mixed model over every participant, beside the raw mean of those present",
        cols,
    );
    for m in &o.models {
        for (mean, raw) in m.fit.means.iter().zip(&m.observed) {
            let mut row = vec![text(&m.label)];
            if grouped {
                row.push(text(mean.group.clone().unwrap_or_default()));
            }
            row.extend([
                text(&mean.wave),
                int(raw.n),
                num(raw.mean, 2),
                num(mean.est.estimate, 2),
                text(apa::ci(mean.est.ci_low, mean.est.ci_high, 2)),
            ]);
            t.rows.push(row);
        }
    }
    t.notes = vec![
        model_note(o),
        "M (present): the raw mean of the participants observed at that wave; it mixes change with who stayed.".into(),
    ];
    t
}

fn change_table(e: &Entry, o: &MixedModelOutput, level: f64, grouped: bool) -> Table {
    let mut cols = lead_columns(grouped, ("contrast", "Change"));
    cols.extend([
        Column::number("estimate", "Estimate"),
        Column::text("ci", &ci_header(level)),
        Column::number("t", "t"),
        Column::number("df", "df"),
        Column::number("p", "p"),
    ]);
    let mut t = table(
        &format!("{}_change", e.id),
        "Change across waves: mixed model over every participant (primary analysis)",
        cols,
    );
    for m in &o.models {
        t.rows.extend(rows(m, grouped));
    }
    t.notes = vec![
        model_note(o),
        format!("Change = later − earlier wave; a difference between groups is the group × time interaction (that group's change minus the reference group's). Unadjusted p-values. * p < {}.", apa::no_leading_zero(ALPHA, 2)),
    ];
    t
}

fn rows(m: &ConstructModel, grouped: bool) -> Vec<Vec<Cell>> {
    m.fit
        .contrasts
        .iter()
        .map(|c| {
            let mut row = vec![text(&m.label)];
            if grouped {
                row.push(text(c.group.clone().unwrap_or_default()));
            }
            let e = &c.est;
            row.extend([
                text(&c.contrast),
                coef(e.estimate, e.p, 2),
                text(apa::ci(e.ci_low, e.ci_high, 2)),
                num(e.t, 2),
                num(e.df, 1),
                p(e.p),
            ]);
            row
        })
        .collect()
}

/// One panel per construct (and group): model means with CIs, raw means lighter.
fn figure(o: &MixedModelOutput, ci_label: String) -> String {
    let waves: Vec<String> = o
        .models
        .first()
        .map(|m| m.fit.per_wave.iter().map(|w| w.wave.clone()).collect())
        .unwrap_or_default();
    let mut model = Vec::new();
    let mut raw = Vec::new();
    for m in &o.models {
        let t = waves.len();
        for (means, observed) in m.fit.means.chunks(t).zip(m.observed.chunks(t)) {
            let name = match &means[0].group {
                Some(g) => format!("{} — {g}", m.label),
                None => m.label.clone(),
            };
            model.push(plot::ConstructSeries {
                name: name.clone(),
                points: means
                    .iter()
                    .zip(observed)
                    .map(|(mm, ob)| plot::WavePoint {
                        mean: Some(mm.est.estimate),
                        ci_low: Some(mm.est.ci_low),
                        ci_high: Some(mm.est.ci_high),
                        n: ob.n as u64,
                    })
                    .collect(),
            });
            raw.push(plot::ConstructSeries {
                name,
                points: observed
                    .iter()
                    .map(|ob| plot::WavePoint {
                        mean: Some(ob.mean),
                        ci_low: None,
                        ci_high: None,
                        n: ob.n as u64,
                    })
                    .collect(),
            });
        }
    }
    let model = plot::Trajectories {
        waves: waves.clone(),
        constructs: model,
        ci_label,
    };
    let raw = plot::Trajectories {
        waves,
        constructs: raw,
        ci_label: String::new(),
    };
    plot::model_trajectories(&model, &raw)
}

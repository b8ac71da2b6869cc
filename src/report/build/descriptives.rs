//! Descriptive statistics by wave, and the trajectories figure.

use super::super::model::{Cell, Column, Figure};
use super::super::plot;
use super::{int, opt, table, text, Part};
use crate::analysis::descriptives::Descriptives;
use crate::analysis::Entry;
use crate::prepare::is_own_indicator;
use crate::stats::descriptives::Summary;
use crate::stats::dist;

pub fn part(e: &Entry, d: &Descriptives) -> Part {
    let mut rows: Vec<Vec<Cell>> = d
        .constructs
        .iter()
        .map(|c| summary_row(&c.label, &c.wave, &c.summary))
        .collect();
    for c in &d.covariates {
        let mut row = summary_row(&c.label, "T0", &c.summary);
        // Level indices have no mean: only a 0/1 variable's mean (a share) is shown.
        let levels: Vec<&str> = c.levels.iter().map(|l| l.level.as_str()).collect();
        let codes_are_values = is_own_indicator(&levels);
        if !c.levels.is_empty() && !codes_are_values {
            row.truncate(4);
            row.extend(std::iter::repeat_n(Cell::Missing, 4));
        }
        rows.push(row);
        for l in &c.levels {
            let mut row = vec![
                text(format!("  {} = {}", c.covariate, l.level)),
                text("T0"),
                int(l.n),
            ];
            row.extend(std::iter::repeat_n(Cell::Missing, 5));
            rows.push(row);
        }
    }
    let mut t = table(
        &e.id,
        "Descriptive statistics by wave",
        vec![
            Column::text("variable", "Variable"),
            Column::text("wave", "Wave"),
            Column::number("n", "n"),
            Column::number("missing", "Missing"),
            Column::number("mean", "M"),
            Column::number("sd", "SD"),
            Column::number("min", "Min"),
            Column::number("max", "Max"),
        ],
    );
    t.rows = rows;
    t.notes = vec!["Over the participants present at each wave; missing = present but without a score (too few items answered). Categorical variables: the count of each level (reference first); M of a 0/1 variable is the share coded 1.".into()];
    let level = crate::report::apa::level_percent(d.level);
    Part {
        tables: vec![t],
        figures: vec![Figure {
            id: format!("{}_trajectories", e.id),
            caption: format!("Mean score of each construct by wave with {level} confidence intervals (participants present at each wave, so the means mix change with who dropped out)."),
            svg: plot::trajectories(&trajectories(d, format!("{level} confidence intervals"))),
        }],
        ..Part::default()
    }
}

fn summary_row(label: &str, wave: &str, s: &Summary) -> Vec<Cell> {
    vec![
        text(label),
        text(wave),
        int(s.n),
        int(s.missing),
        opt(s.mean, 2),
        opt(s.sd, 2),
        opt(s.min, 2),
        opt(s.max, 2),
    ]
}

fn trajectories(d: &Descriptives, ci_label: String) -> plot::Trajectories {
    let q = 1.0 - (1.0 - d.level) / 2.0;
    let mut waves: Vec<String> = Vec::new();
    let mut constructs: Vec<plot::ConstructSeries> = Vec::new();
    for c in &d.constructs {
        if !waves.contains(&c.wave) {
            waves.push(c.wave.clone());
        }
        let point = wave_point(&c.summary, q);
        match constructs.iter_mut().find(|s| s.name == c.label) {
            Some(s) => s.points.push(point),
            None => constructs.push(plot::ConstructSeries {
                name: c.label.clone(),
                points: vec![point],
            }),
        }
    }
    plot::Trajectories {
        waves,
        constructs,
        ci_label,
    }
}

/// Mean ± t-based CI, `q` the upper quantile (0.975 for 95%).
fn wave_point(s: &Summary, q: f64) -> plot::WavePoint {
    let half = match (s.sd, s.n) {
        (Some(sd), n) if n > 1 => {
            Some(dist::t_quantile(q, (n - 1) as f64) * sd / (n as f64).sqrt())
        }
        _ => None,
    };
    plot::WavePoint {
        mean: s.mean,
        ci_low: s.mean.zip(half).map(|(m, h)| m - h),
        ci_high: s.mean.zip(half).map(|(m, h)| m + h),
        n: s.n as u64,
    }
}

//! Small multiples: mean ± CI of each construct per wave, one panel per construct because
//! the scales differ (Cleveland 1985; Tufte 1983, "small multiples").
//!
//! [`model_trajectories`] draws model-based means (a mixed model over every participant) in
//! blue and, lighter and dashed beside them, the raw means of those present at each wave, so
//! that attrition is visible and no longer reads as change.

use super::svg::{
    empty_figure, finite_range, fit, nice_ticks, wrap, y_axis, Anchor, Font, Scale, Svg, BLUE, FS,
    FS_SMALL, GREY, INK,
};
use super::{ConstructSeries, Trajectories};

const WIDTH: f64 = 672.0;
const MARGIN: f64 = 16.0;
const PANEL_H: f64 = 200.0;
const H_GAP: f64 = 22.0;
const V_GAP: f64 = 18.0;
/// Plot area insets inside a panel: room for the title, y tick labels and two x label lines.
const TOP: f64 = 26.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 10.0;
const BOTTOM: f64 = 50.0;

/// Draws one panel per construct in a grid (up to three columns).
pub fn trajectories(t: &Trajectories) -> String {
    let legend = format!(
        "Points: wave means; bars: {}; n: respondents with a score at that wave.",
        t.ci_label
    );
    draw(t, None, &legend)
}

/// Model-based means with CIs (`model`), and the raw means of those present (`raw`, same
/// panels and waves) drawn lighter.
pub fn model_trajectories(model: &Trajectories, raw: &Trajectories) -> String {
    let legend = format!(
        "Blue: model-based means, bars: {}; grey, dashed: raw means of those present; n: observed.",
        model.ci_label
    );
    draw(model, Some(raw), &legend)
}

fn draw(t: &Trajectories, raw: Option<&Trajectories>, legend: &str) -> String {
    if t.constructs.is_empty() || t.waves.is_empty() {
        return empty_figure(WIDTH, 200.0, "Trajectories: no constructs or waves");
    }
    let count = t.constructs.len();
    let cols = match count {
        1..=3 => count,
        4 => 2,
        _ => 3,
    };
    let rows = count.div_ceil(cols);
    let panel_w = (WIDTH - 2.0 * MARGIN - (cols - 1) as f64 * H_GAP) / cols as f64;
    let legend_h = 24.0;
    let height = 2.0 * MARGIN + rows as f64 * PANEL_H + (rows - 1) as f64 * V_GAP + legend_h;
    let mut svg = Svg::new(WIDTH, height);
    for (i, series) in t.constructs.iter().enumerate() {
        let x0 = MARGIN + (i % cols) as f64 * (panel_w + H_GAP);
        let y0 = MARGIN + (i / cols) as f64 * (PANEL_H + V_GAP);
        let lighter = raw.and_then(|r| r.constructs.get(i));
        draw_panel(&mut svg, series, lighter, &t.waves, (x0, y0), panel_w);
    }
    svg.text(
        MARGIN,
        height - MARGIN + 2.0,
        legend,
        Anchor::Start,
        Font::new(FS_SMALL).color(GREY),
    );
    svg.finish()
}

fn draw_panel(
    svg: &mut Svg,
    s: &ConstructSeries,
    raw: Option<&ConstructSeries>,
    waves: &[String],
    (x0, y0): (f64, f64),
    w: f64,
) {
    let title_font = Font::new(FS).bold();
    svg.text(
        x0 + LEFT,
        y0 + 12.0,
        &fit(&s.name, title_font, w - LEFT),
        Anchor::Start,
        title_font,
    );
    let (left, right) = (x0 + LEFT, x0 + w - RIGHT);
    let (top, bottom) = (y0 + TOP, y0 + PANEL_H - BOTTOM);
    let values = s
        .points
        .iter()
        .take(waves.len())
        .chain(raw.iter().flat_map(|r| r.points.iter().take(waves.len())))
        .flat_map(|p| [p.mean, p.ci_low, p.ci_high])
        .flatten();
    let Some((lo, hi)) = finite_range(values) else {
        svg.text_mid(
            (left + right) / 2.0,
            (top + bottom) / 2.0,
            "no data",
            Anchor::Middle,
            Font::new(FS_SMALL).color(GREY),
        );
        draw_x_labels(svg, s, waves, left, right, bottom);
        return;
    };
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(1.0) * 0.01);
    let (ticks, decimals) = nice_ticks(lo - pad, hi + pad, 4);
    let scale = Scale {
        d0: ticks[0],
        d1: ticks[ticks.len() - 1],
        p0: bottom,
        p1: top,
    };
    for &tick in &ticks {
        let y = scale.map(tick);
        svg.line(left, y, right, y, "stroke=\"#EBEBEB\" stroke-width=\"1\"");
    }
    y_axis(svg, scale, &ticks, decimals, left);
    svg.line(
        left,
        bottom,
        right,
        bottom,
        &format!("stroke=\"{INK}\" stroke-width=\"1\""),
    );
    if let Some(r) = raw {
        let style = Style {
            color: GREY,
            dx: 7.0,
            dash: true,
        };
        draw_series(svg, r, waves.len(), scale, (left, right), style);
    }
    let style = Style {
        color: BLUE,
        dx: 0.0,
        dash: false,
    };
    draw_series(svg, s, waves.len(), scale, (left, right), style);
    draw_x_labels(svg, s, waves, left, right, bottom);
}

/// x position of wave `i` of `count`, evenly spaced with half a step of padding at each end.
fn wave_x(i: usize, count: usize, left: f64, right: f64) -> f64 {
    let step = (right - left) / count as f64;
    left + step * (i as f64 + 0.5)
}

/// How a series is drawn: colour, horizontal offset, dashed line.
#[derive(Clone, Copy)]
struct Style {
    color: &'static str,
    dx: f64,
    dash: bool,
}

fn draw_series(
    svg: &mut Svg,
    s: &ConstructSeries,
    count: usize,
    scale: Scale,
    (l, r): (f64, f64),
    style: Style,
) {
    let mut line = String::new();
    let mut pen_down = false;
    for (i, p) in s.points.iter().take(count).enumerate() {
        match p.mean.filter(|m| m.is_finite()) {
            Some(m) => {
                let cmd = if pen_down { 'L' } else { 'M' };
                line.push_str(&format!(
                    "{cmd}{} {} ",
                    super::svg::n(wave_x(i, count, l, r) + style.dx),
                    super::svg::n(scale.map(m))
                ));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !line.is_empty() {
        svg.path(
            line.trim_end(),
            &format!(
                "fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"{}",
                style.color,
                if style.dash {
                    " stroke-dasharray=\"4 3\""
                } else {
                    ""
                }
            ),
        );
    }
    let ink = if style.dash { style.color } else { INK };
    let bar = format!("stroke=\"{ink}\" stroke-width=\"1.2\"");
    for (i, p) in s.points.iter().take(count).enumerate() {
        let x = wave_x(i, count, l, r) + style.dx;
        if let (Some(lo), Some(hi)) = (p.ci_low, p.ci_high) {
            if lo.is_finite() && hi.is_finite() {
                let (y1, y2) = (scale.map(lo), scale.map(hi));
                svg.line(x, y1, x, y2, &bar);
                svg.line(x - 4.0, y1, x + 4.0, y1, &bar);
                svg.line(x - 4.0, y2, x + 4.0, y2, &bar);
            }
        }
        if let Some(m) = p.mean.filter(|m| m.is_finite()) {
            svg.circle(
                x,
                scale.map(m),
                3.6,
                &format!(
                    "fill=\"{}\" stroke=\"#FFFFFF\" stroke-width=\"1\"",
                    style.color
                ),
            );
        }
    }
}

fn draw_x_labels(svg: &mut Svg, s: &ConstructSeries, waves: &[String], l: f64, r: f64, b: f64) {
    let count = waves.len();
    let slot = (r - l) / count as f64;
    for (i, wave) in waves.iter().enumerate() {
        let x = wave_x(i, count, l, r);
        svg.line(
            x,
            b,
            x,
            b + 4.0,
            &format!("stroke=\"{INK}\" stroke-width=\"1\""),
        );
        let font = Font::new(FS_SMALL);
        let lines = wrap(wave, font, slot - 4.0, 2);
        for (j, line) in lines.iter().enumerate() {
            svg.text(x, b + 15.0 + 11.0 * j as f64, line, Anchor::Middle, font);
        }
        let n = s.points.get(i).map_or(0, |p| p.n);
        let small = Font::new(8.5).color(GREY);
        svg.text(
            x,
            b + 39.0,
            &fit(&format!("n = {n}"), small, slot - 2.0),
            Anchor::Middle,
            small,
        );
    }
}

//! Histogram of the bootstrap distribution of the serial indirect effect, with the point
//! estimate, the CI limits and (when inside the plotted range) zero marked.

use super::svg::{
    finite_range, nice_ticks, num, x_axis, y_axis, Anchor, Font, Scale, Svg, FS, FS_SMALL, GREY,
    SKY,
};
use super::BootHistogram;

const WIDTH: f64 = 672.0;
const HEIGHT: f64 = 432.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 62.0;
/// Bars outside the CI are a lighter tint of the same hue (still distinct in greyscale).
const OUTSIDE: &str = "#C6E4F6";

/// Draws the histogram. Bars inside [ci_low, ci_high] are darker than bars outside.
pub fn bootstrap_histogram(h: &BootHistogram) -> String {
    let bins = h.counts.len().min(h.edges.len().saturating_sub(1));
    let edges = &h.edges[..if bins > 0 { bins + 1 } else { 0 }];
    let counts = &h.counts[..bins];
    let mut svg = Svg::new(WIDTH, HEIGHT);
    let (left, right, top, bottom) = (LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM);

    let x_range = finite_range(
        edges
            .iter()
            .copied()
            .chain([h.estimate, h.ci_low, h.ci_high]),
    )
    .unwrap_or((-1.0, 1.0));
    let (x_ticks, x_dec) = nice_ticks(x_range.0, x_range.1, 6);
    let xs = Scale {
        d0: x_ticks[0],
        d1: x_ticks[x_ticks.len() - 1],
        p0: left,
        p1: right,
    };
    let max_count = counts.iter().copied().max().unwrap_or(0).max(1);
    let (y_ticks, y_dec) = nice_ticks(0.0, max_count as f64, 5);
    let ys = Scale {
        d0: 0.0,
        d1: y_ticks[y_ticks.len() - 1],
        p0: bottom,
        p1: top,
    };
    for &t in &y_ticks {
        let y = ys.map(t);
        svg.line(left, y, right, y, "stroke=\"#EBEBEB\" stroke-width=\"1\"");
    }
    for (i, &c) in counts.iter().enumerate() {
        let (e0, e1) = (edges[i], edges[i + 1]);
        if c == 0 || !e0.is_finite() || !e1.is_finite() {
            continue;
        }
        let mid = (e0 + e1) / 2.0;
        let inside = mid >= h.ci_low && mid <= h.ci_high;
        let fill = if inside { SKY } else { OUTSIDE };
        let (x0, x1) = (xs.map(e0.min(e1)), xs.map(e0.max(e1)));
        let y = ys.map(c as f64);
        svg.rect(
            x0,
            y,
            x1 - x0,
            bottom - y,
            &format!("fill=\"{fill}\" stroke=\"#FFFFFF\" stroke-width=\"0.5\""),
        );
    }
    draw_markers(&mut svg, h, edges, xs, top, bottom);
    x_axis(&mut svg, xs, &x_ticks, x_dec, bottom);
    y_axis(&mut svg, ys, &y_ticks, y_dec, left);
    svg.text(
        (left + right) / 2.0,
        bottom + 38.0,
        &h.label,
        Anchor::Middle,
        Font::new(FS),
    );
    svg.text_rotated(
        22.0,
        (top + bottom) / 2.0,
        -90.0,
        "Bootstrap resamples",
        Anchor::Middle,
        Font::new(FS),
    );
    draw_legend(&mut svg, h, zero_in_range(edges));
    if counts.iter().all(|&c| c == 0) {
        svg.text_mid(
            (left + right) / 2.0,
            (top + bottom) / 2.0,
            "no bootstrap resamples",
            Anchor::Middle,
            Font::new(FS).color(GREY),
        );
    }
    svg.finish()
}

fn zero_in_range(edges: &[f64]) -> bool {
    match finite_range(edges.iter().copied()) {
        Some((lo, hi)) => lo <= 0.0 && 0.0 <= hi,
        None => false,
    }
}

/// Estimate: solid ink; CI limits: dashed Okabe–Ito vermillion; zero: dotted grey.
const EST_STYLE: &str = "stroke=\"#1A1A1A\" stroke-width=\"2\"";
const CI_STYLE: &str = "stroke=\"#D55E00\" stroke-width=\"1.6\" stroke-dasharray=\"6 3\"";
const ZERO_STYLE: &str = "stroke=\"#666666\" stroke-width=\"1.2\" stroke-dasharray=\"1.5 2.5\"";

fn draw_markers(svg: &mut Svg, h: &BootHistogram, edges: &[f64], xs: Scale, top: f64, b: f64) {
    if zero_in_range(edges) {
        let x = xs.map(0.0);
        svg.line(x, top - 6.0, x, b, ZERO_STYLE);
    }
    for v in [h.ci_low, h.ci_high] {
        if v.is_finite() {
            let x = xs.map(v);
            svg.line(x, top - 6.0, x, b, CI_STYLE);
        }
    }
    if h.estimate.is_finite() {
        let x = xs.map(h.estimate);
        svg.line(x, top - 6.0, x, b, EST_STYLE);
    }
}

/// Legend above the plot: line samples with the values they mark.
fn draw_legend(svg: &mut Svg, h: &BootHistogram, zero: bool) {
    let font = Font::new(FS_SMALL);
    let mut entries = vec![
        (EST_STYLE, format!("Point estimate {}", num(h.estimate, 3))),
        (
            CI_STYLE,
            format!(
                "{} [{}, {}]",
                h.ci_label,
                num(h.ci_low, 3),
                num(h.ci_high, 3)
            ),
        ),
    ];
    if zero {
        entries.push((ZERO_STYLE, "Zero (no effect)".to_string()));
    }
    let mut x = LEFT;
    let y = 24.0;
    for (style, text) in &entries {
        svg.line(x, y, x + 26.0, y, style);
        svg.text_mid(x + 32.0, y, text, Anchor::Start, font);
        x += 32.0 + font.width(text) + 22.0;
    }
    let swatch = |svg: &mut Svg, x: f64, fill: &str, text: &str| {
        svg.rect(x, 40.0, 14.0, 10.0, &format!("fill=\"{fill}\""));
        svg.text_mid(x + 20.0, 45.0, text, Anchor::Start, font);
        x + 20.0 + font.width(text) + 22.0
    };
    let x = swatch(svg, LEFT, SKY, "Resamples inside the interval");
    swatch(svg, x, OUTSIDE, "outside the interval");
}

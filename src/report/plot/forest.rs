//! Forest plot: one row per effect with its CI, a zero line, groups under headings.

use super::svg::{
    empty_figure, finite_range, fit, nice_ticks, num, x_axis, Anchor, Font, Scale, Svg, BLUE, FS,
    FS_SMALL, GREY, INK, VERMILLION,
};
use super::{Forest, ForestRow};

const WIDTH: f64 = 672.0;
const MARGIN: f64 = 16.0;
const ROW_H: f64 = 32.0;
const HEADING_H: f64 = 26.0;
const HEADER_H: f64 = 22.0;
const AXIS_H: f64 = 46.0;
const DECIMALS: usize = 3;

/// Most rows a forest plot draws (about 2,000 px tall at 32 px a row): callers choose what
/// to show above this (see `report::build::mediation`); rows beyond it are left out with a
/// line saying how many, so the figure stays bounded whatever it is given.
pub const MAX_ROWS: usize = 60;

/// Colour and marker per group: blue squares, then vermillion diamonds (distinct in greyscale).
const GROUP_COLORS: [&str; 2] = [BLUE, VERMILLION];

/// Draws the forest plot. Filled markers: CI excludes zero; hollow markers: CI includes zero.
pub fn forest(f: &Forest) -> String {
    let total: usize = f.groups.iter().map(|g| g.rows.len()).sum();
    if total == 0 {
        return empty_figure(WIDTH, 160.0, "Forest plot: no estimates");
    }
    if total > MAX_ROWS {
        return forest_capped(f, total);
    }
    draw(f, None)
}

/// The first [`MAX_ROWS`] rows (groups in order; a group left empty is dropped), with a
/// line under them saying how many were left out.
fn forest_capped(f: &Forest, total: usize) -> String {
    let mut left = MAX_ROWS;
    let mut groups = Vec::new();
    for g in &f.groups {
        let take = g.rows.len().min(left);
        left -= take;
        if take > 0 {
            groups.push(super::ForestGroup {
                heading: g.heading.clone(),
                rows: g.rows[..take].to_vec(),
            });
        }
    }
    let capped = Forest {
        groups,
        ..f.clone()
    };
    let note = format!(
        "{} of {total} rows not shown (at most {MAX_ROWS} are drawn); see the table.",
        total - MAX_ROWS
    );
    draw(&capped, Some(&note))
}

fn draw(f: &Forest, note: Option<&str>) -> String {
    let rows: usize = f.groups.iter().map(|g| g.rows.len()).sum();
    let note_h = if note.is_some() { 18.0 } else { 0.0 };
    let label_font = Font::new(FS);
    let sub_font = Font::new(FS_SMALL).color(GREY);
    let widest = f
        .groups
        .iter()
        .flat_map(|g| &g.rows)
        .map(|r| label_font.width(&r.label).max(sub_font.width(&r.sublabel)))
        .fold(0.0, f64::max);
    let label_w = widest.clamp(120.0, 250.0);
    let text_w = label_font.width("\u{2212}0.000 [\u{2212}0.000, \u{2212}0.000]") + 8.0;
    let plot_l = MARGIN + label_w + 16.0;
    let plot_r = WIDTH - MARGIN - text_w - 12.0;
    let headings = f.groups.iter().filter(|g| g.heading.is_some()).count();
    let body_h = rows as f64 * ROW_H + headings as f64 * HEADING_H;
    let height = 2.0 * MARGIN + HEADER_H + body_h + AXIS_H + 18.0 + note_h;
    let mut svg = Svg::new(WIDTH, height);
    let top = MARGIN + HEADER_H;
    let bottom = top + body_h;

    let scale = x_scale(f, plot_l, plot_r);
    let (ticks, decimals) = nice_ticks(scale.d0, scale.d1, 5);
    for &t in &ticks {
        let x = scale.map(t);
        svg.line(x, top, x, bottom, "stroke=\"#EBEBEB\" stroke-width=\"1\"");
    }
    let zero = scale.map(0.0);
    svg.line(
        zero,
        top - 4.0,
        zero,
        bottom,
        &format!("stroke=\"{GREY}\" stroke-width=\"1\" stroke-dasharray=\"4 3\""),
    );
    draw_header(&mut svg, text_w, &f.ci_label);

    let mut y = top;
    let mut shade = false;
    for (gi, group) in f.groups.iter().enumerate() {
        if let Some(h) = &group.heading {
            let font = Font::new(FS).bold();
            svg.text(
                MARGIN,
                y + HEADING_H - 8.0,
                &fit(h, font, WIDTH),
                Anchor::Start,
                font,
            );
            y += HEADING_H;
        }
        let color = GROUP_COLORS[gi % GROUP_COLORS.len()];
        for row in &group.rows {
            if shade {
                svg.rect(MARGIN, y, WIDTH - 2.0 * MARGIN, ROW_H, "fill=\"#F4F4F4\"");
            }
            shade = !shade;
            draw_row(&mut svg, row, y, scale, label_w, color, gi % 2 == 1);
            y += ROW_H;
        }
    }
    // Redraw the zero line on top of the row shading.
    svg.line(
        zero,
        top,
        zero,
        bottom,
        &format!("stroke=\"{GREY}\" stroke-width=\"1\" stroke-dasharray=\"4 3\""),
    );
    x_axis(&mut svg, scale, &ticks, decimals, bottom + 2.0);
    svg.text(
        (plot_l + plot_r) / 2.0,
        bottom + 34.0,
        &f.x_label,
        Anchor::Middle,
        Font::new(FS),
    );
    if let Some(note) = note {
        let font = Font::new(FS_SMALL).color(GREY);
        svg.text(
            MARGIN,
            height - MARGIN + 4.0 - note_h,
            &fit(note, font, WIDTH - 2.0 * MARGIN),
            Anchor::Start,
            font,
        );
    }
    svg.text(
        MARGIN,
        height - MARGIN + 4.0,
        "Filled markers: interval excludes zero; hollow markers: interval includes zero.",
        Anchor::Start,
        Font::new(FS_SMALL).color(GREY),
    );
    svg.finish()
}

/// Data range covering every CI and zero, mapped onto [left, right] with nice end points.
fn x_scale(f: &Forest, left: f64, right: f64) -> Scale {
    let values = f
        .groups
        .iter()
        .flat_map(|g| &g.rows)
        .flat_map(|r| [r.estimate, r.ci_low, r.ci_high])
        .chain([0.0]);
    let (lo, hi) = finite_range(values).unwrap_or((-1.0, 1.0));
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, hi + 1.0)
    };
    let (ticks, _) = nice_ticks(lo, hi, 5);
    Scale {
        d0: ticks[0],
        d1: ticks[ticks.len() - 1],
        p0: left,
        p1: right,
    }
}

fn draw_header(svg: &mut Svg, text_w: f64, ci_label: &str) {
    let font = Font::new(FS_SMALL).bold().color(GREY);
    let y = MARGIN + 10.0;
    svg.text(MARGIN, y, "Effect", Anchor::Start, font);
    svg.text(
        WIDTH - MARGIN - text_w / 2.0,
        y,
        &format!("Estimate [{}]", ci_label),
        Anchor::Middle,
        font,
    );
    svg.line(
        MARGIN,
        MARGIN + HEADER_H - 4.0,
        WIDTH - MARGIN,
        MARGIN + HEADER_H - 4.0,
        &format!("stroke=\"{INK}\" stroke-width=\"0.8\""),
    );
}

fn draw_row(
    svg: &mut Svg,
    row: &ForestRow,
    y: f64,
    scale: Scale,
    label_w: f64,
    color: &str,
    diamond: bool,
) {
    let cy = y + ROW_H / 2.0;
    let label_font = Font::new(FS);
    let sub_font = Font::new(FS_SMALL).color(GREY);
    svg.text(
        MARGIN + 4.0,
        cy - 2.0,
        &fit(&row.label, label_font, label_w),
        Anchor::Start,
        label_font,
    );
    svg.text(
        MARGIN + 4.0,
        cy + 10.0,
        &fit(&row.sublabel, sub_font, label_w),
        Anchor::Start,
        sub_font,
    );
    let text = format!(
        "{} [{}, {}]",
        num(row.estimate, DECIMALS),
        num(row.ci_low, DECIMALS),
        num(row.ci_high, DECIMALS)
    );
    svg.text_mid(WIDTH - MARGIN - 4.0, cy, &text, Anchor::End, label_font);
    if row.ci_low.is_finite() && row.ci_high.is_finite() {
        let (x1, x2) = (scale.map(row.ci_low), scale.map(row.ci_high));
        let style = format!("stroke=\"{INK}\" stroke-width=\"1.3\"");
        svg.line(x1, cy, x2, cy, &style);
        svg.line(x1, cy - 4.0, x1, cy + 4.0, &style);
        svg.line(x2, cy - 4.0, x2, cy + 4.0, &style);
    }
    if row.estimate.is_finite() {
        let excludes_zero = row.ci_low > 0.0 || row.ci_high < 0.0;
        let fill = if excludes_zero { color } else { "#FFFFFF" };
        let style = format!("fill=\"{fill}\" stroke=\"{color}\" stroke-width=\"1.6\"");
        let x = scale.map(row.estimate);
        if diamond {
            let r = 5.5;
            svg.path(
                &format!(
                    "M{} {} L{} {} L{} {} L{} {} Z",
                    n(x),
                    n(cy - r),
                    n(x + r),
                    n(cy),
                    n(x),
                    n(cy + r),
                    n(x - r),
                    n(cy)
                ),
                &style,
            );
        } else {
            svg.rect(x - 4.5, cy - 4.5, 9.0, 9.0, &style);
        }
    }
}

fn n(v: f64) -> String {
    super::svg::n(v)
}

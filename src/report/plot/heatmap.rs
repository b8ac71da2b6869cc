//! Correlation heat map on the ColorBrewer RdBu diverging scale (Harrower & Brewer 2003),
//! which is colour-blind safe; every cell also prints r, so the figure survives greyscale.

use super::svg::{empty_figure, fit, Anchor, Font, Svg, FS, FS_SMALL, GREY, INK};
use super::Heatmap;

const WIDTH: f64 = 672.0;
const MARGIN: f64 = 16.0;
const LEGEND_W: f64 = 70.0;

/// ColorBrewer RdBu, 11 classes, from r = −1 (dark red) to r = +1 (dark blue).
const RDBU: [(u8, u8, u8); 11] = [
    (0x67, 0x00, 0x1F),
    (0xB2, 0x18, 0x2B),
    (0xD6, 0x60, 0x4D),
    (0xF4, 0xA5, 0x82),
    (0xFD, 0xDB, 0xC7),
    (0xF7, 0xF7, 0xF7),
    (0xD1, 0xE5, 0xF0),
    (0x92, 0xC5, 0xDE),
    (0x43, 0x93, 0xC3),
    (0x21, 0x66, 0xAC),
    (0x05, 0x30, 0x61),
];

/// Fill colour for r in [−1, 1] by linear interpolation between the RdBu classes.
pub(crate) fn rdbu(r: f64) -> String {
    let t = (r.clamp(-1.0, 1.0) + 1.0) / 2.0 * 10.0;
    let i = (t.floor() as usize).min(9);
    let w = t - i as f64;
    let (a, b) = (RDBU[i], RDBU[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + w * (y as f64 - x as f64)).round() as u8;
    format!(
        "#{:02X}{:02X}{:02X}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// r for display: two decimals without the leading zero (APA style), true minus sign.
fn r_text(r: f64) -> String {
    let s = format!("{:.2}", r.abs());
    let s = s.strip_prefix('0').unwrap_or(&s).to_string();
    if r < 0.0 && s != ".00" {
        format!("\u{2212}{s}")
    } else {
        s
    }
}

/// Draws the matrix: rows labelled on the left, columns on top (rotated), legend on the right.
pub fn correlation_heatmap(h: &Heatmap) -> String {
    let p = h.names.len();
    if p == 0 {
        return empty_figure(WIDTH, 160.0, "Correlations: no variables");
    }
    let label_font = Font::new(FS);
    let names_w = h
        .names
        .iter()
        .map(|s| label_font.width(s))
        .fold(0.0, f64::max)
        .min(180.0);
    let grid_left = MARGIN + names_w + 8.0;
    let cell = ((WIDTH - grid_left - LEGEND_W - MARGIN) / p as f64).clamp(26.0, 60.0);
    let top_room = (names_w * 0.72 + 14.0).max(30.0);
    let grid_top = MARGIN + top_room;
    let grid = cell * p as f64;
    let width = (grid_left + grid + LEGEND_W + MARGIN).max(WIDTH);
    let height = grid_top + grid.max(180.0) + MARGIN + 22.0;
    let mut svg = Svg::new(width, height);
    let value_font = Font::new((cell * 0.3).clamp(8.0, FS));
    for (i, name) in h.names.iter().enumerate() {
        let cy = grid_top + (i as f64 + 0.5) * cell;
        svg.text_mid(
            grid_left - 6.0,
            cy,
            &fit(name, label_font, names_w),
            Anchor::End,
            label_font,
        );
        let cx = grid_left + (i as f64 + 0.5) * cell;
        svg.text_rotated(
            cx - 3.0,
            grid_top - 6.0,
            -45.0,
            &fit(name, label_font, names_w),
            Anchor::Start,
            label_font,
        );
        for j in 0..p {
            let r = h.r.get(i).and_then(|row| row.get(j)).copied().flatten();
            draw_cell(
                &mut svg,
                grid_left + j as f64 * cell,
                cy - cell / 2.0,
                cell,
                r,
                value_font,
            );
        }
    }
    svg.rect(
        grid_left,
        grid_top,
        grid,
        grid,
        &format!("fill=\"none\" stroke=\"{INK}\" stroke-width=\"0.8\""),
    );
    draw_legend(&mut svg, grid_left + grid + 24.0, grid_top, grid.max(180.0));
    svg.text(
        MARGIN,
        height - MARGIN + 4.0,
        "Correlation coefficients r; grey cells with a dash: not estimable.",
        Anchor::Start,
        Font::new(FS_SMALL).color(GREY),
    );
    svg.finish()
}

fn draw_cell(svg: &mut Svg, x: f64, y: f64, cell: f64, r: Option<f64>, font: Font) {
    match r.filter(|v| v.is_finite()) {
        Some(v) => {
            svg.rect(
                x,
                y,
                cell,
                cell,
                &format!("fill=\"{}\" stroke=\"#FFFFFF\" stroke-width=\"1\"", rdbu(v)),
            );
            let color = if v.abs() >= 0.55 { "#FFFFFF" } else { INK };
            svg.text_mid(
                x + cell / 2.0,
                y + cell / 2.0,
                &r_text(v),
                Anchor::Middle,
                font.color(color),
            );
        }
        None => {
            svg.rect(
                x,
                y,
                cell,
                cell,
                "fill=\"#E6E6E6\" stroke=\"#FFFFFF\" stroke-width=\"1\"",
            );
            svg.text_mid(
                x + cell / 2.0,
                y + cell / 2.0,
                "\u{2013}",
                Anchor::Middle,
                font.color(GREY),
            );
        }
    }
}

/// Vertical colour bar from +1 (top) to −1 (bottom) with ticks every 0.5.
fn draw_legend(svg: &mut Svg, x: f64, top: f64, h: f64) {
    let bar_w = 14.0;
    let mut stops = String::new();
    for (i, _) in RDBU.iter().enumerate() {
        let offset = i as f64 / 10.0;
        let r = 1.0 - 2.0 * offset;
        stops.push_str(&format!(
            "<stop offset=\"{offset:.1}\" stop-color=\"{}\"/>",
            rdbu(r)
        ));
    }
    svg.raw(&format!(
        "<defs><linearGradient id=\"rdbu-legend\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">{stops}</linearGradient></defs>"
    ));
    svg.text(x, top - 8.0, "r", Anchor::Start, Font::new(FS).bold());
    svg.rect(
        x,
        top,
        bar_w,
        h,
        &format!("fill=\"url(#rdbu-legend)\" stroke=\"{INK}\" stroke-width=\"0.8\""),
    );
    for k in 0..=4 {
        let v = 1.0 - 0.5 * k as f64;
        let y = top + h * (k as f64 / 4.0);
        svg.line(
            x + bar_w,
            y,
            x + bar_w + 4.0,
            y,
            &format!("stroke=\"{INK}\" stroke-width=\"1\""),
        );
        let label = match k {
            0 => "1".to_string(),
            4 => "\u{2212}1".to_string(),
            _ => r_text(v),
        };
        svg.text_mid(
            x + bar_w + 7.0,
            y,
            &label,
            Anchor::Start,
            Font::new(FS_SMALL),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_end_points_are_colorbrewer_classes() {
        assert_eq!(rdbu(-1.0), "#67001F");
        assert_eq!(rdbu(0.0), "#F7F7F7");
        assert_eq!(rdbu(1.0), "#053061");
        assert_eq!(r_text(-0.456), "\u{2212}.46");
        assert_eq!(r_text(0.004), ".00");
    }
}

//! A minimal deterministic SVG writer, text metrics from the bundled font, and shared styling.

use std::fmt::Write;

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::FONT_FAMILY;

pub(crate) static FONT_REGULAR: &[u8] =
    include_bytes!("../../../assets/fonts/LiberationSans-Regular.ttf");
pub(crate) static FONT_BOLD: &[u8] =
    include_bytes!("../../../assets/fonts/LiberationSans-Bold.ttf");

/// Okabe & Ito (2008) colour-blind-safe palette.
pub(crate) const BLUE: &str = "#0072B2";
pub(crate) const VERMILLION: &str = "#D55E00";
pub(crate) const SKY: &str = "#56B4E9";
pub(crate) const INK: &str = "#1A1A1A";
pub(crate) const GREY: &str = "#666666";
pub(crate) const LIGHT: &str = "#D9D9D9";

/// Base font sizes in px (1 px = 0.75 pt): 11 px ≈ 8.25 pt text, 13 px titles.
pub(crate) const FS: f64 = 11.0;
pub(crate) const FS_SMALL: f64 = 9.5;
pub(crate) const FS_TITLE: f64 = 12.5;

/// Horizontal text anchor.
#[derive(Clone, Copy)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// Text style: size in px, weight, fill colour.
#[derive(Clone, Copy)]
pub(crate) struct Font {
    pub size: f64,
    pub bold: bool,
    pub color: &'static str,
}

impl Font {
    pub fn new(size: f64) -> Self {
        Font {
            size,
            bold: false,
            color: INK,
        }
    }
    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
    pub fn color(mut self, color: &'static str) -> Self {
        self.color = color;
        self
    }
    /// Advance width of `text` in px, from the bundled font's glyph metrics (no kerning).
    pub fn width(&self, text: &str) -> f64 {
        text_width(text, self.size, self.bold)
    }
}

/// Width of `text` at `size` px using the bundled font's horizontal advances.
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let data = if bold { FONT_BOLD } else { FONT_REGULAR };
    let Ok(font) = FontRef::new(data) else {
        return 0.55 * size * text.chars().count() as f64;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size as f32), LocationRef::default());
    text.chars()
        .map(|c| {
            let gid = charmap.map(c).unwrap_or_default();
            metrics.advance_width(gid).unwrap_or(0.55 * size as f32) as f64
        })
        .sum()
}

/// Accumulates SVG elements; coordinates are written with two decimals.
pub(crate) struct Svg {
    buf: String,
}

impl Svg {
    /// Starts a `width` × `height` px document with a white background.
    pub fn new(width: f64, height: f64) -> Self {
        let mut buf = String::new();
        let (w, h) = (width.ceil(), height.ceil());
        let _ = write!(
            buf,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"{FONT_FAMILY}, Arial, Helvetica, sans-serif\">\n\
             <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#FFFFFF\"/>\n"
        );
        Svg { buf }
    }

    pub fn raw(&mut self, s: &str) {
        self.buf.push_str(s);
        self.buf.push('\n');
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, style: &str) {
        let _ = writeln!(
            self.buf,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {style}/>",
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        );
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, style: &str) {
        let _ = writeln!(
            self.buf,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {style}/>",
            n(x1),
            n(y1),
            n(x2),
            n(y2)
        );
    }

    pub fn path(&mut self, d: &str, style: &str) {
        let _ = writeln!(self.buf, "<path d=\"{d}\" {style}/>");
    }

    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, style: &str) {
        let _ = writeln!(
            self.buf,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" {style}/>",
            n(cx),
            n(cy),
            n(r)
        );
    }

    /// Text with its baseline at `y`.
    pub fn text(&mut self, x: f64, y: f64, s: &str, anchor: Anchor, font: Font) {
        let weight = if font.bold {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let _ = writeln!(
            self.buf,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{}\" fill=\"{}\"{weight}>{}</text>",
            n(x),
            n(y),
            n(font.size),
            anchor.as_str(),
            font.color,
            escape(s)
        );
    }

    /// Text vertically centred on `cy` (baseline shifted by the font's typical x-height).
    pub fn text_mid(&mut self, x: f64, cy: f64, s: &str, anchor: Anchor, font: Font) {
        self.text(x, cy + 0.36 * font.size, s, anchor, font);
    }

    /// Text rotated by `deg` about its anchor point.
    pub fn text_rotated(&mut self, x: f64, y: f64, deg: f64, s: &str, anchor: Anchor, font: Font) {
        let _ = writeln!(
            self.buf,
            "<text x=\"0\" y=\"0\" transform=\"translate({} {}) rotate({})\" font-size=\"{}\" \
             text-anchor=\"{}\" fill=\"{}\">{}</text>",
            n(x),
            n(y),
            n(deg),
            n(font.size),
            anchor.as_str(),
            font.color,
            escape(s)
        );
    }

    pub fn finish(mut self) -> String {
        self.buf.push_str("</svg>\n");
        self.buf
    }
}

/// A coordinate with two decimals; `-0.00` becomes `0.00` and non-finite values become 0.
pub(crate) fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let s = format!("{v:.2}");
    let s = if s == "-0.00" { "0.00".to_string() } else { s };
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A value for display with `decimals` places and a true minus sign (U+2212).
pub(crate) fn num(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "NA".to_string();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let zero = s.chars().all(|c| c == '0' || c == '.');
    if v < 0.0 && !zero {
        format!("\u{2212}{s}")
    } else {
        s
    }
}

/// Significance stars: * p < .05, ** p < .01, *** p < .001.
pub(crate) fn stars(p: f64) -> &'static str {
    if !p.is_finite() {
        ""
    } else if p < 0.001 {
        "***"
    } else if p < 0.01 {
        "**"
    } else if p < 0.05 {
        "*"
    } else {
        ""
    }
}

/// XML-escapes text content.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Shortens `s` with an ellipsis so it fits in `max_w` px.
pub(crate) fn fit(s: &str, font: Font, max_w: f64) -> String {
    if font.width(s) <= max_w {
        return s.to_string();
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let t: String = chars.iter().collect::<String>() + "\u{2026}";
        if font.width(&t) <= max_w {
            return t;
        }
    }
    String::new()
}

/// Greedy word wrap into at most `max_lines` lines of width `max_w` (last line ellipsised).
pub(crate) fn wrap(s: &str, font: Font, max_w: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let trial = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if font.width(&trial) <= max_w || cur.is_empty() {
            cur = trial;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max_lines {
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(rest);
    }
    lines.iter().map(|l| fit(l, font, max_w)).collect()
}

/// "Nice" axis ticks covering [lo, hi] with roughly `target` intervals (Heckbert 1990,
/// "Nice numbers for graph labels", Graphics Gems): step is 1, 2 or 5 times a power of ten.
pub(crate) fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, usize) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    };
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor();
    let end = (hi / step).ceil();
    let ticks: Vec<f64> = (0..=((end - start) as i64).min(50))
        .map(|i| (start + i as f64) * step)
        .collect();
    let decimals = (-step.log10().floor()).max(0.0) as usize + usize::from(step / mag == 2.5);
    (ticks, decimals)
}

/// Linear map from data [d0, d1] to pixels [p0, p1].
#[derive(Clone, Copy)]
pub(crate) struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub p0: f64,
    pub p1: f64,
}

impl Scale {
    pub fn map(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.p0 + self.p1) / 2.0;
        }
        self.p0 + (v - self.d0) / (self.d1 - self.d0) * (self.p1 - self.p0)
    }
}

/// Minimum and maximum of the finite values, or `None`.
pub(crate) fn finite_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Draws a horizontal axis with ticks and labels at `y` (below the plot area).
pub(crate) fn x_axis(svg: &mut Svg, scale: Scale, ticks: &[f64], decimals: usize, y: f64) {
    let axis = format!("stroke=\"{INK}\" stroke-width=\"1\"");
    svg.line(scale.p0, y, scale.p1, y, &axis);
    for &t in ticks {
        let x = scale.map(t);
        svg.line(x, y, x, y + 4.0, &axis);
        svg.text(
            x,
            y + 15.0,
            &num(t, decimals),
            Anchor::Middle,
            Font::new(FS_SMALL),
        );
    }
}

/// Draws a vertical axis with ticks and labels at `x` (left of the plot area).
pub(crate) fn y_axis(svg: &mut Svg, scale: Scale, ticks: &[f64], decimals: usize, x: f64) {
    let axis = format!("stroke=\"{INK}\" stroke-width=\"1\"");
    svg.line(x, scale.p0, x, scale.p1, &axis);
    for &t in ticks {
        let y = scale.map(t);
        svg.line(x - 4.0, y, x, y, &axis);
        svg.text_mid(
            x - 6.0,
            y,
            &num(t, decimals),
            Anchor::End,
            Font::new(FS_SMALL),
        );
    }
}

/// A centred "no data" message for degenerate input.
pub(crate) fn empty_figure(width: f64, height: f64, message: &str) -> String {
    let mut svg = Svg::new(width, height);
    svg.text_mid(
        width / 2.0,
        height / 2.0,
        message,
        Anchor::Middle,
        Font::new(FS_TITLE),
    );
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_fixed_and_signed() {
        assert_eq!(n(-0.0001), "0");
        assert_eq!(n(12.5), "12.5");
        assert_eq!(num(-0.004, 2), "0.00");
        assert_eq!(num(-0.25, 2), "\u{2212}0.25");
        assert_eq!(stars(0.0004), "***");
        assert_eq!(stars(0.2), "");
    }

    #[test]
    fn ticks_cover_range() {
        let (t, d) = nice_ticks(-0.13, 0.42, 5);
        assert!(t[0] <= -0.13 && *t.last().unwrap() >= 0.42);
        assert_eq!(d, 1);
        let (t, _) = nice_ticks(f64::NAN, f64::NAN, 5);
        assert!(!t.is_empty());
    }

    #[test]
    fn text_width_uses_font_metrics() {
        let w = text_width("Wellbeing", 11.0, false);
        assert!(w > 30.0 && w < 70.0, "{w}");
        assert!(text_width("street", 11.0, true) > text_width("street", 11.0, false));
    }
}

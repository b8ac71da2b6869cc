//! Serial mediation path diagram in the layout of Hayes (2022, *Introduction to Mediation,
//! Moderation, and Conditional Process Analysis*, 3rd ed., Fig. 5.6): X bottom left, Y bottom
//! right, mediators in causal order on a row above; paths between non-adjacent mediators arc
//! over the row.

use super::svg::{
    empty_figure, num, stars, wrap, Anchor, Font, Svg, FS, FS_SMALL, GREY, INK, LIGHT,
};
use super::{PathCoef, PathDiagram};

const MARGIN: f64 = 20.0;
/// Above this many mediators the labels of arcs between non-adjacent mediators are omitted.
const MAX_LABELLED_SKIPS: usize = 4;
/// Caption line height in px.
const CAPTION_LH: f64 = 14.0;
const ARROW_LEN: f64 = 8.0;
const ARROW_HALF: f64 = 3.5;

/// A node box: centre and half sizes, plus its wrapped label.
struct Node {
    cx: f64,
    cy: f64,
    hw: f64,
    hh: f64,
    lines: Vec<String>,
}

struct Layout {
    nodes: Vec<Node>,
    font: Font,
    label_font: Font,
    arc_base: f64,
    arc_step: f64,
    width: f64,
    height: f64,
    caption_y: f64,
}

/// Draws the serial mediation model; see [`PathDiagram`]. Significant paths (p < .05) are solid
/// black with stars, non-significant paths dashed grey. The caption gives the total effect c.
pub fn path_diagram(d: &PathDiagram) -> String {
    if d.labels.len() < 2 {
        return empty_figure(672.0, 200.0, "Path diagram: no model");
    }
    let layout = layout(d);
    let k = d.labels.len() - 2;
    let y_idx = k + 1;
    let mut svg = Svg::new(layout.width, layout.height);
    let mut labels: Vec<(f64, f64, String, bool)> = Vec::new();
    let mut pending: Vec<(Segment, String, bool)> = Vec::new();
    let mut paths: Vec<&PathCoef> = d
        .paths
        .iter()
        .filter(|p| p.from < p.to && p.to <= y_idx)
        .collect();
    // Draw non-significant paths first so solid lines sit on top.
    paths.sort_by_key(|p| (significant(p), p.from, p.to));
    for p in paths {
        let label = if p.from == 0 && p.to == y_idx && k > 0 {
            // The direct effect is named so it is not mistaken for the total effect c.
            format!("c\u{2032} = {}", coef_label(p))
        } else {
            coef_label(p)
        };
        let sig = significant(p);
        let skip = p.from >= 1 && p.to <= k && p.to > p.from + 1;
        if skip {
            let (lx, ly) = draw_arc(&mut svg, &layout, p, k);
            if k <= MAX_LABELLED_SKIPS {
                labels.push((lx, ly, label, sig));
            }
        } else {
            let seg = draw_straight(&mut svg, &layout, p, k);
            pending.push((seg, label, sig));
        }
    }
    for node in &layout.nodes {
        draw_node(&mut svg, node, layout.font);
    }
    place_labels(&mut labels, &pending, &layout);
    for (x, y, text, sig) in &labels {
        draw_label(&mut svg, *x, *y, text, *sig, layout.label_font);
    }
    draw_caption(&mut svg, &caption_lines(d, k, layout.width), &layout);
    svg.finish()
}

fn significant(p: &PathCoef) -> bool {
    p.p.is_finite() && p.p < 0.05
}

fn coef_label(p: &PathCoef) -> String {
    format!("{}{}", num(p.estimate, 2), stars(p.p))
}

fn layout(d: &PathDiagram) -> Layout {
    let k = d.labels.len() - 2;
    let big = k > MAX_LABELLED_SKIPS;
    let font = Font::new(if big { 10.0 } else { FS });
    let label_font = Font::new(if big { 9.5 } else { 10.5 });
    let max_text = if big { 78.0 } else { 100.0 };
    let wrapped: Vec<Vec<String>> = d
        .labels
        .iter()
        .map(|l| wrap(l, font, max_text, 3))
        .collect();
    let text_w = wrapped
        .iter()
        .flatten()
        .map(|l| font.width(l))
        .fold(0.0, f64::max);
    let line_h = font.size * 1.25;
    let max_lines = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f64;
    let hw = ((text_w + 16.0) / 2.0).max(32.0);
    let hh = (max_lines * line_h + 12.0) / 2.0;
    let gap = label_font.width("\u{2212}0.00***") + 14.0;
    let spacing = 2.0 * hw + gap;
    let side = if k <= 1 {
        2.0 * hw + 40.0
    } else {
        0.6 * spacing
    };
    let (arc_base, arc_step) = if big { (22.0, 9.0) } else { (30.0, 18.0) };
    let arcs_h = if k >= 3 {
        arc_base + arc_step * (k as f64 - 3.0) + 6.0
    } else {
        0.0
    };
    let row_y = MARGIN + arcs_h + hh;
    let drop = 2.0 * hh + 80.0 + 8.0 * k.min(6) as f64;
    let first_x = MARGIN + hw + side;
    let mut nodes = Vec::with_capacity(k + 2);
    let bottom_y = row_y + if k == 0 { 0.0 } else { drop };
    nodes.push((MARGIN + hw, bottom_y));
    for j in 0..k {
        nodes.push((first_x + j as f64 * spacing, row_y));
    }
    let last_x = if k == 0 {
        MARGIN + 3.0 * hw + 160.0
    } else {
        first_x + (k - 1) as f64 * spacing + side
    };
    nodes.push((last_x, bottom_y));
    let nodes: Vec<Node> = nodes
        .into_iter()
        .zip(wrapped)
        .map(|((cx, cy), lines)| Node {
            cx,
            cy,
            hw,
            hh,
            lines,
        })
        .collect();
    let width = (last_x + hw + MARGIN).max(480.0);
    let caption_y = bottom_y + hh + 30.0;
    let caption = caption_lines(d, k, width).len() as f64;
    let height = caption_y + (caption - 1.0) * CAPTION_LH + MARGIN;
    // Centre narrow diagrams horizontally.
    let shift = (width - (last_x + hw + MARGIN)) / 2.0;
    let nodes = nodes
        .into_iter()
        .map(|n| Node {
            cx: n.cx + shift,
            ..n
        })
        .collect();
    Layout {
        nodes,
        font,
        label_font,
        arc_base,
        arc_step,
        width,
        height,
        caption_y,
    }
}

fn line_style(sig: bool) -> String {
    if sig {
        format!("fill=\"none\" stroke=\"{INK}\" stroke-width=\"1.4\"")
    } else {
        format!("fill=\"none\" stroke=\"{GREY}\" stroke-width=\"1.1\" stroke-dasharray=\"5 3\"")
    }
}

/// Point where the ray from the centre of `node` towards (tx, ty) leaves the box (plus `pad`).
fn exit_point(node: &Node, tx: f64, ty: f64, pad: f64) -> (f64, f64) {
    let (dx, dy) = (tx - node.cx, ty - node.cy);
    let sx = if dx.abs() > 1e-9 {
        (node.hw + pad) / dx.abs()
    } else {
        f64::INFINITY
    };
    let sy = if dy.abs() > 1e-9 {
        (node.hh + pad) / dy.abs()
    } else {
        f64::INFINITY
    };
    let s = sx.min(sy).min(1.0);
    (node.cx + s * dx, node.cy + s * dy)
}

/// A straight path and the preferred relative position `t` of its label along it.
struct Segment {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    t: f64,
}

impl Segment {
    fn at(&self, t: f64) -> (f64, f64) {
        let (x, y) = (
            self.x1 + t * (self.x2 - self.x1),
            self.y1 + t * (self.y2 - self.y1),
        );
        // Horizontal arrows (adjacent mediators, X → Y): label above the line.
        if (self.y2 - self.y1).abs() < 1e-6 {
            (x, y - 9.0)
        } else {
            (x, y)
        }
    }
}

/// Straight arrow between two nodes; returns the segment for label placement.
fn draw_straight(svg: &mut Svg, layout: &Layout, p: &PathCoef, k: usize) -> Segment {
    let (a, b) = (&layout.nodes[p.from], &layout.nodes[p.to]);
    let (x1, y1) = exit_point(a, b.cx, b.cy, 1.0);
    let (x2, y2) = exit_point(b, a.cx, a.cy, 1.0);
    let sig = significant(p);
    let (bx, by) = arrow_head(svg, x2, y2, x2 - x1, y2 - y1, sig);
    svg.path(
        &format!("M{} {} L{} {}", f(x1), f(y1), f(bx), f(by)),
        &line_style(sig),
    );
    // Preferred label position: a paths near the mediator, b paths near the mediator too (on
    // the other side), adjacent d and c′ in the middle.
    let t = if p.from == 0 && p.to <= k && k >= 1 {
        0.7
    } else if p.to == k + 1 && p.from >= 1 {
        0.3
    } else {
        0.5
    };
    Segment { x1, y1, x2, y2, t }
}

/// Places each straight-path label at the first position along its line, moving out from its
/// preferred spot, whose halo overlaps neither a node nor an already placed label.
fn place_labels(
    labels: &mut Vec<(f64, f64, String, bool)>,
    pending: &[(Segment, String, bool)],
    layout: &Layout,
) {
    let font = layout.label_font;
    let half = |text: &str| ((font.width(text) + 8.0) / 2.0, (font.size + 4.0) / 2.0);
    let mut boxes: Vec<(f64, f64, f64, f64)> = layout
        .nodes
        .iter()
        .map(|n| (n.cx, n.cy, n.hw, n.hh))
        .collect();
    for (x, y, text, _) in labels.iter() {
        let (hw, hh) = half(text);
        boxes.push((*x, *y, hw, hh));
    }
    let overlaps = |boxes: &[(f64, f64, f64, f64)], x: f64, y: f64, hw: f64, hh: f64| {
        boxes
            .iter()
            .any(|b| (b.0 - x).abs() < b.2 + hw && (b.1 - y).abs() < b.3 + hh)
    };
    for (seg, text, sig) in pending {
        let (hw, hh) = half(text);
        let offsets = (0..12).map(|i| {
            let step = 0.04 * (i / 2 + 1) as f64;
            if i % 2 == 0 {
                step
            } else {
                -step
            }
        });
        let candidates = std::iter::once(seg.t).chain(offsets.map(|o| seg.t + o));
        let chosen = candidates
            .filter(|t| (0.08..=0.92).contains(t))
            .map(|t| seg.at(t))
            .find(|&(x, y)| !overlaps(&boxes, x, y, hw, hh))
            .unwrap_or_else(|| seg.at(seg.t));
        boxes.push((chosen.0, chosen.1, hw, hh));
        labels.push((chosen.0, chosen.1, text.clone(), *sig));
    }
}

/// Arc over the mediator row between non-adjacent mediators; returns the apex.
fn draw_arc(svg: &mut Svg, layout: &Layout, p: &PathCoef, k: usize) -> (f64, f64) {
    let (a, b) = (&layout.nodes[p.from], &layout.nodes[p.to]);
    let span = p.to - p.from;
    // Longer arcs start nearer the box centre so that nested arcs do not cross.
    let frac = 0.85 - 0.6 * (span - 2) as f64 / (k.saturating_sub(2)).max(1) as f64;
    let x1 = a.cx + a.hw * frac;
    let x2 = b.cx - b.hw * frac;
    let top = a.cy - a.hh - 1.0;
    let h = layout.arc_base + layout.arc_step * (span - 2) as f64;
    let c = top - h * 4.0 / 3.0;
    let sig = significant(p);
    let (bx, by) = arrow_head(svg, x2, top, 0.0, 1.0, sig);
    svg.path(
        &format!(
            "M{} {} C{} {} {} {} {} {}",
            f(x1),
            f(top),
            f(x1),
            f(c),
            f(x2),
            f(c),
            f(bx),
            f(by)
        ),
        &line_style(sig),
    );
    ((x1 + x2) / 2.0, top - h)
}

/// Filled arrowhead with its tip at (x, y) pointing along (dx, dy); returns the base centre.
fn arrow_head(svg: &mut Svg, x: f64, y: f64, dx: f64, dy: f64, sig: bool) -> (f64, f64) {
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (ux, uy) = (dx / len, dy / len);
    let (bx, by) = (x - ARROW_LEN * ux, y - ARROW_LEN * uy);
    let (px, py) = (-uy * ARROW_HALF, ux * ARROW_HALF);
    let color = if sig { INK } else { GREY };
    svg.path(
        &format!(
            "M{} {} L{} {} L{} {} Z",
            f(x),
            f(y),
            f(bx + px),
            f(by + py),
            f(bx - px),
            f(by - py)
        ),
        &format!("fill=\"{color}\" stroke=\"none\""),
    );
    (bx + 0.5 * ux, by + 0.5 * uy)
}

fn draw_node(svg: &mut Svg, node: &Node, font: Font) {
    svg.rect(
        node.cx - node.hw,
        node.cy - node.hh,
        2.0 * node.hw,
        2.0 * node.hh,
        &format!("rx=\"3\" fill=\"#FFFFFF\" stroke=\"{INK}\" stroke-width=\"1.2\""),
    );
    let line_h = font.size * 1.25;
    let first = node.cy - (node.lines.len() as f64 - 1.0) * line_h / 2.0;
    for (i, line) in node.lines.iter().enumerate() {
        svg.text_mid(
            node.cx,
            first + i as f64 * line_h,
            line,
            Anchor::Middle,
            font,
        );
    }
}

/// Coefficient label on a white halo so it stays legible where lines cross.
fn draw_label(svg: &mut Svg, x: f64, y: f64, text: &str, sig: bool, font: Font) {
    let font = if sig { font } else { font.color(GREY) };
    let w = font.width(text) + 6.0;
    let h = font.size + 4.0;
    svg.rect(
        x - w / 2.0,
        y - h / 2.0,
        w,
        h,
        "rx=\"2\" fill=\"#FFFFFF\" fill-opacity=\"0.92\" stroke=\"none\"",
    );
    svg.text_mid(x, y, text, Anchor::Middle, font);
}

/// Caption lines (total effect, legend, note), wrapped to the figure width.
fn caption_lines(d: &PathDiagram, k: usize, width: f64) -> Vec<(String, Font)> {
    let total = match &d.total {
        Some(t) => format!(
            "Total effect of X on Y: c = {}{} ({} {} to {}).",
            num(t.estimate, 2),
            stars(t.p),
            d.ci_label,
            num(t.ci_low, 2),
            num(t.ci_high, 2)
        ),
        None => "Total effect of X on Y: not reported.".to_string(),
    };
    let mut legend = "Unstandardised coefficients. Solid: p < .05; dashed grey: p \u{2265} .05. \
                      * p < .05, ** p < .01, *** p < .001."
        .to_string();
    if k > MAX_LABELLED_SKIPS {
        legend.push_str(" Arcs between non-adjacent mediators are unlabelled (see table).");
    }
    let max_w = width - 2.0 * MARGIN;
    let small = Font::new(FS_SMALL).color(GREY);
    let mut lines: Vec<(String, Font)> = wrap(&total, Font::new(FS), max_w, 2)
        .into_iter()
        .map(|l| (l, Font::new(FS)))
        .collect();
    let notes = std::iter::once(legend).chain(d.note.clone());
    for text in notes {
        lines.extend(wrap(&text, small, max_w, 4).into_iter().map(|l| (l, small)));
    }
    lines
}

fn draw_caption(svg: &mut Svg, lines: &[(String, Font)], layout: &Layout) {
    let y = layout.caption_y;
    svg.line(
        MARGIN,
        y - 16.0,
        layout.width - MARGIN,
        y - 16.0,
        &format!("stroke=\"{LIGHT}\" stroke-width=\"1\""),
    );
    for (i, (text, font)) in lines.iter().enumerate() {
        svg.text(
            MARGIN,
            y + i as f64 * CAPTION_LH,
            text,
            Anchor::Start,
            *font,
        );
    }
}

fn f(v: f64) -> String {
    super::svg::n(v)
}

//! CONSORT-style participant flow across waves (Schulz, Altman & Moher 2010, CONSORT 2010
//! flow diagram): one box per wave, side boxes for losses to follow-up and exclusions.

use super::svg::{empty_figure, fit, Anchor, Font, Svg, FS, FS_SMALL, GREY, INK};
use super::{AttritionFlow, FlowReason};

const WIDTH: f64 = 672.0;
const MARGIN: f64 = 20.0;
const MAIN_W: f64 = 250.0;
const SIDE_W: f64 = 270.0;
const BOX_H: f64 = 46.0;
const STEP: f64 = 40.0;
const LINE_H: f64 = 14.0;

/// Draws the flow; lost to follow-up between waves is the drop in n (never negative).
pub fn attrition_flow(a: &AttritionFlow) -> String {
    if a.stages.is_empty() {
        return empty_figure(WIDTH, 160.0, "Participant flow: no waves");
    }
    let main_cx = MARGIN + MAIN_W / 2.0 + 30.0;
    let side_x = WIDTH - MARGIN - SIDE_W;
    let excl_h = exclusion_height(&a.excluded);
    let mut y = MARGIN;
    let mut parts: Vec<Part> = Vec::new();
    let baseline = a.stages[0].n;
    for (i, stage) in a.stages.iter().enumerate() {
        if i > 0 {
            let lost = a.stages[i - 1].n.saturating_sub(stage.n);
            parts.push(Part::Side {
                y: y + STEP / 2.0,
                h: BOX_H - 10.0,
                lines: vec![format!("Lost to follow-up (n = {lost})")],
            });
            y += STEP + BOX_H - 10.0;
        }
        let share = if i > 0 && baseline > 0 {
            format!(
                "n = {} ({:.1}% of {})",
                stage.n,
                100.0 * stage.n as f64 / baseline as f64,
                a.stages[0].label
            )
        } else {
            format!("n = {}", stage.n)
        };
        parts.push(Part::Main {
            y,
            title: stage.label.clone(),
            detail: share,
        });
        y += BOX_H;
    }
    if !a.excluded.is_empty() || a.analysed.is_some() {
        let last = a.stages[a.stages.len() - 1].n;
        let total: u64 = a.excluded.iter().map(|r| r.n).sum();
        if !a.excluded.is_empty() {
            let mut lines = vec![format!("Excluded from analysis (n = {total})")];
            lines.extend(
                a.excluded
                    .iter()
                    .map(|r| format!("\u{2022} {} (n = {})", r.reason, r.n)),
            );
            parts.push(Part::Side {
                y: y + STEP / 2.0,
                h: excl_h,
                lines,
            });
            y += STEP + excl_h;
        } else {
            y += STEP;
        }
        let analysed = a.analysed.unwrap_or(last.saturating_sub(total));
        parts.push(Part::Main {
            y,
            title: "Analysed".to_string(),
            detail: format!("n = {analysed}"),
        });
        y += BOX_H;
    }
    let height = y + MARGIN;
    let mut svg = Svg::new(WIDTH, height);
    draw_parts(&mut svg, &parts, main_cx, side_x);
    svg.finish()
}

enum Part {
    Main {
        y: f64,
        title: String,
        detail: String,
    },
    /// A side box whose connector leaves the main column at its vertical centre.
    Side { y: f64, h: f64, lines: Vec<String> },
}

fn exclusion_height(reasons: &[FlowReason]) -> f64 {
    (reasons.len() as f64 + 1.0) * LINE_H + 14.0
}

fn draw_parts(svg: &mut Svg, parts: &[Part], main_cx: f64, side_x: f64) {
    let stroke = format!("fill=\"#FFFFFF\" stroke=\"{INK}\" stroke-width=\"1.2\"");
    let line = format!("stroke=\"{INK}\" stroke-width=\"1.2\"");
    let mut prev_bottom: Option<f64> = None;
    for part in parts {
        match part {
            Part::Main { y, title, detail } => {
                if let Some(b) = prev_bottom {
                    svg.line(main_cx, b, main_cx, y - 7.0, &line);
                    arrow_down(svg, main_cx, *y);
                }
                svg.rect(main_cx - MAIN_W / 2.0, *y, MAIN_W, BOX_H, &stroke);
                let bold = Font::new(FS).bold();
                svg.text(
                    main_cx,
                    y + 19.0,
                    &fit(title, bold, MAIN_W - 12.0),
                    Anchor::Middle,
                    bold,
                );
                svg.text(main_cx, y + 35.0, detail, Anchor::Middle, Font::new(FS));
                prev_bottom = Some(y + BOX_H);
            }
            Part::Side { y, h, lines } => {
                let cy = y + h / 2.0;
                svg.line(main_cx, cy, side_x - 7.0, cy, &line);
                arrow_right(svg, side_x, cy);
                svg.rect(side_x, *y, SIDE_W, *h, &stroke);
                let first = cy - (lines.len() as f64 - 1.0) * LINE_H / 2.0;
                for (i, text) in lines.iter().enumerate() {
                    let font = if i == 0 {
                        Font::new(FS)
                    } else {
                        Font::new(FS_SMALL).color(GREY)
                    };
                    svg.text_mid(
                        side_x + 10.0,
                        first + i as f64 * LINE_H,
                        &fit(text, font, SIDE_W - 16.0),
                        Anchor::Start,
                        font,
                    );
                }
            }
        }
    }
}

fn arrow_down(svg: &mut Svg, x: f64, tip_y: f64) {
    svg.path(
        &format!(
            "M{} {} L{} {} L{} {} Z",
            n(x),
            n(tip_y),
            n(x - 4.0),
            n(tip_y - 8.0),
            n(x + 4.0),
            n(tip_y - 8.0)
        ),
        &format!("fill=\"{INK}\""),
    );
}

fn arrow_right(svg: &mut Svg, tip_x: f64, y: f64) {
    svg.path(
        &format!(
            "M{} {} L{} {} L{} {} Z",
            n(tip_x),
            n(y),
            n(tip_x - 8.0),
            n(y - 4.0),
            n(tip_x - 8.0),
            n(y + 4.0)
        ),
        &format!("fill=\"{INK}\""),
    );
}

fn n(v: f64) -> String {
    super::svg::n(v)
}

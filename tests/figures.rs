//! Figures on realistic input: the SVG parses, the PNG decodes at the size the dpi implies, is
//! not blank, has dark text pixels, and rendering is byte-for-byte deterministic.
//!
//! Set `SPCURE_FIGURES_OUT=/some/dir` to also write every sample figure there (SVG + PNG) for
//! visual review.

use resvg::tiny_skia::Pixmap;
use resvg::usvg;
use spcure::report::plot::*;

const DPI: u32 = 150;
/// At least this share of pixels must be non-white for a figure to count as drawn.
const MIN_INK_SHARE: f64 = 0.02;
/// A pixel is "dark" (text, axes) when all channels are below this value.
const DARK: u8 = 90;
/// At least this many dark pixels (text and lines at 150 dpi produce thousands).
const MIN_DARK_PIXELS: usize = 200;

fn coef(from: usize, to: usize, estimate: f64, p: f64) -> PathCoef {
    PathCoef {
        from,
        to,
        estimate,
        ci_low: estimate - 0.12,
        ci_high: estimate + 0.12,
        p,
    }
}

/// Serial model with k mediators: every a, d, b path and c′, with a mix of p-values.
fn diagram(k: usize) -> PathDiagram {
    let names = [
        "Loneliness",
        "Social support",
        "Self-efficacy",
        "Wellbeing (WEMWBS)",
        "Anxiety",
        "Activity",
        "Belonging",
        "Hope",
    ];
    let mut labels = vec!["Social prescribing (X)".to_string()];
    labels.extend(names.iter().take(k).map(|s| s.to_string()));
    labels.push("Health-related quality of life (Y)".to_string());
    let y = k + 1;
    let mut paths = Vec::new();
    for to in 1..=y {
        for from in 0..to {
            let est = 0.05 + 0.07 * ((from * 3 + to * 5) % 9) as f64 - 0.2 * f64::from(to % 3 == 0);
            let p = [0.0004, 0.003, 0.02, 0.31, 0.0001, 0.6][(from + 2 * to) % 6];
            paths.push(coef(from, to, est, p));
        }
    }
    PathDiagram {
        ci_label: "95% CI".into(),
        labels,
        paths,
        total: Some(coef(0, y, 0.41, 0.0002)),
        note: Some("n = 412 complete cases; 5,000 bootstrap resamples.".to_string()),
    }
}

fn point(mean: f64, half: f64, n: u64) -> WavePoint {
    WavePoint {
        mean: Some(mean),
        ci_low: Some(mean - half),
        ci_high: Some(mean + half),
        n,
    }
}

fn trajectories_input(waves: usize) -> Trajectories {
    let series = |name: &str, base: f64, slope: f64, half: f64| ConstructSeries {
        name: name.to_string(),
        points: (0..waves)
            .map(|w| {
                point(
                    base + slope * w as f64,
                    half * (1.0 + 0.2 * w as f64),
                    412 - 37 * w as u64,
                )
            })
            .collect(),
    };
    Trajectories {
        ci_label: "95% confidence intervals".into(),
        waves: ["T0 baseline", "T1 3 months", "T2 12 months"][..waves]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        constructs: vec![
            series("Loneliness (UCLA-3)", 6.8, -0.5, 0.18),
            series("Wellbeing (WEMWBS)", 41.2, 2.1, 0.9),
            series("Self-efficacy (GSE)", 27.5, 0.8, 0.6),
            series("Anxiety (GAD-7)", 9.1, -1.2, 0.5),
            series("Social support (MSPSS)", 4.6, 0.3, 0.12),
        ],
    }
}

fn forest_input() -> Forest {
    let row = |label: &str, sub: &str, e: f64, lo: f64, hi: f64| ForestRow {
        label: label.to_string(),
        sublabel: sub.to_string(),
        estimate: e,
        ci_low: lo,
        ci_high: hi,
    };
    Forest {
        ci_label: "95% CI".into(),
        x_label: "Indirect effect (95% percentile bootstrap CI)".to_string(),
        groups: vec![
            ForestGroup {
                heading: Some("Indirect effects".to_string()),
                rows: vec![
                    row(
                        "Ind1",
                        "X \u{2192} Loneliness \u{2192} Y",
                        0.112,
                        0.051,
                        0.182,
                    ),
                    row(
                        "Ind2",
                        "X \u{2192} Wellbeing \u{2192} Y",
                        0.034,
                        -0.012,
                        0.085,
                    ),
                    row(
                        "Ind3 (serial)",
                        "X \u{2192} Loneliness \u{2192} Wellbeing \u{2192} Y",
                        0.041,
                        0.016,
                        0.074,
                    ),
                    row(
                        "Total indirect",
                        "sum of Ind1\u{2013}Ind3",
                        0.187,
                        0.098,
                        0.281,
                    ),
                ],
            },
            ForestGroup {
                heading: Some("Contrasts".to_string()),
                rows: vec![
                    row("Ind1 \u{2212} Ind2", "", 0.078, -0.004, 0.161),
                    row("Ind1 \u{2212} Ind3", "", 0.071, 0.012, 0.133),
                ],
            },
        ],
    }
}

fn histogram_input() -> BootHistogram {
    // A smooth, slightly right-skewed shape, as bootstrapped products of coefficients are.
    let bins = 40;
    let edges: Vec<f64> = (0..=bins).map(|i| -0.02 + 0.0035 * i as f64).collect();
    let counts = (0..bins)
        .map(|i| {
            let z = (i as f64 - 14.0) / 5.5;
            let skew = 1.0 + 0.25 * z;
            (420.0 * (-0.5 * z * z / skew.max(0.3)).exp()).round() as u64
        })
        .collect();
    BootHistogram {
        label: "Serial indirect effect X \u{2192} M1 \u{2192} M2 \u{2192} Y".to_string(),
        edges,
        counts,
        estimate: 0.041,
        ci_low: 0.016,
        ci_high: 0.074,
        ci_label: "95% percentile CI".to_string(),
    }
}

fn flow_input() -> AttritionFlow {
    let stage = |label: &str, n| FlowStage {
        label: label.to_string(),
        n,
    };
    AttritionFlow {
        stages: vec![
            stage("T0 baseline", 412),
            stage("T1 follow-up (3 months)", 351),
            stage("T2 follow-up (12 months)", 298),
        ],
        excluded: vec![
            FlowReason {
                reason: "missing mediator score at T1".to_string(),
                n: 14,
            },
            FlowReason {
                reason: "duplicate participant id".to_string(),
                n: 2,
            },
        ],
        analysed: None,
    }
}

fn heatmap_input() -> Heatmap {
    let names: Vec<String> = [
        "\u{0394} Loneliness",
        "\u{0394} Social support",
        "\u{0394} Self-efficacy",
        "\u{0394} Wellbeing",
        "\u{0394} Anxiety",
        "Sessions attended",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let base = [
        [1.0, -0.42, -0.31, -0.55, 0.38, -0.12],
        [-0.42, 1.0, 0.36, 0.47, -0.22, 0.18],
        [-0.31, 0.36, 1.0, 0.61, -0.44, 0.09],
        [-0.55, 0.47, 0.61, 1.0, -0.72, 0.21],
        [0.38, -0.22, -0.44, -0.72, 1.0, -0.03],
        [-0.12, 0.18, 0.09, 0.21, -0.03, 1.0],
    ];
    let mut r: Vec<Vec<Option<f64>>> = base
        .iter()
        .map(|row| row.iter().map(|v| Some(*v)).collect())
        .collect();
    r[1][5] = None;
    r[5][1] = Some(f64::NAN);
    Heatmap { names, r }
}

/// Every sample figure, named.
fn samples() -> Vec<(&'static str, String)> {
    vec![
        ("path_k1", path_diagram(&diagram(1))),
        ("path_k2", path_diagram(&diagram(2))),
        ("path_k3", path_diagram(&diagram(3))),
        ("path_k8", path_diagram(&diagram(8))),
        ("trajectories", trajectories(&trajectories_input(3))),
        (
            "trajectories_one_wave",
            trajectories(&trajectories_input(1)),
        ),
        ("forest", forest(&forest_input())),
        ("histogram", bootstrap_histogram(&histogram_input())),
        ("attrition", attrition_flow(&flow_input())),
        ("heatmap", correlation_heatmap(&heatmap_input())),
    ]
}

struct Rendered {
    width: u32,
    height: u32,
    non_white: usize,
    dark: usize,
}

fn render(svg: &str, dpi: u32) -> Rendered {
    let png = svg_to_png(svg, dpi).expect("PNG renders");
    let pixmap = Pixmap::decode_png(&png).expect("PNG decodes");
    let (mut non_white, mut dark) = (0, 0);
    for px in pixmap.pixels() {
        let c = px.demultiply();
        let (r, g, b) = (c.red(), c.green(), c.blue());
        if r < 245 || g < 245 || b < 245 {
            non_white += 1;
        }
        if r < DARK && g < DARK && b < DARK {
            dark += 1;
        }
    }
    Rendered {
        width: pixmap.width(),
        height: pixmap.height(),
        non_white,
        dark,
    }
}

fn svg_size(svg: &str) -> (f32, f32) {
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).expect("SVG parses");
    (tree.size().width(), tree.size().height())
}

fn check_figure(name: &str, svg: &str) {
    check_figure_ink(name, svg, MIN_INK_SHARE);
}

fn check_figure_ink(name: &str, svg: &str, min_share: f64) {
    let (w, h) = svg_size(svg);
    let out = render(svg, DPI);
    let scale = DPI as f32 / 96.0;
    assert_eq!(out.width, (w * scale).round() as u32, "{name}: width");
    assert_eq!(out.height, (h * scale).round() as u32, "{name}: height");
    let total = (out.width * out.height) as f64;
    assert!(
        out.non_white as f64 / total >= min_share,
        "{name}: only {} of {total} pixels drawn",
        out.non_white
    );
    assert!(
        out.dark >= MIN_DARK_PIXELS,
        "{name}: {} dark pixels",
        out.dark
    );
    assert!(
        svg.contains("Liberation Sans"),
        "{name}: names the bundled font"
    );
    assert!(!svg.contains("NaN"), "{name}: non-finite coordinates");
}

#[test]
fn every_figure_parses_renders_and_is_not_blank() {
    for (name, svg) in samples() {
        check_figure(name, &svg);
    }
}

#[test]
fn rendering_is_deterministic() {
    for ((name, a), (_, b)) in samples().into_iter().zip(samples()) {
        assert_eq!(a, b, "{name}: SVG differs between runs");
        assert_eq!(
            svg_to_png(&a, 96).unwrap(),
            svg_to_png(&b, 96).unwrap(),
            "{name}: PNG differs between runs"
        );
    }
}

#[test]
fn png_size_follows_dpi() {
    let svg = forest(&forest_input());
    let (w, h) = svg_size(&svg);
    for dpi in [72, 96, 300] {
        let out = render(&svg, dpi);
        assert_eq!(out.width, (w * dpi as f32 / 96.0).round() as u32);
        assert_eq!(out.height, (h * dpi as f32 / 96.0).round() as u32);
    }
    assert!(svg_to_png(&svg, 0).is_err());
    assert!(svg_to_png(&svg, 2401).is_err());
    let huge = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20000\" height=\"20000\"/>";
    assert!(
        svg_to_png(huge, 96).is_err(),
        "refused before allocating 1.6 GB"
    );
    assert!(svg_to_png("not svg", 96).is_err());
}

/// Text alone produces dark pixels: the bundled font renders although no system font is loaded.
#[test]
fn bundled_font_renders_text() {
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\">\
               <text x=\"10\" y=\"28\" font-size=\"20\">Wellbeing \u{2192} \u{03B2}</text></svg>";
    let out = render(svg, 96);
    assert!(out.dark > 150, "{} dark pixels", out.dark);
    // A family that no machine has still falls back to the bundled font.
    let unknown = svg.replace("<text ", "<text font-family=\"No Such Font\" ");
    assert!(render(&unknown, 96).dark > 150);
    let bold = svg.replace("<text ", "<text font-weight=\"bold\" ");
    assert!(
        render(&bold, 96).dark > render(svg, 96).dark,
        "bold face is bundled"
    );
}

#[test]
fn edge_cases_still_draw() {
    let mut no_total = diagram(1);
    no_total.total = None;
    no_total.paths.push(coef(2, 1, 0.3, 0.01)); // backward path: ignored
    no_total.paths.push(coef(0, 9, 0.3, 0.01)); // out of range: ignored
    no_total.paths[0].estimate = f64::NAN;
    check_figure("path_no_total", &path_diagram(&no_total));

    let mut gaps = trajectories_input(3);
    gaps.constructs[0].points[1] = WavePoint {
        mean: None,
        ci_low: None,
        ci_high: None,
        n: 0,
    };
    gaps.constructs[1].points.truncate(1);
    check_figure("trajectories_gaps", &trajectories(&gaps));

    let mut zero = histogram_input();
    zero.counts.iter_mut().for_each(|c| *c = 0);
    check_figure("histogram_zero_counts", &bootstrap_histogram(&zero));
    let mut ragged = histogram_input();
    ragged.edges.truncate(5);
    check_figure("histogram_ragged", &bootstrap_histogram(&ragged));

    let flow = AttritionFlow {
        stages: vec![FlowStage {
            label: "T0".to_string(),
            n: 0,
        }],
        excluded: vec![],
        analysed: None,
    };
    // A single box on a page-wide canvas: little ink, but text and a frame.
    check_figure_ink("attrition_single", &attrition_flow(&flow), 0.01);

    let all_missing = Heatmap {
        names: vec!["A".to_string(), "B".to_string()],
        r: vec![vec![None, None]],
    };
    check_figure("heatmap_missing", &correlation_heatmap(&all_missing));

    let empty = Forest {
        ci_label: "95% CI".into(),
        x_label: String::new(),
        groups: vec![],
    };
    check_figure_ink("forest_empty", &forest(&empty), 0.002);
}

#[test]
fn inputs_round_trip_through_json() {
    // Binary-exact values: serde_json's default float parser is not guaranteed to round-trip
    // every f64 to the last bit.
    let mut d = diagram(2);
    for p in &mut d.paths {
        p.estimate = 0.25;
        p.ci_low = -0.5;
        p.ci_high = 0.75;
        p.p = 0.125;
    }
    d.total = None;
    let back: PathDiagram = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    assert_eq!(back, d);
    let f = flow_input();
    let back: AttritionFlow = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
    assert_eq!(back, f);
}

/// Writes all samples to `$SPCURE_FIGURES_OUT` for visual review (no-op when unset).
#[test]
fn write_samples_for_review() {
    let Ok(dir) = std::env::var("SPCURE_FIGURES_OUT") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for (name, svg) in samples() {
        std::fs::write(format!("{dir}/{name}.svg"), &svg).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), svg_to_png(&svg, 96).unwrap()).unwrap();
    }
}

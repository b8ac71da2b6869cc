//! Renderers of the report model: snapshot tests for every text format on a realistic sample
//! report, plus structural checks (terminal width, self-contained HTML, CSV round trip).
//!
//! Snapshots live in tests/snapshots/renderers/; after an intended change, regenerate them
//! with `UPDATE_SNAPSHOTS=1 cargo test --test renderers` and review the diff.

use std::path::PathBuf;

use spcure::report::apa::{self, CiKind};
use spcure::report::csv::{csv_files, write_csv};
use spcure::report::html::HtmlRenderer;
use spcure::report::markdown::MarkdownRenderer;
use spcure::report::model::{
    render_to_string, Align, Cell, Column, Figure, Renderer, Report, Section, Table,
};
use spcure::report::table::{TerminalRenderer, TERMINAL_WIDTH};

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn num(value: f64, digits: usize) -> Cell {
    Cell::Num { value, digits }
}

fn coef(value: f64, significant: bool) -> Cell {
    Cell::Coef {
        value,
        digits: 2,
        significant,
    }
}

fn change_table() -> Table {
    Table {
        id: "change_across_waves".into(),
        caption: "Change in Outcomes From Baseline (T0) to 12 Weeks (T1)".into(),
        columns: vec![
            Column::text("construct", "Construct"),
            Column::number("n", "n"),
            Column::number("mean_t0", "M (T0)"),
            Column::number("mean_t1", "M (T1)"),
            Column::number("mean_change", "M change"),
            Column::number("t", "t"),
            Column::number("p", "p"),
            Column::number("d_av", "d_av"),
        ],
        rows: vec![
            vec![
                text("Mental wellbeing (SWEMWBS)"),
                Cell::Int(318),
                num(19.8412, 2),
                num(21.0233, 2),
                num(1.1821, 2),
                num(5.123456, 2),
                Cell::P(0.000004),
                num(0.3141592653589793, 2),
            ],
            vec![
                text("Loneliness (UCLA-3)"),
                Cell::Int(305),
                num(6.9, 2),
                num(6.55, 2),
                num(-0.35, 2),
                num(-2.0123, 2),
                Cell::P(0.0449999),
                num(-0.1157, 2),
            ],
            vec![
                text("Health-related quality of life (EQ-5D-5L index)"),
                Cell::Int(290),
                num(0.712, 3),
                num(0.7152, 3),
                num(0.0032, 3),
                num(0.41, 2),
                Cell::P(0.682),
                num(-0.0004, 2),
            ],
            vec![
                text("Sense of belonging"),
                Cell::Int(12),
                num(3.1, 2),
                Cell::Missing,
                Cell::Missing,
                num(f64::NAN, 2),
                Cell::P(f64::NAN),
                Cell::Missing,
            ],
        ],
        notes: vec![
            "n = participants with scores at both waves. d_av = mean change divided by the \
             average of the two standard deviations (Cumming, 2012)."
                .into(),
            "Belonging was measured at T0 only in the pilot sites.".into(),
        ],
    }
}

fn mediation_table() -> Table {
    Table {
        id: "serial_mediation".into(),
        caption: "Serial Mediation of the Effect of Attendance on Wellbeing Change".into(),
        columns: vec![
            Column::text("path", "Path"),
            Column::number("b", "b"),
            Column::number("se", "SE"),
            Column::number("ci_low", "95% CI lower"),
            Column::number("ci_high", "95% CI upper"),
        ],
        rows: vec![
            vec![
                text("a1: attendance → belonging"),
                coef(0.4123, true),
                num(0.0811, 3),
                num(0.2534, 2),
                num(0.5712, 2),
            ],
            vec![
                text("d21: belonging → support"),
                coef(0.2511, true),
                num(0.0702, 3),
                num(0.1135, 2),
                num(0.3887, 2),
            ],
            vec![
                text("c′: attendance → wellbeing change (direct effect)"),
                coef(-0.0312, false),
                num(0.1021, 3),
                num(-0.2313, 2),
                num(0.1689, 2),
            ],
            vec![
                text(
                    "a1 × d21 × d32 × b3: attendance → belonging → support → loneliness → \
                     wellbeing change (serial indirect effect through all three mediators)",
                ),
                coef(0.0412, true),
                Cell::Missing,
                num(0.0101, 2),
                num(0.0799, 2),
            ],
            vec![
                text("a2 × b2: attendance → support → wellbeing change"),
                coef(-0.0049, false),
                Cell::Missing,
                num(-0.0301, 2),
                num(0.0188, 2),
            ],
        ],
        notes: vec![
            "Unstandardised coefficients; intervals are 95% percentile bootstrap intervals \
             (5,000 resamples) for indirect effects and HC3 intervals otherwise."
                .into(),
            "* Interval excludes zero.".into(),
        ],
    }
}

/// Text that exercises every escaping rule: CSV quoting, Markdown and HTML metacharacters.
fn tricky_table() -> Table {
    Table {
        id: "attrition_reasons".into(),
        caption: "Reasons for Leaving the Programme <by wave> & \"Other\"".into(),
        columns: vec![
            Column::text("reason", "Reason"),
            Column {
                key: "wave".into(),
                header: "Wave".into(),
                align: Align::Center,
            },
            Column::number("count", "Count"),
            Column::number("proportion", "Proportion"),
        ],
        rows: vec![
            vec![
                text("Moved away, \"no forwarding address\""),
                text("T1"),
                Cell::Int(14),
                num(0.2153846153846154, 2),
            ],
            vec![
                text("Health | hospital\nstay"),
                text("T2"),
                Cell::Int(-3),
                num(1.0 / 3.0, 2),
            ],
            vec![
                text("*Declined* <b>further</b> contact_"),
                text("T2"),
                Cell::Int(0),
                num(1e-17, 2),
            ],
        ],
        notes: vec!["Counts are participants; a negative count marks a correction.".into()],
    }
}

const SVG_MEDIATION: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg width="240" height="80" viewBox="0 0 240 80" xmlns="http://www.w3.org/2000/svg">
<rect x="5" y="25" width="60" height="30" fill="none" stroke="#000"/>
<text x="35" y="44" font-size="10" text-anchor="middle">attendance</text>
<line x1="65" y1="40" x2="175" y2="40" stroke="#000"/>
<rect x="175" y="25" width="60" height="30" fill="none" stroke="#000"/>
<text x="205" y="44" font-size="10" text-anchor="middle">wellbeing</text>
</svg>
"##;

const SVG_ATTRITION: &str = r##"<svg width="200" height="60" viewBox="0 0 200 60" xmlns="http://www.w3.org/2000/svg">
<!-- made by the test -->
<polyline points="10,10 100,30 190,50" fill="none" stroke="#333"/>
<text x="100" y="15" font-size="9">T0 → T1 → T2</text>
</svg>"##;

fn sample_report() -> Report {
    let mediators: Vec<String> = ["belonging", "support", "loneliness"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let indirect = apa::indirect_sentence(
        &mediators,
        0.0412,
        0.0101,
        0.0799,
        0.95,
        CiKind::Percentile,
        2,
    );
    Report {
        title: "Social Prescribing Evaluation: Link Worker Cohort 2025".into(),
        subtitle: Some("Waves T0 (baseline), T1 (12 weeks) and T2 (6 months)".into()),
        key_findings: vec![
            format!(
                "Mental wellbeing improved from T0 to T1 (mean change 1.18 points, t(317) = 5.12, {}, d_av = {}).",
                apa::p_value(0.000004),
                apa::fixed(0.3141592653589793, 2)
            ),
            format!(
                "Loneliness fell slightly (mean change -0.35, {}).",
                apa::p_value(0.0449999)
            ),
            indirect.clone(),
        ],
        sections: vec![
            Section {
                id: "change".into(),
                title: "Change Across Waves".into(),
                paragraphs: vec![
                    "Of 412 participants at baseline, 318 (77%) completed the wellbeing measure at both T0 and T1. Table 1 shows paired change for each outcome.".into(),
                ],
                tables: vec![change_table()],
                figure_ids: vec![],
            },
            Section {
                id: "mediation".into(),
                title: "Serial Mediation".into(),
                paragraphs: vec![
                    indirect,
                    "The direct effect of attendance on wellbeing change was small and its interval included zero (Table 2, Figure 1).".into(),
                ],
                tables: vec![mediation_table()],
                figure_ids: vec!["mediation_diagram".into()],
            },
            Section {
                id: "attrition".into(),
                title: "Attrition".into(),
                paragraphs: vec![
                    "# Participants who left gave the reasons in Table 3; 1. the list below is not a list *and* <b>not bold</b>.".into(),
                ],
                tables: vec![tricky_table()],
                figure_ids: vec!["attrition_flow".into(), "no_such_figure".into()],
            },
        ],
        methods: vec![
            "Change scores were later minus earlier wave scores; paired t tests with d_av effect sizes (Cumming, 2012).".into(),
            "Serial mediation followed Hayes (2022, Model 6) with OLS paths and 5,000 percentile bootstrap resamples.".into(),
        ],
        figures: vec![
            Figure {
                id: "attrition_flow".into(),
                caption: "Participants Retained at Each Wave".into(),
                svg: SVG_ATTRITION.into(),
            },
            Figure {
                id: "mediation_diagram".into(),
                caption: "Serial Mediation Model With Unstandardised Path Coefficients".into(),
                svg: SVG_MEDIATION.into(),
            },
        ],
    }
}

fn snapshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots/renderers")
        .join(name)
}

/// Compares with the committed snapshot (or rewrites it when UPDATE_SNAPSHOTS is set).
fn assert_snapshot(name: &str, actual: &[u8]) {
    let path = snapshot_path(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
    if expected != actual {
        panic!(
            "{name} differs from its snapshot {}:\n--- actual ---\n{}",
            path.display(),
            String::from_utf8_lossy(actual)
        );
    }
}

fn render(renderer: &dyn Renderer) -> String {
    render_to_string(renderer, &sample_report())
}

#[test]
fn terminal_snapshot() {
    assert_snapshot(
        "report.txt",
        render(&TerminalRenderer::default()).as_bytes(),
    );
}

#[test]
fn markdown_snapshot() {
    assert_snapshot("report.md", render(&MarkdownRenderer).as_bytes());
}

#[test]
fn html_snapshot() {
    assert_snapshot("report.html", render(&HtmlRenderer).as_bytes());
}

#[test]
fn csv_snapshots() {
    let files = csv_files(&sample_report());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "change_across_waves.csv",
            "serial_mediation.csv",
            "attrition_reasons.csv"
        ]
    );
    for (name, bytes) in &files {
        assert_snapshot(name, bytes);
    }
}

#[test]
fn output_is_deterministic() {
    for r in [
        &TerminalRenderer::default() as &dyn Renderer,
        &MarkdownRenderer,
        &HtmlRenderer,
    ] {
        assert_eq!(render(r), render(r));
    }
    assert_eq!(csv_files(&sample_report()), csv_files(&sample_report()));
}

#[test]
fn terminal_fits_100_columns_and_marks_significance() {
    let out = render(&TerminalRenderer::default());
    for line in out.lines() {
        assert!(
            line.chars().count() <= TERMINAL_WIDTH,
            "{} chars: {line}",
            line.chars().count()
        );
    }
    assert!(out.contains("0.41*"));
    assert!(out.contains("-0.03 "));
    let findings = out.find("Key findings").unwrap();
    let first_section = out.find("Change Across Waves").unwrap();
    assert!(findings < first_section, "key findings come first");
}

#[test]
fn narrow_terminal_still_fits() {
    const NARROW: usize = 60;
    let out = render_to_string(&TerminalRenderer { width: NARROW }, &sample_report());
    for line in out.lines() {
        assert!(line.chars().count() <= NARROW, "{line}");
    }
}

#[test]
fn markdown_references_figures_and_escapes_text() {
    let md = render(&MarkdownRenderer);
    assert!(md.contains(
        "![Serial Mediation Model With Unstandardised Path Coefficients](figures/mediation_diagram.svg)"
    ));
    assert!(md.contains("![Participants Retained at Each Wave](figures/attrition_flow.svg)"));
    assert!(md.contains("*Figure 1.* Serial Mediation Model"));
    assert!(md.contains("*Figure 2.* Participants Retained"));
    assert!(md.contains("| Health \\| hospital stay "));
    assert!(!md.contains("no_such_figure"));
}

#[test]
fn html_is_self_contained_and_complete() {
    let html = render(&HtmlRenderer);
    for forbidden in [
        "http://",
        "https://",
        "<script",
        "<link",
        "@font-face",
        "src=",
    ] {
        assert!(!html.contains(forbidden), "HTML contains {forbidden}");
    }
    let report = sample_report();
    for (no, table) in report.numbered_tables() {
        let caption = spcure::report::html::escape(&table.caption);
        assert!(
            html.contains(&format!(
                "<span class=\"label\">Table {no}</span><span class=\"title\">{caption}</span>"
            )),
            "table {no}"
        );
    }
    for (no, id) in [(1, "mediation_diagram"), (2, "attrition_flow")] {
        let fig = report.figure(id).unwrap();
        assert!(html.contains(&format!("<figure id=\"fig-{id}\">")));
        assert!(html.contains(&format!(
            "<span class=\"label\">Figure {no}.</span> {}",
            fig.caption
        )));
    }
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("&lt;b&gt;further&lt;/b&gt;"));
    assert!(!html.contains("<b>"));
}

#[test]
fn csv_parses_back_and_numbers_round_trip() {
    let report = sample_report();
    for (_, table) in report.numbered_tables() {
        let mut bytes = Vec::new();
        write_csv(table, &mut bytes).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let keys: Vec<String> = table.columns.iter().map(|c| c.key.clone()).collect();
        assert_eq!(header, keys);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), table.rows.len());
        for (record, row) in records.iter().zip(&table.rows) {
            for (field, cell) in record.iter().zip(row) {
                check_field(field, cell);
            }
        }
    }
}

fn check_field(field: &str, cell: &Cell) {
    match cell {
        Cell::Text(s) => assert_eq!(field, s),
        Cell::Int(i) => assert_eq!(field.parse::<i64>().unwrap(), *i),
        Cell::Num { value, .. } | Cell::P(value) | Cell::Coef { value, .. } => {
            if value.is_nan() {
                assert_eq!(field, "");
            } else {
                let back: f64 = field.parse().unwrap();
                assert_eq!(back.to_bits(), value.to_bits(), "{field}");
            }
        }
        Cell::Missing => assert_eq!(field, ""),
    }
}

#[test]
fn report_problems_are_listed() {
    let problems = sample_report().problems();
    assert_eq!(
        problems,
        ["section 'attrition' refers to unknown figure 'no_such_figure'"]
    );
}

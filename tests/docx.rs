//! The Word renderer: `report.docx` is a valid Office Open XML package (the required parts,
//! every relationship and picture in place, every XML part well-formed), each table holds the
//! report model's rows and cells exactly as the Markdown shows them, tables have the three APA
//! rules, and `spcure report` regenerates the file byte for byte.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;
use std::process::{Command, Output};

use quick_xml::events::Event;
use quick_xml::Reader;
use spcure::report::docx::DocxRenderer;
use spcure::report::model::{Align, Cell, Column, Figure, Report, Section, Table};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every part of a zip package, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut parts = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        parts.insert(f.name().to_string(), buf);
    }
    parts
}

/// A parsed XML element tree (names with prefixes, attributes, children, text).
#[derive(Debug, Default, Clone)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<El>,
    text: String,
}

impl El {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// Every descendant named `name`, in document order (not descending into matches).
    fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a El>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            } else {
                c.find_all(name, out);
            }
        }
    }
    fn all(&self, name: &str) -> Vec<&El> {
        let mut v = Vec::new();
        self.find_all(name, &mut v);
        v
    }
    /// The concatenated text of every `w:t` inside.
    fn w_text(&self) -> String {
        self.all("w:t").iter().map(|t| t.text.as_str()).collect()
    }
}

/// Parses `xml` strictly: matching end tags, well-formed attributes, known entities only,
/// one root element. Panics with the part's name on any error.
fn parse(part: &str, xml: &[u8]) -> El {
    let text = std::str::from_utf8(xml).unwrap_or_else(|e| panic!("{part}: not UTF-8: {e}"));
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<El> = vec![El::default()];
    let open = |e: &quick_xml::events::BytesStart| -> El {
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.unwrap_or_else(|err| panic!("{part}: bad attribute: {err}"));
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.unescape_value().unwrap().into_owned(),
                )
            })
            .collect();
        El {
            name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
            attrs,
            ..El::default()
        }
    };
    loop {
        match reader.read_event() {
            Err(e) => panic!("{part}: not well-formed XML: {e}"),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => stack.push(open(&e)),
            Ok(Event::Empty(e)) => {
                let el = open(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Ok(Event::End(_)) => {
                let el = stack.pop().unwrap();
                stack
                    .last_mut()
                    .unwrap_or_else(|| panic!("{part}: unbalanced end tag"))
                    .children
                    .push(el);
            }
            Ok(Event::Text(t)) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Ok(Event::GeneralRef(r)) => {
                let c = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => match &*r.decode().unwrap() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("{part}: unknown entity &{other};"),
                    },
                };
                stack.last_mut().unwrap().text.push_str(&c);
            }
            Ok(_) => {}
        }
    }
    assert_eq!(stack.len(), 1, "{part}: unclosed elements");
    let root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "{part}: one root element");
    root.children.into_iter().next().unwrap()
}

/// Checks the package and returns document.xml's body.
fn valid_package(bytes: &[u8], n_figures: usize) -> El {
    let parts = unzip(bytes);
    for required in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/styles.xml",
        "word/_rels/document.xml.rels",
        "docProps/core.xml",
    ] {
        assert!(parts.contains_key(required), "missing part {required}");
    }
    for (name, data) in &parts {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            parse(name, data);
        }
    }
    // Content types: a default for every extension, an override for the main parts.
    let types = parse("[Content_Types].xml", &parts["[Content_Types].xml"]);
    let defaults: Vec<&str> = types
        .all("Default")
        .iter()
        .filter_map(|d| d.attr("Extension"))
        .collect();
    for name in parts.keys() {
        let ext = name.rsplit('.').next().unwrap();
        let overridden = types
            .all("Override")
            .iter()
            .any(|o| o.attr("PartName") == Some(&format!("/{name}")));
        assert!(
            overridden || defaults.contains(&ext),
            "{name} has no content type"
        );
    }
    assert!(types.all("Override").iter().any(|o| o.attr("PartName") == Some("/word/document.xml")
        && o.attr("ContentType")
            == Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")));
    // The root relationship points at the main document.
    let root = parse("_rels/.rels", &parts["_rels/.rels"]);
    assert!(root.all("Relationship").iter().any(|r| r.attr("Target")
        == Some("word/document.xml")
        && r.attr("Type")
            == Some("http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument")));
    // Every document relationship's target exists; every picture's r:embed is a relationship.
    let rels = parse("rels", &parts["word/_rels/document.xml.rels"]);
    let mut ids = Vec::new();
    for r in rels.all("Relationship") {
        let target = format!("word/{}", r.attr("Target").unwrap());
        assert!(
            parts.contains_key(&target),
            "relationship to missing {target}"
        );
        ids.push(r.attr("Id").unwrap().to_string());
    }
    let doc = parse("document", &parts["word/document.xml"]);
    assert_eq!(doc.name, "w:document");
    let blips = doc.all("a:blip");
    assert_eq!(blips.len(), n_figures);
    for b in blips {
        let id = b.attr("r:embed").unwrap();
        assert!(
            ids.iter().any(|i| i == id),
            "picture {id} has no relationship"
        );
    }
    let pngs: Vec<&Vec<u8>> = parts
        .iter()
        .filter(|(n, _)| n.starts_with("word/media/"))
        .map(|(_, b)| b)
        .collect();
    assert_eq!(pngs.len(), n_figures);
    assert!(pngs.iter().all(|b| b.starts_with(b"\x89PNG\r\n\x1a\n")));
    let body = doc.all("w:body");
    assert_eq!(body.len(), 1);
    body[0].clone()
}

/// Header and body cells of every table, as text.
fn tables_of(body: &El) -> Vec<Vec<Vec<String>>> {
    body.all("w:tbl")
        .iter()
        .map(|t| {
            t.all("w:tr")
                .iter()
                .map(|r| r.all("w:tc").iter().map(|c| c.w_text()).collect())
                .collect()
        })
        .collect()
}

/// What each table of the report model should hold: headers, then each cell as Markdown
/// shows it (the display text, `*` after a significant coefficient), padded rows.
fn expected_tables(report: &Report) -> Vec<Vec<Vec<String>>> {
    report
        .numbered_tables()
        .into_iter()
        .filter(|(_, t)| !t.columns.is_empty())
        .map(|(_, t)| {
            let mut rows = vec![t.columns.iter().map(|c| collapse(&c.header)).collect()];
            for r in &t.rows {
                rows.push(
                    t.row_cells(r)
                        .map(|c| {
                            let d = c.display();
                            collapse(&format!("{}{}", d.text, if d.marked { "*" } else { "" }))
                        })
                        .collect(),
                );
            }
            rows
        })
        .collect()
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Paragraph texts of the body, in order (outside tables).
fn paragraphs(body: &El) -> Vec<String> {
    body.children
        .iter()
        .filter(|c| c.name == "w:p")
        .map(El::w_text)
        .collect()
}

fn sample_report() -> Report {
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100"><rect x="10" y="10" width="80" height="50" fill="#336699"/></svg>"##;
    Report {
        title: "Evaluation <draft> & review".into(),
        subtitle: Some("Seed 1".into()),
        key_findings: vec!["HRQoL rose by 0.21 (p < .001).".into()],
        sections: vec![Section {
            id: "change".into(),
            title: "Change across waves".into(),
            paragraphs: vec!["Participants present at both waves.".into()],
            tables: vec![
                Table {
                    id: "change_across_waves".into(),
                    caption: "Change From T0 to T1".into(),
                    columns: vec![
                        Column::text("construct", "Construct"),
                        Column::number("n", "n"),
                        Column::number("b", "b"),
                        Column::number("p", "p"),
                        Column {
                            key: "ci".into(),
                            header: "95% CI".into(),
                            align: Align::Center,
                        },
                    ],
                    rows: vec![
                        vec![
                            Cell::Text("Loneliness (\"UCLA-3\") <r>".into()),
                            Cell::Int(305),
                            Cell::Coef {
                                value: -0.3456,
                                digits: 2,
                                significant: true,
                            },
                            Cell::P(0.0004),
                            Cell::Text("[-0.52, -0.17]".into()),
                        ],
                        vec![
                            Cell::Text("HRQoL".into()),
                            Cell::Missing,
                            Cell::Num {
                                value: f64::NAN,
                                digits: 2,
                            },
                            Cell::P(0.0449999),
                        ],
                    ],
                    notes: vec!["* p < .05.".into(), "Second note & more.".into()],
                },
                Table {
                    id: "empty".into(),
                    caption: "No columns".into(),
                    columns: vec![],
                    rows: vec![],
                    notes: vec![],
                },
            ],
            figure_ids: vec!["trajectories".into()],
        }],
        methods: vec!["Change scores were T1 − T0.".into()],
        figures: vec![
            Figure {
                id: "trajectories".into(),
                caption: "Mean scores by wave".into(),
                svg: svg.into(),
            },
            Figure {
                id: "loose".into(),
                caption: "A figure no section names".into(),
                svg: svg.into(),
            },
        ],
    }
}

#[test]
fn the_package_is_valid_ooxml_and_tables_hold_the_model_cells() {
    let report = sample_report();
    let bytes = DocxRenderer::new(96).package(&report).unwrap();
    assert_eq!(bytes, DocxRenderer::new(96).package(&report).unwrap());
    let body = valid_package(&bytes, 2);
    let tables = tables_of(&body);
    assert_eq!(tables, expected_tables(&report));
    assert_eq!(
        tables[0][1],
        [
            "Loneliness (\"UCLA-3\") <r>",
            "305",
            "-0.35*",
            "< .001",
            "[-0.52, -0.17]"
        ]
    );
    assert_eq!(tables[0][2], ["HRQoL", "—", "—", ".045", "—"]);
    let paras = paragraphs(&body);
    let at = |needle: &str| {
        paras
            .iter()
            .position(|p| p == needle)
            .unwrap_or_else(|| panic!("no paragraph {needle:?} in {paras:#?}"))
    };
    assert_eq!(at("Evaluation <draft> & review"), 0);
    assert!(at("Key findings") < at("• HRQoL rose by 0.21 (p < .001)."));
    // APA order: number, title, table, notes; figure number and caption before the picture.
    assert_eq!(at("Table 1") + 1, at("Change From T0 to T1"));
    assert!(at("Change From T0 to T1") < at("Note. * p < .05."));
    assert_eq!(at("Note. * p < .05.") + 1, at("Second note & more."));
    assert_eq!(at("Table 2") + 1, at("No columns"));
    assert!(at("Figure 1") < at("Figure 2") && at("Figure 2") < at("Methods"));
    assert_eq!(at("Figure 2") + 1, at("A figure no section names"));
}

#[test]
fn tables_have_three_horizontal_rules_and_no_vertical_ones() {
    let body = valid_package(&DocxRenderer::new(96).package(&sample_report()).unwrap(), 2);
    let tbl = body.all("w:tbl")[0];
    let borders = tbl.all("w:tblBorders")[0];
    let val = |side: &str| borders.all(side)[0].attr("w:val").unwrap().to_string();
    assert_eq!(val("w:top"), "single");
    assert_eq!(val("w:bottom"), "single");
    for side in ["w:left", "w:right", "w:insideH", "w:insideV"] {
        assert_eq!(val(side), "nil", "{side}");
    }
    let rows = tbl.all("w:tr");
    for (i, row) in rows.iter().enumerate() {
        let ruled = row
            .all("w:tcBorders")
            .iter()
            .filter(|b| !b.all("w:bottom").is_empty())
            .count();
        let expected = if i == 0 { row.all("w:tc").len() } else { 0 };
        assert_eq!(ruled, expected, "row {i}");
    }
    // The title is italic, the label bold; the header row repeats on a new page.
    assert!(!rows[0].all("w:tblHeader").is_empty());
    let title = body
        .children
        .iter()
        .find(|p| p.w_text() == "Change From T0 to T1")
        .unwrap();
    assert!(!title.all("w:i").is_empty());
}

fn spcure(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn analyse_writes_every_report_table_into_docx_and_report_regenerates_it() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let mut args = vec!["analyse"];
    let files: Vec<String> = ["T0", "T1", "T2"]
        .iter()
        .map(|w| format!("data/example/{w}.csv"))
        .collect();
    args.extend(files.iter().map(String::as_str));
    let a_s = path(&a);
    args.extend([
        "--out",
        &a_s,
        "--format",
        "json,docx",
        "--seed",
        "5",
        "--boot",
        "500",
        "--quiet",
        "--dpi",
        "72",
    ]);
    spcure(&args);
    let results_path = a.join("results.json");
    spcure(&[
        "report",
        &path(&results_path),
        "--out",
        &path(&b),
        "--format",
        "docx",
        "--dpi",
        "72",
    ]);
    let first = std::fs::read(a.join("report.docx")).unwrap();
    let second = std::fs::read(b.join("report.docx")).unwrap();
    assert!(
        first == second,
        "report did not regenerate report.docx byte for byte"
    );
    let text = std::fs::read_to_string(&results_path).unwrap();
    let results = spcure::commands::report::parse(&text, "results.json").unwrap();
    let report = spcure::report::build::build(&results);
    assert!(report.numbered_tables().len() >= 10);
    let body = valid_package(&first, report.figures.len());
    assert_eq!(tables_of(&body), expected_tables(&report));
    let paras = paragraphs(&body);
    for f in &report.key_findings {
        assert!(paras.contains(&format!("• {}", collapse(f))), "{f}");
    }
    for m in &report.methods {
        assert!(paras.contains(&collapse(m)), "{m}");
    }
    for (n, t) in report.numbered_tables() {
        let label = paras
            .iter()
            .position(|p| *p == format!("Table {n}"))
            .unwrap();
        assert_eq!(paras[label + 1], collapse(&t.caption));
    }
}

//! Word (.docx) renderer: the report as an Office Open XML package a researcher can paste
//! tables from into a manuscript.
//!
//! Layout follows APA 7: each table is preceded by a bold "Table N" line and its italic title,
//! drawn with three horizontal rules only (above the header, below the header, below the last
//! row), and followed by its notes ("*Note.*" before the first); each figure by a bold
//! "Figure N" line and its italic caption, then the PNG. Cell text is exactly the Markdown
//! report's (the same `Cell::display`, a `*` after significant coefficients). Key findings come
//! first and the methods last, as in the other formats.
//!
//! The package is written by hand (`[Content_Types].xml`, `_rels/.rels`, `docProps/core.xml`,
//! `word/document.xml`, `word/styles.xml`, `word/_rels/document.xml.rels`, `word/media/*.png`)
//! and zipped with fixed timestamps and permissions, so the same report gives the same bytes
//! (`spcure report` regenerates it byte for byte).

use std::io::{self, Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::model::{file_stem, Align, Numbering, Renderer, Report, Table};
use super::plot::svg_to_png;

/// Text width of a US Letter page with 1-inch margins, in EMU (914 400 per inch).
const TEXT_WIDTH_EMU: u64 = 6 * 914_400 + 914_400 / 2;
/// Rule weight in eighths of a point (APA: thin rules).
const RULE: &str = r#"w:val="single" w:sz="8" w:space="0" w:color="000000""#;

const NS: &str = concat!(
    r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
    r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" "#,
    r#"xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" "#,
    r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" "#,
    r#"xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture""#
);

/// Renders a report as a .docx package. Figures are drawn as PNG at `dpi`, or taken from
/// `pngs` (figure id → PNG bytes) when the caller has rendered them already.
#[derive(Debug, Clone, Default)]
pub struct DocxRenderer {
    pub dpi: u32,
    pub pngs: Vec<(String, Vec<u8>)>,
}

impl DocxRenderer {
    pub fn new(dpi: u32) -> Self {
        Self {
            dpi,
            pngs: Vec::new(),
        }
    }
}

impl Renderer for DocxRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.package(report)?)
    }
}

/// One embedded picture.
struct Image {
    rel_id: String,
    file: String,
    png: Vec<u8>,
}

impl DocxRenderer {
    /// The zipped package.
    pub fn package(&self, report: &Report) -> io::Result<Vec<u8>> {
        let mut doc = Document::default();
        doc.body(report, self)?;
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644);
        let stored = options.compression_method(CompressionMethod::Stored);
        let mut part = |name: &str, bytes: &[u8], opts: SimpleFileOptions| -> io::Result<()> {
            zip.start_file(name, opts).map_err(io::Error::other)?;
            zip.write_all(bytes)
        };
        part("[Content_Types].xml", CONTENT_TYPES.as_bytes(), options)?;
        part("_rels/.rels", ROOT_RELS.as_bytes(), options)?;
        part("docProps/core.xml", core(&report.title).as_bytes(), options)?;
        part("word/document.xml", doc.xml().as_bytes(), options)?;
        part("word/styles.xml", STYLES.as_bytes(), options)?;
        part(
            "word/_rels/document.xml.rels",
            doc.rels().as_bytes(),
            options,
        )?;
        for img in &doc.images {
            // PNG is compressed already.
            part(&format!("word/media/{}", img.file), &img.png, stored)?;
        }
        let cursor = zip.finish().map_err(io::Error::other)?;
        Ok(cursor.into_inner())
    }

    fn png(&self, id: &str, svg: &str) -> io::Result<Vec<u8>> {
        if let Some((_, png)) = self.pngs.iter().find(|(i, _)| i == id) {
            return Ok(png.clone());
        }
        svg_to_png(svg, self.dpi)
            .map_err(|e| io::Error::other(format!("cannot render figure {id} to PNG: {e}")))
    }
}

#[derive(Default)]
struct Document {
    body: String,
    images: Vec<Image>,
}

/// A run of text with its emphasis.
struct Run<'a> {
    text: &'a str,
    bold: bool,
    italic: bool,
}

fn plain(text: &str) -> Run<'_> {
    Run {
        text,
        bold: false,
        italic: false,
    }
}
fn bold(text: &str) -> Run<'_> {
    Run {
        text,
        bold: true,
        italic: false,
    }
}
fn italic(text: &str) -> Run<'_> {
    Run {
        text,
        bold: false,
        italic: true,
    }
}

impl Document {
    fn body(&mut self, report: &Report, r: &DocxRenderer) -> io::Result<()> {
        let numbering = Numbering::of(report);
        self.para("Title", &[plain(&report.title)]);
        if let Some(sub) = &report.subtitle {
            self.para("Subtitle", &[italic(sub)]);
        }
        if !report.key_findings.is_empty() {
            self.para("Heading1", &[plain("Key findings")]);
            for f in &report.key_findings {
                self.para("ListBullet", &[plain(&format!("• {f}"))]);
            }
        }
        let mut table_no = 0;
        for s in &report.sections {
            self.para("Heading1", &[plain(&s.title)]);
            for p in &s.paragraphs {
                self.para("BodyText", &[plain(p)]);
            }
            for t in &s.tables {
                table_no += 1;
                self.table(table_no, t);
            }
            for id in &s.figure_ids {
                self.figure(report, &numbering, id, r)?;
            }
        }
        let loose = report.unreferenced_figures();
        if !loose.is_empty() {
            self.para("Heading1", &[plain("Figures")]);
            for f in loose {
                self.figure(report, &numbering, &f.id, r)?;
            }
        }
        if !report.methods.is_empty() {
            self.para("Heading1", &[plain("Methods")]);
            for p in &report.methods {
                self.para("BodyText", &[plain(p)]);
            }
        }
        Ok(())
    }

    fn para(&mut self, style: &str, runs: &[Run]) {
        self.body.push_str(&paragraph(style, None, runs));
    }

    fn table(&mut self, number: usize, t: &Table) {
        self.para("TableLabel", &[bold(&format!("Table {number}"))]);
        self.para("TableTitle", &[italic(&t.caption)]);
        if !t.columns.is_empty() {
            let b = &mut self.body;
            b.push_str(&format!(
                r#"<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders><w:top {RULE}/><w:left w:val="nil"/><w:bottom {RULE}/><w:right w:val="nil"/><w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders><w:tblLayout w:type="autofit"/><w:tblCellMar><w:left w:w="100" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0020" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{}</w:tblGrid>"#,
                grid(t.columns.len())
            ));
            b.push_str(r#"<w:tr><w:trPr><w:tblHeader/></w:trPr>"#);
            for c in &t.columns {
                let border = format!("<w:tcBorders><w:bottom {RULE}/></w:tcBorders>");
                b.push_str(&cell(&c.header, c.align, &border));
            }
            b.push_str("</w:tr>");
            for row in &t.rows {
                b.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
                for (cell_value, col) in t.row_cells(row).zip(&t.columns) {
                    let d = cell_value.display();
                    let text = if d.marked {
                        format!("{}*", d.text)
                    } else {
                        d.text
                    };
                    b.push_str(&cell(&text, col.align, ""));
                }
                b.push_str("</w:tr>");
            }
            b.push_str("</w:tbl>");
        }
        for (i, note) in t.notes.iter().enumerate() {
            if i == 0 {
                self.para("TableNote", &[italic("Note."), plain(" "), plain(note)]);
            } else {
                self.para("TableNote", &[plain(note)]);
            }
        }
    }

    fn figure(
        &mut self,
        report: &Report,
        numbering: &Numbering,
        id: &str,
        r: &DocxRenderer,
    ) -> io::Result<()> {
        let (Some(fig), Some(no)) = (report.figure(id), numbering.figure(id)) else {
            return Ok(());
        };
        let png = r.png(id, &fig.svg)?;
        let (cx, cy) = extent(&png, r.dpi);
        let n = self.images.len() + 1;
        let rel_id = format!("rIdImage{n}");
        let file = format!("figure{n}_{}.png", file_stem(&fig.id));
        self.para("FigureLabel", &[bold(&format!("Figure {no}"))]);
        self.para("FigureTitle", &[italic(&fig.caption)]);
        self.body.push_str(&format!(
            r#"<w:p><w:pPr><w:pStyle w:val="Figure"/></w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="Figure {no}" descr="{descr}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="{file}"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="{rel_id}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#,
            descr = escape(&fig.caption),
        ));
        self.images.push(Image { rel_id, file, png });
        Ok(())
    }

    fn xml(&self) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {NS}><w:body>{}<w:sectPr><w:pgSz w:w="12240" w:h="15840"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>"#,
            self.body
        )
    }

    fn rels(&self) -> String {
        let mut out = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
        );
        for img in &self.images {
            out.push_str(&format!(
                r#"<Relationship Id="{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/{}"/>"#,
                img.rel_id, img.file
            ));
        }
        out.push_str("</Relationships>");
        out
    }
}

/// Equal grid columns over the text width (Word autofits them to the content).
fn grid(n: usize) -> String {
    let width = 9360 / n.max(1);
    format!(r#"<w:gridCol w:w="{width}"/>"#).repeat(n)
}

fn cell(text: &str, align: Align, borders: &str) -> String {
    let tc_pr = format!(r#"<w:tcPr><w:tcW w:w="0" w:type="auto"/>{borders}</w:tcPr>"#);
    format!(
        "<w:tc>{tc_pr}{}</w:tc>",
        paragraph("TableText", Some(align), &[plain(text)])
    )
}

fn paragraph(style: &str, align: Option<Align>, runs: &[Run]) -> String {
    let jc = match align {
        Some(Align::Right) => r#"<w:jc w:val="right"/>"#,
        Some(Align::Center) => r#"<w:jc w:val="center"/>"#,
        _ => "",
    };
    let mut out = format!(r#"<w:p><w:pPr><w:pStyle w:val="{style}"/>{jc}</w:pPr>"#);
    for r in runs {
        let text = collapse(r.text);
        if text.is_empty() {
            continue;
        }
        out.push_str("<w:r>");
        if r.bold || r.italic {
            out.push_str("<w:rPr>");
            if r.bold {
                out.push_str("<w:b/>");
            }
            if r.italic {
                out.push_str("<w:i/>");
            }
            out.push_str("</w:rPr>");
        }
        out.push_str(&format!(
            r#"<w:t xml:space="preserve">{}</w:t></w:r>"#,
            escape(&text)
        ));
    }
    out.push_str("</w:p>");
    out
}

/// Whitespace runs become one space and the ends are trimmed, as in the Markdown report; a
/// run that is only a space (between "Note." and the note) is kept.
fn collapse(text: &str) -> String {
    if !text.is_empty() && text.trim().is_empty() {
        return " ".into();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// XML text and attribute escaping; characters XML 1.0 cannot hold are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Picture size in EMU from the PNG header at `dpi`, shrunk to the text width if wider.
fn extent(png: &[u8], dpi: u32) -> (u64, u64) {
    let be = |i: usize| -> u64 {
        png.get(i..i + 4)
            .map(|b| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            .unwrap_or(1)
    };
    // IHDR: width at byte 16, height at byte 20.
    let (w, h) = (be(16).max(1), be(20).max(1));
    let dpi = u64::from(dpi.max(1));
    let (cx, cy) = (w * 914_400 / dpi, h * 914_400 / dpi);
    if cx > TEXT_WIDTH_EMU {
        (TEXT_WIDTH_EMU, cy * TEXT_WIDTH_EMU / cx)
    } else {
        (cx, cy)
    }
}

fn core(title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:creator>spcure {}</dc:creator></cp:coreProperties>"#,
        escape(title),
        crate::VERSION
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

/// Times New Roman 12 pt body (APA 7), single-spaced tables, headings in bold.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" w:cs="Times New Roman"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-US"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/><w:spacing w:after="240"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/><w:spacing w:after="240"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="BodyText"><w:name w:val="Body Text"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="120" w:line="360" w:lineRule="auto"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="60"/><w:ind w:left="360" w:hanging="360"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="TableLabel"><w:name w:val="Table Label"/><w:basedOn w:val="Normal"/><w:next w:val="TableTitle"/><w:pPr><w:keepNext/><w:spacing w:before="360"/></w:pPr><w:rPr><w:b/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="TableTitle"><w:name w:val="Table Title"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:after="120"/></w:pPr><w:rPr><w:i/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="20" w:after="20"/></w:pPr><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="TableNote"><w:name w:val="Table Note"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="60"/></w:pPr><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="FigureLabel"><w:name w:val="Figure Label"/><w:basedOn w:val="Normal"/><w:next w:val="FigureTitle"/><w:pPr><w:keepNext/><w:spacing w:before="360"/></w:pPr><w:rPr><w:b/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="FigureTitle"><w:name w:val="Figure Title"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:after="120"/></w:pPr><w:rPr><w:i/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Figure"><w:name w:val="Figure"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="240"/></w:pPr></w:style></w:styles>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml_and_drops_characters_xml_cannot_hold() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(collapse(" a \n b "), "a b");
        assert_eq!(collapse(" "), " ");
    }

    #[test]
    fn pictures_keep_their_size_at_the_dpi_and_fit_the_page() {
        let mut png = vec![0u8; 24];
        png[16..20].copy_from_slice(&300u32.to_be_bytes());
        png[20..24].copy_from_slice(&150u32.to_be_bytes());
        assert_eq!(extent(&png, 150), (2 * 914_400, 914_400));
        png[16..20].copy_from_slice(&3000u32.to_be_bytes());
        assert_eq!(
            extent(&png, 150),
            (TEXT_WIDTH_EMU, TEXT_WIDTH_EMU * 150 / 3000)
        );
    }
}

//! Writes every requested output of an analysis into an output directory. `analyse` and
//! `report` both call [`write_outputs`] on the same results, so the files are identical.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::csv::csv_files;
use super::docx::DocxRenderer;
use super::html::HtmlRenderer;
use super::markdown::MarkdownRenderer;
use super::model::{file_stem, Renderer, Report};
use super::plot::svg_to_png;
use crate::output::OutputDir;
use crate::results::AnalysisResults;

/// results.json as written: pretty JSON with a final newline.
pub fn results_json(r: &AnalysisResults) -> Result<Vec<u8>> {
    let mut json = serde_json::to_vec_pretty(r).context("cannot serialise the results")?;
    json.push(b'\n');
    Ok(json)
}

/// Writes `formats` (json, md, csv, html, svg, png, docx) of `report` (built from `r` by
/// [`super::build::build`]) and returns the paths written.
pub fn write_outputs(
    r: &AnalysisResults,
    report: &Report,
    out: &OutputDir,
    formats: &[String],
    dpi: u32,
) -> Result<Vec<PathBuf>> {
    let wants = |f: &str| formats.iter().any(|x| x == f);
    let mut written = Vec::new();
    if wants("json") {
        written.push(out.write("results.json", &results_json(r)?)?);
    }
    if wants("md") {
        written.push(out.write("report.md", &render(&MarkdownRenderer, report)?)?);
    }
    if wants("html") {
        written.push(out.write("report.html", &render(&HtmlRenderer, report)?)?);
    }
    if wants("csv") {
        for (name, bytes) in csv_files(report) {
            written.push(out.write(&format!("tables/{name}"), &bytes)?);
        }
    }
    // Each figure is drawn as PNG once, for figures/ and for report.docx.
    let mut pngs = Vec::new();
    for fig in &report.figures {
        let stem = file_stem(&fig.id);
        if wants("svg") {
            written.push(out.write(&format!("figures/{stem}.svg"), fig.svg.as_bytes())?);
        }
        if wants("png") || wants("docx") {
            let png = svg_to_png(&fig.svg, dpi)
                .with_context(|| format!("cannot render figure {} to PNG", fig.id))?;
            if wants("png") {
                written.push(out.write(&format!("figures/{stem}.png"), &png)?);
            }
            pngs.push((fig.id.clone(), png));
        }
    }
    if wants("docx") {
        let docx = DocxRenderer { dpi, pngs };
        written.push(out.write("report.docx", &render(&docx, report)?)?);
    }
    Ok(written)
}

fn render(renderer: &dyn Renderer, report: &Report) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    renderer
        .render(report, &mut buf)
        .context("cannot render the report")?;
    Ok(buf)
}

//! SVG → PNG with resvg, using only the bundled font (system fonts are never loaded).

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg;

use super::svg::{FONT_BOLD, FONT_REGULAR};
use super::{PlotError, FONT_FAMILY};

/// Largest accepted resolution; 2400 dpi keeps a 7 in figure near 17 000 px wide.
pub const MAX_DPI: u32 = 2400;
/// Largest image in pixels (600 MB of RGBA); larger requests are refused before allocating.
pub const MAX_PIXELS: u64 = 150_000_000;

/// Renders `svg` to PNG bytes at `dpi` on a white background.
///
/// SVG user units are CSS px at 96 px/in, so the scale factor is `dpi / 96` and the image is
/// `round(width · dpi / 96)` × `round(height · dpi / 96)` pixels. The font database holds only
/// the bundled Liberation Sans (regular and bold), and every generic family maps to it, so text
/// renders identically on machines with no fonts installed.
pub fn svg_to_png(svg: &str, dpi: u32) -> Result<Vec<u8>, PlotError> {
    if dpi == 0 || dpi > MAX_DPI {
        return Err(PlotError::Dpi { dpi, max: MAX_DPI });
    }
    let options = bundled_font_options();
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| PlotError::Parse(e.to_string()))?;
    let scale = dpi as f32 / 96.0;
    let size = tree.size();
    let width = (size.width() * scale).round() as u32;
    let height = (size.height() * scale).round() as u32;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PlotError::Size { width, height });
    }
    let mut pixmap = Pixmap::new(width, height).ok_or(PlotError::Size { width, height })?;
    pixmap.fill(Color::WHITE);
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| PlotError::Encode(e.to_string()))
}

/// usvg options whose font database contains only the bundled font.
fn bundled_font_options() -> usvg::Options<'static> {
    let mut options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        ..usvg::Options::default()
    };
    let db = options.fontdb_mut();
    db.load_font_data(FONT_REGULAR.to_vec());
    db.load_font_data(FONT_BOLD.to_vec());
    db.set_sans_serif_family(FONT_FAMILY);
    db.set_serif_family(FONT_FAMILY);
    db.set_monospace_family(FONT_FAMILY);
    db.set_cursive_family(FONT_FAMILY);
    db.set_fantasy_family(FONT_FAMILY);
    options
}

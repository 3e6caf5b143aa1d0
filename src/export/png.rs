//! Charts as PNG: gloss's own SVG rasterised in pure Rust (resvg), with a font bundled
//! in the binary (DejaVu Sans, `assets/fonts/`) — no system fonts or libraries, so a
//! chart looks the same on every machine.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::{Error, Result};

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`): Latin,
/// Greek and Cyrillic; other scripts show as empty boxes in PNGs (use the SVG).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The bundled font, loaded once, standing in for every generic family.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(FONT.to_vec());
            db.set_sans_serif_family("DejaVu Sans");
            db.set_serif_family("DejaVu Sans");
            db.set_monospace_family("DejaVu Sans");
            Arc::new(db)
        })
        .clone()
}

/// Renders an SVG document as a PNG, `scale` pixels per SVG unit (2 for print).
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>> {
    let options = usvg::Options {
        fontdb: fonts(),
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|e| Error::Input(format!("cannot draw the chart as PNG: {e}")))?;
    let size = tree.size();
    let width = (size.width() * scale).ceil() as u32;
    let height = (size.height() * scale).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width.max(1), height.max(1)).ok_or_else(|| {
        Error::Input(format!(
            "cannot draw a {width}×{height} PNG: choose a smaller --scale"
        ))
    })?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::Input(format!("cannot encode the PNG: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_with_the_bundled_font() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" font-family="Helvetica, Arial, sans-serif" font-size="20"><text x="5" y="28">Training 34.4%</text></svg>"#;
        let png = svg_to_png(svg, 1.0).unwrap();
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (200, 40));
        let dark = pixmap
            .pixels()
            .iter()
            .filter(|p| p.red() < 100 && p.green() < 100 && p.blue() < 100)
            .count();
        // Without a font the text would be left out and the image all white.
        assert!(dark > 200, "{dark} dark pixels");
    }

    #[test]
    fn a_broken_svg_is_an_error_not_a_panic() {
        assert!(svg_to_png("<svg", 2.0).is_err());
        assert!(svg_to_png("not svg at all", 2.0).is_err());
    }
}

//! QR codes as inline SVG, drawn on the server (the `qrcode` crate's SVG renderer, no image
//! library): shapes with `fill` attributes only, so nothing needs a style the CSP would block.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// `text` as an accessible `<svg>` element with id `id` and a `<title>`.
pub(crate) fn svg(text: &str, id: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .min_dimensions(232, 232)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Drop the XML declaration; keep the renderer's attributes and shapes.
    let element = &drawn[drawn.find("<svg")? + "<svg".len()..];
    let (attributes, shapes) = element.split_once('>')?;
    Some(format!(
        "<svg id=\"{id}\" class=\"qr\" role=\"img\" aria-labelledby=\"{id}-title\"{attributes}>\
         <title id=\"{id}-title\">QR code to scan with your authenticator app</title>{shapes}"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_code_is_an_accessible_svg_without_styles() {
        let uri =
            "otpauth://totp/FlowSense:ann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=FlowSense";
        let svg = super::svg(uri, "qr").expect("drawn");
        assert!(
            svg.starts_with("<svg id=\"qr\" class=\"qr\" role=\"img\""),
            "{svg}"
        );
        assert!(svg.contains("<title id=\"qr-title\">"));
        assert!(svg.contains("viewBox=\""));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("style"), "no style attribute or element");
        assert!(!svg.contains("<?xml"));
        assert!(!svg.contains("<script"));
        assert_eq!(svg.matches("<svg").count(), 1);
    }
}

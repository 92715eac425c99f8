//! The emulator's `qr_code` PNG decodes back to exactly the factor's `uri`,
//! both with an independent QR reader and through the console's module reader.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use common::{enroll_totp, sdk, start_emulator};
use mfa_console::qr::{QUIET_ZONE_MODULES, decode_data_uri};

fn read_qr_text(image: image::GrayImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code in the image");
    let (_meta, content) = grids[0].decode().expect("the QR code decodes");
    content
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_png_decodes_to_uri() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    for (issuer, user) in [
        ("Foo Corp", "alan.turing@example.com"),
        ("Äcme GmbH", "山田太郎"),
        ("A&B: 100%", "x y"),
    ] {
        let factor = enroll_totp(&client, issuer, user).await;
        let totp_data = factor.totp.expect("totp data");
        let uri = totp_data.uri.expose().to_owned();

        let payload = totp_data
            .qr_code
            .expose()
            .strip_prefix("data:image/png;base64,")
            .expect("PNG data URI");
        let png = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .expect("valid base64");
        let pixels = image::load_from_memory(&png)
            .expect("valid PNG")
            .into_luma8();
        assert_eq!(read_qr_text(pixels), uri, "rqrr reads the uri for {issuer}");

        // The console's module reader must see the same code.
        let decoded = decode_data_uri(totp_data.qr_code.expose()).expect("console decodes it");
        let modules = decoded.modules.expect("module grid is readable");
        let scale = 4;
        let side = (modules.side + 2 * QUIET_ZONE_MODULES) as u32 * scale;
        let redrawn = image::GrayImage::from_fn(side, side, |x, y| {
            let column = (x / scale) as usize;
            let row = (y / scale) as usize;
            let inside =
                |v: usize| v >= QUIET_ZONE_MODULES && v < QUIET_ZONE_MODULES + modules.side;
            let dark = inside(column)
                && inside(row)
                && modules.is_dark(column - QUIET_ZONE_MODULES, row - QUIET_ZONE_MODULES);
            image::Luma([if dark { 0 } else { 255 }])
        });
        assert_eq!(
            read_qr_text(redrawn),
            uri,
            "module grid reads the uri for {issuer}"
        );
    }
}

#[test]
fn data_uri_tolerates_line_breaks() {
    let image = image::GrayImage::from_pixel(8, 8, image::Luma([255]));
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("PNG encodes");
    let encoded = base64::engine::general_purpose::STANDARD.encode(&png);
    let wrapped: String = encoded
        .as_bytes()
        .chunks(16)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n");
    let decoded = decode_data_uri(&format!("data:image/png;base64,{wrapped}")).expect("decodes");
    assert_eq!(decoded.pixels.dimensions(), (8, 8));
    assert!(decoded.modules.is_none(), "a blank image has no QR modules");
}

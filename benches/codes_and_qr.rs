//! Per-request costs on the hot paths: parsing a typed code, checking a TOTP
//! code with one step of skew, and decoding an API-sized (592 px) QR data URI
//! into its module grid.
//!
//! Run with `cargo bench --bench codes_and_qr`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use mfa_console::qr::decode_data_uri;
use mfa_console::totp;
use mfa_console::validate::OtpCode;

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Builds a 592 x 592 PNG data URI like the real API's, for a version 6 code.
fn api_sized_data_uri() -> String {
    let uri = totp::otpauth_uri("Foo Corp", "alan.turing@example.com", SECRET);
    let code = qrcode::QrCode::new(uri.as_bytes()).unwrap();
    let side = code.width() as u32;
    let colors = code.to_colors();
    let scale = 592 / (side + 8);
    let pixels = 592;
    let image = image::GrayImage::from_fn(pixels, pixels, |x, y| {
        let column = (x / scale).checked_sub(4);
        let row = (y / scale).checked_sub(4);
        let dark = matches!((column, row), (Some(c), Some(r)) if c < side && r < side
            && colors[(r * side + c) as usize] == qrcode::Color::Dark);
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

fn codes_and_qr(criterion: &mut Criterion) {
    criterion.bench_function("parse_pasted_code", |bench| {
        bench.iter(|| black_box(OtpCode::parse(black_box(" 123 456 ")).is_ok()));
    });

    let now = 1_764_850_000;
    let code = totp::code_at(SECRET, now).unwrap();
    criterion.bench_function("totp_check_with_skew", |bench| {
        bench.iter(|| black_box(totp::matching_step(SECRET, black_box(&code), now)));
    });

    let data_uri = api_sized_data_uri();
    criterion.bench_function("decode_592px_qr_data_uri", |bench| {
        bench.iter(|| {
            let decoded = decode_data_uri(black_box(&data_uri)).unwrap();
            black_box(decoded.modules.is_some())
        });
    });
}

criterion_group!(benches, codes_and_qr);
criterion_main!(benches);

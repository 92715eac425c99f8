//! Image snapshots of the enrollment card in light and dark themes. Each
//! rendering is also decoded back to the factor's `otpauth://` URI from its
//! pixels, so the QR code on screen is proven scannable in both themes.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use egui_kittest::Harness;
use mfa_console::client::{EnrolledFactor, EnrolledKind, TotpEnrollment};
use mfa_console::emulator::qr_png::qr_data_uri;
use mfa_console::totp::otpauth_uri;
use mfa_console::ui::enroll::{EnrollTab, EnrollView, EnrollmentCard};
use workos::SecretString;

/// A fixed secret, so the snapshot is the same on every run.
const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn fixed_factor() -> (EnrolledFactor, String) {
    let uri = otpauth_uri("Foo Corp", "alan.turing@example.com", SECRET);
    // The emulator's renderer, so the card shows the PNG the console gets.
    let data_uri = qr_data_uri(&uri).unwrap();
    let factor = EnrolledFactor {
        id: "auth_factor_01JB7Y3V5QY8R5D8K2M1N0P9QZ".to_owned(),
        created_at: "2026-12-04T12:00:00.000Z".to_owned(),
        kind: EnrolledKind::Totp(TotpEnrollment {
            issuer: "Foo Corp".to_owned(),
            user: "alan.turing@example.com".to_owned(),
            secret: SecretString::new(SECRET),
            qr_code: SecretString::new(data_uri),
            uri: SecretString::new(uri.clone()),
        }),
    };
    (factor, uri)
}

fn decode_qr(image: &image::RgbaImage) -> Vec<String> {
    let luma = image::DynamicImage::ImageRgba8(image.clone()).into_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    prepared
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, content)| content))
        .collect()
}

fn render_card(theme: egui::Theme, name: &str) {
    let (factor, uri) = fixed_factor();
    let tab = EnrollTab {
        card: Some(EnrollmentCard::from_factor(&factor, None)),
        save_path: "/tmp/mfa-qr.png".to_owned(),
        ..EnrollTab::default()
    };
    let view = EnrollView {
        pending: false,
        ready: true,
        user_signs_in_with_sso: false,
    };
    let mut harness = Harness::builder()
        .with_size([760.0, 560.0])
        .with_theme(theme)
        .wgpu()
        .build_ui_state(
            move |ui, tab: &mut EnrollTab| {
                tab.ui(ui, &view);
            },
            tab,
        );
    harness.run();
    harness.snapshot(name);

    let rendered = harness.render().expect("the harness renders with wgpu");
    assert_eq!(
        decode_qr(&rendered),
        vec![uri],
        "the rendered QR code reads back as the URI"
    );
}

#[test]
fn card_snapshot_light() {
    render_card(egui::Theme::Light, "enrollment_card_light");
}

#[test]
fn card_snapshot_dark() {
    render_card(egui::Theme::Dark, "enrollment_card_dark");
}

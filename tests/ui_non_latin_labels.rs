//! Non-Latin issuer and user labels on screen. egui's bundled fonts have no
//! CJK glyphs, and the harness panics on any glyph it would draw as an empty
//! box, so each test passing shows that nothing on screen was drawn as one.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::console::{clear_input, console, console_with_system_fonts, enroll_totp};
use egui_kittest::kittest::Queryable as _;
use mfa_console::ui::glyphs::MISSING_GLYPH_NOTICE;

fn has_glyph(context: &egui::Context, c: char) -> bool {
    context.fonts_mut(|fonts| fonts.has_glyph(&egui::FontId::proportional(14.0), c))
}

/// With the system font fallback the shipped console uses, a Japanese user
/// name renders as it is.
#[test]
fn card_renders_cjk_with_system_font() {
    let mut fixture = console_with_system_fonts();
    let harness = &mut fixture.harness;
    harness.run_steps(1);
    assert!(
        "山田太郎".chars().all(|c| has_glyph(&harness.ctx, c)),
        "no installed font has CJK glyphs. Install one (Debian: apt-get install fonts-droid-fallback fontconfig, as .ci/run does) to run this test"
    );

    enroll_totp(harness, "Äcme GmbH", "山田太郎");
    assert!(harness.query_by_label("Issuer: Äcme GmbH").is_some());
    assert!(
        harness.query_by_label("User: 山田太郎").is_some(),
        "the user name is shown as typed"
    );
    assert!(
        harness.query_by_label(MISSING_GLYPH_NOTICE).is_none(),
        "no missing-glyph notice"
    );
}

/// Without any font for CJK, the card shows '?' for each character and a
/// notice that explains why, never empty boxes.
#[test]
fn card_without_cjk_font_shows_notice() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    harness.run_steps(1);
    assert!(
        !has_glyph(&harness.ctx, '山'),
        "this test needs a console without a CJK font"
    );

    // Text fields draw characters no font has as empty boxes, and two of them
    // contain the name: the User field and the suggested path of the QR PNG.
    // So typing happens with boxes allowed, and both fields are emptied
    // before the check.
    harness
        .ctx
        .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
    enroll_totp(harness, "Äcme GmbH", "山田太郎");
    clear_input(harness, "User");
    clear_input(harness, "or save to");
    harness
        .ctx
        .set_missing_glyph_policy(egui::MissingGlyphPolicy::Panic);
    harness.run_steps(2);

    assert!(harness.query_by_label("Issuer: Äcme GmbH").is_some());
    assert!(
        harness.query_by_label("User: ????").is_some(),
        "each CJK character shows as '?'"
    );
    assert!(
        harness.query_by_label(MISSING_GLYPH_NOTICE).is_some(),
        "the notice explains the '?'"
    );
}

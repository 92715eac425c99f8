//! The console driven through its accessible labels against a real emulator:
//! enroll, challenge and verify end to end, and codes refused in the form.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::console::{
    clear_input, click, console, create_challenge, enroll_totp, requests_to, type_into, verify,
};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use mfa_console::totp;

#[test]
fn enroll_challenge_verify_shows_valid() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    let secret = enroll_totp(harness, "Foo Corp", "alan.turing@example.com");
    assert!(
        harness.query_by_label("QR code").is_some(),
        "the QR code is shown"
    );
    create_challenge(harness);

    let code = totp::code_at(&secret, common::unix_now()).expect("valid secret");
    verify(harness, &format!("{} {}", &code[..3], &code[3..]));

    assert!(
        harness.query_by_label("Valid code").is_some(),
        "the valid outcome is on screen"
    );
    for record in harness.state().log_records() {
        let line = format!("{record:?}");
        assert!(!line.contains(&secret), "the log holds no secret: {line}");
        assert!(!line.contains(&code), "the log holds no code: {line}");
    }
    assert_eq!(requests_to(harness.state(), "/auth/factors/enroll"), 1);
    assert_eq!(requests_to(harness.state(), "/challenge"), 1);
    assert_eq!(requests_to(harness.state(), "/verify"), 1);
}

#[test]
fn malformed_codes_are_refused_in_form() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    enroll_totp(harness, "Foo Corp", "alan.turing@example.com");
    create_challenge(harness);
    click(harness, "Verify");

    let cases = [
        ("12345", "The code has 5 digits. Enter exactly 6 digits."),
        (
            "abc123",
            "The code contains 'a', which is not a digit. A code is 6 digits, 0-9.",
        ),
        ("1234567", "The code has 7 digits. Enter exactly 6 digits."),
    ];
    for (typed, message) in cases {
        clear_input(harness, "One-time code");
        type_into(harness, "One-time code", typed);

        assert_eq!(
            harness.get_by_label("One-time code").value().as_deref(),
            Some(typed),
            "the field holds exactly what was typed"
        );
        assert!(
            harness.query_by_label(message).is_some(),
            "message for {typed:?} is shown"
        );
        let button = harness.get_by_label("Verify code");
        assert!(
            button.accesskit_node().is_disabled(),
            "Verify is disabled for {typed:?}"
        );
        button.click();
        harness.get_by_label("One-time code").focus();
        harness.key_press(egui::Key::Enter);
        harness.run_steps(3);
        std::thread::sleep(Duration::from_millis(100));
        harness.run_steps(2);
        assert_eq!(
            requests_to(harness.state(), "/verify"),
            0,
            "no request is sent for {typed:?}"
        );
        assert!(
            !harness.state().is_busy(),
            "nothing is in flight for {typed:?}"
        );
    }
}

//! The console driven through its accessible labels against a real emulator:
//! enroll, challenge and verify end to end, and codes refused in the form.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use mfa_console::app::ConsoleApp;
use mfa_console::emulator::RunningEmulator;
use mfa_console::environment::Environment;
use mfa_console::keystore::MemoryKeyStore;
use mfa_console::totp;
use workos::SecretString;

/// A console pointed at a fresh emulator, with the runtime that serves it.
struct Fixture {
    harness: Harness<'static, ConsoleApp>,
    _emulator: RunningEmulator,
    _runtime: tokio::runtime::Runtime,
}

fn console() -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("test runtime starts");
    let (emulator, config) = runtime.block_on(common::start_emulator());
    let environments = vec![Environment::emulator(
        &emulator.base_url,
        SecretString::new(config.api_key.clone()),
    )];
    let app = ConsoleApp::new(
        environments,
        Arc::new(MemoryKeyStore::default()),
        mfa_console::settings::Settings::default(),
    )
    .expect("console starts");
    let harness = Harness::builder()
        .with_size([1100.0, 800.0])
        .build_ui_state(|ui, app: &mut ConsoleApp| app.show(ui), app);
    Fixture {
        harness,
        _emulator: emulator,
        _runtime: runtime,
    }
}

/// Steps frames until `done` holds for the app, for at most five seconds.
fn step_until(
    harness: &mut Harness<'_, ConsoleApp>,
    what: &str,
    done: impl Fn(&ConsoleApp) -> bool,
) {
    for _ in 0..500 {
        harness.step();
        if done(harness.state()) {
            harness.run_steps(2);
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}

/// Focuses the text input labelled `label` and types `text` into it.
fn type_into(harness: &mut Harness<'_, ConsoleApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run_steps(1);
    harness.get_by_label(label).type_text(text);
    harness.run_steps(1);
}

fn enroll_and_challenge(harness: &mut Harness<'_, ConsoleApp>) {
    type_into(harness, "Issuer", "Foo Corp");
    type_into(harness, "User", "alan.turing@example.com");
    harness.run_steps(2);
    harness.get_by_label("Enroll factor").click();
    step_until(harness, "the enrollment", |app| {
        app.enrollment_card().is_some()
    });
    assert!(
        harness.query_by_label("QR code").is_some(),
        "the QR code is shown"
    );

    harness.get_by_label("Challenges").click();
    harness.run_steps(2);
    harness.get_by_label("Create challenge").click();
    step_until(harness, "the challenge", |app| {
        app.session().current_challenge().is_some()
    });
    harness.get_by_label("Verify").click();
    harness.run_steps(2);
}

fn verify_requests(app: &ConsoleApp) -> usize {
    app.log_records()
        .iter()
        .filter_map(|record| record.exchange.as_ref())
        .filter(|exchange| exchange.path.ends_with("/verify"))
        .count()
}

#[test]
fn enroll_challenge_verify_shows_valid() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    enroll_and_challenge(harness);

    let secret = harness
        .state()
        .session()
        .enrolled
        .as_ref()
        .and_then(|factor| match &factor.kind {
            mfa_console::client::EnrolledKind::Totp(totp) => Some(totp.secret.expose().to_owned()),
            _ => None,
        })
        .expect("a TOTP factor was enrolled");
    let code = totp::code_at(&secret, common::unix_now()).expect("valid secret");

    type_into(harness, "One-time code", &code);
    harness.run_steps(2);
    harness.get_by_label("Verify code").click();
    step_until(harness, "the verify result", |app| {
        app.session().last_outcome.is_some()
    });

    assert!(
        harness.query_by_label("Valid code").is_some(),
        "the valid outcome is on screen"
    );
    let log_text: Vec<String> = harness
        .state()
        .log_records()
        .iter()
        .map(|record| format!("{record:?}"))
        .collect();
    for line in &log_text {
        assert!(!line.contains(&secret), "the log holds no secret: {line}");
        assert!(!line.contains(&code), "the log holds no code: {line}");
    }
    let paths: Vec<&str> = harness
        .state()
        .log_records()
        .iter()
        .filter_map(|record| {
            record
                .exchange
                .as_ref()
                .map(|exchange| exchange.path.as_str())
        })
        .collect();
    assert_eq!(
        paths.len(),
        3,
        "enroll, challenge and verify are logged: {paths:?}"
    );
}

#[test]
fn malformed_codes_are_refused_in_form() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    enroll_and_challenge(harness);

    let cases = [
        ("12345", "The code has 5 digits. Enter exactly 6 digits."),
        (
            "abc123",
            "The code contains 'a', which is not a digit. A code is 6 digits, 0-9.",
        ),
    ];
    for (typed, message) in cases {
        harness.get_by_label("One-time code").focus();
        harness.run_steps(1);
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness.key_press(egui::Key::Backspace);
        harness.run_steps(2);
        type_into(harness, "One-time code", typed);
        harness.run_steps(2);

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
            verify_requests(harness.state()),
            0,
            "no request is sent for {typed:?}"
        );
        assert!(
            !harness.state().is_busy(),
            "nothing is in flight for {typed:?}"
        );
    }
}

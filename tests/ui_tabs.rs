//! Each tab's main path and its input errors, driven by accessible labels
//! against a real emulator on 127.0.0.1.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::console::{
    clear_input, click, console, console_with_keystore, create_challenge, enroll_totp, open_tab,
    requests_to, select_environment, settle, shown, step_until, type_into,
};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use mfa_console::keystore::{KeyStore, KeyStoreError};
use workos::SecretString;

#[test]
fn sms_enroll_offers_normalised_number() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    click(harness, "SMS");
    type_into(harness, "Phone number", "+1 (500) 555-0006");
    assert!(
        harness
            .query_by_label("Formatting is not allowed in E.164. Use +15005550006 instead.")
            .is_some(),
        "the normalised number is offered"
    );
    assert_eq!(
        harness.get_by_label("Phone number").value().as_deref(),
        Some("+1 (500) 555-0006"),
        "the typed text is kept"
    );
    click(harness, "Enroll factor");
    assert_eq!(
        requests_to(harness.state(), "/enroll"),
        0,
        "nothing is sent for a formatted number"
    );
    assert_eq!(
        harness
            .query_all_by_label("Formatting is not allowed in E.164. Use +15005550006 instead.")
            .count(),
        1,
        "the message shows once, under the field"
    );

    click(harness, "Use +15005550006");
    assert_eq!(
        harness.get_by_label("Phone number").value().as_deref(),
        Some("+15005550006")
    );
    click(harness, "Enroll factor");
    settle(harness, "the SMS enrollment");
    assert!(harness.query_by_label("SMS factor enrolled").is_some());
    assert!(
        harness.query_by_label("Phone: +1********06").is_some(),
        "the phone is masked"
    );
    for record in harness.state().log_records() {
        assert!(
            !format!("{record:?}").contains("5005550006"),
            "no full phone number in the log"
        );
    }
}

#[test]
fn phone_mistakes_have_specific_messages() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    click(harness, "SMS");
    let cases = [
        (
            "+",
            "'+' alone is not a phone number. Add the country code and number, for example +15005550006.",
        ),
        (
            "+1555abc4567",
            "The phone number contains 'a'. Use only '+' and digits, for example +15005550006.",
        ),
        (
            "+1234567890123456",
            "The phone number has 16 digits. E.164 allows at most 15, country code included.",
        ),
        (
            "+05551234567",
            "A country code never starts with 0. Remove the 0 after '+'.",
        ),
        (
            "1234567890",
            "The phone number must start with '+' and the country code, for example +1 for the US.",
        ),
    ];
    for (typed, message) in cases {
        common::console::clear_input(harness, "Phone number");
        type_into(harness, "Phone number", typed);
        assert!(
            harness.query_by_label(message).is_some(),
            "message for {typed:?}"
        );
    }
}

#[test]
fn sms_template_needs_placeholder() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    click(harness, "SMS");
    type_into(harness, "Phone number", "+15005550006");
    click(harness, "Enroll factor");
    settle(harness, "the SMS enrollment");
    open_tab(harness, "Challenges");
    type_into(harness, "SMS template (optional)", "Your code is {code}");
    assert!(
        harness
            .get_by_label("Create challenge")
            .accesskit_node()
            .is_disabled()
    );
    common::console::clear_input(harness, "SMS template (optional)");
    type_into(
        harness,
        "SMS template (optional)",
        "Your Foo code is {{code}}",
    );
    create_challenge(harness);
    assert_eq!(requests_to(harness.state(), "/challenge"), 1);
}

#[test]
fn factors_tab_refreshes_and_deletes() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    enroll_totp(harness, "Foo Corp", "alan.turing@example.com");
    let factor_id = harness.state().session().factor_id().unwrap().to_owned();
    open_tab(harness, "Factors");
    assert!(
        harness.query_by_label(&factor_id).is_some(),
        "the factor is listed"
    );

    click(harness, "Refresh");
    settle(harness, "the refresh");
    assert_eq!(
        requests_to(harness.state(), &factor_id),
        1,
        "one GET of the factor"
    );

    click(harness, "Delete");
    click(harness, "Confirm delete");
    settle(harness, "the delete");
    assert!(
        harness.query_by_label("deleted").is_some(),
        "the row is marked deleted"
    );
    let delete = harness
        .state()
        .log_records()
        .iter()
        .filter_map(|record| record.exchange.as_ref())
        .find(|exchange| exchange.method == "DELETE")
        .map(|exchange| exchange.status);
    assert_eq!(delete, Some(Some(204)));
}

#[test]
fn factors_search_filters_rows() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    enroll_totp(harness, "Foo Corp", "alan@example.com");
    enroll_totp(harness, "Foo Corp", "grace@example.com");
    open_tab(harness, "Factors");
    assert!(harness.query_by_label("alan@example.com").is_some());
    type_into(harness, "Search", "grace");
    assert!(
        harness.query_by_label("alan@example.com").is_none(),
        "alan is filtered out"
    );
    assert!(
        harness.query_by_label("grace@example.com").is_some(),
        "grace stays"
    );
}

/// A key store that behaves like a machine with no keyring service.
struct NoKeyring;

impl KeyStore for NoKeyring {
    fn load(&self, _environment_id: &str) -> Result<Option<SecretString>, KeyStoreError> {
        Err(KeyStoreError::Unavailable("no D-Bus session".to_owned()))
    }
    fn save(&self, _environment_id: &str, _key: &SecretString) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable("no D-Bus session".to_owned()))
    }
    fn forget(&self, _environment_id: &str) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable("no D-Bus session".to_owned()))
    }
}

#[test]
fn missing_keyring_offers_session_key() {
    let mut fixture = console_with_keystore(Arc::new(NoKeyring));
    let harness = &mut fixture.harness;
    select_environment(harness, "WorkOS production");
    settle(harness, "the keyring read");
    let message = "No OS keyring is available (no D-Bus session). Keep the key for this session only, or start a keyring service and retry.";
    assert!(shown(harness, message), "the keyring problem is explained");

    type_into(harness, "API key", "sk_test_0123456789abcdefABCDEF");
    click(harness, "Use for this session only");
    assert!(
        harness
            .query_by_label("key sk_test_…CDEF (this session only)")
            .is_some(),
        "the key is kept for the session, masked"
    );
    assert_eq!(
        harness
            .state()
            .log_records()
            .iter()
            .filter(|record| record.exchange.is_some())
            .count(),
        0,
        "no request was sent to WorkOS"
    );
}

#[test]
fn wrong_key_fails_connection_test() {
    let mut fixture = console();
    let base_url = fixture.emulator.base_url.clone();
    let harness = &mut fixture.harness;
    open_tab(harness, "Settings");
    type_into(harness, "Name", "Second emulator");
    type_into(harness, "Base URL", &base_url);
    click(harness, "Add environment");
    select_environment(harness, "Second emulator");
    settle(harness, "the keyring read");
    type_into(harness, "API key", "sk_test_not_this_emulators_key");
    click(harness, "Save to keyring");
    settle(harness, "the key save");
    click(harness, "Test connection");
    settle(harness, "the connection test");
    assert!(
        harness
            .query_by_label(
                "Reachable, but the API key was rejected (401). Check that the key belongs to this environment."
            )
            .is_some(),
        "the rejected key is reported"
    );
}

#[test]
fn connection_test_accepts_emulator_key() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    click(harness, "Test connection");
    settle(harness, "the connection test");
    assert!(
        harness
            .query_by_label("Reachable, and the API key is accepted.")
            .is_some()
    );
}

#[test]
fn shortcuts_switch_tabs() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num2);
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label("Factors enrolled from this machine")
            .is_some()
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num5);
    harness.run_steps(2);
    assert!(shown(harness, "UI scale"), "the Settings tab is shown");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    harness.run_steps(2);
    assert!(
        harness.get_by_label("Filter").is_focused(),
        "Ctrl+F focuses the log filter"
    );
}

#[test]
fn log_filter_and_export() {
    let mut fixture = console();
    let secret = enroll_totp(&mut fixture.harness, "Foo Corp", "alan@example.com");
    create_challenge(&mut fixture.harness);
    let harness = &mut fixture.harness;
    type_into(harness, "Filter", "challenge");
    assert!(
        harness.query_by_label("/auth/factors/enroll").is_none(),
        "enroll row filtered out"
    );

    let folder = std::env::temp_dir().join(format!("mfa-console-export-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("log.jsonl");
    common::console::clear_input(harness, "Export to path");
    type_into(harness, "Export to path", &path.display().to_string());
    click(harness, "Export");
    settle(harness, "the export");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.is_empty(), "rows were exported");
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            value["outcome"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("challenge")
                || value["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("challenge"))
        );
    }
    assert!(!text.contains(&secret), "the export holds no secret");
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn idle_console_stops_repainting() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    enroll_totp(harness, "Foo Corp", "alan@example.com");
    step_until(harness, "idle", |app| !app.is_busy());
    assert!(
        harness.try_run().is_ok(),
        "no repaint is requested without a countdown"
    );
}

#[test]
fn shown_secret_masked_after_tab_change() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    let secret = enroll_totp(harness, "Foo Corp", "grace.hopper@example.com");
    let grouped = mfa_console::ui::enroll::group_secret(&secret);
    assert!(!shown(harness, &grouped), "the secret starts masked");

    click(harness, "Show secret");
    assert!(shown(harness, &grouped), "the secret shows when asked");

    open_tab(harness, "Verify");
    open_tab(harness, "Enroll");
    assert!(
        !shown(harness, &grouped),
        "the secret is masked again after leaving the tab"
    );
    assert!(
        harness.query_by_label("Show secret").is_some(),
        "the button offers to show it again"
    );
}

#[test]
fn enroll_error_clears_on_edit() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    clear_input(harness, "Issuer");
    click(harness, "Enroll factor");
    let message = "Enter the issuer. It is shown in the authenticator app.";
    assert!(shown(harness, message), "the empty issuer is reported");
    assert_eq!(
        requests_to(harness.state(), "/enroll"),
        0,
        "nothing is sent without an issuer"
    );

    type_into(harness, "Issuer", "Foo Corp");
    assert!(
        !shown(harness, message),
        "the message goes once the issuer is typed"
    );
}

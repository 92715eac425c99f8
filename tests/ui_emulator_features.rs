//! Outcomes that need the emulator's control endpoints, driven through the
//! console's UI: an expired challenge, a rate limit, the SMS outbox and a
//! WorkOS user's factors.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::Http;
use common::console::{
    click, console, create_challenge, enroll_totp, open_tab, requests_to, settle, shown, type_into,
    verify,
};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use mfa_console::totp;

#[test]
fn expired_challenge_offers_new_one() {
    let mut fixture = console();
    let http = Http::new(&fixture.emulator, &fixture.config);
    let secret = enroll_totp(&mut fixture.harness, "Foo Corp", "alan@example.com");
    create_challenge(&mut fixture.harness);
    fixture.runtime.block_on(http.advance_clock(660));

    // The emulator's clock is 11 minutes ahead, so its current code is the
    // one to type.
    let code = totp::code_at(&secret, common::unix_now() + 660).unwrap();
    verify(&mut fixture.harness, &code);
    let harness = &mut fixture.harness;
    assert!(
        harness.query_by_label("Challenge expired").is_some(),
        "the expired outcome is shown"
    );
    assert!(
        harness
            .query_by_label("The challenge expired: create a new challenge.")
            .is_some(),
        "next action shown"
    );
    click(harness, "New challenge");
    settle(harness, "the new challenge");
    assert_eq!(harness.state().session().challenges.len(), 2);
}

#[test]
fn rate_limit_counts_down_without_retrying() {
    let mut fixture = console();
    let http = Http::new(&fixture.emulator, &fixture.config);
    let secret = enroll_totp(&mut fixture.harness, "Foo Corp", "alan@example.com");
    create_challenge(&mut fixture.harness);
    let (status, body) = fixture.runtime.block_on(http.post(
        "/_emulator/faults",
        serde_json::json!({
            "path": "/auth/challenges/*/verify",
            "kind": { "type": "rate_limit", "retry_after_seconds": 30 }
        }),
    ));
    assert!(status == 200 || status == 201, "fault added: {body}");

    let code = totp::code_at(&secret, common::unix_now()).unwrap();
    verify(&mut fixture.harness, &code);
    let harness = &mut fixture.harness;
    assert!(
        harness.query_by_label("Rate limited").is_some(),
        "the rate limit is shown"
    );
    assert!(
        harness
            .query_by_label("Wait 30 s, then try again.")
            .is_some(),
        "the wait is shown"
    );
    assert!(
        harness
            .query_all_by_label_contains("Rate limited: try again in 00:")
            .next()
            .is_some(),
        "a countdown runs"
    );
    assert!(
        harness
            .get_by_label("Verify code")
            .accesskit_node()
            .is_disabled(),
        "no retry while waiting"
    );
    let verifies = harness
        .state()
        .log_records()
        .iter()
        .filter_map(|record| record.exchange.as_ref())
        .filter(|exchange| exchange.path.ends_with("/verify"))
        .count();
    assert_eq!(verifies, 1, "the console did not retry the verify");
}

#[test]
fn sms_outbox_shows_code_to_verify() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    click(harness, "SMS");
    type_into(harness, "Phone number", "+15005550006");
    click(harness, "Enroll factor");
    settle(harness, "the SMS enrollment");
    open_tab(harness, "Challenges");
    type_into(
        harness,
        "SMS template (optional)",
        "Your Foo code is {{code}}",
    );
    click(harness, "Create challenge");
    settle(harness, "the challenge and the outbox read");
    assert!(
        shown(harness, "Your Foo code is ••••••"),
        "the message shows with the code hidden"
    );

    let code = harness
        .state()
        .outbox()
        .last()
        .map(|message| message.code.expose().to_owned())
        .unwrap();
    click(harness, "Show codes");
    assert!(
        shown(harness, &format!("Your Foo code is {code}")),
        "the code shows when asked"
    );
    verify(harness, &code);
    assert!(
        harness.query_by_label("Valid code").is_some(),
        "the outbox code verifies"
    );
    for record in harness.state().log_records() {
        let line = format!("{record:?}");
        assert!(
            !line.contains("5005550006"),
            "no full phone number in the log: {line}"
        );
    }
}

#[test]
fn workos_user_factors_are_listed() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    open_tab(harness, "Enroll");
    type_into(harness, "Issuer", "Foo Corp");
    type_into(harness, "User", "ada@example.com");
    type_into(
        harness,
        "WorkOS user ID (optional)",
        "user_01E4ZCR3C56J083X43JQXF3JK5",
    );
    click(harness, "Enroll factor");
    settle(harness, "the User Management enrollment");
    assert_eq!(
        harness.state().session().challenges.len(),
        1,
        "the enrollment returned a challenge"
    );

    open_tab(harness, "Factors");
    type_into(harness, "WorkOS user ID", "user_01E4ZCR3C56J083X43JQXF3JK5");
    click(harness, "List factors");
    settle(harness, "the listing");
    let listed = harness
        .state()
        .user_factors()
        .map(|(_, factors)| factors.len());
    assert_eq!(listed, Some(1), "the user's factor is listed");
    assert!(shown(harness, "1 factors for user_…3JK5"));
}

#[test]
fn sms_card_challenge_waits_for_template() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    click(harness, "SMS");
    type_into(harness, "Phone number", "+15005550006");
    click(harness, "Enroll factor");
    settle(harness, "the SMS enrollment");

    click(harness, "Challenge this factor…");
    assert_eq!(
        requests_to(harness.state(), "/challenge"),
        0,
        "nothing is sent before the template can be set"
    );
    assert!(
        harness.query_by_label("SMS template (optional)").is_some(),
        "the Challenges tab opens with the template field"
    );

    type_into(harness, "SMS template (optional)", "Foo code: {{code}}");
    click(harness, "Create challenge");
    settle(harness, "the challenge and the outbox read");
    assert_eq!(requests_to(harness.state(), "/challenge"), 1);
    assert!(
        shown(harness, "Foo code: ••••••"),
        "the outbox message uses the template"
    );
}

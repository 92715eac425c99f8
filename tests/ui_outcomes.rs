//! Each verify outcome the API can produce, shown on screen with its next
//! action: invalid, already verified, too many attempts.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::console::{click, console, create_challenge, enroll_totp, requests_to, verify};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use mfa_console::session::ChallengeStatus;
use mfa_console::totp;

/// Returns a code that no step within the skew window accepts.
fn wrong_code_for(secret: &str) -> String {
    let now = common::unix_now();
    let accepted: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .filter_map(|&time| totp::code_at(secret, time))
        .collect();
    let mut wrong = common::wrong_code(&accepted[1]);
    while accepted.contains(&wrong) {
        wrong = common::wrong_code(&wrong);
    }
    wrong
}

#[test]
fn wrong_code_shows_invalid() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    let secret = enroll_totp(harness, "Foo Corp", "grace@example.com");
    create_challenge(harness);
    verify(harness, &wrong_code_for(&secret));
    assert!(
        harness.query_by_label("Invalid code").is_some(),
        "invalid outcome shown"
    );
    assert!(
        harness
            .query_by_label("Check the code and try again (4 of 5 attempts left).")
            .is_some(),
        "next action shown"
    );
}

#[test]
fn five_wrong_codes_stop_sending() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    let secret = enroll_totp(harness, "Foo Corp", "grace@example.com");
    create_challenge(harness);
    let wrong = wrong_code_for(&secret);
    for _ in 0..5 {
        verify(harness, &wrong);
    }
    assert_eq!(requests_to(harness.state(), "/verify"), 5);
    assert!(
        harness
            .query_by_label("5 wrong codes: the console stops sending. Create a new challenge.")
            .is_some(),
        "the lock message is shown"
    );
    assert!(
        harness
            .get_by_label("Verify code")
            .accesskit_node()
            .is_disabled()
    );
    click(harness, "New challenge");
    common::console::settle(harness, "the new challenge");
    assert_eq!(
        harness.state().session().challenges.len(),
        2,
        "a new challenge was created"
    );
}

#[test]
fn challenge_verified_elsewhere_shows_already_verified() {
    let mut fixture = console();
    let secret = enroll_totp(&mut fixture.harness, "Foo Corp", "ada@example.com");
    create_challenge(&mut fixture.harness);
    let challenge_id = fixture
        .harness
        .state()
        .session()
        .current_challenge()
        .map(|challenge| challenge.info.id.clone())
        .unwrap();
    let code = totp::code_at(&secret, common::unix_now()).unwrap();
    let client = common::sdk(&fixture.emulator.base_url, &fixture.config.api_key);
    let other_verify = fixture
        .runtime
        .block_on(common::verify(&client, &challenge_id, &code));
    assert!(
        other_verify.unwrap().valid,
        "another client verified the challenge first"
    );

    verify(&mut fixture.harness, &code);
    let harness = &mut fixture.harness;
    assert!(
        harness.query_by_label("Already verified").is_some(),
        "already verified shown"
    );
    assert!(
        harness
            .query_by_label("Already verified: create a new challenge.")
            .is_some(),
        "next action shown"
    );
    assert!(
        harness.query_by_label("New challenge").is_some(),
        "new challenge offered"
    );
}

#[test]
fn locked_challenge_shows_too_many_attempts() {
    let mut fixture = console();
    let secret = enroll_totp(&mut fixture.harness, "Foo Corp", "ada@example.com");
    create_challenge(&mut fixture.harness);
    let challenge_id = fixture
        .harness
        .state()
        .session()
        .current_challenge()
        .map(|challenge| challenge.info.id.clone())
        .unwrap();
    let wrong = wrong_code_for(&secret);
    let client = common::sdk(&fixture.emulator.base_url, &fixture.config.api_key);
    for _ in 0..5 {
        let response = fixture
            .runtime
            .block_on(common::verify(&client, &challenge_id, &wrong));
        assert!(!response.unwrap().valid);
    }

    let code = totp::code_at(&secret, common::unix_now()).unwrap();
    verify(&mut fixture.harness, &code);
    let harness = &mut fixture.harness;
    assert!(
        harness.query_by_label("Too many attempts").is_some(),
        "too many attempts shown"
    );
    assert!(
        harness
            .query_by_label("Too many wrong codes: create a new challenge.")
            .is_some(),
        "next action shown"
    );
}

#[test]
fn second_verify_shows_already_verified() {
    let mut fixture = console();
    let secret = enroll_totp(&mut fixture.harness, "Foo Corp", "ada@example.com");
    create_challenge(&mut fixture.harness);
    let code = totp::code_at(&secret, common::unix_now()).unwrap();
    verify(&mut fixture.harness, &code);
    assert!(
        fixture.harness.query_by_label("Valid code").is_some(),
        "the first verify is valid"
    );

    verify(&mut fixture.harness, &code);
    let harness = &mut fixture.harness;
    assert_eq!(
        requests_to(harness.state(), "/verify"),
        2,
        "the second verify is sent to the API"
    );
    assert!(
        harness.query_by_label("Already verified").is_some(),
        "already verified shown"
    );
    assert!(
        harness
            .query_by_label("Already verified: create a new challenge.")
            .is_some(),
        "next action shown"
    );
}

#[test]
fn older_challenge_verifies_when_chosen() {
    let mut fixture = console();
    let secret = enroll_totp(&mut fixture.harness, "Foo Corp", "ada@example.com");
    create_challenge(&mut fixture.harness);
    create_challenge(&mut fixture.harness);
    let harness = &mut fixture.harness;
    let (older, newer) = {
        let challenges = &harness.state().session().challenges;
        assert_eq!(challenges.len(), 2, "two challenges were created");
        (challenges[0].info.id.clone(), challenges[1].info.id.clone())
    };

    // The list shows the newest first, so the second button is the older one.
    harness
        .query_all_by_label("Verify…")
        .nth(1)
        .expect("a Verify button for each challenge")
        .click();
    harness.run_steps(2);
    let current = harness.state().session().current_challenge().unwrap();
    assert_eq!(current.info.id, older, "the older challenge is chosen");

    let code = totp::code_at(&secret, common::unix_now()).unwrap();
    verify(harness, &code);
    assert!(
        harness.query_by_label("Valid code").is_some(),
        "the older challenge verifies"
    );
    let statuses: Vec<_> = harness
        .state()
        .session()
        .challenges
        .iter()
        .map(|challenge| (challenge.info.id.clone(), challenge.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (older, ChallengeStatus::Verified),
            (newer, ChallengeStatus::Pending)
        ],
        "only the chosen challenge is verified"
    );
}

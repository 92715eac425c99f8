//! The emulator driven by the official `workos` crate: enroll, challenge and
//! verify with the statuses and error codes of the real API.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{challenge, enroll_totp, sdk, start_emulator, unix_now, verify, wrong_code};
use mfa_console::totp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_code_is_valid_once() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);

    let factor = enroll_totp(&client, "Foo Corp", "alan.turing@example.com").await;
    assert!(factor.id.starts_with("auth_factor_"), "{}", factor.id);
    let totp_data = factor.totp.expect("a TOTP enrollment carries totp data");
    assert_eq!(totp_data.issuer, "Foo Corp");
    assert_eq!(totp_data.secret.expose().len(), 32);
    assert!(
        totp_data
            .qr_code
            .expose()
            .starts_with("data:image/png;base64,")
    );
    assert!(
        totp_data
            .uri
            .expose()
            .starts_with("otpauth://totp/Foo%20Corp:")
    );

    let created = challenge(&client, &factor.id).await;
    assert_eq!(created.authentication_factor_id, factor.id);
    assert!(created.expires_at.is_some(), "a challenge has expires_at");
    assert!(created.code.is_none(), "a TOTP challenge carries no code");

    let code =
        totp::code_at(totp_data.secret.expose(), unix_now()).expect("secret is valid Base32");
    let first = verify(&client, &created.id, &code)
        .await
        .expect("verify succeeds");
    assert!(first.valid, "the current code is valid");
    assert_eq!(first.challenge.id, created.id);

    let second = verify(&client, &created.id, &code).await;
    let error = second.expect_err("a verified challenge can't be verified again");
    let api = error.api().expect("the error is an API error");
    assert_eq!(api.status, 422);
    assert_eq!(
        api.code.as_deref(),
        Some("authentication_challenge_previously_verified")
    );
    assert!(api.request_id.is_some(), "every response has X-Request-Id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_code_is_not_valid() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_totp(&client, "Foo Corp", "grace@example.com").await;
    let secret = factor.totp.expect("totp data").secret;
    let created = challenge(&client, &factor.id).await;

    let now = unix_now();
    let accepted: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .filter_map(|&time| totp::code_at(secret.expose(), time))
        .collect();
    let mut wrong = wrong_code(&accepted[1]);
    while accepted.contains(&wrong) {
        wrong = wrong_code(&wrong);
    }
    let response = verify(&client, &created.id, &wrong)
        .await
        .expect("verify answers 201");
    assert!(!response.valid, "a wrong code is valid: false");

    let code = totp::code_at(secret.expose(), unix_now()).expect("valid secret");
    let retry = verify(&client, &created.id, &code)
        .await
        .expect("challenge stays open");
    assert!(retry.valid, "the challenge stays open after a wrong code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_is_unauthorized() {
    let (emulator, _config) = start_emulator().await;
    let client = sdk(&emulator.base_url, "sk_test_not_the_emulator_key");
    let result = client
        .multi_factor_auth()
        .get_factor("auth_factor_01FVYZ5QM8N98T9ME5BCB2BBMJ")
        .await;
    let error = result.expect_err("a wrong key is rejected");
    let api = error.api().expect("the error is an API error");
    assert_eq!(api.status, 401);
    assert_eq!(api.message, "Unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_challenge_is_not_found() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let error = verify(
        &client,
        "auth_challenge_01FVYZ5QM8N98T9ME5BCB2BBMJ",
        "123456",
    )
    .await
    .expect_err("an unknown challenge is 404");
    let api = error.api().expect("API error");
    assert_eq!(api.status, 404);
    assert_eq!(api.code.as_deref(), Some("entity_not_found"));
}

//! The emulator driven by the official `workos` crate: enroll, get, delete,
//! challenge and verify with the statuses and shapes of the real API, and the
//! TOTP rules (one step of skew, optional rejection of reused codes).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{
    Http, api_error, challenge, enroll_generic_otp, enroll_totp, error_body, freeze_clock, sdk,
    start_emulator, start_emulator_with, unix_now, verify, wrong_code,
};
use mfa_console::emulator::EmulatorConfig;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_factor_hides_secrets() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_totp(&client, "Foo Corp", "ada@example.com").await;

    let fetched = client
        .multi_factor_auth()
        .get_factor(&factor.id)
        .await
        .expect("get succeeds");
    assert_eq!(fetched.id, factor.id);
    let totp_data = fetched.totp.expect("a TOTP factor has totp data");
    assert_eq!(totp_data.issuer, "Foo Corp");
    assert_eq!(totp_data.user, "ada@example.com");

    let http = Http::new(&emulator, &config);
    let (status, body) = http.get(&format!("/auth/factors/{}", factor.id)).await;
    assert_eq!(status, 200);
    for field in ["secret", "qr_code", "uri"] {
        assert!(body["totp"].get(field).is_none(), "get returns {field}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_factor_then_not_found() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_totp(&client, "Foo Corp", "ada@example.com").await;
    let http = Http::new(&emulator, &config);

    let (status, body) = http.delete(&format!("/auth/factors/{}", factor.id)).await;
    assert_eq!(status, 204);
    assert_eq!(body, serde_json::Value::Null, "204 has no body");

    let error = client
        .multi_factor_auth()
        .get_factor(&factor.id)
        .await
        .expect_err("a deleted factor is gone");
    assert_eq!(api_error(&error).status, 404);
    assert_eq!(error.code(), Some("entity_not_found"));
    assert_eq!(error_body(&error)["entity_id"], factor.id.as_str());

    let again = client.multi_factor_auth().delete_factor(&factor.id).await;
    assert_eq!(again.expect_err("second delete fails").status(), Some(404));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_otp_challenge_has_code() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_generic_otp(&client, Some("user_01E4ZCR3C56J083X43JQXF3JK5")).await;
    assert_eq!(
        factor.user_id.as_deref(),
        Some("user_01E4ZCR3C56J083X43JQXF3JK5")
    );
    assert!(factor.totp.is_none());
    assert!(factor.sms.is_none());

    let created = challenge(&client, &factor.id).await;
    let code = created
        .code
        .expect("a generic_otp challenge carries its code");
    assert_eq!(code.expose().len(), 6);
    let outcome = verify(&client, &created.id, code.expose())
        .await
        .expect("verify succeeds");
    assert!(outcome.valid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_accepts_one_step_of_skew() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let factor = enroll_totp(&client, "Foo Corp", "ada@example.com").await;
    let secret = factor.totp.expect("totp data").secret;
    let now = freeze_clock(&http).await;

    for (offset, expected) in [(-30, true), (30, true), (-60, false), (60, false)] {
        let time = now.checked_add_signed(offset).expect("time in range");
        let code = totp::code_at(secret.expose(), time).expect("valid secret");
        let current = totp::code_at(secret.expose(), now).expect("valid secret");
        if !expected && code == current {
            // Two steps can share a code by chance; that code is valid.
            continue;
        }
        let created = challenge(&client, &factor.id).await;
        let outcome = verify(&client, &created.id, &code)
            .await
            .expect("verify succeeds");
        assert_eq!(outcome.valid, expected, "code from {offset} s away");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reused_code_rejected_when_configured() {
    for reject in [false, true] {
        let mut config = EmulatorConfig::with_generated_key();
        config.reject_reused_codes = reject;
        let (emulator, config) = start_emulator_with(config).await;
        let client = sdk(&emulator.base_url, &config.api_key);
        let http = Http::new(&emulator, &config);
        let factor = enroll_totp(&client, "Foo Corp", "ada@example.com").await;
        let secret = factor.totp.expect("totp data").secret;
        let now = freeze_clock(&http).await;
        let code = totp::code_at(secret.expose(), now).expect("valid secret");

        let first = challenge(&client, &factor.id).await;
        let outcome = verify(&client, &first.id, &code).await.expect("verify");
        assert!(outcome.valid, "first use is valid");

        let second = challenge(&client, &factor.id).await;
        let outcome = verify(&client, &second.id, &code).await.expect("verify");
        assert_eq!(
            outcome.valid, !reject,
            "reuse with reject_reused_codes={reject}"
        );
    }
}

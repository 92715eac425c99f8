//! SMS factors end to end: enrollment with E.164 checks, challenges with a
//! template, the code read from `/_emulator/sms_outbox`, expiry through the
//! emulator clock, and wrong or malformed codes counted as attempts.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{
    Http, api_error, challenge_with_template, enroll_sms, error_body, sdk, start_emulator,
    start_emulator_with, verify,
};
use mfa_console::emulator::EmulatorConfig;

const PHONE: &str = "+15005550006";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_code_from_outbox_verifies() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);

    let factor = enroll_sms(&client, PHONE).await.expect("SMS enrollment");
    assert_eq!(factor.sms.expect("sms data").phone_number, PHONE);

    let created = challenge_with_template(&client, &factor.id, Some("Your code is {{code}}"))
        .await
        .expect("challenge succeeds");
    assert!(
        created.code.is_none(),
        "an SMS challenge does not return its code"
    );

    let outbox = http.outbox().await;
    assert_eq!(outbox.len(), 1);
    let sms = &outbox[0];
    let code = sms["code"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 6);
    assert_eq!(sms["message"], format!("Your code is {code}"));
    assert_eq!(sms["phone_number"], PHONE);
    assert_eq!(sms["challenge_id"], created.id.as_str());
    assert!(sms["id"].as_str().unwrap().starts_with("sms_"));
    assert!(sms["sent_at"].as_str().unwrap().ends_with('Z'));

    let outcome = verify(&client, &created.id, &code).await.expect("verify");
    assert!(outcome.valid, "the code from the outbox is valid");

    let second = challenge_with_template(&client, &factor.id, None)
        .await
        .expect("second challenge");
    let outbox = http.outbox().await;
    assert_eq!(outbox.len(), 2, "newest last");
    assert_eq!(outbox[1]["challenge_id"], second.id.as_str());
    assert!(
        outbox[1]["message"]
            .as_str()
            .unwrap()
            .ends_with(outbox[1]["code"].as_str().unwrap())
    );
    http.advance_clock(11 * 60).await;
    let code = outbox[1]["code"].as_str().unwrap();
    let error = verify(&client, &second.id, code)
        .await
        .expect_err("the challenge expired");
    assert_eq!(api_error(&error).status, 422);
    assert_eq!(error.code(), Some("authentication_challenge_expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_e164_numbers_are_rejected() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    for number in ["1234567890", "+1 (555) 123-4567", "+0123456", "+", "phone"] {
        let error = enroll_sms(&client, number)
            .await
            .expect_err("a number that is not E.164 is rejected");
        assert_eq!(api_error(&error).status, 422, "{number}");
        let body = error_body(&error);
        assert_eq!(body["code"], "invalid_phone_number", "{number}");
        assert_eq!(
            body["message"],
            format!("Phone number is invalid: '{number}'"),
            "{number}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_codes_count_as_attempts() {
    let mut config = EmulatorConfig::with_generated_key();
    config.max_attempts = 2;
    let (emulator, config) = start_emulator_with(config).await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let factor = enroll_sms(&client, PHONE).await.unwrap();
    let created = challenge_with_template(&client, &factor.id, None)
        .await
        .unwrap();
    let code = http.outbox().await[0]["code"].as_str().unwrap().to_owned();

    for bad in ["12345", "abc123"] {
        let outcome = verify(&client, &created.id, bad)
            .await
            .expect("a malformed code is 201");
        assert!(!outcome.valid, "{bad} is not valid");
    }
    let error = verify(&client, &created.id, &code)
        .await
        .expect_err("two attempts used up the limit");
    assert_eq!(api_error(&error).status, 400);
    assert_eq!(error.code(), Some("one_time_code_too_many_attempts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_filters_and_clears() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    for number in [PHONE, "+447700900123"] {
        let factor = enroll_sms(&client, number).await.unwrap();
        challenge_with_template(&client, &factor.id, None)
            .await
            .unwrap();
    }

    // `+` written as %2B, and as a bare `+`, which a query string decodes
    // to a space.
    for query in ["phone_number=%2B447700900123", "phone_number=+447700900123"] {
        let (status, body) = http.get(&format!("/_emulator/sms_outbox?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(body["object"], "list");
        let data = body["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "{query}");
        assert_eq!(data[0]["phone_number"], "+447700900123", "{query}");
    }
    let (status, body) = http.get("/_emulator/sms_outbox?phone_number=abc").await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "phone_number");

    let (status, _) = http.delete("/_emulator/sms_outbox").await;
    assert_eq!(status, 204);
    assert!(http.outbox().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_template_uses_default_message() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let factor = enroll_sms(&client, PHONE).await.unwrap();

    let (status, body) = http
        .post(
            &format!("/auth/factors/{}/challenge", factor.id),
            serde_json::json!({ "sms_template": "" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let sms = &http.outbox().await[0];
    let code = sms["code"].as_str().unwrap();
    assert_eq!(sms["message"], format!("Your verification code is {code}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_without_placeholder_is_rejected() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_sms(&client, PHONE).await.unwrap();
    let error = challenge_with_template(&client, &factor.id, Some("Your code is ready"))
        .await
        .expect_err("a template without {{code}} is rejected");
    assert_eq!(api_error(&error).status, 422);
    assert_eq!(error_body(&error)["errors"][0]["field"], "sms_template");
}

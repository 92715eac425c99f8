//! Every error the emulator returns for the WorkOS endpoints, seen through the
//! official `workos` crate where it can send the request and through plain
//! HTTP where it cannot (malformed JSON, oversized bodies).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{
    Http, api_error, challenge, enroll, enroll_generic_otp, enroll_totp, error_body, sdk,
    start_emulator, start_emulator_with, verify, wrong_code,
};
use mfa_console::emulator::EmulatorConfig;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_fields_list_each_error() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let error = enroll(
        &client,
        workos::AuthenticationFactorsCreateRequest {
            type_: workos::AuthenticationFactorsCreateRequestType::Totp,
            phone_number: None,
            totp_issuer: None,
            totp_user: None,
            user_id: None,
        },
    )
    .await
    .expect_err("TOTP without issuer and user is rejected");
    let api = api_error(&error);
    assert_eq!(api.status, 422);
    assert_eq!(api.code.as_deref(), Some("invalid_request_parameters"));
    let body = error_body(&error);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors is a list")
        .iter()
        .filter_map(|entry| entry["field"].as_str())
        .collect();
    assert_eq!(fields, ["totp_issuer", "totp_user"]);
    assert_eq!(body["errors"][0]["code"], "required");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_user_id_is_rejected() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let error = enroll(
        &client,
        workos::AuthenticationFactorsCreateRequest {
            type_: workos::AuthenticationFactorsCreateRequestType::GenericOtp,
            phone_number: None,
            totp_issuer: None,
            totp_user: None,
            user_id: Some("ada@example.com".to_owned()),
        },
    )
    .await
    .expect_err("an e-mail address is not a user ID");
    assert_eq!(api_error(&error).status, 422);
    assert_eq!(error_body(&error)["errors"][0]["field"], "user_id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_invalid_request() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    for body in ["{\"type\": ", "[1, 2]", "{\"type\": 5}"] {
        let response = http
            .request(reqwest::Method::POST, "/auth/factors/enroll")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the emulator responds");
        assert_eq!(response.status().as_u16(), 422, "body {body}");
        assert!(response.headers().contains_key("x-request-id"));
        let value: serde_json::Value = response.json().await.expect("JSON error");
        assert_eq!(value["code"], "invalid_request_parameters", "body {body}");
        assert!(value["errors"][0]["message"].is_string(), "body {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_is_json_413() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    let padding = "x".repeat(70 * 1024);
    let response = http
        .request(reqwest::Method::POST, "/auth/factors/enroll")
        .json(&json!({ "type": "generic_otp", "padding": padding }))
        .send()
        .await
        .expect("the emulator responds");
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let value: serde_json::Value = response.json().await.expect("JSON error");
    assert_eq!(value["code"], "request_body_too_large");
    assert!(value["message"].as_str().unwrap().contains("65536"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_factor_names_entity() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let id = "auth_factor_01FVYZ5QM8N98T9ME5BCB2BBMJ";
    let error = client
        .multi_factor_auth()
        .challenge_factor(
            id,
            workos::multi_factor_auth::ChallengeFactorParams::new(
                workos::ChallengeAuthenticationFactor { sms_template: None },
            ),
        )
        .await
        .expect_err("an unknown factor is 404");
    let body = error_body(&error);
    assert_eq!(api_error(&error).status, 404);
    assert_eq!(body["code"], "entity_not_found");
    assert_eq!(body["entity_id"], id);
    assert_eq!(
        body["message"],
        format!("Authentication Factor not found: '{id}'.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_challenge_is_previously_verified() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_generic_otp(&client, None).await;
    let created = challenge(&client, &factor.id).await;
    let code = created.code.expect("generic_otp code");
    assert!(
        verify(&client, &created.id, code.expose())
            .await
            .unwrap()
            .valid
    );

    let error = verify(&client, &created.id, code.expose())
        .await
        .expect_err("second verify fails");
    let body = error_body(&error);
    assert_eq!(api_error(&error).status, 422);
    assert_eq!(body["code"], "authentication_challenge_previously_verified");
    assert_eq!(
        body["message"],
        format!(
            "The authentication challenge '{}' has already been verified.",
            created.id
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_challenge_after_ten_minutes() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let factor = enroll_totp(&client, "Foo Corp", "ada@example.com").await;
    let created = challenge(&client, &factor.id).await;

    let created_at = time::OffsetDateTime::parse(
        &created.created_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let expires_at = time::OffsetDateTime::parse(
        created.expires_at.as_deref().expect("expires_at"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(expires_at - created_at, time::Duration::minutes(10));

    http.advance_clock(11 * 60).await;
    let error = verify(&client, &created.id, "123456")
        .await
        .expect_err("an expired challenge fails");
    let body = error_body(&error);
    assert_eq!(api_error(&error).status, 422);
    assert_eq!(body["code"], "authentication_challenge_expired");
    assert_eq!(
        body["message"],
        format!("The authentication challenge '{}' has expired.", created.id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_wrong_codes_locks() {
    let mut config = EmulatorConfig::with_generated_key();
    config.max_attempts = 3;
    let (emulator, config) = start_emulator_with(config).await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_generic_otp(&client, None).await;
    let created = challenge(&client, &factor.id).await;
    let code = created.code.expect("generic_otp code");
    let wrong = wrong_code(code.expose());

    for attempt in 1..=3 {
        let outcome = verify(&client, &created.id, &wrong)
            .await
            .expect("a wrong code is 201");
        assert!(!outcome.valid, "attempt {attempt}");
    }
    let error = verify(&client, &created.id, code.expose())
        .await
        .expect_err("the fourth attempt is locked out, even with the right code");
    assert_eq!(api_error(&error).status, 400);
    assert_eq!(error.code(), Some("one_time_code_too_many_attempts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_key_is_unauthorized() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    for path in [
        "/auth/factors/enroll",
        "/_emulator/sms_outbox",
        "/no/such/path",
    ] {
        let response = http
            .client
            .get(format!("{}{path}", emulator.base_url))
            .send()
            .await
            .expect("the emulator responds");
        assert_eq!(response.status().as_u16(), 401, "{path}");
        assert!(response.headers().contains_key("x-request-id"), "{path}");
        let value: serde_json::Value = response.json().await.unwrap();
        assert_eq!(value, json!({ "message": "Unauthorized" }), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_route_and_method_are_json() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    let (status, body) = http.get("/auth/nothing").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "route_not_found");
    let (status, body) = http
        .send(reqwest::Method::PUT, "/auth/factors/enroll", None)
        .await;
    assert_eq!(status, 405);
    assert_eq!(body["code"], "method_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_has_request_id() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    let requests = [
        (
            reqwest::Method::POST,
            "/auth/factors/enroll",
            Some(json!({"type": "generic_otp"})),
        ),
        (
            reqwest::Method::GET,
            "/auth/factors/auth_factor_01MISSING",
            None,
        ),
        (reqwest::Method::GET, "/_emulator/clock", None),
        (reqwest::Method::DELETE, "/_emulator/sms_outbox", None),
    ];
    let mut ids = Vec::new();
    for (method, path, body) in requests {
        let mut request = http.request(method.clone(), path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let id = response
            .headers()
            .get("x-request-id")
            .unwrap_or_else(|| panic!("{method} {path} has no X-Request-Id"));
        ids.push(id.to_str().unwrap().to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each response has its own request ID");
}

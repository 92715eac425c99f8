//! The `/_emulator/` clock, reset and seed endpoints.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{Http, challenge, enroll_generic_otp, sdk, start_emulator, verify};
use mfa_console::totp;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn parse_time(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a timestamp string"), &Rfc3339)
        .expect("an RFC 3339 timestamp")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_advances_freezes_and_resets() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);

    let (status, clock) = http.get("/_emulator/clock").await;
    assert_eq!(status, 200);
    assert_eq!(clock["frozen"], false);
    assert_eq!(clock["offset_seconds"], 0);

    let (status, advanced) = http
        .post("/_emulator/clock/advance", json!({ "seconds": 3600 }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(advanced["offset_seconds"], 3600);
    let ahead = parse_time(&advanced["now"]) - OffsetDateTime::now_utc();
    assert!(ahead.whole_minutes() >= 59, "now is an hour ahead: {ahead}");

    let (_, frozen) = http.post("/_emulator/clock/freeze", Value::Null).await;
    assert_eq!(frozen["frozen"], true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (_, still) = http.get("/_emulator/clock").await;
    assert_eq!(still["now"], frozen["now"], "a frozen clock does not move");

    let (_, moved) = http
        .post("/_emulator/clock/advance", json!({ "seconds": 60 }))
        .await;
    assert_eq!(moved["frozen"], true);
    let step = parse_time(&moved["now"]) - parse_time(&frozen["now"]);
    assert_eq!(step.whole_seconds(), 60);

    let (_, reset) = http.post("/_emulator/clock/reset", Value::Null).await;
    assert_eq!(reset["frozen"], false);
    assert_eq!(reset["offset_seconds"], 0);

    for body in [
        json!({}),
        json!({"seconds": 0}),
        json!({"seconds": "60"}),
        json!({"seconds": 1, "minutes": 2}),
    ] {
        let (status, error) = http.post("/_emulator/clock/advance", body.clone()).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error["code"], "invalid_request_parameters", "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_empties_everything() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let factor = enroll_generic_otp(&client, Some("user_01RESET")).await;
    let sms_factor = common::enroll_sms(&client, "+15005550006").await.unwrap();
    common::challenge_with_template(&client, &sms_factor.id, None)
        .await
        .unwrap();
    http.post(
        "/_emulator/faults",
        json!({"path": "/auth/nothing", "kind": {"type": "drop_connection"}}),
    )
    .await;
    http.advance_clock(600).await;

    let (status, _) = http.post("/_emulator/reset", Value::Null).await;
    assert_eq!(status, 204);

    let (status, _) = http.get(&format!("/auth/factors/{}", factor.id)).await;
    assert_eq!(status, 404, "factors are gone");
    assert!(http.outbox().await.is_empty(), "the outbox is empty");
    let (_, faults) = http.get("/_emulator/faults").await;
    assert!(
        faults["data"].as_array().unwrap().is_empty(),
        "faults are gone"
    );
    let (_, clock) = http.get("/_emulator/clock").await;
    assert_eq!(
        clock["offset_seconds"], 0,
        "the clock is back on system time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_loads_known_factors() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let seed = json!({
        "users": [{"id": "user_01SEEDED", "email": "ada@example.com"}],
        "factors": [
            {"id": "auth_factor_01SEEDEDTOTP", "type": "totp", "user_id": "user_01SEEDED",
             "totp": {"issuer": "Acme", "user": "ada@example.com", "secret": "JBSWY3DPEHPK3PXP"}},
            {"id": "auth_factor_01SEEDEDSMS", "type": "sms", "sms": {"phone_number": "+15005550006"}}
        ]
    });
    let (status, summary) = http.post("/_emulator/seed", seed.clone()).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["users"], 1);
    assert_eq!(summary["factors"], 2);

    let fetched = client
        .multi_factor_auth()
        .get_factor("auth_factor_01SEEDEDTOTP")
        .await
        .expect("the seeded factor exists");
    assert_eq!(fetched.user_id.as_deref(), Some("user_01SEEDED"));
    assert_eq!(fetched.totp.unwrap().issuer, "Acme");

    let created = challenge(&client, "auth_factor_01SEEDEDTOTP").await;
    let code = totp::code_at("JBSWY3DPEHPK3PXP", common::unix_now()).unwrap();
    assert!(verify(&client, &created.id, &code).await.unwrap().valid);

    let (status, _) = http.post("/_emulator/seed", seed).await;
    assert_eq!(status, 200, "seeding again replaces the same IDs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_seed_changes_nothing() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    let cases = [
        (
            json!({"factors": [{"type": "totp", "totp": {"issuer": "A", "user": "b", "secret": "SHORT"}}]}),
            "factors[0].totp.secret",
        ),
        (
            json!({"factors": [{"type": "sms", "sms": {"phone_number": "5551234"}}]}),
            "factors[0].sms.phone_number",
        ),
        (json!({"factors": [{"type": "push"}]}), "factors[0].type"),
        (json!({"users": [{"id": "bob"}]}), "users[0].id"),
        (json!({"facts": []}), "unknown field"),
    ];
    for (seed, expected) in cases {
        let (status, body) = http.post("/_emulator/seed", seed.clone()).await;
        assert_eq!(status, 422, "{seed}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{seed}: {message}");
        assert!(
            !message.contains("SHORT") && !message.contains("5551234"),
            "{message}"
        );
    }

    let valid_then_invalid = json!({"factors": [
        {"id": "auth_factor_01FIRST", "type": "generic_otp"},
        {"type": "totp"}
    ]});
    let (status, _) = http.post("/_emulator/seed", valid_then_invalid).await;
    assert_eq!(status, 422);
    let (status, _) = http.get("/auth/factors/auth_factor_01FIRST").await;
    assert_eq!(status, 404, "a rejected seed adds nothing");
}

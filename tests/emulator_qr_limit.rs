//! A TOTP enrollment whose `otpauth://` URI can't fit in a QR code is
//! rejected with a 422 before anything is stored, instead of failing with a
//! 500 after the factor was kept.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{Http, start_emulator};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuer_too_long_for_qr_is_rejected() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    // 200 Japanese characters become 1,800 bytes once percent-encoded, twice
    // in the URI, which is more than a QR code can contain at error level M.
    let issuer = "山".repeat(200);
    let (status, body) = http
        .post(
            "/auth/factors/enroll",
            json!({ "type": "totp", "totp_issuer": issuer, "totp_user": "a@example.com" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "invalid_request_parameters");
    assert_eq!(body["errors"][0]["field"], "totp_issuer");

    let (status, body) = http
        .post(
            "/user_management/users/user_01E4ZCR3C56J083X43JQXF3JK5/auth_factors",
            json!({ "type": "totp", "totp_issuer": "山".repeat(200), "totp_user": "a@example.com" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, list) = http
        .get("/user_management/users/user_01E4ZCR3C56J083X43JQXF3JK5/auth_factors")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(0),
        "nothing was stored"
    );
}

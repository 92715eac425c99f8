//! Fault rules set through `/_emulator/faults`, each observed by a plain
//! HTTP client, or by a raw TCP stream where the fault breaks the connection.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Http, start_emulator};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const USER_PATH: &str = "/user_management/users/user_01FAULTS/auth_factors";

async fn add_fault(http: &Http, rule: Value) -> Value {
    let (status, body) = http.post("/_emulator/faults", rule).await;
    assert_eq!(status, 201, "add fault: {body}");
    body
}

/// Enrolls a factor for the test user with plain HTTP.
async fn try_enroll_user_factor(http: &Http) -> Result<reqwest::Response, reqwest::Error> {
    http.request(reqwest::Method::POST, USER_PATH)
        .json(&json!({ "type": "totp" }))
        .send()
        .await
}

async fn enroll_user_factor(http: &Http) -> reqwest::Response {
    try_enroll_user_factor(http)
        .await
        .expect("the emulator responds")
}

async fn user_factor_count(http: &Http) -> usize {
    let (status, body) = http.get(USER_PATH).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().len()
}

/// Sends one raw HTTP/1.1 request and returns the bytes received until the
/// server closed or reset the connection.
async fn raw_exchange(
    address: SocketAddr,
    api_key: &str,
    method: &str,
    path: &str,
    body: &str,
) -> Vec<u8> {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {api_key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut received = Vec::new();
    // A reset ends the read with an error; the bytes before it are kept.
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection within 5 s");
    received
}

/// Splits a raw response into its head and body and returns the
/// Content-Length the head announced.
fn split_response(raw: &[u8]) -> (String, Vec<u8>, usize) {
    let end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("the response has a complete head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let body = raw[end + 4..].to_vec();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .expect("the head has Content-Length");
    (head, body, length)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_fault_returns_configured_body() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    add_fault(
        &http,
        json!({"method": "POST", "path": "/user_management/users/*/auth_factors", "count": 2,
               "kind": {"type": "status", "status": 503, "body": {"message": "Maintenance"}}}),
    )
    .await;

    for attempt in 1..=2 {
        let response = enroll_user_factor(&http).await;
        assert_eq!(response.status().as_u16(), 503, "attempt {attempt}");
        assert!(response.headers().contains_key("x-request-id"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"message": "Maintenance"}), "attempt {attempt}");
    }
    assert_eq!(
        user_factor_count(&http).await,
        0,
        "faulted requests are not processed"
    );
    assert_eq!(
        enroll_user_factor(&http).await.status().as_u16(),
        201,
        "count ran out"
    );

    add_fault(
        &http,
        json!({"path": "/auth/factors/enroll", "kind": {"type": "status", "status": 500}}),
    )
    .await;
    let (status, body) = http
        .post("/auth/factors/enroll", json!({"type": "generic_otp"}))
        .await;
    assert_eq!(status, 500);
    assert_eq!(body, json!({"message": "Internal Server Error"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_sets_retry_after() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    add_fault(
        &http,
        json!({"path": USER_PATH, "kind": {"type": "rate_limit", "retry_after_seconds": 42}}),
    )
    .await;
    let response = enroll_user_factor(&http).await;
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"].to_str().unwrap(), "42");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "rate_limit_exceeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_delays_then_processes() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    add_fault(
        &http,
        json!({"method": "POST", "path": USER_PATH, "kind": {"type": "latency", "milliseconds": 400}}),
    )
    .await;

    let (status, _) = http.get(USER_PATH).await;
    assert_eq!(status, 200, "GET does not match a POST rule");
    let started = Instant::now();
    let response = enroll_user_factor(&http).await;
    let elapsed = started.elapsed();
    assert_eq!(response.status().as_u16(), 201);
    assert!(elapsed >= Duration::from_millis(400), "took {elapsed:?}");
    assert_eq!(user_factor_count(&http).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_body_is_not_json() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    add_fault(
        &http,
        json!({"path": USER_PATH, "kind": {"type": "malformed_body"}}),
    )
    .await;

    let response = enroll_user_factor(&http).await;
    assert_eq!(response.status().as_u16(), 201, "the real status is kept");
    let announced: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let text = response.text().await.expect("the whole body arrives");
    assert_eq!(text.len(), announced);
    assert!(text.starts_with("{\""), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(
        user_factor_count(&http).await,
        1,
        "the request was processed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_body_closes_early() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    add_fault(
        &http,
        json!({"path": USER_PATH, "kind": {"type": "truncated_body"}}),
    )
    .await;

    let raw = raw_exchange(
        emulator.address,
        &config.api_key,
        "POST",
        USER_PATH,
        r#"{"type":"totp"}"#,
    )
    .await;
    let (head, body, announced) = split_response(&raw);
    assert!(head.starts_with("HTTP/1.1 201"), "{head}");
    assert!(!body.is_empty(), "part of the body arrives");
    assert!(
        body.len() < announced,
        "{} of {announced} bytes",
        body.len()
    );
    assert_eq!(
        user_factor_count(&http).await,
        1,
        "the request was processed"
    );

    add_fault(
        &http,
        json!({"path": USER_PATH, "kind": {"type": "truncated_body"}}),
    )
    .await;
    let error = enroll_user_factor(&http)
        .await
        .text()
        .await
        .expect_err("reqwest reports the short body");
    assert!(error.is_body() || error.is_decode(), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_sends_nothing() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    // Three requests, so a client that retries a dropped request once gets
    // a dropped connection again.
    add_fault(
        &http,
        json!({"method": "POST", "path": USER_PATH, "count": 3, "kind": {"type": "drop_connection"}}),
    )
    .await;

    let raw = raw_exchange(
        emulator.address,
        &config.api_key,
        "POST",
        USER_PATH,
        r#"{"type":"totp"}"#,
    )
    .await;
    assert!(
        raw.is_empty(),
        "received {:?}",
        String::from_utf8_lossy(&raw)
    );

    let error = try_enroll_user_factor(&http)
        .await
        .expect_err("no response arrives");
    assert!(error.is_request() || error.is_connect(), "{error:?}");
    assert_eq!(
        user_factor_count(&http).await,
        0,
        "dropped requests are not processed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_rules_list_and_remove() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    let first = add_fault(
        &http,
        json!({"path": "/auth/**", "count": 3, "kind": {"type": "drop_connection"}}),
    )
    .await;
    add_fault(&http, json!({"method": "get", "path": "/auth/factors/*", "kind": {"type": "latency", "milliseconds": 10}})).await;

    let (status, listed) = http.get("/_emulator/faults").await;
    assert_eq!(status, 200);
    let data = listed["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["id"], first["id"]);
    assert_eq!(data[0]["remaining"], 3);
    assert_eq!(data[0]["method"], Value::Null);
    assert_eq!(data[1]["method"], "GET");

    let (status, _) = http
        .delete(&format!(
            "/_emulator/faults/{}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 204);
    let (status, body) = http.delete("/_emulator/faults/fault_01MISSING").await;
    assert_eq!(status, 404);
    assert_eq!(body["entity_id"], "fault_01MISSING");

    let (status, _) = http.delete("/_emulator/faults").await;
    assert_eq!(status, 204);
    let (_, listed) = http.get("/_emulator/faults").await;
    assert!(listed["data"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rules_are_rejected() {
    let (emulator, config) = start_emulator().await;
    let http = Http::new(&emulator, &config);
    let cases = [
        (
            json!({"path": "/_emulator/clock", "kind": {"type": "drop_connection"}}),
            "path",
        ),
        (
            json!({"path": "/**", "kind": {"type": "drop_connection"}}),
            "path",
        ),
        (
            json!({"path": "/auth/**", "kind": {"type": "explode"}}),
            "kind.type",
        ),
        (
            json!({"path": "/auth/**", "kind": {"type": "status", "status": 99}}),
            "kind.status",
        ),
        (
            json!({"path": "/auth/**", "kind": {"type": "latency"}}),
            "kind.milliseconds",
        ),
        (
            json!({"path": "/auth/**", "count": 0, "kind": {"type": "drop_connection"}}),
            "count",
        ),
        (json!({"path": "/auth/**"}), "kind"),
    ];
    for (rule, field) in cases {
        let (status, body) = http.post("/_emulator/faults", rule.clone()).await;
        assert_eq!(status, 422, "{rule}");
        assert_eq!(body["errors"][0]["field"], field, "{rule}: {body}");
    }
}

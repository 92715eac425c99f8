//! The emulator's enroll, challenge and verify handlers on arbitrary request
//! bodies, called in-process through the axum router. Whatever the body, the
//! emulator must respond without panicking and without a 5xx status.
//!
//! The first input byte picks the endpoint and, for challenge and verify, the
//! factor type behind the ID in the path. The rest is the body.

#![no_main]

use std::cell::RefCell;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use mfa_console::emulator::{DEFAULT_MAX_ATTEMPTS, EmulatorConfig, in_memory_router};
use tower::ServiceExt as _;

const API_KEY: &str = "sk_test_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz";

/// Requests served by one router before a fresh one replaces it, so factors
/// enrolled by the fuzzer do not pile up in memory during long runs.
const REQUESTS_PER_ROUTER: u32 = 10_000;

/// A router with one factor of each type and one open challenge for each.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    router: Router,
    factor_ids: Vec<String>,
    challenge_ids: Vec<String>,
    requests: u32,
}

impl Fixture {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime starts");
        let config = EmulatorConfig {
            api_key: API_KEY.to_owned(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            ..EmulatorConfig::with_generated_key()
        };
        let mut fixture = Self {
            runtime,
            router: in_memory_router(&config),
            factor_ids: Vec::new(),
            challenge_ids: Vec::new(),
            requests: 0,
        };
        for body in [
            r#"{"type":"totp","totp_issuer":"Fuzz","totp_user":"fuzz@example.com"}"#,
            r#"{"type":"sms","phone_number":"+15005550006"}"#,
            r#"{"type":"generic_otp"}"#,
        ] {
            let (status, json) = fixture.post("/auth/factors/enroll", body.as_bytes());
            assert_eq!(status, StatusCode::CREATED, "seed enrollment: {json}");
            let factor_id = id_of(&json);
            let (status, json) =
                fixture.post(&format!("/auth/factors/{factor_id}/challenge"), b"{}");
            assert_eq!(status, StatusCode::CREATED, "seed challenge: {json}");
            fixture.challenge_ids.push(id_of(&json));
            fixture.factor_ids.push(factor_id);
        }
        fixture
    }

    fn post(&mut self, path: &str, body: &[u8]) -> (StatusCode, String) {
        self.requests += 1;
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("authorization", format!("Bearer {API_KEY}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_vec()))
            .expect("the request is well formed");
        let router = self.router.clone();
        self.runtime.block_on(async move {
            let response = router
                .oneshot(request)
                .await
                .expect("the router's error type is Infallible");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("the response body is readable");
            (status, String::from_utf8_lossy(&bytes).into_owned())
        })
    }
}

fn id_of(json: &str) -> String {
    let start = json.find("\"id\":\"").expect("the response has an id") + 6;
    let length = json[start..].find('"').expect("the id is a string");
    json[start..start + length].to_owned()
}

thread_local! {
    static FIXTURE: RefCell<Option<Fixture>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    FIXTURE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot
            .as_ref()
            .is_none_or(|fixture| fixture.requests >= REQUESTS_PER_ROUTER)
        {
            *slot = Some(Fixture::new());
        }
        let Some(fixture) = slot.as_mut() else {
            return;
        };
        let factor_index = usize::from(selector / 3) % fixture.factor_ids.len();
        let path = match selector % 3 {
            0 => "/auth/factors/enroll".to_owned(),
            1 => format!(
                "/auth/factors/{}/challenge",
                fixture.factor_ids[factor_index]
            ),
            _ => format!(
                "/auth/challenges/{}/verify",
                fixture.challenge_ids[factor_index]
            ),
        };
        let (status, response) = fixture.post(&path, body);
        assert!(
            !status.is_server_error(),
            "POST {path} answered {status}: {response}"
        );
    });
});

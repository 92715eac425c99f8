//! Helpers shared by the integration tests: a real emulator on 127.0.0.1 and
//! an official SDK client pointed at it.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod console;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use mfa_console::client::{HttpClients, Target, sdk_client};
use mfa_console::emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;
use workos::SecretString;

/// Starts an emulator on a free loopback port with a generated key.
pub async fn start_emulator() -> (RunningEmulator, EmulatorConfig) {
    start_emulator_with(EmulatorConfig::with_generated_key()).await
}

/// Starts an emulator with `config` on a free loopback port.
pub async fn start_emulator_with(config: EmulatorConfig) -> (RunningEmulator, EmulatorConfig) {
    let emulator = RunningEmulator::start(&config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .expect("the emulator binds a free loopback port");
    (emulator, config)
}

/// Plain HTTP access to an emulator, for `/_emulator/` endpoints and for
/// requests the SDK cannot make (malformed JSON, oversized bodies).
#[derive(Clone)]
pub struct Http {
    pub base_url: String,
    pub api_key: String,
    pub client: reqwest::Client,
}

impl Http {
    pub fn new(emulator: &RunningEmulator, config: &EmulatorConfig) -> Self {
        Self {
            base_url: emulator.base_url.clone(),
            api_key: config.api_key.clone(),
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .expect("reqwest client builds"),
        }
    }

    /// Builds a request with the emulator's key.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.api_key)
    }

    /// Sends a request with an optional JSON body and returns the status and
    /// the body parsed as JSON (`Null` when empty).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the emulator responds");
        let status = response.status().as_u16();
        let text = response.text().await.expect("the body arrives");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("the body is JSON")
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Moves the emulator's clock forward.
    pub async fn advance_clock(&self, seconds: i64) {
        let (status, body) = self
            .post(
                "/_emulator/clock/advance",
                serde_json::json!({ "seconds": seconds }),
            )
            .await;
        assert_eq!(status, 200, "advance the clock: {body}");
    }

    /// Returns the SMS outbox entries, oldest first.
    pub async fn outbox(&self) -> Vec<Value> {
        let (status, body) = self.get("/_emulator/sms_outbox").await;
        assert_eq!(status, 200, "read the outbox: {body}");
        body["data"].as_array().cloned().expect("data is a list")
    }
}

/// Freezes the emulator's clock and returns its time in Unix seconds.
pub async fn freeze_clock(http: &Http) -> u64 {
    let (status, body) = http.post("/_emulator/clock/freeze", Value::Null).await;
    assert_eq!(status, 200, "freeze the clock: {body}");
    let now = body["now"].as_str().expect("now is a string");
    let parsed = time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
        .expect("now is RFC 3339");
    u64::try_from(parsed.unix_timestamp()).expect("now is after 1970")
}

/// Returns the API error inside an SDK error, failing the test otherwise.
pub fn api_error(error: &workos::Error) -> &workos::ApiError {
    error
        .api()
        .unwrap_or_else(|| panic!("expected an API error, got {error}"))
}

/// Returns the raw error body of an SDK error as JSON.
pub fn error_body(error: &workos::Error) -> Value {
    serde_json::from_slice(&api_error(error).raw_body).expect("the error body is JSON")
}

/// Returns an official SDK client for `base_url` with `api_key`.
pub fn sdk(base_url: &str, api_key: &str) -> workos::Client {
    let target = Target {
        environment: "test".to_owned(),
        base_url: base_url.to_owned(),
        api_key: SecretString::new(api_key),
    };
    let http = HttpClients::new(std::time::Duration::from_secs(10)).expect("HTTP client builds");
    sdk_client(&target, &http, Arc::new(|_| {})).expect("SDK client builds")
}

/// Returns the current Unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// Enrolls a factor through the SDK with every field of the request.
pub async fn enroll(
    client: &workos::Client,
    request: workos::AuthenticationFactorsCreateRequest,
) -> Result<workos::AuthenticationFactorEnrolled, workos::Error> {
    client
        .multi_factor_auth()
        .enroll_factor(workos::multi_factor_auth::EnrollFactorParams::new(request))
        .await
}

/// Enrolls an SMS factor through the SDK.
pub async fn enroll_sms(
    client: &workos::Client,
    phone_number: &str,
) -> Result<workos::AuthenticationFactorEnrolled, workos::Error> {
    enroll(
        client,
        workos::AuthenticationFactorsCreateRequest {
            type_: workos::AuthenticationFactorsCreateRequestType::Sms,
            phone_number: Some(phone_number.to_owned()),
            totp_issuer: None,
            totp_user: None,
            user_id: None,
        },
    )
    .await
}

/// Enrolls a `generic_otp` factor through the SDK.
pub async fn enroll_generic_otp(
    client: &workos::Client,
    user_id: Option<&str>,
) -> workos::AuthenticationFactorEnrolled {
    enroll(
        client,
        workos::AuthenticationFactorsCreateRequest {
            type_: workos::AuthenticationFactorsCreateRequestType::GenericOtp,
            phone_number: None,
            totp_issuer: None,
            totp_user: None,
            user_id: user_id.map(str::to_owned),
        },
    )
    .await
    .expect("generic_otp enrollment succeeds")
}

/// Creates a challenge with an SMS template through the SDK.
pub async fn challenge_with_template(
    client: &workos::Client,
    factor_id: &str,
    sms_template: Option<&str>,
) -> Result<workos::AuthenticationChallenge, workos::Error> {
    client
        .multi_factor_auth()
        .challenge_factor(
            factor_id,
            workos::multi_factor_auth::ChallengeFactorParams::new(
                workos::ChallengeAuthenticationFactor {
                    sms_template: sms_template.map(str::to_owned),
                },
            ),
        )
        .await
}

/// Enrolls a TOTP factor through the SDK.
pub async fn enroll_totp(
    client: &workos::Client,
    issuer: &str,
    user: &str,
) -> workos::AuthenticationFactorEnrolled {
    client
        .multi_factor_auth()
        .enroll_factor(workos::multi_factor_auth::EnrollFactorParams::new(
            workos::AuthenticationFactorsCreateRequest {
                type_: workos::AuthenticationFactorsCreateRequestType::Totp,
                phone_number: None,
                totp_issuer: Some(issuer.to_owned()),
                totp_user: Some(user.to_owned()),
                user_id: None,
            },
        ))
        .await
        .expect("TOTP enrollment succeeds")
}

/// Creates a challenge through the SDK.
pub async fn challenge(
    client: &workos::Client,
    factor_id: &str,
) -> workos::AuthenticationChallenge {
    client
        .multi_factor_auth()
        .challenge_factor(
            factor_id,
            workos::multi_factor_auth::ChallengeFactorParams::new(
                workos::ChallengeAuthenticationFactor { sms_template: None },
            ),
        )
        .await
        .expect("challenge succeeds")
}

/// Verifies `code` through the SDK.
pub async fn verify(
    client: &workos::Client,
    challenge_id: &str,
    code: &str,
) -> Result<workos::AuthenticationChallengeVerifyResponse, workos::Error> {
    client
        .multi_factor_auth()
        .verify_challenge(
            challenge_id,
            workos::multi_factor_auth::VerifyChallengeParams::new(
                workos::AuthenticationChallengesVerifyRequest {
                    code: SecretString::new(code),
                },
            ),
        )
        .await
}

/// Returns a six-digit code that differs from `code`.
pub fn wrong_code(code: &str) -> String {
    let wrong: u32 = code
        .parse::<u32>()
        .map_or(0, |value| (value + 1) % 1_000_000);
    format!("{wrong:06}")
}

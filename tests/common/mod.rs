//! Helpers shared by the integration tests: a real emulator on 127.0.0.1 and
//! an official SDK client pointed at it.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod console;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use mfa_console::client::{HttpClients, Target, sdk_client};
use mfa_console::emulator::{EmulatorConfig, RunningEmulator};
use workos::SecretString;

/// Starts an emulator on a free loopback port with a generated key.
pub async fn start_emulator() -> (RunningEmulator, EmulatorConfig) {
    let config = EmulatorConfig::with_generated_key();
    let emulator = RunningEmulator::start(&config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .expect("the emulator binds a free loopback port");
    (emulator, config)
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

#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The factor registry after a full TOTP and SMS workflow against a real
//! emulator: its files contain the labels but none of the secrets, codes or
//! phone numbers that passed through the console.

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{start_emulator, unix_now, wrong_code};
use mfa_console::client::{EnrolledKind, HttpClients, MfaClient, Target};
use mfa_console::registry::{FactorFilter, NewChallenge, NewFactor, Registry};
use mfa_console::session::ChallengeStatus;
use mfa_console::totp;
use mfa_console::validate::{OtpCode, PhoneNumber, TotpLabel};
use tempfile::TempDir;
use time::OffsetDateTime;
use workos::SecretString;

const ENVIRONMENT: &str = "emulator";
const USER: &str = "alan.turing@example.com";
const PHONE: &str = "+15005550006";
const MASKED_PHONE: &str = "+1********06";
const SMS_TEMPLATE: &str = "Your mfa-console sign-in code is {{code}}";

/// Returns the bytes of every file in `dir`: the database, and while it is
/// open its WAL and shared-memory files.
fn read_all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, fs::read(entry.path()).unwrap())
        })
        .collect()
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Asserts that no file contains any needle, and that the files contain the
/// labels the registry is meant to keep, which shows the scan reads real data.
fn assert_files_clean(dir: &Path, needles: &[(&str, String)], stage: &str) {
    let files = read_all_files(dir);
    assert!(
        files.iter().any(|(name, _)| name == "registry.sqlite3"),
        "{stage}: the database file exists"
    );
    for (kind, needle) in needles {
        for (name, bytes) in &files {
            assert!(
                !contains_bytes(bytes, needle.as_bytes()),
                "{stage}: {name} contains the {kind}"
            );
        }
    }
    for expected in [USER, MASKED_PHONE, "Foo Corp"] {
        assert!(
            files
                .iter()
                .any(|(_, bytes)| contains_bytes(bytes, expected.as_bytes())),
            "{stage}: the label '{expected}' was stored"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_files_hold_no_secrets() {
    let (emulator, config) = start_emulator().await;
    let target = Target {
        environment: "Local emulator".to_owned(),
        base_url: emulator.base_url.clone(),
        api_key: SecretString::new(config.api_key.clone()),
    };
    let http = HttpClients::new(Duration::from_secs(10)).unwrap();
    let client = MfaClient::new(&target, &http, Arc::new(|_| {})).unwrap();
    let dir = TempDir::new().unwrap();
    let mut registry = Registry::open(&dir.path().join("registry.sqlite3")).unwrap();
    let mut needles: Vec<(&str, String)> = vec![("API key", config.api_key.clone())];

    // TOTP: enroll, challenge, one wrong code, then the right one.
    let issuer = TotpLabel::parse("issuer", "Foo Corp").unwrap();
    let user = TotpLabel::parse("user", USER).unwrap();
    let totp_factor = client.enroll_totp(&issuer, &user).await.unwrap();
    registry
        .record_factor(&NewFactor::from_enrolled(ENVIRONMENT, &totp_factor))
        .unwrap();
    let EnrolledKind::Totp(enrollment) = &totp_factor.kind else {
        panic!("a TOTP enrollment returns TOTP data");
    };
    let secret = enrollment.secret.expose().to_owned();
    let qr_code = enrollment.qr_code.expose();
    let qr_payload = qr_code
        .strip_prefix("data:image/png;base64,")
        .expect("the QR code is a PNG data URI");
    needles.push(("TOTP secret", secret.clone()));
    needles.push(("otpauth URI", enrollment.uri.expose().to_owned()));
    needles.push(("QR code", qr_payload[..64].to_owned()));

    let totp_challenge = client.challenge(&totp_factor.id, None).await.unwrap();
    registry
        .record_challenge(&NewChallenge::from(&totp_challenge))
        .unwrap();
    let right_code = totp::code_at(&secret, unix_now()).unwrap();
    let mut typo = wrong_code(&right_code);
    let accepted: Vec<String> = [unix_now() - 30, unix_now() + 30]
        .iter()
        .filter_map(|&time| totp::code_at(&secret, time))
        .collect();
    while accepted.contains(&typo) {
        typo = wrong_code(&typo);
    }
    let rejected = client
        .verify(&totp_challenge.id, &OtpCode::parse(&typo).unwrap())
        .await
        .unwrap();
    assert!(!rejected.valid, "the typo is not a valid code");
    registry
        .update_challenge(&totp_challenge.id, ChallengeStatus::Pending, 1)
        .unwrap();
    let accepted = client
        .verify(&totp_challenge.id, &OtpCode::parse(&right_code).unwrap())
        .await
        .unwrap();
    assert!(accepted.valid, "the current code is valid");
    registry
        .update_challenge(&totp_challenge.id, ChallengeStatus::Verified, 1)
        .unwrap();
    needles.push(("valid TOTP code", right_code));
    needles.push(("wrong TOTP code", typo));

    // SMS: enroll, challenge with a template, one wrong code. The emulator's
    // SMS outbox is not reachable over HTTP, so the sent code is unknown here
    // and the scan looks for the typed code instead.
    let phone = PhoneNumber::parse(PHONE).unwrap();
    let sms_factor = client.enroll_sms(&phone).await.unwrap();
    registry
        .record_factor(&NewFactor::from_enrolled(ENVIRONMENT, &sms_factor))
        .unwrap();
    let sms_challenge = client
        .challenge(&sms_factor.id, Some(SMS_TEMPLATE.to_owned()))
        .await
        .unwrap();
    registry
        .record_challenge(&NewChallenge::from(&sms_challenge))
        .unwrap();
    let sms_typo = "314159";
    let rejected = client
        .verify(&sms_challenge.id, &OtpCode::parse(sms_typo).unwrap())
        .await
        .unwrap();
    assert!(!rejected.valid, "a guessed SMS code is not valid");
    registry
        .update_challenge(&sms_challenge.id, ChallengeStatus::Pending, 1)
        .unwrap();
    needles.push(("phone number", PHONE.to_owned()));
    needles.push(("phone number without '+'", PHONE[1..].to_owned()));
    needles.push(("national phone number", PHONE[2..].to_owned()));
    needles.push(("SMS template", "sign-in code is".to_owned()));
    needles.push(("wrong SMS code", sms_typo.to_owned()));

    // The rest of the workflow: an SSO mark and a deletion.
    registry.set_sso_user(ENVIRONMENT, USER, true).unwrap();
    registry
        .mark_factor_deleted(&sms_factor.id, OffsetDateTime::now_utc())
        .unwrap();

    let filter = FactorFilter {
        include_deleted: true,
        ..FactorFilter::environment(ENVIRONMENT)
    };
    let stored = registry.list_factors(&filter).unwrap();
    assert_eq!(stored.len(), 2, "both factors are stored");
    assert_files_clean(dir.path(), &needles, "while open");
    let sms_record = registry.get_factor(&sms_factor.id).unwrap().unwrap();
    assert_eq!(sms_record.user_label, MASKED_PHONE);
    drop(registry);
    assert_files_clean(dir.path(), &needles, "after closing");
    emulator.stop().await;
}

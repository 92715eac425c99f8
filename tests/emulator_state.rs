//! The state file and seed files: factors survive a restart, the state file
//! is private to its owner, and unreadable files stop the start with an
//! error that names them.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Http, challenge, enroll_sms, enroll_totp, sdk, start_emulator_with, verify};
use mfa_console::emulator::state_file::FileError;
use mfa_console::emulator::{EmulatorConfig, RunningEmulator, StartError};
use mfa_console::totp;

fn config_with_state(path: &Path) -> EmulatorConfig {
    let mut config = EmulatorConfig::with_generated_key();
    config.state_file = Some(path.to_owned());
    config
}

async fn start_error(config: &EmulatorConfig) -> StartError {
    match RunningEmulator::start(config, "127.0.0.1:0".parse().unwrap()).await {
        Ok(_) => panic!("the emulator started"),
        Err(error) => error,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn factors_survive_restart() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("nested").join("state.json");

    let (emulator, config) = start_emulator_with(config_with_state(&path)).await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let totp_factor = enroll_totp(&client, "Foo Corp", "ada@example.com").await;
    let secret = totp_factor.totp.unwrap().secret;
    let sms_factor = enroll_sms(&client, "+15005550006").await.unwrap();
    let sms_challenge = challenge(&client, &sms_factor.id).await;
    let code = http.outbox().await[0]["code"].as_str().unwrap().to_owned();
    emulator.stop().await;

    let (emulator, config) = start_emulator_with(config_with_state(&path)).await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let fetched = client
        .multi_factor_auth()
        .get_factor(&totp_factor.id)
        .await
        .expect("the TOTP factor survived");
    assert_eq!(fetched.totp.unwrap().user, "ada@example.com");

    let created = challenge(&client, &totp_factor.id).await;
    let totp_code = totp::code_at(secret.expose(), common::unix_now()).unwrap();
    assert!(
        verify(&client, &created.id, &totp_code)
            .await
            .unwrap()
            .valid,
        "the secret survived"
    );
    assert_eq!(http.outbox().await.len(), 1, "the outbox survived");
    assert!(
        verify(&client, &sms_challenge.id, &code)
            .await
            .unwrap()
            .valid,
        "the open challenge survived"
    );
    emulator.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("state.json");
    let (emulator, config) = start_emulator_with(config_with_state(&path)).await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_totp(&client, "Foo Corp", "ada@example.com").await;

    // Saved after the change, without waiting for a stop.
    let mut saved = String::new();
    for _ in 0..100 {
        saved = std::fs::read_to_string(&path).unwrap_or_default();
        if saved.contains(&factor.id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(saved.contains(&factor.id), "the factor reaches the file");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");

    let leftovers: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name != "state.json")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    emulator.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_state_stops_start() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("state.json");
    let cases = [
        ("{\"factors\": [", "not valid JSON"),
        ("{\"factors\": 3}", "does not match the seed format"),
        (
            r#"{"factors": [{"type": "totp", "totp": {"issuer": "A", "user": "b", "secret": "!!"}}]}"#,
            "factors[0].totp.secret",
        ),
    ];
    for (contents, expected) in cases {
        std::fs::write(&path, contents).unwrap();
        let error = start_error(&config_with_state(&path)).await;
        assert!(
            matches!(error, StartError::File(FileError::CorruptState { .. })),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(expected), "{message}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            contents,
            "the file is left as it was"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_file_loads_at_start() {
    let folder = tempfile::tempdir().unwrap();
    let seed = folder.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"factors": [{"id": "auth_factor_01FROMFILE", "type": "totp",
            "totp": {"issuer": "Acme", "user": "ada@example.com", "secret": "JBSWY3DPEHPK3PXP"}}]}"#,
    )
    .unwrap();
    let mut config = EmulatorConfig::with_generated_key();
    config.seed_file = Some(seed.clone());
    let (emulator, config) = start_emulator_with(config).await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let created = challenge(&client, "auth_factor_01FROMFILE").await;
    let code = totp::code_at("JBSWY3DPEHPK3PXP", common::unix_now()).unwrap();
    assert!(verify(&client, &created.id, &code).await.unwrap().valid);
    emulator.stop().await;

    let mut missing = EmulatorConfig::with_generated_key();
    missing.seed_file = Some(folder.path().join("absent.json"));
    let message = start_error(&missing).await.to_string();
    assert!(message.contains("absent.json"), "{message}");
}

//! `mfa-console emulator` as a user runs it: it prints its base URL, loads a
//! seed, stops cleanly and saves its state on Ctrl-C or SIGTERM, and exits
//! with an error on a corrupt state file.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_mfa-console");
const KEY: &str = "sk_test_cli_test_key_0123456789abcdef";

fn emulator_command(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .arg("emulator")
        .args(["--port", "0"])
        .args(args)
        .env("MFA_EMULATOR_API_KEY", KEY)
        .env("RUST_LOG", "warn");
    command
}

/// Kills the emulator child if the test fails before it stops it.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Reads the child's standard output until the base URL line.
fn base_url(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .expect("the emulator prints a line")
        .expect("the line is UTF-8");
    let url = first
        .strip_prefix("mfa-console emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    // Keep reading in the background so the child never blocks on a full pipe.
    std::thread::Builder::new()
        .name("cli-stdout".to_owned())
        .spawn(move || lines.for_each(drop))
        .unwrap();
    url
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_saves_seeded_state() {
    stop_with_signal_saves_seeded_state("INT").await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_saves_seeded_state() {
    stop_with_signal_saves_seeded_state("TERM").await;
}

/// Starts a seeded emulator with a state file, sends it `signal` with `kill`,
/// and checks that it exits with success and left its state in the file.
#[cfg(unix)]
async fn stop_with_signal_saves_seeded_state(signal: &str) {
    let folder = tempfile::tempdir().unwrap();
    let seed = folder.path().join("seed.json");
    let state = folder.path().join("state.json");
    std::fs::write(
        &seed,
        r#"{"factors": [{"id": "auth_factor_01CLISEED", "type": "generic_otp"}]}"#,
    )
    .unwrap();

    let mut child = KillOnDrop(
        emulator_command(&[
            "--seed",
            seed.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts"),
    );
    let url = base_url(&mut child.0);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = client
        .get(format!("{url}/auth/factors/auth_factor_01CLISEED"))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("the emulator responds");
    assert_eq!(response.status().as_u16(), 200, "the seed was loaded");

    let signalled = Command::new("kill")
        .args([&format!("-{signal}"), &child.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    let status = child.0.wait().expect("the emulator exits");
    assert!(status.success(), "SIG{signal} is a clean stop: {status}");

    let saved = std::fs::read_to_string(&state).expect("the state file exists");
    assert!(saved.contains("auth_factor_01CLISEED"), "{saved}");
}

#[test]
fn corrupt_state_exits_with_message() {
    let folder = tempfile::tempdir().unwrap();
    let state = folder.path().join("state.json");
    std::fs::write(&state, "not json").unwrap();

    let output = emulator_command(&["--state", state.to_str().unwrap()])
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&state.display().to_string()), "{stderr}");
    assert!(stderr.contains("not valid JSON"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "not json");
}

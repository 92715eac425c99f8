#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Every console flow, then a scan of everything the console and the emulator
//! wrote or showed for the secrets that passed through them.
//!
//! Scanned: the TRACE-level tracing output of this process, where the
//! console's worker and an emulator run and where dependencies' `log` records
//! arrive through tracing-log. Also the log panel's JSON Lines export, the
//! registry's database files, the settings as serialised, and every text on
//! screen except the inputs the user typed into. And the standard output and
//! error of a headless `mfa-console emulator` child at `RUST_LOG=trace`.
//! Needles: API keys, TOTP secrets, `otpauth://` URIs, the one-time codes
//! used and the full phone number.
//!
//! One-time codes are six digits, which a timestamp, a latency or a port can
//! contain by chance. So the scan removes the timestamps at the start of the
//! child's log lines (the in-process subscriber writes none), and it counts a
//! code only as a whole token, with no digit directly before or after it.
//! What remains are six-digit tokens in IDs and durations, where a chance match
//! with one specific code has a probability near one in a million per token.
//! A hit prints its context so a reader can tell a leak from such a chance.

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::console::{
    Fixture, clear_input, click, console_with, create_challenge, enroll_totp, open_tab, settle,
    step_until, type_into, verify,
};
use common::{sdk, unix_now, wrong_code};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use mfa_console::app::ConsoleApp;
use mfa_console::client::EnrolledKind;
use mfa_console::keystore::MemoryKeyStore;
use mfa_console::registry::Registry;
use mfa_console::totp;

const PHONE: &str = "+15005550006";
/// The phone number without its '+', as it would appear URL-encoded.
const PHONE_DIGITS: &str = "15005550006";

/// Returns the buffer that receives this test process's tracing output, and
/// installs the subscriber that writes to it on the first call.
fn tracing_buffer() -> Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let writer_buffer = buffer.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .without_time()
                .with_writer(move || BufferWriter(writer_buffer.clone()))
                .try_init()
                .expect("no other subscriber is installed in this test binary");
            buffer
        })
        .clone()
}

struct BufferWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for BufferWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A secret to look for, and whether it is a one-time code, which is matched
/// as a whole token only.
struct Needle {
    kind: &'static str,
    text: String,
    whole_token: bool,
}

impl Needle {
    fn secret(kind: &'static str, text: &str) -> Self {
        Self {
            kind,
            text: text.to_owned(),
            whole_token: false,
        }
    }

    fn code(text: &str) -> Self {
        Self {
            kind: "one-time code",
            text: text.to_owned(),
            whole_token: true,
        }
    }

    /// Returns the text around the first match in `haystack`, with the match
    /// itself replaced by the needle's kind so that no failure message repeats
    /// a secret.
    fn find_in(&self, haystack: &str) -> Option<String> {
        for (index, _) in haystack.match_indices(&self.text) {
            let end = index + self.text.len();
            let digit_before = haystack[..index]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit());
            let digit_after = haystack[end..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit());
            if self.whole_token && (digit_before || digit_after) {
                continue;
            }
            let start = haystack.floor_char_boundary(index.saturating_sub(80));
            let stop = haystack.ceil_char_boundary((end + 80).min(haystack.len()));
            let context =
                haystack[start..stop].replace(&self.text, &format!("<the {}>", self.kind));
            return Some(context);
        }
        None
    }
}

fn assert_clean(source: &str, haystack: &str, needles: &[Needle]) {
    for needle in needles {
        if let Some(context) = needle.find_in(haystack) {
            panic!(
                "{source} contains the {}. Context: …{context}…",
                needle.kind
            );
        }
    }
}

/// Returns every text on screen: widget labels and the text of labels, but
/// not what the user typed into text inputs.
fn screen_texts(fixture: &Fixture) -> String {
    let mut texts = String::new();
    for node in fixture.harness.query_all(egui_kittest::kittest::By::new()) {
        let node = node.accesskit_node();
        if let Some(label) = node.label() {
            texts.push_str(&label);
            texts.push('\n');
        }
        if node.role() == egui::accesskit::Role::Label
            && let Some(value) = node.value()
        {
            texts.push_str(&value);
            texts.push('\n');
        }
    }
    texts
}

fn enrolled_uri(app: &ConsoleApp) -> String {
    match &app.session().enrolled.as_ref().unwrap().kind {
        EnrolledKind::Totp(totp) => totp.uri.expose().to_owned(),
        _ => panic!("the last enrollment is a TOTP factor"),
    }
}

/// Returns a six-digit code that none of the TOTP codes accepted around now
/// equals, so verifying it fails.
fn rejected_code(secret: &str) -> String {
    let accepted: Vec<String> = [-60_i64, -30, 0, 30, 60]
        .iter()
        .filter_map(|offset| totp::code_at(secret, unix_now().saturating_add_signed(*offset)))
        .collect();
    let mut code = wrong_code(&accepted[2]);
    while accepted.contains(&code) {
        code = wrong_code(&code);
    }
    code
}

fn read_dir_bytes(folder: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        text.push_str(&String::from_utf8_lossy(&bytes));
        text.push('\n');
    }
    text
}

#[test]
fn console_flows_leave_no_secret() {
    let tracing_output = tracing_buffer();
    let folder = tempfile::TempDir::new().unwrap();
    let database = folder.path().join("registry.sqlite3");
    let registry = Registry::open(&database).unwrap();
    let mut fixture = console_with(
        Arc::new(MemoryKeyStore::default()),
        Ok(Arc::new(Mutex::new(registry))),
    );
    let api_key = fixture.config.api_key.clone();
    let mut needles = vec![
        Needle::secret("API key", &api_key),
        Needle::secret("otpauth URI scheme", "otpauth://"),
        Needle::secret("phone number", PHONE),
        Needle::secret("phone number's digits", PHONE_DIGITS),
    ];
    let mut screens = String::new();
    let harness = &mut fixture.harness;

    // TOTP: enroll, copy the secret and clear the clipboard.
    let secret = enroll_totp(harness, "Foo Corp", "alan.turing@example.com");
    needles.push(Needle::secret("TOTP secret", &secret));
    needles.push(Needle::secret(
        "otpauth URI",
        &enrolled_uri(harness.state()),
    ));
    click(harness, "Copy secret");
    click(harness, "Clear clipboard now");
    step_until(harness, "the clipboard clear", |app| {
        app.clipboard_guard().is_none()
    });
    screens.push_str(&screen_texts(&fixture));
    let harness = &mut fixture.harness;

    // Challenge, then verify a wrong code and the right one.
    create_challenge(harness);
    let wrong = rejected_code(&secret);
    needles.push(Needle::code(&wrong));
    verify(harness, &wrong);
    assert!(
        harness.query_by_label("Invalid code").is_some(),
        "the wrong code is rejected"
    );
    screens.push_str(&screen_texts(&fixture));
    let harness = &mut fixture.harness;
    let right = totp::code_at(&secret, unix_now()).unwrap();
    needles.push(Needle::code(&right));
    verify(harness, &right);
    assert!(
        harness.query_by_label("Valid code").is_some(),
        "the right code is accepted"
    );
    screens.push_str(&screen_texts(&fixture));
    let harness = &mut fixture.harness;

    // A second challenge, left open for the error below.
    create_challenge(harness);

    // Get and delete the factor from the Factors tab.
    open_tab(harness, "Factors");
    click(harness, "Refresh");
    settle(harness, "the refresh");
    click(harness, "Delete");
    click(harness, "Confirm delete");
    settle(harness, "the delete");
    screens.push_str(&screen_texts(&fixture));
    let harness = &mut fixture.harness;

    // An error on screen: the open challenge's factor is gone.
    verify(harness, &right);
    assert!(
        harness.query_by_label("Valid code").is_none(),
        "verify fails once the factor is deleted"
    );
    assert!(
        harness
            .state()
            .log_records()
            .iter()
            .filter_map(|record| record.exchange.as_ref())
            .any(|exchange| exchange.path.ends_with("/verify") && exchange.status == Some(404)),
        "the emulator answered the verify with 404"
    );
    screens.push_str(&screen_texts(&fixture));
    let harness = &mut fixture.harness;

    // NOTE: listing a WorkOS user's factors uses the User Management
    // endpoints, which this emulator does not serve yet, so that flow is
    // not run here.

    // SMS: enroll and challenge. The emulator sends the code by SMS only,
    // and without its outbox the code is not known to the test, so it is
    // not among the needles.
    open_tab(harness, "Enroll");
    click(harness, "SMS");
    type_into(harness, "Phone number", PHONE);
    click(harness, "Enroll factor");
    settle(harness, "the SMS enrollment");
    clear_input(harness, "Phone number");
    create_challenge(harness);
    screens.push_str(&screen_texts(&fixture));
    let harness = &mut fixture.harness;

    // Export the log panel as JSON Lines.
    let export = folder.path().join("log.jsonl");
    clear_input(harness, "Export to path");
    type_into(harness, "Export to path", &export.display().to_string());
    click(harness, "Export");
    settle(harness, "the log export");
    let exported = std::fs::read_to_string(&export).expect("the log was exported");
    assert!(
        exported.contains("Foo Corp") || exported.contains("Enrolled"),
        "the export contains the session's records"
    );

    let settings = serde_json::to_string(&harness.state().settings()).unwrap();
    let log_panel: String = harness
        .state()
        .log_records()
        .iter()
        .map(|record| format!("{record:?}\n"))
        .collect();
    drop(fixture);
    let registry_files = read_dir_bytes(folder.path());
    assert!(
        registry_files.contains("alan.turing@example.com"),
        "the registry files hold the labels, so the scan reads real data"
    );
    let traces = String::from_utf8_lossy(&tracing_output.lock().unwrap()).into_owned();
    assert!(
        traces.contains("request finished"),
        "the console's own tracing output was captured"
    );

    for (source, haystack) in [
        ("the tracing output", &traces),
        ("the log panel", &log_panel),
        ("the exported log", &exported),
        ("the registry files", &registry_files),
        ("the settings", &settings),
        ("the screen", &screens),
    ] {
        assert_clean(source, haystack, &needles);
    }
}

/// Reads a child's output stream to the end on a thread of its own.
fn collect(stream: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::Builder::new()
        .name("child-output".to_owned())
        .spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stream).read_to_string(&mut text);
            text
        })
        .unwrap()
}

/// Removes the RFC 3339 timestamp that starts each tracing line.
fn without_timestamps(text: &str) -> String {
    text.lines()
        .map(|line| {
            let is_timestamp = line.len() > 20
                && line.as_bytes()[4] == b'-'
                && line.as_bytes()[10] == b'T'
                && line.as_bytes()[..4].iter().all(u8::is_ascii_digit);
            match line.split_once(' ') {
                Some((_, rest)) if is_timestamp => rest,
                _ => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_emulator_output_has_no_secret() {
    let api_key = mfa_console::emulator::generate_api_key();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mfa-console"))
        .args(["emulator", "--port", "0"])
        .env("MFA_EMULATOR_API_KEY", &api_key)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mfa-console binary starts");
    let stderr = collect(child.stderr.take().unwrap());
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    let base_url = first_line
        .trim()
        .strip_prefix("mfa-console emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first_line}"))
        .to_owned();
    let stdout = collect(stdout);

    let client = sdk(&base_url, &api_key);
    let mut needles = vec![
        Needle::secret("API key", &api_key),
        Needle::secret("otpauth URI scheme", "otpauth://"),
        Needle::secret("phone number", PHONE),
        Needle::secret("phone number's digits", PHONE_DIGITS),
    ];

    let factor = common::enroll_totp(&client, "Foo Corp", "alan.turing@example.com").await;
    let totp_data = factor.totp.clone().unwrap();
    let secret = totp_data.secret.expose().to_owned();
    needles.push(Needle::secret("TOTP secret", &secret));
    needles.push(Needle::secret("otpauth URI", totp_data.uri.expose()));
    let challenge = common::challenge(&client, &factor.id).await;
    let wrong = rejected_code(&secret);
    needles.push(Needle::code(&wrong));
    let rejected = common::verify(&client, &challenge.id, &wrong)
        .await
        .unwrap();
    assert!(!rejected.valid, "the wrong code is rejected");
    let right = totp::code_at(&secret, unix_now()).unwrap();
    needles.push(Needle::code(&right));
    let accepted = common::verify(&client, &challenge.id, &right)
        .await
        .unwrap();
    assert!(accepted.valid, "the right code is accepted");
    client
        .multi_factor_auth()
        .get_factor(&factor.id)
        .await
        .expect("get succeeds");
    client
        .multi_factor_auth()
        .delete_factor(&factor.id)
        .await
        .expect("delete succeeds");
    let sms = client
        .multi_factor_auth()
        .enroll_factor(workos::multi_factor_auth::EnrollFactorParams::new(
            workos::AuthenticationFactorsCreateRequest {
                type_: workos::AuthenticationFactorsCreateRequestType::Sms,
                phone_number: Some(PHONE.to_owned()),
                totp_issuer: None,
                totp_user: None,
                user_id: None,
            },
        ))
        .await
        .expect("SMS enrollment succeeds");
    common::challenge(&client, &sms.id).await;

    // Let the last log lines reach the pipes, then stop the child we started.
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.kill().expect("the emulator child can be stopped");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stdout = first_line + &stdout.join().unwrap();
    let stderr = without_timestamps(&stderr.join().unwrap());
    assert!(
        stderr.contains("emulator enrolled a factor"),
        "the child's tracing output was captured ({} bytes)",
        stderr.len()
    );
    assert_clean("the emulator's standard output", &stdout, &needles);
    assert_clean("the emulator's standard error", &stderr, &needles);
}

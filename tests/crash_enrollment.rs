//! Killing the console (SIGKILL) during or right after an enrollment leaves
//! the registry consistent, and the next start reports what happened: either the
//! factor is fully recorded, or the interrupted enrollment is reported.
//!
//! Each test re-runs this test binary as a child that drives a console against
//! its own emulator on 127.0.0.1, writes a marker file at the chosen moment and
//! waits to be killed. The parent kills it by PID and opens a new console on
//! the same registry file.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Http;
use common::console::{click, console_with, open_tab, settle, step_until, type_into};
use mfa_console::keystore::MemoryKeyStore;
use mfa_console::registry::Registry;

const CHILD_REGISTRY: &str = "MFA_CONSOLE_CRASH_REGISTRY";
const CHILD_MARKER: &str = "MFA_CONSOLE_CRASH_MARKER";

fn shared_registry(path: &Path) -> mfa_console::worker::SharedRegistry {
    Ok(Arc::new(Mutex::new(Registry::open(path).unwrap())))
}

/// Returns how many enrollments are journaled as in flight in `path`.
fn journaled_enrollments(path: &Path) -> i64 {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection
        .query_row("SELECT count(*) FROM pending_enrollments", [], |row| {
            row.get(0)
        })
        .unwrap_or(0)
}

/// Child side: enrolls, writes the marker when `ready` holds, then waits to be
/// killed while still drawing frames.
fn run_child(slow_enrollment: bool) {
    let registry_path = PathBuf::from(std::env::var_os(CHILD_REGISTRY).unwrap());
    let marker = PathBuf::from(std::env::var_os(CHILD_MARKER).unwrap());
    let mut fixture = console_with(
        Arc::new(MemoryKeyStore::default()),
        shared_registry(&registry_path),
    );
    if slow_enrollment {
        let http = Http::new(&fixture.emulator, &fixture.config);
        let (status, body) = fixture.runtime.block_on(http.post(
            "/_emulator/faults",
            serde_json::json!({ "path": "/auth/factors/enroll", "kind": { "type": "latency", "milliseconds": 60_000 } }),
        ));
        assert_eq!(status, 201, "{body}");
    }
    let harness = &mut fixture.harness;
    open_tab(harness, "Enroll");
    type_into(harness, "Issuer", "Foo Corp");
    type_into(harness, "User", "crash@example.com");
    click(harness, "Enroll factor");
    if slow_enrollment {
        step_until(harness, "the journal entry", |_| {
            journaled_enrollments(&registry_path) > 0
        });
    } else {
        settle(harness, "the enrollment");
    }
    std::fs::write(&marker, "ready").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the parent did not kill this child within a minute");
}

/// Parent side: runs the named test as a child, kills it once it wrote the
/// marker, and returns the registry path.
fn kill_child_at_marker(test_name: &str, folder: &Path) -> PathBuf {
    let registry_path = folder.join("registry.sqlite3");
    let marker = folder.join("marker");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_REGISTRY, &registry_path)
        .env(CHILD_MARKER, &marker)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the child exited early with {status}");
        }
        assert!(
            Instant::now() < deadline,
            "the child never reached the marker"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // `Child::kill` sends SIGKILL on Unix: no destructor or flush runs.
    child.kill().unwrap();
    child.wait().unwrap();
    registry_path
}

#[test]
fn kill_during_enrollment_is_reported() {
    if std::env::var_os(CHILD_REGISTRY).is_some() {
        run_child(true);
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let registry_path = kill_child_at_marker("kill_during_enrollment_is_reported", folder.path());

    let registry = Registry::open(&registry_path).unwrap();
    registry.check_integrity().unwrap();
    let filter = mfa_console::registry::FactorFilter::environment("local-emulator");
    assert!(
        registry.list_factors(&filter).unwrap().is_empty(),
        "no half-recorded factor"
    );
    drop(registry);

    let mut fixture = console_with(
        Arc::new(MemoryKeyStore::default()),
        shared_registry(&registry_path),
    );
    let harness = &mut fixture.harness;
    step_until(harness, "the interrupted enrollment report", |app| {
        app.log_records().iter().any(|record| {
            record.outcome.contains("TOTP Foo Corp / crash@example.com")
                && record.outcome.contains("did not finish")
        })
    });
    assert_eq!(
        journaled_enrollments(&registry_path),
        0,
        "the report is shown once"
    );
}

#[test]
fn kill_after_enrollment_keeps_factor() {
    if std::env::var_os(CHILD_REGISTRY).is_some() {
        run_child(false);
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let registry_path = kill_child_at_marker("kill_after_enrollment_keeps_factor", folder.path());

    let mut fixture = console_with(
        Arc::new(MemoryKeyStore::default()),
        shared_registry(&registry_path),
    );
    let harness = &mut fixture.harness;
    open_tab(harness, "Factors");
    step_until(harness, "the registry read", |app| {
        app.factor_rows()
            .iter()
            .any(|row| row.info.totp_user.as_deref() == Some("crash@example.com"))
    });
    assert!(
        common::console::shown(harness, "crash@example.com"),
        "the factor enrolled before the kill is listed"
    );
    assert!(
        !harness
            .state()
            .log_records()
            .iter()
            .any(|record| record.outcome.contains("did not finish")),
        "no interrupted enrollment is reported"
    );
}

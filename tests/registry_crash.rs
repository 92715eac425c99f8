#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Crash safety of the factor registry. Each test re-runs this test binary as a
//! child process that opens a registry in a temporary directory and then dies
//! on purpose. The parent reopens the file and checks what survived.
//!
//! A killed process loses nothing that reached the operating system, so these
//! tests show that a committed write is not held back in the process and that
//! an uncommitted one is rolled back. They cannot show that the data survives a
//! power loss, which depends on `synchronous=FULL` and the disk.

use std::env;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use mfa_console::registry::{FactorFilter, NewChallenge, NewFactor, Registry};
use tempfile::TempDir;

/// Tells the child which crash to act out. Unset in a normal test run.
const MODE_VARIABLE: &str = "MFA_REGISTRY_CRASH_CHILD_MODE";
/// Path of the registry file the child writes.
const DATABASE_VARIABLE: &str = "MFA_REGISTRY_CRASH_CHILD_DATABASE";
/// Path of the file the child creates once it is inside its transaction.
const READY_VARIABLE: &str = "MFA_REGISTRY_CRASH_CHILD_READY";

const MODE_ABORT_AFTER_COMMIT: &str = "abort-after-commit";
const MODE_WAIT_IN_TRANSACTION: &str = "wait-in-transaction";

/// Name of the test function that acts as the child.
const CHILD_TEST: &str = "child_process_entry";

/// Exit code of a child that was not killed within its wait.
const NOT_KILLED_EXIT_CODE: i32 = 3;

const ENVIRONMENT: &str = "environment_crash_test";
const CREATED_AT: &str = "2026-04-20T10:11:12.345Z";
const COMMITTED_ID: &str = "auth_factor_COMMITTED";
const UNCOMMITTED_ID: &str = "auth_factor_UNCOMMITTED";
const UNCOMMITTED_USER: &str = "uncommitted@example.com";

/// Filler factors written in the killed transaction. Together with their long
/// labels they exceed SQLite's default page cache (2 MiB), so SQLite writes
/// uncommitted pages to the WAL file before the kill, and recovery has to skip
/// them.
const FILLER_FACTORS: usize = 6_000;
const FILLER_LABEL_BYTES: usize = 600;

/// How long the parent waits for the child to get inside its transaction, and
/// the child for the parent's kill.
const MAX_WAIT: Duration = Duration::from_secs(60);

fn committed_factor() -> NewFactor {
    NewFactor::totp(
        COMMITTED_ID,
        ENVIRONMENT,
        "Foo Corp",
        "alan.turing@example.com",
        CREATED_AT,
    )
    .with_workos_user_id("user_01CRASHTEST")
}

/// The child's side of every test. In a normal test run no mode is set, and
/// it returns at once.
#[test]
fn child_process_entry() {
    let Ok(mode) = env::var(MODE_VARIABLE) else {
        return;
    };
    let path = PathBuf::from(env::var(DATABASE_VARIABLE).expect("the parent sets the path"));
    let mut registry = Registry::open(&path).expect("the child opens the registry");

    match mode.as_str() {
        MODE_ABORT_AFTER_COMMIT => {
            registry
                .record_factor(&committed_factor())
                .expect("the child records the factor");
            std::process::abort();
        }
        MODE_WAIT_IN_TRANSACTION => {
            let ready = PathBuf::from(env::var(READY_VARIABLE).expect("the parent sets the path"));
            registry
                .record_factor(&committed_factor())
                .expect("the child records the committed factor");
            let _: Result<(), _> = registry.transaction(|transaction| {
                transaction.record_factor(&NewFactor::totp(
                    UNCOMMITTED_ID,
                    ENVIRONMENT,
                    "Foo Corp",
                    UNCOMMITTED_USER,
                    CREATED_AT,
                ))?;
                transaction.record_challenge(&NewChallenge {
                    challenge_id: "auth_challenge_UNCOMMITTED".to_owned(),
                    factor_id: UNCOMMITTED_ID.to_owned(),
                    created_at: CREATED_AT.to_owned(),
                    expires_at: None,
                })?;
                transaction.set_sso_user(ENVIRONMENT, UNCOMMITTED_USER, true)?;
                let padding = "x".repeat(FILLER_LABEL_BYTES);
                for index in 0..FILLER_FACTORS {
                    transaction.record_factor(&NewFactor::totp(
                        format!("auth_factor_FILLER{index:05}"),
                        ENVIRONMENT,
                        "Filler",
                        format!("{index:05}{padding}"),
                        CREATED_AT,
                    ))?;
                }

                fs::write(&ready, b"inside the transaction").expect("the child signals");
                thread::sleep(MAX_WAIT);
                Ok(())
            });
            std::process::exit(NOT_KILLED_EXIT_CODE);
        }
        other => panic!("unknown child mode '{other}'"),
    }
}

/// A child process with its output going to files in the test's directory.
struct ChildRun {
    child: Child,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
}

impl ChildRun {
    fn start(dir: &Path, mode: &str, database: &Path, ready: &Path) -> Self {
        let stdout_path = dir.join("child.stdout");
        let stderr_path = dir.join("child.stderr");
        let child = Command::new(env::current_exe().expect("the test binary has a path"))
            .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(MODE_VARIABLE, mode)
            .env(DATABASE_VARIABLE, database)
            .env(READY_VARIABLE, ready)
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path).expect("stdout file"))
            .stderr(File::create(&stderr_path).expect("stderr file"))
            .spawn()
            .expect("the test binary starts again as a child");
        Self {
            child,
            stdout_path,
            stderr_path,
        }
    }

    /// Returns the child's output, for failure messages.
    fn output(&self) -> String {
        let stdout = fs::read_to_string(&self.stdout_path).unwrap_or_default();
        let stderr = fs::read_to_string(&self.stderr_path).unwrap_or_default();
        format!("child stdout:\n{stdout}\nchild stderr:\n{stderr}")
    }

    fn wait(&mut self) -> ExitStatus {
        self.child.wait().expect("waiting for the child works")
    }
}

impl Drop for ChildRun {
    /// Ends a child that a failed assertion left running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(unix)]
fn signal_of(status: ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt as _;
    status.signal()
}

#[test]
fn committed_factor_survives_abort() {
    let dir = TempDir::new().unwrap();
    let database = dir.path().join("registry.sqlite3");
    let mut run = ChildRun::start(
        dir.path(),
        MODE_ABORT_AFTER_COMMIT,
        &database,
        &dir.path().join("unused"),
    );

    let status = run.wait();

    assert!(
        !status.success(),
        "the child aborts: {status:?}\n{}",
        run.output()
    );
    #[cfg(unix)]
    assert_eq!(
        signal_of(status),
        Some(6),
        "SIGABRT ends the child\n{}",
        run.output()
    );

    let registry = Registry::open(&database).expect("the registry reopens after the crash");
    registry.check_integrity().expect("the file is consistent");
    let factor = registry
        .get_factor(COMMITTED_ID)
        .unwrap()
        .expect("the factor recorded before the abort is there");
    assert_eq!(factor.environment_id, ENVIRONMENT);
    assert_eq!(factor.user_label, "alan.turing@example.com");
    assert_eq!(factor.issuer.as_deref(), Some("Foo Corp"));
    assert_eq!(factor.workos_user_id.as_deref(), Some("user_01CRASHTEST"));
    assert_eq!(factor.deleted_at, None);
}

#[test]
fn killed_transaction_leaves_no_trace() {
    let dir = TempDir::new().unwrap();
    let database = dir.path().join("registry.sqlite3");
    let ready = dir.path().join("child-ready");
    let mut run = ChildRun::start(dir.path(), MODE_WAIT_IN_TRANSACTION, &database, &ready);

    let started = Instant::now();
    while !ready.exists() {
        if let Some(status) = run.child.try_wait().unwrap() {
            panic!(
                "the child exited before the kill: {status:?}\n{}",
                run.output()
            );
        }
        assert!(
            started.elapsed() < MAX_WAIT,
            "the child never signalled\n{}",
            run.output()
        );
        thread::sleep(Duration::from_millis(20));
    }
    let wal_bytes = fs::metadata(dir.path().join("registry.sqlite3-wal"))
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    assert!(
        wal_bytes > 2 * 1024 * 1024,
        "uncommitted pages reached the WAL file before the kill ({wal_bytes} bytes)"
    );

    run.child.kill().expect("the child is killed by its PID");
    let status = run.wait();

    #[cfg(unix)]
    assert_eq!(
        signal_of(status),
        Some(9),
        "SIGKILL ends the child\n{}",
        run.output()
    );
    assert_ne!(
        status.code(),
        Some(NOT_KILLED_EXIT_CODE),
        "{}",
        run.output()
    );

    let registry = Registry::open(&database).expect("the registry reopens after the kill");
    registry
        .check_integrity()
        .expect("PRAGMA integrity_check returns ok");
    assert!(
        registry.get_factor(COMMITTED_ID).unwrap().is_some(),
        "the factor committed before the transaction stays"
    );
    assert_eq!(registry.get_factor(UNCOMMITTED_ID).unwrap(), None);
    assert!(registry.challenges_for(UNCOMMITTED_ID).unwrap().is_empty());
    assert!(!registry.is_sso_user(ENVIRONMENT, UNCOMMITTED_USER).unwrap());
    let filter = FactorFilter {
        include_deleted: true,
        ..FactorFilter::environment(ENVIRONMENT)
    };
    let listed: Vec<String> = registry
        .list_factors(&filter)
        .unwrap()
        .into_iter()
        .map(|factor| factor.factor_id)
        .collect();
    assert_eq!(listed, [COMMITTED_ID], "no filler factor was kept");
}

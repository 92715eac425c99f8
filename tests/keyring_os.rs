//! The OS keyring through `OsKeyStore`: save, load, replace and forget a key
//! in a real Secret Service. Ignored by default because a plain shell has no
//! keyring; CI runs it inside a private D-Bus session with gnome-keyring:
//!
//! ```sh
//! dbus-run-session -- sh -c 'export HOME=$(mktemp -d); eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"; cargo test --test keyring_os -- --ignored'
//! ```

#![allow(clippy::expect_used, clippy::unwrap_used)]

use mfa_console::keystore::{KeyStore, OsKeyStore};
use workos::SecretString;

#[test]
#[ignore = "needs a Secret Service; CI runs it under dbus-run-session with gnome-keyring"]
fn os_keyring_round_trip() {
    let store = OsKeyStore;
    let environment = format!("test-{}", std::process::id());

    assert_eq!(store.load(&environment), Ok(None), "no key before saving");
    store
        .save(&environment, &SecretString::new("sk_test_first_key_0001"))
        .expect("the keyring stores a key");
    assert_eq!(
        store
            .load(&environment)
            .unwrap()
            .map(SecretString::into_inner),
        Some("sk_test_first_key_0001".to_owned())
    );

    store
        .save(&environment, &SecretString::new("sk_test_second_key_0002"))
        .expect("the keyring replaces a key");
    assert_eq!(
        store
            .load(&environment)
            .unwrap()
            .map(SecretString::into_inner),
        Some("sk_test_second_key_0002".to_owned())
    );

    store
        .forget(&environment)
        .expect("the keyring removes a key");
    assert_eq!(
        store.load(&environment),
        Ok(None),
        "no key after forgetting"
    );
    assert_eq!(
        store.forget(&environment),
        Ok(()),
        "forgetting twice is fine"
    );
}

#[test]
#[ignore = "needs a Secret Service; CI runs it under dbus-run-session with gnome-keyring"]
fn worker_saves_and_loads_through_keyring() {
    use mfa_console::worker::{Command, Event, Outcome, Worker};
    use std::sync::Arc;

    let mut worker = Worker::new(
        Arc::new(OsKeyStore),
        Err("no registry in this test".to_owned()),
        mfa_console::client::DEFAULT_TIMEOUT,
    )
    .expect("worker starts");
    let environment = format!("worker-test-{}", std::process::id());
    let wait_for_outcome = |worker: &mut Worker| -> Outcome {
        for _ in 0..500 {
            for event in worker.drain() {
                if let Event::Done { outcome, .. } = event {
                    return outcome;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the worker did not answer within five seconds");
    };

    worker.send(Command::SaveKey {
        environment_id: environment.clone(),
        key: SecretString::new("sk_test_worker_key_0003"),
    });
    match wait_for_outcome(&mut worker) {
        Outcome::KeySaved { result, .. } => assert_eq!(result, Ok(())),
        other => panic!("unexpected outcome {other:?}"),
    }

    worker.send(Command::LoadKey {
        environment_id: environment.clone(),
    });
    match wait_for_outcome(&mut worker) {
        Outcome::KeyLoaded { result, .. } => assert_eq!(
            result.unwrap().map(SecretString::into_inner),
            Some("sk_test_worker_key_0003".to_owned())
        ),
        other => panic!("unexpected outcome {other:?}"),
    }

    worker.send(Command::ForgetKey {
        environment_id: environment,
    });
    match wait_for_outcome(&mut worker) {
        Outcome::KeyForgotten { result, .. } => assert_eq!(result, Ok(())),
        other => panic!("unexpected outcome {other:?}"),
    }
}

/// Environment variable that makes the test binary act as the child of
/// `missing_keyring_is_reported`.
const CHILD_SWITCH: &str = "MFA_CONSOLE_KEYRING_CHILD";

#[test]
fn missing_keyring_is_reported() {
    if std::env::var_os(CHILD_SWITCH).is_some() {
        let result = OsKeyStore.load("any-environment");
        let error = result.expect_err("no Secret Service is reachable");
        println!("KEYRING-RESULT {error}");
        assert!(
            matches!(error, mfa_console::keystore::KeyStoreError::Unavailable(_)),
            "{error:?}"
        );
        return;
    }
    // Run this same test in a child whose D-Bus session address leads nowhere,
    // as in a plain CI shell, whatever keyring the developer's desktop has.
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["missing_keyring_is_reported", "--exact", "--nocapture"])
        .env(CHILD_SWITCH, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/mfa-console-test-bus",
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("KEYRING-RESULT No OS keyring is available"),
        "{stdout}"
    );
}

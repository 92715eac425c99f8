//! The Factors tab backed by the local registry: factors and open challenges
//! survive a restart of the console, and users marked as SSO users need an
//! explicit override.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::console::{
    click, console, console_with, create_challenge, enroll_totp, open_tab, settle, shown,
    step_until,
};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use mfa_console::keystore::MemoryKeyStore;
use mfa_console::redact::mask_id;
use mfa_console::registry::Registry;

fn registry_at(path: &std::path::Path) -> mfa_console::worker::SharedRegistry {
    Ok(Arc::new(Mutex::new(
        Registry::open(path).expect("registry opens"),
    )))
}

#[test]
fn factors_survive_restart() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("registry.sqlite3");

    let factor_id = {
        let mut fixture = console_with(Arc::new(MemoryKeyStore::default()), registry_at(&path));
        enroll_totp(&mut fixture.harness, "Foo Corp", "alan@example.com");
        fixture
            .harness
            .state()
            .session()
            .factor_id()
            .unwrap()
            .to_owned()
    };

    let mut fixture = console_with(Arc::new(MemoryKeyStore::default()), registry_at(&path));
    let harness = &mut fixture.harness;
    open_tab(harness, "Factors");
    settle(harness, "the registry read");
    harness.run_steps(2);
    assert!(
        harness.query_by_label(&factor_id).is_some(),
        "the factor is listed after a restart"
    );
    assert!(
        harness.query_by_label("alan@example.com").is_some(),
        "with its user"
    );
}

#[test]
fn sso_user_needs_override() {
    let mut fixture = console();
    let harness = &mut fixture.harness;
    enroll_totp(harness, "Foo Corp", "sso.user@example.com");
    open_tab(harness, "Factors");
    click(harness, "SSO user");

    open_tab(harness, "Enroll");
    let warning = "This user signs in through SSO: their identity provider owns MFA, and the WorkOS MFA API is not meant for SSO users.";
    assert!(shown(harness, warning), "the SSO warning is shown");
    assert!(
        harness
            .get_by_label("Enroll factor")
            .accesskit_node()
            .is_disabled(),
        "enrolling needs the override"
    );
    click(harness, "Enroll this SSO user anyway");
    assert!(
        !harness
            .get_by_label("Enroll factor")
            .accesskit_node()
            .is_disabled(),
        "the override enables enrolling"
    );
    click(harness, "Enroll factor");
    settle(harness, "the second enrollment");
    assert_eq!(
        harness
            .state()
            .log_records()
            .iter()
            .filter_map(|record| record.exchange.as_ref())
            .filter(|exchange| exchange.path == "/auth/factors/enroll")
            .count(),
        2
    );
}

#[test]
fn open_challenges_survive_restart() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("registry.sqlite3");

    let (factor_id, challenge_id) = {
        let mut fixture = console_with(Arc::new(MemoryKeyStore::default()), registry_at(&path));
        enroll_totp(&mut fixture.harness, "Foo Corp", "alan@example.com");
        create_challenge(&mut fixture.harness);
        let session = fixture.harness.state().session();
        (
            session.factor_id().unwrap().to_owned(),
            session.current_challenge().unwrap().info.id.clone(),
        )
    };
    // The worker writes the challenge in the background; wait until another
    // connection to the file can read it.
    let reader = Registry::open(&path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while reader.challenges_for(&factor_id).unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the challenge reached the registry"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut fixture = console_with(Arc::new(MemoryKeyStore::default()), registry_at(&path));
    let harness = &mut fixture.harness;
    open_tab(harness, "Challenges");
    step_until(harness, "the restored challenge", |app| {
        !app.session().challenges.is_empty()
    });
    harness.run_steps(2);
    assert!(
        shown(harness, &mask_id(&challenge_id)),
        "the open challenge is listed after a restart"
    );
    assert_eq!(
        harness
            .state()
            .session()
            .current_challenge()
            .map(|challenge| challenge.info.id.clone()),
        Some(challenge_id),
        "the Verify tab takes the restored challenge"
    );
}

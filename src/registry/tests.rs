use std::fs;
use std::path::Path;
use std::thread;
use std::time::Duration;

use rusqlite::Connection;
use tempfile::TempDir;
use time::OffsetDateTime;
use time::macros::datetime;

use super::migrations::migrate_to;
use super::queries::escape_like;
use super::*;
use crate::validate::PhoneNumber;

const ENVIRONMENT: &str = "environment_emulator";
const CREATED_AT: &str = "2026-04-20T10:11:12.345Z";

fn totp(factor_id: &str, issuer: &str, user: &str) -> NewFactor {
    NewFactor::totp(factor_id, ENVIRONMENT, issuer, user, CREATED_AT)
}

fn sms(factor_id: &str, number: &str) -> NewFactor {
    let phone = PhoneNumber::parse(number).expect("test numbers are E.164");
    NewFactor::sms(
        factor_id,
        ENVIRONMENT,
        MaskedPhone::from(&phone),
        CREATED_AT,
    )
}

fn challenge(challenge_id: &str, factor_id: &str, created_at: &str) -> NewChallenge {
    NewChallenge {
        challenge_id: challenge_id.to_owned(),
        factor_id: factor_id.to_owned(),
        created_at: created_at.to_owned(),
        expires_at: Some(datetime!(2026-04-20 10:21:12.345 UTC)),
    }
}

fn memory() -> Registry {
    Registry::open_in_memory().expect("an in-memory registry opens")
}

/// Returns an in-memory registry with the TOTP factor `auth_factor_A`.
fn memory_with_factor() -> Registry {
    let mut registry = memory();
    registry
        .record_factor(&totp("auth_factor_A", "Foo", "a"))
        .unwrap();
    registry
}

fn ids(factors: &[FactorRecord]) -> Vec<&str> {
    factors
        .iter()
        .map(|factor| factor.factor_id.as_str())
        .collect()
}

fn search(registry: &Registry, text: &str) -> Vec<String> {
    let filter = FactorFilter {
        search: Some(text.to_owned()),
        ..FactorFilter::environment(ENVIRONMENT)
    };
    let mut found: Vec<String> = registry
        .list_factors(&filter)
        .expect("listing works")
        .into_iter()
        .map(|factor| factor.factor_id)
        .collect();
    found.sort();
    found
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

// Opening and settings

#[test]
fn in_memory_registry_is_at_latest_version() {
    let registry = memory();
    assert_eq!(registry.schema_version().unwrap(), LATEST_VERSION);
    assert_eq!(registry.path(), Path::new(":memory:"));
}

#[test]
fn open_creates_parent_directories() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nested/deeper/registry.sqlite3");

    let registry = Registry::open(&path).expect("the registry opens");

    assert!(path.is_file(), "the file exists after opening");
    assert_eq!(registry.path(), path);
    assert_eq!(registry.schema_version().unwrap(), LATEST_VERSION);
}

#[test]
fn open_sets_durable_connection_options() {
    let dir = TempDir::new().unwrap();
    let registry = Registry::open(&dir.path().join(FILE_NAME)).unwrap();
    let pragma_text = |name: &str| -> String {
        registry
            .connection
            .pragma_query_value(None, name, |row| row.get(0))
            .unwrap()
    };
    let pragma_number = |name: &str| -> i64 {
        registry
            .connection
            .pragma_query_value(None, name, |row| row.get(0))
            .unwrap()
    };

    assert_eq!(pragma_text("journal_mode"), "wal");
    assert_eq!(pragma_number("synchronous"), 2, "2 is FULL");
    assert_eq!(pragma_number("foreign_keys"), 1);
    assert_eq!(pragma_number("secure_delete"), 1);
    assert_eq!(pragma_number("busy_timeout"), 5000);
    assert_eq!(pragma_number("application_id"), APPLICATION_ID);
}

#[test]
fn default_path_ends_with_file_name() {
    // Fails only where the platform has no home directory, which the
    // developer machines and CI have.
    let path = default_path().expect("a data directory exists");
    assert!(
        path.ends_with(Path::new("mfa-console").join(FILE_NAME)),
        "{}",
        path.display()
    );
}

#[test]
fn reopened_registry_keeps_factors() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(FILE_NAME);
    let mut registry = Registry::open(&path).unwrap();
    registry
        .record_factor(&totp("auth_factor_A", "Foo Corp", "alan@example.com"))
        .unwrap();
    drop(registry);

    let reopened = Registry::open(&path).unwrap();
    let factor = reopened.get_factor("auth_factor_A").unwrap();
    assert_eq!(
        factor.map(|factor| factor.user_label).as_deref(),
        Some("alan@example.com")
    );
}

// Factors

#[test]
fn totp_factor_round_trips() {
    let mut registry = memory();
    let before = OffsetDateTime::now_utc().replace_millisecond(0).unwrap();
    registry
        .record_factor(
            &totp("auth_factor_TOTP", "Foo Corp", "alan@example.com")
                .with_workos_user_id("user_01ABC"),
        )
        .unwrap();

    let factor = registry
        .get_factor("auth_factor_TOTP")
        .unwrap()
        .expect("stored");
    assert_eq!(factor.factor_id, "auth_factor_TOTP");
    assert_eq!(factor.environment_id, ENVIRONMENT);
    assert_eq!(factor.factor_type, FactorType::Totp);
    assert_eq!(factor.user_label, "alan@example.com");
    assert_eq!(factor.issuer.as_deref(), Some("Foo Corp"));
    assert_eq!(factor.masked_phone, None);
    assert_eq!(factor.workos_user_id.as_deref(), Some("user_01ABC"));
    assert_eq!(factor.created_at, datetime!(2026-04-20 10:11:12.345 UTC));
    assert!(
        factor.recorded_at >= before,
        "recorded_at is the current time"
    );
    assert!(factor.recorded_at <= OffsetDateTime::now_utc());
    assert_eq!(factor.deleted_at, None);
}

#[test]
fn sms_factor_stores_masked_phone() {
    let mut registry = memory();
    registry
        .record_factor(&sms("auth_factor_SMS", "+15005550006"))
        .unwrap();

    let factor = registry
        .get_factor("auth_factor_SMS")
        .unwrap()
        .expect("stored");
    assert_eq!(factor.factor_type, FactorType::Sms);
    assert_eq!(factor.user_label, "+1********06");
    assert_eq!(
        factor.masked_phone.as_ref().map(MaskedPhone::as_str),
        Some("+1********06")
    );
    assert_eq!(factor.issuer, None);
}

#[test]
fn generic_otp_factor_uses_given_label() {
    let mut registry = memory();
    registry
        .record_factor(&NewFactor::generic_otp(
            "auth_factor_OTP",
            ENVIRONMENT,
            "front desk",
            CREATED_AT,
        ))
        .unwrap();

    let factor = registry
        .get_factor("auth_factor_OTP")
        .unwrap()
        .expect("stored");
    assert_eq!(factor.factor_type, FactorType::GenericOtp);
    assert_eq!(factor.user_label, "front desk");
    assert_eq!(factor.issuer, None);
    assert_eq!(factor.masked_phone, None);
}

#[test]
fn masked_phone_never_keeps_full_number() {
    assert_eq!(MaskedPhone::new("+15005550006").as_str(), "+1********06");
    assert_eq!(
        MaskedPhone::new("+1********06").as_str(),
        "+1********06",
        "masking a masked number changes nothing"
    );
    assert_eq!(MaskedPhone::new("+44").as_str(), "***");
}

#[test]
fn unknown_factor_is_none() {
    assert_eq!(memory().get_factor("auth_factor_MISSING").unwrap(), None);
}

#[test]
fn duplicate_factor_is_rejected() {
    let mut registry = memory();
    let factor = totp("auth_factor_DUP", "Foo Corp", "alan@example.com");
    registry.record_factor(&factor).unwrap();

    let error = registry.record_factor(&factor).unwrap_err();
    assert!(
        matches!(&error, RegistryError::FactorAlreadyRecorded { factor_id } if factor_id == "auth_factor_DUP"),
        "{error:?}"
    );
}

#[test]
fn invalid_factor_input_is_rejected() {
    let mut registry = memory();
    let cases = [
        (totp("", "Foo Corp", "alan"), "factor ID"),
        (
            NewFactor::totp("auth_factor_X", " ", "Foo Corp", "alan", CREATED_AT),
            "environment ID",
        ),
        (totp("auth_factor_X", "Foo Corp", ""), "user label"),
        (totp("auth_factor_X", "", "alan"), "issuer"),
        (
            NewFactor::totp("auth_factor_X", ENVIRONMENT, "Foo Corp", "alan", ""),
            "factor created_at",
        ),
    ];
    for (factor, expected_field) in cases {
        let error = registry.record_factor(&factor).unwrap_err();
        assert!(
            matches!(error, RegistryError::EmptyField { field } if field == expected_field),
            "{expected_field}: {error:?}"
        );
    }

    let late = NewFactor::totp(
        "auth_factor_X",
        ENVIRONMENT,
        "Foo Corp",
        "alan",
        "yesterday",
    );
    let error = registry.record_factor(&late).unwrap_err();
    assert!(
        matches!(&error, RegistryError::InvalidTimestamp { value, .. } if value == "yesterday"),
        "{error:?}"
    );
    assert_eq!(registry.get_factor("auth_factor_X").unwrap(), None);
}

#[test]
fn error_messages_mask_ids() {
    let mut registry = memory();
    let error = registry
        .forget_factor("auth_factor_01FVYZ5QM8N98T9ME5BCB2BBMJ")
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("auth_factor_…BBMJ"), "{message}");
    assert!(!message.contains("01FVYZ5QM8N98T9ME5BCB2BBMJ"), "{message}");
}

// Listing and search

fn registry_for_search() -> Registry {
    let mut registry = memory();
    let factors = [
        totp("auth_factor_ALAN", "Foo Corp", "Alan.Turing@example.com"),
        totp(
            "auth_factor_ELODIE",
            "Société Générale",
            "ÉLODIE@example.fr",
        ),
        totp("auth_factor_PERCENT", "100% Club", "grace@example.com"),
        totp("auth_factor_ZEROS", "1000 Club", "ada@example.com"),
        totp("auth_factor_UNDER", "Bar", "a_b@example.com"),
        totp("auth_factor_NOUNDER", "Bar", "axb@example.com"),
        totp("auth_factor_SLASH", "Back\\Slash", "edsger@example.com"),
        sms("auth_factor_PHONE", "+15005550006"),
        NewFactor::totp(
            "auth_factor_OTHER",
            "staging",
            "Foo Corp",
            "alan@example.com",
            CREATED_AT,
        ),
    ];
    for factor in &factors {
        registry.record_factor(factor).unwrap();
    }
    registry
}

#[test]
fn list_returns_only_the_environment() {
    let registry = registry_for_search();

    let staging = registry
        .list_factors(&FactorFilter::environment("staging"))
        .unwrap();
    assert_eq!(ids(&staging), ["auth_factor_OTHER"]);

    let emulator = registry
        .list_factors(&FactorFilter::environment(ENVIRONMENT))
        .unwrap();
    assert_eq!(emulator.len(), 8);
    assert!(
        emulator
            .iter()
            .all(|factor| factor.environment_id == ENVIRONMENT)
    );

    let unknown = registry
        .list_factors(&FactorFilter::environment("nowhere"))
        .unwrap();
    assert!(unknown.is_empty());
}

#[test]
fn search_matches_each_column() {
    let registry = registry_for_search();
    assert_eq!(
        search(&registry, "auth_factor_ALAN"),
        ["auth_factor_ALAN"],
        "factor ID"
    );
    assert_eq!(
        search(&registry, "turing"),
        ["auth_factor_ALAN"],
        "user label"
    );
    assert_eq!(
        search(&registry, "foo corp"),
        ["auth_factor_ALAN"],
        "issuer"
    );
    assert_eq!(
        search(&registry, "****06"),
        ["auth_factor_PHONE"],
        "masked phone"
    );
}

#[test]
fn search_ignores_case() {
    let registry = registry_for_search();
    assert_eq!(search(&registry, "ALAN.TURING"), ["auth_factor_ALAN"]);
    assert_eq!(
        search(&registry, "élodie"),
        ["auth_factor_ELODIE"],
        "non-ASCII user"
    );
    assert_eq!(
        search(&registry, "SOCIÉTÉ"),
        ["auth_factor_ELODIE"],
        "non-ASCII issuer"
    );
}

#[test]
fn search_treats_wildcards_literally() {
    let registry = registry_for_search();
    assert_eq!(search(&registry, "100%"), ["auth_factor_PERCENT"]);
    assert_eq!(search(&registry, "a_b"), ["auth_factor_UNDER"]);
    assert_eq!(search(&registry, "k\\s"), ["auth_factor_SLASH"]);
    assert_eq!(
        search(&registry, "%"),
        ["auth_factor_PERCENT"],
        "'%' alone matches itself"
    );
}

#[test]
fn blank_search_matches_everything() {
    let registry = registry_for_search();
    assert_eq!(search(&registry, "   ").len(), 8);
    assert_eq!(search(&registry, "").len(), 8);
}

#[test]
fn search_trims_surrounding_spaces() {
    let registry = registry_for_search();
    assert_eq!(search(&registry, "  turing  "), ["auth_factor_ALAN"]);
}

#[test]
fn filter_by_type() {
    let registry = registry_for_search();
    let filter = FactorFilter {
        factor_type: Some(FactorType::Sms),
        ..FactorFilter::environment(ENVIRONMENT)
    };
    assert_eq!(
        ids(&registry.list_factors(&filter).unwrap()),
        ["auth_factor_PHONE"]
    );

    let filter = FactorFilter {
        factor_type: Some(FactorType::GenericOtp),
        ..FactorFilter::environment(ENVIRONMENT)
    };
    assert!(registry.list_factors(&filter).unwrap().is_empty());
}

#[test]
fn search_and_type_combine() {
    let registry = registry_for_search();
    let filter = FactorFilter {
        search: Some("club".to_owned()),
        factor_type: Some(FactorType::Totp),
        ..FactorFilter::environment(ENVIRONMENT)
    };
    let mut found = ids(&registry.list_factors(&filter).unwrap())
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    found.sort();
    assert_eq!(found, ["auth_factor_PERCENT", "auth_factor_ZEROS"]);
}

#[test]
fn list_orders_newest_first() {
    let mut registry = memory();
    for id in ["auth_factor_1", "auth_factor_2", "auth_factor_3"] {
        registry.record_factor(&totp(id, "Foo Corp", id)).unwrap();
        // recorded_at has millisecond precision.
        thread::sleep(Duration::from_millis(3));
    }
    let listed = registry
        .list_factors(&FactorFilter::environment(ENVIRONMENT))
        .unwrap();
    assert_eq!(
        ids(&listed),
        ["auth_factor_3", "auth_factor_2", "auth_factor_1"]
    );
}

#[test]
fn like_escape_covers_wildcards_and_escape() {
    assert_eq!(escape_like("100%"), "100\\%");
    assert_eq!(escape_like("a_b"), "a\\_b");
    assert_eq!(escape_like("a\\b"), "a\\\\b");
    assert_eq!(escape_like("plain"), "plain");
}

// Deleting and forgetting

#[test]
fn deleted_factor_is_hidden_unless_included() {
    let mut registry = memory();
    registry
        .record_factor(&totp("auth_factor_KEEP", "Foo", "keep"))
        .unwrap();
    registry
        .record_factor(&totp("auth_factor_GONE", "Foo", "gone"))
        .unwrap();
    let when = datetime!(2026-04-21 08:00:00.250 UTC);
    registry
        .mark_factor_deleted("auth_factor_GONE", when)
        .unwrap();

    let listed = registry
        .list_factors(&FactorFilter::environment(ENVIRONMENT))
        .unwrap();
    assert_eq!(ids(&listed), ["auth_factor_KEEP"]);

    let filter = FactorFilter {
        include_deleted: true,
        ..FactorFilter::environment(ENVIRONMENT)
    };
    let all = registry.list_factors(&filter).unwrap();
    assert_eq!(all.len(), 2);

    let gone = registry
        .get_factor("auth_factor_GONE")
        .unwrap()
        .expect("kept");
    assert_eq!(gone.deleted_at, Some(when));
}

#[test]
fn second_delete_mark_keeps_first_time() {
    let mut registry = memory_with_factor();
    let first = datetime!(2026-04-21 08:00:00 UTC);
    registry
        .mark_factor_deleted("auth_factor_A", first)
        .unwrap();
    registry
        .mark_factor_deleted("auth_factor_A", datetime!(2026-04-22 08:00:00 UTC))
        .unwrap();

    let factor = registry.get_factor("auth_factor_A").unwrap().expect("kept");
    assert_eq!(factor.deleted_at, Some(first));
}

#[test]
fn delete_time_is_stored_in_utc() {
    let mut registry = memory_with_factor();
    registry
        .mark_factor_deleted("auth_factor_A", datetime!(2026-04-21 10:00:00 +02:00))
        .unwrap();
    let stored: String = registry
        .connection
        .query_row("SELECT deleted_at FROM factors", [], |row| row.get(0))
        .unwrap();
    assert_eq!(stored, "2026-04-21T08:00:00.000Z");
}

#[test]
fn marking_unknown_factor_fails() {
    let error = memory()
        .mark_factor_deleted("auth_factor_MISSING", OffsetDateTime::now_utc())
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::FactorNotFound { .. }),
        "{error:?}"
    );
}

#[test]
fn forget_removes_factor_and_challenges() {
    let mut registry = memory_with_factor();
    registry
        .record_challenge(&challenge("auth_challenge_1", "auth_factor_A", CREATED_AT))
        .unwrap();

    registry.forget_factor("auth_factor_A").unwrap();

    assert_eq!(registry.get_factor("auth_factor_A").unwrap(), None);
    assert!(registry.challenges_for("auth_factor_A").unwrap().is_empty());
    let count: i64 = registry
        .connection
        .query_row("SELECT count(*) FROM challenges", [], |row| row.get(0))
        .unwrap();
    assert_eq!(count, 0, "the challenge row is gone, not only unlisted");

    let again = registry.forget_factor("auth_factor_A").unwrap_err();
    assert!(
        matches!(again, RegistryError::FactorNotFound { .. }),
        "{again:?}"
    );
}

#[test]
fn forget_erases_labels_from_file() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(FILE_NAME);
    let label = "forgotten.person@example.com";
    let mut registry = Registry::open(&path).unwrap();
    registry
        .record_factor(&totp("auth_factor_KEEP", "Foo", "kept@example.com"))
        .unwrap();
    registry
        .record_factor(&totp("auth_factor_FORGET", "Foo", label))
        .unwrap();
    drop(registry);
    let before = fs::read(&path).unwrap();
    assert!(
        contains_bytes(&before, label.as_bytes()),
        "the label was stored"
    );

    let mut registry = Registry::open(&path).unwrap();
    registry.forget_factor("auth_factor_FORGET").unwrap();
    drop(registry);

    // Closing the last connection folds the WAL into the file and removes it.
    let after = fs::read(&path).unwrap();
    assert!(
        !contains_bytes(&after, label.as_bytes()),
        "the label is erased"
    );
    assert!(
        contains_bytes(&after, b"kept@example.com"),
        "other factors stay"
    );
}

// Transactions

#[test]
fn failed_transaction_keeps_nothing() {
    let mut registry = memory();
    let outcome: Result<(), RegistryError> = registry.transaction(|transaction| {
        transaction.record_factor(&totp("auth_factor_A", "Foo", "a"))?;
        transaction.set_sso_user(ENVIRONMENT, "a", true)?;
        transaction.record_factor(&totp("auth_factor_A", "Foo", "a"))
    });

    assert!(matches!(
        outcome,
        Err(RegistryError::FactorAlreadyRecorded { .. })
    ));
    assert_eq!(registry.get_factor("auth_factor_A").unwrap(), None);
    assert!(!registry.is_sso_user(ENVIRONMENT, "a").unwrap());
}

#[test]
fn transaction_commits_every_write() {
    let mut registry = memory();
    let returned = registry
        .transaction(|transaction| {
            transaction.record_factor(&totp("auth_factor_A", "Foo", "a"))?;
            transaction.record_challenge(&challenge(
                "auth_challenge_1",
                "auth_factor_A",
                CREATED_AT,
            ))?;
            Ok(7)
        })
        .unwrap();

    assert_eq!(returned, 7);
    assert!(registry.get_factor("auth_factor_A").unwrap().is_some());
    assert_eq!(registry.challenges_for("auth_factor_A").unwrap().len(), 1);
}

// Users

#[test]
fn unknown_user_is_not_sso() {
    let registry = memory();
    assert!(!registry.is_sso_user(ENVIRONMENT, "nobody").unwrap());
    assert_eq!(registry.user(ENVIRONMENT, "nobody").unwrap(), None);
}

#[test]
fn sso_mark_can_be_set_and_cleared() {
    let mut registry = memory();
    registry
        .set_sso_user(ENVIRONMENT, "alan@example.com", true)
        .unwrap();
    assert!(
        registry
            .is_sso_user(ENVIRONMENT, "alan@example.com")
            .unwrap()
    );

    registry
        .set_sso_user(ENVIRONMENT, "alan@example.com", false)
        .unwrap();
    assert!(
        !registry
            .is_sso_user(ENVIRONMENT, "alan@example.com")
            .unwrap()
    );
}

#[test]
fn sso_mark_is_per_environment_and_user() {
    let mut registry = memory();
    registry
        .set_sso_user(ENVIRONMENT, "alan@example.com", true)
        .unwrap();

    assert!(!registry.is_sso_user("staging", "alan@example.com").unwrap());
    assert!(
        !registry
            .is_sso_user(ENVIRONMENT, "grace@example.com")
            .unwrap()
    );
    assert!(
        !registry
            .is_sso_user(ENVIRONMENT, "ALAN@example.com")
            .unwrap(),
        "labels are compared exactly"
    );
}

#[test]
fn note_and_sso_mark_are_independent() {
    let mut registry = memory();
    registry
        .set_user_note(ENVIRONMENT, "alan", Some("uses Okta"))
        .unwrap();
    registry.set_sso_user(ENVIRONMENT, "alan", true).unwrap();

    let user = registry.user(ENVIRONMENT, "alan").unwrap().expect("stored");
    assert!(user.signs_in_with_sso);
    assert_eq!(user.note.as_deref(), Some("uses Okta"));

    registry.set_user_note(ENVIRONMENT, "alan", None).unwrap();
    let user = registry.user(ENVIRONMENT, "alan").unwrap().expect("stored");
    assert!(user.signs_in_with_sso, "clearing the note keeps the mark");
    assert_eq!(user.note, None);
}

#[test]
fn sso_mark_needs_a_label() {
    let error = memory().set_sso_user(ENVIRONMENT, "", true).unwrap_err();
    assert!(
        matches!(
            error,
            RegistryError::EmptyField {
                field: "user label"
            }
        ),
        "{error:?}"
    );
}

// Challenges

#[test]
fn new_challenge_is_pending() {
    let mut registry = memory_with_factor();
    registry
        .record_challenge(&challenge("auth_challenge_1", "auth_factor_A", CREATED_AT))
        .unwrap();

    let challenges = registry.challenges_for("auth_factor_A").unwrap();
    assert_eq!(
        challenges,
        [ChallengeRecord {
            challenge_id: "auth_challenge_1".to_owned(),
            factor_id: "auth_factor_A".to_owned(),
            created_at: datetime!(2026-04-20 10:11:12.345 UTC),
            expires_at: Some(datetime!(2026-04-20 10:21:12.345 UTC)),
            status: ChallengeStatus::Pending,
            wrong_codes: 0,
        }]
    );
}

#[test]
fn challenge_without_expiry_round_trips() {
    let mut registry = memory_with_factor();
    let mut new = challenge("auth_challenge_1", "auth_factor_A", CREATED_AT);
    new.expires_at = None;
    registry.record_challenge(&new).unwrap();

    let stored = registry.challenges_for("auth_factor_A").unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].expires_at, None);
}

#[test]
fn challenge_updates_are_stored() {
    let mut registry = memory_with_factor();
    registry
        .record_challenge(&challenge("auth_challenge_1", "auth_factor_A", CREATED_AT))
        .unwrap();

    for (status, wrong_codes) in [
        (ChallengeStatus::Pending, 2),
        (ChallengeStatus::Locked, 5),
        (ChallengeStatus::Expired, 5),
        (ChallengeStatus::Verified, 1),
    ] {
        registry
            .update_challenge("auth_challenge_1", status, wrong_codes)
            .unwrap();
        let stored = &registry.challenges_for("auth_factor_A").unwrap()[0];
        assert_eq!(stored.status, status);
        assert_eq!(stored.wrong_codes, wrong_codes);
    }
}

#[test]
fn updating_unknown_challenge_fails() {
    let error = memory()
        .update_challenge("auth_challenge_MISSING", ChallengeStatus::Verified, 0)
        .unwrap_err();
    assert!(
        matches!(&error, RegistryError::ChallengeNotFound { challenge_id } if challenge_id == "auth_challenge_MISSING"),
        "{error:?}"
    );
}

#[test]
fn challenge_needs_recorded_factor() {
    let error = memory()
        .record_challenge(&challenge(
            "auth_challenge_1",
            "auth_factor_MISSING",
            CREATED_AT,
        ))
        .unwrap_err();
    assert!(
        matches!(&error, RegistryError::FactorNotFound { factor_id } if factor_id == "auth_factor_MISSING"),
        "{error:?}"
    );
}

#[test]
fn duplicate_challenge_is_rejected() {
    let mut registry = memory_with_factor();
    let new = challenge("auth_challenge_1", "auth_factor_A", CREATED_AT);
    registry.record_challenge(&new).unwrap();

    let error = registry.record_challenge(&new).unwrap_err();
    assert!(
        matches!(error, RegistryError::ChallengeAlreadyRecorded { .. }),
        "{error:?}"
    );
}

#[test]
fn challenges_list_oldest_first_per_factor() {
    let mut registry = memory_with_factor();
    registry
        .record_factor(&totp("auth_factor_B", "Foo", "b"))
        .unwrap();
    registry
        .record_challenge(&challenge(
            "auth_challenge_LATE",
            "auth_factor_A",
            "2026-04-20T12:00:00.000Z",
        ))
        .unwrap();
    registry
        .record_challenge(&challenge(
            "auth_challenge_EARLY",
            "auth_factor_A",
            "2026-04-20T09:00:00.000Z",
        ))
        .unwrap();
    registry
        .record_challenge(&challenge(
            "auth_challenge_OTHER",
            "auth_factor_B",
            CREATED_AT,
        ))
        .unwrap();

    let listed: Vec<String> = registry
        .challenges_for("auth_factor_A")
        .unwrap()
        .into_iter()
        .map(|challenge| challenge.challenge_id)
        .collect();
    assert_eq!(listed, ["auth_challenge_EARLY", "auth_challenge_LATE"]);
    assert!(
        registry
            .challenges_for("auth_factor_MISSING")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn challenge_timestamp_is_checked() {
    let mut registry = memory_with_factor();
    let error = registry
        .record_challenge(&challenge("auth_challenge_1", "auth_factor_A", "20 April"))
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::InvalidTimestamp { .. }),
        "{error:?}"
    );
}

// Migrations

#[test]
fn empty_file_is_migrated_to_latest() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(FILE_NAME);
    fs::write(&path, b"").unwrap();

    let registry = Registry::open(&path).unwrap();

    assert_eq!(registry.schema_version().unwrap(), LATEST_VERSION);
    registry.check_integrity().unwrap();
}

#[test]
fn version_one_is_migrated_to_latest() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(FILE_NAME);
    {
        let mut connection = Connection::open(&path).unwrap();
        migrate_to(&mut connection, &path, 1).unwrap();
        assert_eq!(super::migrations::schema_version(&connection).unwrap(), 1);
        connection
            .execute_batch(
                "INSERT INTO factors (factor_id, environment_id, factor_type, user_label, issuer,
                                      created_at, recorded_at)
                 VALUES ('auth_factor_V1', 'environment_emulator', 'totp', 'alan', 'Foo',
                         '2026-04-20T10:11:12.345Z', '2026-04-20T10:11:13.000Z');
                 INSERT INTO challenges (challenge_id, factor_id, created_at, status, wrong_codes)
                 VALUES ('auth_challenge_V1', 'auth_factor_V1', '2026-04-20T10:12:00.000Z',
                         'verified', 1);",
            )
            .unwrap();
        let index_count: i64 = connection
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(index_count, 0, "version 1 has no explicit indexes");
    }

    let registry = Registry::open(&path).unwrap();

    assert_eq!(registry.schema_version().unwrap(), LATEST_VERSION);
    let indexes: Vec<String> = registry
        .connection
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes, ["challenges_by_factor", "factors_by_environment"]);
    let factors = registry
        .list_factors(&FactorFilter::environment(ENVIRONMENT))
        .unwrap();
    assert_eq!(ids(&factors), ["auth_factor_V1"]);
    let challenges = registry.challenges_for("auth_factor_V1").unwrap();
    assert_eq!(challenges.len(), 1);
    assert_eq!(challenges[0].status, ChallengeStatus::Verified);
    registry.check_integrity().unwrap();
}

#[test]
fn migrating_again_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(FILE_NAME);
    drop(Registry::open(&path).unwrap());
    let mut connection = Connection::open(&path).unwrap();

    migrate_to(&mut connection, &path, LATEST_VERSION).unwrap();

    assert_eq!(
        super::migrations::schema_version(&connection).unwrap(),
        LATEST_VERSION
    );
}

// Files that are not a usable registry

#[test]
fn garbage_file_is_corrupt_and_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(FILE_NAME);
    let garbage: Vec<u8> = (0..8192_u32).map(|index| (index * 7 + 3) as u8).collect();
    fs::write(&path, &garbage).unwrap();

    let error = Registry::open(&path).unwrap_err();

    assert!(
        matches!(&error, RegistryError::Corrupt { path: reported, .. } if *reported == path),
        "{error:?}"
    );
    assert!(error.to_string().contains("Move the file away"), "{error}");
    assert_eq!(fs::read(&path).unwrap(), garbage, "the file is unchanged");
}

#[test]
fn damaged_pages_are_reported_as_corrupt() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(FILE_NAME);
    let mut registry = Registry::open(&path).unwrap();
    for index in 0..50 {
        let id = format!("auth_factor_{index:03}");
        registry.record_factor(&totp(&id, "Foo Corp", &id)).unwrap();
    }
    drop(registry);

    // Keep page 1 (header and schema) and overwrite every later page.
    let mut bytes = fs::read(&path).unwrap();
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(bytes.len() > page_size, "the file has more than one page");
    for (offset, byte) in bytes.iter_mut().enumerate().skip(page_size) {
        *byte = (offset % 251) as u8;
    }
    fs::write(&path, &bytes).unwrap();

    let registry = Registry::open(&path).expect("page 1 is intact, so the file opens");
    let error = registry
        .list_factors(&FactorFilter::environment(ENVIRONMENT))
        .unwrap_err();
    assert!(matches!(error, RegistryError::Corrupt { .. }), "{error:?}");
    let error = registry.check_integrity().unwrap_err();
    assert!(matches!(error, RegistryError::Corrupt { .. }), "{error:?}");
}

#[test]
fn newer_schema_is_rejected_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(FILE_NAME);
    drop(Registry::open(&path).unwrap());
    {
        let connection = Connection::open(&path).unwrap();
        connection
            .pragma_update(None, "user_version", LATEST_VERSION + 1)
            .unwrap();
    }
    let before = fs::read(&path).unwrap();

    let error = Registry::open(&path).unwrap_err();

    assert!(
        matches!(error, RegistryError::SchemaTooNew { found, supported, .. }
            if found == LATEST_VERSION + 1 && supported == LATEST_VERSION),
        "{error:?}"
    );
    assert!(error.to_string().contains("Upgrade mfa-console"), "{error}");
    assert_eq!(fs::read(&path).unwrap(), before, "the file is unchanged");
}

#[test]
fn foreign_database_is_rejected_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("other.sqlite3");
    {
        let connection = Connection::open(&path).unwrap();
        connection
            .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .unwrap();
    }
    let before = fs::read(&path).unwrap();

    let error = Registry::open(&path).unwrap_err();

    assert!(
        matches!(error, RegistryError::NotARegistry { .. }),
        "{error:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), before, "the file is unchanged");
}

#[test]
fn other_application_id_is_rejected() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("other.sqlite3");
    {
        let connection = Connection::open(&path).unwrap();
        connection
            .pragma_update(None, "application_id", 42)
            .unwrap();
        connection.pragma_update(None, "user_version", 1).unwrap();
    }

    let error = Registry::open(&path).unwrap_err();

    assert!(
        matches!(error, RegistryError::NotARegistry { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("0x0000002a"), "{error}");
}

#[test]
fn directory_as_file_fails_to_open() {
    let dir = TempDir::new().unwrap();
    let error = Registry::open(dir.path()).unwrap_err();
    assert!(matches!(error, RegistryError::Open { .. }), "{error:?}");
}

#[test]
fn file_as_parent_directory_fails() {
    let dir = TempDir::new().unwrap();
    let blocker = dir.path().join("not-a-directory");
    fs::write(&blocker, b"x").unwrap();

    let error = Registry::open(&blocker.join(FILE_NAME)).unwrap_err();

    assert!(
        matches!(&error, RegistryError::CreateDirectory { path, .. } if *path == blocker),
        "{error:?}"
    );
}

#[cfg(unix)]
#[test]
fn read_only_directory_fails_clearly() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir = TempDir::new().unwrap();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    // NOTE: root ignores file modes, so this test checks nothing when run as
    // root, as it is on CI.
    if fs::write(locked.join("probe"), b"x").is_ok() {
        eprintln!("skipped: file modes are not enforced for this user");
        return;
    }

    let error = Registry::open(&locked.join(FILE_NAME)).unwrap_err();

    assert!(
        matches!(
            error,
            RegistryError::Open { .. } | RegistryError::ReadOnly { .. }
        ),
        "{error:?}"
    );
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn invalid_stored_values_are_reported() {
    let registry = memory_with_factor();
    registry
        .connection
        .execute("UPDATE factors SET created_at = 'last Tuesday'", [])
        .unwrap();

    let error = registry.get_factor("auth_factor_A").unwrap_err();

    assert!(
        matches!(&error, RegistryError::InvalidStoredValue { column, value, .. }
            if *column == "factors.created_at" && value == "last Tuesday"),
        "{error:?}"
    );
    let listed = registry.list_factors(&FactorFilter::environment(ENVIRONMENT));
    assert!(
        matches!(listed, Err(RegistryError::InvalidStoredValue { .. })),
        "{listed:?}"
    );
}

//! Schema migrations of the factor registry.
//!
//! Schema version N is the result of applying the first N steps of
//! [`MIGRATIONS`] in order. The version in force is stored in
//! `PRAGMA user_version`, and each step runs in its own transaction together
//! with the version bump, so a crash leaves the file at one version or the
//! next, never in between. Steps are never edited once released; a change to
//! the schema is a new step at the end.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};
use tracing::info;

use super::error::{RegistryError, database_error};

/// One schema step.
struct Migration {
    /// Summary of the change, for the log.
    description: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        description: "create the factors, users and challenges tables",
        sql: r"
            CREATE TABLE factors (
                factor_id      TEXT NOT NULL PRIMARY KEY,
                environment_id TEXT NOT NULL,
                factor_type    TEXT NOT NULL,
                user_label     TEXT NOT NULL,
                issuer         TEXT,
                masked_phone   TEXT,
                workos_user_id TEXT,
                created_at     TEXT NOT NULL,
                recorded_at    TEXT NOT NULL,
                deleted_at     TEXT,
                CHECK (factor_id <> '' AND environment_id <> ''),
                CHECK (factor_type IN ('totp', 'sms', 'generic_otp')),
                CHECK ((factor_type = 'totp') = (issuer IS NOT NULL)),
                CHECK ((factor_type = 'sms') = (masked_phone IS NOT NULL)),
                CHECK (factor_type <> 'sms' OR user_label = masked_phone)
            ) STRICT;

            CREATE TABLE users (
                environment_id    TEXT NOT NULL,
                user_label        TEXT NOT NULL,
                signs_in_with_sso INTEGER NOT NULL DEFAULT 0
                                  CHECK (signs_in_with_sso IN (0, 1)),
                note              TEXT,
                PRIMARY KEY (environment_id, user_label)
            ) STRICT;

            CREATE TABLE challenges (
                challenge_id TEXT NOT NULL PRIMARY KEY CHECK (challenge_id <> ''),
                factor_id    TEXT NOT NULL
                             REFERENCES factors (factor_id) ON DELETE CASCADE,
                created_at   TEXT NOT NULL,
                expires_at   TEXT,
                status       TEXT NOT NULL
                             CHECK (status IN ('pending', 'verified', 'expired', 'locked')),
                wrong_codes  INTEGER NOT NULL CHECK (wrong_codes >= 0)
            ) STRICT;

            PRAGMA application_id = 1296449859;
        ",
    },
    Migration {
        description: "index factors by environment and challenges by factor",
        sql: r"
            CREATE INDEX factors_by_environment ON factors (environment_id, recorded_at);
            CREATE INDEX challenges_by_factor ON challenges (factor_id);
        ",
    },
    Migration {
        description: "journal enrollments in flight",
        sql: r"
            CREATE TABLE pending_enrollments (
                pending_id     INTEGER PRIMARY KEY,
                environment_id TEXT NOT NULL CHECK (environment_id <> ''),
                description    TEXT NOT NULL,
                started_at     TEXT NOT NULL,
                process_id     INTEGER NOT NULL
            ) STRICT;
        ",
    },
];

/// The schema version this code creates and reads.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// `PRAGMA application_id` of a registry file: "MFAC" in ASCII. The first
/// migration sets it, so a database of another program is recognized.
pub const APPLICATION_ID: i64 = 0x4D46_4143;

/// Returns `PRAGMA user_version`, the number of migrations applied.
pub(super) fn schema_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Returns `PRAGMA application_id`.
pub(super) fn application_id(connection: &Connection) -> rusqlite::Result<i64> {
    connection.pragma_query_value(None, "application_id", |row| row.get(0))
}

/// Applies the migrations after the file's version up to `target`, one
/// transaction each. Applying none is not an error.
pub(super) fn migrate_to(
    connection: &mut Connection,
    path: &Path,
    target: i64,
) -> Result<(), RegistryError> {
    let start = schema_version(connection)
        .map_err(|source| database_error(path, "read the schema version", source))?;

    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= start || version > target {
            continue;
        }
        let failed = |source| RegistryError::Migration {
            path: path.to_owned(),
            version,
            source,
        };

        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        // Another process may have applied this step between the read above
        // and taking the write lock.
        if schema_version(&transaction).map_err(failed)? >= version {
            continue;
        }
        transaction.execute_batch(migration.sql).map_err(failed)?;
        transaction
            .pragma_update(None, "user_version", version)
            .map_err(failed)?;
        transaction.commit().map_err(failed)?;

        info!(
            path = %path.display(),
            version,
            step = migration.description,
            "migrated the factor registry"
        );
    }
    Ok(())
}

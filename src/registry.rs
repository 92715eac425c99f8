//! The local factor registry: an SQLite file that remembers which factors and
//! challenges the console created in each environment, and which users sign in
//! through SSO.
//!
//! The registry stores labels and IDs only. Its types have no field for a TOTP
//! secret, an `otpauth://` URI, a QR code, an API key, a one-time code or a
//! full phone number; SMS factors carry the masked number.
//!
//! Calls are synchronous and may wait on the disk, so the app makes them from a
//! worker thread. Every write is one transaction that is durable when the call
//! returns: the file is opened in WAL mode with `synchronous=FULL`, so SQLite
//! syncs the log on each commit.

mod error;
mod migrations;
mod pending;
mod queries;
mod records;
mod transaction;

#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use time::OffsetDateTime;
use tracing::{info, warn};

use crate::session::ChallengeStatus;

pub use error::RegistryError;
pub use migrations::{APPLICATION_ID, LATEST_VERSION};
pub use pending::InterruptedEnrollment;
pub use records::{
    ChallengeRecord, FactorFilter, FactorRecord, FactorType, MaskedPhone, NewChallenge, NewFactor,
    UserRecord,
};
pub use transaction::WriteTransaction;

use error::database_error;

/// File name of the registry inside the data directory.
pub const FILE_NAME: &str = "registry.sqlite3";

/// How long a call waits for another connection's write lock before it fails
/// with [`RegistryError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Returns the registry's default location: `registry.sqlite3` in the
/// platform data directory of mfa-console, such as
/// `~/.local/share/mfa-console/` on Linux.
pub fn default_path() -> Result<PathBuf, RegistryError> {
    directories::ProjectDirs::from("dev", "mfa-console", "mfa-console")
        .map(|dirs| dirs.data_dir().join(FILE_NAME))
        .ok_or(RegistryError::NoDataDirectory)
}

/// An open factor registry.
pub struct Registry {
    connection: Connection,
    /// The file, or `:memory:`, for messages.
    path: PathBuf,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Opens the registry at `path`, creating the file and its parent
    /// directories if needed, and migrates it to [`LATEST_VERSION`].
    ///
    /// A file written by a newer mfa-console ([`RegistryError::SchemaTooNew`])
    /// or by another program ([`RegistryError::NotARegistry`]) is rejected
    /// before anything is written to it.
    pub fn open(path: &Path) -> Result<Self, RegistryError> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            fs::create_dir_all(parent).map_err(|source| RegistryError::CreateDirectory {
                path: parent.to_owned(),
                source,
            })?;
        }
        // SQLITE_OPEN_URI is left out, so a path that starts with `file:` is a
        // plain file name.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection =
            Connection::open_with_flags(path, flags).map_err(|source| RegistryError::Open {
                path: path.to_owned(),
                source,
            })?;

        let registry = Self::set_up(connection, path.to_owned(), true)?;
        info!(path = %path.display(), "opened the factor registry");
        Ok(registry)
    }

    /// Opens an empty registry that lives in memory and is lost when dropped.
    pub fn open_in_memory() -> Result<Self, RegistryError> {
        let path = PathBuf::from(":memory:");
        let connection = Connection::open_in_memory().map_err(|source| RegistryError::Open {
            path: path.clone(),
            source,
        })?;
        Self::set_up(connection, path, false)
    }

    /// Checks what the file is, sets the connection options and migrates.
    fn set_up(connection: Connection, path: PathBuf, on_disk: bool) -> Result<Self, RegistryError> {
        let location = path.as_path();
        let failed = |operation| move |error| database_error(location, operation, error);
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(failed("set the busy timeout"))?;

        // These reads are the first to touch the file. A file of garbage fails
        // here as not a database, before anything is written to it.
        check_file_kind(&connection, &path)?;

        if on_disk {
            let mode: String = connection
                .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
                .map_err(failed("switch to WAL mode"))?;
            if !mode.eq_ignore_ascii_case("wal") {
                // WAL needs shared memory, which some network file systems
                // lack. Commits in the fallback mode are still durable.
                warn!(path = %path.display(), mode, "the factor registry could not use WAL mode");
            }
        }
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(failed("set synchronous=FULL"))?;
        connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(failed("turn on foreign keys"))?;
        // Overwrite deleted rows with zeros, so a forgotten factor's labels do
        // not linger in free pages of the file.
        connection
            .pragma_update(None, "secure_delete", true)
            .map_err(failed("turn on secure delete"))?;
        queries::register_functions(&connection).map_err(failed("register SQL functions"))?;

        let mut registry = Self { connection, path };
        migrations::migrate_to(&mut registry.connection, &registry.path, LATEST_VERSION)?;
        Ok(registry)
    }

    /// Returns the file path, or `:memory:`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, RegistryError> {
        migrations::schema_version(&self.connection)
            .map_err(|error| database_error(&self.path, "read the schema version", error))
    }

    /// Runs SQLite's `PRAGMA integrity_check` over the whole file. Returns
    /// [`RegistryError::Corrupt`] with SQLite's findings when it reports any.
    pub fn check_integrity(&self) -> Result<(), RegistryError> {
        let mut findings = Vec::new();
        self.connection
            .pragma_query(None, "integrity_check", |row| {
                findings.push(row.get::<_, String>(0)?);
                Ok(())
            })
            .map_err(|error| database_error(&self.path, "check integrity", error))?;
        if findings == ["ok"] {
            return Ok(());
        }
        Err(RegistryError::Corrupt {
            path: self.path.clone(),
            detail: findings.join("; "),
        })
    }

    /// Runs `work` in one write transaction and commits it when `work` returns
    /// `Ok`. When `work` fails or panics, nothing it wrote is kept.
    pub fn transaction<T>(
        &mut self,
        work: impl FnOnce(&WriteTransaction<'_>) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|error| database_error(&self.path, "start a write transaction", error))?;
        let value = work(&WriteTransaction {
            connection: &transaction,
            path: &self.path,
        })?;
        transaction
            .commit()
            .map_err(|error| database_error(&self.path, "commit a write transaction", error))?;
        Ok(value)
    }

    /// Records a newly enrolled factor. For a registry file, the factor is on
    /// disk when this returns `Ok`. See [`WriteTransaction::record_factor`].
    pub fn record_factor(&mut self, factor: &NewFactor) -> Result<(), RegistryError> {
        self.transaction(|transaction| transaction.record_factor(factor))
    }

    /// See [`WriteTransaction::mark_factor_deleted`].
    pub fn mark_factor_deleted(
        &mut self,
        factor_id: &str,
        when: OffsetDateTime,
    ) -> Result<(), RegistryError> {
        self.transaction(|transaction| transaction.mark_factor_deleted(factor_id, when))
    }

    /// See [`WriteTransaction::forget_factor`].
    pub fn forget_factor(&mut self, factor_id: &str) -> Result<(), RegistryError> {
        self.transaction(|transaction| transaction.forget_factor(factor_id))
    }

    /// See [`WriteTransaction::set_sso_user`].
    pub fn set_sso_user(
        &mut self,
        environment_id: &str,
        user_label: &str,
        signs_in_with_sso: bool,
    ) -> Result<(), RegistryError> {
        self.transaction(|transaction| {
            transaction.set_sso_user(environment_id, user_label, signs_in_with_sso)
        })
    }

    /// See [`WriteTransaction::set_user_note`].
    pub fn set_user_note(
        &mut self,
        environment_id: &str,
        user_label: &str,
        note: Option<&str>,
    ) -> Result<(), RegistryError> {
        self.transaction(|transaction| transaction.set_user_note(environment_id, user_label, note))
    }

    /// See [`WriteTransaction::record_challenge`].
    pub fn record_challenge(&mut self, challenge: &NewChallenge) -> Result<(), RegistryError> {
        self.transaction(|transaction| transaction.record_challenge(challenge))
    }

    /// See [`WriteTransaction::update_challenge`].
    pub fn update_challenge(
        &mut self,
        challenge_id: &str,
        status: ChallengeStatus,
        wrong_codes: u32,
    ) -> Result<(), RegistryError> {
        self.transaction(|transaction| {
            transaction.update_challenge(challenge_id, status, wrong_codes)
        })
    }

    /// Returns the factors that match `filter`, most recently recorded first.
    ///
    /// The search ignores case with Unicode rules, and `%` and `_` in it match
    /// only themselves.
    pub fn list_factors(&self, filter: &FactorFilter) -> Result<Vec<FactorRecord>, RegistryError> {
        queries::list_factors(&self.connection, &self.path, filter)
    }

    /// Returns a factor, deleted or not, or `None` when the ID is not stored.
    pub fn get_factor(&self, factor_id: &str) -> Result<Option<FactorRecord>, RegistryError> {
        queries::get_factor(&self.connection, &self.path, factor_id)
    }

    /// Returns whether the user is marked as signing in through SSO. A user
    /// with no stored settings is not.
    pub fn is_sso_user(
        &self,
        environment_id: &str,
        user_label: &str,
    ) -> Result<bool, RegistryError> {
        Ok(self
            .user(environment_id, user_label)?
            .is_some_and(|user| user.signs_in_with_sso))
    }

    /// Returns a user's stored settings, or `None` when there are none.
    pub fn user(
        &self,
        environment_id: &str,
        user_label: &str,
    ) -> Result<Option<UserRecord>, RegistryError> {
        queries::get_user(&self.connection, &self.path, environment_id, user_label)
    }

    /// Returns the challenges of a factor, oldest first. A factor that is not
    /// stored has none.
    pub fn challenges_for(&self, factor_id: &str) -> Result<Vec<ChallengeRecord>, RegistryError> {
        queries::challenges_for(&self.connection, &self.path, factor_id)
    }
}

/// Rejects a file that is not an SQLite database, belongs to another program,
/// or has a schema newer than [`LATEST_VERSION`].
fn check_file_kind(connection: &Connection, path: &Path) -> Result<(), RegistryError> {
    let application_id = migrations::application_id(connection)
        .map_err(|error| database_error(path, "read the application ID", error))?;
    let version = migrations::schema_version(connection)
        .map_err(|error| database_error(path, "read the schema version", error))?;

    if application_id != 0 && application_id != APPLICATION_ID {
        return Err(RegistryError::NotARegistry {
            path: path.to_owned(),
            detail: format!("its SQLite application ID is {application_id:#010x}"),
        });
    }
    if version == 0 {
        let object_count: i64 = connection
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(|error| database_error(path, "read the schema", error))?;
        if object_count > 0 {
            return Err(RegistryError::NotARegistry {
                path: path.to_owned(),
                detail: format!("it holds {object_count} tables or indexes but no registry schema"),
            });
        }
    }
    if version > LATEST_VERSION {
        return Err(RegistryError::SchemaTooNew {
            path: path.to_owned(),
            found: version,
            supported: LATEST_VERSION,
        });
    }
    Ok(())
}

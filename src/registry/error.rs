//! Errors of the factor registry, and the mapping from SQLite result codes to
//! them.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

use crate::redact;

/// Failure to open, migrate, read or write the factor registry.
///
/// Factor and challenge IDs are masked in the messages, as in the log panel.
/// The fields keep them in full.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The platform has no data directory for the current user.
    #[error(
        "No data directory was found for mfa-console because the home directory is unknown. Set HOME (or the platform's equivalent) and restart."
    )]
    NoDataDirectory,

    #[error(
        "Could not create the registry directory {}: {source}. Check that the path is a directory you can write to.",
        path.display()
    )]
    CreateDirectory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "Could not open the factor registry {}: {source}. Check that the path is a file, and that it and its directory are readable and writable.",
        path.display()
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "The factor registry {} is read-only ({source}). Make the file and its directory writable, then retry.",
        path.display()
    )]
    ReadOnly {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// The file is not an SQLite database, or SQLite found damaged pages.
    #[error(
        "The factor registry {} is corrupt or not an SQLite database ({detail}). Move the file away and restart to start an empty registry.",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },

    /// The file is an SQLite database that some other program created.
    #[error(
        "{} is not a factor registry ({detail}). Choose another file; this one was left unchanged.",
        path.display()
    )]
    NotARegistry { path: PathBuf, detail: String },

    #[error(
        "The factor registry {} has schema version {found}, but this mfa-console supports versions up to {supported}. Upgrade mfa-console; the file was left unchanged.",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "Migrating the factor registry {} to schema version {version} failed: {source}. The file stays at version {}; fix the cause and restart.",
        path.display(),
        version - 1
    )]
    Migration {
        path: PathBuf,
        version: i64,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "The factor registry {} is locked by another process ({source}). Close other mfa-console windows and retry.",
        path.display()
    )]
    Busy {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "The disk that holds the factor registry {} is full ({source}). Free some space and retry.",
        path.display()
    )]
    DiskFull {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// Any other SQLite failure. `operation` names the registry call.
    #[error("Could not {operation} in the factor registry {}: {source}", path.display())]
    Database {
        path: PathBuf,
        operation: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "The factor {} is already in the registry. A factor ID can be recorded only once.",
        redact::mask_id(factor_id)
    )]
    FactorAlreadyRecorded { factor_id: String },

    #[error(
        "The factor {} is not in the registry. It may have been forgotten; refresh the factor list.",
        redact::mask_id(factor_id)
    )]
    FactorNotFound { factor_id: String },

    #[error(
        "The challenge {} is already in the registry. A challenge ID can be recorded only once.",
        redact::mask_id(challenge_id)
    )]
    ChallengeAlreadyRecorded { challenge_id: String },

    #[error(
        "The challenge {} is not in the registry. Record it before updating it.",
        redact::mask_id(challenge_id)
    )]
    ChallengeNotFound { challenge_id: String },

    /// A required value passed by the caller is empty.
    #[error("The {field} is empty. Pass the value that the API returned.")]
    EmptyField { field: &'static str },

    #[error(
        "The {field} '{value}' is not an RFC 3339 timestamp such as 2022-02-15T15:14:19.392Z. Pass the value that the API returned."
    )]
    InvalidTimestamp { field: &'static str, value: String },

    /// A stored value that no version of this code writes.
    #[error(
        "The factor registry {} contains an invalid {column} value '{value}', so it was probably changed outside mfa-console. Move the file away and restart to start an empty registry.",
        path.display()
    )]
    InvalidStoredValue {
        path: PathBuf,
        column: &'static str,
        value: String,
    },
}

/// Maps an SQLite failure during `operation` to the variant whose message
/// gives the user's next step. Other failures become
/// [`RegistryError::Database`].
pub(crate) fn database_error(
    path: &Path,
    operation: &'static str,
    source: rusqlite::Error,
) -> RegistryError {
    let path = path.to_owned();
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => RegistryError::Corrupt {
            path,
            detail: source.to_string(),
        },
        Some(ErrorCode::ReadOnly) => RegistryError::ReadOnly { path, source },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            RegistryError::Busy { path, source }
        }
        Some(ErrorCode::DiskFull) => RegistryError::DiskFull { path, source },
        _ => RegistryError::Database {
            path,
            operation,
            source,
        },
    }
}

/// Returns whether `error` is a violation of the constraint kind
/// `extended_code`, such as `ffi::SQLITE_CONSTRAINT_PRIMARYKEY`.
pub(crate) fn is_constraint(error: &rusqlite::Error, extended_code: std::ffi::c_int) -> bool {
    error
        .sqlite_error()
        .is_some_and(|sqlite| sqlite.extended_code == extended_code)
}

//! Reads from the factor registry, and the conversion of stored text back to
//! typed records.

use std::path::Path;

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OptionalExtension as _, Row, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::{RegistryError, database_error};
use super::records::{
    ChallengeRecord, FactorFilter, FactorRecord, FactorType, MaskedPhone, UserRecord,
    status_from_text,
};

/// Name of the SQL function that lower-cases text with Rust's full Unicode
/// rules. SQLite's own `lower()` and `LIKE` fold only ASCII letters.
const FOLD_FUNCTION: &str = "mfa_fold";

/// The character that escapes `%`, `_` and itself in LIKE patterns.
const LIKE_ESCAPE: char = '\\';

/// Registers [`FOLD_FUNCTION`] on a connection.
pub(super) fn register_functions(connection: &Connection) -> rusqlite::Result<()> {
    connection.create_scalar_function(
        FOLD_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let text: Option<String> = context.get(0)?;
            Ok(text.map(|text| text.to_lowercase()))
        },
    )
}

const FACTOR_COLUMNS: &str = "factor_id, environment_id, factor_type, user_label, issuer, \
     masked_phone, workos_user_id, created_at, recorded_at, deleted_at";

/// A factor row as stored, before its text is checked.
struct FactorRow {
    factor_id: String,
    environment_id: String,
    factor_type: String,
    user_label: String,
    issuer: Option<String>,
    masked_phone: Option<String>,
    workos_user_id: Option<String>,
    created_at: String,
    recorded_at: String,
    deleted_at: Option<String>,
}

impl FactorRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            factor_id: row.get(0)?,
            environment_id: row.get(1)?,
            factor_type: row.get(2)?,
            user_label: row.get(3)?,
            issuer: row.get(4)?,
            masked_phone: row.get(5)?,
            workos_user_id: row.get(6)?,
            created_at: row.get(7)?,
            recorded_at: row.get(8)?,
            deleted_at: row.get(9)?,
        })
    }

    fn into_record(self, path: &Path) -> Result<FactorRecord, RegistryError> {
        let factor_type = FactorType::parse(&self.factor_type).ok_or_else(|| {
            RegistryError::InvalidStoredValue {
                path: path.to_owned(),
                column: "factors.factor_type",
                value: self.factor_type.clone(),
            }
        })?;
        Ok(FactorRecord {
            factor_id: self.factor_id,
            environment_id: self.environment_id,
            factor_type,
            user_label: self.user_label,
            issuer: self.issuer,
            masked_phone: self.masked_phone.as_deref().map(MaskedPhone::new),
            workos_user_id: self.workos_user_id,
            created_at: parse_stored_time(path, "factors.created_at", &self.created_at)?,
            recorded_at: parse_stored_time(path, "factors.recorded_at", &self.recorded_at)?,
            deleted_at: self
                .deleted_at
                .map(|text| parse_stored_time(path, "factors.deleted_at", &text))
                .transpose()?,
        })
    }
}

/// Returns the factors that match `filter`, most recently recorded first.
pub(super) fn list_factors(
    connection: &Connection,
    path: &Path,
    filter: &FactorFilter,
) -> Result<Vec<FactorRecord>, RegistryError> {
    let pattern = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|search| !search.is_empty())
        .map(|search| format!("%{}%", escape_like(&search.to_lowercase())));
    let sql = format!(
        "SELECT {FACTOR_COLUMNS} FROM factors
         WHERE environment_id = ?1
           AND (?2 IS NULL OR factor_type = ?2)
           AND (?3 OR deleted_at IS NULL)
           AND (?4 IS NULL
                OR {FOLD_FUNCTION}(factor_id) LIKE ?4 ESCAPE '{LIKE_ESCAPE}'
                OR {FOLD_FUNCTION}(user_label) LIKE ?4 ESCAPE '{LIKE_ESCAPE}'
                OR {FOLD_FUNCTION}(issuer) LIKE ?4 ESCAPE '{LIKE_ESCAPE}'
                OR {FOLD_FUNCTION}(masked_phone) LIKE ?4 ESCAPE '{LIKE_ESCAPE}')
         ORDER BY recorded_at DESC, factor_id"
    );
    let failed = |error| database_error(path, "list factors", error);

    let mut statement = connection.prepare_cached(&sql).map_err(failed)?;
    let rows = statement
        .query_map(
            params![
                filter.environment_id,
                filter.factor_type.map(FactorType::as_str),
                filter.include_deleted,
                pattern,
            ],
            FactorRow::read,
        )
        .map_err(failed)?;
    let mut factors = Vec::new();
    for row in rows {
        factors.push(row.map_err(failed)?.into_record(path)?);
    }
    Ok(factors)
}

/// Returns one factor, deleted or not, or `None` when the ID is not stored.
pub(super) fn get_factor(
    connection: &Connection,
    path: &Path,
    factor_id: &str,
) -> Result<Option<FactorRecord>, RegistryError> {
    let sql = format!("SELECT {FACTOR_COLUMNS} FROM factors WHERE factor_id = ?1");
    let row = connection
        .prepare_cached(&sql)
        .and_then(|mut statement| statement.query_row([factor_id], FactorRow::read).optional())
        .map_err(|error| database_error(path, "read a factor", error))?;
    row.map(|row| row.into_record(path)).transpose()
}

/// Returns a user's settings, or `None` when none were stored.
pub(super) fn get_user(
    connection: &Connection,
    path: &Path,
    environment_id: &str,
    user_label: &str,
) -> Result<Option<UserRecord>, RegistryError> {
    connection
        .query_row(
            "SELECT signs_in_with_sso, note FROM users
             WHERE environment_id = ?1 AND user_label = ?2",
            [environment_id, user_label],
            |row| {
                Ok(UserRecord {
                    environment_id: environment_id.to_owned(),
                    user_label: user_label.to_owned(),
                    signs_in_with_sso: row.get(0)?,
                    note: row.get(1)?,
                })
            },
        )
        .optional()
        .map_err(|error| database_error(path, "read a user", error))
}

/// Returns the challenges of a factor, oldest first. An unknown factor has
/// none.
pub(super) fn challenges_for(
    connection: &Connection,
    path: &Path,
    factor_id: &str,
) -> Result<Vec<ChallengeRecord>, RegistryError> {
    let failed = |error| database_error(path, "list challenges", error);
    let mut statement = connection
        .prepare_cached(
            "SELECT challenge_id, factor_id, created_at, expires_at, status, wrong_codes
             FROM challenges WHERE factor_id = ?1
             ORDER BY created_at, challenge_id",
        )
        .map_err(failed)?;
    let rows = statement
        .query_map([factor_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, u32>(5)?,
            ))
        })
        .map_err(failed)?;

    let mut challenges = Vec::new();
    for row in rows {
        let (challenge_id, factor_id, created_at, expires_at, status, wrong_codes) =
            row.map_err(failed)?;
        let status =
            status_from_text(&status).ok_or_else(|| RegistryError::InvalidStoredValue {
                path: path.to_owned(),
                column: "challenges.status",
                value: status.clone(),
            })?;
        challenges.push(ChallengeRecord {
            challenge_id,
            factor_id,
            created_at: parse_stored_time(path, "challenges.created_at", &created_at)?,
            expires_at: expires_at
                .map(|text| parse_stored_time(path, "challenges.expires_at", &text))
                .transpose()?,
            status,
            wrong_codes,
        });
    }
    Ok(challenges)
}

fn parse_stored_time(
    path: &Path,
    column: &'static str,
    text: &str,
) -> Result<OffsetDateTime, RegistryError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| RegistryError::InvalidStoredValue {
        path: path.to_owned(),
        column,
        value: text.to_owned(),
    })
}

/// Escapes the LIKE wildcards `%` and `_`, and the escape character itself,
/// so that they match literally.
pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_') || ch == LIKE_ESCAPE {
            escaped.push(LIKE_ESCAPE);
        }
        escaped.push(ch);
    }
    escaped
}

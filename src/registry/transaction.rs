//! Writes to the factor registry, run inside one SQLite transaction.

use std::path::Path;

use rusqlite::{Connection, ToSql, ffi, params};
use time::OffsetDateTime;
use tracing::debug;

use crate::redact;
use crate::session::ChallengeStatus;

use super::error::{RegistryError, database_error, is_constraint};
use super::records::{NewChallenge, NewFactor, check_timestamp, format_timestamp, status_to_text};

/// The writes of one transaction, passed to the closure of
/// [`Registry::transaction`](super::Registry::transaction). Nothing is stored
/// unless the closure returns `Ok` and the commit succeeds.
pub struct WriteTransaction<'a> {
    pub(super) connection: &'a Connection,
    pub(super) path: &'a Path,
}

impl WriteTransaction<'_> {
    /// Inserts a factor, stamped with the current time as `recorded_at`.
    ///
    /// Fails with [`RegistryError::FactorAlreadyRecorded`] when the ID is
    /// already stored, even as deleted.
    pub fn record_factor(&self, factor: &NewFactor) -> Result<(), RegistryError> {
        require("factor ID", &factor.factor_id)?;
        require("environment ID", &factor.environment_id)?;
        require("user label", factor.user_label())?;
        if let Some(issuer) = factor.issuer() {
            require("issuer", issuer)?;
        }
        check_timestamp("factor created_at", &factor.created_at)?;
        let recorded_at = format_timestamp("recorded_at", OffsetDateTime::now_utc())?;

        let inserted = self
            .connection
            .prepare_cached(
                "INSERT INTO factors (factor_id, environment_id, factor_type, user_label, issuer,
                                      masked_phone, workos_user_id, created_at, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    factor.factor_id,
                    factor.environment_id,
                    factor.factor_type().as_str(),
                    factor.user_label(),
                    factor.issuer(),
                    factor.masked_phone(),
                    factor.workos_user_id,
                    factor.created_at,
                    recorded_at,
                ])
            });
        match inserted {
            Ok(_) => {}
            Err(error) if is_constraint(&error, ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                return Err(RegistryError::FactorAlreadyRecorded {
                    factor_id: factor.factor_id.clone(),
                });
            }
            Err(error) => return Err(database_error(self.path, "record a factor", error)),
        }

        debug!(
            factor = %redact::mask_id(&factor.factor_id),
            factor_type = factor.factor_type().as_str(),
            "recorded a factor"
        );
        Ok(())
    }

    /// Marks a factor as deleted through the API at `when`, keeping it and its
    /// challenges. Marking it again keeps the first time.
    pub fn mark_factor_deleted(
        &self,
        factor_id: &str,
        when: OffsetDateTime,
    ) -> Result<(), RegistryError> {
        let deleted_at = format_timestamp("deleted_at", when)?;
        let changed = self
            .connection
            .execute(
                "UPDATE factors SET deleted_at = coalesce(deleted_at, ?2) WHERE factor_id = ?1",
                params![factor_id, deleted_at],
            )
            .map_err(|error| database_error(self.path, "mark a factor as deleted", error))?;
        if changed == 0 {
            return Err(RegistryError::FactorNotFound {
                factor_id: factor_id.to_owned(),
            });
        }
        debug!(factor = %redact::mask_id(factor_id), "marked a factor as deleted");
        Ok(())
    }

    /// Removes a factor and its challenges from the registry.
    pub fn forget_factor(&self, factor_id: &str) -> Result<(), RegistryError> {
        let removed = self
            .connection
            .execute("DELETE FROM factors WHERE factor_id = ?1", [factor_id])
            .map_err(|error| database_error(self.path, "forget a factor", error))?;
        if removed == 0 {
            return Err(RegistryError::FactorNotFound {
                factor_id: factor_id.to_owned(),
            });
        }
        debug!(factor = %redact::mask_id(factor_id), "forgot a factor");
        Ok(())
    }

    /// Marks whether a user signs in through SSO, adding the user if needed.
    pub fn set_sso_user(
        &self,
        environment_id: &str,
        user_label: &str,
        signs_in_with_sso: bool,
    ) -> Result<(), RegistryError> {
        self.set_user_column(
            environment_id,
            user_label,
            "signs_in_with_sso",
            &signs_in_with_sso,
            "mark an SSO user",
        )
    }

    /// Sets or clears the note on a user, adding the user if needed.
    pub fn set_user_note(
        &self,
        environment_id: &str,
        user_label: &str,
        note: Option<&str>,
    ) -> Result<(), RegistryError> {
        self.set_user_column(environment_id, user_label, "note", &note, "set a user note")
    }

    /// Sets one column of the users table, inserting the user with defaults
    /// for the other columns if needed. `column` is a fixed name, never input.
    fn set_user_column(
        &self,
        environment_id: &str,
        user_label: &str,
        column: &'static str,
        value: &dyn ToSql,
        operation: &'static str,
    ) -> Result<(), RegistryError> {
        require("environment ID", environment_id)?;
        require("user label", user_label)?;
        let sql = format!(
            "INSERT INTO users (environment_id, user_label, {column})
             VALUES (?1, ?2, ?3)
             ON CONFLICT (environment_id, user_label)
             DO UPDATE SET {column} = excluded.{column}"
        );
        self.connection
            .execute(&sql, params![environment_id, user_label, value])
            .map_err(|error| database_error(self.path, operation, error))?;
        Ok(())
    }

    /// Inserts a challenge as pending with no wrong codes. Its factor must be
    /// recorded first.
    pub fn record_challenge(&self, challenge: &NewChallenge) -> Result<(), RegistryError> {
        require("challenge ID", &challenge.challenge_id)?;
        require("factor ID", &challenge.factor_id)?;
        check_timestamp("challenge created_at", &challenge.created_at)?;
        let expires_at = challenge
            .expires_at
            .map(|time| format_timestamp("expires_at", time))
            .transpose()?;

        let inserted = self.connection.execute(
            "INSERT INTO challenges (challenge_id, factor_id, created_at, expires_at, status,
                                     wrong_codes)
             VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            params![
                challenge.challenge_id,
                challenge.factor_id,
                challenge.created_at,
                expires_at,
                status_to_text(ChallengeStatus::Pending),
            ],
        );
        match inserted {
            Ok(_) => {}
            Err(error) if is_constraint(&error, ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
                return Err(RegistryError::ChallengeAlreadyRecorded {
                    challenge_id: challenge.challenge_id.clone(),
                });
            }
            Err(error) if is_constraint(&error, ffi::SQLITE_CONSTRAINT_FOREIGNKEY) => {
                return Err(RegistryError::FactorNotFound {
                    factor_id: challenge.factor_id.clone(),
                });
            }
            Err(error) => return Err(database_error(self.path, "record a challenge", error)),
        }

        debug!(
            challenge = %redact::mask_id(&challenge.challenge_id),
            factor = %redact::mask_id(&challenge.factor_id),
            "recorded a challenge"
        );
        Ok(())
    }

    /// Stores a challenge's status and its count of wrong codes.
    pub fn update_challenge(
        &self,
        challenge_id: &str,
        status: ChallengeStatus,
        wrong_codes: u32,
    ) -> Result<(), RegistryError> {
        let changed = self
            .connection
            .execute(
                "UPDATE challenges SET status = ?2, wrong_codes = ?3 WHERE challenge_id = ?1",
                params![challenge_id, status_to_text(status), wrong_codes],
            )
            .map_err(|error| database_error(self.path, "update a challenge", error))?;
        if changed == 0 {
            return Err(RegistryError::ChallengeNotFound {
                challenge_id: challenge_id.to_owned(),
            });
        }
        debug!(
            challenge = %redact::mask_id(challenge_id),
            status = status_to_text(status),
            wrong_codes,
            "updated a challenge"
        );
        Ok(())
    }
}

/// Rejects an empty or blank required value.
fn require(field: &'static str, value: &str) -> Result<(), RegistryError> {
    if value.trim().is_empty() {
        return Err(RegistryError::EmptyField { field });
    }
    Ok(())
}

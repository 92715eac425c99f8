//! A journal of enrollments in flight. An enrollment is journaled before its
//! request is sent, and removed in the same transaction that records the
//! factor. After a crash or a kill, the next start can therefore tell the user
//! that an enrollment was interrupted and its factor ID may never have arrived.

use rusqlite::params;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::{RegistryError, database_error};
use super::{NewFactor, Registry};

/// An enrollment that started but never finished, found at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterruptedEnrollment {
    /// Factor type and label, with any phone number masked.
    pub description: String,
    /// When the request was about to be sent, in RFC 3339.
    pub started_at: String,
}

impl Registry {
    /// Journals an enrollment about to be sent and returns its journal ID.
    /// `description` must not contain secrets or a full phone number.
    pub fn begin_enrollment(
        &mut self,
        environment_id: &str,
        description: &str,
    ) -> Result<i64, RegistryError> {
        let started_at = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        self.transaction(|transaction| {
            transaction
                .connection
                .execute(
                    "INSERT INTO pending_enrollments (environment_id, description, started_at, process_id) VALUES (?1, ?2, ?3, ?4)",
                    params![environment_id, description, started_at, std::process::id()],
                )
                .map_err(|error| database_error(transaction.path, "journal an enrollment", error))?;
            Ok(transaction.connection.last_insert_rowid())
        })
    }

    /// Ends a journaled enrollment: records `factor` when the API returned one,
    /// and removes the journal entry in the same transaction.
    pub fn finish_enrollment(
        &mut self,
        pending_id: i64,
        factor: Option<&NewFactor>,
    ) -> Result<(), RegistryError> {
        self.transaction(|transaction| {
            if let Some(factor) = factor {
                transaction.record_factor(factor)?;
            }
            transaction
                .connection
                .execute(
                    "DELETE FROM pending_enrollments WHERE pending_id = ?1",
                    params![pending_id],
                )
                .map_err(|error| {
                    database_error(transaction.path, "close an enrollment journal entry", error)
                })?;
            Ok(())
        })
    }

    /// Returns and removes the enrollments of `environment_id` that another
    /// process started and never finished, oldest first. Enrollments of this
    /// process are still in flight and stay.
    // NOTE: an entry left by an earlier process with the same PID as this one
    // is not reported until a later start; PIDs are rarely reused that soon.
    pub fn take_interrupted_enrollments(
        &mut self,
        environment_id: &str,
    ) -> Result<Vec<InterruptedEnrollment>, RegistryError> {
        self.transaction(|transaction| {
            let mut statement = transaction
                .connection
                .prepare(
                    "SELECT description, started_at FROM pending_enrollments WHERE environment_id = ?1 AND process_id <> ?2 ORDER BY pending_id",
                )
                .map_err(|error| database_error(transaction.path, "read the enrollment journal", error))?;
            let rows = statement
                .query_map(params![environment_id, std::process::id()], |row| {
                    Ok(InterruptedEnrollment {
                        description: row.get(0)?,
                        started_at: row.get(1)?,
                    })
                })
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|error| database_error(transaction.path, "read the enrollment journal", error))?;
            transaction
                .connection
                .execute(
                    "DELETE FROM pending_enrollments WHERE environment_id = ?1 AND process_id <> ?2",
                    params![environment_id, std::process::id()],
                )
                .map_err(|error| database_error(transaction.path, "clear the enrollment journal", error))?;
            Ok(rows)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Journals an enrollment as if another process had started it.
    fn begin_elsewhere(registry: &mut Registry, environment_id: &str, description: &str) {
        let id = registry
            .begin_enrollment(environment_id, description)
            .unwrap();
        registry
            .connection
            .execute(
                "UPDATE pending_enrollments SET process_id = process_id + 1 WHERE pending_id = ?1",
                params![id],
            )
            .unwrap();
    }

    #[test]
    fn unfinished_enrollment_is_reported_once() {
        let mut registry = Registry::open_in_memory().unwrap();
        let finished = registry
            .begin_enrollment("local-emulator", "TOTP Foo / a")
            .unwrap();
        registry.finish_enrollment(finished, None).unwrap();
        begin_elsewhere(&mut registry, "local-emulator", "TOTP Foo / b");
        begin_elsewhere(&mut registry, "workos", "SMS +1********06");
        registry
            .begin_enrollment("local-emulator", "TOTP Foo / in flight here")
            .unwrap();

        let interrupted = registry
            .take_interrupted_enrollments("local-emulator")
            .unwrap();
        assert_eq!(interrupted.len(), 1);
        assert_eq!(interrupted[0].description, "TOTP Foo / b");
        assert!(
            registry
                .take_interrupted_enrollments("local-emulator")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            registry
                .take_interrupted_enrollments("workos")
                .unwrap()
                .len(),
            1
        );
    }
}

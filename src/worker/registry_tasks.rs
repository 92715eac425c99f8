//! Registry work for the worker. SQLite calls block, so each runs on the
//! blocking pool while holding the registry's mutex.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::client::EnrolledFactor;
use crate::registry::{
    ChallengeRecord, FactorFilter, FactorRecord, InterruptedEnrollment, NewChallenge, NewFactor,
    Registry,
};
use crate::session::ChallengeStatus;

/// The registry shared by worker tasks, or why it could not be opened.
pub type SharedRegistry = Result<Arc<Mutex<Registry>>, String>;

/// A change to record in the registry.
#[derive(Debug, Clone)]
pub enum RegistryWrite {
    FactorDeleted {
        factor_id: String,
    },
    SsoUser {
        environment_id: String,
        user_label: String,
        signs_in_with_sso: bool,
    },
    Challenge(NewChallenge),
    ChallengeUpdate {
        challenge_id: String,
        status: ChallengeStatus,
        wrong_codes: u32,
    },
}

/// Registry contents for one environment.
#[derive(Debug, Clone, Default)]
pub struct RegistrySnapshot {
    pub factors: Vec<FactorRecord>,
    /// Enrollments an earlier run started and never finished.
    pub interrupted: Vec<InterruptedEnrollment>,
    /// User labels marked as signing in through SSO.
    pub sso_users: HashSet<String>,
    /// Challenges of the environment's factors that are still pending and
    /// have not expired, oldest first, so that a restart shows them again.
    pub open_challenges: Vec<ChallengeRecord>,
}

async fn with_registry<T: Send + 'static>(
    registry: &SharedRegistry,
    work: impl FnOnce(&mut Registry) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let registry = registry.clone()?;
    tokio::task::spawn_blocking(move || {
        let mut guard = registry
            .lock()
            .map_err(|_| "the registry was poisoned by an earlier panic".to_owned())?;
        work(&mut guard)
    })
    .await
    .map_err(|error| format!("the registry task failed: {error}"))?
}

/// Journals an enrollment before its request is sent and returns the journal
/// ID, so a crash before the response is recorded is reported at the next
/// start.
pub async fn begin_enrollment(
    registry: &SharedRegistry,
    environment_id: String,
    description: String,
) -> Result<i64, String> {
    with_registry(registry, move |registry| {
        registry
            .begin_enrollment(&environment_id, &description)
            .map_err(|error| error.to_string())
    })
    .await
}

/// Records an enrolled factor and closes its journal entry in one
/// transaction. It must succeed before the console shows the enrollment, so a
/// crash right after can't lose the factor ID.
pub async fn finish_enrollment(
    registry: &SharedRegistry,
    pending_id: Option<i64>,
    environment_id: String,
    factor: Option<&EnrolledFactor>,
) -> Result<(), String> {
    let record = factor.map(|factor| NewFactor::from_enrolled(environment_id, factor));
    with_registry(registry, move |registry| {
        let result = match (pending_id, &record) {
            (Some(pending_id), record) => registry.finish_enrollment(pending_id, record.as_ref()),
            (None, Some(record)) => registry.record_factor(record),
            (None, None) => Ok(()),
        };
        result.map_err(|error| error.to_string())
    })
    .await
}

/// Reads every factor of an environment, deleted ones included, and its SSO
/// users.
pub async fn load(
    registry: &SharedRegistry,
    environment_id: String,
) -> Result<RegistrySnapshot, String> {
    with_registry(registry, move |registry| {
        let filter = FactorFilter {
            include_deleted: true,
            ..FactorFilter::environment(environment_id.clone())
        };
        let factors = registry
            .list_factors(&filter)
            .map_err(|error| error.to_string())?;
        let interrupted = registry
            .take_interrupted_enrollments(&environment_id)
            .map_err(|error| error.to_string())?;
        let mut sso_users = HashSet::new();
        for factor in &factors {
            if registry
                .is_sso_user(&environment_id, &factor.user_label)
                .map_err(|error| error.to_string())?
            {
                sso_users.insert(factor.user_label.clone());
            }
        }
        let now = time::OffsetDateTime::now_utc();
        let mut open_challenges = Vec::new();
        for factor in factors.iter().filter(|factor| factor.deleted_at.is_none()) {
            let challenges = registry
                .challenges_for(&factor.factor_id)
                .map_err(|error| error.to_string())?;
            open_challenges.extend(
                challenges
                    .into_iter()
                    .filter(|challenge| is_open(challenge, now)),
            );
        }
        open_challenges.sort_by_key(|challenge| challenge.created_at);
        Ok(RegistrySnapshot {
            factors,
            interrupted,
            sso_users,
            open_challenges,
        })
    })
    .await
}

/// Returns whether a stored challenge can still be verified: pending, with an
/// expiry still ahead. One without an expiry is left out, because there is no
/// time after which it could be dropped from the list.
fn is_open(challenge: &ChallengeRecord, now: time::OffsetDateTime) -> bool {
    challenge.status == ChallengeStatus::Pending
        && challenge
            .expires_at
            .is_some_and(|expires_at| expires_at > now)
}

/// Applies one change.
pub async fn write(registry: &SharedRegistry, change: RegistryWrite) -> Result<(), String> {
    with_registry(registry, move |registry| {
        let result = match change {
            RegistryWrite::FactorDeleted { factor_id } => {
                registry.mark_factor_deleted(&factor_id, time::OffsetDateTime::now_utc())
            }
            RegistryWrite::SsoUser {
                environment_id,
                user_label,
                signs_in_with_sso,
            } => registry.set_sso_user(&environment_id, &user_label, signs_in_with_sso),
            RegistryWrite::Challenge(challenge) => registry.record_challenge(&challenge),
            RegistryWrite::ChallengeUpdate {
                challenge_id,
                status,
                wrong_codes,
            } => registry.update_challenge(&challenge_id, status, wrong_codes),
        };
        result.map_err(|error| error.to_string())
    })
    .await
}

//! Applying worker outcomes to the console's state.

use super::ConsoleApp;
use crate::activity::Level;
use crate::client::{ChallengeInfo, ConnectionCheck, EnrolledFactor, FactorInfo};
use crate::clipboard_guard::{CopiedKind, Fingerprint};
use crate::environment::{EnvironmentKind, KeyState};
use crate::failure::{RequestKind, describe};
use crate::qr::{DecodedQr, QrImageError};
use crate::redact;
use crate::registry::{ChallengeRecord, FactorRecord, NewChallenge};
use crate::session::{ChallengeState, SelectedFactor};
use crate::ui::enroll::EnrollmentCard;
use crate::ui::factors::FactorRow;
use crate::worker::{ClearOutcome, ClipboardError, Outcome, RegistryWrite};

/// Turns a registry row into the form the Factors tab lists.
fn factor_info_from_record(record: FactorRecord) -> FactorInfo {
    let is_totp = record.factor_type.as_str() == "totp";
    FactorInfo {
        factor_type: record.factor_type.as_str().to_owned(),
        user_id: record.workos_user_id,
        issuer: record.issuer,
        totp_user: is_totp.then(|| record.user_label.clone()),
        masked_phone: record.masked_phone.map(|phone| phone.as_str().to_owned()),
        created_at: record
            .created_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        id: record.factor_id,
    }
}

fn challenge_from_record(record: ChallengeRecord) -> ChallengeState {
    ChallengeState {
        info: ChallengeInfo {
            id: record.challenge_id,
            factor_id: record.factor_id,
            created_at: record
                .created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            expires_at: record.expires_at,
        },
        status: record.status,
        wrong_codes: record.wrong_codes,
    }
}

impl ConsoleApp {
    pub(super) fn apply(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Enrolled {
                result: Ok(factor),
                registry_error,
                qr,
            } => {
                self.enrolled(factor, qr);
                self.report_registry_error(registry_error);
            }
            Outcome::EnrolledForUser {
                result: Ok((factor, challenge)),
                registry_error,
                qr,
            } => {
                self.enrolled(factor, qr);
                self.report_registry_error(registry_error);
                self.record(
                    Level::Info,
                    format!("The enrollment created challenge {}", challenge.id),
                );
                self.write_registry(RegistryWrite::Challenge(NewChallenge::from(&challenge)));
                self.session.record_challenge(challenge);
            }
            Outcome::Enrolled {
                result: Err(error), ..
            }
            | Outcome::EnrolledForUser {
                result: Err(error), ..
            } => {
                let message = describe(&error, RequestKind::NotRepeatable);
                self.record(Level::Error, format!("Enrollment failed: {message}"));
                self.enroll.error = Some(message);
            }
            Outcome::Challenged(Ok(challenge)) => {
                self.record(Level::Info, format!("Created challenge {}", challenge.id));
                self.write_registry(RegistryWrite::Challenge(NewChallenge::from(&challenge)));
                self.session.record_challenge(challenge);
                self.verify.code.clear();
                self.refresh_outbox_if_emulator();
            }
            Outcome::Challenged(Err(error)) => {
                let message = describe(&error, RequestKind::NotRepeatable);
                self.record(Level::Error, format!("Challenge failed: {message}"));
            }
            Outcome::Verified {
                challenge_id,
                result,
            } => {
                let now = time::OffsetDateTime::now_utc();
                let outcome = self
                    .session
                    .record_verification(&challenge_id, &result, now);
                let level = if outcome.is_success() {
                    Level::Info
                } else {
                    Level::Warn
                };
                let detail = match (&result, &outcome) {
                    (Err(error), crate::session::VerifyOutcome::Failed { .. }) => {
                        describe(error, RequestKind::NotRepeatable)
                    }
                    _ => outcome.next_action(),
                };
                self.record(
                    level,
                    format!("Verify {challenge_id}: {}. {detail}", outcome.headline()),
                );
                if let crate::session::VerifyOutcome::Failed { .. } = outcome
                    && let Err(error) = &result
                {
                    self.session.last_outcome = Some((
                        challenge_id,
                        crate::session::VerifyOutcome::Failed {
                            message: describe(error, RequestKind::NotRepeatable),
                        },
                    ));
                }
                if outcome.is_success() {
                    self.verify.code.clear();
                }
            }
            Outcome::FactorRead { factor_id, result } => match result {
                Ok(info) => {
                    self.record(Level::Info, format!("Refreshed factor {factor_id}"));
                    self.upsert_factor_row(info);
                }
                Err(error) => {
                    let message = describe(&error, RequestKind::Repeatable);
                    self.record(
                        Level::Error,
                        format!("Refreshing {factor_id} failed: {message}"),
                    );
                }
            },
            Outcome::FactorDeleted { factor_id, result } => match result {
                Ok(()) => {
                    self.record(Level::Info, format!("Deleted factor {factor_id}"));
                    self.write_registry(RegistryWrite::FactorDeleted {
                        factor_id: factor_id.clone(),
                    });
                    for row in &mut self.factor_rows {
                        if row.info.id == factor_id {
                            row.deleted = true;
                        }
                    }
                    if let Some((_, factors)) = &mut self.user_factors {
                        factors.retain(|info| info.id != factor_id);
                    }
                    if self.session.factor_id() == Some(factor_id.as_str()) {
                        self.session.selected = None;
                    }
                }
                Err(error) => {
                    let message = describe(&error, RequestKind::Repeatable);
                    self.record(
                        Level::Error,
                        format!("Deleting {factor_id} failed: {message}"),
                    );
                }
            },
            Outcome::UserFactors { user_id, result } => match result {
                Ok(factors) => {
                    self.record(
                        Level::Info,
                        format!("Listed {} factors of {user_id}", factors.len()),
                    );
                    self.user_factors = Some((user_id, factors));
                }
                Err(error) => {
                    let message = describe(&error, RequestKind::Repeatable);
                    self.record(
                        Level::Error,
                        format!("Listing the factors of {user_id} failed: {message}"),
                    );
                }
            },
            Outcome::ConnectionTested(result) => {
                let (ok, message) = match result {
                    Ok(ConnectionCheck::KeyAccepted) => (true, "Reachable, and the API key is accepted.".to_owned()),
                    Ok(ConnectionCheck::KeyRejected) => (
                        false,
                        "Reachable, but the API key was rejected (401). Check that the key belongs to this environment.".to_owned(),
                    ),
                    Err(error) => (false, describe(&error, RequestKind::Repeatable)),
                };
                self.record(
                    if ok { Level::Info } else { Level::Warn },
                    format!("Connection test: {message}"),
                );
                self.connection = Some((ok, message));
            }
            Outcome::Outbox(result) => match result {
                Ok(messages) => self.outbox = messages,
                Err(error) => {
                    let message = describe(&error, RequestKind::Repeatable);
                    self.record(
                        Level::Warn,
                        format!("Reading the SMS outbox failed: {message}"),
                    );
                }
            },
            Outcome::KeyLoaded {
                environment_id,
                result,
            } => {
                let message = match &result {
                    Ok(Some(_)) => {
                        Some((Level::Info, "API key read from the OS keyring".to_owned()))
                    }
                    Ok(None) => None,
                    Err(error) => Some((Level::Warn, error.to_string())),
                };
                self.set_key_state(
                    &environment_id,
                    match result {
                        Ok(Some(key)) => KeyState::Ready {
                            key,
                            session_only: false,
                        },
                        Ok(None) => KeyState::Missing,
                        Err(error) => KeyState::Failed(error),
                    },
                );
                if let Some((level, text)) = message {
                    self.record(level, text);
                }
            }
            Outcome::KeySaved {
                environment_id,
                key,
                result,
            } => {
                let (level, text, state) = match result {
                    Ok(()) => (
                        Level::Info,
                        "API key saved to the OS keyring".to_owned(),
                        KeyState::Ready {
                            key,
                            session_only: false,
                        },
                    ),
                    Err(error) => (Level::Warn, error.to_string(), KeyState::Failed(error)),
                };
                self.set_key_state(&environment_id, state);
                self.record(level, text);
            }
            Outcome::KeyForgotten {
                environment_id,
                result,
            } => match result {
                Ok(()) => {
                    self.set_key_state(&environment_id, KeyState::Missing);
                    self.record(
                        Level::Info,
                        "API key removed from the OS keyring".to_owned(),
                    );
                }
                Err(error) => {
                    self.record(Level::Warn, error.to_string());
                    self.set_key_state(&environment_id, KeyState::Failed(error));
                }
            },
            Outcome::ImportableKey(found) => self.import_offer = found,
            Outcome::RegistryLoaded {
                environment_id,
                result,
            } => {
                if environment_id != self.environment_id() {
                    return;
                }
                match result {
                    Ok(snapshot) => {
                        self.registry_error = None;
                        for interrupted in snapshot.interrupted {
                            self.record(
                                Level::Error,
                                format!(
                                    "An enrollment ({}) started at {} did not finish: the console stopped before the API's answer was recorded. The factor may exist in WorkOS with no record here; check the user's factors, or enroll again.",
                                    interrupted.description, interrupted.started_at
                                ),
                            );
                        }
                        self.sso_users = snapshot.sso_users;
                        let restored = snapshot
                            .open_challenges
                            .into_iter()
                            .map(challenge_from_record)
                            .collect();
                        let added = self.session.restore_challenges(restored);
                        if added > 0 {
                            self.record(
                                Level::Info,
                                format!(
                                    "Restored {added} open challenge(s) from the local registry"
                                ),
                            );
                        }
                        for record in snapshot.factors {
                            let deleted = record.deleted_at.is_some();
                            let info = factor_info_from_record(record);
                            match self
                                .factor_rows
                                .iter_mut()
                                .find(|row| row.info.id == info.id)
                            {
                                Some(row) => row.deleted |= deleted,
                                None => self.factor_rows.push(FactorRow { info, deleted }),
                            }
                        }
                    }
                    Err(error) => {
                        self.record(
                            Level::Warn,
                            format!("The local registry could not be read: {error}"),
                        );
                        self.registry_error = Some(error);
                    }
                }
            }
            Outcome::RegistryWritten(result) => {
                if let Err(error) = result {
                    tracing::debug!(error = %redact::mask_ids_in_text(&error), "registry write skipped");
                }
            }
            Outcome::FileSaved(result) => {
                let message = match result {
                    Ok(Some(path)) => Some((true, format!("Saved {}", path.display()))),
                    Ok(None) => Some((
                        false,
                        "No file was saved: the dialog was cancelled or no file dialog is available. Type a path and press the button beside it.".to_owned(),
                    )),
                    Err(error) => Some((false, error.to_string())),
                };
                if let Some((ok, text)) = &message {
                    self.record(if *ok { Level::Info } else { Level::Warn }, text.clone());
                }
                if self.tab == crate::ui::Tab::Enroll {
                    self.enroll.save_message = message;
                } else {
                    self.log.export_message = message;
                }
            }
            Outcome::ClipboardCleared {
                kind,
                fingerprint,
                result,
            } => self.clipboard_cleared(kind, fingerprint, result),
        }
    }

    fn clipboard_cleared(
        &mut self,
        kind: CopiedKind,
        fingerprint: Fingerprint,
        result: Result<ClearOutcome, ClipboardError>,
    ) {
        // A newer copy may have replaced the guard while the worker ran.
        if self
            .clipboard_guard
            .as_ref()
            .is_some_and(|guard| guard.is_clearing() && guard.fingerprint() == fingerprint)
        {
            self.clipboard_guard = None;
        }
        let noun = kind.noun();
        match result {
            Ok(ClearOutcome::Cleared) => {
                self.record(
                    Level::Info,
                    format!("Cleared the copied {noun} from the clipboard."),
                );
            }
            Ok(ClearOutcome::LeftAlone) => self.record(
                Level::Info,
                format!(
                    "The clipboard no longer contains the copied {noun}, so it was left as it is."
                ),
            ),
            Err(error) => self.record(
                Level::Warn,
                format!(
                    "The copied {noun} was not cleared: {error}. Clear the clipboard yourself if it still contains it."
                ),
            ),
        }
    }

    fn report_registry_error(&mut self, error: Option<String>) {
        if let Some(error) = error {
            self.record(
                Level::Error,
                format!("The factor was enrolled but not recorded in the local registry: {error}. Copy its factor ID now."),
            );
            self.registry_error = Some(error);
        }
    }

    fn enrolled(&mut self, factor: EnrolledFactor, qr: Option<Result<DecodedQr, QrImageError>>) {
        let selected = SelectedFactor::from_enrolled(&factor);
        self.record(
            Level::Info,
            format!(
                "Enrolled {}",
                selected
                    .summary
                    .replace(&redact::mask_id(&factor.id), &factor.id)
            ),
        );
        self.upsert_factor_row(FactorInfo {
            id: factor.id.clone(),
            factor_type: selected.factor_type.clone(),
            user_id: None,
            issuer: match &factor.kind {
                crate::client::EnrolledKind::Totp(totp) => Some(totp.issuer.clone()),
                _ => None,
            },
            totp_user: match &factor.kind {
                crate::client::EnrolledKind::Totp(totp) => Some(totp.user.clone()),
                _ => None,
            },
            masked_phone: match &factor.kind {
                crate::client::EnrolledKind::Sms { masked_phone } => Some(masked_phone.clone()),
                _ => None,
            },
            created_at: factor.created_at.clone(),
        });
        let card = EnrollmentCard::from_factor(&factor, qr);
        self.enroll.save_path = self
            .default_folder
            .join(card.png_file_name())
            .display()
            .to_string();
        self.enroll.card = Some(card);
        self.enroll.error = None;
        self.enroll.sso_override = false;
        self.enroll.save_message = None;
        self.session.record_enrollment(factor);
    }

    fn upsert_factor_row(&mut self, info: FactorInfo) {
        if let Some(row) = self
            .factor_rows
            .iter_mut()
            .find(|row| row.info.id == info.id)
        {
            row.info = info;
        } else {
            self.factor_rows.push(FactorRow {
                info,
                deleted: false,
            });
        }
    }

    fn set_key_state(&mut self, environment_id: &str, state: KeyState) {
        if let Some(environment) = self
            .environments
            .iter_mut()
            .find(|env| env.id == environment_id)
        {
            environment.key = state;
        }
    }

    fn refresh_outbox_if_emulator(&mut self) {
        let Some(environment) = self.environment() else {
            return;
        };
        if environment.kind == EnvironmentKind::Emulator
            && self.session.factor_is_sms()
            && let Some(target) = environment.target()
        {
            self.start(
                crate::ui::PendingKind::Outbox,
                crate::worker::Command::ReadOutbox { target },
            );
        }
    }
}

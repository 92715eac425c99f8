//! Turning user actions into state changes and worker commands.

use std::time::Instant;

use workos::SecretString;

use super::ConsoleApp;
use crate::activity::Level;
use crate::clipboard_guard::{CLEAR_AFTER, ClipboardGuard};
use crate::environment::{Environment, KeyState};
use crate::session::{SelectedFactor, Session};
use crate::ui::factors::FactorRow;
use crate::ui::{PendingKind, Tab, UiAction};
use crate::worker::{Command, RegistryWrite};

impl ConsoleApp {
    /// Switches to `tab`, masking a shown TOTP secret when leaving Enroll.
    fn show_tab(&mut self, tab: Tab) {
        if self.tab == Tab::Enroll
            && tab != Tab::Enroll
            && let Some(card) = &mut self.enroll.card
        {
            card.hide_secret();
        }
        self.tab = tab;
    }

    pub(super) fn handle(&mut self, action: UiAction) {
        let target = self.environment().and_then(Environment::target);
        match action {
            UiAction::ShowTab(tab) => self.show_tab(tab),
            UiAction::Cancel(kind) => self.cancel(kind),
            UiAction::SelectEnvironment(index) => self.select_environment(index),
            UiAction::AddEnvironment(custom) => {
                self.environments.push(Environment::custom(&custom));
                self.record(
                    Level::Info,
                    format!("Added environment {} ({})", custom.name, custom.base_url),
                );
                self.settings.custom_environments.push(custom);
            }
            UiAction::RemoveEnvironment(id) => self.remove_environment(&id),
            UiAction::SaveKey { key } => self.save_key(key),
            UiAction::UseKeyForSession { key } => self.use_session_key(key),
            UiAction::ForgetKey => {
                if let Some(environment) = self.environments.get_mut(self.selected) {
                    let command = Command::ForgetKey {
                        environment_id: environment.id.clone(),
                    };
                    environment.key = KeyState::Busy;
                    self.start(PendingKind::Key, command);
                }
            }
            UiAction::ReplaceKey => {}
            UiAction::RetryKeyLoad => {
                if let Some(environment) = self.environments.get_mut(self.selected) {
                    environment.key = KeyState::NotLoaded;
                }
            }
            UiAction::ImportKey { to_keyring } => {
                if let Some(offer) = self.import_offer.take() {
                    self.record(
                        Level::Info,
                        format!("Importing the API key from {}", offer.source),
                    );
                    if to_keyring {
                        self.save_key(offer.key);
                    } else {
                        self.use_session_key(offer.key);
                    }
                }
            }
            UiAction::DismissImport => self.import_offer = None,
            UiAction::TestConnection => {
                if let Some(target) = target {
                    self.connection = None;
                    self.start(PendingKind::Connection, Command::TestConnection { target });
                }
            }
            UiAction::EnrollTotp {
                issuer,
                user,
                workos_user_id,
            } => {
                if let Some(target) = target {
                    self.settings.issuer = issuer.as_str().to_owned();
                    let command = Command::EnrollTotp {
                        target,
                        environment_id: self.environment_id(),
                        issuer,
                        user,
                        workos_user_id,
                    };
                    self.start(PendingKind::Enroll, command);
                }
            }
            UiAction::EnrollSms { phone } => {
                if let Some(target) = target {
                    let command = Command::EnrollSms {
                        target,
                        environment_id: self.environment_id(),
                        phone,
                    };
                    self.start(PendingKind::Enroll, command);
                }
            }
            UiAction::SaveQrPng { path } => {
                let Some(card) = self.enroll.card.as_ref() else {
                    return;
                };
                let Some(qr) = card.qr() else {
                    return;
                };
                let command = Command::SaveFile {
                    path,
                    suggested_name: card.png_file_name(),
                    contents: qr.png.clone(),
                };
                self.enroll.save_message = None;
                self.start(PendingKind::File, command);
            }
            UiAction::CreateChallenge {
                factor_id,
                sms_template,
            } => {
                self.select_factor_by_id(&factor_id);
                if let Some(target) = target {
                    self.show_tab(Tab::Challenges);
                    let command = Command::Challenge {
                        target,
                        factor_id,
                        sms_template,
                    };
                    self.start(PendingKind::Challenge, command);
                }
            }
            UiAction::PrepareChallenge { factor_id } => {
                self.select_factor_by_id(&factor_id);
                self.show_tab(Tab::Challenges);
            }
            UiAction::ChooseChallenge(challenge_id) => {
                self.session.chosen_challenge = Some(challenge_id);
                self.show_tab(Tab::Verify);
            }
            UiAction::Verify { challenge_id, code } => {
                if let Some(target) = target {
                    let command = Command::Verify {
                        target,
                        challenge_id,
                        code,
                    };
                    self.start(PendingKind::Verify, command);
                }
            }
            UiAction::RefreshFactor(factor_id) => {
                if let Some(target) = target {
                    self.start(
                        PendingKind::Factor,
                        Command::GetFactor { target, factor_id },
                    );
                }
            }
            UiAction::DeleteFactor(factor_id) => {
                if let Some(target) = target {
                    self.record(Level::Info, format!("Deleting factor {factor_id}"));
                    self.start(
                        PendingKind::Factor,
                        Command::DeleteFactor { target, factor_id },
                    );
                }
            }
            UiAction::ListUserFactors(user_id) => {
                if let Some(target) = target {
                    self.start(
                        PendingKind::UserFactors,
                        Command::ListUserFactors { target, user_id },
                    );
                }
            }
            UiAction::MarkSsoUser {
                user_label,
                signs_in_with_sso,
            } => {
                if signs_in_with_sso {
                    self.sso_users.insert(user_label.clone());
                } else {
                    self.sso_users.remove(&user_label);
                }
                let state = if signs_in_with_sso {
                    "signs in through SSO"
                } else {
                    "does not sign in through SSO"
                };
                self.record(Level::Info, format!("Marked {user_label}: {state}"));
            }
            UiAction::RefreshOutbox => {
                if let Some(target) = target {
                    self.start(PendingKind::Outbox, Command::ReadOutbox { target });
                }
            }
            UiAction::ExportLog { path } => {
                let contents = self.log.export_json_lines().into_bytes();
                self.log.export_message = None;
                let command = Command::SaveFile {
                    path,
                    suggested_name: "mfa-console-log.jsonl".to_owned(),
                    contents,
                };
                self.start(PendingKind::File, command);
            }
            UiAction::GuardClipboard { kind, fingerprint } => {
                self.clipboard_guard = Some(ClipboardGuard::new(kind, fingerprint, Instant::now()));
                self.record(
                    Level::Info,
                    format!(
                        "Copied the {}. The clipboard clears in {} s unless it contains something else by then.",
                        kind.noun(),
                        CLEAR_AFTER.as_secs()
                    ),
                );
            }
            UiAction::ClearClipboardNow => self.start_clipboard_clear(true),
            UiAction::SetTheme(theme) => self.settings.theme = theme,
            UiAction::SetTimeout(seconds) => self.set_timeout(seconds),
            UiAction::SetScale(scale) => {
                if crate::settings::UI_SCALE_RANGE.contains(&scale) {
                    self.settings.ui_scale = scale;
                }
            }
        }
    }

    fn set_timeout(&mut self, seconds: u64) {
        if !crate::settings::TIMEOUT_RANGE_SECONDS.contains(&seconds) {
            return;
        }
        match self
            .worker
            .set_timeout(std::time::Duration::from_secs(seconds))
        {
            Ok(()) => {
                self.settings.request_timeout_seconds = seconds;
                self.record(Level::Info, format!("Request time-out set to {seconds} s"));
            }
            Err(error) => self.record(
                Level::Error,
                format!("The time-out could not be changed: {error}"),
            ),
        }
    }

    fn cancel(&mut self, kind: PendingKind) {
        let Some(task) = self.pending.remove(&kind) else {
            return;
        };
        self.worker.cancel(task);
        let message = match kind {
            PendingKind::Enroll | PendingKind::Challenge | PendingKind::Verify => {
                "Cancelled. The request may already have reached the server, so its outcome is unknown: check the Factors and Challenges tabs."
            }
            _ => "Cancelled.",
        };
        self.record(Level::Warn, message.to_owned());
        if kind == PendingKind::Key
            && let Some(environment) = self.environments.get_mut(self.selected)
            && matches!(environment.key, KeyState::Busy)
        {
            environment.key = KeyState::Missing;
        }
    }

    fn select_environment(&mut self, index: usize) {
        if index >= self.environments.len() || index == self.selected {
            return;
        }
        self.selected = index;
        self.session = Session::default();
        self.enroll.card = None;
        self.user_factors = None;
        self.outbox.clear();
        self.connection = None;
        self.import_offer = None;
        self.import_checked = false;
        self.factor_rows.clear();
        self.sso_users.clear();
        self.registry_loaded_for = None;
        let name = self.environments[index].name.clone();
        self.record(Level::Info, format!("Switched to {name}"));
    }

    fn remove_environment(&mut self, id: &str) {
        let Some(index) = self
            .environments
            .iter()
            .position(|environment| environment.id == id)
        else {
            return;
        };
        if index == self.selected {
            self.select_environment(0);
        }
        let removed = self.environments.remove(index);
        if self.selected > index {
            self.selected -= 1;
        }
        self.settings
            .custom_environments
            .retain(|custom| custom.id != id);
        self.record(Level::Info, format!("Removed environment {}", removed.name));
    }

    fn save_key(&mut self, key: SecretString) {
        if let Some(environment) = self.environments.get_mut(self.selected) {
            environment.key = KeyState::Busy;
            let command = Command::SaveKey {
                environment_id: environment.id.clone(),
                key,
            };
            self.start(PendingKind::Key, command);
        }
    }

    fn use_session_key(&mut self, key: SecretString) {
        if let Some(environment) = self.environments.get_mut(self.selected) {
            environment.key = KeyState::Ready {
                key,
                session_only: true,
            };
        }
        self.record(
            Level::Warn,
            "API key kept for this session only; it is not stored anywhere.".to_owned(),
        );
    }

    fn select_factor_by_id(&mut self, factor_id: &str) {
        if self.session.factor_id() == Some(factor_id) {
            return;
        }
        let known = self
            .factor_rows
            .iter()
            .map(|row: &FactorRow| &row.info)
            .chain(
                self.user_factors
                    .iter()
                    .flat_map(|(_, factors)| factors.iter()),
            )
            .find(|info| info.id == factor_id);
        if let Some(info) = known {
            self.session.select_factor(SelectedFactor::from_info(info));
        }
    }
}

impl ConsoleApp {
    /// Returns the selected environment's ID.
    pub(super) fn environment_id(&self) -> String {
        self.environment()
            .map(|environment| environment.id.clone())
            .unwrap_or_default()
    }

    /// Records a change in the registry in the background.
    pub(super) fn write_registry(&mut self, change: RegistryWrite) {
        self.worker.send(Command::WriteRegistry(change));
    }
}

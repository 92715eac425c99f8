//! The console: owns the UI state, drains worker events at the start of each
//! frame, draws the panels and turns user actions into worker commands.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::activity::{ActivityRecord, Level};
use crate::client::EnrolledKind;
use crate::environment::{Environment, KeyState};
use crate::keystore::KeyStore;
use crate::redact;
use crate::session::Session;
use crate::ui::enroll::{EnrollTab, EnrollmentCard};
use crate::ui::environment_bar::EnvironmentBar;
use crate::ui::log_panel::LogPanel;
use crate::ui::verify::VerifyTab;
use crate::ui::{Tab, UiAction, challenges};
use crate::worker::{Command, Event, Worker, WorkerError};

/// Requests in flight, so each tab can show a spinner.
#[derive(Debug, Default, Clone, Copy)]
struct Busy {
    enroll: bool,
    challenge: bool,
    verify: bool,
}

/// The whole console.
pub struct ConsoleApp {
    environments: Vec<Environment>,
    selected: usize,
    tab: Tab,
    session: Session,
    bar: EnvironmentBar,
    enroll: EnrollTab,
    verify: VerifyTab,
    log: LogPanel,
    busy: Busy,
    worker: Worker,
}

impl ConsoleApp {
    /// Builds the console with `environments` (the first is selected) and the
    /// key store for environments whose key is not built in.
    pub fn new(
        environments: Vec<Environment>,
        keystore: Arc<dyn KeyStore>,
    ) -> Result<Self, WorkerError> {
        Ok(Self {
            environments,
            selected: 0,
            tab: Tab::default(),
            session: Session::default(),
            bar: EnvironmentBar::default(),
            enroll: EnrollTab::default(),
            verify: VerifyTab::default(),
            log: LogPanel::default(),
            busy: Busy::default(),
            worker: Worker::new(keystore)?,
        })
    }

    /// Returns the session state.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Returns the latest TOTP enrollment card.
    pub fn enrollment_card(&self) -> Option<&EnrollmentCard> {
        self.enroll.card.as_ref()
    }

    /// Returns the log panel's records.
    pub fn log_records(&self) -> &[ActivityRecord] {
        &self.log.records
    }

    /// Returns whether any request is in flight.
    pub fn is_busy(&self) -> bool {
        self.busy.enroll || self.busy.challenge || self.busy.verify
    }

    /// Returns the selected environment.
    pub fn environment(&self) -> Option<&Environment> {
        self.environments.get(self.selected)
    }

    /// Draws one frame.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.worker.set_repaint_context(ui.ctx());
        for event in self.worker.drain() {
            self.apply(event);
        }
        self.load_key_if_needed();
        let mut actions = Vec::new();
        self.read_shortcuts(ui, &mut actions);

        egui::Panel::top("top-bar").show(ui, |ui| {
            ui.add_space(4.0);
            actions.extend(self.bar.ui(ui, &self.environments, self.selected));
            ui.horizontal(|ui| {
                for tab in Tab::ALL {
                    if ui.selectable_label(self.tab == tab, tab.title()).clicked() {
                        actions.push(UiAction::ShowTab(tab));
                    }
                }
            });
            ui.add_space(2.0);
        });

        egui::Panel::bottom("log-panel")
            .resizable(true)
            .default_size(180.0)
            .show(ui, |ui| self.log.ui(ui));

        let ready = self.environment().is_some_and(|env| env.target().is_some());
        let now = OffsetDateTime::now_utc();
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                let action = match self.tab {
                    Tab::Enroll => self.enroll.ui(ui, self.busy.enroll, ready),
                    Tab::Challenges => challenges::challenges_ui(
                        ui,
                        &self.session,
                        self.busy.challenge,
                        ready,
                        now,
                    ),
                    Tab::Verify => self
                        .verify
                        .ui(ui, &self.session, self.busy.verify, ready, now),
                };
                actions.extend(action);
            });
        });

        for action in actions {
            self.handle(action);
        }
    }

    fn read_shortcuts(&self, ui: &egui::Ui, actions: &mut Vec<UiAction>) {
        let keys = [egui::Key::Num1, egui::Key::Num2, egui::Key::Num3];
        for (tab, key) in Tab::ALL.into_iter().zip(keys) {
            if ui.input_mut(|input| input.consume_key(egui::Modifiers::COMMAND, key)) {
                actions.push(UiAction::ShowTab(tab));
            }
        }
    }

    fn load_key_if_needed(&mut self) {
        let Some(environment) = self.environments.get_mut(self.selected) else {
            return;
        };
        if matches!(environment.key, KeyState::NotLoaded) {
            environment.key = KeyState::Busy;
            self.worker.send(Command::LoadKey {
                environment_id: environment.id.clone(),
            });
        }
    }

    fn record(&mut self, level: Level, outcome: String) {
        let environment = self
            .environment()
            .map(|env| env.name.clone())
            .unwrap_or_default();
        self.log
            .push(ActivityRecord::action(&environment, level, outcome));
    }

    fn handle(&mut self, action: UiAction) {
        let target = self.environment().and_then(Environment::target);
        match action {
            UiAction::ShowTab(tab) => self.tab = tab,
            UiAction::SelectEnvironment(index) if index < self.environments.len() => {
                self.selected = index;
                self.session = Session::default();
                self.enroll.card = None;
                let name = self.environments[index].name.clone();
                self.record(Level::Info, format!("Switched to {name}"));
            }
            UiAction::SelectEnvironment(_) => {}
            UiAction::SaveKey { key } => {
                if let Some(environment) = self.environments.get_mut(self.selected) {
                    environment.key = KeyState::Busy;
                    self.worker.send(Command::SaveKey {
                        environment_id: environment.id.clone(),
                        key,
                    });
                }
            }
            UiAction::UseKeyForSession { key } => {
                if let Some(environment) = self.environments.get_mut(self.selected) {
                    environment.key = KeyState::Ready {
                        key,
                        session_only: true,
                    };
                }
                self.record(Level::Warn, "API key kept for this session only".to_owned());
            }
            UiAction::RetryKeyLoad => {
                if let Some(environment) = self.environments.get_mut(self.selected) {
                    environment.key = KeyState::NotLoaded;
                }
            }
            UiAction::EnrollTotp { issuer, user } => {
                if let Some(target) = target {
                    self.busy.enroll = true;
                    self.worker.send(Command::EnrollTotp {
                        target,
                        issuer,
                        user,
                    });
                }
            }
            UiAction::CreateChallenge { factor_id } => {
                if let Some(target) = target {
                    self.busy.challenge = true;
                    self.worker.send(Command::Challenge {
                        target,
                        factor_id,
                        sms_template: None,
                    });
                }
            }
            UiAction::Verify { challenge_id, code } => {
                if let Some(target) = target {
                    self.busy.verify = true;
                    self.worker.send(Command::Verify {
                        target,
                        challenge_id,
                        code,
                    });
                }
            }
        }
    }

    fn apply(&mut self, event: Event) {
        match event {
            Event::Activity(record) => self.log.push(record),
            Event::Enrolled(result) => {
                self.busy.enroll = false;
                match result {
                    Ok(factor) => {
                        let kind = match &factor.kind {
                            EnrolledKind::Totp(_) => "TOTP",
                            EnrolledKind::Sms { .. } => "SMS",
                            EnrolledKind::GenericOtp => "generic OTP",
                        };
                        tracing::info!(factor_id = %redact::mask_id(&factor.id), kind, "factor enrolled");
                        self.record(Level::Info, format!("Enrolled {kind} factor {}", factor.id));
                        self.enroll.card = EnrollmentCard::from_factor(&factor);
                        self.enroll.error = None;
                        self.session.record_enrollment(factor);
                    }
                    Err(error) => {
                        tracing::error!(%error, "enrollment failed");
                        self.record(Level::Error, format!("Enrollment failed: {error}"));
                        self.enroll.error = Some(error.to_string());
                    }
                }
            }
            Event::Challenged(result) => {
                self.busy.challenge = false;
                match result {
                    Ok(challenge) => {
                        self.record(Level::Info, format!("Created challenge {}", challenge.id));
                        self.session.record_challenge(challenge);
                        self.verify.code.clear();
                    }
                    Err(error) => {
                        tracing::error!(%error, "challenge failed");
                        self.record(Level::Error, format!("Challenge failed: {error}"));
                    }
                }
            }
            Event::Verified {
                challenge_id,
                result,
            } => {
                self.busy.verify = false;
                let outcome = self.session.record_verification(&challenge_id, &result);
                let level = if outcome.is_success() {
                    Level::Info
                } else {
                    Level::Warn
                };
                self.record(
                    level,
                    format!(
                        "Verify {challenge_id}: {}. {}",
                        outcome.headline(),
                        outcome.next_action()
                    ),
                );
                if outcome.is_success() {
                    self.verify.code.clear();
                }
            }
            Event::KeyLoaded {
                environment_id,
                result,
            } => {
                let message = match &result {
                    Ok(Some(_)) => {
                        Some((Level::Info, "API key read from the OS keyring".to_owned()))
                    }
                    Ok(None) => None,
                    Err(error) => {
                        tracing::warn!(%error, "keyring unavailable");
                        Some((Level::Warn, error.to_string()))
                    }
                };
                if let Some(environment) = self
                    .environments
                    .iter_mut()
                    .find(|env| env.id == environment_id)
                {
                    environment.key = match result {
                        Ok(Some(key)) => KeyState::Ready {
                            key,
                            session_only: false,
                        },
                        Ok(None) => KeyState::Missing,
                        Err(error) => KeyState::Failed(error),
                    };
                }
                if let Some((level, text)) = message {
                    self.record(level, text);
                }
            }
            Event::KeySaved {
                environment_id,
                key,
                result,
            } => {
                let message = match &result {
                    Ok(()) => (Level::Info, "API key saved to the OS keyring".to_owned()),
                    Err(error) => {
                        tracing::warn!(%error, "keyring unavailable");
                        (Level::Warn, error.to_string())
                    }
                };
                if let Some(environment) = self
                    .environments
                    .iter_mut()
                    .find(|env| env.id == environment_id)
                {
                    environment.key = match result {
                        Ok(()) => KeyState::Ready {
                            key,
                            session_only: false,
                        },
                        Err(error) => KeyState::Failed(error),
                    };
                }
                self.record(message.0, message.1);
            }
        }
    }
}

impl eframe::App for ConsoleApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

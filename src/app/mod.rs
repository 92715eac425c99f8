//! The console: owns the UI state, drains worker events at the start of each
//! frame, draws the panels and turns user actions into worker commands.

mod actions;
mod outcomes;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use time::OffsetDateTime;

use crate::activity::{ActivityRecord, Level};
use crate::client::{FactorInfo, OutboxMessage};
use crate::clipboard_guard::ClipboardGuard;
use crate::environment::{Environment, EnvironmentKind, KeyState};
use crate::keystore::KeyStore;
use crate::session::Session;
use crate::settings::{Settings, ThemeChoice};
use crate::ui::challenges::{ChallengesTab, ChallengesView};
use crate::ui::enroll::{EnrollTab, EnrollView, EnrollmentCard};
use crate::ui::environment_bar::{BarView, EnvironmentBar};
use crate::ui::factors::{FactorRow, FactorsTab, FactorsView};
use crate::ui::log_panel::{FILTER_ID, LogPanel};
use crate::ui::settings::SettingsTab;
use crate::ui::verify::VerifyTab;
use crate::ui::{PendingKind, Tab, UiAction};
use crate::worker::{Command, Event, ImportableKey, SharedRegistry, TaskId, Worker, WorkerError};

/// The whole console.
pub struct ConsoleApp {
    environments: Vec<Environment>,
    selected: usize,
    tab: Tab,
    settings: Settings,
    session: Session,
    bar: EnvironmentBar,
    enroll: EnrollTab,
    factors: FactorsTab,
    challenges: ChallengesTab,
    verify: VerifyTab,
    settings_tab: SettingsTab,
    log: LogPanel,
    pending: HashMap<PendingKind, TaskId>,
    worker: Worker,
    /// Factors enrolled from this machine in the selected environment.
    factor_rows: Vec<FactorRow>,
    registry_error: Option<String>,
    user_factors: Option<(String, Vec<FactorInfo>)>,
    /// User labels marked as signing in through SSO, in the selected
    /// environment.
    sso_users: HashSet<String>,
    outbox: Vec<OutboxMessage>,
    import_offer: Option<ImportableKey>,
    import_checked: bool,
    connection: Option<(bool, String)>,
    applied_style: Option<(ThemeChoice, f32)>,
    default_folder: PathBuf,
    /// Environment whose registry rows are loaded.
    registry_loaded_for: Option<String>,
    /// The pending clear of a copied secret.
    clipboard_guard: Option<ClipboardGuard>,
}

impl ConsoleApp {
    /// Builds the console with the built-in `environments` (the first is the
    /// default), saved `settings`, the key store for environments whose key is
    /// not built in, and the local factor registry.
    pub fn new(
        mut environments: Vec<Environment>,
        keystore: Arc<dyn KeyStore>,
        settings: Settings,
        registry: SharedRegistry,
    ) -> Result<Self, WorkerError> {
        let registry_error = registry.as_ref().err().cloned();
        let timeout = std::time::Duration::from_secs(settings.request_timeout_seconds);
        let settings = settings.sanitized();
        for custom in &settings.custom_environments {
            if !environments
                .iter()
                .any(|environment| environment.id == custom.id)
            {
                environments.push(Environment::custom(custom));
            }
        }
        let selected = settings
            .last_environment
            .as_ref()
            .and_then(|id| {
                environments
                    .iter()
                    .position(|environment| environment.id == *id)
            })
            .unwrap_or(0);
        let tab = settings
            .last_tab
            .as_deref()
            .and_then(Tab::from_title)
            .unwrap_or_default();
        let enroll = EnrollTab {
            issuer: settings.issuer.clone(),
            ..EnrollTab::default()
        };
        // Saved QR codes contain the secret, so the default folder is the
        // user's Downloads or home folder, never the working directory (which
        // under `cargo run` is a source checkout).
        let default_folder = directories::UserDirs::new()
            .map(|dirs| {
                dirs.download_dir()
                    .unwrap_or_else(|| dirs.home_dir())
                    .to_path_buf()
            })
            .unwrap_or_else(std::env::temp_dir);
        Ok(Self {
            environments,
            selected,
            tab,
            settings,
            session: Session::default(),
            bar: EnvironmentBar::default(),
            enroll,
            factors: FactorsTab::default(),
            challenges: ChallengesTab::default(),
            verify: VerifyTab::default(),
            settings_tab: SettingsTab::default(),
            log: LogPanel::new(&default_folder),
            pending: HashMap::new(),
            worker: Worker::new(keystore, registry, timeout)?,
            factor_rows: Vec::new(),
            registry_error,
            user_factors: None,
            sso_users: HashSet::new(),
            outbox: Vec::new(),
            import_offer: None,
            import_checked: false,
            connection: None,
            applied_style: None,
            default_folder,
            registry_loaded_for: None,
            clipboard_guard: None,
        })
    }

    /// Shows a problem found while starting, such as a damaged emulator state
    /// file, in the log panel.
    pub fn report_startup_problem(&mut self, message: String) {
        self.record(Level::Error, message);
    }

    /// Returns the session state.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Returns the latest enrollment card.
    pub fn enrollment_card(&self) -> Option<&EnrollmentCard> {
        self.enroll.card.as_ref()
    }

    /// Returns the log panel's records.
    pub fn log_records(&self) -> &[ActivityRecord] {
        &self.log.records
    }

    /// Returns the settings as they would be saved now.
    pub fn settings(&self) -> Settings {
        let mut settings = self.settings.clone();
        settings.last_environment = self.environment().map(|environment| environment.id.clone());
        settings.last_tab = Some(self.tab.title().to_owned());
        settings.issuer = self.enroll.issuer.trim().to_owned();
        settings
    }

    /// Returns whether any request is in flight.
    pub fn is_busy(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Returns whether work of `kind` is in flight.
    pub fn is_pending(&self, kind: PendingKind) -> bool {
        self.pending.contains_key(&kind)
    }

    /// Returns the selected environment.
    pub fn environment(&self) -> Option<&Environment> {
        self.environments.get(self.selected)
    }

    /// Returns the factors the Factors tab lists for the selected environment.
    pub fn factor_rows(&self) -> &[FactorRow] {
        &self.factor_rows
    }

    /// Returns the emulator's SMS outbox as last read.
    pub fn outbox(&self) -> &[OutboxMessage] {
        &self.outbox
    }

    /// Returns the pending clear of a copied secret, if any.
    pub fn clipboard_guard(&self) -> Option<&ClipboardGuard> {
        self.clipboard_guard.as_ref()
    }

    /// Returns the factors listed for the last WorkOS user looked up.
    pub fn user_factors(&self) -> Option<&(String, Vec<FactorInfo>)> {
        self.user_factors.as_ref()
    }

    /// Draws one frame.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.worker.set_repaint_context(ui.ctx());
        for event in self.worker.drain() {
            match event {
                Event::Activity(record) => self.log.push(record),
                Event::Done { task, outcome } => {
                    self.pending.retain(|_, pending_task| *pending_task != task);
                    self.apply(outcome);
                }
            }
        }
        self.apply_style(ui.ctx());
        self.start_background_reads();
        self.start_clipboard_clear(false);
        let mut actions = Vec::new();
        self.read_shortcuts(ui, &mut actions);

        egui::Panel::top("top-bar").show(ui, |ui| {
            ui.add_space(4.0);
            let view = BarView {
                environments: &self.environments,
                selected: self.selected,
                import_offer: self.import_offer.as_ref(),
                connection: self.connection.as_ref(),
                key_pending: self.is_pending(PendingKind::Key),
                connection_pending: self.is_pending(PendingKind::Connection),
            };
            actions.extend(self.bar.ui(ui, &view));
            ui.horizontal(|ui| {
                for (index, tab) in Tab::ALL.into_iter().enumerate() {
                    let response = ui
                        .selectable_label(self.tab == tab, tab.title())
                        .on_hover_text(format!("Ctrl+{}", index + 1));
                    if response.clicked() {
                        actions.push(UiAction::ShowTab(tab));
                    }
                }
            });
            if let Some(guard) = &self.clipboard_guard {
                actions.extend(crate::ui::clipboard::clipboard_status_ui(
                    ui,
                    guard,
                    Instant::now(),
                ));
            }
            ui.add_space(2.0);
        });

        egui::Panel::bottom("log-panel")
            .resizable(true)
            .default_size(200.0)
            .min_size(120.0)
            .show(ui, |ui| {
                actions.extend(self.log.ui(ui));
            });

        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| actions.extend(self.tab_ui(ui)));
        });

        for action in actions {
            self.handle(action);
        }
    }

    fn tab_ui(&mut self, ui: &mut egui::Ui) -> Option<UiAction> {
        let ready = self
            .environment()
            .is_some_and(|environment| environment.target().is_some());
        let now = OffsetDateTime::now_utc();
        let is_emulator = self
            .environment()
            .is_some_and(|environment| environment.kind == EnvironmentKind::Emulator);
        match self.tab {
            Tab::Enroll => {
                let view = EnrollView {
                    pending: self.is_pending(PendingKind::Enroll),
                    ready,
                    user_signs_in_with_sso: self.sso_users.contains(self.enroll.user.trim()),
                };
                self.enroll.ui(ui, &view)
            }
            Tab::Factors => {
                let view = FactorsView {
                    rows: &self.factor_rows,
                    registry_error: self.registry_error.as_deref(),
                    user_factors: self.user_factors.as_ref(),
                    sso_users: &self.sso_users,
                    ready,
                    factor_pending: self.is_pending(PendingKind::Factor),
                    list_pending: self.is_pending(PendingKind::UserFactors),
                    production: self.environment().is_some_and(Environment::is_production),
                };
                self.factors.ui(ui, &view)
            }
            Tab::Challenges => {
                let view = ChallengesView {
                    session: &self.session,
                    pending: self.is_pending(PendingKind::Challenge),
                    ready,
                    now,
                    outbox: is_emulator.then_some(self.outbox.as_slice()),
                    outbox_pending: self.is_pending(PendingKind::Outbox),
                };
                self.challenges.ui(ui, &view)
            }
            Tab::Verify => self.verify.ui(
                ui,
                &self.session,
                self.is_pending(PendingKind::Verify),
                ready,
                now,
            ),
            Tab::Settings => self.settings_tab.ui(ui, &self.settings, &self.environments),
        }
    }

    fn apply_style(&mut self, context: &egui::Context) {
        let requested = (self.settings.theme, self.settings.ui_scale);
        if self.applied_style != Some(requested) {
            context.set_theme(self.settings.theme.preference());
            context.set_zoom_factor(self.settings.ui_scale);
            self.applied_style = Some(requested);
        }
    }

    fn read_shortcuts(&self, ui: &egui::Ui, actions: &mut Vec<UiAction>) {
        let keys = [
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
            egui::Key::Num5,
        ];
        for (tab, key) in Tab::ALL.into_iter().zip(keys) {
            if ui.input_mut(|input| input.consume_key(egui::Modifiers::COMMAND, key)) {
                actions.push(UiAction::ShowTab(tab));
            }
        }
        if ui.input_mut(|input| input.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
            ui.ctx()
                .memory_mut(|memory| memory.request_focus(egui::Id::unique(FILTER_ID)));
        }
    }

    /// Starts the reads an environment needs once selected: its registry rows,
    /// its key from the keyring, and a key offered for import when it has none.
    fn start_background_reads(&mut self) {
        let environment_id = self.environment_id();
        if self.registry_loaded_for.as_deref() != Some(environment_id.as_str()) {
            self.registry_loaded_for = Some(environment_id.clone());
            self.worker.send(Command::LoadRegistry { environment_id });
        }
        let Some(environment) = self.environments.get_mut(self.selected) else {
            return;
        };
        if matches!(environment.key, KeyState::NotLoaded) {
            environment.key = KeyState::Busy;
            let command = Command::LoadKey {
                environment_id: environment.id.clone(),
            };
            self.start(PendingKind::Key, command);
            return;
        }
        let needs_key = matches!(environment.key, KeyState::Missing | KeyState::Failed(_));
        if needs_key && !self.import_checked {
            self.import_checked = true;
            self.worker.send(Command::FindImportableKey);
        }
    }

    /// Hands the clipboard clear to the worker once it is due, or at once when
    /// `now_requested` is set.
    pub(super) fn start_clipboard_clear(&mut self, now_requested: bool) {
        let Some(guard) = &mut self.clipboard_guard else {
            return;
        };
        if let Some(fingerprint) = guard.start_clearing(Instant::now(), now_requested) {
            let kind = guard.kind();
            self.worker
                .send(Command::ClearClipboard { kind, fingerprint });
        }
    }

    /// Sends `command` and marks `kind` as in flight.
    fn start(&mut self, kind: PendingKind, command: Command) {
        let task = self.worker.send(command);
        if let Some(previous) = self.pending.insert(kind, task) {
            self.worker.cancel(previous);
        }
    }

    fn record(&mut self, level: Level, outcome: String) {
        let environment = self
            .environment()
            .map(|env| env.name.clone())
            .unwrap_or_default();
        match level {
            Level::Error => {
                tracing::error!(outcome = %crate::redact::mask_ids_in_text(&outcome), "action failed");
            }
            Level::Warn => {
                tracing::warn!(outcome = %crate::redact::mask_ids_in_text(&outcome), "action degraded");
            }
            Level::Info | Level::Debug => {
                tracing::info!(outcome = %crate::redact::mask_ids_in_text(&outcome), "action");
            }
        }
        self.log
            .push(ActivityRecord::action(&environment, level, outcome));
    }
}

impl eframe::App for ConsoleApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, crate::settings::STORAGE_KEY, &self.settings());
    }

    /// Clears a copied secret that is still waiting for its countdown, because
    /// once the window closes a clipboard manager may keep it for good. This
    /// blocks the closing window briefly; no frame is drawn any more.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        let Some(guard) = self.clipboard_guard.take() else {
            return;
        };
        let kind = guard.kind().noun();
        match crate::worker::clipboard::clear_if_unchanged(guard.fingerprint()) {
            Ok(outcome) => tracing::info!(?outcome, kind, "clipboard checked on exit"),
            Err(error) => tracing::warn!(%error, kind, "clipboard not cleared on exit"),
        }
    }
}

//! The top bar: the environment selector, the key's status and actions, and
//! the key form when an environment needs a key.

use workos::SecretString;

use crate::environment::{Environment, EnvironmentKind, KeyState};
use crate::redact;
use crate::ui::{PendingKind, UiAction, palette, pending_ui};
use crate::worker::ImportableKey;

/// State the bar draws from.
pub struct BarView<'a> {
    pub environments: &'a [Environment],
    pub selected: usize,
    /// A key found in the process environment or a `.env` file, offered for
    /// import.
    pub import_offer: Option<&'a ImportableKey>,
    /// The last connection test: success flag and message.
    pub connection: Option<&'a (bool, String)>,
    pub key_pending: bool,
    pub connection_pending: bool,
}

/// The key form's text, kept until the key is accepted.
#[derive(Default)]
pub struct EnvironmentBar {
    key_input: String,
    replacing: bool,
}

/// Returns the colour that marks an environment kind.
pub fn kind_colour(kind: EnvironmentKind) -> egui::Color32 {
    match kind {
        EnvironmentKind::Emulator => palette::GREEN,
        EnvironmentKind::Production => palette::RED,
        EnvironmentKind::Staging => palette::AMBER,
        EnvironmentKind::Custom => palette::BLUE,
    }
}

impl EnvironmentBar {
    /// Draws the bar.
    pub fn ui(&mut self, ui: &mut egui::Ui, view: &BarView<'_>) -> Option<UiAction> {
        let mut action = None;
        let current = view.environments.get(view.selected)?;
        ui.horizontal(|ui| {
            let label = ui.label("Environment");
            let combo = egui::ComboBox::from_id_salt("environment")
                .selected_text(egui::RichText::new(&current.name).color(kind_colour(current.kind)))
                .show_ui(ui, |ui| {
                    for (index, environment) in view.environments.iter().enumerate() {
                        let text = egui::RichText::new(&environment.name)
                            .color(kind_colour(environment.kind));
                        if ui.selectable_label(index == view.selected, text).clicked()
                            && index != view.selected
                        {
                            action = Some(UiAction::SelectEnvironment(index));
                        }
                    }
                });
            combo.response.labelled_by(label.id);
            ui.colored_label(kind_colour(current.kind), current.kind.label());
            ui.monospace(&current.base_url);
            ui.separator();
            ui.label(key_status(&current.key));
            if current.kind != EnvironmentKind::Emulator
                && matches!(current.key, KeyState::Ready { .. })
            {
                if ui.small_button("Replace key").clicked() {
                    self.replacing = true;
                }
                if ui.small_button("Forget key").clicked() {
                    action = Some(UiAction::ForgetKey);
                }
            }
            if current.target().is_some() {
                if view.connection_pending {
                    if pending_ui(ui, "Testing…") {
                        action = Some(UiAction::Cancel(PendingKind::Connection));
                    }
                } else if ui.small_button("Test connection").clicked() {
                    action = Some(UiAction::TestConnection);
                }
            }
        });
        if let Some((ok, message)) = view.connection {
            let colour = if *ok { palette::GREEN } else { palette::RED };
            ui.colored_label(colour, message);
        }
        if current.has_live_key() {
            ui.colored_label(
                palette::RED,
                egui::RichText::new("PRODUCTION KEY (sk_live_): every action affects real users.")
                    .strong(),
            );
        }

        let key_ready = matches!(current.key, KeyState::Ready { .. });
        if key_ready && !self.replacing {
            self.key_input.clear();
        } else if current.kind != EnvironmentKind::Emulator {
            if let Some(offer) = view.import_offer.filter(|_| !key_ready) {
                action = action.or_else(|| import_offer_ui(ui, offer));
            }
            action = action.or_else(|| self.key_form_ui(ui, current, view.key_pending));
        }
        if matches!(
            action,
            Some(UiAction::SaveKey { .. } | UiAction::UseKeyForSession { .. })
        ) {
            self.replacing = false;
        }
        action
    }

    fn key_form_ui(
        &mut self,
        ui: &mut egui::Ui,
        environment: &Environment,
        pending: bool,
    ) -> Option<UiAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            let label = ui.label("API key");
            let response = ui.add(
                egui::TextEdit::singleline(&mut self.key_input)
                    .password(true)
                    .hint_text("sk_test_… or sk_live_…")
                    .desired_width(260.0),
            );
            let response = response.labelled_by(label.id);
            let has_input = !self.key_input.trim().is_empty();
            let enter =
                response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            if ui
                .add_enabled(has_input && !pending, egui::Button::new("Save to keyring"))
                .clicked()
                || (enter && has_input && !pending)
            {
                action = Some(UiAction::SaveKey {
                    key: SecretString::new(self.key_input.trim()),
                });
            }
            if pending && pending_ui(ui, "Keyring…") {
                action = Some(UiAction::Cancel(PendingKind::Key));
            }
            if self.replacing && ui.button("Keep current key").clicked() {
                self.replacing = false;
                self.key_input.clear();
            }
        });
        if let Some(warning) = key_format_warning(self.key_input.trim()) {
            ui.colored_label(palette::AMBER, warning);
        }
        if let KeyState::Failed(error) = &environment.key {
            ui.colored_label(palette::RED, error.to_string());
            ui.horizontal(|ui| {
                let has_input = !self.key_input.trim().is_empty();
                if ui
                    .add_enabled(has_input, egui::Button::new("Use for this session only"))
                    .clicked()
                {
                    action = Some(UiAction::UseKeyForSession {
                        key: SecretString::new(self.key_input.trim()),
                    });
                }
                if ui.button("Retry keyring").clicked() {
                    action = Some(UiAction::RetryKeyLoad);
                }
            });
        }
        action
    }
}

fn import_offer_ui(ui: &mut egui::Ui, offer: &ImportableKey) -> Option<UiAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.label(format!(
            "Found WORKOS_API_KEY ({}) in {}. Import it?",
            redact::mask_api_key(offer.key.expose()),
            offer.source
        ));
        if ui.button("Import to keyring").clicked() {
            action = Some(UiAction::ImportKey { to_keyring: true });
        }
        if ui.button("Import for this session").clicked() {
            action = Some(UiAction::ImportKey { to_keyring: false });
        }
        if ui.button("Dismiss").clicked() {
            action = Some(UiAction::DismissImport);
        }
    });
    action
}

/// Returns a warning for text that does not look like a WorkOS secret key.
pub fn key_format_warning(key: &str) -> Option<&'static str> {
    if key.is_empty() || key.starts_with("sk_test_") || key.starts_with("sk_live_") {
        None
    } else if key.starts_with("client_") {
        Some("This looks like a client ID. The API key starts with sk_test_ or sk_live_.")
    } else if key.chars().any(char::is_whitespace) {
        Some("The key contains white space. Paste only the key.")
    } else {
        Some(
            "WorkOS API keys start with sk_test_ or sk_live_. Check that you copied the secret key.",
        )
    }
}

fn key_status(key: &KeyState) -> String {
    match key {
        KeyState::NotLoaded | KeyState::Busy => "reading the keyring…".to_owned(),
        KeyState::Missing => "no API key".to_owned(),
        KeyState::Ready { key, session_only } => {
            let masked = redact::mask_api_key(key.expose());
            if *session_only {
                format!("key {masked} (this session only)")
            } else {
                format!("key {masked} (OS keyring)")
            }
        }
        KeyState::Failed(_) => "keyring unavailable".to_owned(),
    }
}

//! The top bar: the environment selector, the key's status, and the key form
//! when an environment needs one.

use workos::SecretString;

use crate::environment::{Environment, EnvironmentKind, KeyState};
use crate::redact;
use crate::ui::{UiAction, palette};

/// The key form's text, kept until the key is accepted.
#[derive(Default)]
pub struct EnvironmentBar {
    key_input: String,
}

impl EnvironmentBar {
    /// Draws the bar for `environments`, with `selected` chosen.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        environments: &[Environment],
        selected: usize,
    ) -> Option<UiAction> {
        let mut action = None;
        let current = environments.get(selected)?;
        ui.horizontal(|ui| {
            let label = ui.label("Environment");
            let combo = egui::ComboBox::from_id_salt("environment")
                .selected_text(&current.name)
                .show_ui(ui, |ui| {
                    for (index, environment) in environments.iter().enumerate() {
                        if ui
                            .selectable_label(index == selected, &environment.name)
                            .clicked()
                            && index != selected
                        {
                            action = Some(UiAction::SelectEnvironment(index));
                        }
                    }
                });
            combo.response.labelled_by(label.id);
            let kind_colour = match current.kind {
                EnvironmentKind::Emulator => palette::GREEN,
                EnvironmentKind::WorkOs => palette::AMBER,
            };
            ui.colored_label(kind_colour, &current.base_url);
            ui.separator();
            ui.label(key_status(&current.key));
        });
        if current.has_live_key() {
            ui.colored_label(
                palette::RED,
                "Production key (sk_live_): changes affect real users.",
            );
        }

        if matches!(current.key, KeyState::Ready { .. }) {
            self.key_input.clear();
        } else if current.kind != EnvironmentKind::Emulator {
            action = action.or_else(|| self.key_form_ui(ui, current));
        }
        action
    }

    fn key_form_ui(&mut self, ui: &mut egui::Ui, environment: &Environment) -> Option<UiAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            let label = ui.label("API key");
            let response = ui.add(
                egui::TextEdit::singleline(&mut self.key_input)
                    .password(true)
                    .hint_text("sk_test_… or sk_live_…")
                    .desired_width(260.0),
            );
            response.labelled_by(label.id);
            let has_input = !self.key_input.trim().is_empty();
            let busy = matches!(environment.key, KeyState::Busy);
            if ui
                .add_enabled(has_input && !busy, egui::Button::new("Save to keyring"))
                .clicked()
            {
                action = Some(UiAction::SaveKey {
                    key: SecretString::new(self.key_input.trim()),
                });
            }
            if busy {
                ui.spinner();
            }
        });
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

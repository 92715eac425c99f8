//! The Settings tab: theme, UI scale and custom environments.

use crate::environment::{CustomEnvironment, Environment, EnvironmentKind};
use crate::settings::{Settings, TIMEOUT_RANGE_SECONDS, ThemeChoice, UI_SCALE_RANGE};
use crate::ui::environment_bar::kind_colour;
use crate::ui::{UiAction, palette};

/// The add-environment form.
#[derive(Default)]
pub struct SettingsTab {
    name: String,
    base_url: String,
    error: Option<String>,
}

impl SettingsTab {
    /// Draws the tab.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        settings: &Settings,
        environments: &[Environment],
    ) -> Option<UiAction> {
        let mut action = None;
        ui.heading("Settings");
        ui.horizontal(|ui| {
            ui.label("Theme");
            for (choice, title) in [
                (ThemeChoice::System, "System"),
                (ThemeChoice::Light, "Light"),
                (ThemeChoice::Dark, "Dark"),
            ] {
                if ui
                    .selectable_label(settings.theme == choice, title)
                    .clicked()
                {
                    action = Some(UiAction::SetTheme(choice));
                }
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label("UI scale");
            let mut scale = settings.ui_scale;
            let response = ui.add(egui::Slider::new(&mut scale, UI_SCALE_RANGE).step_by(0.05));
            let response = response.labelled_by(label.id);
            if response.drag_stopped() || (response.changed() && !response.dragged()) {
                action = Some(UiAction::SetScale(scale));
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label("Request time-out (s)");
            let mut seconds = settings.request_timeout_seconds;
            let response = ui.add(egui::Slider::new(&mut seconds, TIMEOUT_RANGE_SECONDS));
            let response = response.labelled_by(label.id);
            if response.drag_stopped() || (response.changed() && !response.dragged()) {
                action = Some(UiAction::SetTimeout(seconds));
            }
        });
        ui.separator();

        ui.strong("Environments");
        egui::Grid::new("environments")
            .num_columns(4)
            .striped(true)
            .spacing([14.0, 4.0])
            .show(ui, |ui| {
                for environment in environments {
                    ui.colored_label(kind_colour(environment.kind), environment.kind.label());
                    ui.label(&environment.name);
                    ui.monospace(&environment.base_url);
                    if environment.kind == EnvironmentKind::Custom && ui.button("Remove").clicked()
                    {
                        action = Some(UiAction::RemoveEnvironment(environment.id.clone()));
                    }
                    ui.end_row();
                }
            });
        ui.add_space(4.0);
        ui.label("Add a custom base URL, such as a staging proxy or another emulator:");
        ui.horizontal(|ui| {
            let label = ui.label("Name");
            ui.add(egui::TextEdit::singleline(&mut self.name).desired_width(140.0))
                .labelled_by(label.id);
            let label = ui.label("Base URL");
            ui.add(
                egui::TextEdit::singleline(&mut self.base_url)
                    .hint_text("https://mfa-proxy.example.com")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
            if ui.button("Add environment").clicked() {
                match CustomEnvironment::parse(&self.name, &self.base_url) {
                    Ok(custom)
                        if environments
                            .iter()
                            .any(|environment| environment.id == custom.id) =>
                    {
                        self.error = Some(format!("{} is already in the list.", custom.base_url));
                    }
                    Ok(custom) => {
                        self.error = None;
                        self.name.clear();
                        self.base_url.clear();
                        action = Some(UiAction::AddEnvironment(custom));
                    }
                    Err(error) => self.error = Some(error.to_string()),
                }
            }
        });
        if let Some(error) = &self.error {
            ui.colored_label(palette::RED, error);
        }
        action
    }
}

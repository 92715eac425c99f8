//! The Factors tab: every factor enrolled from this machine (from the local
//! registry), a search and type filter, per-factor actions, and a WorkOS
//! user's factors from the User Management API.

use std::collections::HashSet;

use crate::client::FactorInfo;
use crate::redact;
use crate::ui::{PendingKind, UiAction, palette, pending_ui};

/// Word typed to confirm a delete in production.
pub const PRODUCTION_CONFIRMATION: &str = "DELETE";

/// Filter choices for the factor type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypeFilter {
    #[default]
    All,
    Totp,
    Sms,
}

/// The tab's inputs.
#[derive(Default)]
pub struct FactorsTab {
    pub search: String,
    pub type_filter: TypeFilter,
    pub user_id: String,
    /// The factor awaiting delete confirmation, and the typed confirmation.
    confirm_delete: Option<(String, String)>,
}

/// A registry row shown in the list.
#[derive(Debug, Clone)]
pub struct FactorRow {
    pub info: FactorInfo,
    /// When the row was deleted through the API, if it was.
    pub deleted: bool,
}

/// State from outside the tab that it draws from.
pub struct FactorsView<'a> {
    pub rows: &'a [FactorRow],
    /// The registry could not be read: the reason.
    pub registry_error: Option<&'a str>,
    /// Factors of the last WorkOS user looked up, with the user ID.
    pub user_factors: Option<&'a (String, Vec<FactorInfo>)>,
    pub sso_users: &'a HashSet<String>,
    pub ready: bool,
    pub factor_pending: bool,
    pub list_pending: bool,
    /// Deletes need a typed confirmation.
    pub production: bool,
}

/// Returns whether a row matches the search text and type filter.
pub fn row_matches(info: &FactorInfo, search: &str, type_filter: TypeFilter) -> bool {
    let type_ok = match type_filter {
        TypeFilter::All => true,
        TypeFilter::Totp => info.factor_type == "totp",
        TypeFilter::Sms => info.factor_type == "sms",
    };
    let needle = search.trim().to_lowercase();
    let text_ok = needle.is_empty()
        || [
            Some(info.id.as_str()),
            info.issuer.as_deref(),
            info.totp_user.as_deref(),
            info.masked_phone.as_deref(),
            info.user_id.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(&needle));
    type_ok && text_ok
}

/// Returns the user label a factor is filed under: the TOTP user or the
/// masked phone number.
pub fn user_label(info: &FactorInfo) -> String {
    info.totp_user
        .clone()
        .or_else(|| info.masked_phone.clone())
        .unwrap_or_default()
}

impl FactorsTab {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, view: &FactorsView<'_>) -> Option<UiAction> {
        let mut action = None;
        ui.heading("Factors enrolled from this machine");
        if let Some(error) = view.registry_error {
            ui.colored_label(
                palette::RED,
                format!("The local registry is unavailable: {error}"),
            );
        }
        ui.horizontal(|ui| {
            let label = ui.label("Search");
            let response = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text("ID, user, issuer or phone")
                    .desired_width(240.0),
            );
            response.labelled_by(label.id);
            ui.selectable_value(&mut self.type_filter, TypeFilter::All, "All");
            ui.selectable_value(&mut self.type_filter, TypeFilter::Totp, "TOTP");
            ui.selectable_value(&mut self.type_filter, TypeFilter::Sms, "SMS");
            if view.factor_pending && pending_ui(ui, "Working…") {
                action = Some(UiAction::Cancel(PendingKind::Factor));
            }
        });

        let rows: Vec<&FactorRow> = view
            .rows
            .iter()
            .filter(|row| row_matches(&row.info, &self.search, self.type_filter))
            .collect();
        if rows.is_empty() {
            ui.label(if view.rows.is_empty() {
                "No factors enrolled from this machine in this environment yet."
            } else {
                "No factor matches the search."
            });
        } else {
            action = self
                .factor_grid_ui(
                    ui,
                    "registry-factors",
                    rows.iter().map(|row| (&row.info, row.deleted)),
                    view,
                )
                .or(action);
        }

        ui.separator();
        action = self.user_lookup_ui(ui, view).or(action);
        action
    }

    fn user_lookup_ui(&mut self, ui: &mut egui::Ui, view: &FactorsView<'_>) -> Option<UiAction> {
        let mut action = None;
        ui.strong("A WorkOS user's factors (User Management API)");
        ui.horizontal(|ui| {
            let label = ui.label("WorkOS user ID");
            let response = ui.add(
                egui::TextEdit::singleline(&mut self.user_id)
                    .hint_text("user_01E4ZCR3C56J083X43JQXF3JK5")
                    .desired_width(280.0),
            );
            let response = response.labelled_by(label.id);
            let user_id = self.user_id.trim();
            let valid = user_id.starts_with("user_") && user_id.len() > 5;
            let enter =
                response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            let can_list = view.ready && valid && !view.list_pending;
            let clicked = ui
                .add_enabled(can_list, egui::Button::new("List factors"))
                .clicked();
            if clicked || (enter && can_list) {
                action = Some(UiAction::ListUserFactors(user_id.to_owned()));
            }
            if view.list_pending && pending_ui(ui, "Listing…") {
                action = Some(UiAction::Cancel(PendingKind::UserFactors));
            }
            if !user_id.is_empty() && !valid {
                ui.colored_label(palette::RED, "A WorkOS user ID starts with user_.");
            }
        });
        if let Some((user_id, factors)) = view.user_factors {
            ui.label(format!(
                "{} factors for {}",
                factors.len(),
                redact::mask_id(user_id)
            ));
            if !factors.is_empty() {
                action = self
                    .factor_grid_ui(
                        ui,
                        "user-factors",
                        factors.iter().map(|info| (info, false)),
                        view,
                    )
                    .or(action);
            }
        }
        action
    }

    fn factor_grid_ui<'r>(
        &mut self,
        ui: &mut egui::Ui,
        id: &str,
        rows: impl Iterator<Item = (&'r FactorInfo, bool)>,
        view: &FactorsView<'_>,
    ) -> Option<UiAction> {
        let mut action = None;
        egui::Grid::new(id)
            .num_columns(6)
            .striped(true)
            .spacing([14.0, 4.0])
            .show(ui, |ui| {
                for title in ["Factor ID", "Type", "User", "Issuer", "Created", "Actions"] {
                    ui.strong(title);
                }
                ui.end_row();
                for (info, deleted) in rows {
                    ui.monospace(&info.id);
                    ui.label(&info.factor_type);
                    crate::ui::glyphs::label_ui(ui, &user_label(info));
                    crate::ui::glyphs::label_ui(ui, info.issuer.as_deref().unwrap_or("—"));
                    ui.label(&info.created_at);
                    ui.horizontal(|ui| {
                        if deleted {
                            ui.colored_label(palette::RED, "deleted");
                            return;
                        }
                        let enabled = view.ready && !view.factor_pending;
                        // An SMS challenge may take a template, so its button
                        // opens the Challenges tab instead of sending at once.
                        if info.factor_type == "sms" {
                            let button = ui
                                .add_enabled(view.ready, egui::Button::new("Challenge…"))
                                .on_hover_text(crate::ui::SMS_CHALLENGE_HINT);
                            if button.clicked() {
                                action = Some(UiAction::PrepareChallenge {
                                    factor_id: info.id.clone(),
                                });
                            }
                        } else if ui
                            .add_enabled(view.ready, egui::Button::new("Challenge"))
                            .clicked()
                        {
                            action = Some(UiAction::CreateChallenge {
                                factor_id: info.id.clone(),
                                sms_template: None,
                            });
                        }
                        if ui
                            .add_enabled(enabled, egui::Button::new("Refresh"))
                            .clicked()
                        {
                            action = Some(UiAction::RefreshFactor(info.id.clone()));
                        }
                        if ui
                            .add_enabled(enabled, egui::Button::new("Delete"))
                            .clicked()
                        {
                            self.confirm_delete = Some((info.id.clone(), String::new()));
                        }
                        if info.factor_type == "totp" {
                            let label = user_label(info);
                            let mut sso = view.sso_users.contains(&label);
                            if ui.checkbox(&mut sso, "SSO user").changed() {
                                action = Some(UiAction::MarkSsoUser {
                                    user_label: label,
                                    signs_in_with_sso: sso,
                                });
                            }
                        }
                    });
                    ui.end_row();
                    if let Some(confirmed) =
                        self.delete_confirmation_ui(ui, &info.id, view.production)
                    {
                        action = Some(confirmed);
                    }
                }
            });
        action
    }

    fn delete_confirmation_ui(
        &mut self,
        ui: &mut egui::Ui,
        factor_id: &str,
        production: bool,
    ) -> Option<UiAction> {
        let (pending_id, typed) = self.confirm_delete.as_mut()?;
        if pending_id != factor_id {
            return None;
        }
        let mut action = None;
        let mut close = false;
        ui.label("");
        ui.horizontal(|ui| {
            ui.colored_label(
                palette::RED,
                format!("Delete {factor_id}? This can't be undone."),
            );
            let confirmed = if production {
                let label = ui.label(format!("Type {PRODUCTION_CONFIRMATION} to confirm"));
                let response = ui.add(egui::TextEdit::singleline(typed).desired_width(80.0));
                response.labelled_by(label.id);
                typed.trim() == PRODUCTION_CONFIRMATION
            } else {
                true
            };
            if ui
                .add_enabled(confirmed, egui::Button::new("Confirm delete"))
                .clicked()
            {
                action = Some(UiAction::DeleteFactor(factor_id.to_owned()));
                close = true;
            }
            if ui.button("Keep factor").clicked() {
                close = true;
            }
        });
        ui.end_row();
        if close {
            self.confirm_delete = None;
        }
        action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(factor_type: &str, user: Option<&str>, phone: Option<&str>) -> FactorInfo {
        FactorInfo {
            id: "auth_factor_01ABC".to_owned(),
            factor_type: factor_type.to_owned(),
            user_id: None,
            issuer: user.map(|_| "Foo Corp".to_owned()),
            totp_user: user.map(str::to_owned),
            masked_phone: phone.map(str::to_owned),
            created_at: String::new(),
        }
    }

    #[test]
    fn search_and_type_filter() {
        let totp = factor("totp", Some("Alan@example.com"), None);
        let sms = factor("sms", None, Some("+1********06"));
        assert!(row_matches(&totp, "alan", TypeFilter::All));
        assert!(row_matches(&totp, "FOO", TypeFilter::Totp));
        assert!(!row_matches(&totp, "alan", TypeFilter::Sms));
        assert!(row_matches(&sms, "06", TypeFilter::Sms));
        assert!(!row_matches(&sms, "grace", TypeFilter::All));
        assert!(row_matches(&sms, "  ", TypeFilter::All));
    }
}

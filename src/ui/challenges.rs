//! The Challenges tab: create a challenge for the enrolled factor and follow
//! each challenge's status, attempts and expiry.

use time::OffsetDateTime;

use crate::redact;
use crate::session::{ChallengeStatus, Session};
use crate::ui::countdown::countdown_ui;
use crate::ui::{UiAction, palette};

/// Draws the tab.
pub fn challenges_ui(
    ui: &mut egui::Ui,
    session: &Session,
    busy: bool,
    ready: bool,
    now: OffsetDateTime,
) -> Option<UiAction> {
    let mut action = None;
    ui.heading("Challenges");
    let Some(factor_id) = session.factor_id() else {
        ui.label("Enroll a factor first: challenges are created for a factor.");
        if ui.button("Go to Enroll").clicked() {
            action = Some(UiAction::ShowTab(crate::ui::Tab::Enroll));
        }
        return action;
    };
    if let Some(summary) = session.factor_summary() {
        ui.label(format!("Factor: {summary}"));
    }
    ui.horizontal(|ui| {
        if ui
            .add_enabled(ready && !busy, egui::Button::new("Create challenge"))
            .clicked()
        {
            action = Some(UiAction::CreateChallenge {
                factor_id: factor_id.to_owned(),
            });
        }
        if busy {
            ui.spinner();
            ui.label("Creating challenge…");
        }
    });
    ui.add_space(6.0);

    if session.challenges.is_empty() {
        ui.label("No challenges yet.");
        return action;
    }
    egui::Grid::new("challenge-list")
        .num_columns(4)
        .striped(true)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            ui.strong("Challenge");
            ui.strong("Status");
            ui.strong("Wrong codes");
            ui.strong("Expiry");
            ui.end_row();
            for challenge in session.challenges.iter().rev() {
                ui.monospace(redact::mask_id(&challenge.info.id));
                let status = challenge.status_at(now);
                let colour = match status {
                    ChallengeStatus::Pending => ui.visuals().text_color(),
                    ChallengeStatus::Verified => palette::GREEN,
                    ChallengeStatus::Expired | ChallengeStatus::Locked => palette::RED,
                };
                ui.colored_label(colour, status.label());
                ui.label(challenge.wrong_codes.to_string());
                if status == ChallengeStatus::Pending {
                    if countdown_ui(ui, challenge.remaining(now)).is_none() {
                        ui.label("no expiry");
                    }
                } else {
                    ui.label("—");
                }
                ui.end_row();
            }
        });
    action
}

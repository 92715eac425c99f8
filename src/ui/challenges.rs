//! The Challenges tab: create a challenge for a factor (with an SMS template),
//! follow each challenge's status, attempts and expiry, and on the emulator
//! read the SMS outbox.

use time::OffsetDateTime;

use crate::client::OutboxMessage;
use crate::clipboard_guard::{CopiedKind, Fingerprint};
use crate::redact;
use crate::session::{ChallengeStatus, Session};
use crate::ui::countdown::countdown_ui;
use crate::ui::{PendingKind, UiAction, palette, pending_ui};

/// Placeholder the API replaces with the code in an SMS template.
pub const CODE_PLACEHOLDER: &str = "{{code}}";

/// The template text and outbox display settings.
#[derive(Default)]
pub struct ChallengesTab {
    pub sms_template: String,
    pub show_codes: bool,
}

/// State from outside the tab that it draws from.
pub struct ChallengesView<'a> {
    pub session: &'a Session,
    pub pending: bool,
    pub ready: bool,
    pub now: OffsetDateTime,
    /// The emulator's outbox, when the environment is the emulator.
    pub outbox: Option<&'a [OutboxMessage]>,
    pub outbox_pending: bool,
}

/// Checks an SMS template: empty means none, otherwise it must contain
/// `{{code}}`.
pub fn parse_sms_template(text: &str) -> Result<Option<String>, String> {
    if text.trim().is_empty() {
        Ok(None)
    } else if text.contains(CODE_PLACEHOLDER) {
        Ok(Some(text.to_owned()))
    } else {
        Err(format!(
            "The SMS template must contain {CODE_PLACEHOLDER} where the code goes, for example: Your Foo Corp code is {CODE_PLACEHOLDER}"
        ))
    }
}

impl ChallengesTab {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, view: &ChallengesView<'_>) -> Option<UiAction> {
        let mut action = None;
        ui.heading("Challenges");
        let Some(factor_id) = view.session.factor_id() else {
            ui.label("Enroll a factor or pick one in the Factors tab first: challenges are created for a factor.");
            if ui.button("Go to Enroll").clicked() {
                action = Some(UiAction::ShowTab(crate::ui::Tab::Enroll));
            }
            // Challenges restored from the registry can be verified without
            // choosing a factor first.
            if !view.session.challenges.is_empty() {
                ui.add_space(6.0);
                action = challenge_list_ui(ui, view).or(action);
            }
            return action;
        };
        if let Some(summary) = view.session.factor_summary() {
            crate::ui::glyphs::label_ui(ui, &format!("Factor: {summary}"));
        }

        let template = parse_sms_template(&self.sms_template);
        if view.session.factor_is_sms() {
            ui.horizontal(|ui| {
                let label = ui.label("SMS template (optional)");
                let response = ui.add(
                    egui::TextEdit::singleline(&mut self.sms_template)
                        .hint_text("Your code is {{code}}")
                        .desired_width(320.0),
                );
                response.labelled_by(label.id);
            });
            if let Err(message) = &template {
                ui.colored_label(palette::RED, message);
            }
        }
        ui.horizontal(|ui| {
            let template_ok = template.is_ok() || !view.session.factor_is_sms();
            if ui
                .add_enabled(
                    view.ready && !view.pending && template_ok,
                    egui::Button::new("Create challenge"),
                )
                .clicked()
            {
                action = Some(UiAction::CreateChallenge {
                    factor_id: factor_id.to_owned(),
                    sms_template: if view.session.factor_is_sms() {
                        template.clone().ok().flatten()
                    } else {
                        None
                    },
                });
            }
            if view.pending && pending_ui(ui, "Creating challenge…") {
                action = Some(UiAction::Cancel(PendingKind::Challenge));
            }
        });
        ui.add_space(6.0);
        action = challenge_list_ui(ui, view).or(action);

        if let Some(outbox) = view.outbox {
            ui.separator();
            action = self.outbox_ui(ui, outbox, view.outbox_pending).or(action);
        }
        action
    }

    fn outbox_ui(
        &mut self,
        ui: &mut egui::Ui,
        outbox: &[OutboxMessage],
        pending: bool,
    ) -> Option<UiAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            ui.strong("SMS outbox (emulator)");
            if pending {
                if pending_ui(ui, "Reading…") {
                    action = Some(UiAction::Cancel(PendingKind::Outbox));
                }
            } else if ui.small_button("Refresh outbox").clicked() {
                action = Some(UiAction::RefreshOutbox);
            }
            ui.checkbox(&mut self.show_codes, "Show codes");
        });
        if outbox.is_empty() {
            ui.label("No SMS sent yet. Challenge an SMS factor to send one.");
            return action;
        }
        egui::Grid::new("outbox")
            .num_columns(4)
            .striped(true)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                ui.strong("Sent");
                ui.strong("To");
                ui.strong("Challenge");
                ui.strong("Message");
                ui.end_row();
                for message in outbox.iter().rev() {
                    ui.label(&message.sent_at);
                    ui.label(&message.masked_phone);
                    ui.monospace(redact::mask_id(&message.challenge_id));
                    ui.horizontal(|ui| {
                        if self.show_codes {
                            // Put the code back where the outbox masked it.
                            let code = message.code.expose();
                            let dots = "•".repeat(code.chars().count());
                            ui.label(message.masked_message.replace(&dots, code));
                        } else {
                            ui.label(&message.masked_message);
                        }
                        if ui.small_button("Copy code").clicked() {
                            ui.ctx().copy_text(message.code.expose().to_owned());
                            action = Some(UiAction::GuardClipboard {
                                kind: CopiedKind::Code,
                                fingerprint: Fingerprint::of(message.code.expose()),
                            });
                        }
                    });
                    ui.end_row();
                }
            });
        action
    }
}

fn challenge_list_ui(ui: &mut egui::Ui, view: &ChallengesView<'_>) -> Option<UiAction> {
    if view.session.challenges.is_empty() {
        ui.label("No challenges yet.");
        return None;
    }
    let mut action = None;
    egui::Grid::new("challenge-list")
        .num_columns(6)
        .striped(true)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            ui.strong("Challenge");
            ui.strong("Factor");
            ui.strong("Status");
            ui.strong("Wrong codes");
            ui.strong("Expiry");
            ui.strong("");
            ui.end_row();
            for challenge in view.session.challenges.iter().rev() {
                ui.monospace(redact::mask_id(&challenge.info.id));
                ui.monospace(redact::mask_id(&challenge.info.factor_id));
                let status = challenge.status_at(view.now);
                let colour = match status {
                    ChallengeStatus::Pending => ui.visuals().text_color(),
                    ChallengeStatus::Verified => palette::GREEN,
                    ChallengeStatus::Expired | ChallengeStatus::Locked => palette::RED,
                };
                ui.colored_label(colour, status.label());
                ui.label(challenge.wrong_codes.to_string());
                if status == ChallengeStatus::Pending {
                    if countdown_ui(ui, challenge.remaining(view.now)).is_none() {
                        ui.label("no expiry");
                    }
                } else {
                    ui.label("—");
                }
                let button = ui
                    .small_button("Verify…")
                    .on_hover_text("Verify a code for this challenge");
                if button.clicked() {
                    action = Some(UiAction::ChooseChallenge(challenge.info.id.clone()));
                }
                ui.end_row();
            }
        });
    action
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_needs_placeholder() {
        assert_eq!(parse_sms_template("  "), Ok(None));
        assert_eq!(
            parse_sms_template("Code: {{code}}"),
            Ok(Some("Code: {{code}}".to_owned()))
        );
        assert!(parse_sms_template("Code: {code}").is_err());
    }
}

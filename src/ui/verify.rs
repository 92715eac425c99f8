//! The Verify tab: the code input, refused in the form unless it is six
//! digits, and the outcome with its next action.

use time::OffsetDateTime;

use crate::session::{ChallengeStatus, MAX_WRONG_CODES, Session, VerifyOutcome};
use crate::ui::countdown::countdown_ui;
use crate::ui::{PendingKind, UiAction, palette, pending_ui};
use crate::validate::OtpCode;

/// The code as typed.
#[derive(Default)]
pub struct VerifyTab {
    pub code: String,
}

impl VerifyTab {
    /// Draws the tab.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &Session,
        busy: bool,
        ready: bool,
        now: OffsetDateTime,
    ) -> Option<UiAction> {
        let mut action = None;
        ui.heading("Verify a code");
        let Some(challenge) = session.current_challenge() else {
            ui.label("Create a challenge first: a code is verified against a challenge.");
            if ui.button("Go to Challenges").clicked() {
                action = Some(UiAction::ShowTab(crate::ui::Tab::Challenges));
            }
            return action;
        };

        ui.horizontal(|ui| {
            ui.label("Challenge");
            ui.monospace(crate::redact::mask_id(&challenge.info.id));
            ui.label(challenge.status_at(now).label());
            if challenge.status_at(now) == ChallengeStatus::Pending {
                countdown_ui(ui, challenge.remaining(now));
            }
        });

        let parsed = OtpCode::parse(&self.code);
        let accepts_codes = challenge.accepts_codes(now);
        let mut submitted = false;
        ui.horizontal(|ui| {
            let label = ui.label("One-time code");
            let response = ui.add(
                egui::TextEdit::singleline(&mut self.code)
                    .hint_text("123456")
                    .desired_width(120.0)
                    .font(egui::TextStyle::Monospace),
            );
            let response = response.labelled_by(label.id);
            submitted = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));

            let rate_limited = session.rate_limit_remaining(now);
            let can_send =
                parsed.is_ok() && accepts_codes && ready && !busy && rate_limited.is_none();
            let clicked = ui
                .add_enabled(can_send, egui::Button::new("Verify code"))
                .clicked();
            if busy && pending_ui(ui, "Verifying…") {
                action = Some(UiAction::Cancel(PendingKind::Verify));
            }
            if let Some(wait) = rate_limited {
                ui.colored_label(
                    palette::AMBER,
                    format!(
                        "Rate limited: try again in {}",
                        crate::session::format_countdown(wait)
                    ),
                );
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(250));
            }
            if (clicked || (submitted && can_send))
                && let Ok(code) = &parsed
            {
                action = Some(UiAction::Verify {
                    challenge_id: challenge.info.id.clone(),
                    code: code.clone(),
                });
            }
        });
        if let Err(error) = &parsed
            && !self.code.is_empty()
        {
            ui.colored_label(palette::RED, error.to_string());
        }
        if !accepts_codes && challenge.wrong_codes >= MAX_WRONG_CODES {
            ui.colored_label(
                palette::AMBER,
                format!("{MAX_WRONG_CODES} wrong codes: the console stops sending. Create a new challenge."),
            );
        }

        let outcome = session
            .last_outcome
            .as_ref()
            .filter(|(challenge_id, _)| *challenge_id == challenge.info.id)
            .map(|(_, outcome)| outcome);
        let new_challenge_offered = if let Some(outcome) = outcome {
            ui.add_space(8.0);
            outcome_ui(ui, outcome)
        } else if challenge.status_at(now) == ChallengeStatus::Expired {
            // The countdown reached zero with no verify attempt, so show the
            // expiry without waiting for the API's 422.
            ui.add_space(8.0);
            ui.label(
                egui::RichText::new("Challenge expired")
                    .heading()
                    .color(palette::RED),
            );
            ui.label("The challenge expired: create a new challenge.");
            ui.button("New challenge").clicked()
        } else {
            false
        };
        if new_challenge_offered {
            action = Some(UiAction::CreateChallenge {
                factor_id: challenge.info.factor_id.clone(),
                sms_template: None,
            });
        }
        action
    }
}

/// Draws an outcome; returns true when the user asks for a new challenge.
fn outcome_ui(ui: &mut egui::Ui, outcome: &VerifyOutcome) -> bool {
    let colour = match outcome {
        VerifyOutcome::Valid => palette::GREEN,
        VerifyOutcome::RateLimited { .. } => palette::AMBER,
        _ => palette::RED,
    };
    ui.label(
        egui::RichText::new(outcome.headline())
            .heading()
            .color(colour),
    );
    ui.label(outcome.next_action());
    let offers_new_challenge = matches!(
        outcome,
        VerifyOutcome::AlreadyVerified | VerifyOutcome::Expired | VerifyOutcome::TooManyAttempts
    ) || matches!(outcome, VerifyOutcome::Invalid { wrong_codes } if *wrong_codes >= MAX_WRONG_CODES);
    offers_new_challenge && ui.button("New challenge").clicked()
}

//! The Enroll tab: the TOTP form and the result card with the QR code, the
//! secret for manual entry and the factor ID.

use workos::SecretString;

use crate::client::{EnrolledFactor, EnrolledKind};
use crate::qr::{DecodedQr, QrImageError, decode_data_uri};
use crate::ui::UiAction;
use crate::ui::qr_view::{QrTexture, qr_texture, qr_view_ui};
use crate::validate::TotpLabel;

/// Largest side of the QR code on screen, in points.
const QR_MAX_SIDE: f32 = 300.0;

/// The form and the latest result.
#[derive(Default)]
pub struct EnrollTab {
    pub issuer: String,
    pub user: String,
    /// Message explaining why the form was not sent. The typed text stays.
    pub error: Option<String>,
    pub card: Option<EnrollmentCard>,
}

/// Result of a TOTP enrollment, held in memory only.
pub struct EnrollmentCard {
    pub factor_id: String,
    pub issuer: String,
    pub user: String,
    secret: SecretString,
    uri: SecretString,
    qr: Result<DecodedQr, QrImageError>,
    texture: Option<QrTexture>,
    show_secret: bool,
}

impl EnrollmentCard {
    /// Builds the card for a TOTP factor; other factor types have no card.
    pub fn from_factor(factor: &EnrolledFactor) -> Option<Self> {
        let EnrolledKind::Totp(totp) = &factor.kind else {
            return None;
        };
        Some(Self {
            factor_id: factor.id.clone(),
            issuer: totp.issuer.clone(),
            user: totp.user.clone(),
            secret: totp.secret.clone(),
            uri: totp.uri.clone(),
            qr: decode_data_uri(totp.qr_code.expose()),
            texture: None,
            show_secret: false,
        })
    }

    /// Returns the decoded QR code, if it could be read.
    pub fn qr(&self) -> Option<&DecodedQr> {
        self.qr.as_ref().ok()
    }
}

/// Splits a Base32 secret into groups of four for reading aloud or typing.
pub fn group_secret(secret: &str) -> String {
    let characters: Vec<char> = secret.chars().collect();
    characters
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

impl EnrollTab {
    /// Draws the tab. `busy` is true while an enrollment is in flight;
    /// `ready` is false when the environment has no key.
    pub fn ui(&mut self, ui: &mut egui::Ui, busy: bool, ready: bool) -> Option<UiAction> {
        let mut action = None;
        ui.heading("Enroll a TOTP factor");
        ui.add_space(4.0);

        let mut submitted = false;
        egui::Grid::new("enroll-form")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                let label = ui.label("Issuer");
                let response = ui.add(
                    egui::TextEdit::singleline(&mut self.issuer)
                        .hint_text("Company or app name")
                        .desired_width(280.0),
                );
                let response = response.labelled_by(label.id);
                submitted |= response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.end_row();

                let label = ui.label("User");
                let response = ui.add(
                    egui::TextEdit::singleline(&mut self.user)
                        .hint_text("alan.turing@example.com")
                        .desired_width(280.0),
                );
                let response = response.labelled_by(label.id);
                submitted |= response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.end_row();
            });

        ui.horizontal(|ui| {
            let button = ui.add_enabled(ready && !busy, egui::Button::new("Enroll factor"));
            if busy {
                ui.spinner();
                ui.label("Enrolling…");
            }
            if (button.clicked() || (submitted && ready && !busy))
                && let Some(request) = self.parse_form()
            {
                action = Some(request);
            }
        });
        if !ready {
            ui.label("Set an API key for this environment first.");
        }
        if let Some(error) = &self.error {
            ui.colored_label(crate::ui::palette::RED, error);
        }

        if let Some(card) = &mut self.card {
            ui.separator();
            card_ui(ui, card);
        }
        action
    }

    fn parse_form(&mut self) -> Option<UiAction> {
        let parsed = TotpLabel::parse("issuer", &self.issuer)
            .and_then(|issuer| TotpLabel::parse("user", &self.user).map(|user| (issuer, user)));
        match parsed {
            Ok((issuer, user)) => {
                self.error = None;
                Some(UiAction::EnrollTotp { issuer, user })
            }
            Err(error) => {
                self.error = Some(error.to_string());
                None
            }
        }
    }
}

fn card_ui(ui: &mut egui::Ui, card: &mut EnrollmentCard) {
    ui.heading("Scan with an authenticator app");
    ui.horizontal_top(|ui| {
        match &card.qr {
            Ok(decoded) => {
                let texture = card
                    .texture
                    .get_or_insert_with(|| qr_texture(ui.ctx(), decoded));
                qr_view_ui(ui, texture, QR_MAX_SIDE);
            }
            Err(error) => {
                ui.colored_label(crate::ui::palette::RED, error.to_string());
            }
        }

        ui.vertical(|ui| {
            ui.label(format!("Issuer: {}", card.issuer));
            ui.label(format!("User: {}", card.user));
            ui.add_space(6.0);

            ui.label("Secret (for manual entry)");
            let shown = if card.show_secret {
                group_secret(card.secret.expose())
            } else {
                group_secret(&"•".repeat(card.secret.expose().chars().count()))
            };
            ui.monospace(shown);
            ui.horizontal(|ui| {
                let toggle = if card.show_secret {
                    "Hide secret"
                } else {
                    "Show secret"
                };
                if ui.button(toggle).clicked() {
                    card.show_secret = !card.show_secret;
                }
                if ui.button("Copy secret").clicked() {
                    ui.ctx().copy_text(card.secret.expose().to_owned());
                }
                if ui.button("Copy URI").clicked() {
                    ui.ctx().copy_text(card.uri.expose().to_owned());
                }
            });
            ui.add_space(6.0);

            ui.label("Factor ID");
            ui.horizontal(|ui| {
                ui.monospace(&card.factor_id);
                if ui.button("Copy ID").clicked() {
                    ui.ctx().copy_text(card.factor_id.clone());
                }
            });
            ui.label("The secret is shown once: the console does not store it.");
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_grouped_in_fours() {
        assert_eq!(group_secret("ABCDEFGHIJ"), "ABCD EFGH IJ");
        assert_eq!(group_secret("•••••"), "•••• •");
    }
}

//! The Enroll tab: the TOTP and SMS forms, and the result card with the QR
//! code, the secret for manual entry and the factor ID.

use std::path::PathBuf;

use workos::SecretString;

use crate::client::{EnrolledFactor, EnrolledKind};
use crate::clipboard_guard::{CopiedKind, Fingerprint};
use crate::qr::{DecodedQr, QrImageError, decode_data_uri};
use crate::ui::qr_view::{QrTexture, qr_texture, qr_view_ui};
use crate::ui::{PendingKind, UiAction, glyphs, palette, pending_ui};
use crate::validate::{PhoneNumber, PhoneNumberError, TotpLabel};

/// Largest side of the QR code on screen, in points.
const QR_MAX_SIDE: f32 = 300.0;

/// Factor type the form enrolls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FactorChoice {
    #[default]
    Totp,
    Sms,
}

/// The forms and the latest result. Typed text is kept when a request fails.
#[derive(Default)]
pub struct EnrollTab {
    pub choice: FactorChoice,
    pub issuer: String,
    pub user: String,
    /// Optional WorkOS user ID; when set, the User Management API is used.
    pub workos_user_id: String,
    pub phone: String,
    /// Message explaining why the form was not sent.
    pub error: Option<String>,
    /// Set when the user chose to enroll an SSO user anyway.
    pub sso_override: bool,
    pub card: Option<EnrollmentCard>,
    /// Path typed for saving the QR code when no save dialog is available.
    pub save_path: String,
    /// Result of the last save, in words.
    pub save_message: Option<(bool, String)>,
}

/// Secrets and identifiers of the latest enrollment, held in memory only.
pub struct EnrollmentCard {
    pub factor_id: String,
    pub details: CardDetails,
}

/// The type-specific part of the card.
pub enum CardDetails {
    Totp(Box<TotpCard>),
    Sms { masked_phone: String },
    GenericOtp,
}

/// A TOTP enrollment's secrets and QR code.
pub struct TotpCard {
    pub issuer: String,
    pub user: String,
    secret: SecretString,
    uri: SecretString,
    qr: Result<DecodedQr, QrImageError>,
    texture: Option<QrTexture>,
    show_secret: bool,
}

impl EnrollmentCard {
    /// Masks the TOTP secret again, so a secret shown on request does not stay
    /// on screen once the user moves to another tab.
    pub fn hide_secret(&mut self) {
        if let CardDetails::Totp(totp) = &mut self.details {
            totp.show_secret = false;
        }
    }

    /// Builds the card for an enrolled factor. `decoded_qr` is the QR code
    /// already decoded off the UI thread; when it is `None` the card decodes
    /// the factor's `qr_code` itself.
    pub fn from_factor(
        factor: &EnrolledFactor,
        decoded_qr: Option<Result<DecodedQr, QrImageError>>,
    ) -> Self {
        let details = match &factor.kind {
            EnrolledKind::Totp(totp) => CardDetails::Totp(Box::new(TotpCard {
                issuer: totp.issuer.clone(),
                user: totp.user.clone(),
                secret: totp.secret.clone(),
                uri: totp.uri.clone(),
                qr: decoded_qr.unwrap_or_else(|| decode_data_uri(totp.qr_code.expose())),
                texture: None,
                show_secret: false,
            })),
            EnrolledKind::Sms { masked_phone } => CardDetails::Sms {
                masked_phone: masked_phone.clone(),
            },
            EnrolledKind::GenericOtp => CardDetails::GenericOtp,
        };
        Self {
            factor_id: factor.id.clone(),
            details,
        }
    }

    /// Returns the decoded QR code of a TOTP card, if it could be read.
    pub fn qr(&self) -> Option<&DecodedQr> {
        match &self.details {
            CardDetails::Totp(totp) => totp.qr.as_ref().ok(),
            _ => None,
        }
    }

    /// Returns the suggested file name for saving the QR code.
    pub fn png_file_name(&self) -> String {
        let label = match &self.details {
            CardDetails::Totp(totp) => format!("{}-{}", totp.issuer, totp.user),
            _ => "factor".to_owned(),
        };
        let safe: String = label
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("mfa-qr-{safe}.png")
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

/// State from outside the tab that it draws from.
pub struct EnrollView {
    pub pending: bool,
    /// The environment has a key.
    pub ready: bool,
    /// The typed user is marked in the registry as signing in through SSO.
    pub user_signs_in_with_sso: bool,
}

impl EnrollTab {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, view: &EnrollView) -> Option<UiAction> {
        let mut action = None;
        ui.heading("Enroll a factor");
        ui.horizontal(|ui| {
            ui.selectable_value(
                &mut self.choice,
                FactorChoice::Totp,
                "TOTP (authenticator app)",
            );
            ui.selectable_value(&mut self.choice, FactorChoice::Sms, "SMS");
        });
        ui.add_space(4.0);

        let submitted = match self.choice {
            FactorChoice::Totp => self.totp_form_ui(ui),
            FactorChoice::Sms => self.sms_form_ui(ui),
        };

        if self.choice == FactorChoice::Totp && view.user_signs_in_with_sso {
            ui.colored_label(
                palette::AMBER,
                "This user signs in through SSO: their identity provider owns MFA, and the WorkOS MFA API is not meant for SSO users.",
            );
            ui.checkbox(&mut self.sso_override, "Enroll this SSO user anyway");
        }
        let blocked_by_sso =
            self.choice == FactorChoice::Totp && view.user_signs_in_with_sso && !self.sso_override;

        ui.horizontal(|ui| {
            let can_send = view.ready && !view.pending && !blocked_by_sso;
            let button = ui.add_enabled(can_send, egui::Button::new("Enroll factor"));
            if view.pending && pending_ui(ui, "Enrolling…") {
                action = Some(UiAction::Cancel(PendingKind::Enroll));
            }
            if (button.clicked() || (submitted && can_send))
                && let Some(request) = self.parse_form()
            {
                action = Some(request);
            }
        });
        if !view.ready {
            ui.label("Set an API key for this environment first.");
        }
        if let Some(error) = &self.error {
            ui.colored_label(palette::RED, error);
        }

        if let Some(card) = &mut self.card {
            ui.separator();
            action = card_ui(ui, card).or(action);
            if card.qr().is_some() {
                action = save_png_ui(ui, &mut self.save_path, &self.save_message).or(action);
            }
        }
        action
    }

    fn totp_form_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let mut submitted = false;
        let mut edited = false;
        egui::Grid::new("enroll-totp")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                for (title, value, hint) in [
                    ("Issuer", &mut self.issuer, "Company or app name"),
                    ("User", &mut self.user, "alan.turing@example.com"),
                    (
                        "WorkOS user ID (optional)",
                        &mut self.workos_user_id,
                        "user_01E4ZCR3C56J083X43JQXF3JK5",
                    ),
                ] {
                    let label = ui.label(title);
                    let response = ui.add(
                        egui::TextEdit::singleline(value)
                            .hint_text(hint)
                            .desired_width(300.0),
                    );
                    let response = response.labelled_by(label.id);
                    edited |= response.changed();
                    submitted |=
                        response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    ui.end_row();
                }
            });
        // The last Enroll's error is about text the user is now changing.
        if edited {
            self.error = None;
        }
        submitted
    }

    fn sms_form_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let mut submitted = false;
        ui.horizontal(|ui| {
            let label = ui.label("Phone number");
            let response = ui.add(
                egui::TextEdit::singleline(&mut self.phone)
                    .hint_text("+15005550006")
                    .desired_width(200.0),
            );
            let response = response.labelled_by(label.id);
            if response.changed() {
                self.error = None;
            }
            submitted = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        });
        if !self.phone.is_empty()
            && let Err(error) = PhoneNumber::parse(&self.phone)
        {
            ui.colored_label(palette::RED, error.to_string());
            if let PhoneNumberError::Formatted { suggestion } = &error
                && ui.button(format!("Use {suggestion}")).clicked()
            {
                self.phone = suggestion.clone();
            }
        }
        submitted
    }

    fn parse_form(&mut self) -> Option<UiAction> {
        let parsed = match self.choice {
            FactorChoice::Totp => self.parse_totp(),
            FactorChoice::Sms => PhoneNumber::parse(&self.phone)
                .map(|phone| UiAction::EnrollSms { phone })
                .map_err(|error| error.to_string()),
        };
        match parsed {
            Ok(action) => {
                self.error = None;
                Some(action)
            }
            // A typed phone number's error already shows under the field, with
            // its suggested fix, and goes away as soon as the number is fixed.
            Err(_) if self.choice == FactorChoice::Sms && !self.phone.is_empty() => {
                self.error = None;
                None
            }
            Err(message) => {
                self.error = Some(message);
                None
            }
        }
    }

    fn parse_totp(&self) -> Result<UiAction, String> {
        let issuer = TotpLabel::parse("issuer", &self.issuer).map_err(|error| error.to_string())?;
        let user = TotpLabel::parse("user", &self.user).map_err(|error| error.to_string())?;
        let user_id = self.workos_user_id.trim();
        let workos_user_id = if user_id.is_empty() {
            None
        } else if user_id.starts_with("user_")
            && user_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            Some(user_id.to_owned())
        } else {
            return Err(format!(
                "'{user_id}' is not a WorkOS user ID. IDs look like user_01E4ZCR3C56J083X43JQXF3JK5; leave the field empty to enroll without one."
            ));
        };
        Ok(UiAction::EnrollTotp {
            issuer,
            user,
            workos_user_id,
        })
    }
}

fn card_ui(ui: &mut egui::Ui, card: &mut EnrollmentCard) -> Option<UiAction> {
    let mut action = None;
    match &mut card.details {
        CardDetails::Totp(totp) => {
            ui.heading("Scan with an authenticator app");
            ui.horizontal_top(|ui| {
                match &totp.qr {
                    Ok(decoded) => {
                        let texture = totp
                            .texture
                            .get_or_insert_with(|| qr_texture(ui.ctx(), decoded));
                        qr_view_ui(ui, texture, QR_MAX_SIDE);
                    }
                    Err(error) => {
                        ui.colored_label(palette::RED, error.to_string());
                    }
                }
                ui.vertical(|ui| {
                    let issuer_replaced = glyphs::label_ui(ui, &format!("Issuer: {}", totp.issuer));
                    let user_replaced = glyphs::label_ui(ui, &format!("User: {}", totp.user));
                    if issuer_replaced || user_replaced {
                        ui.colored_label(palette::AMBER, glyphs::MISSING_GLYPH_NOTICE);
                    }
                    ui.add_space(6.0);
                    ui.label("Secret (for manual entry)");
                    let shown = if totp.show_secret {
                        group_secret(totp.secret.expose())
                    } else {
                        group_secret(&"•".repeat(totp.secret.expose().chars().count()))
                    };
                    ui.monospace(shown);
                    ui.horizontal(|ui| {
                        let toggle = if totp.show_secret {
                            "Hide secret"
                        } else {
                            "Show secret"
                        };
                        if ui.button(toggle).clicked() {
                            totp.show_secret = !totp.show_secret;
                        }
                        if ui.button("Copy secret").clicked() {
                            action = Some(copy_secret(ui, CopiedKind::Secret, &totp.secret));
                        }
                        if ui.button("Copy URI").clicked() {
                            action = Some(copy_secret(ui, CopiedKind::Uri, &totp.uri));
                        }
                    });
                    ui.add_space(6.0);
                    factor_id_ui(ui, &card.factor_id);
                    ui.label("The secret is shown once: the console does not store it.");
                    action = challenge_button_ui(ui, &card.factor_id).or(action.take());
                });
            });
        }
        CardDetails::Sms { masked_phone } => {
            ui.heading("SMS factor enrolled");
            ui.label(format!("Phone: {masked_phone}"));
            factor_id_ui(ui, &card.factor_id);
            let button = ui
                .button("Challenge this factor…")
                .on_hover_text(crate::ui::SMS_CHALLENGE_HINT);
            if button.clicked() {
                action = Some(UiAction::PrepareChallenge {
                    factor_id: card.factor_id.clone(),
                });
            }
        }
        CardDetails::GenericOtp => {
            ui.heading("Generic OTP factor enrolled");
            factor_id_ui(ui, &card.factor_id);
        }
    }
    action
}

/// Copies `value` to the clipboard and returns the action that starts the
/// countdown to clearing it.
fn copy_secret(ui: &egui::Ui, kind: CopiedKind, value: &SecretString) -> UiAction {
    ui.ctx().copy_text(value.expose().to_owned());
    UiAction::GuardClipboard {
        kind,
        fingerprint: Fingerprint::of(value.expose()),
    }
}

fn factor_id_ui(ui: &mut egui::Ui, factor_id: &str) {
    ui.label("Factor ID");
    ui.horizontal(|ui| {
        ui.monospace(factor_id);
        if ui.button("Copy ID").clicked() {
            ui.ctx().copy_text(factor_id.to_owned());
        }
    });
}

fn challenge_button_ui(ui: &mut egui::Ui, factor_id: &str) -> Option<UiAction> {
    ui.button("Challenge this factor")
        .clicked()
        .then(|| UiAction::CreateChallenge {
            factor_id: factor_id.to_owned(),
            sms_template: None,
        })
}

fn save_png_ui(
    ui: &mut egui::Ui,
    save_path: &mut String,
    message: &Option<(bool, String)>,
) -> Option<UiAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        if ui.button("Save QR as PNG…").clicked() {
            action = Some(UiAction::SaveQrPng { path: None });
        }
        let label = ui.label("or save to");
        let response = ui.add(egui::TextEdit::singleline(save_path).desired_width(320.0));
        response.labelled_by(label.id);
        if ui.button("Save to path").clicked() && !save_path.trim().is_empty() {
            action = Some(UiAction::SaveQrPng {
                path: Some(PathBuf::from(save_path.trim())),
            });
        }
    });
    if let Some((ok, text)) = message {
        ui.colored_label(if *ok { palette::GREEN } else { palette::RED }, text);
    }
    action
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

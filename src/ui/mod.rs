//! Drawing: one file per tab or widget. Tabs read state and return a
//! [`UiAction`], and the app turns actions into worker commands.

pub mod challenges;
pub mod clipboard;
pub mod countdown;
pub mod enroll;
pub mod environment_bar;
pub mod factors;
pub mod glyphs;
pub mod log_panel;
pub mod qr_view;
pub mod settings;
pub mod verify;

use std::path::PathBuf;

use workos::SecretString;

use crate::clipboard_guard::{CopiedKind, Fingerprint};
use crate::environment::CustomEnvironment;
use crate::settings::ThemeChoice;
use crate::validate::{OtpCode, PhoneNumber, TotpLabel};

/// The console's tabs, in the order of their Ctrl+1 to Ctrl+5 shortcuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Enroll,
    Factors,
    Challenges,
    Verify,
    Settings,
}

impl Tab {
    /// Every tab, in display order.
    pub const ALL: [Self; 5] = [
        Self::Enroll,
        Self::Factors,
        Self::Challenges,
        Self::Verify,
        Self::Settings,
    ];

    /// Returns the tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Enroll => "Enroll",
            Self::Factors => "Factors",
            Self::Challenges => "Challenges",
            Self::Verify => "Verify",
            Self::Settings => "Settings",
        }
    }

    /// Returns the tab with this title.
    pub fn from_title(title: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tab| tab.title() == title)
    }
}

/// Kinds of work that can be in flight, one at a time each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingKind {
    Enroll,
    Challenge,
    Verify,
    Key,
    Factor,
    UserFactors,
    Connection,
    File,
    Outbox,
}

/// Hover text of the buttons that open the Challenges tab for an SMS factor.
pub const SMS_CHALLENGE_HINT: &str = "Open the Challenges tab, where an SMS template can be set";

/// Something the user asked for, for the app to carry out.
#[derive(Debug)]
pub enum UiAction {
    ShowTab(Tab),
    Cancel(PendingKind),
    SelectEnvironment(usize),
    AddEnvironment(CustomEnvironment),
    RemoveEnvironment(String),
    SaveKey {
        key: SecretString,
    },
    UseKeyForSession {
        key: SecretString,
    },
    ForgetKey,
    ReplaceKey,
    RetryKeyLoad,
    ImportKey {
        to_keyring: bool,
    },
    DismissImport,
    TestConnection,
    EnrollTotp {
        issuer: TotpLabel,
        user: TotpLabel,
        workos_user_id: Option<String>,
    },
    EnrollSms {
        phone: PhoneNumber,
    },
    SaveQrPng {
        path: Option<PathBuf>,
    },
    CreateChallenge {
        factor_id: String,
        sms_template: Option<String>,
    },
    /// Select the factor and open the Challenges tab without sending, so an
    /// SMS template can be set first.
    PrepareChallenge {
        factor_id: String,
    },
    Verify {
        challenge_id: String,
        code: OtpCode,
    },
    /// Open the Verify tab for this challenge instead of the newest.
    ChooseChallenge(String),
    RefreshFactor(String),
    DeleteFactor(String),
    ListUserFactors(String),
    MarkSsoUser {
        user_label: String,
        signs_in_with_sso: bool,
    },
    RefreshOutbox,
    ExportLog {
        path: Option<PathBuf>,
    },
    SetTheme(ThemeChoice),
    SetScale(f32),
    SetTimeout(u64),
    /// A secret was copied: start the countdown to clearing the clipboard.
    GuardClipboard {
        kind: CopiedKind,
        fingerprint: Fingerprint,
    },
    ClearClipboardNow,
}

/// Draws a spinner, `text` and a Cancel button; returns true when Cancel is
/// clicked.
pub fn pending_ui(ui: &mut egui::Ui, text: &str) -> bool {
    ui.spinner();
    ui.label(text);
    ui.small_button("Cancel").clicked()
}

/// Colours for outcomes and environment kinds, readable in light and dark
/// themes.
pub mod palette {
    use egui::Color32;

    /// Success, and the emulator.
    pub const GREEN: Color32 = Color32::from_rgb(0x2e, 0xa0, 0x43);
    /// Failure, and production.
    pub const RED: Color32 = Color32::from_rgb(0xd0, 0x3a, 0x3a);
    /// Attention (under a minute left, or a state that needs action), and
    /// staging.
    pub const AMBER: Color32 = Color32::from_rgb(0xd9, 0x8e, 0x04);
    /// Custom environments.
    pub const BLUE: Color32 = Color32::from_rgb(0x3b, 0x82, 0xd6);
}

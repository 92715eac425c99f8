//! Drawing: one file per tab or widget. Tabs read state and return a
//! [`UiAction`]; the app turns actions into worker commands.

pub mod challenges;
pub mod countdown;
pub mod enroll;
pub mod environment_bar;
pub mod log_panel;
pub mod qr_view;
pub mod verify;

use workos::SecretString;

use crate::validate::{OtpCode, TotpLabel};

/// The console's tabs, in the order of their Ctrl+number shortcuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Enroll,
    Challenges,
    Verify,
}

impl Tab {
    /// Every tab, in display order.
    pub const ALL: [Self; 3] = [Self::Enroll, Self::Challenges, Self::Verify];

    /// Returns the tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Enroll => "Enroll",
            Self::Challenges => "Challenges",
            Self::Verify => "Verify",
        }
    }
}

/// Something the user asked for, for the app to carry out.
#[derive(Debug)]
pub enum UiAction {
    SelectEnvironment(usize),
    SaveKey { key: SecretString },
    UseKeyForSession { key: SecretString },
    RetryKeyLoad,
    EnrollTotp { issuer: TotpLabel, user: TotpLabel },
    CreateChallenge { factor_id: String },
    Verify { challenge_id: String, code: OtpCode },
    ShowTab(Tab),
}

/// Colours for outcomes, readable in light and dark themes.
pub mod palette {
    use egui::Color32;

    /// Success.
    pub const GREEN: Color32 = Color32::from_rgb(0x2e, 0xa0, 0x43);
    /// Failure.
    pub const RED: Color32 = Color32::from_rgb(0xd0, 0x3a, 0x3a);
    /// Attention: under a minute left, or a state that needs action.
    pub const AMBER: Color32 = Color32::from_rgb(0xd9, 0x8e, 0x04);
}

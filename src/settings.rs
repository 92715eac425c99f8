//! Settings saved between runs through eframe's persistence. Nothing secret
//! is ever part of them: keys live in the keyring and enrollment secrets only
//! in memory.

use crate::environment::CustomEnvironment;

/// Storage key under which eframe keeps the settings.
pub const STORAGE_KEY: &str = "mfa-console-settings";

/// Colour theme choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    /// Returns the egui preference for this choice.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// Everything remembered between runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    pub theme: ThemeChoice,
    /// Zoom factor applied to the whole UI; 1.0 is the platform default.
    pub ui_scale: f32,
    pub last_environment: Option<String>,
    /// Title of the last tab shown.
    pub last_tab: Option<String>,
    /// The TOTP issuer typed last, so it need not be typed again.
    pub issuer: String,
    pub custom_environments: Vec<CustomEnvironment>,
    /// Time-out for one request, connection included, in seconds.
    pub request_timeout_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            theme: ThemeChoice::System,
            ui_scale: 1.0,
            last_environment: None,
            last_tab: None,
            issuer: String::new(),
            custom_environments: Vec::new(),
            request_timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
        }
    }
}

/// Default request time-out, in seconds.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 15;
/// Shortest and longest request time-out offered, in seconds.
pub const TIMEOUT_RANGE_SECONDS: std::ops::RangeInclusive<u64> = 5..=120;

/// Smallest and largest UI scale offered.
pub const UI_SCALE_RANGE: std::ops::RangeInclusive<f32> = 0.75..=2.0;

impl Settings {
    /// Returns the settings with out-of-range values replaced by defaults, so
    /// an edited or damaged settings file can't make the UI unusable.
    pub fn sanitized(mut self) -> Self {
        if !self.ui_scale.is_finite() || !UI_SCALE_RANGE.contains(&self.ui_scale) {
            self.ui_scale = 1.0;
        }
        if !TIMEOUT_RANGE_SECONDS.contains(&self.request_timeout_seconds) {
            self.request_timeout_seconds = DEFAULT_TIMEOUT_SECONDS;
        }
        self.custom_environments.retain(|custom| {
            CustomEnvironment::parse(&custom.name, &custom.base_url)
                .is_ok_and(|parsed| parsed == *custom)
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_resets_bad_scale() {
        let settings = Settings {
            ui_scale: f32::NAN,
            ..Settings::default()
        };
        assert!((settings.sanitized().ui_scale - 1.0).abs() < f32::EPSILON);
        let settings = Settings {
            ui_scale: 9.0,
            ..Settings::default()
        };
        assert!((settings.sanitized().ui_scale - 1.0).abs() < f32::EPSILON);
    }

    #[test]
    fn settings_round_trip_without_secrets() {
        let settings = Settings {
            issuer: "Foo Corp".to_owned(),
            ..Settings::default()
        };
        let text = serde_json::to_string(&settings).unwrap();
        let back: Settings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, settings);
        assert!(!text.contains("sk_"), "{text}");
    }
}

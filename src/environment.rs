//! Environments: a name, a base URL and where the API key comes from.

use workos::SecretString;

use crate::client::Target;
use crate::keystore::KeyStoreError;

/// ID of the built-in emulator environment.
pub const EMULATOR_ID: &str = "local-emulator";
/// ID of the WorkOS production environment.
pub const PRODUCTION_ID: &str = "workos";
/// ID of the WorkOS staging environment.
pub const STAGING_ID: &str = "workos-staging";
/// Base URL of the real API.
pub const PRODUCTION_BASE_URL: &str = "https://api.workos.com";
/// Base URL of WorkOS staging.
pub const STAGING_BASE_URL: &str = "https://api.workos-test.com";

/// Kind of server an environment points at; the UI colours each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EnvironmentKind {
    /// The built-in emulator on loopback.
    Emulator,
    /// WorkOS production.
    Production,
    /// WorkOS staging.
    Staging,
    /// A base URL the user added, such as a proxy or another emulator.
    Custom,
}

impl EnvironmentKind {
    /// Returns the kind in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Emulator => "emulator",
            Self::Production => "production",
            Self::Staging => "staging",
            Self::Custom => "custom",
        }
    }
}

/// State of an environment's API key.
#[derive(Debug, Clone)]
pub enum KeyState {
    /// Not read from the keyring yet.
    NotLoaded,
    /// A keyring read or write is in flight.
    Busy,
    /// The keyring has no key for this environment.
    Missing,
    /// A key is ready. `session_only` keys live in memory until the console exits.
    Ready {
        key: SecretString,
        session_only: bool,
    },
    /// The keyring failed, and the user chooses what to do.
    Failed(KeyStoreError),
}

/// A server the console can talk to.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Stable ID, also the keyring entry name.
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub kind: EnvironmentKind,
    pub key: KeyState,
}

/// A custom environment as saved in the settings (no key: keys live in the
/// keyring).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomEnvironment {
    pub id: String,
    pub name: String,
    pub base_url: String,
}

/// Failure to accept a custom environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvironmentError {
    #[error("Enter a name for the environment.")]
    MissingName,
    #[error(
        "'{0}' is not a valid URL. Enter an http:// or https:// base URL, for example https://mfa-proxy.example.com."
    )]
    InvalidUrl(String),
    #[error("'{0}' must use http:// or https://.")]
    UnsupportedScheme(String),
    #[error("'{0}' must be a base URL without a query or fragment.")]
    HasQueryOrFragment(String),
}

impl Environment {
    /// Creates the built-in emulator environment. Its key is generated at start
    /// and never stored.
    pub fn emulator(base_url: &str, api_key: SecretString) -> Self {
        Self {
            id: EMULATOR_ID.to_owned(),
            name: "Local emulator".to_owned(),
            base_url: base_url.to_owned(),
            kind: EnvironmentKind::Emulator,
            key: KeyState::Ready {
                key: api_key,
                session_only: true,
            },
        }
    }

    /// Creates the WorkOS production environment. Its key comes from the OS
    /// keyring.
    pub fn production() -> Self {
        Self::stored_key(
            PRODUCTION_ID,
            "WorkOS production",
            PRODUCTION_BASE_URL,
            EnvironmentKind::Production,
        )
    }

    /// Creates the WorkOS staging environment.
    pub fn staging() -> Self {
        Self::stored_key(
            STAGING_ID,
            "WorkOS staging",
            STAGING_BASE_URL,
            EnvironmentKind::Staging,
        )
    }

    /// Creates an environment from a saved custom entry.
    pub fn custom(custom: &CustomEnvironment) -> Self {
        Self::stored_key(
            &custom.id,
            &custom.name,
            &custom.base_url,
            EnvironmentKind::Custom,
        )
    }

    fn stored_key(id: &str, name: &str, base_url: &str, kind: EnvironmentKind) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            base_url: base_url.to_owned(),
            kind,
            key: KeyState::NotLoaded,
        }
    }

    /// Returns a request target when a key is ready.
    pub fn target(&self) -> Option<Target> {
        match &self.key {
            KeyState::Ready { key, .. } => Some(Target {
                environment: self.name.clone(),
                base_url: self.base_url.clone(),
                api_key: key.clone(),
            }),
            _ => None,
        }
    }

    /// Returns whether the key is a production key (`sk_live_`).
    pub fn has_live_key(&self) -> bool {
        matches!(&self.key, KeyState::Ready { key, .. } if key.expose().starts_with("sk_live_"))
    }

    /// Returns whether destructive actions need a typed confirmation: a
    /// production environment or a live key.
    pub fn is_production(&self) -> bool {
        self.kind == EnvironmentKind::Production || self.has_live_key()
    }
}

impl CustomEnvironment {
    /// Checks a name and base URL typed by the user. The ID is derived from the
    /// URL so the same server keeps its keyring entry.
    pub fn parse(name: &str, base_url: &str) -> Result<Self, EnvironmentError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(EnvironmentError::MissingName);
        }
        let trimmed = base_url.trim().trim_end_matches('/');
        let url = reqwest::Url::parse(trimmed)
            .map_err(|_| EnvironmentError::InvalidUrl(trimmed.to_owned()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(EnvironmentError::UnsupportedScheme(trimmed.to_owned()));
        }
        if url.host_str().is_none() {
            return Err(EnvironmentError::InvalidUrl(trimmed.to_owned()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(EnvironmentError::HasQueryOrFragment(trimmed.to_owned()));
        }
        Ok(Self {
            id: format!("custom:{trimmed}"),
            name: name.to_owned(),
            base_url: trimmed.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_url_rules() {
        let parsed = CustomEnvironment::parse("Proxy", " https://mfa.example.com/ ");
        assert_eq!(
            parsed.map(|custom| custom.base_url),
            Ok("https://mfa.example.com".to_owned())
        );
        assert_eq!(
            CustomEnvironment::parse("", "https://mfa.example.com"),
            Err(EnvironmentError::MissingName)
        );
        assert_eq!(
            CustomEnvironment::parse("X", "ftp://mfa.example.com"),
            Err(EnvironmentError::UnsupportedScheme(
                "ftp://mfa.example.com".to_owned()
            ))
        );
        assert_eq!(
            CustomEnvironment::parse("X", "not a url"),
            Err(EnvironmentError::InvalidUrl("not a url".to_owned()))
        );
        assert_eq!(
            CustomEnvironment::parse("X", "https://a.example.com?x=1"),
            Err(EnvironmentError::HasQueryOrFragment(
                "https://a.example.com?x=1".to_owned()
            ))
        );
    }
}

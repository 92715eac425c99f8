//! Environments: a name, a base URL and where the API key comes from.

use workos::SecretString;

use crate::client::Target;
use crate::keystore::KeyStoreError;

/// ID of the built-in emulator environment.
pub const EMULATOR_ID: &str = "local-emulator";
/// ID of the WorkOS production environment.
pub const WORKOS_ID: &str = "workos";
/// Base URL of the real API.
pub const WORKOS_BASE_URL: &str = "https://api.workos.com";

/// Kind of server an environment points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvironmentKind {
    /// The built-in emulator on loopback.
    Emulator,
    /// The real WorkOS API.
    WorkOs,
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
    /// The keyring failed; the user chooses what to do.
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

    /// Creates the real WorkOS API environment. Its key comes from the OS keyring.
    pub fn workos() -> Self {
        Self {
            id: WORKOS_ID.to_owned(),
            name: "WorkOS".to_owned(),
            base_url: WORKOS_BASE_URL.to_owned(),
            kind: EnvironmentKind::WorkOs,
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
}

//! API keys in the OS keyring, one entry per environment.
//!
//! The console talks to key storage only through [`KeyStore`], so UI and state
//! tests use [`MemoryKeyStore`] and the shipped binary uses [`OsKeyStore`]. When
//! no keyring is available the user chooses to keep the key for this session
//! only; there is no fallback to a file.

use std::collections::HashMap;
use std::sync::Mutex;

use workos::SecretString;

/// Keyring service name under which every key is stored.
pub const SERVICE: &str = "mfa-console";

/// Failure to read, store or remove a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// No keyring backend could be reached, as in a shell with no D-Bus session.
    #[error(
        "No OS keyring is available ({0}). Keep the key for this session only, or start a keyring service and retry."
    )]
    Unavailable(String),
    /// The keyring exists but is locked or refused access.
    #[error(
        "The OS keyring is locked or refused access ({0}). Unlock it and retry, or keep the key for this session only."
    )]
    AccessDenied(String),
    /// Any other keyring failure.
    #[error("The OS keyring failed ({0}).")]
    Failed(String),
}

/// Storage for API keys, keyed by environment ID.
pub trait KeyStore: Send + Sync {
    /// Returns the stored key, or `None` when there is none.
    fn load(&self, environment_id: &str) -> Result<Option<SecretString>, KeyStoreError>;
    /// Stores or replaces the key.
    fn save(&self, environment_id: &str, key: &SecretString) -> Result<(), KeyStoreError>;
    /// Removes the key; removing a missing key is not an error.
    fn forget(&self, environment_id: &str) -> Result<(), KeyStoreError>;
}

/// The platform credential store through the `keyring` crate: Secret Service on
/// Linux, Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Default)]
pub struct OsKeyStore;

impl OsKeyStore {
    fn entry(environment_id: &str) -> Result<keyring::Entry, KeyStoreError> {
        keyring::Entry::new(SERVICE, environment_id).map_err(map_keyring_error)
    }
}

impl KeyStore for OsKeyStore {
    fn load(&self, environment_id: &str) -> Result<Option<SecretString>, KeyStoreError> {
        match Self::entry(environment_id)?.get_password() {
            Ok(key) => Ok(Some(SecretString::new(key))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(map_keyring_error(error)),
        }
    }

    fn save(&self, environment_id: &str, key: &SecretString) -> Result<(), KeyStoreError> {
        Self::entry(environment_id)?
            .set_password(key.expose())
            .map_err(map_keyring_error)
    }

    fn forget(&self, environment_id: &str) -> Result<(), KeyStoreError> {
        match Self::entry(environment_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(map_keyring_error(error)),
        }
    }
}

/// Turns a keyring error into words. Variants that carry stored bytes are
/// described without them, because those bytes would be the key.
fn map_keyring_error(error: keyring::Error) -> KeyStoreError {
    match error {
        keyring::Error::NoDefaultStore => {
            let detail = match keyring::Entry::store_status() {
                Err(cause) => describe(cause),
                Ok(()) => "no default credential store".to_owned(),
            };
            KeyStoreError::Unavailable(detail)
        }
        keyring::Error::PlatformFailure(cause) => KeyStoreError::Unavailable(cause.to_string()),
        keyring::Error::NoStorageAccess(cause) => KeyStoreError::AccessDenied(cause.to_string()),
        other => KeyStoreError::Failed(describe(&other)),
    }
}

fn describe(error: &keyring::Error) -> String {
    match error {
        keyring::Error::BadEncoding(_) => "the stored key is not valid UTF-8".to_owned(),
        keyring::Error::BadDataFormat(_, _) => "the stored key has an unknown format".to_owned(),
        keyring::Error::PlatformFailure(cause) | keyring::Error::NoStorageAccess(cause) => {
            cause.to_string()
        }
        other => other.to_string(),
    }
}

/// Keys held in memory for this process only: for tests, and for the user's
/// explicit "this session only" choice.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<String, SecretString>>,
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, environment_id: &str) -> Result<Option<SecretString>, KeyStoreError> {
        let keys = self.keys.lock().map_err(|_| poisoned())?;
        Ok(keys.get(environment_id).cloned())
    }

    fn save(&self, environment_id: &str, key: &SecretString) -> Result<(), KeyStoreError> {
        let mut keys = self.keys.lock().map_err(|_| poisoned())?;
        keys.insert(environment_id.to_owned(), key.clone());
        Ok(())
    }

    fn forget(&self, environment_id: &str) -> Result<(), KeyStoreError> {
        let mut keys = self.keys.lock().map_err(|_| poisoned())?;
        keys.remove(environment_id);
        Ok(())
    }
}

fn poisoned() -> KeyStoreError {
    KeyStoreError::Failed("the in-memory key store was poisoned by a panic".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip() {
        let store = MemoryKeyStore::default();
        assert_eq!(store.load("workos"), Ok(None));
        assert_eq!(
            store.save("workos", &SecretString::new("sk_test_1")),
            Ok(())
        );
        assert_eq!(
            store
                .load("workos")
                .map(|key| key.map(SecretString::into_inner)),
            Ok(Some("sk_test_1".to_owned()))
        );
        assert_eq!(store.forget("workos"), Ok(()));
        assert_eq!(store.load("workos"), Ok(None));
    }
}

//! Disk work for the worker: saving files (through a save dialog or to a typed
//! path) and finding a `WORKOS_API_KEY` to import.

use std::path::{Path, PathBuf};

use workos::SecretString;

/// Name of the variable that WorkOS SDKs read the API key from.
const KEY_VARIABLE: &str = "WORKOS_API_KEY";

/// Env files read for [`KEY_VARIABLE`], in order, from the working directory.
const ENV_FILES: [&str; 2] = [".env", ".env.local"];

/// A key found for import, with where it came from.
#[derive(Debug, Clone)]
pub struct ImportableKey {
    /// `the WORKOS_API_KEY environment variable` or the file's path.
    pub source: String,
    pub key: SecretString,
}

/// Failure to write a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Could not write {path}: {reason}. Choose another folder or file name.")]
pub struct FileError {
    pub path: String,
    pub reason: String,
}

/// Returns the first `WORKOS_API_KEY` found in the process environment, then
/// in `.env` and `.env.local`. The key is only returned, never stored, until the
/// user agrees to import it.
pub fn find_importable_key() -> Option<ImportableKey> {
    if let Ok(value) = std::env::var(KEY_VARIABLE)
        && !value.trim().is_empty()
    {
        return Some(ImportableKey {
            source: format!("the {KEY_VARIABLE} environment variable"),
            key: SecretString::new(value.trim()),
        });
    }
    ENV_FILES.iter().find_map(|name| {
        let path = Path::new(name);
        let text = std::fs::read_to_string(path).ok()?;
        let key = key_from_env_file(&text)?;
        Some(ImportableKey {
            source: path.display().to_string(),
            key: SecretString::new(key),
        })
    })
}

/// Reads `WORKOS_API_KEY=...` from dotenv text: optional `export`, optional
/// single or double quotes, `#` comments.
pub fn key_from_env_file(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let (name, value) = line.split_once('=')?;
        if name.trim() != KEY_VARIABLE {
            return None;
        }
        let value = value.trim();
        let unquoted = if let Some(inner) = value
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .or_else(|| {
                value
                    .strip_prefix('\'')
                    .and_then(|rest| rest.strip_suffix('\''))
            }) {
            inner
        } else {
            value.split(" #").next().unwrap_or(value).trim()
        };
        (!unquoted.is_empty()).then(|| unquoted.to_owned())
    })
}

/// Writes `contents` to `path`, or to a path chosen in a save dialog.
/// Returns `Ok(None)` when the dialog was cancelled or no dialog service is
/// available (both look the same through `rfd`).
pub async fn save_file(
    path: Option<PathBuf>,
    suggested_name: &str,
    contents: Vec<u8>,
) -> Result<Option<PathBuf>, FileError> {
    let path = match path {
        Some(path) => path,
        None => match rfd::AsyncFileDialog::new()
            .set_file_name(suggested_name)
            .save_file()
            .await
        {
            Some(handle) => handle.path().to_path_buf(),
            None => return Ok(None),
        },
    };
    let target = path.clone();
    tokio::task::spawn_blocking(move || write_atomically(&target, &contents))
        .await
        .map_err(|error| FileError {
            path: path.display().to_string(),
            reason: error.to_string(),
        })??;
    Ok(Some(path))
}

/// Writes through a temporary file in the same folder, then renames it, so a
/// crash never leaves half a file under the chosen name. On Unix the file is
/// readable by its owner only, because a saved QR code contains the secret.
fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), FileError> {
    let failure = |error: std::io::Error| FileError {
        path: path.display().to_string(),
        reason: error.to_string(),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| failure(std::io::Error::other("the path has no file name")))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(file_name);
    temporary_name.push(".partial");
    let temporary = path.with_file_name(temporary_name);
    write_owner_only(&temporary, contents).map_err(failure)?;
    std::fs::rename(&temporary, path).map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        failure(error)
    })
}

#[cfg(unix)]
fn write_owner_only(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_owner_only(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_forms() {
        let cases = [
            ("WORKOS_API_KEY=sk_test_1", Some("sk_test_1")),
            ("export WORKOS_API_KEY=\"sk_test_2\"", Some("sk_test_2")),
            ("WORKOS_API_KEY='sk_test_3'", Some("sk_test_3")),
            ("# WORKOS_API_KEY=sk_test_4\nOTHER=1", None),
            ("WORKOS_API_KEY=sk_test_5 # comment", Some("sk_test_5")),
            ("WORKOS_API_KEY=", None),
            ("WORKOS_CLIENT_ID=client_1", None),
        ];
        for (text, expected) in cases {
            assert_eq!(key_from_env_file(text).as_deref(), expected, "{text:?}");
        }
    }

    #[test]
    fn atomic_write_replaces_file() {
        let folder = std::env::temp_dir().join(format!("mfa-console-files-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("out.png");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "only the owner may read a saved file");
        }
        assert!(!folder.join(".out.png.partial").exists());
        std::fs::remove_dir_all(&folder).unwrap();
    }
}

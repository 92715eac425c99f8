//! Files on disk: seed files, and the state file that keeps users, factors,
//! challenges and the SMS outbox across restarts.
//!
//! The state file contains TOTP secrets, so it is written with owner-only
//! permissions (0600 on Unix). It is also written atomically: a temporary
//! file in the same folder is written, synced and renamed over the old one. A writer task
//! saves after every change to the store, on tokio's blocking pool.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::ids::new_id;
use super::shared::Shared;
use super::snapshot::{self, Snapshot, SnapshotError};

/// Failure to read or write an emulator file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the emulator state file {path} could not be loaded: {problem}. Fix the file or move it away; the emulator does not overwrite a file it cannot read."
    )]
    CorruptState {
        path: PathBuf,
        problem: SnapshotError,
    },
    #[error("the seed file {path} could not be loaded: {problem}")]
    InvalidSeed {
        path: PathBuf,
        problem: SnapshotError,
    },
}

/// Reads and parses a state file. Returns `None` when it does not exist yet.
pub fn read_state(path: &Path) -> Result<Option<Snapshot>, FileError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FileError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    snapshot::parse(&bytes)
        .map(Some)
        .map_err(|problem| FileError::CorruptState {
            path: path.to_owned(),
            problem,
        })
}

/// Reads and parses a seed file, which must exist.
pub fn read_seed(path: &Path) -> Result<Snapshot, FileError> {
    let bytes = std::fs::read(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })?;
    snapshot::parse(&bytes).map_err(|problem| FileError::InvalidSeed {
        path: path.to_owned(),
        problem,
    })
}

/// Writes `bytes` to `path` atomically with owner-only permissions,
/// creating the parent folder when it is missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder)?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "emulator-state.json".to_owned());
    let temporary = folder.join(format!(".{file_name}.{}.tmp", new_id("")));

    let written =
        write_new_private_file(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
        return written;
    }
    sync_folder(&folder)
}

fn write_new_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Syncs the folder so the rename itself survives a crash (Unix only).
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(folder)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

/// The task that saves the store after changes, and the way to stop it.
pub struct StateWriter {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl StateWriter {
    /// Starts saving `shared`'s store to `path` after each change.
    pub fn spawn(shared: Arc<Shared>, path: PathBuf) -> Self {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(write_on_change(shared, path, stopped));
        Self {
            stop: Some(stop),
            task,
        }
    }

    /// Saves any change not yet written and stops the task.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Err(error) = (&mut self.task).await {
            tracing::error!(%error, "emulator state writer failed");
        }
    }
}

impl Drop for StateWriter {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn write_on_change(shared: Arc<Shared>, path: PathBuf, mut stopped: oneshot::Receiver<()>) {
    let path = Arc::new(path);
    let mut written_version = 0;
    let mut failures: u64 = 0;
    loop {
        let stopping = tokio::select! {
            () = shared.store_changed() => false,
            _ = &mut stopped => true,
        };
        if shared.store_version() != written_version {
            match save(&shared, &path).await {
                Ok(version) => {
                    if failures > 0 {
                        tracing::info!(path = %path.display(), failures, "emulator state file written again after failures");
                    }
                    written_version = version;
                    failures = 0;
                }
                Err(error) => {
                    failures += 1;
                    // Log the first failure and then every hundredth, since a
                    // full disk fails on every change.
                    if failures == 1 || failures.is_multiple_of(100) {
                        tracing::error!(path = %path.display(), failures, %error, "could not write the emulator state file");
                    }
                }
            }
        }
        if stopping {
            return;
        }
    }
}

/// Writes the store once and returns the change count it contained.
async fn save(shared: &Shared, path: &Arc<PathBuf>) -> Result<u64, String> {
    let (version, bytes) = {
        let store = shared.store();
        let bytes = serde_json::to_vec_pretty(&store.to_snapshot())
            .map_err(|error| format!("could not encode the state: {error}"))?;
        (store.version(), bytes)
    };
    let path = Arc::clone(path);
    tokio::task::spawn_blocking(move || write_atomic(&path, &bytes))
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| error.to_string())?;
    Ok(version)
}

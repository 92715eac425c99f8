//! A local emulator of the WorkOS MFA API, served with axum on loopback.
//!
//! It speaks the same paths, JSON shapes, statuses and error codes as
//! api.workos.com and rejects requests without its API key. It shares no code
//! with the client, only the pure TOTP and phone-number rules, so it catches the
//! client's mistakes instead of agreeing with them.
//!
//! Endpoints under `/_emulator/` exist only here: the SMS outbox, the clock,
//! fault rules, reset and seed. docs/EMULATOR.md describes each one.

mod api_error;
pub mod clock;
mod clock_routes;
mod fault_injection;
mod fault_routes;
pub mod faults;
mod ids;
mod middleware;
mod outbox;
mod pagination;
pub mod qr_png;
mod request_body;
mod routes;
mod seed_routes;
mod shared;
pub mod snapshot;
pub mod state_file;
pub mod store;
mod user_factors;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{delete, get, post};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use self::shared::Shared;
use self::state_file::{FileError, StateWriter};
use self::store::VerifyRules;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Wrong codes a challenge accepts before it locks, unless configured.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// File name of the console's emulator state in the platform data folder.
pub const CONSOLE_STATE_FILE_NAME: &str = "emulator-state.json";

/// Settings for one emulator.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// The key clients must send as `Authorization: Bearer <key>`.
    pub api_key: String,
    pub max_attempts: u32,
    pub reject_reused_codes: bool,
    /// A seed file loaded at start, after the state file.
    pub seed_file: Option<PathBuf>,
    /// File in which the emulator keeps its objects across restarts, or
    /// `None` to keep them in memory only.
    pub state_file: Option<PathBuf>,
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("api_key", &crate::redact::mask_api_key(&self.api_key))
            .field("max_attempts", &self.max_attempts)
            .field("reject_reused_codes", &self.reject_reused_codes)
            .field("seed_file", &self.seed_file)
            .field("state_file", &self.state_file)
            .finish()
    }
}

impl EmulatorConfig {
    /// Returns a configuration with a freshly generated key, default rules
    /// and state kept in memory.
    pub fn with_generated_key() -> Self {
        Self {
            api_key: generate_api_key(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            reject_reused_codes: false,
            seed_file: None,
            state_file: None,
        }
    }
}

/// Returns the console's state file: `emulator-state.json` in the platform
/// data folder, or `None` when the platform has no home folder.
pub fn console_state_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "mfa-console", "mfa-console")
        .map(|dirs| dirs.data_dir().join(CONSOLE_STATE_FILE_NAME))
}

/// Returns a random test key: `sk_test_` and 40 letters and digits.
pub fn generate_api_key() -> String {
    let random: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    format!("sk_test_{random}")
}

/// Builds a router with empty in-memory state and no files, for serving
/// requests in-process (the fuzz targets call it through `tower::ServiceExt`).
pub fn in_memory_router(config: &EmulatorConfig) -> Router {
    router(Arc::new(Shared::new(
        config.api_key.clone(),
        VerifyRules {
            max_attempts: config.max_attempts,
            reject_reused_codes: config.reject_reused_codes,
        },
    )))
}

/// Builds the router for `shared`: the WorkOS endpoints, the `/_emulator/`
/// endpoints, and the layers around them. From the outside in: request log,
/// `X-Request-Id`, faults, body limit, API key.
fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/auth/factors/enroll", post(routes::enroll_factor))
        .route(
            "/auth/factors/{id}",
            get(routes::get_factor).delete(routes::delete_factor),
        )
        .route(
            "/auth/factors/{id}/challenge",
            post(routes::challenge_factor),
        )
        .route(
            "/auth/challenges/{id}/verify",
            post(routes::verify_challenge),
        )
        .route(
            "/user_management/users/{id}/auth_factors",
            post(user_factors::create_user_factor).get(user_factors::list_user_factors),
        );
    let control = Router::new()
        .route(
            "/_emulator/sms_outbox",
            get(outbox::list_messages).delete(outbox::clear_messages),
        )
        .route("/_emulator/clock", get(clock_routes::read_clock))
        .route(
            "/_emulator/clock/advance",
            post(clock_routes::advance_clock),
        )
        .route("/_emulator/clock/freeze", post(clock_routes::freeze_clock))
        .route("/_emulator/clock/reset", post(clock_routes::reset_clock))
        .route(
            "/_emulator/faults",
            get(fault_routes::list_faults)
                .post(fault_routes::add_fault)
                .delete(fault_routes::clear_faults),
        )
        .route("/_emulator/faults/{id}", delete(fault_routes::remove_fault))
        .route("/_emulator/reset", post(seed_routes::reset))
        .route("/_emulator/seed", post(seed_routes::seed));

    api.merge(control)
        .fallback(middleware::route_not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(from_fn_with_state(
            shared.clone(),
            middleware::require_api_key,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(
            shared.clone(),
            fault_injection::inject_faults,
        ))
        .layer(from_fn(middleware::add_request_id))
        .layer(from_fn(middleware::log_request))
        .with_state(shared)
}

/// Failure to start an emulator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] FileError),
}

/// Loads the state file and then the seed file, as `config` names them.
fn load_files(config: &EmulatorConfig, shared: &Shared) -> Result<(), FileError> {
    let now = shared.clock.now();
    if let Some(path) = &config.state_file
        && let Some(saved) = state_file::read_state(path)?
    {
        let summary = shared
            .store()
            .load_snapshot(saved, now)
            .map_err(|problem| FileError::CorruptState {
                path: path.clone(),
                problem,
            })?;
        tracing::info!(path = %path.display(), factors = summary.factors, "emulator state loaded");
    }
    if let Some(path) = &config.seed_file {
        let seed = state_file::read_seed(path)?;
        let summary =
            shared
                .store()
                .load_snapshot(seed, now)
                .map_err(|problem| FileError::InvalidSeed {
                    path: path.clone(),
                    problem,
                })?;
        tracing::info!(path = %path.display(), users = summary.users, factors = summary.factors, "emulator seed loaded");
    }
    Ok(())
}

/// An emulator serving on a background task.
pub struct RunningEmulator {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base_url: String,
    pub address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    state_writer: Option<StateWriter>,
}

impl RunningEmulator {
    /// Loads the state and seed files, binds `address` and serves on the
    /// current tokio runtime until [`RunningEmulator::stop`] is called or the
    /// value is dropped. The files are read before the runtime's first await,
    /// once, at start.
    pub async fn start(config: &EmulatorConfig, address: SocketAddr) -> Result<Self, StartError> {
        let shared = Arc::new(Shared::new(
            config.api_key.clone(),
            VerifyRules {
                max_attempts: config.max_attempts,
                reject_reused_codes: config.reject_reused_codes,
            },
        ));
        load_files(config, &shared)?;

        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| StartError::Bind { address, source })?;
        let address = listener
            .local_addr()
            .map_err(|source| StartError::Bind { address, source })?;
        let state_writer = config
            .state_file
            .clone()
            .map(|path| StateWriter::spawn(shared.clone(), path));
        let app = router(shared);
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = shutdown_signal.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "emulator stopped with an error");
            }
        });
        tracing::info!(%address, "emulator listening");
        Ok(Self {
            base_url: format!("http://{address}"),
            address,
            shutdown: Some(shutdown),
            task,
            state_writer,
        })
    }

    /// Stops serving, waits for open connections to finish and saves any
    /// change not yet in the state file.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
        if let Some(writer) = self.state_writer.take() {
            writer.finish().await;
        }
        tracing::info!(address = %self.address, "emulator stopped");
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

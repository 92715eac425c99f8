//! A local emulator of the WorkOS MFA API, served with axum on loopback.
//!
//! It speaks the same paths, JSON shapes, statuses and error codes as
//! api.workos.com and rejects requests without its API key. It shares no code
//! with the client, only the pure TOTP and phone-number rules, so it catches the
//! client's mistakes instead of agreeing with them.

mod api_error;
pub mod clock;
mod qr_png;
mod routes;
pub mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use self::api_error::ApiError;
use self::clock::Clock;
use self::store::{Store, VerifyRules};

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Wrong codes a challenge accepts before it locks, unless configured.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// Settings for one emulator.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// The key clients must send as `Authorization: Bearer <key>`.
    pub api_key: String,
    pub max_attempts: u32,
    pub reject_reused_codes: bool,
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("api_key", &crate::redact::mask_api_key(&self.api_key))
            .field("max_attempts", &self.max_attempts)
            .field("reject_reused_codes", &self.reject_reused_codes)
            .finish()
    }
}

impl EmulatorConfig {
    /// Returns a configuration with a freshly generated key and default rules.
    pub fn with_generated_key() -> Self {
        Self {
            api_key: generate_api_key(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            reject_reused_codes: false,
        }
    }
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

/// State shared by every handler.
pub struct Shared {
    api_key: String,
    rules: VerifyRules,
    clock: Clock,
    store: Mutex<Store>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Builds the emulator's router.
pub fn router(config: &EmulatorConfig) -> Router {
    let shared = Arc::new(Shared {
        api_key: config.api_key.clone(),
        rules: VerifyRules {
            max_attempts: config.max_attempts,
            reject_reused_codes: config.reject_reused_codes,
        },
        clock: Clock::default(),
        store: Mutex::new(Store::default()),
    });
    Router::new()
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
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            require_api_key,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(add_request_id))
        .with_state(shared)
}

/// Rejects requests whose bearer token is not the emulator's key, comparing in
/// constant time.
async fn require_api_key(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let matches: bool =
        subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), shared.api_key.as_bytes()).into();
    if matches {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

/// Adds an `X-Request-Id` header to every response, as the real API does.
async fn add_request_id(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let id = ulid::Ulid::new().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// An emulator serving on a background task.
pub struct RunningEmulator {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base_url: String,
    pub address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningEmulator {
    /// Binds `address` and serves on the current tokio runtime until
    /// [`RunningEmulator::stop`] is called or the value is dropped.
    pub async fn start(config: &EmulatorConfig, address: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let app = router(config);
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
        })
    }

    /// Stops serving and waits for open connections to finish.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

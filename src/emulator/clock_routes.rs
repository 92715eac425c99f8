//! `/_emulator/clock`: read, advance, freeze and reset the emulator's clock,
//! which decides challenge expiry and TOTP codes.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::Duration;

use super::api_error::ApiError;
use super::clock::format_timestamp;
use super::request_body::{JsonObject, finish, reject_unknown_fields, required_integer};
use super::shared::Shared;

/// Largest single advance, in seconds (ten years of 365 days).
pub const MAX_ADVANCE_SECONDS: i64 = 10 * 365 * 24 * 60 * 60;

fn clock_json(shared: &Shared) -> Response {
    Json(json!({
        "now": format_timestamp(shared.clock.now()),
        "frozen": shared.clock.is_frozen(),
        "offset_seconds": shared.clock.offset_seconds(),
    }))
    .into_response()
}

/// `GET /_emulator/clock`
pub async fn read_clock(State(shared): State<Arc<Shared>>) -> Response {
    clock_json(&shared)
}

/// `POST /_emulator/clock/advance` with `{"seconds": N}`.
pub async fn advance_clock(
    State(shared): State<Arc<Shared>>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    reject_unknown_fields(&object, &["seconds"], "body", &mut errors);
    let seconds = required_integer(&object, "seconds", 1..=MAX_ADVANCE_SECONDS, &mut errors);
    finish(errors)?;
    if let Some(seconds) = seconds {
        shared
            .clock
            .advance(Duration::seconds(seconds))
            .map_err(|error| {
                ApiError::invalid_field(
                    "seconds",
                    "invalid_value",
                    format!("Advancing by {seconds} seconds failed: {error}. Reset the clock with POST /_emulator/clock/reset."),
                )
            })?;
        tracing::info!(seconds, "emulator clock advanced");
    }
    Ok(clock_json(&shared))
}

/// `POST /_emulator/clock/freeze`: stops the clock at its current time.
pub async fn freeze_clock(State(shared): State<Arc<Shared>>) -> Response {
    shared.clock.freeze();
    tracing::info!("emulator clock frozen");
    clock_json(&shared)
}

/// `POST /_emulator/clock/reset`: back to system time, running.
pub async fn reset_clock(State(shared): State<Arc<Shared>>) -> Response {
    shared.clock.reset();
    tracing::info!("emulator clock reset");
    clock_json(&shared)
}

//! `POST /_emulator/reset` and `POST /_emulator/seed`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::api_error::ApiError;
use super::request_body::JsonObject;
use super::shared::Shared;
use super::snapshot;
use super::store::Store;

/// `POST /_emulator/reset`: removes every user, factor, challenge, message
/// and fault rule, and puts the clock back on system time.
pub async fn reset(State(shared): State<Arc<Shared>>) -> StatusCode {
    *shared.store() = Store::default();
    shared.faults.clear();
    shared.clock.reset();
    tracing::info!("emulator reset");
    StatusCode::NO_CONTENT
}

/// `POST /_emulator/seed`: loads a seed, the same JSON as `--seed FILE`, and
/// returns how many records of each kind it added or replaced.
pub async fn seed(
    State(shared): State<Arc<Shared>>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let invalid_seed = |problem: snapshot::SnapshotError| {
        ApiError::invalid_field(
            "body",
            "invalid_seed",
            format!("The seed was not loaded, and nothing was changed. Problem: {problem}"),
        )
    };
    let parsed = snapshot::from_value(Value::Object(object)).map_err(invalid_seed)?;
    let now = shared.clock.now();
    let summary = shared
        .store()
        .load_snapshot(parsed, now)
        .map_err(invalid_seed)?;
    tracing::info!(
        users = summary.users,
        factors = summary.factors,
        challenges = summary.challenges,
        sms_outbox = summary.sms_outbox,
        "emulator loaded a seed"
    );
    Ok(Json(summary).into_response())
}

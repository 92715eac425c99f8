//! `/_emulator/faults`: add, list and remove fault rules. The rule format is
//! described in the `faults` module and in docs/EMULATOR.md.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api_error::ApiError;
use super::faults::FaultRule;
use super::request_body::JsonObject;
use super::shared::Shared;
use crate::redact::mask_ids_in_text;

/// `POST /_emulator/faults`: adds a rule and returns it with its ID.
pub async fn add_fault(
    State(shared): State<Arc<Shared>>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let rule = FaultRule::from_json(&object)?;
    tracing::info!(
        fault_id = %rule.id,
        path = %mask_ids_in_text(rule.path.as_str()),
        fault = rule.kind.name(),
        count = rule.count,
        "emulator fault added"
    );
    let body = rule.to_json();
    shared.faults.add(rule);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /_emulator/faults`: the active rules in matching order.
pub async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    let data: Vec<Value> = shared
        .faults
        .list()
        .iter()
        .map(FaultRule::to_json)
        .collect();
    Json(json!({ "object": "list", "data": data })).into_response()
}

/// `DELETE /_emulator/faults`: removes every rule.
pub async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.clear();
    StatusCode::NO_CONTENT
}

/// `DELETE /_emulator/faults/{id}`: removes one rule.
pub async fn remove_fault(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if shared.faults.remove(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::entity_not_found("Fault", &id))
    }
}

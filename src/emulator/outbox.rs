//! `/_emulator/sms_outbox`: the SMS messages the emulator "sent", with their
//! codes, so tests and the console can complete SMS challenges.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api_error::ApiError;
use super::request_body::QueryPairs;
use super::shared::Shared;
use crate::validate::PhoneNumber;

/// Reads the optional `phone_number` filter. A `+` sent unencoded in a query
/// string arrives as a space, so a number without its `+` gets it back.
fn phone_filter(pairs: &[(String, String)]) -> Result<Option<String>, ApiError> {
    let Some((_, raw)) = pairs.iter().rev().find(|(key, _)| key == "phone_number") else {
        return Ok(None);
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let number = if trimmed.starts_with('+') {
        trimmed.to_owned()
    } else {
        format!("+{trimmed}")
    };
    match PhoneNumber::parse(&number) {
        Ok(number) => Ok(Some(number.expose().to_owned())),
        Err(problem) => Err(ApiError::invalid_field(
            "phone_number",
            "invalid_value",
            format!("The phone_number filter is not an E.164 number: {problem} Encode '+' as %2B."),
        )),
    }
}

/// `GET /_emulator/sms_outbox`: sent messages, oldest first.
pub async fn list_messages(
    State(shared): State<Arc<Shared>>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Response, ApiError> {
    let filter = phone_filter(&pairs)?;
    let data: Vec<Value> = shared
        .store()
        .sent_messages(filter.as_deref())
        .into_iter()
        .map(super::store::SentSms::to_json)
        .collect();
    Ok(Json(json!({ "object": "list", "data": data })).into_response())
}

/// `DELETE /_emulator/sms_outbox`: empties the outbox.
pub async fn clear_messages(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.store().outbox.clear();
    StatusCode::NO_CONTENT
}

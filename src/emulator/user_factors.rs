//! HTTP handlers for the User Management factor endpoints:
//! `POST` and `GET /user_management/users/{id}/auth_factors`.
//!
//! A user exists once a request names its ID (or a seed lists it), because
//! the emulator has no user endpoints of its own.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api_error::{ApiError, FieldError};
use super::ids::{USER_PREFIX, is_valid_id};
use super::pagination::PageRequest;
use super::request_body::{JsonObject, QueryPairs, finish, optional_string, required_string};
use super::shared::Shared;
use super::store::FactorKind;
use crate::redact::mask_id;
use crate::totp;

/// `totp_issuer` when the request leaves it out. The real API uses the
/// WorkOS team name, which the emulator does not have.
pub const DEFAULT_TOTP_ISSUER: &str = "mfa-console emulator";

fn check_user_id(user_id: &str) -> Result<(), ApiError> {
    if is_valid_id(USER_PREFIX, user_id) {
        return Ok(());
    }
    let mut error = ApiError::entity_not_found("User", user_id);
    error.body["message"] = json!(format!(
        "User not found: '{user_id}'. User IDs are '{USER_PREFIX}' followed by letters and digits."
    ));
    Err(error)
}

/// Reads an optional label that, when present, must not be blank.
fn optional_label(
    object: &serde_json::Map<String, Value>,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = optional_string(object, field, errors)?;
    if value.trim().is_empty() {
        errors.push(FieldError {
            field: field.to_owned(),
            code: "invalid_value",
            message: format!("{field} must not be blank. Leave it out to use the default."),
        });
        return None;
    }
    Some(value)
}

/// `POST /user_management/users/{id}/auth_factors`: enrolls a TOTP factor and
/// creates its first challenge.
pub async fn create_user_factor(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    check_user_id(&user_id)?;
    let mut errors = Vec::new();
    match required_string(&object, "type", &mut errors).as_deref() {
        Some("totp") | None => {}
        Some(other) => errors.push(FieldError {
            field: "type".to_owned(),
            code: "invalid_value",
            message: format!(
                "type must be totp, not '{other}'. Enroll sms and generic_otp factors with POST /auth/factors/enroll."
            ),
        }),
    }
    let issuer = optional_label(&object, "totp_issuer", &mut errors);
    let user = optional_label(&object, "totp_user", &mut errors);
    let secret = match optional_string(&object, "totp_secret", &mut errors) {
        None => Some(totp::generate_secret()),
        Some(text) => match totp::normalize_secret(&text) {
            Ok(secret) => Some(secret),
            Err(problem) => {
                errors.push(FieldError {
                    field: "totp_secret".to_owned(),
                    code: "invalid_value",
                    message: problem.to_string(),
                });
                None
            }
        },
    };
    finish(errors)?;
    let Some(secret) = secret else {
        return Err(ApiError::internal("The TOTP secret was not set."));
    };

    let now = shared.clock.now();
    let (factor, challenge) = {
        let mut store = shared.store();
        let default_user = {
            let user = store.ensure_user(&user_id, now);
            user.email.clone().unwrap_or_else(|| user.id.clone())
        };
        let kind = FactorKind::Totp {
            issuer: issuer.unwrap_or_else(|| DEFAULT_TOTP_ISSUER.to_owned()),
            user: user.unwrap_or(default_user),
            secret,
        };
        kind.check_qr_fits()?;
        let factor = store.enroll(kind, Some(user_id.clone()), now);
        let challenge = store.challenge(&factor.id, None, now)?;
        (factor, challenge)
    };
    tracing::info!(
        user_id = %mask_id(&user_id),
        factor_id = %mask_id(&factor.id),
        "emulator enrolled a user's factor"
    );
    let body = json!({
        "authentication_factor": factor.to_json(true)?,
        "authentication_challenge": challenge.to_json(),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /user_management/users/{id}/auth_factors`: one page of the user's
/// factors, without secrets.
pub async fn list_user_factors(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Response, ApiError> {
    check_user_id(&user_id)?;
    let request = PageRequest::from_query(&pairs)?;

    let now = shared.clock.now();
    let mut store = shared.store();
    if !store.users.contains_key(&user_id) {
        store.ensure_user(&user_id, now);
    }
    let page = request.page(store.user_factors(&user_id), |factor| &factor.id)?;
    let data = page
        .items
        .iter()
        .map(|factor| factor.to_json(false))
        .collect::<Result<Vec<Value>, ApiError>>()?;
    Ok(Json(json!({
        "object": "list",
        "data": data,
        "list_metadata": { "before": page.before, "after": page.after },
    }))
    .into_response())
}

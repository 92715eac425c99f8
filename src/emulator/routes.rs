//! HTTP handlers for the WorkOS MFA endpoints.
//!
//! Bodies are read as bytes and parsed here, so malformed JSON and wrong field
//! types get the API's 422 `invalid_request_parameters` instead of axum's own
//! plain-text rejections.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::Shared;
use super::api_error::{ApiError, FieldError};
use super::store::FactorKind;
use crate::validate::PhoneNumber;

/// Parses a request body as a JSON object; an empty body counts as `{}`.
fn parse_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::invalid_request(vec![FieldError {
            field: "body",
            code: "invalid_body",
            message: "The request body must be a JSON object.".to_owned(),
        }])),
        Err(error) => Err(ApiError::invalid_request(vec![FieldError {
            field: "body",
            code: "invalid_json",
            message: format!(
                "The request body is not valid JSON (line {}, column {}).",
                error.line(),
                error.column()
            ),
        }])),
    }
}

/// Reads an optional string field; a value of another type is an error.
fn optional_string(
    object: &Map<String, Value>,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            errors.push(FieldError {
                field,
                code: "invalid_type",
                message: format!("{field} must be a string."),
            });
            None
        }
    }
}

/// Reads a required non-empty string field.
fn required_string(
    object: &Map<String, Value>,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = optional_string(object, field, errors);
    if value.as_deref().is_none_or(|text| text.trim().is_empty())
        && !errors.iter().any(|error| error.field == field)
    {
        errors.push(FieldError {
            field,
            code: "required",
            message: format!("{field} is required."),
        });
        return None;
    }
    value
}

/// `POST /auth/factors/enroll`
pub async fn enroll_factor(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = parse_object(&body)?;
    let mut errors = Vec::new();
    let factor_type = required_string(&object, "type", &mut errors);
    let user_id = optional_string(&object, "user_id", &mut errors);

    let kind = match factor_type.as_deref() {
        Some("totp") => {
            let issuer = required_string(&object, "totp_issuer", &mut errors);
            let user = required_string(&object, "totp_user", &mut errors);
            issuer.zip(user).map(|(issuer, user)| FactorKind::Totp {
                issuer,
                user,
                secret: crate::totp::generate_secret(),
            })
        }
        Some("sms") => {
            let phone = required_string(&object, "phone_number", &mut errors);
            if let Some(phone) = &phone
                && PhoneNumber::parse(phone).is_err()
            {
                return Err(ApiError::unprocessable(
                    "invalid_phone_number",
                    &format!("Phone number is invalid: '{phone}'"),
                ));
            }
            phone.map(|phone_number| FactorKind::Sms { phone_number })
        }
        Some("generic_otp") => Some(FactorKind::GenericOtp),
        Some(other) => {
            errors.push(FieldError {
                field: "type",
                code: "invalid_value",
                message: format!("type must be one of totp, sms or generic_otp, not '{other}'."),
            });
            None
        }
        None => None,
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid_request(errors));
    };

    let now = shared.clock.now();
    let factor = shared.store().enroll(kind, user_id, now);
    tracing::info!(factor_id = %factor.id, "emulator enrolled a factor");
    Ok((StatusCode::CREATED, Json(factor.to_json(true)?)).into_response())
}

/// `GET /auth/factors/{id}`
pub async fn get_factor(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let value = shared.store().factor(&id)?.to_json(false)?;
    Ok(Json(value).into_response())
}

/// `DELETE /auth/factors/{id}`
pub async fn delete_factor(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    shared.store().delete_factor(&id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /auth/factors/{id}/challenge`
pub async fn challenge_factor(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = parse_object(&body)?;
    let mut errors = Vec::new();
    let template = optional_string(&object, "sms_template", &mut errors);
    if let Some(template) = &template
        && !template.contains("{{code}}")
    {
        errors.push(FieldError {
            field: "sms_template",
            code: "invalid_value",
            message: "sms_template must contain {{code}}.".to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_request(errors));
    }
    let now = shared.clock.now();
    let challenge = shared.store().challenge(&id, template.as_deref(), now)?;
    Ok((StatusCode::CREATED, Json(challenge.to_json())).into_response())
}

/// `POST /auth/challenges/{id}/verify`
pub async fn verify_challenge(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = parse_object(&body)?;
    let mut errors = Vec::new();
    let code = required_string(&object, "code", &mut errors);
    let Some(code) = code.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid_request(errors));
    };
    let now = shared.clock.now();
    let (challenge, valid) = shared.store().verify(&id, &code, shared.rules, now)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "challenge": challenge.to_json(), "valid": valid })),
    )
        .into_response())
}

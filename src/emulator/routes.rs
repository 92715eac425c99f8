//! HTTP handlers for the WorkOS MFA endpoints under `/auth`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::api_error::{ApiError, FieldError};
use super::ids::{USER_PREFIX, is_valid_id};
use super::request_body::{JsonObject, optional_string, required_string};
use super::shared::Shared;
use super::store::FactorKind;
use crate::redact::mask_id;
use crate::validate::PhoneNumber;

/// Reads the optional `user_id` of an enrollment and checks its form.
pub fn optional_user_id(
    object: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let user_id = optional_string(object, "user_id", errors)?;
    // Some SDKs send every field, unset ones as "".
    if user_id.is_empty() {
        return None;
    }
    if is_valid_id(USER_PREFIX, &user_id) {
        Some(user_id)
    } else {
        errors.push(FieldError {
            field: "user_id".to_owned(),
            code: "invalid_value",
            message: format!(
                "user_id '{user_id}' is not a user ID. Use '{USER_PREFIX}' followed by letters and digits, for example user_01E4ZCR3C56J083X43JQXF3JK5."
            ),
        });
        None
    }
}

/// `POST /auth/factors/enroll`
pub async fn enroll_factor(
    State(shared): State<Arc<Shared>>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let factor_type = required_string(&object, "type", &mut errors);
    let user_id = optional_user_id(&object, &mut errors);

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
                // The real API repeats the rejected input in its message.
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
                field: "type".to_owned(),
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

    kind.check_qr_fits()?;
    let now = shared.clock.now();
    let factor = shared.store().enroll(kind, user_id, now);
    tracing::info!(factor_id = %mask_id(&factor.id), "emulator enrolled a factor");
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
    tracing::info!(factor_id = %mask_id(&id), "emulator deleted a factor");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /auth/factors/{id}/challenge`
pub async fn challenge_factor(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    // Older Go SDKs send "sms_template": "" when no template is set.
    let template = optional_string(&object, "sms_template", &mut errors)
        .filter(|template| !template.trim().is_empty());
    if let Some(template) = &template
        && !template.contains("{{code}}")
    {
        errors.push(FieldError {
            field: "sms_template".to_owned(),
            code: "invalid_value",
            message: "sms_template must contain {{code}}, which is replaced by the code."
                .to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_request(errors));
    }
    let now = shared.clock.now();
    let challenge = shared.store().challenge(&id, template.as_deref(), now)?;
    tracing::info!(
        factor_id = %mask_id(&id),
        challenge_id = %mask_id(&challenge.id),
        "emulator created a challenge"
    );
    Ok((StatusCode::CREATED, Json(challenge.to_json())).into_response())
}

/// `POST /auth/challenges/{id}/verify`
pub async fn verify_challenge(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonObject(object): JsonObject,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let code = required_string(&object, "code", &mut errors);
    let Some(code) = code.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid_request(errors));
    };
    let now = shared.clock.now();
    let (challenge, valid) = shared.store().verify(&id, &code, shared.rules, now)?;
    tracing::info!(
        challenge_id = %mask_id(&id),
        valid,
        failed_attempts = challenge.failed_attempts,
        "emulator verified a code"
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({ "challenge": challenge.to_json(), "valid": valid })),
    )
        .into_response())
}

//! Request bodies and query strings, read by hand so that every bad request
//! gets the API's JSON errors instead of axum's plain-text rejections. A body
//! over [`MAX_BODY_BYTES`] gets 413. Malformed JSON, a field of the wrong type
//! or an unreadable query string gets 422 `invalid_request_parameters`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::MAX_BODY_BYTES;
use super::api_error::{ApiError, FieldError};

/// A request body that is a JSON object. An empty body counts as `{}`.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large(MAX_BODY_BYTES)
                } else {
                    ApiError::invalid_field(
                        "body",
                        "unreadable_body",
                        format!(
                            "The request body could not be read: {}",
                            rejection.body_text()
                        ),
                    )
                }
            })?;
        parse_object(&body).map(Self)
    }
}

/// The query string as name and value pairs, in order.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                ApiError::invalid_field(
                    "query",
                    "invalid_value",
                    format!(
                        "The query string could not be read: {}",
                        rejection.body_text()
                    ),
                )
            })?;
        Ok(Self(pairs))
    }
}

/// Parses bytes as a JSON object; blank input counts as `{}`.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::invalid_field(
            "body",
            "invalid_body",
            "The request body must be a JSON object.".to_owned(),
        )),
        Err(error) => Err(ApiError::invalid_field(
            "body",
            "invalid_json",
            format!(
                "The request body is not valid JSON (line {}, column {}).",
                error.line(),
                error.column()
            ),
        )),
    }
}

/// Reads an optional string field; a value of another type is an error.
pub fn optional_string(
    object: &Map<String, Value>,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            errors.push(FieldError {
                field: field.to_owned(),
                code: "invalid_type",
                message: format!("{field} must be a string."),
            });
            None
        }
    }
}

/// Reads a required string field that is not blank.
pub fn required_string(
    object: &Map<String, Value>,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = optional_string(object, field, errors);
    if value.as_deref().is_none_or(|text| text.trim().is_empty())
        && !errors.iter().any(|error| error.field == field)
    {
        errors.push(FieldError {
            field: field.to_owned(),
            code: "required",
            message: format!("{field} is required."),
        });
        return None;
    }
    value
}

/// Reads an optional whole-number field within `range`.
pub fn optional_integer(
    object: &Map<String, Value>,
    field: &'static str,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let value = object.get(field)?;
    if value.is_null() {
        return None;
    }
    match value.as_i64() {
        Some(number) if range.contains(&number) => Some(number),
        _ => {
            errors.push(FieldError {
                field: field.to_owned(),
                code: "invalid_value",
                message: format!(
                    "{field} must be a whole number from {} to {}.",
                    range.start(),
                    range.end()
                ),
            });
            None
        }
    }
}

/// Reads a required whole-number field within `range`.
pub fn required_integer(
    object: &Map<String, Value>,
    field: &'static str,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let present = object.get(field).is_some_and(|value| !value.is_null());
    if !present {
        errors.push(FieldError {
            field: field.to_owned(),
            code: "required",
            message: format!(
                "{field} is required: a whole number from {} to {}.",
                range.start(),
                range.end()
            ),
        });
        return None;
    }
    optional_integer(object, field, range, errors)
}

/// Adds an error for each field of `object` not in `known`, so a misspelt
/// field is reported instead of ignored. `location` names the object.
pub fn reject_unknown_fields(
    object: &Map<String, Value>,
    known: &[&str],
    location: &str,
    errors: &mut Vec<FieldError>,
) {
    for name in object.keys() {
        if !known.contains(&name.as_str()) {
            errors.push(FieldError {
                field: location.to_owned(),
                code: "unknown_field",
                message: format!(
                    "Unknown field '{name}'. Expected one of: {}.",
                    known.join(", ")
                ),
            });
        }
    }
}

/// Returns `Ok(())` when no field was bad, else the 422 listing every one.
pub fn finish(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_request(errors))
    }
}

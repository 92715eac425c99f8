//! Error responses in the shapes the WorkOS API uses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error response: status and JSON body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
}

/// One entry of an `invalid_request_parameters` error's `errors` list.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's name; a nested field is written `outer.inner`.
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    /// 401 for a missing or wrong API key.
    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            body: json!({ "message": "Unauthorized" }),
        }
    }

    /// 404 for an unknown factor, challenge or user.
    pub fn entity_not_found(what: &str, id: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: json!({
                "message": format!("{what} not found: '{id}'."),
                "code": "entity_not_found",
                "entity_id": id,
            }),
        }
    }

    /// 422 for missing or malformed fields.
    pub fn invalid_request(errors: Vec<FieldError>) -> Self {
        let errors: Vec<Value> = errors
            .into_iter()
            .map(|error| {
                json!({ "field": error.field, "code": error.code, "message": error.message })
            })
            .collect();
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({
                "code": "invalid_request_parameters",
                "message": "Validation failed",
                "errors": errors,
            }),
        }
    }

    /// 422 with a WorkOS error code and message.
    pub fn unprocessable(code: &str, message: &str) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({ "code": code, "message": message }),
        }
    }

    /// 400 once a challenge has had too many wrong codes.
    pub fn too_many_attempts(challenge_id: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "code": "one_time_code_too_many_attempts",
                "message": format!("The authentication challenge '{challenge_id}' has had too many failed attempts."),
            }),
        }
    }

    /// 422 `invalid_request_parameters` for one bad field.
    pub fn invalid_field(field: &str, code: &'static str, message: String) -> Self {
        Self::invalid_request(vec![FieldError {
            field: field.to_owned(),
            code,
            message,
        }])
    }

    /// 413 for a request body over `limit_bytes`.
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            body: json!({
                "code": "request_body_too_large",
                "message": format!("The request body is larger than {limit_bytes} bytes. Send a smaller body."),
            }),
        }
    }

    /// 404 for a path the emulator does not serve.
    pub fn route_not_found(method: &str, path: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: json!({
                "code": "route_not_found",
                "message": format!("No endpoint matches {method} {path}. See docs/EMULATOR.md for the paths the emulator serves."),
            }),
        }
    }

    /// 405 for a known path with a method it does not take.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            body: json!({
                "code": "method_not_allowed",
                "message": format!("{path} does not accept {method}. See docs/EMULATOR.md for the methods each path takes."),
            }),
        }
    }

    /// 500 for a failure inside the emulator.
    pub fn internal(message: &str) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: json!({ "code": "server_error", "message": message }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

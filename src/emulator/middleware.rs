//! Layers around every route: the API key check, `X-Request-Id`, request
//! logging, and JSON responses for unknown paths and methods.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api_error::ApiError;
use super::shared::Shared;
use crate::redact::mask_ids_in_text;

/// Rejects requests whose bearer token is not the emulator's key, comparing in
/// constant time.
pub async fn require_api_key(
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
pub async fn add_request_id(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let id = ulid::Ulid::new().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Logs each request's method, path (IDs masked, query left out), status and
/// time taken.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = mask_ids_in_text(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis(),
        "emulator request"
    );
    response
}

/// JSON 404 for a path no route serves.
pub async fn route_not_found(request: Request) -> Response {
    ApiError::route_not_found(request.method().as_str(), request.uri().path()).into_response()
}

/// JSON 405 for a method a path does not take.
pub async fn method_not_allowed(request: Request) -> Response {
    ApiError::method_not_allowed(request.method().as_str(), request.uri().path()).into_response()
}

//! The middleware that applies fault rules to matching requests.
//!
//! Broken responses rely on how hyper 1 handles a body stream that fails: it
//! drops the connection at once. A stream that fails before its first chunk
//! leaves the buffered status line unsent, so the client sees the connection
//! close without a response. A stream that sends a chunk, pauses (so hyper
//! flushes the headers and that chunk) and then fails gives a response
//! shorter than its `Content-Length`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt as _, stream};
use serde_json::json;

use super::faults::FaultKind;
use super::shared::Shared;
use crate::redact::mask_ids_in_text;

/// How long a truncated response waits after its partial body before the
/// connection closes, so that the partial body is flushed first.
const TRUNCATE_PAUSE: Duration = Duration::from_millis(50);

/// Applies the first fault rule that matches the request, if any.
pub async fn inject_faults(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(kind) = shared
        .faults
        .take_match(request.method(), request.uri().path())
    else {
        return next.run(request).await;
    };
    tracing::info!(
        method = %request.method(),
        path = %mask_ids_in_text(request.uri().path()),
        fault = kind.name(),
        "emulator applied a fault"
    );

    match kind {
        FaultKind::Status {
            status,
            body,
            retry_after_seconds,
            empty_body,
        } => {
            let text = if empty_body {
                String::new()
            } else {
                body.unwrap_or_else(
                    || json!({ "message": status.canonical_reason().unwrap_or("Injected fault") }),
                )
                .to_string()
            };
            let mut response = json_response(status, text);
            if let Some(seconds) = retry_after_seconds {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        FaultKind::HugeBody { bytes } => {
            let padding = "x".repeat(bytes.saturating_sub(16));
            json_response(StatusCode::OK, format!("{{\"padding\":\"{padding}\"}}"))
        }
        FaultKind::RateLimit {
            retry_after_seconds,
        } => {
            // NOTE: WorkOS documents the 429 status and `Retry-After` but not
            // the body; this body is the emulator's own.
            let body = json!({
                "code": "rate_limit_exceeded",
                "message": format!("Too many requests. Retry after {retry_after_seconds} seconds."),
            });
            let mut response = json_response(StatusCode::TOO_MANY_REQUESTS, body.to_string());
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
            response
        }
        FaultKind::Latency { milliseconds } => {
            tokio::time::sleep(Duration::from_millis(milliseconds)).await;
            next.run(request).await
        }
        FaultKind::MalformedBody => {
            let (mut parts, full) = buffered(next.run(request).await).await;
            let half = full.slice(..full.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(half))
        }
        FaultKind::TruncatedBody => {
            let (mut parts, full) = buffered(next.run(request).await).await;
            let half = full.slice(..full.len() / 2);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
            let chunks = stream::iter([Ok(half)]).chain(stream::once(async {
                tokio::time::sleep(TRUNCATE_PAUSE).await;
                Err(std::io::Error::other("truncated by an emulator fault"))
            }));
            Response::from_parts(parts, Body::from_stream(chunks))
        }
        FaultKind::DropConnection => {
            let fail = stream::once(async {
                Err::<Bytes, _>(std::io::Error::other("dropped by an emulator fault"))
            });
            Response::new(Body::from_stream(fail))
        }
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Reads a handler's response into memory for damaging. A response without a
/// body becomes `200` with `{}`, so there is something to cut.
async fn buffered(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    if bytes.is_empty() {
        parts.status = StatusCode::OK;
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return (parts, Bytes::from_static(b"{}"));
    }
    (parts, bytes)
}

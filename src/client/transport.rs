//! The observing HTTP transport: reqwest for the SDK, with one log record per
//! exchange.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use workos::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};

use super::types::{ActivitySink, ClientError};
use crate::activity::{ActivityRecord, Exchange};
use crate::redact;

/// Default time-out for one request, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The HTTP clients shared by every call: one that honours proxy settings and
/// one for loopback addresses, which never go through a proxy.
#[derive(Clone)]
pub struct HttpClients {
    proxied: reqwest::Client,
    direct: reqwest::Client,
}

impl HttpClients {
    /// Builds both clients with the given time-out.
    pub fn new(timeout: Duration) -> Result<Self, ClientError> {
        let build = |use_proxy: bool| {
            let mut builder = reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .user_agent(concat!("mfa-console/", env!("CARGO_PKG_VERSION")));
            if !use_proxy {
                builder = builder.no_proxy();
            }
            builder
                .build()
                .map_err(|error| ClientError::Setup(error_chain(&error)))
        };
        Ok(Self {
            proxied: build(true)?,
            direct: build(false)?,
        })
    }

    pub(super) fn for_base_url(&self, base_url: &str) -> reqwest::Client {
        let is_loopback = reqwest::Url::parse(base_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .is_some_and(|host| {
                host == "localhost"
                    || host
                        .trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            });
        if is_loopback {
            self.direct.clone()
        } else {
            self.proxied.clone()
        }
    }
}

/// Sends the SDK's requests with reqwest and reports each exchange to a sink.
pub(super) struct ObservingTransport {
    pub(super) http: reqwest::Client,
    pub(super) environment: String,
    pub(super) sink: ActivitySink,
}

/// Largest response body read, in bytes. MFA responses are a few kilobytes
/// (a TOTP enrollment with its QR code about 10 KiB), so anything near this
/// size is not a WorkOS response.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Retries after the first attempt for requests that are safe to repeat.
pub const MAX_RETRIES: u32 = 2;

/// Longest `Retry-After` the transport waits for on its own; a longer wait is
/// reported to the user instead of retried.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

type Failure = (
    workos::transport::TransportErrorKind,
    Box<dyn std::error::Error + Send + Sync>,
);

#[async_trait]
impl HttpTransport for ObservingTransport {
    /// Sends a request. GET and DELETE are retried on 429 and 5xx, at most
    /// [`MAX_RETRIES`] times and only when the wait (`Retry-After`, or a short
    /// backoff) is at most [`MAX_RETRY_WAIT`]. Enroll, challenge and verify
    /// are POSTs, which the API does not de-duplicate, so they are sent once.
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let repeatable = matches!(request.method, http::Method::GET | http::Method::DELETE);
        let mut retry = 0;
        loop {
            let result = self.send_once(&request, retry).await;
            let response = match result {
                Ok(response) => response,
                Err((kind, error)) => return Err(TransportError::new(kind, error)),
            };
            let status = response.status.as_u16();
            let retryable_status = status == 429 || (500..=599).contains(&status);
            if !repeatable || !retryable_status || retry >= MAX_RETRIES {
                return Ok(response);
            }
            let wait = retry_after(&response.headers)
                .unwrap_or_else(|| Duration::from_millis(250 * 2_u64.pow(retry)));
            if wait > MAX_RETRY_WAIT {
                return Ok(response);
            }
            retry += 1;
            tracing::debug!(
                status,
                retry,
                wait_ms = wait.as_millis(),
                "retrying a repeatable request"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

impl ObservingTransport {
    /// Sends one attempt and reports it to the sink.
    async fn send_once(&self, request: &HttpRequest, retry: u32) -> Result<HttpResponse, Failure> {
        let started = Instant::now();
        let method = request.method.to_string();
        let path = reqwest::Url::parse(&request.url)
            .map(|url| url.path().to_owned())
            .unwrap_or_default();

        let mut builder = self
            .http
            .request(request.method.clone(), &request.url)
            .headers(request.headers.clone());
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let outcome = match builder.send().await {
            Ok(response) => read_response(response).await,
            Err(error) => Err((
                classify(&error),
                Box::new(error) as Box<dyn std::error::Error + Send + Sync>,
            )),
        };

        let exchange = match &outcome {
            Ok(response) => Exchange {
                method,
                path,
                status: Some(response.status.as_u16()),
                latency: started.elapsed(),
                request_id: response
                    .headers
                    .get("x-request-id")
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned),
                failure: None,
                retry,
            },
            Err((_, error)) => Exchange {
                method,
                path,
                status: None,
                latency: started.elapsed(),
                request_id: None,
                failure: Some(redact::mask_digit_runs(&error_chain(error.as_ref()))),
                retry,
            },
        };
        tracing::debug!(
            method = %exchange.method,
            path = %redact::mask_ids_in_text(&exchange.path),
            status = ?exchange.status,
            latency_ms = exchange.latency.as_millis(),
            retry,
            "request finished"
        );
        (self.sink)(ActivityRecord::exchange(&self.environment, exchange));
        outcome
    }
}

/// Reads a response body up to [`MAX_RESPONSE_BYTES`].
async fn read_response(mut response: reqwest::Response) -> Result<HttpResponse, Failure> {
    use workos::transport::TransportErrorKind;
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    let error = std::io::Error::other(format!(
                        "the response is larger than {} KiB, which no WorkOS MFA response is",
                        MAX_RESPONSE_BYTES / 1024
                    ));
                    return Err((TransportErrorKind::Other, Box::new(error)));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => return Err((classify(&error), Box::new(error))),
        }
    }
    Ok(HttpResponse {
        status,
        headers,
        body: bytes::Bytes::from(body),
    })
}

/// Parses a `Retry-After` header given in seconds.
pub fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn classify(error: &reqwest::Error) -> workos::transport::TransportErrorKind {
    use workos::transport::TransportErrorKind;
    if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Other
    }
}

/// Joins an error and its sources into one line.
pub(super) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

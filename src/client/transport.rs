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

#[async_trait]
impl HttpTransport for ObservingTransport {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let started = Instant::now();
        let method = request.method.to_string();
        let path = reqwest::Url::parse(&request.url)
            .map(|url| url.path().to_owned())
            .unwrap_or_default();

        let mut builder = self
            .http
            .request(request.method, &request.url)
            .headers(request.headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }

        let outcome = match builder.send().await {
            Ok(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(body) => Ok(HttpResponse {
                        status,
                        headers,
                        body,
                    }),
                    Err(error) => Err((classify(&error), error)),
                }
            }
            Err(error) => Err((classify(&error), error)),
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
            },
            Err((_, error)) => Exchange {
                method,
                path,
                status: None,
                latency: started.elapsed(),
                request_id: None,
                failure: Some(redact::mask_digit_runs(&error_chain(error))),
            },
        };
        tracing::debug!(
            method = %exchange.method,
            path = %redact::mask_ids_in_text(&exchange.path),
            status = ?exchange.status,
            latency_ms = exchange.latency.as_millis(),
            "request finished"
        );
        (self.sink)(ActivityRecord::exchange(&self.environment, exchange));

        outcome.map_err(|(kind, error)| TransportError::new(kind, error))
    }
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

//! Records shown in the log panel: one per HTTP exchange and one per user action.
//!
//! Records hold only values that are safe to show: paths carry IDs (masked at
//! display time unless the user turns masking off), never keys, secrets, codes
//! or phone numbers.

use std::time::Duration;

use time::OffsetDateTime;

/// Severity of a record, as in `tracing` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    /// Returns the lower-case level name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

/// One HTTP request and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub method: String,
    /// URL path without the query string; it may contain object IDs.
    pub path: String,
    /// HTTP status, or `None` when no response arrived.
    pub status: Option<u16>,
    pub latency: Duration,
    /// The `X-Request-Id` response header.
    pub request_id: Option<String>,
    /// Transport failure in words when no response arrived.
    pub failure: Option<String>,
    /// 0 for the first attempt, then 1, 2… for automatic retries.
    pub retry: u32,
}

/// A log panel row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub time: OffsetDateTime,
    pub environment: String,
    pub level: Level,
    /// Present for HTTP exchanges, absent for user actions.
    pub exchange: Option<Exchange>,
    /// Description of what happened. It may contain object IDs.
    pub outcome: String,
}

impl ActivityRecord {
    /// Builds a record for a user action or a result without an HTTP exchange.
    pub fn action(environment: &str, level: Level, outcome: impl Into<String>) -> Self {
        Self {
            time: OffsetDateTime::now_utc(),
            environment: environment.to_owned(),
            level,
            exchange: None,
            outcome: outcome.into(),
        }
    }

    /// Builds a record for an HTTP exchange; the level follows the status.
    pub fn exchange(environment: &str, exchange: Exchange) -> Self {
        let level = match exchange.status {
            Some(status) if status < 400 => Level::Debug,
            Some(status) if status < 500 => Level::Warn,
            _ => Level::Error,
        };
        let mut outcome = match (&exchange.failure, exchange.status) {
            (Some(failure), _) => failure.clone(),
            (None, Some(status)) => http_reason(status).to_owned(),
            (None, None) => "no response".to_owned(),
        };
        if exchange.retry > 0 {
            outcome.push_str(&format!(" (retry {})", exchange.retry));
        }
        Self {
            time: OffsetDateTime::now_utc(),
            environment: environment.to_owned(),
            level,
            exchange: Some(exchange),
            outcome,
        }
    }
}

/// Returns the standard reason phrase for the statuses the MFA API uses.
fn http_reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

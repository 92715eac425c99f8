//! Fault rules: make the next N requests that match a method and path pattern
//! fail in a chosen way. Rules are set through `/_emulator/faults` and never
//! match `/_emulator/` paths.
//!
//! A rule in JSON:
//!
//! ```json
//! {"method": "POST", "path": "/auth/challenges/*/verify", "count": 1,
//!  "kind": {"type": "status", "status": 503}}
//! ```
//!
//! `method` is optional (any method when left out or `*`). In `path`, `*`
//! matches one path segment and a final `/**` matches the rest of the path.
//! `count` defaults to 1. The kinds are described on [`FaultKind`].

use std::sync::{Mutex, PoisonError};

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::api_error::{ApiError, FieldError};
use super::ids::{FAULT_PREFIX, new_id};
use super::request_body::{
    finish, optional_integer, optional_string, reject_unknown_fields, required_integer,
    required_string,
};

/// Largest `count` a rule accepts.
pub const MAX_COUNT: i64 = 10_000;
/// Longest added latency, in milliseconds (five minutes, longer than the
/// 30-second default time-out of the official SDKs).
pub const MAX_LATENCY_MS: i64 = 300_000;
/// Largest `Retry-After`, in seconds (one day).
pub const MAX_RETRY_AFTER_SECONDS: i64 = 86_400;
/// Largest body a `huge_body` fault sends, in bytes.
pub const MAX_HUGE_BODY_BYTES: i64 = 64 * 1024 * 1024;

/// Response that a matching request gets.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// `{"type":"status","status":503,"body":{...}}`: this status and JSON
    /// body (by default `{"message": <reason phrase>}`). The request is not
    /// processed.
    /// With `"retry_after_seconds"` the response also carries `Retry-After`,
    /// and with `"empty_body": true` it has no body at all.
    Status {
        status: StatusCode,
        body: Option<Value>,
        retry_after_seconds: Option<u32>,
        empty_body: bool,
    },
    /// `{"type":"huge_body","bytes":2000000}`: 200 with a JSON body of about
    /// this many bytes. The request is not processed.
    HugeBody { bytes: usize },
    /// `{"type":"rate_limit","retry_after_seconds":30}`: 429 with
    /// `Retry-After`. The request is not processed.
    RateLimit { retry_after_seconds: u32 },
    /// `{"type":"latency","milliseconds":1500}`: the request is processed
    /// after this delay.
    Latency { milliseconds: u64 },
    /// `{"type":"malformed_body"}`: the request is processed, and the
    /// response keeps its status and headers but its body is cut in half, so
    /// it is not valid JSON. `Content-Length` matches the bytes sent.
    MalformedBody,
    /// `{"type":"truncated_body"}`: the request is processed, and the
    /// response announces the full `Content-Length` but only half the body is
    /// sent before the connection closes.
    TruncatedBody,
    /// `{"type":"drop_connection"}`: the connection closes without a
    /// response. The request is not processed.
    DropConnection,
}

impl FaultKind {
    /// Returns the `type` name used in JSON and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Status { .. } => "status",
            Self::HugeBody { .. } => "huge_body",
            Self::RateLimit { .. } => "rate_limit",
            Self::Latency { .. } => "latency",
            Self::MalformedBody => "malformed_body",
            Self::TruncatedBody => "truncated_body",
            Self::DropConnection => "drop_connection",
        }
    }

    fn to_json(&self) -> Value {
        let mut value = json!({ "type": self.name() });
        match self {
            Self::Status {
                status,
                body,
                retry_after_seconds,
                empty_body,
            } => {
                value["status"] = json!(status.as_u16());
                if let Some(body) = body {
                    value["body"] = body.clone();
                }
                if let Some(seconds) = retry_after_seconds {
                    value["retry_after_seconds"] = json!(seconds);
                }
                if *empty_body {
                    value["empty_body"] = json!(true);
                }
            }
            Self::HugeBody { bytes } => value["bytes"] = json!(bytes),
            Self::RateLimit {
                retry_after_seconds,
            } => value["retry_after_seconds"] = json!(retry_after_seconds),
            Self::Latency { milliseconds } => value["milliseconds"] = json!(milliseconds),
            Self::MalformedBody | Self::TruncatedBody | Self::DropConnection => {}
        }
        value
    }

    fn from_json(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Option<Self> {
        let Some(object) = value.and_then(Value::as_object) else {
            errors.push(FieldError {
                field: "kind".to_owned(),
                code: if value.is_some_and(|value| !value.is_null()) {
                    "invalid_type"
                } else {
                    "required"
                },
                message: "kind is required: an object with a type, such as {\"type\": \"status\", \"status\": 503}.".to_owned(),
            });
            return None;
        };
        let first_kind_error = errors.len();
        let kind = Self::from_object(object, errors);
        for error in &mut errors[first_kind_error..] {
            if !error.field.starts_with("kind") {
                error.field = format!("kind.{}", error.field);
            }
        }
        kind
    }

    fn from_object(object: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<Self> {
        let kind_type = required_string(object, "type", errors)?;
        let (known, kind): (&[&str], Option<Self>) = match kind_type.as_str() {
            "status" => (
                &[
                    "type",
                    "status",
                    "body",
                    "retry_after_seconds",
                    "empty_body",
                ],
                status_kind(object, errors),
            ),
            "huge_body" => {
                let bytes = required_integer(object, "bytes", 1..=MAX_HUGE_BODY_BYTES, errors);
                (
                    &["type", "bytes"],
                    bytes
                        .and_then(|bytes| usize::try_from(bytes).ok())
                        .map(|bytes| Self::HugeBody { bytes }),
                )
            }
            "rate_limit" => {
                let seconds = optional_integer(
                    object,
                    "retry_after_seconds",
                    0..=MAX_RETRY_AFTER_SECONDS,
                    errors,
                );
                (
                    &["type", "retry_after_seconds"],
                    Some(Self::RateLimit {
                        retry_after_seconds: seconds
                            .and_then(|seconds| u32::try_from(seconds).ok())
                            .unwrap_or(1),
                    }),
                )
            }
            "latency" => {
                let milliseconds =
                    required_integer(object, "milliseconds", 1..=MAX_LATENCY_MS, errors);
                (
                    &["type", "milliseconds"],
                    milliseconds
                        .and_then(|milliseconds| u64::try_from(milliseconds).ok())
                        .map(|milliseconds| Self::Latency { milliseconds }),
                )
            }
            "malformed_body" => (&["type"], Some(Self::MalformedBody)),
            "truncated_body" => (&["type"], Some(Self::TruncatedBody)),
            "drop_connection" => (&["type"], Some(Self::DropConnection)),
            other => {
                errors.push(FieldError {
                    field: "kind.type".to_owned(),
                    code: "invalid_value",
                    message: format!(
                        "'{other}' is not a fault type. Use status, rate_limit, latency, malformed_body, truncated_body, drop_connection or huge_body."
                    ),
                });
                return None;
            }
        };
        reject_unknown_fields(object, known, "kind", errors);
        kind
    }
}

fn status_kind(object: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<FaultKind> {
    let status = required_integer(object, "status", 200..=599, errors)?;
    let status = u16::try_from(status)
        .ok()
        .and_then(|status| StatusCode::from_u16(status).ok())?;
    let body = object.get("body").filter(|body| !body.is_null()).cloned();
    let retry_after_seconds = optional_integer(
        object,
        "retry_after_seconds",
        0..=MAX_RETRY_AFTER_SECONDS,
        errors,
    )
    .and_then(|seconds| u32::try_from(seconds).ok());
    let empty_body = match object.get("empty_body") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => {
            errors.push(FieldError {
                field: "kind.empty_body".to_owned(),
                code: "invalid_type",
                message: "empty_body must be true or false.".to_owned(),
            });
            return None;
        }
    };
    if empty_body && body.is_some() {
        errors.push(FieldError {
            field: "kind.body".to_owned(),
            code: "invalid_value",
            message: "Leave out body when empty_body is true.".to_owned(),
        });
        return None;
    }
    if body.is_some() && matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED) {
        errors.push(FieldError {
            field: "kind.body".to_owned(),
            code: "invalid_value",
            message: format!(
                "A {status} response has no body. Leave out body or pick another status."
            ),
        });
        return None;
    }
    Some(FaultKind::Status {
        status,
        body,
        retry_after_seconds,
        empty_body,
    })
}

/// A path pattern: `/` separated segments, where `*` matches any one segment
/// and a final `**` matches the rest of the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    segments: Vec<String>,
}

fn split_path(path: &str) -> Vec<&str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    trimmed.split('/').collect()
}

/// Returns whether `path` is the emulator's own endpoint tree.
pub fn is_emulator_path(path: &str) -> bool {
    path == "/_emulator" || path.starts_with("/_emulator/")
}

impl PathPattern {
    /// Parses a pattern. The error message names the problem and the fix.
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.starts_with('/') {
            return Err(format!(
                "path '{text}' must start with '/', for example /auth/factors/*/challenge."
            ));
        }
        if is_emulator_path(text) || text.starts_with("/*") {
            return Err(format!(
                "path '{text}' could match /_emulator/ endpoints, which faults never affect. Start the pattern with a literal segment such as /auth or /user_management."
            ));
        }
        let segments: Vec<String> = split_path(text).into_iter().map(str::to_owned).collect();
        if let Some(position) = segments.iter().position(|segment| segment == "**")
            && position + 1 != segments.len()
        {
            return Err(format!(
                "path '{text}' has '**' before its last segment; '**' may only end the pattern."
            ));
        }
        Ok(Self {
            text: text.to_owned(),
            segments,
        })
    }

    /// Returns whether the request path `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        let parts = split_path(path);
        let mut parts = parts.iter();
        for segment in &self.segments {
            if segment == "**" {
                return true;
            }
            match parts.next() {
                Some(part) if segment == "*" && !part.is_empty() => {}
                Some(part) if segment == part => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// One fault rule and how many more requests it will affect.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub id: String,
    /// `None` matches every method.
    pub method: Option<Method>,
    pub path: PathPattern,
    pub count: u32,
    pub remaining: u32,
    pub kind: FaultKind,
}

const RULE_FIELDS: [&str; 4] = ["method", "path", "count", "kind"];

impl FaultRule {
    /// Parses a rule from a request body, listing every bad field.
    pub fn from_json(object: &Map<String, Value>) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        reject_unknown_fields(object, &RULE_FIELDS, "body", &mut errors);

        let method = match optional_string(object, "method", &mut errors).as_deref() {
            None | Some("*") => None,
            Some(text) => match text.to_ascii_uppercase().parse::<Method>() {
                Ok(method)
                    if [
                        Method::GET,
                        Method::POST,
                        Method::PUT,
                        Method::PATCH,
                        Method::DELETE,
                        Method::HEAD,
                        Method::OPTIONS,
                    ]
                    .contains(&method) =>
                {
                    Some(method)
                }
                _ => {
                    errors.push(FieldError {
                        field: "method".to_owned(),
                        code: "invalid_value",
                        message: format!(
                            "'{text}' is not an HTTP method. Use GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or * for any."
                        ),
                    });
                    None
                }
            },
        };
        let path = required_string(object, "path", &mut errors).and_then(|text| {
            PathPattern::parse(&text)
                .map_err(|message| {
                    errors.push(FieldError {
                        field: "path".to_owned(),
                        code: "invalid_value",
                        message,
                    });
                })
                .ok()
        });
        let count = optional_integer(object, "count", 1..=MAX_COUNT, &mut errors)
            .and_then(|count| u32::try_from(count).ok())
            .unwrap_or(1);
        let kind = FaultKind::from_json(object.get("kind"), &mut errors);

        finish(errors)?;
        match (path, kind) {
            (Some(path), Some(kind)) => Ok(Self {
                id: new_id(FAULT_PREFIX),
                method,
                path,
                count,
                remaining: count,
                kind,
            }),
            // `finish` returned early unless both parsed; this arm is only
            // reached if a parser dropped a value without reporting it.
            _ => Err(ApiError::invalid_field(
                "body",
                "invalid_value",
                "The fault rule could not be read. Send method, path, count and kind as docs/EMULATOR.md shows.".to_owned(),
            )),
        }
    }

    /// Returns the rule's JSON form.
    pub fn to_json(&self) -> Value {
        json!({
            "object": "fault",
            "id": self.id,
            "method": self.method.as_ref().map(Method::as_str),
            "path": self.path.as_str(),
            "count": self.count,
            "remaining": self.remaining,
            "kind": self.kind.to_json(),
        })
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|wanted| wanted == method) && self.path.matches(path)
    }
}

/// The active rules, in the order they were added.
#[derive(Debug, Default)]
pub struct FaultList {
    rules: Mutex<Vec<FaultRule>>,
}

impl FaultList {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn add(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Removes one rule; returns whether it existed.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|rule| rule.id != id);
        rules.len() != before
    }

    /// Uses up one request of the oldest rule that matches and returns its
    /// kind. A rule is removed when its count runs out. `/_emulator/` paths
    /// never match.
    pub fn take_match(&self, method: &Method, path: &str) -> Option<FaultKind> {
        if is_emulator_path(path) {
            return None;
        }
        let mut rules = self.lock();
        let index = rules.iter().position(|rule| rule.matches(method, path))?;
        let rule = &mut rules[index];
        rule.remaining = rule.remaining.saturating_sub(1);
        let kind = rule.kind.clone();
        if rule.remaining == 0 {
            rules.remove(index);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> Result<FaultRule, ApiError> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => FaultRule::from_json(&object),
            _ => panic!("test JSON is an object"),
        }
    }

    #[test]
    fn pattern_star_matches_one_segment() {
        let pattern = PathPattern::parse("/auth/challenges/*/verify").unwrap();
        assert!(pattern.matches("/auth/challenges/auth_challenge_01ABC/verify"));
        assert!(!pattern.matches("/auth/challenges/verify"));
        assert!(!pattern.matches("/auth/challenges/a/b/verify"));
        assert!(!pattern.matches("/auth/challenges/a/verify/extra"));
    }

    #[test]
    fn pattern_double_star_matches_rest() {
        let pattern = PathPattern::parse("/auth/**").unwrap();
        assert!(pattern.matches("/auth/factors/enroll"));
        assert!(pattern.matches("/auth"));
        assert!(!pattern.matches("/user_management/users/user_01A/auth_factors"));
        assert!(PathPattern::parse("/auth/**/verify").is_err());
    }

    #[test]
    fn pattern_cannot_reach_emulator_paths() {
        assert!(PathPattern::parse("/_emulator/clock").is_err());
        assert!(PathPattern::parse("/**").is_err());
        assert!(PathPattern::parse("auth/factors").is_err());
        let list = FaultList::default();
        list.add(rule(r#"{"path": "/auth/**", "kind": {"type": "drop_connection"}}"#).unwrap());
        assert_eq!(list.take_match(&Method::GET, "/_emulator/clock"), None);
    }

    #[test]
    fn count_runs_out() {
        let list = FaultList::default();
        list.add(
            rule(
                r#"{"method": "post", "path": "/auth/factors/enroll", "count": 2,
                     "kind": {"type": "rate_limit", "retry_after_seconds": 7}}"#,
            )
            .unwrap(),
        );
        assert_eq!(list.take_match(&Method::GET, "/auth/factors/enroll"), None);
        let expected = Some(FaultKind::RateLimit {
            retry_after_seconds: 7,
        });
        assert_eq!(
            list.take_match(&Method::POST, "/auth/factors/enroll"),
            expected
        );
        assert_eq!(list.list()[0].remaining, 1);
        assert_eq!(
            list.take_match(&Method::POST, "/auth/factors/enroll"),
            expected
        );
        assert_eq!(list.take_match(&Method::POST, "/auth/factors/enroll"), None);
        assert!(list.list().is_empty());
    }

    #[test]
    fn bad_rule_lists_each_field() {
        let error = rule(
            r#"{"method": "FETCH", "path": "auth", "count": 0, "kind": {"type": "latency"}, "colour": 1}"#,
        )
        .unwrap_err();
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = error.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|entry| entry["field"].as_str())
            .collect();
        assert_eq!(
            fields,
            ["body", "method", "path", "count", "kind.milliseconds"]
        );
    }

    #[test]
    fn status_rule_round_trips() {
        let parsed =
            rule(r#"{"path": "/auth/factors/*", "kind": {"type": "status", "status": 503, "body": {"message": "down"}}}"#)
                .unwrap();
        let json = parsed.to_json();
        assert_eq!(json["method"], Value::Null);
        assert_eq!(json["count"], 1);
        assert_eq!(json["kind"]["status"], 503);
        assert_eq!(json["kind"]["body"]["message"], "down");
        assert!(
            rule(r#"{"path": "/auth/x", "kind": {"type": "status", "status": 204, "body": {}}}"#)
                .is_err()
        );
    }
}

//! One mapping from every client failure to plain words and a next action,
//! used by every tab and the log.

use crate::client::{ClientError, NetworkFailureKind};

/// Whether repeating a request is safe, which changes the advice after a
/// failure with no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// GET and DELETE: the console may repeat them.
    Repeatable,
    /// Enroll, challenge and verify: the API does not de-duplicate them, so a
    /// request that got no response may still have taken effect.
    NotRepeatable,
}

/// Describes a failure in words with what to do next.
pub fn describe(error: &ClientError, kind: RequestKind) -> String {
    let unknown = match kind {
        RequestKind::NotRepeatable => {
            " The outcome is unknown: the server may have carried out the request. Check the Factors and Challenges tabs before you try again."
        }
        RequestKind::Repeatable => " Try again when the server is reachable.",
    };
    match error {
        ClientError::Network(failure) => match failure.kind {
            NetworkFailureKind::Connect => format!(
                "Could not connect ({}). Check that the server is running and the environment's URL is right.{unknown}",
                failure.message
            ),
            NetworkFailureKind::Timeout => {
                format!("The request timed out ({}).{unknown}", failure.message)
            }
            NetworkFailureKind::Other => describe_other_network(&failure.message, unknown),
        },
        ClientError::Api {
            status,
            code,
            message,
            request_id,
            retry_after,
        } => {
            let request = request_id
                .as_deref()
                .map(|id| format!(" Request ID {id}."))
                .unwrap_or_default();
            match status {
                401 => format!(
                    "The API key was rejected (401). Check that the key belongs to this environment.{request}"
                ),
                403 => format!("Forbidden (403): the key may not perform this operation.{request}"),
                404 => format!(
                    "Not found (404): {message} The factor or challenge no longer exists; refresh the list.{request}"
                ),
                422 => format!(
                    "The API rejected the request (422 {}): {message}{request}",
                    code.as_deref().unwrap_or("unprocessable")
                ),
                429 => match retry_after {
                    Some(wait) => format!(
                        "Rate limited (429): wait {} s before the next request.{request}",
                        wait.as_secs()
                    ),
                    None => format!(
                        "Rate limited (429): wait a moment before the next request.{request}"
                    ),
                },
                500..=599 => {
                    format!("The server failed ({status}): {message}. Try again later.{request}")
                }
                _ => format!(
                    "The API returned {status} {}: {message}{request}",
                    code.as_deref().unwrap_or("")
                ),
            }
        }
        ClientError::Decode(detail) => format!(
            "The response could not be read ({detail}). The server may not be a WorkOS API.{unknown}"
        ),
        ClientError::Setup(detail) => {
            format!("The request could not be built: {detail}. Check the API key and base URL.")
        }
    }
}

fn describe_other_network(message: &str, unknown: &str) -> String {
    let lower = message.to_lowercase();
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        format!(
            "The TLS connection failed ({message}). The server's certificate is not trusted; an inspecting proxy with its own certificate authority may be the cause.{unknown}"
        )
    } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("lookup") {
        format!(
            "The host name could not be resolved ({message}). Check the URL and your network.{unknown}"
        )
    } else {
        format!("The request failed ({message}).{unknown}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::NetworkFailure;

    fn api(status: u16, code: Option<&str>) -> ClientError {
        ClientError::Api {
            status,
            code: code.map(str::to_owned),
            message: "message".to_owned(),
            request_id: Some("req_1".to_owned()),
            retry_after: Some(std::time::Duration::from_secs(7)),
        }
    }

    #[test]
    fn statuses_have_next_actions() {
        assert!(describe(&api(401, None), RequestKind::Repeatable).contains("rejected"));
        assert!(describe(&api(404, None), RequestKind::Repeatable).contains("refresh"));
        assert!(
            describe(
                &api(422, Some("invalid_phone_number")),
                RequestKind::NotRepeatable
            )
            .contains("invalid_phone_number")
        );
        assert!(describe(&api(429, None), RequestKind::Repeatable).contains("wait 7 s"));
        assert!(describe(&api(503, None), RequestKind::Repeatable).contains("req_1"));
    }

    #[test]
    fn lost_response_is_unknown_outcome() {
        let error = ClientError::Network(NetworkFailure {
            kind: NetworkFailureKind::Timeout,
            message: "operation timed out".to_owned(),
        });
        assert!(describe(&error, RequestKind::NotRepeatable).contains("outcome is unknown"));
        assert!(!describe(&error, RequestKind::Repeatable).contains("outcome is unknown"));
    }

    #[test]
    fn tls_failure_names_proxy() {
        let error = ClientError::Network(NetworkFailure {
            kind: NetworkFailureKind::Other,
            message: "invalid peer certificate: UnknownIssuer".to_owned(),
        });
        assert!(describe(&error, RequestKind::Repeatable).contains("inspecting proxy"));
    }
}

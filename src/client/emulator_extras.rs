//! Calls to endpoints only the built-in emulator has, under `/_emulator/`.
//! They go through the same observing transport, so they appear in the log.

use workos::SecretString;
use workos::transport::HttpRequest;

use super::{ClientError, MfaClient, NetworkFailure, NetworkFailureKind, map_error};
use crate::redact;

/// An SMS the emulator "sent", with the phone number masked on arrival.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub masked_phone: String,
    /// The message text with the code replaced by dots.
    pub masked_message: String,
    pub code: SecretString,
    pub challenge_id: String,
    pub sent_at: String,
}

#[derive(serde::Deserialize)]
struct OutboxList {
    data: Vec<OutboxEntry>,
}

#[derive(serde::Deserialize)]
struct OutboxEntry {
    phone_number: String,
    message: String,
    code: String,
    challenge_id: String,
    sent_at: String,
}

impl MfaClient {
    /// Reads the emulator's SMS outbox, oldest first.
    pub async fn sms_outbox(&self) -> Result<Vec<OutboxMessage>, ClientError> {
        let request = HttpRequest {
            method: http::Method::GET,
            url: format!("{}/_emulator/sms_outbox", self.sdk.base_url()),
            headers: self.sdk.default_headers().clone(),
            body: None,
        };
        let response = self
            .sdk
            .transport()
            .execute(request)
            .await
            .map_err(|error| map_error(workos::Error::Network(error)))?;
        let status = response.status.as_u16();
        if !(200..300).contains(&status) {
            return Err(ClientError::Api {
                status,
                code: None,
                message: redact::mask_digit_runs(&String::from_utf8_lossy(&response.body)),
                request_id: None,
                retry_after: None,
            });
        }
        let list: OutboxList = serde_json::from_slice(&response.body).map_err(|error| {
            ClientError::Network(NetworkFailure {
                kind: NetworkFailureKind::Other,
                message: format!(
                    "The outbox response is not the expected JSON (line {}, column {}).",
                    error.line(),
                    error.column()
                ),
            })
        })?;
        Ok(list
            .data
            .into_iter()
            .map(|entry| OutboxMessage {
                masked_phone: redact::mask_phone(&entry.phone_number),
                masked_message: if entry.code.is_empty() {
                    entry.message
                } else {
                    entry
                        .message
                        .replace(&entry.code, &"•".repeat(entry.code.chars().count()))
                },
                code: SecretString::new(entry.code),
                challenge_id: entry.challenge_id,
                sent_at: entry.sent_at,
            })
            .collect())
    }
}

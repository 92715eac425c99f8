//! The console's own types for API results and failures.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use workos::SecretString;

use crate::activity::ActivityRecord;
use crate::redact;

/// Destination of requests: environment, base URL and API key.
#[derive(Clone)]
pub struct Target {
    /// Environment name, shown in the log panel.
    pub environment: String,
    /// Base URL without a trailing slash, for example `https://api.workos.com`.
    pub base_url: String,
    pub api_key: SecretString,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("api_key", &redact::mask_api_key(self.api_key.expose()))
            .finish()
    }
}

/// Receives one record per HTTP exchange.
pub type ActivitySink = Arc<dyn Fn(ActivityRecord) + Send + Sync>;

/// Failure of an API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The API returned a non-2xx status.
    #[error("{status} {code}: {message}", code = code.as_deref().unwrap_or("error"))]
    Api {
        status: u16,
        /// WorkOS error code such as `authentication_challenge_expired`.
        code: Option<String>,
        /// The API's message, with digit runs masked.
        message: String,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    },
    /// No usable response arrived.
    #[error("{0}")]
    Network(NetworkFailure),
    /// A 2xx response whose body is not the expected JSON.
    #[error("The response could not be read: {0}")]
    Decode(String),
    /// The client could not be built, for example from an API key with
    /// characters that are not allowed in a header.
    #[error("The request could not be built: {0}")]
    Setup(String),
}

impl ClientError {
    /// Returns the WorkOS error code, if the API sent one.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Returns the HTTP status, if a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A transport failure, with its category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NetworkFailure {
    pub kind: NetworkFailureKind,
    pub message: String,
}

/// Category of a transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFailureKind {
    Connect,
    Timeout,
    Other,
}

/// A factor as returned by enrollment.
#[derive(Debug, Clone)]
pub struct EnrolledFactor {
    pub id: String,
    pub created_at: String,
    pub kind: EnrolledKind,
}

/// The type-specific part of an enrolled factor.
#[derive(Debug, Clone)]
pub enum EnrolledKind {
    Totp(TotpEnrollment),
    /// The number, masked.
    Sms {
        masked_phone: String,
    },
    GenericOtp,
}

/// Enrollment secrets of a TOTP factor. They are returned once and never stored
/// by the console.
#[derive(Debug, Clone)]
pub struct TotpEnrollment {
    pub issuer: String,
    pub user: String,
    /// Base32 secret for manual entry.
    pub secret: SecretString,
    /// `data:image/png;base64,...` QR code of `uri`.
    pub qr_code: SecretString,
    /// The `otpauth://` URI.
    pub uri: SecretString,
}

/// A factor as returned by get and list, without secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorInfo {
    pub id: String,
    /// `totp`, `sms` or `generic_otp`.
    pub factor_type: String,
    pub user_id: Option<String>,
    pub issuer: Option<String>,
    pub totp_user: Option<String>,
    pub masked_phone: Option<String>,
    pub created_at: String,
}

impl FactorInfo {
    pub(super) fn from_sdk(factor: workos::AuthenticationFactor) -> Self {
        Self {
            id: factor.id,
            factor_type: factor.type_.as_str().to_owned(),
            user_id: factor.user_id,
            issuer: factor.totp.as_ref().map(|totp| totp.issuer.clone()),
            totp_user: factor.totp.map(|totp| totp.user),
            masked_phone: factor.sms.map(|sms| redact::mask_phone(&sms.phone_number)),
            created_at: factor.created_at,
        }
    }
}

/// Result of a connection test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionCheck {
    /// The server responded and accepted the key.
    KeyAccepted,
    /// The server returned 401: the key is wrong for this environment.
    KeyRejected,
}

/// A challenge as returned by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeInfo {
    pub id: String,
    pub factor_id: String,
    pub created_at: String,
    /// `None` when the API sent no `expires_at`.
    pub expires_at: Option<OffsetDateTime>,
}

/// The result of a verify call that the API accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub valid: bool,
    pub challenge: ChallengeInfo,
}

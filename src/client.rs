//! The WorkOS MFA client: the official `workos` crate over the project's own
//! observing transport.
//!
//! The transport is built on reqwest 0.13 (rustls with the platform verifier),
//! so there is one HTTP stack, and it reports every exchange to the log panel
//! through a sink. Results are turned into the console's own types here, and API
//! error messages are passed through [`redact::mask_digit_runs`] because the API
//! repeats a rejected phone number in its message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use workos::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};
use workos::{AuthenticationFactorsCreateRequestType as EnrollType, SecretString};

use crate::activity::{ActivityRecord, Exchange};
use crate::redact;
use crate::validate::{OtpCode, PhoneNumber, TotpLabel};

/// Default time-out for one request, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

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

    fn for_base_url(&self, base_url: &str) -> reqwest::Client {
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
struct ObservingTransport {
    http: reqwest::Client,
    environment: String,
    sink: ActivitySink,
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
fn error_chain(error: &dyn std::error::Error) -> String {
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

/// Builds an official SDK client for `target` on the observing transport.
/// GET and DELETE are retried by the SDK (at most twice, on 429 and 5xx);
/// enroll, challenge and verify are POSTs and are sent once.
pub fn sdk_client(
    target: &Target,
    http: &HttpClients,
    sink: ActivitySink,
) -> Result<workos::Client, ClientError> {
    let transport = ObservingTransport {
        http: http.for_base_url(&target.base_url),
        environment: target.environment.clone(),
        sink,
    };
    workos::Client::builder()
        .api_key(target.api_key.expose())
        .base_url(target.base_url.trim_end_matches('/'))
        .max_retries(2)
        .transport(Arc::new(transport))
        .try_build()
        .map_err(|error| ClientError::Setup(redact::mask_digit_runs(&error.to_string())))
}

/// A WorkOS MFA client bound to one target.
pub struct MfaClient {
    sdk: workos::Client,
}

impl MfaClient {
    /// Builds a client for `target` that reports exchanges to `sink`.
    pub fn new(
        target: &Target,
        http: &HttpClients,
        sink: ActivitySink,
    ) -> Result<Self, ClientError> {
        Ok(Self {
            sdk: sdk_client(target, http, sink)?,
        })
    }

    /// Enrolls a TOTP factor.
    pub async fn enroll_totp(
        &self,
        issuer: &TotpLabel,
        user: &TotpLabel,
    ) -> Result<EnrolledFactor, ClientError> {
        self.enroll(workos::AuthenticationFactorsCreateRequest {
            type_: EnrollType::Totp,
            phone_number: None,
            totp_issuer: Some(issuer.as_str().to_owned()),
            totp_user: Some(user.as_str().to_owned()),
            user_id: None,
        })
        .await
    }

    /// Enrolls an SMS factor.
    pub async fn enroll_sms(&self, phone: &PhoneNumber) -> Result<EnrolledFactor, ClientError> {
        self.enroll(workos::AuthenticationFactorsCreateRequest {
            type_: EnrollType::Sms,
            phone_number: Some(phone.expose().to_owned()),
            totp_issuer: None,
            totp_user: None,
            user_id: None,
        })
        .await
    }

    async fn enroll(
        &self,
        body: workos::AuthenticationFactorsCreateRequest,
    ) -> Result<EnrolledFactor, ClientError> {
        let factor = self
            .sdk
            .multi_factor_auth()
            .enroll_factor(workos::multi_factor_auth::EnrollFactorParams::new(body))
            .await
            .map_err(map_error)?;
        let kind = if let Some(totp) = factor.totp {
            EnrolledKind::Totp(TotpEnrollment {
                issuer: totp.issuer,
                user: totp.user,
                secret: totp.secret,
                qr_code: totp.qr_code,
                uri: totp.uri,
            })
        } else if let Some(sms) = factor.sms {
            EnrolledKind::Sms {
                masked_phone: redact::mask_phone(&sms.phone_number),
            }
        } else {
            EnrolledKind::GenericOtp
        };
        Ok(EnrolledFactor {
            id: factor.id,
            created_at: factor.created_at,
            kind,
        })
    }

    /// Creates a challenge for a factor. `sms_template` must contain `{{code}}`.
    pub async fn challenge(
        &self,
        factor_id: &str,
        sms_template: Option<String>,
    ) -> Result<ChallengeInfo, ClientError> {
        let challenge = self
            .sdk
            .multi_factor_auth()
            .challenge_factor(
                factor_id,
                workos::multi_factor_auth::ChallengeFactorParams::new(
                    workos::ChallengeAuthenticationFactor { sms_template },
                ),
            )
            .await
            .map_err(map_error)?;
        Ok(challenge_info(challenge))
    }

    /// Verifies a code against a challenge.
    pub async fn verify(
        &self,
        challenge_id: &str,
        code: &OtpCode,
    ) -> Result<Verification, ClientError> {
        let response = self
            .sdk
            .multi_factor_auth()
            .verify_challenge(
                challenge_id,
                workos::multi_factor_auth::VerifyChallengeParams::new(
                    workos::AuthenticationChallengesVerifyRequest {
                        code: SecretString::new(code.expose()),
                    },
                ),
            )
            .await
            .map_err(map_error)?;
        Ok(Verification {
            valid: response.valid,
            challenge: challenge_info(response.challenge),
        })
    }
}

fn challenge_info(challenge: workos::AuthenticationChallenge) -> ChallengeInfo {
    ChallengeInfo {
        expires_at: challenge
            .expires_at
            .as_deref()
            .and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok()),
        id: challenge.id,
        factor_id: challenge.authentication_factor_id,
        created_at: challenge.created_at,
    }
}

fn map_error(error: workos::Error) -> ClientError {
    match error {
        workos::Error::Api(api) => ClientError::Api {
            status: api.status,
            code: api.code,
            message: redact::mask_digit_runs(&api.message),
            request_id: api.request_id,
            retry_after: api.retry_after,
        },
        workos::Error::Network(transport) => {
            let kind = match transport.kind {
                workos::transport::TransportErrorKind::Connect => NetworkFailureKind::Connect,
                workos::transport::TransportErrorKind::Timeout => NetworkFailureKind::Timeout,
                workos::transport::TransportErrorKind::Other => NetworkFailureKind::Other,
            };
            ClientError::Network(NetworkFailure {
                kind,
                message: redact::mask_digit_runs(&error_chain(&*transport.source)),
            })
        }
        // serde_json's message can quote a value from the body, which may be a
        // secret, so only the category and position are kept.
        workos::Error::Decode(decode) => ClientError::Decode(format!(
            "{} at line {}, column {}",
            match decode.classify() {
                serde_json::error::Category::Io => "read error",
                serde_json::error::Category::Syntax => "malformed JSON",
                serde_json::error::Category::Data => "unexpected JSON shape",
                serde_json::error::Category::Eof => "truncated JSON",
            },
            decode.line(),
            decode.column()
        )),
        other => ClientError::Setup(redact::mask_digit_runs(&other.to_string())),
    }
}

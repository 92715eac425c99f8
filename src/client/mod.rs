//! The WorkOS MFA client: the official `workos` crate over the project's own
//! observing transport.
//!
//! The transport is built on reqwest 0.13 (rustls with the platform verifier),
//! so there is one HTTP stack, and it reports every exchange to the log panel
//! through a sink. Results are turned into the console's own types here. API
//! error messages pass through [`redact::mask_digit_runs`] because the API
//! repeats a rejected phone number in its message.

mod emulator_extras;
mod transport;
mod types;

use std::sync::Arc;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use workos::{AuthenticationFactorsCreateRequestType as EnrollType, SecretString};

use crate::redact;
use crate::validate::{OtpCode, PhoneNumber, TotpLabel};

pub use self::emulator_extras::OutboxMessage;
pub use self::transport::{
    DEFAULT_TIMEOUT, HttpClients, MAX_RESPONSE_BYTES, MAX_RETRIES, MAX_RETRY_WAIT,
};
use self::transport::{ObservingTransport, error_chain};
pub use self::types::*;

/// Builds an official SDK client for `target` on the observing transport.
/// The SDK's own retries are off: the observing transport retries GET and
/// DELETE (see [`MAX_RETRIES`]) and sends every POST once.
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
        .max_retries(0)
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
        Ok(enrolled_factor(factor))
    }

    /// Enrolls a TOTP factor for a WorkOS user through the User Management
    /// API, which also returns a first challenge.
    pub async fn enroll_user_totp(
        &self,
        user_id: &str,
        issuer: &TotpLabel,
        user: &TotpLabel,
    ) -> Result<(EnrolledFactor, ChallengeInfo), ClientError> {
        let response = self
            .sdk
            .multi_factor_auth()
            .create_user_auth_factor(
                user_id,
                workos::multi_factor_auth::CreateUserAuthFactorParams::new(
                    workos::EnrollUserAuthenticationFactor {
                        type_: "totp".to_owned(),
                        totp_issuer: Some(issuer.as_str().to_owned()),
                        totp_user: Some(user.as_str().to_owned()),
                        totp_secret: None,
                    },
                ),
            )
            .await
            .map_err(map_error)?;
        Ok((
            enrolled_factor(response.authentication_factor),
            challenge_info(response.authentication_challenge),
        ))
    }

    /// Reads a factor.
    pub async fn get_factor(&self, factor_id: &str) -> Result<FactorInfo, ClientError> {
        let factor = self
            .sdk
            .multi_factor_auth()
            .get_factor(factor_id)
            .await
            .map_err(map_error)?;
        Ok(FactorInfo::from_sdk(factor))
    }

    /// Deletes a factor.
    pub async fn delete_factor(&self, factor_id: &str) -> Result<(), ClientError> {
        self.sdk
            .multi_factor_auth()
            .delete_factor(factor_id)
            .await
            .map_err(map_error)
    }

    /// Lists all of a WorkOS user's factors, following the `after` cursor
    /// through every page.
    pub async fn list_user_factors(&self, user_id: &str) -> Result<Vec<FactorInfo>, ClientError> {
        let mut factors = Vec::new();
        let mut after = None;
        loop {
            let params = workos::multi_factor_auth::ListUserAuthFactorsParams {
                after: after.clone(),
                limit: Some(100),
                ..Default::default()
            };
            let page = self
                .sdk
                .multi_factor_auth()
                .list_user_auth_factors(user_id, params)
                .await
                .map_err(map_error)?;
            let received = page.data.len();
            factors.extend(page.data.into_iter().map(FactorInfo::from_sdk));
            match page.list_metadata.after {
                Some(cursor) if received > 0 && after.as_ref() != Some(&cursor) => {
                    after = Some(cursor);
                }
                _ => return Ok(factors),
            }
        }
    }

    /// Checks that the server responds and accepts the key, by reading a
    /// factor ID that can't exist: 404 means the key was accepted.
    pub async fn test_connection(&self) -> Result<ConnectionCheck, ClientError> {
        match self.get_factor(PROBE_FACTOR_ID).await {
            Ok(_) => Ok(ConnectionCheck::KeyAccepted),
            Err(ClientError::Api { status: 404, .. }) => Ok(ConnectionCheck::KeyAccepted),
            Err(ClientError::Api { status: 401, .. }) => Ok(ConnectionCheck::KeyRejected),
            Err(other) => Err(other),
        }
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

/// A well-formed factor ID that no server issues, for connection tests.
const PROBE_FACTOR_ID: &str = "auth_factor_00000000000000000000000000";

fn enrolled_factor(factor: workos::AuthenticationFactorEnrolled) -> EnrolledFactor {
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
    EnrolledFactor {
        id: factor.id,
        created_at: factor.created_at,
        kind,
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

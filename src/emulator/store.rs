//! The emulator's objects and the rules that change them.
//!
//! All of it sits behind one mutex, so concurrent verifies of one challenge are
//! decided one at a time and exactly one right code can succeed.

use std::collections::HashMap;

use rand::Rng as _;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::api_error::{ApiError, FieldError};
use super::clock::format_timestamp;
use super::ids::{CHALLENGE_PREFIX, FACTOR_PREFIX, SMS_PREFIX, new_id};
use crate::totp;

/// How long a challenge stays open.
pub const CHALLENGE_LIFETIME: Duration = Duration::minutes(10);

/// A factor and its secrets.
#[derive(Debug, Clone)]
pub struct Factor {
    pub id: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub user_id: Option<String>,
    pub kind: FactorKind,
    /// The last TOTP time step that verified, for `reject_reused_codes`.
    pub last_used_step: Option<u64>,
}

/// The type-specific part of a factor.
#[derive(Debug, Clone)]
pub enum FactorKind {
    Totp {
        issuer: String,
        user: String,
        secret: String,
    },
    Sms {
        phone_number: String,
    },
    GenericOtp,
}

impl FactorKind {
    /// Checks, before a TOTP factor is stored, that its `otpauth://` URI fits
    /// in a QR code, so an enrollment never stores a factor it can't return.
    pub fn check_qr_fits(&self) -> Result<(), ApiError> {
        let FactorKind::Totp {
            issuer,
            user,
            secret,
        } = self
        else {
            return Ok(());
        };
        let uri = totp::otpauth_uri(issuer, user, secret);
        super::qr_png::check_fits(&uri).map_err(|_| {
            ApiError::invalid_request(vec![FieldError {
                field: "totp_issuer".to_owned(),
                code: "invalid_value",
                message: "totp_issuer and totp_user are too long to fit in a QR code together. Shorten them.".to_owned(),
            }])
        })
    }
}

impl Factor {
    /// Returns the API's JSON form. Enrollment responses include the TOTP
    /// secret, QR code and URI; every later response leaves them out.
    pub fn to_json(&self, with_secrets: bool) -> Result<Value, ApiError> {
        let mut value = json!({
            "object": "authentication_factor",
            "id": self.id,
            "created_at": format_timestamp(self.created_at),
            "updated_at": format_timestamp(self.updated_at),
        });
        if let Some(user_id) = &self.user_id {
            value["user_id"] = json!(user_id);
        }
        match &self.kind {
            FactorKind::Totp {
                issuer,
                user,
                secret,
            } => {
                value["type"] = json!("totp");
                let mut totp_value = json!({ "issuer": issuer, "user": user });
                if with_secrets {
                    let uri = totp::otpauth_uri(issuer, user, secret);
                    let qr_code = super::qr_png::qr_data_uri(&uri)
                        .map_err(|error| ApiError::internal(&error.to_string()))?;
                    totp_value["secret"] = json!(secret);
                    totp_value["qr_code"] = json!(qr_code);
                    totp_value["uri"] = json!(uri);
                }
                value["totp"] = totp_value;
            }
            FactorKind::Sms { phone_number } => {
                value["type"] = json!("sms");
                value["sms"] = json!({ "phone_number": phone_number });
            }
            FactorKind::GenericOtp => value["type"] = json!("generic_otp"),
        }
        Ok(value)
    }
}

/// A challenge and its progress.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: String,
    pub factor_id: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The code sent by SMS or returned for `generic_otp`; `None` for TOTP.
    pub code: Option<String>,
    /// Whether the code is returned in the challenge (only `generic_otp`).
    pub reveal_code: bool,
    pub verified: bool,
    pub failed_attempts: u32,
}

impl Challenge {
    /// Returns the API's JSON form.
    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "object": "authentication_challenge",
            "id": self.id,
            "created_at": format_timestamp(self.created_at),
            "updated_at": format_timestamp(self.updated_at),
            "expires_at": format_timestamp(self.expires_at),
            "authentication_factor_id": self.factor_id,
        });
        if self.reveal_code
            && let Some(code) = &self.code
        {
            value["code"] = json!(code);
        }
        value
    }
}

/// An SMS the emulator "sent": it lands in the outbox, where tests and the
/// console read the code.
#[derive(Debug, Clone)]
pub struct SentSms {
    pub id: String,
    pub phone_number: String,
    pub message: String,
    pub code: String,
    pub challenge_id: String,
    pub sent_at: OffsetDateTime,
}

impl SentSms {
    /// Returns the outbox's JSON form, code included.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "phone_number": self.phone_number,
            "message": self.message,
            "code": self.code,
            "challenge_id": self.challenge_id,
            "sent_at": format_timestamp(self.sent_at),
        })
    }
}

/// A User Management user. The emulator creates one on the first request
/// that names its ID, or from a seed.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    /// The default `totp_user` of the user's TOTP factors.
    pub email: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Rules the emulator applies when verifying.
#[derive(Debug, Clone, Copy)]
pub struct VerifyRules {
    /// Wrong codes allowed before a challenge locks.
    pub max_attempts: u32,
    /// Reject a TOTP code whose time step already verified on this factor.
    pub reject_reused_codes: bool,
}

/// Every object the emulator holds.
#[derive(Debug, Default)]
pub struct Store {
    pub users: HashMap<String, User>,
    pub factors: HashMap<String, Factor>,
    pub challenges: HashMap<String, Challenge>,
    /// Sent messages, oldest first.
    pub outbox: Vec<SentSms>,
}

fn random_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

impl Store {
    /// Returns the user with `id`, creating it first if needed. The caller
    /// checks that `id` is a valid user ID.
    pub fn ensure_user(&mut self, id: &str, now: OffsetDateTime) -> &User {
        self.users.entry(id.to_owned()).or_insert_with(|| User {
            id: id.to_owned(),
            email: None,
            created_at: now,
        })
    }

    /// Adds a factor, and its user if the user is new, and returns the factor.
    pub fn enroll(
        &mut self,
        kind: FactorKind,
        user_id: Option<String>,
        now: OffsetDateTime,
    ) -> Factor {
        if let Some(user_id) = &user_id {
            self.ensure_user(user_id, now);
        }
        let factor = Factor {
            id: new_id(FACTOR_PREFIX),
            created_at: now,
            updated_at: now,
            user_id,
            kind,
            last_used_step: None,
        };
        self.factors.insert(factor.id.clone(), factor.clone());
        factor
    }

    /// Returns the factors of one user, oldest first. Factors created at the
    /// same time sort by ID, which follows creation order for generated IDs.
    pub fn user_factors(&self, user_id: &str) -> Vec<&Factor> {
        let mut factors: Vec<&Factor> = self
            .factors
            .values()
            .filter(|factor| factor.user_id.as_deref() == Some(user_id))
            .collect();
        factors.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        factors
    }

    /// Returns the outbox, oldest first, optionally for one phone number.
    pub fn sent_messages(&self, phone_number: Option<&str>) -> Vec<&SentSms> {
        self.outbox
            .iter()
            .filter(|sms| phone_number.is_none_or(|number| sms.phone_number == number))
            .collect()
    }

    /// Returns a factor or the API's 404.
    pub fn factor(&self, id: &str) -> Result<&Factor, ApiError> {
        self.factors
            .get(id)
            .ok_or_else(|| ApiError::entity_not_found("Authentication Factor", id))
    }

    /// Removes a factor and its challenges.
    pub fn delete_factor(&mut self, id: &str) -> Result<(), ApiError> {
        self.factors
            .remove(id)
            .ok_or_else(|| ApiError::entity_not_found("Authentication Factor", id))?;
        self.challenges
            .retain(|_, challenge| challenge.factor_id != id);
        Ok(())
    }

    /// Creates a challenge; for SMS factors the message lands in the outbox.
    /// `sms_template` replaces the default message, with the code in place of
    /// each `{{code}}`.
    pub fn challenge(
        &mut self,
        factor_id: &str,
        sms_template: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Challenge, ApiError> {
        let factor = self.factor(factor_id)?;
        let (code, reveal_code, phone) = match &factor.kind {
            FactorKind::Totp { .. } => (None, false, None),
            FactorKind::Sms { phone_number } => {
                (Some(random_code()), false, Some(phone_number.clone()))
            }
            FactorKind::GenericOtp => (Some(random_code()), true, None),
        };
        let challenge = Challenge {
            id: new_id(CHALLENGE_PREFIX),
            factor_id: factor_id.to_owned(),
            created_at: now,
            updated_at: now,
            expires_at: now + CHALLENGE_LIFETIME,
            code,
            reveal_code,
            verified: false,
            failed_attempts: 0,
        };
        if let (Some(phone_number), Some(code)) = (phone, &challenge.code) {
            let message = match sms_template {
                Some(template) => template.replace("{{code}}", code),
                None => format!("Your verification code is {code}"),
            };
            self.outbox.push(SentSms {
                id: new_id(SMS_PREFIX),
                phone_number,
                message,
                code: code.clone(),
                challenge_id: challenge.id.clone(),
                sent_at: now,
            });
        }
        self.challenges
            .insert(challenge.id.clone(), challenge.clone());
        Ok(challenge)
    }

    /// Checks `code` against a challenge and records the outcome. Returns the
    /// updated challenge and whether the code was valid.
    pub fn verify(
        &mut self,
        challenge_id: &str,
        code: &str,
        rules: VerifyRules,
        now: OffsetDateTime,
    ) -> Result<(Challenge, bool), ApiError> {
        let challenge = self
            .challenges
            .get(challenge_id)
            .ok_or_else(|| ApiError::entity_not_found("Authentication Challenge", challenge_id))?;
        if challenge.verified {
            return Err(ApiError::unprocessable(
                "authentication_challenge_previously_verified",
                &format!(
                    "The authentication challenge '{challenge_id}' has already been verified."
                ),
            ));
        }
        if now > challenge.expires_at {
            return Err(ApiError::unprocessable(
                "authentication_challenge_expired",
                &format!("The authentication challenge '{challenge_id}' has expired."),
            ));
        }
        if challenge.failed_attempts >= rules.max_attempts {
            return Err(ApiError::too_many_attempts(challenge_id));
        }

        let factor = self.factors.get_mut(&challenge.factor_id).ok_or_else(|| {
            ApiError::entity_not_found("Authentication Factor", &challenge.factor_id)
        })?;
        let valid = match (&factor.kind, &challenge.code) {
            (FactorKind::Totp { secret, .. }, _) => {
                let unix = u64::try_from(now.unix_timestamp()).unwrap_or(0);
                match totp::matching_step(secret, code, unix) {
                    Some(step)
                        if rules.reject_reused_codes
                            && factor.last_used_step.is_some_and(|used| step <= used) =>
                    {
                        false
                    }
                    Some(step) => {
                        factor.last_used_step = Some(step);
                        true
                    }
                    None => false,
                }
            }
            (_, Some(expected)) => {
                subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into()
            }
            (_, None) => false,
        };

        let challenge = self
            .challenges
            .get_mut(challenge_id)
            .ok_or_else(|| ApiError::entity_not_found("Authentication Challenge", challenge_id))?;
        challenge.updated_at = now;
        if valid {
            challenge.verified = true;
        } else {
            challenge.failed_attempts += 1;
        }
        Ok((challenge.clone(), valid))
    }
}

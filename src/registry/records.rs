//! Values written to and read from the factor registry.
//!
//! None of these types has a field for a TOTP secret, an `otpauth://` URI, a
//! QR code, an API key, a one-time code or a full phone number, so the
//! registry cannot store one. An SMS factor carries only a [`MaskedPhone`].

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::client::{ChallengeInfo, EnrolledFactor, EnrolledKind};
use crate::redact;
use crate::session::ChallengeStatus;
use crate::validate::PhoneNumber;

use super::error::RegistryError;

/// Kind of an authentication factor, as the WorkOS API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactorType {
    Totp,
    Sms,
    GenericOtp,
}

impl FactorType {
    /// Returns the API's name for the type: `totp`, `sms` or `generic_otp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Sms => "sms",
            Self::GenericOtp => "generic_otp",
        }
    }

    /// Parses the API's name for the type.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "totp" => Some(Self::Totp),
            "sms" => Some(Self::Sms),
            "generic_otp" => Some(Self::GenericOtp),
            _ => None,
        }
    }
}

/// A phone number with all but the `+`, the first digit and the last two
/// digits replaced by `*`, as [`redact::mask_phone`] does.
///
/// The only constructor masks its input. Masking is idempotent, so an already
/// masked number passes through unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedPhone(String);

impl MaskedPhone {
    /// Masks `number`.
    pub fn new(number: &str) -> Self {
        Self(redact::mask_phone(number))
    }

    /// Returns the masked text, for example `+1********06`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&PhoneNumber> for MaskedPhone {
    fn from(number: &PhoneNumber) -> Self {
        Self::new(number.expose())
    }
}

impl fmt::Display for MaskedPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The type-specific part of a factor to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FactorDetails {
    Totp { issuer: String, user: String },
    Sms { phone: MaskedPhone },
    GenericOtp { label: String },
}

/// A factor that the API has just enrolled, ready for
/// [`Registry::record_factor`](super::Registry::record_factor).
///
/// Built only through the constructors, which take no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFactor {
    pub(super) factor_id: String,
    pub(super) environment_id: String,
    pub(super) details: FactorDetails,
    pub(super) workos_user_id: Option<String>,
    /// The API's `created_at`, as RFC 3339 text.
    pub(super) created_at: String,
}

impl NewFactor {
    /// Describes a TOTP factor by its issuer and user labels.
    pub fn totp(
        factor_id: impl Into<String>,
        environment_id: impl Into<String>,
        issuer: impl Into<String>,
        user: impl Into<String>,
        created_at: impl Into<String>,
    ) -> Self {
        Self {
            factor_id: factor_id.into(),
            environment_id: environment_id.into(),
            details: FactorDetails::Totp {
                issuer: issuer.into(),
                user: user.into(),
            },
            workos_user_id: None,
            created_at: created_at.into(),
        }
    }

    /// Describes an SMS factor. Its user label is the masked phone number.
    pub fn sms(
        factor_id: impl Into<String>,
        environment_id: impl Into<String>,
        phone: MaskedPhone,
        created_at: impl Into<String>,
    ) -> Self {
        Self {
            factor_id: factor_id.into(),
            environment_id: environment_id.into(),
            details: FactorDetails::Sms { phone },
            workos_user_id: None,
            created_at: created_at.into(),
        }
    }

    /// Describes a generic OTP factor. The API returns no label for this
    /// type, so the caller chooses `user_label`.
    pub fn generic_otp(
        factor_id: impl Into<String>,
        environment_id: impl Into<String>,
        user_label: impl Into<String>,
        created_at: impl Into<String>,
    ) -> Self {
        Self {
            factor_id: factor_id.into(),
            environment_id: environment_id.into(),
            details: FactorDetails::GenericOtp {
                label: user_label.into(),
            },
            workos_user_id: None,
            created_at: created_at.into(),
        }
    }

    /// Describes a factor from an enrollment response, copying none of its
    /// secrets. A generic OTP factor gets its factor ID as the user label.
    pub fn from_enrolled(environment_id: impl Into<String>, factor: &EnrolledFactor) -> Self {
        let environment_id = environment_id.into();
        match &factor.kind {
            EnrolledKind::Totp(totp) => Self::totp(
                &factor.id,
                environment_id,
                &totp.issuer,
                &totp.user,
                &factor.created_at,
            ),
            EnrolledKind::Sms { masked_phone } => Self::sms(
                &factor.id,
                environment_id,
                MaskedPhone::new(masked_phone),
                &factor.created_at,
            ),
            EnrolledKind::GenericOtp => {
                Self::generic_otp(&factor.id, environment_id, &factor.id, &factor.created_at)
            }
        }
    }

    /// Links the factor to a WorkOS User Management user.
    #[must_use]
    pub fn with_workos_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.workos_user_id = Some(user_id.into());
        self
    }

    /// Returns the factor ID.
    pub fn factor_id(&self) -> &str {
        &self.factor_id
    }

    pub(super) fn factor_type(&self) -> FactorType {
        match self.details {
            FactorDetails::Totp { .. } => FactorType::Totp,
            FactorDetails::Sms { .. } => FactorType::Sms,
            FactorDetails::GenericOtp { .. } => FactorType::GenericOtp,
        }
    }

    /// Returns the user label: the TOTP user, the masked phone number or the
    /// generic OTP label.
    pub(super) fn user_label(&self) -> &str {
        match &self.details {
            FactorDetails::Totp { user, .. } => user,
            FactorDetails::Sms { phone } => phone.as_str(),
            FactorDetails::GenericOtp { label } => label,
        }
    }

    pub(super) fn issuer(&self) -> Option<&str> {
        match &self.details {
            FactorDetails::Totp { issuer, .. } => Some(issuer),
            _ => None,
        }
    }

    pub(super) fn masked_phone(&self) -> Option<&str> {
        match &self.details {
            FactorDetails::Sms { phone } => Some(phone.as_str()),
            _ => None,
        }
    }
}

/// A factor as stored in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorRecord {
    pub factor_id: String,
    pub environment_id: String,
    pub factor_type: FactorType,
    /// The TOTP user, the masked phone number, or the label chosen for a
    /// generic OTP factor.
    pub user_label: String,
    /// The TOTP issuer, or `None` for other types.
    pub issuer: Option<String>,
    /// `None` for types other than SMS.
    pub masked_phone: Option<MaskedPhone>,
    pub workos_user_id: Option<String>,
    /// When the API created the factor.
    pub created_at: OffsetDateTime,
    /// When the registry stored the factor.
    pub recorded_at: OffsetDateTime,
    /// When the factor was deleted through the API, or `None` while it exists.
    pub deleted_at: Option<OffsetDateTime>,
}

/// Criteria for [`Registry::list_factors`](super::Registry::list_factors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorFilter {
    pub environment_id: String,
    /// Text to find, ignoring case, in the factor ID, user label, issuer or
    /// masked phone number. `None` or blank matches every factor.
    pub search: Option<String>,
    /// Only factors of this type; `None` for all types.
    pub factor_type: Option<FactorType>,
    /// Whether factors marked as deleted are listed too.
    pub include_deleted: bool,
}

impl FactorFilter {
    /// Matches every factor of `environment_id` that is not marked as deleted.
    pub fn environment(environment_id: impl Into<String>) -> Self {
        Self {
            environment_id: environment_id.into(),
            search: None,
            factor_type: None,
            include_deleted: false,
        }
    }
}

/// A user's settings in one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub environment_id: String,
    /// The same label as [`FactorRecord::user_label`].
    pub user_label: String,
    /// Whether the user signs in through SSO.
    pub signs_in_with_sso: bool,
    pub note: Option<String>,
}

/// A challenge that the API has just created. It is recorded as pending with
/// no wrong codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChallenge {
    pub challenge_id: String,
    pub factor_id: String,
    /// The API's `created_at`, as RFC 3339 text.
    pub created_at: String,
    pub expires_at: Option<OffsetDateTime>,
}

impl From<&ChallengeInfo> for NewChallenge {
    fn from(info: &ChallengeInfo) -> Self {
        Self {
            challenge_id: info.id.clone(),
            factor_id: info.factor_id.clone(),
            created_at: info.created_at.clone(),
            expires_at: info.expires_at,
        }
    }
}

/// A challenge as stored in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRecord {
    pub challenge_id: String,
    pub factor_id: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub status: ChallengeStatus,
    pub wrong_codes: u32,
}

/// Returns the stored name of a challenge status. It is spelled out here
/// rather than taken from the UI label, so that the UI text can change without
/// changing the file format.
pub(super) fn status_to_text(status: ChallengeStatus) -> &'static str {
    match status {
        ChallengeStatus::Pending => "pending",
        ChallengeStatus::Verified => "verified",
        ChallengeStatus::Expired => "expired",
        ChallengeStatus::Locked => "locked",
    }
}

/// Parses a stored challenge status.
pub(super) fn status_from_text(text: &str) -> Option<ChallengeStatus> {
    match text {
        "pending" => Some(ChallengeStatus::Pending),
        "verified" => Some(ChallengeStatus::Verified),
        "expired" => Some(ChallengeStatus::Expired),
        "locked" => Some(ChallengeStatus::Locked),
        _ => None,
    }
}

/// Formats a time as the registry stores it: UTC with milliseconds, the form
/// the WorkOS API uses, so stored times sort as text.
pub(super) fn format_timestamp(
    field: &'static str,
    time: OffsetDateTime,
) -> Result<String, RegistryError> {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    time.to_offset(time::UtcOffset::UTC)
        .format(format)
        .map_err(|_| RegistryError::InvalidTimestamp {
            field,
            value: time.to_string(),
        })
}

/// Checks that `text` is a non-empty RFC 3339 timestamp.
pub(super) fn check_timestamp(field: &'static str, text: &str) -> Result<(), RegistryError> {
    if text.is_empty() {
        return Err(RegistryError::EmptyField { field });
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|_| ())
        .map_err(|_| RegistryError::InvalidTimestamp {
            field,
            value: text.to_owned(),
        })
}

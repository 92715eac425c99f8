//! The JSON format of seed files and state files: users, factors with their
//! secrets, challenges and the SMS outbox.
//!
//! A seed usually lists only users and factors; a state file written by the
//! emulator lists everything. Loading checks every record before it changes
//! the store, so a bad record leaves the store as it was. Records replace
//! objects that have the same ID. Error messages name the record and field
//! but never repeat a secret, code or phone number.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::clock::{format_timestamp, parse_timestamp};
use super::ids::{CHALLENGE_PREFIX, FACTOR_PREFIX, SMS_PREFIX, USER_PREFIX, is_valid_id, new_id};
use super::store::{CHALLENGE_LIFETIME, Challenge, Factor, FactorKind, SentSms, Store, User};
use crate::redact::mask_digit_runs;
use crate::totp;
use crate::validate::PhoneNumber;

/// Format version that the emulator writes.
pub const FORMAT_VERSION: u32 = 1;

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// [`FORMAT_VERSION`] in state files; seeds may leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default)]
    pub users: Vec<UserRecord>,
    #[serde(default)]
    pub factors: Vec<FactorRecord>,
    #[serde(default)]
    pub challenges: Vec<ChallengeRecord>,
    #[serde(default)]
    pub sms_outbox: Vec<SmsRecord>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactorRecord {
    /// Generated when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `totp`, `sms` or `generic_otp`.
    #[serde(rename = "type")]
    pub factor_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<TotpRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsFactorRecord>,
    /// The last TOTP time step that verified, for `--reject-reused-codes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_step: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotpRecord {
    pub issuer: String,
    pub user: String,
    /// Base32, as returned at enrollment.
    pub secret: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsFactorRecord {
    pub phone_number: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRecord {
    pub id: String,
    pub authentication_factor_id: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Ten minutes after `created_at` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The code of an SMS or `generic_otp` challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub failed_attempts: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsRecord {
    pub id: String,
    pub phone_number: String,
    pub message: String,
    pub code: String,
    pub challenge_id: String,
    pub sent_at: String,
}

/// Reason a seed or state file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("it is not valid JSON (line {line}, column {column})")]
    Syntax { line: usize, column: usize },
    #[error("it does not match the seed format: {detail}")]
    Format { detail: String },
    #[error("{location}: {problem}")]
    Invalid { location: String, problem: String },
}

/// How many records a load added or replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LoadSummary {
    pub users: usize,
    pub factors: usize,
    pub challenges: usize,
    pub sms_outbox: usize,
}

/// Parses a seed or state file.
pub fn parse(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    serde_json::from_slice(bytes).map_err(|error| {
        if error.is_syntax() || error.is_eof() {
            SnapshotError::Syntax {
                line: error.line(),
                column: error.column(),
            }
        } else {
            SnapshotError::Format {
                detail: without_values(&error.to_string()),
            }
        }
    })
}

/// Reads a seed that arrived as parsed JSON, such as a request body.
pub fn from_value(value: serde_json::Value) -> Result<Snapshot, SnapshotError> {
    serde_json::from_value(value).map_err(|error| SnapshotError::Format {
        detail: without_values(&error.to_string()),
    })
}

/// Removes the quoted values that serde puts in its messages (such as
/// `invalid type: string "..."`) and masks long digit runs, so a message about
/// a secret or phone number in the wrong place does not repeat it.
fn without_values(message: &str) -> String {
    let mut output = String::with_capacity(message.len());
    let mut in_quotes = false;
    for ch in message.chars() {
        if ch == '"' {
            if in_quotes {
                output.push_str("…\"");
            } else {
                output.push('"');
            }
            in_quotes = !in_quotes;
        } else if !in_quotes {
            output.push(ch);
        }
    }
    mask_digit_runs(&output)
}

fn invalid(location: String, problem: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid {
        location,
        problem: problem.into(),
    }
}

/// Parses an optional timestamp field, defaulting to `default`.
fn timestamp(
    text: Option<&str>,
    location: impl Fn() -> String,
    default: OffsetDateTime,
) -> Result<OffsetDateTime, SnapshotError> {
    match text {
        None => Ok(default),
        Some(text) => parse_timestamp(text).ok_or_else(|| {
            invalid(
                location(),
                format!("'{text}' is not an RFC 3339 timestamp such as 2026-01-15T12:00:00.000Z"),
            )
        }),
    }
}

fn check_id(prefix: &str, id: &str, location: impl Fn() -> String) -> Result<(), SnapshotError> {
    if is_valid_id(prefix, id) {
        Ok(())
    } else {
        Err(invalid(
            location(),
            format!("'{id}' is not a valid ID; use '{prefix}' followed by letters and digits"),
        ))
    }
}

fn check_phone(number: &str, location: String) -> Result<(), SnapshotError> {
    PhoneNumber::parse(number)
        .map(drop)
        .map_err(|error| invalid(location, error.to_string()))
}

fn check_unique(
    seen: &mut HashSet<String>,
    id: &str,
    location: impl Fn() -> String,
) -> Result<(), SnapshotError> {
    if seen.insert(id.to_owned()) {
        Ok(())
    } else {
        Err(invalid(
            location(),
            format!("'{id}' appears more than once"),
        ))
    }
}

fn user_from_record(
    index: usize,
    record: UserRecord,
    now: OffsetDateTime,
) -> Result<User, SnapshotError> {
    let at = |field: &str| format!("users[{index}].{field}");
    check_id(USER_PREFIX, &record.id, || at("id"))?;
    Ok(User {
        created_at: timestamp(record.created_at.as_deref(), || at("created_at"), now)?,
        id: record.id,
        email: record.email,
    })
}

fn factor_kind_from_record(
    index: usize,
    record: &mut FactorRecord,
) -> Result<FactorKind, SnapshotError> {
    let at = |field: &str| format!("factors[{index}].{field}");
    let totp = record.totp.take();
    let sms = record.sms.take();
    match (record.factor_type.as_str(), totp, sms) {
        ("totp", Some(totp), None) => {
            if totp.issuer.trim().is_empty() {
                return Err(invalid(at("totp.issuer"), "the issuer must not be blank"));
            }
            if totp.user.trim().is_empty() {
                return Err(invalid(at("totp.user"), "the user must not be blank"));
            }
            let secret = totp::normalize_secret(&totp.secret)
                .map_err(|error| invalid(at("totp.secret"), error.to_string()))?;
            Ok(FactorKind::Totp {
                issuer: totp.issuer,
                user: totp.user,
                secret,
            })
        }
        ("sms", None, Some(sms)) => {
            check_phone(&sms.phone_number, at("sms.phone_number"))?;
            Ok(FactorKind::Sms {
                phone_number: sms.phone_number,
            })
        }
        ("generic_otp", None, None) => Ok(FactorKind::GenericOtp),
        ("totp" | "sms" | "generic_otp", _, _) => Err(invalid(
            format!("factors[{index}]"),
            "a totp factor needs a totp object {issuer, user, secret}, an sms factor needs an sms object {phone_number}, and a generic_otp factor takes neither",
        )),
        (other, _, _) => Err(invalid(
            at("type"),
            format!("'{other}' is not a factor type; use totp, sms or generic_otp"),
        )),
    }
}

fn factor_from_record(
    index: usize,
    mut record: FactorRecord,
    now: OffsetDateTime,
) -> Result<Factor, SnapshotError> {
    let at = |field: &str| format!("factors[{index}].{field}");
    let id = match record.id.take() {
        Some(id) => {
            check_id(FACTOR_PREFIX, &id, || at("id"))?;
            id
        }
        None => new_id(FACTOR_PREFIX),
    };
    if let Some(user_id) = &record.user_id {
        check_id(USER_PREFIX, user_id, || at("user_id"))?;
    }
    let kind = factor_kind_from_record(index, &mut record)?;
    let created_at = timestamp(record.created_at.as_deref(), || at("created_at"), now)?;
    Ok(Factor {
        id,
        updated_at: timestamp(
            record.updated_at.as_deref(),
            || at("updated_at"),
            created_at,
        )?,
        created_at,
        user_id: record.user_id,
        last_used_step: record.last_used_step,
        kind,
    })
}

fn challenge_from_record(
    index: usize,
    record: ChallengeRecord,
    factor: &Factor,
) -> Result<Challenge, SnapshotError> {
    let at = |field: &str| format!("challenges[{index}].{field}");
    check_id(CHALLENGE_PREFIX, &record.id, || at("id"))?;
    let needs_code = !matches!(factor.kind, FactorKind::Totp { .. });
    match (&record.code, needs_code) {
        (Some(code), true) if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) => {}
        (_, true) => {
            return Err(invalid(
                at("code"),
                "an sms or generic_otp challenge needs its 6-digit code",
            ));
        }
        (Some(_), false) => {
            return Err(invalid(at("code"), "a totp challenge has no code"));
        }
        (None, false) => {}
    }
    let created_at = parse_timestamp(&record.created_at).ok_or_else(|| {
        invalid(
            at("created_at"),
            format!(
                "'{}' is not an RFC 3339 timestamp such as 2026-01-15T12:00:00.000Z",
                record.created_at
            ),
        )
    })?;
    Ok(Challenge {
        updated_at: timestamp(
            record.updated_at.as_deref(),
            || at("updated_at"),
            created_at,
        )?,
        expires_at: timestamp(
            record.expires_at.as_deref(),
            || at("expires_at"),
            created_at + CHALLENGE_LIFETIME,
        )?,
        id: record.id,
        factor_id: record.authentication_factor_id,
        created_at,
        reveal_code: matches!(factor.kind, FactorKind::GenericOtp),
        code: record.code,
        verified: record.verified,
        failed_attempts: record.failed_attempts,
    })
}

fn sms_from_record(index: usize, record: SmsRecord) -> Result<SentSms, SnapshotError> {
    let at = |field: &str| format!("sms_outbox[{index}].{field}");
    check_id(SMS_PREFIX, &record.id, || at("id"))?;
    check_phone(&record.phone_number, at("phone_number"))?;
    let sent_at = parse_timestamp(&record.sent_at).ok_or_else(|| {
        invalid(
            at("sent_at"),
            format!(
                "'{}' is not an RFC 3339 timestamp such as 2026-01-15T12:00:00.000Z",
                record.sent_at
            ),
        )
    })?;
    Ok(SentSms {
        id: record.id,
        phone_number: record.phone_number,
        message: record.message,
        code: record.code,
        challenge_id: record.challenge_id,
        sent_at,
    })
}

impl Store {
    /// Checks every record of `snapshot` and then adds them, replacing objects
    /// with the same ID. On an error the store is unchanged. Users named by a
    /// factor's `user_id` are created when missing.
    pub fn load_snapshot(
        &mut self,
        snapshot: Snapshot,
        now: OffsetDateTime,
    ) -> Result<LoadSummary, SnapshotError> {
        if let Some(version) = snapshot
            .version
            .filter(|&version| version != FORMAT_VERSION)
        {
            return Err(invalid(
                "version".to_owned(),
                format!(
                    "version {version} is not supported; this emulator reads version {FORMAT_VERSION}"
                ),
            ));
        }

        let mut seen = HashSet::new();
        let mut users = Vec::with_capacity(snapshot.users.len());
        for (index, record) in snapshot.users.into_iter().enumerate() {
            let user = user_from_record(index, record, now)?;
            check_unique(&mut seen, &user.id, || format!("users[{index}].id"))?;
            users.push(user);
        }
        let mut factors = Vec::with_capacity(snapshot.factors.len());
        for (index, record) in snapshot.factors.into_iter().enumerate() {
            let factor = factor_from_record(index, record, now)?;
            check_unique(&mut seen, &factor.id, || format!("factors[{index}].id"))?;
            factors.push(factor);
        }
        let mut challenges = Vec::with_capacity(snapshot.challenges.len());
        for (index, record) in snapshot.challenges.into_iter().enumerate() {
            let factor_id = &record.authentication_factor_id;
            let factor = factors
                .iter()
                .find(|factor| &factor.id == factor_id)
                .or_else(|| self.factors.get(factor_id))
                .ok_or_else(|| {
                    invalid(
                        format!("challenges[{index}].authentication_factor_id"),
                        format!("'{factor_id}' is not a factor in this file or the emulator"),
                    )
                })?;
            let challenge = challenge_from_record(index, record, factor)?;
            check_unique(&mut seen, &challenge.id, || {
                format!("challenges[{index}].id")
            })?;
            challenges.push(challenge);
        }
        let mut messages = Vec::with_capacity(snapshot.sms_outbox.len());
        for (index, record) in snapshot.sms_outbox.into_iter().enumerate() {
            let sms = sms_from_record(index, record)?;
            check_unique(&mut seen, &sms.id, || format!("sms_outbox[{index}].id"))?;
            messages.push(sms);
        }

        let summary = LoadSummary {
            users: users.len(),
            factors: factors.len(),
            challenges: challenges.len(),
            sms_outbox: messages.len(),
        };
        for user in users {
            self.users.insert(user.id.clone(), user);
        }
        for factor in factors {
            if let Some(user_id) = &factor.user_id {
                self.ensure_user(user_id, factor.created_at);
            }
            self.factors.insert(factor.id.clone(), factor);
        }
        for challenge in challenges {
            self.challenges.insert(challenge.id.clone(), challenge);
        }
        self.outbox
            .retain(|sms| !messages.iter().any(|new| new.id == sms.id));
        self.outbox.extend(messages);
        self.outbox
            .sort_by(|a, b| (a.sent_at, &a.id).cmp(&(b.sent_at, &b.id)));
        Ok(summary)
    }

    /// Returns everything the store holds, secrets included, in a stable order.
    pub fn to_snapshot(&self) -> Snapshot {
        let mut users: Vec<&User> = self.users.values().collect();
        users.sort_by(|a, b| a.id.cmp(&b.id));
        let mut factors: Vec<&Factor> = self.factors.values().collect();
        factors.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let mut challenges: Vec<&Challenge> = self.challenges.values().collect();
        challenges.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));

        Snapshot {
            version: Some(FORMAT_VERSION),
            users: users.into_iter().map(user_record).collect(),
            factors: factors.into_iter().map(factor_record).collect(),
            challenges: challenges.into_iter().map(challenge_record).collect(),
            sms_outbox: self.outbox.iter().map(sms_record).collect(),
        }
    }
}

fn user_record(user: &User) -> UserRecord {
    UserRecord {
        id: user.id.clone(),
        email: user.email.clone(),
        created_at: Some(format_timestamp(user.created_at)),
    }
}

fn factor_record(factor: &Factor) -> FactorRecord {
    let (factor_type, totp, sms) = match &factor.kind {
        FactorKind::Totp {
            issuer,
            user,
            secret,
        } => (
            "totp",
            Some(TotpRecord {
                issuer: issuer.clone(),
                user: user.clone(),
                secret: secret.clone(),
            }),
            None,
        ),
        FactorKind::Sms { phone_number } => (
            "sms",
            None,
            Some(SmsFactorRecord {
                phone_number: phone_number.clone(),
            }),
        ),
        FactorKind::GenericOtp => ("generic_otp", None, None),
    };
    FactorRecord {
        id: Some(factor.id.clone()),
        factor_type: factor_type.to_owned(),
        user_id: factor.user_id.clone(),
        created_at: Some(format_timestamp(factor.created_at)),
        updated_at: Some(format_timestamp(factor.updated_at)),
        totp,
        sms,
        last_used_step: factor.last_used_step,
    }
}

fn challenge_record(challenge: &Challenge) -> ChallengeRecord {
    ChallengeRecord {
        id: challenge.id.clone(),
        authentication_factor_id: challenge.factor_id.clone(),
        created_at: format_timestamp(challenge.created_at),
        updated_at: Some(format_timestamp(challenge.updated_at)),
        expires_at: Some(format_timestamp(challenge.expires_at)),
        code: challenge.code.clone(),
        verified: challenge.verified,
        failed_attempts: challenge.failed_attempts,
    }
}

fn sms_record(sms: &SentSms) -> SmsRecord {
    SmsRecord {
        id: sms.id.clone(),
        phone_number: sms.phone_number.clone(),
        message: sms.message.clone(),
        code: sms.code.clone(),
        challenge_id: sms.challenge_id.clone(),
        sent_at: format_timestamp(sms.sent_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"{
        "users": [{"id": "user_01SEED", "email": "ada@example.com"}],
        "factors": [
            {"id": "auth_factor_01SEEDTOTP", "type": "totp", "user_id": "user_01SEED",
             "totp": {"issuer": "Acme", "user": "ada@example.com", "secret": "jbswy3dpehpk3pxp"}},
            {"type": "sms", "sms": {"phone_number": "+15005550006"}},
            {"type": "generic_otp", "user_id": "user_01OTHER"}
        ]
    }"#;

    fn load(text: &str) -> Result<(Store, LoadSummary), SnapshotError> {
        let mut store = Store::default();
        let summary = store.load_snapshot(parse(text.as_bytes())?, OffsetDateTime::now_utc())?;
        Ok((store, summary))
    }

    #[test]
    fn seed_loads_users_and_factors() {
        let (store, summary) = load(SEED).unwrap();
        assert_eq!(summary.users, 1);
        assert_eq!(summary.factors, 3);
        assert_eq!(store.users.len(), 2, "user_01OTHER is created on first use");
        let factor = &store.factors["auth_factor_01SEEDTOTP"];
        assert!(matches!(
            &factor.kind,
            FactorKind::Totp { secret, .. } if secret == "JBSWY3DPEHPK3PXP"
        ));
    }

    #[test]
    fn round_trip_keeps_everything() {
        let (mut store, _) = load(SEED).unwrap();
        let sms_factor = store
            .factors
            .values()
            .find(|factor| matches!(factor.kind, FactorKind::Sms { .. }))
            .map(|factor| factor.id.clone())
            .unwrap();
        let now = OffsetDateTime::now_utc();
        store.challenge(&sms_factor, None, now).unwrap();

        let text = serde_json::to_string(&store.to_snapshot()).unwrap();
        let (copy, summary) = load(&text).unwrap();
        assert_eq!(summary.challenges, 1);
        assert_eq!(summary.sms_outbox, 1);
        assert_eq!(copy.factors.len(), store.factors.len());
        assert_eq!(copy.outbox[0].code, store.outbox[0].code);
        assert_eq!(
            serde_json::to_string(&copy.to_snapshot()).unwrap(),
            text,
            "a second round trip changes nothing"
        );
    }

    #[test]
    fn bad_secret_names_field_without_value() {
        let text = SEED.replace("jbswy3dpehpk3pxp", "not-base32-secret");
        let error = load(&text).unwrap_err().to_string();
        assert!(error.starts_with("factors[0].totp.secret:"), "{error}");
        assert!(!error.contains("not-base32-secret"), "{error}");
    }

    #[test]
    fn bad_phone_is_rejected_and_store_unchanged() {
        let mut store = Store::default();
        let text = SEED.replace("+15005550006", "15005550006");
        let error = store
            .load_snapshot(parse(text.as_bytes()).unwrap(), OffsetDateTime::now_utc())
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("factors[1].sms.phone_number:"),
            "{error}"
        );
        assert!(store.factors.is_empty());
        assert!(store.users.is_empty());
    }

    #[test]
    fn wrong_type_hides_value() {
        let error =
            parse(br#"{"factors": [{"type": "sms", "sms": {"phone_number": 15005550006}}]}"#)
                .unwrap_err()
                .to_string();
        assert!(!error.contains("15005550006"), "{error}");
        let error = parse(br#"{"factors": 3, "extra": "JBSWY3DPEHPK3PXP"}"#)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("JBSWY3DPEHPK3PXP"), "{error}");
    }

    #[test]
    fn syntax_error_has_position() {
        assert_eq!(
            parse(b"{\n  \"users\": [,]\n}").unwrap_err(),
            SnapshotError::Syntax {
                line: 2,
                column: 13
            }
        );
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = r#"{"users": [{"id": "user_01A"}, {"id": "user_01A"}]}"#;
        let error = load(text).unwrap_err().to_string();
        assert_eq!(error, "users[1].id: 'user_01A' appears more than once");
    }
}

//! Plain state and rules, with no egui and no I/O: the enrolled factor, the
//! challenges with their expiry and attempts, and what a verify outcome means.

use std::time::Duration;

use time::OffsetDateTime;

use crate::client::{
    ChallengeInfo, ClientError, EnrolledFactor, EnrolledKind, FactorInfo, Verification,
};
use crate::redact;

/// Wrong codes the console allows per challenge. After that it stops sending
/// and requests a new challenge. The emulator's default limit is the same.
pub const MAX_WRONG_CODES: u32 = 5;

/// State of a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeStatus {
    Pending,
    Verified,
    Expired,
    /// Too many wrong codes.
    Locked,
}

impl ChallengeStatus {
    /// Returns the status in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Verified => "verified",
            Self::Expired => "expired",
            Self::Locked => "locked",
        }
    }
}

/// A challenge the console created, with what has happened to it since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeState {
    pub info: ChallengeInfo,
    pub status: ChallengeStatus,
    pub wrong_codes: u32,
}

impl ChallengeState {
    /// Returns the time left before expiry, `Some(ZERO)` once expired, or `None`
    /// when the API sent no `expires_at`.
    pub fn remaining(&self, now: OffsetDateTime) -> Option<Duration> {
        let expires_at = self.info.expires_at?;
        let left = expires_at - now;
        Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
    }

    /// Returns the status at `now`. A pending challenge past its expiry counts as
    /// expired before the API reports it.
    pub fn status_at(&self, now: OffsetDateTime) -> ChallengeStatus {
        match self.status {
            ChallengeStatus::Pending if self.remaining(now) == Some(Duration::ZERO) => {
                ChallengeStatus::Expired
            }
            status => status,
        }
    }

    /// Returns whether the console sends a code for this challenge. A verified
    /// challenge still takes one, so a tester can see the API reject it as
    /// already verified; an expired or locked one does not.
    pub fn accepts_codes(&self, now: OffsetDateTime) -> bool {
        matches!(
            self.status_at(now),
            ChallengeStatus::Pending | ChallengeStatus::Verified
        ) && self.wrong_codes < MAX_WRONG_CODES
    }
}

/// Formats a duration as `mm:ss`, rounding up so `00:00` means expired.
pub fn format_countdown(remaining: Duration) -> String {
    let seconds = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

/// Result of a verify attempt. Each variant has a next action for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyOutcome {
    Valid,
    Invalid { wrong_codes: u32 },
    AlreadyVerified,
    Expired,
    TooManyAttempts,
    RateLimited { retry_after: Option<Duration> },
    Failed { message: String },
}

impl VerifyOutcome {
    /// Classifies a verify result.
    pub fn from_result(result: &Result<Verification, ClientError>, wrong_codes: u32) -> Self {
        match result {
            Ok(verification) if verification.valid => Self::Valid,
            Ok(_) => Self::Invalid { wrong_codes },
            Err(error) => match (error.status(), error.api_code()) {
                (_, Some("authentication_challenge_previously_verified")) => Self::AlreadyVerified,
                (_, Some("authentication_challenge_expired")) => Self::Expired,
                (_, Some("one_time_code_too_many_attempts")) => Self::TooManyAttempts,
                (Some(429), _) => Self::RateLimited {
                    retry_after: match error {
                        ClientError::Api { retry_after, .. } => *retry_after,
                        _ => None,
                    },
                },
                _ => Self::Failed {
                    message: error.to_string(),
                },
            },
        }
    }

    /// Returns the short headline shown on screen.
    pub fn headline(&self) -> &'static str {
        match self {
            Self::Valid => "Valid code",
            Self::Invalid { .. } => "Invalid code",
            Self::AlreadyVerified => "Already verified",
            Self::Expired => "Challenge expired",
            Self::TooManyAttempts => "Too many attempts",
            Self::RateLimited { .. } => "Rate limited",
            Self::Failed { .. } => "Verification failed",
        }
    }

    /// Returns what the user can do next.
    pub fn next_action(&self) -> String {
        match self {
            Self::Valid => {
                "The factor is confirmed. This challenge can't be verified again.".to_owned()
            }
            Self::Invalid { wrong_codes } => {
                let left = MAX_WRONG_CODES.saturating_sub(*wrong_codes);
                if left == 0 {
                    "No attempts left: create a new challenge.".to_owned()
                } else {
                    format!(
                        "Check the code and try again ({left} of {MAX_WRONG_CODES} attempts left)."
                    )
                }
            }
            Self::AlreadyVerified => "Already verified: create a new challenge.".to_owned(),
            Self::Expired => "The challenge expired: create a new challenge.".to_owned(),
            Self::TooManyAttempts => "Too many wrong codes: create a new challenge.".to_owned(),
            Self::RateLimited { retry_after } => match retry_after {
                Some(wait) => format!("Wait {} s, then try again.", wait.as_secs()),
                None => "Wait a moment, then try again.".to_owned(),
            },
            Self::Failed { message } => message.clone(),
        }
    }

    /// Returns whether the outcome is a success.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Valid)
    }
}

/// The factor that challenges are created for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedFactor {
    pub id: String,
    /// `totp`, `sms` or `generic_otp`.
    pub factor_type: String,
    /// Description for lists, with the phone number masked.
    pub summary: String,
}

impl SelectedFactor {
    /// Describes an enrolled factor.
    pub fn from_enrolled(factor: &EnrolledFactor) -> Self {
        let (factor_type, kind) = match &factor.kind {
            EnrolledKind::Totp(totp) => ("totp", format!("TOTP {} / {}", totp.issuer, totp.user)),
            EnrolledKind::Sms { masked_phone } => ("sms", format!("SMS {masked_phone}")),
            EnrolledKind::GenericOtp => ("generic_otp", "generic OTP".to_owned()),
        };
        Self {
            id: factor.id.clone(),
            factor_type: factor_type.to_owned(),
            summary: format!("{kind} ({})", redact::mask_id(&factor.id)),
        }
    }

    /// Describes a factor read from the API or the registry.
    pub fn from_info(factor: &FactorInfo) -> Self {
        let kind = match factor.factor_type.as_str() {
            "totp" => format!(
                "TOTP {} / {}",
                factor.issuer.as_deref().unwrap_or("?"),
                factor.totp_user.as_deref().unwrap_or("?")
            ),
            "sms" => format!("SMS {}", factor.masked_phone.as_deref().unwrap_or("?")),
            other => other.to_owned(),
        };
        Self {
            id: factor.id.clone(),
            factor_type: factor.factor_type.clone(),
            summary: format!("{kind} ({})", redact::mask_id(&factor.id)),
        }
    }
}

/// State of the console's work in the current environment.
#[derive(Debug, Default)]
pub struct Session {
    /// The most recent enrollment; secrets stay only in memory.
    pub enrolled: Option<EnrolledFactor>,
    /// The factor that challenges are created for.
    pub selected: Option<SelectedFactor>,
    /// Challenges created in this run, newest last.
    pub challenges: Vec<ChallengeState>,
    /// The challenge the Verify tab sends codes for, when the user picked one
    /// other than the newest.
    pub chosen_challenge: Option<String>,
    /// The outcome of the last verify attempt, with its challenge ID.
    pub last_outcome: Option<(String, VerifyOutcome)>,
    /// Until when the API asked the console to wait after a 429.
    pub rate_limited_until: Option<OffsetDateTime>,
}

impl Session {
    /// Records a new enrollment and selects its factor.
    pub fn record_enrollment(&mut self, factor: EnrolledFactor) {
        self.selected = Some(SelectedFactor::from_enrolled(&factor));
        self.enrolled = Some(factor);
    }

    /// Selects a factor for new challenges.
    pub fn select_factor(&mut self, factor: SelectedFactor) {
        self.selected = Some(factor);
    }

    /// Returns the selected factor's ID.
    pub fn factor_id(&self) -> Option<&str> {
        self.selected.as_ref().map(|factor| factor.id.as_str())
    }

    /// Returns whether the selected factor is an SMS factor.
    pub fn factor_is_sms(&self) -> bool {
        self.selected
            .as_ref()
            .is_some_and(|factor| factor.factor_type == "sms")
    }

    /// Returns the selected factor's description.
    pub fn factor_summary(&self) -> Option<String> {
        self.selected.as_ref().map(|factor| factor.summary.clone())
    }

    /// Records a new challenge and makes it the current one.
    pub fn record_challenge(&mut self, info: ChallengeInfo) {
        self.chosen_challenge = None;
        self.challenges.push(ChallengeState {
            info,
            status: ChallengeStatus::Pending,
            wrong_codes: 0,
        });
    }

    /// Adds challenges from an earlier run before this run's, skipping those
    /// already listed, and returns how many were added.
    pub fn restore_challenges(&mut self, restored: Vec<ChallengeState>) -> usize {
        let new: Vec<ChallengeState> = restored
            .into_iter()
            .filter(|challenge| {
                !self
                    .challenges
                    .iter()
                    .any(|known| known.info.id == challenge.info.id)
            })
            .collect();
        let added = new.len();
        self.challenges.splice(0..0, new);
        added
    }

    /// Returns the challenge the user chose to verify, or else the newest.
    pub fn current_challenge(&self) -> Option<&ChallengeState> {
        self.chosen_challenge
            .as_deref()
            .and_then(|id| {
                self.challenges
                    .iter()
                    .find(|challenge| challenge.info.id == id)
            })
            .or_else(|| self.challenges.last())
    }

    /// Returns the time left before the console may send again after a 429.
    pub fn rate_limit_remaining(&self, now: OffsetDateTime) -> Option<Duration> {
        let until = self.rate_limited_until?;
        Duration::try_from(until - now)
            .ok()
            .filter(|left| !left.is_zero())
    }

    /// Applies a verify result to its challenge and returns the outcome.
    pub fn record_verification(
        &mut self,
        challenge_id: &str,
        result: &Result<Verification, ClientError>,
        now: OffsetDateTime,
    ) -> VerifyOutcome {
        let challenge = self
            .challenges
            .iter_mut()
            .find(|challenge| challenge.info.id == challenge_id);
        let mut wrong_codes = 0;
        if let Some(challenge) = challenge {
            if matches!(result, Ok(verification) if !verification.valid) {
                challenge.wrong_codes += 1;
            }
            wrong_codes = challenge.wrong_codes;
            let outcome = VerifyOutcome::from_result(result, wrong_codes);
            challenge.status = match outcome {
                VerifyOutcome::Valid | VerifyOutcome::AlreadyVerified => ChallengeStatus::Verified,
                VerifyOutcome::Expired => ChallengeStatus::Expired,
                VerifyOutcome::TooManyAttempts => ChallengeStatus::Locked,
                VerifyOutcome::Invalid { wrong_codes } if wrong_codes >= MAX_WRONG_CODES => {
                    ChallengeStatus::Locked
                }
                _ => challenge.status,
            };
        }
        let outcome = VerifyOutcome::from_result(result, wrong_codes);
        if let VerifyOutcome::RateLimited { retry_after } = &outcome {
            let wait = retry_after.unwrap_or(Duration::from_secs(1));
            self.rate_limited_until = Some(now + wait);
        }
        self.last_outcome = Some((challenge_id.to_owned(), outcome.clone()));
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(expires_in: Option<i64>) -> ChallengeInfo {
        let now = OffsetDateTime::now_utc();
        ChallengeInfo {
            id: "auth_challenge_01".to_owned(),
            factor_id: "auth_factor_01".to_owned(),
            created_at: String::new(),
            expires_at: expires_in.map(|seconds| now + time::Duration::seconds(seconds)),
        }
    }

    #[test]
    fn restored_challenges_go_first_once() {
        let mut session = Session::default();
        let mut newer = challenge(Some(600));
        newer.id = "auth_challenge_02".to_owned();
        session.record_challenge(newer);
        let restored = |id: &str| ChallengeState {
            info: ChallengeInfo {
                id: id.to_owned(),
                ..challenge(Some(300))
            },
            status: ChallengeStatus::Pending,
            wrong_codes: 2,
        };

        let added = session.restore_challenges(vec![
            restored("auth_challenge_01"),
            restored("auth_challenge_02"),
        ]);

        assert_eq!(added, 1, "the challenge already listed is skipped");
        let ids: Vec<&str> = session
            .challenges
            .iter()
            .map(|state| state.info.id.as_str())
            .collect();
        assert_eq!(ids, ["auth_challenge_01", "auth_challenge_02"]);
        assert_eq!(session.challenges[0].wrong_codes, 2, "attempts are kept");
        assert_eq!(
            session
                .current_challenge()
                .map(|state| state.info.id.as_str()),
            Some("auth_challenge_02"),
            "this run's newest challenge stays current"
        );
    }

    fn api_error(status: u16, code: &str) -> ClientError {
        ClientError::Api {
            status,
            code: Some(code.to_owned()),
            message: String::new(),
            request_id: None,
            retry_after: None,
        }
    }

    #[test]
    fn countdown_rounds_up() {
        assert_eq!(format_countdown(Duration::from_millis(59_001)), "01:00");
        assert_eq!(format_countdown(Duration::from_secs(600)), "10:00");
        assert_eq!(format_countdown(Duration::ZERO), "00:00");
    }

    #[test]
    fn challenge_expires_without_api() {
        let mut session = Session::default();
        session.record_challenge(challenge(Some(-1)));
        let state = session.current_challenge().cloned();
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            state.map(|s| s.status_at(now)),
            Some(ChallengeStatus::Expired)
        );
    }

    #[test]
    fn challenge_without_expiry_has_no_countdown() {
        let mut session = Session::default();
        session.record_challenge(challenge(None));
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            session.current_challenge().and_then(|s| s.remaining(now)),
            None
        );
    }

    #[test]
    fn wrong_codes_lock_after_limit() {
        let mut session = Session::default();
        let info = challenge(Some(600));
        session.record_challenge(info.clone());
        let wrong = Ok(Verification {
            valid: false,
            challenge: info.clone(),
        });
        for attempt in 1..=MAX_WRONG_CODES {
            let outcome = session.record_verification(&info.id, &wrong, OffsetDateTime::now_utc());
            assert_eq!(
                outcome,
                VerifyOutcome::Invalid {
                    wrong_codes: attempt
                }
            );
        }
        let state = session.current_challenge().cloned();
        assert_eq!(
            state.as_ref().map(|s| s.status),
            Some(ChallengeStatus::Locked)
        );
        assert_eq!(
            state.map(|s| s.accepts_codes(OffsetDateTime::now_utc())),
            Some(false)
        );
    }

    #[test]
    fn rate_limit_counts_down() {
        let mut session = Session::default();
        let info = challenge(Some(600));
        session.record_challenge(info.clone());
        let limited = Err(ClientError::Api {
            status: 429,
            code: None,
            message: String::new(),
            request_id: None,
            retry_after: Some(Duration::from_secs(30)),
        });
        let now = OffsetDateTime::now_utc();
        let outcome = session.record_verification(&info.id, &limited, now);
        assert_eq!(
            outcome,
            VerifyOutcome::RateLimited {
                retry_after: Some(Duration::from_secs(30))
            }
        );
        assert_eq!(
            session.rate_limit_remaining(now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            session.rate_limit_remaining(now + time::Duration::seconds(31)),
            None
        );
    }

    #[test]
    fn api_codes_map_to_outcomes() {
        let cases = [
            (
                422,
                "authentication_challenge_previously_verified",
                VerifyOutcome::AlreadyVerified,
            ),
            (
                422,
                "authentication_challenge_expired",
                VerifyOutcome::Expired,
            ),
            (
                400,
                "one_time_code_too_many_attempts",
                VerifyOutcome::TooManyAttempts,
            ),
        ];
        for (status, code, expected) in cases {
            let result = Err(api_error(status, code));
            assert_eq!(VerifyOutcome::from_result(&result, 0), expected, "{code}");
        }
    }
}

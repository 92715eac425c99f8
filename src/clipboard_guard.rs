//! The rules for clearing a copied secret from the clipboard.
//!
//! After the user copies a TOTP secret, an `otpauth://` URI or a one-time
//! code, the console clears the clipboard [`CLEAR_AFTER`] later, but only if
//! the clipboard still contains what was copied, so text the user copied since
//! is left alone. The guard keeps a SHA-256 fingerprint of the copied text,
//! never the text. The clearing itself runs on the worker (see
//! `worker::clipboard`).

use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// How long copied secrets stay on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(30);

/// Kind of value that was copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopiedKind {
    Secret,
    Uri,
    Code,
}

impl CopiedKind {
    /// Returns the noun for messages, such as "TOTP secret".
    pub fn noun(self) -> &'static str {
        match self {
            Self::Secret => "TOTP secret",
            Self::Uri => "otpauth:// URI",
            Self::Code => "one-time code",
        }
    }
}

/// SHA-256 of copied text, to recognise it on the clipboard later without
/// keeping it. `Debug` prints no digest bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Computes the fingerprint of `text`.
    pub fn of(text: &str) -> Self {
        Self(Sha256::digest(text.as_bytes()).into())
    }

    /// Returns whether `text` is the text this fingerprint was made from,
    /// comparing the digests in constant time.
    pub fn matches(&self, text: &str) -> bool {
        Self::of(text).0.ct_eq(&self.0).into()
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprint(..)")
    }
}

/// A pending clear of the clipboard.
#[derive(Debug, Clone)]
pub struct ClipboardGuard {
    kind: CopiedKind,
    fingerprint: Fingerprint,
    deadline: Instant,
    clearing: bool,
}

impl ClipboardGuard {
    /// Starts the countdown for `text`, copied as `kind` at `copied_at`.
    pub fn new(kind: CopiedKind, fingerprint: Fingerprint, copied_at: Instant) -> Self {
        Self {
            kind,
            fingerprint,
            deadline: copied_at + CLEAR_AFTER,
            clearing: false,
        }
    }

    pub fn kind(&self) -> CopiedKind {
        self.kind
    }

    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Returns when the clipboard is cleared.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Returns whether the clear was handed to the worker.
    pub fn is_clearing(&self) -> bool {
        self.clearing
    }

    /// Returns the time left until the clear, zero once it is due.
    pub fn remaining(&self, now: Instant) -> Duration {
        self.deadline.saturating_duration_since(now)
    }

    /// Returns the countdown text, in whole seconds rounded up so that it
    /// reads 30 right after the copy and 1 in the last second.
    pub fn countdown_text(&self, now: Instant) -> String {
        if self.clearing {
            return "Clearing the clipboard…".to_owned();
        }
        let remaining = self.remaining(now);
        let seconds = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
        format!("Clipboard clears in {seconds} s")
    }

    /// Returns how long until the countdown text changes, for a timed repaint.
    pub fn until_next_change(&self, now: Instant) -> Duration {
        let remaining = self.remaining(now);
        let within_second = Duration::from_nanos(u64::from(remaining.subsec_nanos()));
        if within_second.is_zero() {
            Duration::from_secs(1).min(remaining.max(Duration::from_millis(1)))
        } else {
            within_second
        }
    }

    /// Marks the clear as started and returns the fingerprint to clear, once:
    /// when the deadline has passed, or at once when `now_requested` is set.
    /// Later calls return `None`.
    pub fn start_clearing(&mut self, now: Instant, now_requested: bool) -> Option<Fingerprint> {
        if self.clearing || !(now_requested || now >= self.deadline) {
            return None;
        }
        self.clearing = true;
        Some(self.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard_at(copied_at: Instant) -> ClipboardGuard {
        ClipboardGuard::new(CopiedKind::Secret, Fingerprint::of("JBSWY3DP"), copied_at)
    }

    #[test]
    fn deadline_is_thirty_seconds_after_copy() {
        let copied_at = Instant::now();
        let guard = guard_at(copied_at);
        assert_eq!(guard.deadline(), copied_at + Duration::from_secs(30));
        assert_eq!(guard.remaining(copied_at), Duration::from_secs(30));
        assert_eq!(
            guard.remaining(copied_at + Duration::from_secs(31)),
            Duration::ZERO
        );
    }

    #[test]
    fn countdown_rounds_seconds_up() {
        let copied_at = Instant::now();
        let guard = guard_at(copied_at);
        assert_eq!(guard.countdown_text(copied_at), "Clipboard clears in 30 s");
        assert_eq!(
            guard.countdown_text(copied_at + Duration::from_millis(1_500)),
            "Clipboard clears in 29 s"
        );
        assert_eq!(
            guard.countdown_text(copied_at + Duration::from_millis(29_900)),
            "Clipboard clears in 1 s"
        );
        assert_eq!(
            guard.countdown_text(copied_at + Duration::from_secs(30)),
            "Clipboard clears in 0 s"
        );
    }

    #[test]
    fn repaint_waits_for_next_second() {
        let copied_at = Instant::now();
        let guard = guard_at(copied_at);
        assert_eq!(
            guard.until_next_change(copied_at + Duration::from_millis(1_250)),
            Duration::from_millis(750)
        );
        assert_eq!(guard.until_next_change(copied_at), Duration::from_secs(1));
        assert_eq!(
            guard.until_next_change(copied_at + Duration::from_secs(40)),
            Duration::from_millis(1)
        );
    }

    #[test]
    fn clear_starts_once_when_due() {
        let copied_at = Instant::now();
        let mut guard = guard_at(copied_at);
        let before = copied_at + Duration::from_millis(29_999);
        assert_eq!(guard.start_clearing(before, false), None);
        assert!(!guard.is_clearing());

        let due = copied_at + Duration::from_secs(30);
        assert_eq!(
            guard.start_clearing(due, false),
            Some(Fingerprint::of("JBSWY3DP"))
        );
        assert!(guard.is_clearing());
        assert_eq!(guard.start_clearing(due, false), None);
        assert_eq!(guard.countdown_text(due), "Clearing the clipboard…");
    }

    #[test]
    fn clear_now_skips_countdown() {
        let copied_at = Instant::now();
        let mut guard = guard_at(copied_at);
        assert!(guard.start_clearing(copied_at, true).is_some());
        assert_eq!(guard.start_clearing(copied_at, true), None);
    }

    #[test]
    fn fingerprint_matches_only_same_text() {
        let fingerprint = Fingerprint::of("otpauth://totp/a?secret=JBSWY3DP");
        assert!(fingerprint.matches("otpauth://totp/a?secret=JBSWY3DP"));
        assert!(!fingerprint.matches("otpauth://totp/a?secret=JBSWY3DQ"));
        assert!(!fingerprint.matches(""));
        assert_eq!(format!("{fingerprint:?}"), "Fingerprint(..)");
    }

    #[test]
    fn kinds_name_what_was_copied() {
        assert_eq!(CopiedKind::Secret.noun(), "TOTP secret");
        assert_eq!(CopiedKind::Uri.noun(), "otpauth:// URI");
        assert_eq!(CopiedKind::Code.noun(), "one-time code");
    }
}

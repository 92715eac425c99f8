//! `totp::parse_otpauth_uri` on arbitrary text, and a round trip: labels cut
//! from the input go through `totp::otpauth_uri` and must parse back
//! unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_console::totp::{OtpAlgorithm, otpauth_uri, parse_otpauth_uri};
use mfa_console::validate::TotpLabel;

/// A valid Base32 secret for the round trip.
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fuzz_target!(|text: &str| {
    if let Ok(parts) = parse_otpauth_uri(text) {
        assert!(!parts.user.trim().is_empty());
        assert!(!parts.secret.is_empty());
        assert!((6..=8).contains(&parts.digits));
        assert!(parts.period_seconds > 0);
    }

    // Split the input into an issuer and a user at its first tab, which
    // labels cannot contain.
    let (issuer, user) = text.split_once('\t').unwrap_or(("Fuzz", text));
    let (Ok(issuer), Ok(user)) = (
        TotpLabel::parse("issuer", issuer),
        TotpLabel::parse("user", user),
    ) else {
        return;
    };
    let uri = otpauth_uri(issuer.as_str(), user.as_str(), SECRET);
    let parts = parse_otpauth_uri(&uri).expect("a built URI parses");
    assert_eq!(parts.issuer.as_deref(), Some(issuer.as_str()));
    assert_eq!(parts.user, user.as_str());
    assert_eq!(parts.secret, SECRET);
    assert_eq!(parts.algorithm, OtpAlgorithm::Sha1);
    assert_eq!(parts.digits, 6);
    assert_eq!(parts.period_seconds, 30);
});

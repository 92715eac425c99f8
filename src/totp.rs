//! RFC 6238 rules shared by the emulator and the tests: secrets, codes and
//! `otpauth://` URIs with the WorkOS parameters (HMAC-SHA-1, 6 digits, 30 s).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rand::RngCore as _;
use totp_rs::{Builder, Secret};

/// Code length in digits.
pub const DIGITS: u8 = 6;
/// Time step in seconds.
pub const STEP_SECONDS: u64 = 30;
/// Time steps accepted on either side of the current one. WorkOS does not
/// publish its tolerance; one step is the RFC 6238 recommendation.
pub const SKEW_STEPS: u16 = 1;
/// Secret length in bytes (32 Base32 characters), as in real API responses.
pub const SECRET_BYTES: usize = 20;
/// Minimum length of a caller-supplied secret, in bytes (16 Base32
/// characters). WorkOS does not publish a minimum. 80 bits is the length of
/// the example secret in its API reference and of many authenticator-app
/// secrets, although RFC 4226 requires at least 128.
pub const MIN_SECRET_BYTES: usize = 10;
/// Maximum length of a caller-supplied secret, in bytes (103 Base32
/// characters).
pub const MAX_SECRET_BYTES: usize = 64;

/// Characters left as they are in a URI label or query value (RFC 3986
/// unreserved characters).
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Generates a random Base32 secret of [`SECRET_BYTES`] bytes, without padding.
pub fn generate_secret() -> String {
    let mut bytes = [0_u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

/// Reason a caller-supplied TOTP secret was rejected. The messages never
/// repeat the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("The secret is empty. Send a Base32 secret such as one from an authenticator app.")]
    Empty,
    #[error(
        "The secret contains a character that is not Base32. Use only the letters A-Z and the digits 2-7, without spaces or dashes."
    )]
    NotBase32,
    #[error(
        "The secret is {bytes} bytes long; it must be between {min} and {max} bytes ({min_chars} to {max_chars} Base32 characters).",
        min = MIN_SECRET_BYTES,
        max = MAX_SECRET_BYTES,
        min_chars = MIN_SECRET_BYTES * 8 / 5 + 1,
        max_chars = MAX_SECRET_BYTES * 8 / 5 + 1
    )]
    WrongLength { bytes: usize },
}

/// Checks a caller-supplied Base32 secret and returns it in canonical form:
/// upper case, without `=` padding.
///
/// Lower case letters and trailing padding are accepted. The decoded secret
/// must be [`MIN_SECRET_BYTES`] to [`MAX_SECRET_BYTES`] bytes long.
pub fn normalize_secret(input: &str) -> Result<String, SecretError> {
    let canonical = input.trim_end_matches('=').to_ascii_uppercase();
    if canonical.is_empty() {
        return Err(SecretError::Empty);
    }
    let secret = Secret::try_from_base32(&canonical).map_err(|_| SecretError::NotBase32)?;
    let length = secret.as_bytes().len();
    if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&length) {
        return Err(SecretError::WrongLength { bytes: length });
    }
    Ok(canonical)
}

fn build(secret_base32: &str) -> Option<totp_rs::Totp> {
    let secret = Secret::try_from_base32(secret_base32.trim_end_matches('=')).ok()?;
    if secret.as_bytes().len() < MIN_SECRET_BYTES {
        return None;
    }
    // `build` rejects secrets under 128 bits, so the 80-bit secrets that
    // `normalize_secret` accepts need the unchecked builder. The digits and
    // step are the RFC 6238 defaults, which `build` would accept.
    Some(
        Builder::new()
            .with_digits(DIGITS)
            .with_skew(SKEW_STEPS)
            .with_step_duration(STEP_SECONDS)
            .with_secret(secret)
            .build_noncompliant(),
    )
}

/// Returns the code for `secret_base32` at `unix_seconds`, or `None` when the
/// secret is not valid Base32 of at least [`MIN_SECRET_BYTES`] bytes.
pub fn code_at(secret_base32: &str, unix_seconds: u64) -> Option<String> {
    build(secret_base32).map(|totp| totp.generate(unix_seconds).to_string())
}

/// Returns the time step that `code` matches at `unix_seconds`, within
/// [`SKEW_STEPS`] either side, or `None`.
pub fn matching_step(secret_base32: &str, code: &str, unix_seconds: u64) -> Option<u64> {
    build(secret_base32)?.check(code, unix_seconds)
}

/// Builds the `otpauth://` URI that authenticator apps read:
/// `otpauth://totp/<issuer>:<user>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30`,
/// with the label and issuer percent-encoded.
pub fn otpauth_uri(issuer: &str, user: &str, secret_base32: &str) -> String {
    let issuer_encoded = utf8_percent_encode(issuer, URI_COMPONENT);
    let user_encoded = utf8_percent_encode(user, URI_COMPONENT);
    format!(
        "otpauth://totp/{issuer_encoded}:{user_encoded}?secret={secret_base32}&issuer={issuer_encoded}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 6238 appendix B secret ("12345678901234567890" in ASCII).
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn code_matches_rfc_vectors() {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits.
        assert_eq!(code_at(RFC_SECRET, 59).as_deref(), Some("287082"));
        assert_eq!(
            code_at(RFC_SECRET, 1_111_111_109).as_deref(),
            Some("081804")
        );
    }

    #[test]
    fn check_allows_one_step_of_skew() {
        let now = 1_700_000_000;
        let previous = code_at(RFC_SECRET, now - STEP_SECONDS);
        let two_back = code_at(RFC_SECRET, now - 2 * STEP_SECONDS);
        assert!(matching_step(RFC_SECRET, previous.as_deref().unwrap_or(""), now).is_some());
        assert!(matching_step(RFC_SECRET, two_back.as_deref().unwrap_or(""), now).is_none());
    }

    #[test]
    fn secret_is_32_base32_characters() {
        let secret = generate_secret();
        assert_eq!(secret.len(), 32);
        assert!(
            secret
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        );
    }

    #[test]
    fn normalize_accepts_reference_example() {
        // The 80-bit example secret from the WorkOS API reference.
        assert_eq!(
            normalize_secret("jbswy3dpehpk3pxp").as_deref(),
            Ok("JBSWY3DPEHPK3PXP")
        );
        assert!(code_at("JBSWY3DPEHPK3PXP", 59).is_some());
    }

    #[test]
    fn normalize_rejects_bad_secrets() {
        assert_eq!(normalize_secret(""), Err(SecretError::Empty));
        assert_eq!(
            normalize_secret("JBSW Y3DP EHPK 3PXP"),
            Err(SecretError::NotBase32)
        );
        assert_eq!(normalize_secret("JBSWY3DP1"), Err(SecretError::NotBase32));
        assert_eq!(
            normalize_secret("JBSWY3DP"),
            Err(SecretError::WrongLength { bytes: 5 })
        );
        assert_eq!(
            normalize_secret(&"A".repeat(120)),
            Err(SecretError::WrongLength { bytes: 75 })
        );
    }

    #[test]
    fn uri_encodes_label() {
        assert_eq!(
            otpauth_uri("Äcme GmbH", "a:b@example.com", "ABC"),
            "otpauth://totp/%C3%84cme%20GmbH:a%3Ab%40example.com?secret=ABC&issuer=%C3%84cme%20GmbH&algorithm=SHA1&digits=6&period=30"
        );
    }
}

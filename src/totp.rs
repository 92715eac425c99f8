//! RFC 6238 rules shared by the emulator and the tests: secrets, codes and
//! `otpauth://` URIs with the WorkOS parameters (HMAC-SHA-1, 6 digits, 30 s).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use rand::RngCore as _;
use thiserror::Error;
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

/// URI scheme and type that [`parse_otpauth_uri`] accepts.
const OTPAUTH_TOTP_PREFIX: &str = "otpauth://totp/";

/// Code lengths an `otpauth://` URI may ask for. RFC 4226 section 5.3 requires
/// at least 6 digits and allows 7 and 8.
const ALLOWED_DIGITS: std::ops::RangeInclusive<u8> = 6..=8;

/// HMAC hash named by an `otpauth://` URI's `algorithm` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpAlgorithm {
    Sha1,
    Sha256,
    Sha512,
}

/// The parts of a TOTP `otpauth://` URI, decoded.
///
/// `Debug` hides the secret, because the parts may end up in a log or a panic
/// message.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpauthParts {
    /// The issuer from the label prefix or the `issuer` parameter; `None` when
    /// the URI names none.
    pub issuer: Option<String>,
    /// The account name after the label's issuer prefix.
    pub user: String,
    /// The Base32 secret in upper case, without `=` padding.
    pub secret: String,
    pub algorithm: OtpAlgorithm,
    pub digits: u8,
    pub period_seconds: u64,
}

impl std::fmt::Debug for OtpauthParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpauthParts")
            .field("issuer", &self.issuer)
            .field("user", &self.user)
            .field("secret", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("period_seconds", &self.period_seconds)
            .finish()
    }
}

/// Reason an `otpauth://` URI was rejected. No variant carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OtpauthError {
    #[error("The URI does not start with 'otpauth://totp/'.")]
    NotTotpUri,
    #[error("The URI label has no account name after the issuer.")]
    MissingUser,
    #[error("The {part} contains a '%' that is not followed by two hex digits.")]
    InvalidPercentEncoding { part: &'static str },
    #[error("The {part} is not valid UTF-8 after percent-decoding.")]
    InvalidUtf8 { part: &'static str },
    #[error("The URI has no 'secret' parameter.")]
    MissingSecret,
    #[error("The secret is not Base32 (letters A-Z and digits 2-7).")]
    InvalidSecret,
    #[error("The URI has the '{0}' parameter more than once.")]
    DuplicateParameter(String),
    #[error("The label names issuer '{label}' but the issuer parameter is '{parameter}'.")]
    IssuerMismatch { label: String, parameter: String },
    #[error("The algorithm '{0}' is not supported. Use SHA1, SHA256 or SHA512.")]
    UnsupportedAlgorithm(String),
    #[error("The digits parameter '{0}' is not supported. Use 6, 7 or 8.")]
    InvalidDigits(String),
    #[error("The period parameter '{0}' is not a whole number of seconds above 0.")]
    InvalidPeriod(String),
}

/// Parses a TOTP URI in the Key URI Format that authenticator apps read:
/// `otpauth://totp/<issuer>:<user>?secret=...&issuer=...&algorithm=...&digits=...&period=...`.
///
/// The label is split at its first literal `:`, so a colon encoded as `%3A`
/// stays inside the issuer or user, as [`otpauth_uri`] writes it. A `+` is
/// kept as a plus sign (RFC 3986), not read as a space. Missing `algorithm`,
/// `digits` and `period` take the defaults SHA1, 6 and 30. Unknown parameters
/// and a `#fragment` are ignored. When the label and the `issuer` parameter
/// both name an issuer, they must match.
pub fn parse_otpauth_uri(uri: &str) -> Result<OtpauthParts, OtpauthError> {
    let prefix_length = OTPAUTH_TOTP_PREFIX.len();
    let has_prefix = uri
        .get(..prefix_length)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(OTPAUTH_TOTP_PREFIX));
    let rest = match uri.get(prefix_length..) {
        Some(rest) if has_prefix => rest,
        _ => return Err(OtpauthError::NotTotpUri),
    };
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (label, query) = rest.split_once('?').unwrap_or((rest, ""));

    let (label_issuer, user) = match label.split_once(':') {
        Some((issuer, user)) => (Some(decode_component(issuer, "issuer")?), user),
        None => (None, label),
    };
    let user = decode_component(user, "user")?;
    if user.trim().is_empty() {
        return Err(OtpauthError::MissingUser);
    }

    let mut secret = None;
    let mut parameter_issuer = None;
    let mut algorithm = None;
    let mut digits = None;
    let mut period = None;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match name {
            "secret" => &mut secret,
            "issuer" => &mut parameter_issuer,
            "algorithm" => &mut algorithm,
            "digits" => &mut digits,
            "period" => &mut period,
            _ => continue,
        };
        if slot.is_some() {
            return Err(OtpauthError::DuplicateParameter(name.to_owned()));
        }
        *slot = Some(decode_component(value, "query")?);
    }

    let secret = normalise_secret(secret.as_deref().ok_or(OtpauthError::MissingSecret)?)?;
    let issuer = match (
        label_issuer.filter(|issuer| !issuer.is_empty()),
        parameter_issuer.filter(|issuer| !issuer.is_empty()),
    ) {
        (Some(label), Some(parameter)) if label != parameter => {
            return Err(OtpauthError::IssuerMismatch { label, parameter });
        }
        (Some(issuer), _) | (None, Some(issuer)) => Some(issuer),
        (None, None) => None,
    };
    let algorithm = match algorithm.as_deref() {
        None => OtpAlgorithm::Sha1,
        Some(name) if name.eq_ignore_ascii_case("SHA1") => OtpAlgorithm::Sha1,
        Some(name) if name.eq_ignore_ascii_case("SHA256") => OtpAlgorithm::Sha256,
        Some(name) if name.eq_ignore_ascii_case("SHA512") => OtpAlgorithm::Sha512,
        Some(other) => return Err(OtpauthError::UnsupportedAlgorithm(other.to_owned())),
    };
    let digits = match digits {
        None => DIGITS,
        Some(text) => text
            .parse::<u8>()
            .ok()
            .filter(|value| ALLOWED_DIGITS.contains(value))
            .ok_or(OtpauthError::InvalidDigits(text))?,
    };
    let period_seconds = match period {
        None => STEP_SECONDS,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|value| *value > 0)
            .ok_or(OtpauthError::InvalidPeriod(text))?,
    };
    Ok(OtpauthParts {
        issuer,
        user,
        secret,
        algorithm,
        digits,
        period_seconds,
    })
}

/// Percent-decodes one URI component, rejecting a stray `%` and bytes that
/// are not UTF-8.
fn decode_component(text: &str, part: &'static str) -> Result<String, OtpauthError> {
    let bytes = text.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == b'%' {
            let escape = bytes.get(index + 1..index + 3);
            if !escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                return Err(OtpauthError::InvalidPercentEncoding { part });
            }
        }
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| OtpauthError::InvalidUtf8 { part })
}

/// Checks a Base32 secret and returns it in upper case without padding.
fn normalise_secret(secret: &str) -> Result<String, OtpauthError> {
    let unpadded = secret.trim_end_matches('=');
    let valid = !unpadded.is_empty()
        && unpadded
            .chars()
            .all(|c| c.is_ascii_alphabetic() || ('2'..='7').contains(&c));
    if valid {
        Ok(unpadded.to_ascii_uppercase())
    } else {
        Err(OtpauthError::InvalidSecret)
    }
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

    fn parts(issuer: Option<&str>, user: &str, secret: &str) -> OtpauthParts {
        OtpauthParts {
            issuer: issuer.map(str::to_owned),
            user: user.to_owned(),
            secret: secret.to_owned(),
            algorithm: OtpAlgorithm::Sha1,
            digits: DIGITS,
            period_seconds: STEP_SECONDS,
        }
    }

    #[test]
    fn parse_round_trips_built_uri() {
        for (issuer, user) in [
            ("Foo Corp", "alan.turing@example.com"),
            ("Äcme GmbH", "山田太郎"),
            ("A&B: 100%", "x y+z"),
            ("a:b", "c:d"),
        ] {
            let uri = otpauth_uri(issuer, user, RFC_SECRET);
            assert_eq!(
                parse_otpauth_uri(&uri),
                Ok(parts(Some(issuer), user, RFC_SECRET)),
                "{issuer} / {user}"
            );
        }
    }

    #[test]
    fn parse_applies_defaults_and_parameters() {
        assert_eq!(
            parse_otpauth_uri("otpauth://totp/alice?secret=abcd2345"),
            Ok(parts(None, "alice", "ABCD2345"))
        );
        assert_eq!(
            parse_otpauth_uri("otpauth://totp/alice?issuer=Foo&secret=ABCD===="),
            Ok(parts(Some("Foo"), "alice", "ABCD"))
        );
        let custom = parse_otpauth_uri(
            "OTPAUTH://TOTP/Foo:alice?secret=ABCD&algorithm=sha512&digits=8&period=60&image=x#top",
        );
        assert_eq!(
            custom,
            Ok(OtpauthParts {
                algorithm: OtpAlgorithm::Sha512,
                digits: 8,
                period_seconds: 60,
                ..parts(Some("Foo"), "alice", "ABCD")
            })
        );
    }

    #[test]
    fn parse_rejects_each_mistake() {
        let cases = [
            ("https://example.com", OtpauthError::NotTotpUri),
            ("otpauth://hotp/a?secret=ABCD", OtpauthError::NotTotpUri),
            ("otpauth://totp/Foo:?secret=ABCD", OtpauthError::MissingUser),
            ("otpauth://totp/Foo:alice", OtpauthError::MissingSecret),
            (
                "otpauth://totp/alice?secret=AB1D",
                OtpauthError::InvalidSecret,
            ),
            (
                "otpauth://totp/ali%zz?secret=ABCD",
                OtpauthError::InvalidPercentEncoding { part: "user" },
            ),
            (
                "otpauth://totp/%FF:alice?secret=ABCD",
                OtpauthError::InvalidUtf8 { part: "issuer" },
            ),
            (
                "otpauth://totp/alice?secret=ABCD&secret=EFGH",
                OtpauthError::DuplicateParameter("secret".to_owned()),
            ),
            (
                "otpauth://totp/Foo:alice?secret=ABCD&issuer=Bar",
                OtpauthError::IssuerMismatch {
                    label: "Foo".to_owned(),
                    parameter: "Bar".to_owned(),
                },
            ),
            (
                "otpauth://totp/alice?secret=ABCD&algorithm=MD5",
                OtpauthError::UnsupportedAlgorithm("MD5".to_owned()),
            ),
            (
                "otpauth://totp/alice?secret=ABCD&digits=9",
                OtpauthError::InvalidDigits("9".to_owned()),
            ),
            (
                "otpauth://totp/alice?secret=ABCD&period=0",
                OtpauthError::InvalidPeriod("0".to_owned()),
            ),
        ];
        for (uri, expected) in cases {
            assert_eq!(parse_otpauth_uri(uri), Err(expected), "{uri}");
        }
    }

    #[test]
    fn parts_debug_hides_secret() {
        let printed = format!("{:?}", parts(Some("Foo"), "alice", RFC_SECRET));
        assert!(!printed.contains(RFC_SECRET), "{printed}");
        assert!(printed.contains("alice"), "{printed}");
    }
}

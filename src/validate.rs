//! Form text turned into typed values before any request is built.
//!
//! Each parser returns a value that can only exist when the input is valid, so a
//! request can't be made from an unchecked string. Error messages name the field
//! and the fix; they never repeat a one-time code, because error strings may reach
//! the log panel.

use std::fmt;

use thiserror::Error;

/// Maximum length of a TOTP issuer or user label, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// A one-time code of exactly six ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

/// Reason a one-time code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OtpCodeError {
    #[error("Enter the 6-digit code from the authenticator app or SMS.")]
    Empty,
    #[error("The code contains '{0}', which is not a digit. A code is 6 digits, 0-9.")]
    NotADigit(char),
    #[error("The code has {0} digits. Enter exactly 6 digits.")]
    WrongLength(usize),
}

impl OtpCode {
    /// Parses a code as typed or pasted.
    ///
    /// Surrounding white space is ignored, single spaces or dashes between digit
    /// groups are dropped (`123 456`, `123-456`), and full-width digits (U+FF10 to
    /// U+FF19) count as their ASCII forms.
    pub fn parse(input: &str) -> Result<Self, OtpCodeError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(OtpCodeError::Empty);
        }
        let mut digits = String::with_capacity(6);
        for ch in trimmed.chars() {
            match ch {
                '0'..='9' => digits.push(ch),
                '\u{FF10}'..='\u{FF19}' => {
                    let ascii = (ch as u32 - 0xFF10 + u32::from(b'0')) as u8;
                    digits.push(char::from(ascii));
                }
                ' ' | '-' | '\u{3000}' => {}
                other => return Err(OtpCodeError::NotADigit(other)),
            }
        }
        if digits.len() != 6 {
            return Err(OtpCodeError::WrongLength(digits.len()));
        }
        Ok(Self(digits))
    }

    /// Returns the six digits, for the request body only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode(<redacted>)")
    }
}

/// A phone number in E.164 form: `+`, a country code that does not start with
/// 0, and at most 15 digits in all.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

/// Reason a phone number was rejected. `Formatted` carries the normalised
/// form when the input only had formatting in it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhoneNumberError {
    #[error("Enter a phone number in E.164 form, for example +15005550006.")]
    Empty,
    #[error(
        "'+' alone is not a phone number. Add the country code and number, for example +15005550006."
    )]
    LonePlus,
    #[error("The phone number contains '{0}'. Use only '+' and digits, for example +15005550006.")]
    InvalidCharacter(char),
    #[error("The phone number has {0} digits. E.164 allows at most 15, country code included.")]
    TooLong(usize),
    #[error("The phone number is too short. Add the country code and the full number.")]
    TooShort,
    #[error("A country code never starts with 0. Remove the 0 after '+'.")]
    LeadingZero,
    #[error(
        "The phone number must start with '+' and the country code, for example +1 for the US."
    )]
    MissingPlus,
    #[error("Formatting is not allowed in E.164. Use {suggestion} instead.")]
    Formatted { suggestion: String },
}

impl PhoneNumberError {
    /// Returns the normalised number the user can accept with one click.
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            Self::Formatted { suggestion } => Some(suggestion),
            _ => None,
        }
    }
}

impl PhoneNumber {
    /// Parses a phone number that must already be in E.164 form.
    ///
    /// Formatted input such as `+1 (555) 123-4567` or `0015551234567` is
    /// rejected with [`PhoneNumberError::Formatted`] carrying `+15551234567`,
    /// so nothing is sent until the user accepts the normalised form.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        if trimmed == "+" {
            return Err(PhoneNumberError::LonePlus);
        }
        if let Some(bad) = trimmed
            .chars()
            .find(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.')))
        {
            return Err(PhoneNumberError::InvalidCharacter(bad));
        }

        // A '+' only belongs in front. normalise() drops every non-digit, so
        // a second '+' would otherwise vanish into a suggestion.
        if trimmed.chars().skip(1).any(|c| c == '+') {
            return Err(PhoneNumberError::InvalidCharacter('+'));
        }

        let normalised = normalise(trimmed);
        if normalised == "+" && !trimmed.starts_with('+') {
            // "00" alone: an international prefix with no number after it.
            return Err(PhoneNumberError::TooShort);
        }
        check_digits(&normalised)?;
        if normalised != trimmed {
            return Err(PhoneNumberError::Formatted {
                suggestion: normalised,
            });
        }
        Ok(Self(normalised))
    }

    /// Returns the full number, for the request body only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns the number with all but the country-code digit and the last two
    /// digits hidden, for display and logs.
    pub fn masked(&self) -> String {
        crate::redact::mask_phone(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

/// Strips formatting and turns an international `00` prefix into `+`.
fn normalise(input: &str) -> String {
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    let has_plus = input.starts_with('+');
    if has_plus {
        format!("+{digits}")
    } else if let Some(rest) = digits.strip_prefix("00") {
        format!("+{rest}")
    } else {
        digits
    }
}

fn check_digits(normalised: &str) -> Result<(), PhoneNumberError> {
    let Some(digits) = normalised.strip_prefix('+') else {
        return Err(PhoneNumberError::MissingPlus);
    };
    if digits.is_empty() {
        return Err(PhoneNumberError::LonePlus);
    }
    if digits.starts_with('0') {
        return Err(PhoneNumberError::LeadingZero);
    }
    if digits.len() > 15 {
        return Err(PhoneNumberError::TooLong(digits.len()));
    }
    if digits.len() < 2 {
        return Err(PhoneNumberError::TooShort);
    }
    Ok(())
}

/// A TOTP issuer or user label: non-empty, no control characters, at most
/// [`MAX_LABEL_CHARS`] characters. Any other Unicode is allowed, because the
/// `otpauth://` URI percent-encodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpLabel(String);

/// Reason an issuer or user label was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TotpLabelError {
    #[error("Enter the {field}. It is shown in the authenticator app.")]
    Empty { field: &'static str },
    #[error("The {field} contains a control character (such as a tab or line break). Remove it.")]
    ControlCharacter { field: &'static str },
    #[error("The {field} has {length} characters. Shorten it to at most {max}.", max = MAX_LABEL_CHARS)]
    TooLong { field: &'static str, length: usize },
}

impl TotpLabel {
    /// Parses the label for `field` ("issuer" or "user"), trimming surrounding
    /// white space.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, TotpLabelError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(TotpLabelError::Empty { field });
        }
        if trimmed.chars().any(char::is_control) {
            return Err(TotpLabelError::ControlCharacter { field });
        }
        let length = trimmed.chars().count();
        if length > MAX_LABEL_CHARS {
            return Err(TotpLabelError::TooLong { field, length });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// Returns the label text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_accepts_six_digits() {
        assert_eq!(
            OtpCode::parse("123456").map(|c| c.0),
            Ok("123456".to_owned())
        );
    }

    #[test]
    fn code_normalises_pasted_forms() {
        for input in [
            "123 456",
            "123-456",
            "  123456  ",
            "１２３４５６",
            "１２３ ４５６",
        ] {
            assert_eq!(
                OtpCode::parse(input).map(|c| c.0),
                Ok("123456".to_owned()),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn code_rejects_wrong_lengths() {
        assert_eq!(OtpCode::parse("12345"), Err(OtpCodeError::WrongLength(5)));
        assert_eq!(OtpCode::parse("1234567"), Err(OtpCodeError::WrongLength(7)));
        assert_eq!(OtpCode::parse(""), Err(OtpCodeError::Empty));
        assert_eq!(OtpCode::parse("   "), Err(OtpCodeError::Empty));
    }

    #[test]
    fn code_rejects_letters() {
        assert_eq!(OtpCode::parse("abc123"), Err(OtpCodeError::NotADigit('a')));
        assert_eq!(OtpCode::parse("12345x"), Err(OtpCodeError::NotADigit('x')));
    }

    #[test]
    fn code_debug_hides_digits() {
        let code = OtpCode::parse("987654");
        assert!(code.is_ok());
        let printed = format!("{code:?}");
        assert!(!printed.contains("987654"), "{printed}");
    }

    #[test]
    fn phone_accepts_e164() {
        let number = PhoneNumber::parse("+15005550006");
        assert_eq!(number.as_ref().map(PhoneNumber::expose), Ok("+15005550006"));
        assert!(PhoneNumber::parse("+442071838750").is_ok());
    }

    #[test]
    fn phone_suggests_normalised_form() {
        for input in ["+1 (555) 123-4567", "0015551234567", "+1.555.123.4567"] {
            let error = PhoneNumber::parse(input);
            assert_eq!(
                error,
                Err(PhoneNumberError::Formatted {
                    suggestion: "+15551234567".to_owned()
                }),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn phone_rejects_specific_mistakes() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneNumberError::Empty));
        assert_eq!(PhoneNumber::parse("+"), Err(PhoneNumberError::LonePlus));
        assert_eq!(
            PhoneNumber::parse("+1555abc4567"),
            Err(PhoneNumberError::InvalidCharacter('a'))
        );
        assert_eq!(
            PhoneNumber::parse("+1234567890123456"),
            Err(PhoneNumberError::TooLong(16))
        );
        assert_eq!(
            PhoneNumber::parse("+05551234567"),
            Err(PhoneNumberError::LeadingZero)
        );
        assert_eq!(
            PhoneNumber::parse("1234567890"),
            Err(PhoneNumberError::MissingPlus)
        );
    }

    #[test]
    fn phone_rejects_inner_plus() {
        assert_eq!(
            PhoneNumber::parse("+1500+5550006"),
            Err(PhoneNumberError::InvalidCharacter('+'))
        );
        assert_eq!(
            PhoneNumber::parse("++15005550006"),
            Err(PhoneNumberError::InvalidCharacter('+'))
        );
    }

    #[test]
    fn phone_bare_international_prefix_is_short() {
        assert_eq!(PhoneNumber::parse("00"), Err(PhoneNumberError::TooShort));
        assert_eq!(PhoneNumber::parse("00 -"), Err(PhoneNumberError::TooShort));
        assert_eq!(PhoneNumber::parse("+ -"), Err(PhoneNumberError::LonePlus));
    }

    #[test]
    fn label_rules() {
        assert!(TotpLabel::parse("issuer", "Äcme GmbH").is_ok());
        assert!(TotpLabel::parse("user", "山田太郎").is_ok());
        assert_eq!(
            TotpLabel::parse("issuer", "  "),
            Err(TotpLabelError::Empty { field: "issuer" })
        );
        assert_eq!(
            TotpLabel::parse("user", "a\tb"),
            Err(TotpLabelError::ControlCharacter { field: "user" })
        );
        let long = "x".repeat(MAX_LABEL_CHARS + 1);
        assert_eq!(
            TotpLabel::parse("user", &long),
            Err(TotpLabelError::TooLong {
                field: "user",
                length: MAX_LABEL_CHARS + 1
            })
        );
    }
}

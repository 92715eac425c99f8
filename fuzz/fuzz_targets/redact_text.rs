//! `redact::redact_secrets` on arbitrary text: it must never panic, and its
//! output must hold no run of six digits and no `otpauth://` URI body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_console::redact::redact_secrets;

fuzz_target!(|text: &str| {
    let redacted = redact_secrets(text);

    let mut digits_in_row = 0;
    for c in redacted.chars() {
        if c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c) {
            digits_in_row += 1;
            assert!(digits_in_row < 6, "a six-digit run survived: {redacted:?}");
        } else {
            digits_in_row = 0;
        }
    }

    let lower = redacted.to_ascii_lowercase();
    for (index, _) in lower.match_indices("otpauth://") {
        let body = &redacted[index + "otpauth://".len()..];
        assert!(
            body.starts_with("<redacted>"),
            "an otpauth URI survived: {redacted:?}"
        );
    }
});

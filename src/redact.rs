//! Masking for values that may be shown or logged but not in full.
//!
//! Factor and challenge IDs are sensitive, so the log panel masks them unless the
//! user turns masking off. Phone numbers are always masked outside the request
//! body. [`redact_secrets`] masks anything that looks like a secret in free text
//! whose origin is unknown, such as a panic message.

/// ID prefixes the WorkOS API uses for MFA objects.
const ID_PREFIXES: [&str; 3] = ["auth_factor_", "auth_challenge_", "user_"];

/// Masks a phone number, keeping `+`, the first digit and the last two digits:
/// `+15005550006` becomes `+1********06`.
pub fn mask_phone(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let keep_start = if chars[0] == '+' { 2 } else { 1 };
    let keep_end = 2;
    let mut masked = String::with_capacity(chars.len());
    for (index, ch) in chars.iter().enumerate() {
        if index < keep_start || index >= chars.len() - keep_end {
            masked.push(*ch);
        } else {
            masked.push('*');
        }
    }
    masked
}

/// Masks an object ID, keeping its prefix and the last four characters:
/// `auth_factor_01FVYZ5QM8N98T9ME5BCB2BBMJ` becomes `auth_factor_…BBMJ`.
/// Text that is not a known ID is returned unchanged. A word in lower case
/// after the prefix, as in the `user_management` path segment, is not an ID,
/// because IDs are upper-case ULIDs.
pub fn mask_id(id: &str) -> String {
    for prefix in ID_PREFIXES {
        if let Some(rest) = id.strip_prefix(prefix)
            && rest.len() > 4
            && rest.chars().all(|c| c.is_ascii_alphanumeric())
            && rest
                .chars()
                .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            let tail = &rest[rest.len() - 4..];
            return format!("{prefix}…{tail}");
        }
    }
    id.to_owned()
}

/// Masks every object ID in free text or a URL path:
/// `/auth/factors/auth_factor_01F…BBMJ/challenge` keeps only the ID's prefix
/// and last four characters.
pub fn mask_ids_in_text(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ID_PREFIXES
            .iter()
            .filter_map(|prefix| rest.find(prefix).map(|index| (index, *prefix)))
            .min_by_key(|(index, _)| *index);
        let Some((start, prefix)) = next else {
            output.push_str(rest);
            return output;
        };
        let after_prefix = &rest[start + prefix.len()..];
        let id_length = after_prefix
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after_prefix.len());
        let end = start + prefix.len() + id_length;
        output.push_str(&rest[..start]);
        output.push_str(&mask_id(&rest[start..end]));
        rest = &rest[end..];
    }
}

/// Shows an API key as its prefix and last four characters (`sk_test_…a1b2`).
/// Keys with fewer than 12 characters after the prefix show only the prefix, so
/// at least 8 characters always stay hidden.
pub fn mask_api_key(key: &str) -> String {
    let prefix_end = key
        .match_indices('_')
        .nth(1)
        .map_or(0, |(index, _)| index + 1);
    let char_count = key.chars().count();
    if char_count < prefix_end + 12 {
        return format!("{}…", &key[..prefix_end]);
    }
    let tail: String = key.chars().skip(char_count - 4).collect();
    format!("{}…{tail}", &key[..prefix_end])
}

/// Masks every run of seven or more digits (with an optional leading `+`) in
/// free text, such as an API error message that repeats the phone number it
/// rejected.
pub fn mask_digit_runs(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, output: &mut String| {
        let digit_count = run.chars().filter(char::is_ascii_digit).count();
        if digit_count >= 7 {
            output.push_str(&mask_phone(run));
        } else {
            output.push_str(run);
        }
        run.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_digit() || (ch == '+' && run.is_empty()) {
            run.push(ch);
        } else {
            flush(&mut run, &mut output);
            output.push(ch);
        }
    }
    flush(&mut run, &mut output);
    output
}

/// Marker that replaces an `otpauth://` URI's body or a Base32 secret.
pub const REDACTED: &str = "<redacted>";

/// Digits in a run that [`redact_secrets`] masks: one-time codes have 6.
const MIN_SECRET_DIGITS: usize = 6;
/// Base32 characters in a run that [`redact_secrets`] treats as a TOTP secret.
/// Secrets of 80 bits or more have at least 16.
const MIN_SECRET_BASE32: usize = 16;
const API_KEY_PREFIXES: [&str; 2] = ["sk_test_", "sk_live_"];
const OTPAUTH_SCHEME: &str = "otpauth://";

/// Masks everything in `text` that may be a secret, for text of unknown
/// origin such as panic messages:
///
/// - an `otpauth://` URI becomes `otpauth://<redacted>`;
/// - an `sk_test_` or `sk_live_` key is masked by [`mask_api_key`];
/// - a run of 16 or more Base32 characters (`A`-`Z`, `2`-`7`), also in groups
///   of four separated by single spaces, becomes `<redacted>`;
/// - every digit of a run of 6 or more digits becomes `*`. Full-width digits
///   count, and single spaces or dashes between digits continue the run, so
///   `123 456`, `123-456` and phone numbers are caught.
///
/// It errs on the side of masking: long numbers and upper-case words of 16 or
/// more letters are masked too.
pub fn redact_secrets(text: &str) -> String {
    let text = redact_otpauth_uris(text);
    let text = redact_api_keys(&text);
    let text = redact_base32_runs(&text);
    redact_digit_runs(&text)
}

/// Returns the byte index of the first match of `needle` in `haystack`,
/// ignoring ASCII case.
fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .char_indices()
        .map(|(index, _)| index)
        .find(|&index| {
            haystack
                .get(index..index + needle.len())
                .is_some_and(|candidate| candidate.eq_ignore_ascii_case(needle))
        })
}

fn redact_otpauth_uris(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_ignoring_case(rest, OTPAUTH_SCHEME) {
        output.push_str(&rest[..start]);
        output.push_str(OTPAUTH_SCHEME);
        output.push_str(REDACTED);
        let body = &rest[start + OTPAUTH_SCHEME.len()..];
        // A URI ends at white space or at the quotes and brackets that
        // delimit it in Debug output, logs and prose.
        let end = body
            .find(|c: char| c.is_whitespace() || c.is_control() || "\"'<>`".contains(c))
            .unwrap_or(body.len());
        rest = &body[end..];
    }
    output.push_str(rest);
    output
}

fn redact_api_keys(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = API_KEY_PREFIXES
            .iter()
            .filter_map(|prefix| rest.find(prefix))
            .min();
        let Some(start) = next else {
            output.push_str(rest);
            return output;
        };
        let key_and_rest = &rest[start..];
        let key_length = key_and_rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(key_and_rest.len());
        output.push_str(&rest[..start]);
        output.push_str(&mask_api_key(&key_and_rest[..key_length]));
        rest = &key_and_rest[key_length..];
    }
}

fn is_base32(c: char) -> bool {
    c.is_ascii_uppercase() || ('2'..='7').contains(&c)
}

fn redact_base32_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        if !is_base32(chars[index]) {
            output.push(chars[index]);
            index += 1;
            continue;
        }
        let (end, count) = base32_run(&chars, index);
        if count >= MIN_SECRET_BASE32 {
            output.push_str(REDACTED);
        } else {
            output.extend(&chars[index..end]);
        }
        index = end;
    }
    output
}

/// Returns where the Base32 run starting at `start` ends and how many Base32
/// characters it has. A single space continues the run only between groups of
/// exactly four, the way the console shows secrets.
fn base32_run(chars: &[char], start: usize) -> (usize, usize) {
    let mut end = start;
    while end < chars.len() && is_base32(chars[end]) {
        end += 1;
    }
    let mut count = end - start;
    if count != 4 {
        return (end, count);
    }
    loop {
        let group_start = end + 1;
        let continues =
            chars.get(end) == Some(&' ') && chars.get(group_start).copied().is_some_and(is_base32);
        if !continues {
            return (end, count);
        }
        let mut group_end = group_start;
        while group_end < chars.len() && is_base32(chars[group_end]) && group_end - group_start < 4
        {
            group_end += 1;
        }
        let group_length = group_end - group_start;
        let run_goes_on = chars.get(group_end).copied().is_some_and(is_base32);
        if run_goes_on {
            return (end, count);
        }
        end = group_end;
        count += group_length;
        if group_length < 4 {
            return (end, count);
        }
    }
}

/// Returns the ASCII digit for an ASCII or full-width digit.
fn digit_value(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '\u{FF10}'..='\u{FF19}' => char::from_u32(u32::from('0') + (u32::from(c) - 0xFF10)),
        _ => None,
    }
}

fn redact_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        if digit_value(chars[index]).is_none() {
            output.push(chars[index]);
            index += 1;
            continue;
        }
        let mut end = index;
        let mut digits = 0;
        while end < chars.len() {
            if digit_value(chars[end]).is_some() {
                digits += 1;
                end += 1;
            } else if matches!(chars[end], ' ' | '-' | '\u{3000}')
                && chars.get(end + 1).copied().and_then(digit_value).is_some()
            {
                end += 1;
            } else {
                break;
            }
        }
        for &c in &chars[index..end] {
            if digits >= MIN_SECRET_DIGITS && digit_value(c).is_some() {
                output.push('*');
            } else {
                output.push(c);
            }
        }
        index = end;
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_keeps_country_and_tail() {
        assert_eq!(mask_phone("+15005550006"), "+1********06");
        assert_eq!(mask_phone("+44"), "***");
    }

    #[test]
    fn id_keeps_prefix_and_tail() {
        assert_eq!(
            mask_id("auth_factor_01FVYZ5QM8N98T9ME5BCB2BBMJ"),
            "auth_factor_…BBMJ"
        );
        assert_eq!(mask_id("enroll"), "enroll");
    }

    #[test]
    fn text_masks_each_id() {
        assert_eq!(
            mask_ids_in_text("/auth/factors/auth_factor_01FVYZ5QM8N98T9ME5BCB2BBMJ/challenge"),
            "/auth/factors/auth_factor_…BBMJ/challenge"
        );
        assert_eq!(
            mask_ids_in_text(
                "The authentication challenge 'auth_challenge_01ABCDEFGH' has expired."
            ),
            "The authentication challenge 'auth_challenge_…EFGH' has expired."
        );
        assert_eq!(
            mask_ids_in_text("user_id is required"),
            "user_id is required"
        );
        assert_eq!(
            mask_ids_in_text("/user_management/users/user_01E4ZCR3C56J083X43JQXF3JK5/auth_factors"),
            "/user_management/users/user_…3JK5/auth_factors"
        );
    }

    #[test]
    fn digit_runs_are_masked_in_text() {
        assert_eq!(
            mask_digit_runs("Phone number is invalid: '+15005550006'"),
            "Phone number is invalid: '+1********06'"
        );
        assert_eq!(mask_digit_runs("retry in 30 s"), "retry in 30 s");
    }

    #[test]
    fn api_key_shows_prefix_and_last_four() {
        assert_eq!(mask_api_key("sk_test_abcdefgh1234"), "sk_test_…1234");
        assert_eq!(mask_api_key("sk_test_12"), "sk_test_…");
        assert_eq!(mask_api_key("short"), "…");
    }

    #[test]
    fn secrets_masks_otpauth_uri() {
        assert_eq!(
            redact_secrets("uri \"otpauth://totp/Foo:bar?secret=JBSWY3DPEHPK3PXP&period=30\" end"),
            "uri \"otpauth://<redacted>\" end"
        );
        assert_eq!(
            redact_secrets("OTPAUTH://totp/x?secret=AB"),
            "otpauth://<redacted>"
        );
    }

    #[test]
    fn secrets_masks_api_keys() {
        assert_eq!(
            redact_secrets("key=sk_test_abcdefghijklmnopqrstuvwxyz1234, next"),
            "key=sk_test_…1234, next"
        );
        assert_eq!(redact_secrets("sk_live_short"), "sk_live_…");
    }

    #[test]
    fn secrets_masks_base32_runs() {
        assert_eq!(
            redact_secrets("secret JBSWY3DPEHPK3PXP!"),
            "secret <redacted>!"
        );
        assert_eq!(
            redact_secrets("shown as JBSW Y3DP EHPK 3PXP here"),
            "shown as <redacted> here"
        );
        assert_eq!(
            redact_secrets("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "<redacted>"
        );
        assert_eq!(redact_secrets("HTTP ERROR ABCDEFGH"), "HTTP ERROR ABCDEFGH");
        assert_eq!(redact_secrets("ABCD EFGH"), "ABCD EFGH");
    }

    #[test]
    fn secrets_masks_digit_runs() {
        assert_eq!(redact_secrets("code 123456."), "code ******.");
        assert_eq!(redact_secrets("code 123 456"), "code *** ***");
        assert_eq!(redact_secrets("code 123-456"), "code ***-***");
        assert_eq!(redact_secrets("code １２３４５６"), "code ******");
        assert_eq!(redact_secrets("+15005550006"), "+***********");
        assert_eq!(redact_secrets("line 42 of 12345"), "line 42 of 12345");
        assert_eq!(redact_secrets("12 34 56"), "** ** **");
    }

    #[test]
    fn secrets_leaves_plain_text() {
        let text = "index out of bounds: the len is 3 but the index is 7";
        assert_eq!(redact_secrets(text), text);
        assert_eq!(redact_secrets(""), "");
        assert_eq!(redact_secrets("Äcme 山田太郎"), "Äcme 山田太郎");
    }
}

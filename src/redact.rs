//! Masking for values that may be shown or logged but not in full.
//!
//! Factor and challenge IDs are sensitive, so the log panel masks them unless the
//! user turns masking off. Phone numbers are always masked outside the request
//! body.

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
}

//! Object IDs: a type prefix and a ULID, as the WorkOS API uses.

use std::sync::{Mutex, PoisonError};

use ulid::{Generator, Ulid};

pub const FACTOR_PREFIX: &str = "auth_factor_";
pub const CHALLENGE_PREFIX: &str = "auth_challenge_";
pub const USER_PREFIX: &str = "user_";
pub const SMS_PREFIX: &str = "sms_";
pub const FAULT_PREFIX: &str = "fault_";

/// Maximum number of characters after the prefix. Generated IDs have 26.
pub const MAX_ID_CHARS: usize = 64;

/// One generator for the process, so IDs made in the same millisecond still
/// sort in creation order.
static GENERATOR: Mutex<Generator> = Mutex::new(Generator::new());

/// Returns a new ID: `prefix` followed by a ULID that sorts after every ULID
/// this process generated before.
pub fn new_id(prefix: &str) -> String {
    let ulid = GENERATOR
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .generate()
        // The generator fails when its random part overflows within one
        // millisecond; a plain random ULID is then still unique.
        .unwrap_or_else(|_| Ulid::new());
    format!("{prefix}{ulid}")
}

/// Returns whether `text` is `prefix` followed by 1 to [`MAX_ID_CHARS`] ASCII
/// letters and digits.
pub fn is_valid_id(prefix: &str, text: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty()
            && rest.len() <= MAX_ID_CHARS
            && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_sort_in_creation_order() {
        let ids: Vec<String> = (0..100).map(|_| new_id(FACTOR_PREFIX)).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert!(ids.iter().all(|id| is_valid_id(FACTOR_PREFIX, id)));
    }

    #[test]
    fn id_validation() {
        assert!(is_valid_id(USER_PREFIX, "user_01E4ZCR3C56J083X43JQXF3JK5"));
        assert!(!is_valid_id(USER_PREFIX, "user_"));
        assert!(!is_valid_id(USER_PREFIX, "user_01E4-ZCR3"));
        assert!(!is_valid_id(USER_PREFIX, "auth_factor_01E4ZCR3C56J083X43"));
        assert!(!is_valid_id(
            USER_PREFIX,
            &format!("user_{}", "A".repeat(65))
        ));
    }
}

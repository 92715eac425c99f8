//! Clearing a copied secret from the system clipboard, through `arboard`.
//! The calls block on the windowing system, so the worker runs them on its
//! blocking pool.

use crate::clipboard_guard::Fingerprint;

/// Result of a clipboard clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearOutcome {
    /// The clipboard still contained the copied text and is now empty.
    Cleared,
    /// The clipboard contained something else (or nothing), so it was left as
    /// it is.
    LeftAlone,
}

/// Failure to read or clear the clipboard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClipboardError {
    /// No clipboard could be opened, as on a machine with no display.
    #[error("clipboard unavailable ({0})")]
    Unavailable(String),
    #[error("the clipboard could not be read or cleared ({0})")]
    Failed(String),
}

/// Clears the system clipboard if it still contains the text `fingerprint`
/// was made from.
///
/// NOTE: on Wayland, `arboard` without its `wayland-data-control` feature
/// reaches the clipboard through XWayland. That path was not tested.
pub fn clear_if_unchanged(fingerprint: Fingerprint) -> Result<ClearOutcome, ClipboardError> {
    let mut clipboard = arboard::Clipboard::new()
        .map_err(|error| ClipboardError::Unavailable(error.to_string()))?;
    let current = match clipboard.get_text() {
        Ok(text) => Some(text),
        Err(arboard::Error::ContentNotAvailable) => None,
        Err(error) => return Err(ClipboardError::Failed(error.to_string())),
    };
    match decide(fingerprint, current.as_deref()) {
        ClearOutcome::Cleared => {
            clipboard
                .clear()
                .map_err(|error| ClipboardError::Failed(error.to_string()))?;
            Ok(ClearOutcome::Cleared)
        }
        ClearOutcome::LeftAlone => Ok(ClearOutcome::LeftAlone),
    }
}

/// Decides whether to clear, given the clipboard's text (`None` when it is
/// empty or contains no text).
fn decide(fingerprint: Fingerprint, current: Option<&str>) -> ClearOutcome {
    match current {
        Some(text) if fingerprint.matches(text) => ClearOutcome::Cleared,
        _ => ClearOutcome::LeftAlone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clears_only_copied_text() {
        let fingerprint = Fingerprint::of("123456");
        assert_eq!(decide(fingerprint, Some("123456")), ClearOutcome::Cleared);
        assert_eq!(
            decide(fingerprint, Some("something else")),
            ClearOutcome::LeftAlone
        );
        assert_eq!(
            decide(fingerprint, Some("123456\n")),
            ClearOutcome::LeftAlone
        );
        assert_eq!(decide(fingerprint, None), ClearOutcome::LeftAlone);
    }

    #[test]
    fn clear_never_touches_other_text() {
        // Runs against whatever clipboard this machine has: none in CI, where
        // the result is Unavailable. On a desktop the clipboard cannot contain
        // this random text, so it is left alone.
        let random = format!("mfa-console clipboard test {}", ulid::Ulid::new());
        let result = clear_if_unchanged(Fingerprint::of(&random));
        assert!(
            matches!(
                result,
                Ok(ClearOutcome::LeftAlone) | Err(ClipboardError::Unavailable(_))
            ),
            "{result:?}"
        );
    }
}

//! Labels whose characters the loaded fonts may not cover, such as Japanese or
//! Chinese issuer and user names on a machine without a CJK font.
//!
//! egui 0.37's bundled proportional fonts (Ubuntu Light and its icon font)
//! cover Latin, Greek and Cyrillic but no CJK.
//! The console turns on eframe's fallback to an installed system font (its
//! `system_fonts` feature). When no installed font has a character either,
//! egui would draw an empty box, so these helpers show `?` in its place and
//! explain why, instead of a label that silently reads wrong.

/// Shown when a label contains characters that no installed font can draw.
pub const MISSING_GLYPH_NOTICE: &str = "Some characters can't be displayed because no installed font has them; they show as '?'. Install a font that covers them, such as Noto Sans CJK, and restart the console.";

/// Drawn in place of a character that no font has.
const REPLACEMENT: char = '?';

/// Returns whether `c` needs no glyph of its own: white space, control
/// characters, zero-width format characters and variation selectors.
fn needs_no_glyph(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FE00}'..='\u{FE0F}')
}

/// Returns `text` with every character that no loaded font can draw in the
/// body text style replaced by `?`, and whether any was replaced. Checking a
/// character may load a system font for it.
pub fn displayable_text(ui: &egui::Ui, text: &str) -> (String, bool) {
    let font_id = egui::TextStyle::Body.resolve(ui.style());
    ui.ctx().fonts_mut(|fonts| {
        let mut replaced = false;
        let shown = text
            .chars()
            .map(|c| {
                if needs_no_glyph(c) || fonts.has_glyph(&font_id, c) {
                    c
                } else {
                    replaced = true;
                    REPLACEMENT
                }
            })
            .collect();
        (shown, replaced)
    })
}

/// Draws `text` as a label. Characters that no font can draw show as `?`,
/// and the label's hover text then explains why. Returns whether any
/// character was replaced.
pub fn label_ui(ui: &mut egui::Ui, text: &str) -> bool {
    let (shown, replaced) = displayable_text(ui, text);
    let response = ui.label(shown);
    if replaced {
        response.on_hover_text(MISSING_GLYPH_NOTICE);
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_characters_need_no_glyph() {
        for c in [' ', '\t', '\u{200D}', '\u{FE0F}'] {
            assert!(needs_no_glyph(c), "{c:?}");
        }
        for c in ['a', 'Ä', '山'] {
            assert!(!needs_no_glyph(c), "{c:?}");
        }
    }
}

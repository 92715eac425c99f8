//! The countdown to clearing a copied secret from the clipboard.

use std::time::Instant;

use crate::clipboard_guard::ClipboardGuard;
use crate::ui::{UiAction, palette};

/// Draws "Clipboard clears in N s" with a button to clear at once, and requests
/// a repaint when the number of seconds changes.
pub fn clipboard_status_ui(
    ui: &mut egui::Ui,
    guard: &ClipboardGuard,
    now: Instant,
) -> Option<UiAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.colored_label(palette::AMBER, guard.countdown_text(now));
        if !guard.is_clearing() {
            if ui.small_button("Clear clipboard now").clicked() {
                action = Some(UiAction::ClearClipboardNow);
            }
            ui.ctx().request_repaint_after(guard.until_next_change(now));
        }
    });
    action
}

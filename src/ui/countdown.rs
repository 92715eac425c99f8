//! The `mm:ss` countdown to a challenge's expiry.

use std::time::Duration;

use crate::session::format_countdown;
use crate::ui::palette;

/// Time left under which the countdown turns amber.
const WARNING_THRESHOLD: Duration = Duration::from_secs(60);

/// Draws the time left and requests one repaint a second while it runs, never
/// continuous frames. Draws nothing for `None` (no `expires_at`).
pub fn countdown_ui(ui: &mut egui::Ui, remaining: Option<Duration>) -> Option<egui::Response> {
    let remaining = remaining?;
    if remaining.is_zero() {
        return Some(ui.colored_label(palette::RED, "expired"));
    }
    let text = format!("expires in {}", format_countdown(remaining));
    let response = if remaining < WARNING_THRESHOLD {
        ui.colored_label(palette::AMBER, text)
    } else {
        ui.label(text)
    };
    // Wake up when the displayed second changes.
    let until_next_second = Duration::from_nanos(u64::from(remaining.subsec_nanos()));
    let delay = if until_next_second.is_zero() {
        Duration::from_secs(1)
    } else {
        until_next_second
    };
    ui.ctx().request_repaint_after(delay);
    Some(response)
}

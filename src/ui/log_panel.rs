//! The log panel: every request and user action, newest at the bottom, in a
//! virtualised table so only the visible rows are laid out, with a text and
//! level filter, row copy and JSON Lines export.

use std::path::PathBuf;

use egui_extras::{Column, TableBuilder};

use crate::activity::{ActivityRecord, Level};
use crate::redact;
use crate::ui::{UiAction, glyphs, palette};

/// ID of the filter input, for Ctrl+F.
pub const FILTER_ID: &str = "log-filter";

/// Lowest level shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LevelFilter {
    #[default]
    All,
    InfoAndAbove,
    WarnAndAbove,
    ErrorOnly,
}

impl LevelFilter {
    fn admits(self, level: Level) -> bool {
        match self {
            Self::All => true,
            Self::InfoAndAbove => level >= Level::Info,
            Self::WarnAndAbove => level >= Level::Warn,
            Self::ErrorOnly => level == Level::Error,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::All => "All levels",
            Self::InfoAndAbove => "Info and above",
            Self::WarnAndAbove => "Warnings and errors",
            Self::ErrorOnly => "Errors",
        }
    }
}

/// Records, display settings and the cached filter result.
#[derive(Default)]
pub struct LogPanel {
    pub records: Vec<ActivityRecord>,
    /// Whether object IDs are shown in full; masked by default.
    pub show_ids: bool,
    pub filter: String,
    pub level: LevelFilter,
    pub export_path: String,
    pub export_message: Option<(bool, String)>,
    /// Indices of the records that pass the filter, and what they were
    /// computed for: filter text, level, record count and ID display.
    visible: Vec<usize>,
    visible_for: Option<(String, LevelFilter, usize, bool)>,
    /// Lower-case text of each record, with IDs masked and in full, built
    /// once per record so a refilter only runs substring checks.
    search_masked: Vec<String>,
    search_full: Vec<String>,
}

impl LogPanel {
    /// Creates an empty panel that exports to `default_folder` unless the user
    /// types another path.
    pub fn new(default_folder: &std::path::Path) -> Self {
        Self {
            export_path: default_folder
                .join("mfa-console-log.jsonl")
                .display()
                .to_string(),
            ..Self::default()
        }
    }

    /// Appends a record.
    pub fn push(&mut self, record: ActivityRecord) {
        self.records.push(record);
    }

    /// Returns the indices of the records that pass the filter, recomputing
    /// them only when the filter or the records changed.
    pub fn visible_rows(&mut self) -> &[usize] {
        self.extend_search_text();
        let key = (
            self.filter.clone(),
            self.level,
            self.records.len(),
            self.show_ids,
        );
        if self.visible_for.as_ref() != Some(&key) {
            let needle = self.filter.trim().to_lowercase();
            let appended_only = matches!(
                &self.visible_for,
                Some((text, level, count, ids)) if *text == key.0 && *level == key.1 && *ids == key.3 && *count <= key.2
            );
            let start = if appended_only {
                self.visible_for
                    .as_ref()
                    .map_or(0, |(_, _, count, _)| *count)
            } else {
                self.visible.clear();
                0
            };
            let search = if self.show_ids {
                &self.search_full
            } else {
                &self.search_masked
            };
            for (index, record) in self.records.iter().enumerate().skip(start) {
                if self.level.admits(record.level)
                    && (needle.is_empty()
                        || search.get(index).is_some_and(|text| text.contains(&needle)))
                {
                    self.visible.push(index);
                }
            }
            self.visible_for = Some(key);
        }
        &self.visible
    }

    /// Builds the search text of records added since the last call.
    fn extend_search_text(&mut self) {
        if self.search_masked.len() > self.records.len() {
            self.search_masked.clear();
            self.search_full.clear();
        }
        for record in &self.records[self.search_masked.len()..] {
            self.search_masked
                .push(row_text(record, false).to_lowercase());
            self.search_full.push(row_text(record, true).to_lowercase());
        }
    }

    /// Returns the visible records as JSON Lines, one object per record.
    pub fn export_json_lines(&mut self) -> String {
        let show_ids = self.show_ids;
        let indices = self.visible_rows().to_vec();
        let mut text = String::new();
        for index in indices {
            if let Some(record) = self.records.get(index) {
                text.push_str(&record_json(record, show_ids).to_string());
                text.push('\n');
            }
        }
        text
    }

    /// Draws the panel contents.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<UiAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            ui.strong("Log");
            let label = ui.label("Filter");
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .id(egui::Id::unique(FILTER_ID))
                    .hint_text("text (Ctrl+F)")
                    .desired_width(180.0),
            )
            .labelled_by(label.id);
            let label = ui.label("Level");
            let combo = egui::ComboBox::from_id_salt("log-level")
                .selected_text(self.level.title())
                .show_ui(ui, |ui| {
                    for level in [
                        LevelFilter::All,
                        LevelFilter::InfoAndAbove,
                        LevelFilter::WarnAndAbove,
                        LevelFilter::ErrorOnly,
                    ] {
                        ui.selectable_value(&mut self.level, level, level.title());
                    }
                });
            combo.response.labelled_by(label.id);
            ui.checkbox(&mut self.show_ids, "Show IDs");
            let shown = self.visible_rows().len();
            ui.label(format!("{shown} of {} records", self.records.len()));
            if ui.button("Export JSON Lines…").clicked() {
                action = Some(UiAction::ExportLog { path: None });
            }
            if ui.button("Clear").clicked() {
                self.records.clear();
                self.search_masked.clear();
                self.search_full.clear();
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label("Export to path");
            ui.add(egui::TextEdit::singleline(&mut self.export_path).desired_width(320.0))
                .labelled_by(label.id);
            if ui.button("Export").clicked() && !self.export_path.trim().is_empty() {
                action = Some(UiAction::ExportLog {
                    path: Some(PathBuf::from(self.export_path.trim())),
                });
            }
        });
        // On a line of its own, so a long message wraps instead of running
        // past the panel's edge.
        if let Some((ok, message)) = &self.export_message {
            ui.colored_label(if *ok { palette::GREEN } else { palette::RED }, message);
        }
        self.table_ui(ui);
        action
    }

    fn table_ui(&mut self, ui: &mut egui::Ui) {
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        let show_ids = self.show_ids;
        let visible = self.visible_rows().to_vec();
        let records = &self.records;
        TableBuilder::new(ui)
            .striped(true)
            .resizable(true)
            .stick_to_bottom(true)
            // The Copy button comes first and the outcome takes the rest of
            // the width, so the outcome ends at the panel's edge, not past it.
            .column(Column::auto().at_least(40.0))
            .column(Column::auto().at_least(84.0))
            .column(Column::auto().at_least(90.0))
            .column(Column::auto().at_least(50.0))
            .column(Column::initial(300.0).at_least(120.0).clip(true))
            .column(Column::auto().at_least(44.0))
            .column(Column::auto().at_least(60.0))
            .column(Column::initial(110.0).clip(true))
            .column(Column::remainder().at_least(120.0).clip(true))
            .header(row_height, |mut header| {
                for title in [
                    "",
                    "Time (UTC)",
                    "Environment",
                    "Method",
                    "Path",
                    "Status",
                    "Latency",
                    "Request ID",
                    "Outcome",
                ] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, visible.len(), |mut row| {
                    let Some(record) = visible
                        .get(row.index())
                        .and_then(|&index| records.get(index))
                    else {
                        return;
                    };
                    let cells = row_cells(record, show_ids);
                    let colour = level_colour(record.level);
                    row.col(|ui| {
                        // Never wrap "Copy" into two lines, which would make the
                        // row taller than the fixed row height.
                        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                        if ui.small_button("Copy").on_hover_text("Copy row").clicked() {
                            ui.ctx().copy_text(cells.join("\t"));
                        }
                    });
                    for (index, cell) in cells.iter().enumerate() {
                        row.col(|ui| {
                            let (cell, replaced) = glyphs::displayable_text(ui, cell);
                            let mut text = egui::RichText::new(cell);
                            if index == OUTCOME_COLUMN
                                && let Some(colour) = colour
                            {
                                text = text.color(colour);
                            }
                            // Path, request ID and outcome can be wider than
                            // their columns: end them with "…" and show the
                            // whole text on hover.
                            let label = egui::Label::new(text);
                            let response = if CLIPPED_COLUMNS.contains(&index) {
                                ui.add(label.truncate())
                            } else {
                                ui.add(label)
                            };
                            if replaced {
                                response.on_hover_text(glyphs::MISSING_GLYPH_NOTICE);
                            }
                        });
                    }
                });
            });
    }
}

/// Index of the outcome among the cells of a row.
const OUTCOME_COLUMN: usize = 7;

/// Cells whose columns have a fixed width: path, request ID and outcome.
const CLIPPED_COLUMNS: [usize; 3] = [3, 6, OUTCOME_COLUMN];

fn level_colour(level: Level) -> Option<egui::Color32> {
    match level {
        Level::Warn => Some(palette::AMBER),
        Level::Error => Some(palette::RED),
        Level::Debug | Level::Info => None,
    }
}

fn row_text(record: &ActivityRecord, show_ids: bool) -> String {
    row_cells(record, show_ids).join(" ")
}

/// Returns a record as a JSON object, with IDs masked unless `show_ids`.
pub fn record_json(record: &ActivityRecord, show_ids: bool) -> serde_json::Value {
    let cells = row_cells(record, show_ids);
    let mut value = serde_json::json!({
        "time": record.time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "environment": record.environment,
        "level": record.level.as_str(),
        "outcome": cells[OUTCOME_COLUMN],
    });
    if let Some(exchange) = &record.exchange {
        value["method"] = serde_json::json!(exchange.method);
        value["path"] = serde_json::json!(cells[3]);
        value["status"] = serde_json::json!(exchange.status);
        value["latency_ms"] = serde_json::json!(exchange.latency.as_millis());
        value["request_id"] = serde_json::json!(exchange.request_id);
    }
    value
}

/// Returns a record's cells as text, with IDs masked unless `show_ids`.
pub fn row_cells(record: &ActivityRecord, show_ids: bool) -> [String; 8] {
    let time = format!(
        "{:02}:{:02}:{:02}.{:03}",
        record.time.hour(),
        record.time.minute(),
        record.time.second(),
        record.time.millisecond()
    );
    let mask = |text: &str| {
        if show_ids {
            text.to_owned()
        } else {
            redact::mask_ids_in_text(text)
        }
    };
    match &record.exchange {
        Some(exchange) => [
            time,
            record.environment.clone(),
            exchange.method.clone(),
            mask(&exchange.path),
            exchange
                .status
                .map_or_else(|| "—".to_owned(), |status| status.to_string()),
            format!("{} ms", exchange.latency.as_millis()),
            exchange.request_id.clone().unwrap_or_default(),
            mask(&record.outcome),
        ],
        None => [
            time,
            record.environment.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            mask(&record.outcome),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(level: Level, outcome: &str) -> ActivityRecord {
        ActivityRecord::action("Local emulator", level, outcome)
    }

    #[test]
    fn filter_by_text_and_level() {
        let mut panel = LogPanel::default();
        panel.push(record(
            Level::Info,
            "Enrolled TOTP factor auth_factor_01ABCDEFGH",
        ));
        panel.push(record(Level::Warn, "Verify failed"));
        panel.push(record(Level::Error, "Enrollment failed"));
        assert_eq!(panel.visible_rows(), &[0, 1, 2]);
        panel.level = LevelFilter::WarnAndAbove;
        assert_eq!(panel.visible_rows(), &[1, 2]);
        panel.level = LevelFilter::All;
        panel.filter = "ENROLL".to_owned();
        assert_eq!(panel.visible_rows(), &[0, 2]);
        panel.push(record(Level::Info, "enrolled again"));
        assert_eq!(panel.visible_rows(), &[0, 2, 3]);
    }

    #[test]
    fn masked_ids_are_not_searchable() {
        let mut panel = LogPanel::default();
        panel.push(record(
            Level::Info,
            "Created challenge auth_challenge_01ABCDEFGH",
        ));
        panel.filter = "01ABCD".to_owned();
        assert!(panel.visible_rows().is_empty());
        panel.show_ids = true;
        assert_eq!(panel.visible_rows(), &[0]);
    }

    #[test]
    fn export_is_one_json_object_per_line() {
        let mut panel = LogPanel::default();
        panel.push(record(
            Level::Info,
            "Enrolled TOTP factor auth_factor_01ABCDEFGH",
        ));
        panel.push(record(Level::Warn, "Verify failed"));
        let text = panel.export_json_lines();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["outcome"], "Enrolled TOTP factor auth_factor_…EFGH");
        assert_eq!(first["level"], "info");
    }
}

//! The log panel: every request and user action, newest at the bottom, in a
//! virtualised table so only the visible rows are laid out.

use egui_extras::{Column, TableBuilder};

use crate::activity::{ActivityRecord, Level};
use crate::redact;
use crate::ui::palette;

/// Records and display settings.
#[derive(Default)]
pub struct LogPanel {
    pub records: Vec<ActivityRecord>,
    /// Whether object IDs are shown in full; masked by default.
    pub show_ids: bool,
}

impl LogPanel {
    /// Appends a record.
    pub fn push(&mut self, record: ActivityRecord) {
        self.records.push(record);
    }

    /// Draws the panel contents.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("Log");
            ui.label(format!("{} records", self.records.len()));
            ui.checkbox(&mut self.show_ids, "Show IDs");
            if ui.button("Clear").clicked() {
                self.records.clear();
            }
        });

        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        let show_ids = self.show_ids;
        TableBuilder::new(ui)
            .striped(true)
            .resizable(true)
            .stick_to_bottom(true)
            .column(Column::auto().at_least(80.0))
            .column(Column::auto().at_least(90.0))
            .column(Column::auto().at_least(50.0))
            .column(Column::initial(320.0).at_least(120.0).clip(true))
            .column(Column::auto().at_least(44.0))
            .column(Column::auto().at_least(60.0))
            .column(Column::initial(120.0).clip(true))
            .column(Column::remainder().clip(true))
            .header(row_height, |mut header| {
                for title in [
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
                body.rows(row_height, self.records.len(), |mut row| {
                    let Some(record) = self.records.get(row.index()) else {
                        return;
                    };
                    let cells = row_cells(record, show_ids);
                    let colour = level_colour(record.level);
                    for (index, cell) in cells.into_iter().enumerate() {
                        row.col(|ui| {
                            if index == 7
                                && let Some(colour) = colour
                            {
                                ui.colored_label(colour, cell);
                            } else {
                                ui.label(cell);
                            }
                        });
                    }
                });
            });
    }
}

fn level_colour(level: Level) -> Option<egui::Color32> {
    match level {
        Level::Warn => Some(palette::AMBER),
        Level::Error => Some(palette::RED),
        Level::Debug | Level::Info => None,
    }
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

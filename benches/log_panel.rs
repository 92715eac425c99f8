//! The log panel with 100,000 records: the time to draw one frame (layout of
//! the visible rows only, as the table is virtualised), the time to refilter
//! every record after the filter text changes, and the memory the records use.
//!
//! Run with `cargo bench --bench log_panel`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;
use mfa_console::activity::{ActivityRecord, Exchange, Level};
use mfa_console::ui::log_panel::LogPanel;

const RECORDS: usize = 100_000;

fn record(index: usize) -> ActivityRecord {
    if index.is_multiple_of(2) {
        ActivityRecord::exchange(
            "Local emulator",
            Exchange {
                method: "POST".to_owned(),
                path: format!(
                    "/auth/challenges/auth_challenge_01JB7Y3V5QY8R5D8K2M1N{index:07}/verify"
                ),
                status: Some(if index.is_multiple_of(10) { 422 } else { 201 }),
                latency: Duration::from_millis((index % 90) as u64),
                request_id: Some(format!("01JB7Y3V5QY8R5D8K2{index:08}")),
                failure: None,
                retry: 0,
            },
        )
    } else {
        ActivityRecord::action(
            "Local emulator",
            Level::Info,
            format!("Created challenge auth_challenge_01JB7Y3V5QY8R5D8K2M1N{index:07}"),
        )
    }
}

fn filled_panel() -> LogPanel {
    let mut panel = LogPanel::new(std::path::Path::new("/tmp"));
    for index in 0..RECORDS {
        panel.push(record(index));
    }
    panel
}

/// Resident set size of this process in bytes, from /proc (Linux only).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn log_panel(criterion: &mut Criterion) {
    let before = resident_bytes();
    let mut panel = filled_panel();
    // Build the per-record search text too, as the first frame does.
    black_box(panel.visible_rows().len());
    if let (Some(before), Some(after)) = (before, resident_bytes()) {
        eprintln!(
            "memory: {RECORDS} log records with their search text add {:.1} MiB of resident memory",
            after.saturating_sub(before) as f64 / (1024.0 * 1024.0)
        );
    }

    let mut harness = Harness::builder()
        .with_size([1200.0, 400.0])
        .build_ui_state(
            |ui, panel: &mut LogPanel| {
                panel.ui(ui);
            },
            panel,
        );
    harness.run_steps(2);
    criterion.bench_function("log_frame_100k_records", |bench| {
        bench.iter(|| {
            harness.step();
        });
    });

    let mut panel = filled_panel();
    let mut toggle = false;
    criterion.bench_function("log_refilter_100k_records", |bench| {
        bench.iter(|| {
            toggle = !toggle;
            panel.filter = if toggle {
                "verify".to_owned()
            } else {
                "challenge".to_owned()
            };
            black_box(panel.visible_rows().len());
        });
    });

    let mut panel = filled_panel();
    panel.filter = "verify".to_owned();
    panel.visible_rows();
    let mut next = RECORDS;
    criterion.bench_function("log_append_one_filtered", |bench| {
        bench.iter(|| {
            panel.push(record(next));
            next += 1;
            black_box(panel.visible_rows().len());
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = log_panel
}
criterion_main!(benches);

//! A panic hook that masks secrets before the panic message reaches standard
//! error.
//!
//! The default hook prints the panic message as it is. A message built from a
//! value (an `expect` on a parse result, an index into a secret) could carry an
//! API key, a TOTP secret, an `otpauth://` URI, a one-time code or a phone
//! number. This hook therefore passes the message through
//! [`redact::redact_secrets`](crate::redact::redact_secrets) first.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::io::Write as _;
use std::panic::PanicHookInfo;

use crate::redact::redact_secrets;

/// Replaces the process's panic hook with one that writes the thread, the
/// location and the redacted message to standard error, then the backtrace
/// when `RUST_BACKTRACE` enables one.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let report = panic_report(info);
        // Standard error is all a panic can report to; if writing fails there
        // is nowhere else to say so.
        let _ = std::io::stderr().lock().write_all(report.as_bytes());
    }));
}

fn panic_report(info: &PanicHookInfo<'_>) -> String {
    let thread = std::thread::current();
    let location = info.location().map(|location| {
        format!(
            "{}:{}:{}",
            location.file(),
            location.line(),
            location.column()
        )
    });
    let message = info
        .payload_as_str()
        .unwrap_or("(the panic payload is not text)");
    let backtrace = Backtrace::capture();
    let backtrace =
        (backtrace.status() == BacktraceStatus::Captured).then(|| backtrace.to_string());
    format_report(
        thread.name().unwrap_or("<unnamed>"),
        location.as_deref(),
        message,
        backtrace.as_deref(),
    )
}

/// Formats a panic report like the standard hook's, with the message redacted.
/// The backtrace holds only code locations, so it is not redacted.
fn format_report(
    thread_name: &str,
    location: Option<&str>,
    message: &str,
    backtrace: Option<&str>,
) -> String {
    let location = location.unwrap_or("an unknown location");
    let mut report = format!(
        "\nthread '{thread_name}' panicked at {location}:\n{}\n",
        redact_secrets(message)
    );
    match backtrace {
        Some(backtrace) => {
            report.push_str("stack backtrace:\n");
            report.push_str(backtrace);
            if !backtrace.ends_with('\n') {
                report.push('\n');
            }
        }
        None => report.push_str(
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        ),
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_redacts_message() {
        let report = format_report(
            "main",
            Some("src/main.rs:1:2"),
            "bad code 123456 for otpauth://totp/a?secret=JBSWY3DPEHPK3PXP",
            None,
        );
        assert_eq!(
            report,
            "\nthread 'main' panicked at src/main.rs:1:2:\nbad code ****** for otpauth://<redacted>\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
        );
    }

    #[test]
    fn report_appends_backtrace() {
        let report = format_report("worker", None, "boom", Some("   0: frame"));
        assert!(
            report.starts_with("\nthread 'worker' panicked at an unknown location:\nboom\n"),
            "{report}"
        );
        assert!(
            report.ends_with("stack backtrace:\n   0: frame\n"),
            "{report}"
        );
    }
}

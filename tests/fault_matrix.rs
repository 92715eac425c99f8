//! Every console operation through every fault the emulator can inject, as
//! one table. Each cell must end in the right message and keep what the user
//! typed. No UI frame may take longer than 50 ms while the fault is in
//! progress. Each cell runs against its own emulator and console. Frames are
//! timed without the run-queue wait that other processes cause; see
//! [`measure_frame`].

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::Http;
use common::console::{
    Fixture, click, console, create_challenge, enroll_totp, open_tab, type_into,
};
use egui_kittest::kittest::Queryable as _;
use mfa_console::totp;
use serde_json::{Value, json};

/// Maximum frame time while a request is in flight.
const FRAME_BUDGET: Duration = Duration::from_millis(50);

/// Returns this thread's time on a CPU and time spent runnable but waiting
/// for one, from `/proc/thread-self/schedstat` (Linux).
fn scheduler_times() -> Option<(Duration, Duration)> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut fields = text.split_whitespace().map(str::parse::<u64>);
    let on_cpu = fields.next()?.ok()?;
    let waiting = fields.next()?.ok()?;
    Some((Duration::from_nanos(on_cpu), Duration::from_nanos(waiting)))
}

/// Measures one frame: the wall time less the time the thread was runnable
/// but had no CPU because other processes were using both cores. Time spent
/// computing or blocked (on I/O or a lock) counts in full, so a UI thread that
/// waits on the network fails the budget while a busy machine does not.
fn measure_frame(step: impl FnOnce()) -> Duration {
    let before = scheduler_times();
    let started = Instant::now();
    step();
    let wall = started.elapsed();
    match (before, scheduler_times()) {
        (Some((_, waiting_before)), Some((_, waiting_after))) => {
            wall.saturating_sub(waiting_after.saturating_sub(waiting_before))
        }
        _ => wall,
    }
}
/// Cells run at once; most of a cell's time is spent waiting on the emulator.
const PARALLEL_CELLS: usize = 2;
const WORKOS_USER: &str = "user_01E4ZCR3C56J083X43JQXF3JK5";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    EnrollTotp,
    EnrollSms,
    Challenge,
    Verify,
    Get,
    Delete,
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Latency10s,
    Status500,
    Status503RetryAfter,
    RateLimit429,
    MalformedJson,
    TruncatedBody,
    Empty200,
    HugeBody,
    DroppedConnection,
}

const OPERATIONS: [Operation; 7] = [
    Operation::EnrollTotp,
    Operation::EnrollSms,
    Operation::Challenge,
    Operation::Verify,
    Operation::Get,
    Operation::Delete,
    Operation::List,
];

const FAULTS: [Fault; 9] = [
    Fault::Latency10s,
    Fault::Status500,
    Fault::Status503RetryAfter,
    Fault::RateLimit429,
    Fault::MalformedJson,
    Fault::TruncatedBody,
    Fault::Empty200,
    Fault::HugeBody,
    Fault::DroppedConnection,
];

impl Operation {
    fn method_and_path(self) -> (&'static str, &'static str) {
        match self {
            Self::EnrollTotp | Self::EnrollSms => ("POST", "/auth/factors/enroll"),
            Self::Challenge => ("POST", "/auth/factors/*/challenge"),
            Self::Verify => ("POST", "/auth/challenges/*/verify"),
            Self::Get => ("GET", "/auth/factors/*"),
            Self::Delete => ("DELETE", "/auth/factors/*"),
            Self::List => ("GET", "/user_management/users/*/auth_factors"),
        }
    }

    fn is_repeatable(self) -> bool {
        matches!(self, Self::Get | Self::Delete | Self::List)
    }

    /// Text of the log record that reports success.
    fn success(self) -> &'static str {
        match self {
            Self::EnrollTotp => "Enrolled TOTP",
            Self::EnrollSms => "Enrolled SMS",
            Self::Challenge => "Created challenge",
            Self::Verify => "Valid code",
            Self::Get => "Refreshed factor",
            Self::Delete => "Deleted factor",
            Self::List => "Listed 1 factors",
        }
    }
}

impl Fault {
    fn kind(self) -> Value {
        match self {
            Self::Latency10s => json!({ "type": "latency", "milliseconds": 10_000 }),
            Self::Status500 => json!({ "type": "status", "status": 500 }),
            Self::Status503RetryAfter => {
                json!({ "type": "status", "status": 503, "retry_after_seconds": 1 })
            }
            Self::RateLimit429 => json!({ "type": "rate_limit", "retry_after_seconds": 30 }),
            Self::MalformedJson => json!({ "type": "malformed_body" }),
            Self::TruncatedBody => json!({ "type": "truncated_body" }),
            Self::Empty200 => json!({ "type": "status", "status": 200, "empty_body": true }),
            Self::HugeBody => json!({ "type": "huge_body", "bytes": 2_000_000 }),
            Self::DroppedConnection => json!({ "type": "drop_connection" }),
        }
    }
}

/// What a cell must end in: texts that must all appear in one log record.
fn expected(operation: Operation, fault: Fault) -> Vec<&'static str> {
    let unknown = "outcome is unknown";
    match (fault, operation.is_repeatable()) {
        (Fault::Latency10s, _) => vec![operation.success()],
        // GET and DELETE are retried once the fault has passed.
        (Fault::Status500 | Fault::Status503RetryAfter, true) => vec![operation.success()],
        (Fault::Status500, false) => vec!["The server failed (500)"],
        (Fault::Status503RetryAfter, false) => vec!["The server failed (503)"],
        (Fault::RateLimit429, _) if operation == Operation::Verify => {
            vec!["Rate limited", "Wait 30 s"]
        }
        (Fault::RateLimit429, _) => vec!["Rate limited (429): wait 30 s"],
        (Fault::MalformedJson, false) => vec!["The response could not be read", unknown],
        (Fault::MalformedJson, true) if operation == Operation::Delete => vec![operation.success()],
        (Fault::MalformedJson, true) => vec!["The response could not be read"],
        (Fault::TruncatedBody, false) => vec!["The request failed", unknown],
        (Fault::TruncatedBody, true) => vec!["The request failed"],
        (Fault::Empty200, true) if operation == Operation::Delete => vec![operation.success()],
        (Fault::Empty200, true) => vec!["The response could not be read"],
        (Fault::Empty200, false) => vec!["The response could not be read", unknown],
        (Fault::HugeBody, true) => vec!["larger than 1024 KiB"],
        (Fault::HugeBody, false) => vec!["larger than 1024 KiB", unknown],
        (Fault::DroppedConnection, false) => vec!["The request failed", unknown],
        (Fault::DroppedConnection, true) => vec!["The request failed"],
    }
}

/// Text fields typed before the request, with the label of each, to check
/// afterwards that nothing typed was lost.
type TypedFields = Vec<(&'static str, String)>;

/// Prepares the console up to the click that sends the operation's request,
/// and returns the label of that button and the fields typed for it.
fn prepare(fixture: &mut Fixture, operation: Operation) -> (&'static str, TypedFields) {
    let harness = &mut fixture.harness;
    match operation {
        Operation::EnrollTotp => {
            open_tab(harness, "Enroll");
            type_into(harness, "Issuer", "Foo Corp");
            type_into(harness, "User", "alan@example.com");
            (
                "Enroll factor",
                vec![
                    ("Issuer", "Foo Corp".to_owned()),
                    ("User", "alan@example.com".to_owned()),
                ],
            )
        }
        Operation::EnrollSms => {
            click(harness, "SMS");
            type_into(harness, "Phone number", "+15005550006");
            (
                "Enroll factor",
                vec![("Phone number", "+15005550006".to_owned())],
            )
        }
        Operation::Challenge => {
            enroll_totp(harness, "Foo Corp", "alan@example.com");
            open_tab(harness, "Challenges");
            ("Create challenge", Vec::new())
        }
        Operation::Verify => {
            let secret = enroll_totp(harness, "Foo Corp", "alan@example.com");
            create_challenge(harness);
            open_tab(harness, "Verify");
            let code = totp::code_at(&secret, common::unix_now()).unwrap();
            type_into(harness, "One-time code", &code);
            ("Verify code", vec![("One-time code", code)])
        }
        Operation::Get => {
            enroll_totp(harness, "Foo Corp", "alan@example.com");
            open_tab(harness, "Factors");
            ("Refresh", Vec::new())
        }
        Operation::Delete => {
            enroll_totp(harness, "Foo Corp", "alan@example.com");
            open_tab(harness, "Factors");
            click(harness, "Delete");
            ("Confirm delete", Vec::new())
        }
        Operation::List => {
            let client = common::sdk(&fixture.emulator.base_url, &fixture.config.api_key);
            fixture.runtime.block_on(async {
                client
                    .multi_factor_auth()
                    .create_user_auth_factor(
                        WORKOS_USER,
                        workos::multi_factor_auth::CreateUserAuthFactorParams::new(
                            workos::EnrollUserAuthenticationFactor {
                                type_: "totp".to_owned(),
                                totp_issuer: Some("Foo Corp".to_owned()),
                                totp_user: Some("ada@example.com".to_owned()),
                                totp_secret: None,
                            },
                        ),
                    )
                    .await
                    .expect("the user factor is enrolled")
            });
            let harness = &mut fixture.harness;
            open_tab(harness, "Factors");
            type_into(harness, "WorkOS user ID", WORKOS_USER);
            (
                "List factors",
                vec![("WorkOS user ID", WORKOS_USER.to_owned())],
            )
        }
    }
}

/// Runs one cell and returns a description of what went wrong, if anything.
fn run_cell(operation: Operation, fault: Fault) -> Option<String> {
    let mut fixture = console();
    let (button, typed) = prepare(&mut fixture, operation);
    let http = Http::new(&fixture.emulator, &fixture.config);
    let (method, path) = operation.method_and_path();
    let (status, body) = fixture.runtime.block_on(http.post(
        "/_emulator/faults",
        json!({ "method": method, "path": path, "count": 1, "kind": fault.kind() }),
    ));
    assert_eq!(status, 201, "fault rule accepted: {body}");

    let records_before = fixture.harness.state().log_records().len();
    let harness = &mut fixture.harness;
    harness.get_by_label(button).click();
    let started = Instant::now();
    let mut longest_frame = Duration::ZERO;
    loop {
        longest_frame = longest_frame.max(measure_frame(|| harness.step()));
        if started.elapsed() > Duration::from_millis(100) && !harness.state().is_busy() {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Some("did not finish within 30 s".to_owned());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(2);

    let mut problems = Vec::new();
    if longest_frame > FRAME_BUDGET {
        problems.push(format!("a frame took {longest_frame:?}"));
    }
    let expected_texts = expected(operation, fault);
    let records = &harness.state().log_records()[records_before..];
    let found = records
        .iter()
        .filter(|record| record.exchange.is_none())
        .any(|record| {
            expected_texts
                .iter()
                .all(|text| record.outcome.contains(text))
        });
    if !found {
        let outcomes: Vec<&str> = records
            .iter()
            .map(|record| record.outcome.as_str())
            .collect();
        problems.push(format!(
            "no record contains {expected_texts:?}; records: {outcomes:?}"
        ));
    }
    for (label, value) in typed {
        let shown = harness.query_by_label(label).and_then(|node| node.value());
        let kept = shown.as_deref() == Some(value.as_str())
            // A valid code is cleared on purpose once it has been used.
            || (label == "One-time code" && operation == Operation::Verify && expected_texts == vec![operation.success()]);
        if !kept {
            problems.push(format!("{label} lost what was typed: {shown:?}"));
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

#[test]
fn every_operation_through_every_fault() {
    let cells: Vec<(Operation, Fault)> = OPERATIONS
        .iter()
        .flat_map(|&operation| FAULTS.iter().map(move |&fault| (operation, fault)))
        .collect();
    let queue = std::sync::Mutex::new(cells);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..PARALLEL_CELLS {
            let queue = &queue;
            let failures = &failures;
            std::thread::Builder::new()
                .name(format!("fault-cell-{worker}"))
                .spawn_scoped(scope, move || {
                    loop {
                        let Some((operation, fault)) = queue.lock().unwrap().pop() else {
                            return;
                        };
                        if let Some(problem) = run_cell(operation, fault) {
                            failures
                                .lock()
                                .unwrap()
                                .push(format!("{operation:?} x {fault:?}: {problem}"));
                        }
                    }
                })
                .expect("cell thread starts");
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

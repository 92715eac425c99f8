#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The console's panic hook, seen from outside: this test binary re-runs itself
//! as a child that installs the hook and panics with secrets in the message,
//! and the parent reads what reached the child's standard error.

use std::process::Command;

/// Tells the child to install the hook and panic. Unset in a normal test run.
const CHILD_VARIABLE: &str = "MFA_PANIC_REDACTION_CHILD";
/// Name of the test function that acts as the child.
const CHILD_TEST: &str = "child_process_entry";

/// Made-up secrets of the shapes the hook must mask.
const API_KEY: &str = "sk_test_Zq8Lr2Wx9Kc4Vb7Nm1Pd6Hs3Tf5Gy0Jw";
const TOTP_SECRET: &str = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";
const OTPAUTH_URI: &str =
    "otpauth://totp/Foo%20Corp:alan?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Foo%20Corp";
const CODE: &str = "492039";
const PHONE: &str = "+15005550006";

/// The child's side. In a normal test run the variable is unset and it
/// returns at once.
#[test]
fn child_process_entry() {
    if std::env::var_os(CHILD_VARIABLE).is_none() {
        return;
    }
    mfa_console::panic_hook::install();
    panic!(
        "verify failed: key {API_KEY}, secret {TOTP_SECRET}, uri {OTPAUTH_URI}, code {CODE}, phone {PHONE}"
    );
}

#[test]
fn panic_message_is_redacted_on_stderr() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_VARIABLE, "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the test binary runs as a child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);

    assert!(
        !output.status.success(),
        "the child panics, so its test fails"
    );
    assert!(
        stderr.contains("panicked at tests/panic_redaction.rs"),
        "the hook reports the location: {stderr}"
    );
    assert!(
        stderr.contains("verify failed: key sk_test_…y0Jw"),
        "the key is masked, not dropped: {stderr}"
    );
    for (kind, secret) in [
        ("API key", API_KEY),
        ("TOTP secret", TOTP_SECRET),
        ("otpauth URI", OTPAUTH_URI),
        ("URI's secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
        ("one-time code", CODE),
        ("phone number", PHONE),
    ] {
        assert!(
            !stderr.contains(secret),
            "stderr contains the {kind}: {stderr}"
        );
        assert!(
            !stdout.contains(secret),
            "stdout contains the {kind}: {stdout}"
        );
    }
    for marker in [
        "secret <redacted>",
        "uri otpauth://<redacted>",
        "code ******",
        "phone +***********",
    ] {
        assert!(stderr.contains(marker), "stderr lacks '{marker}': {stderr}");
    }
}

//! A console driven through egui_kittest against a real emulator on
//! 127.0.0.1, with helpers that act as a user would: by accessible labels.

use std::sync::Arc;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use mfa_console::app::ConsoleApp;
use mfa_console::client::EnrolledKind;
use mfa_console::emulator::{EmulatorConfig, RunningEmulator};
use mfa_console::environment::Environment;
use mfa_console::keystore::{KeyStore, MemoryKeyStore};
use mfa_console::settings::Settings;
use workos::SecretString;

/// A console pointed at a fresh emulator, with the runtime that serves it.
pub struct Fixture {
    pub harness: Harness<'static, ConsoleApp>,
    pub emulator: RunningEmulator,
    pub config: EmulatorConfig,
    pub runtime: tokio::runtime::Runtime,
}

/// Starts an emulator and a console whose only environments are the emulator
/// and WorkOS production (never contacted by tests).
pub fn console() -> Fixture {
    console_with_keystore(Arc::new(MemoryKeyStore::default()))
}

/// Like [`console`], with a chosen key store.
pub fn console_with_keystore(keystore: Arc<dyn KeyStore>) -> Fixture {
    let registry =
        mfa_console::registry::Registry::open_in_memory().expect("in-memory registry opens");
    console_with(keystore, Ok(Arc::new(std::sync::Mutex::new(registry))))
}

/// Like [`console`], with a chosen key store and registry.
pub fn console_with(
    keystore: Arc<dyn KeyStore>,
    registry: mfa_console::worker::SharedRegistry,
) -> Fixture {
    build_fixture(keystore, registry, false)
}

/// Like [`console`], with the system font fallback that eframe installs in the
/// shipped console, so labels in scripts egui's own fonts lack can render.
pub fn console_with_system_fonts() -> Fixture {
    let registry =
        mfa_console::registry::Registry::open_in_memory().expect("in-memory registry opens");
    build_fixture(
        Arc::new(MemoryKeyStore::default()),
        Ok(Arc::new(std::sync::Mutex::new(registry))),
        true,
    )
}

fn build_fixture(
    keystore: Arc<dyn KeyStore>,
    registry: mfa_console::worker::SharedRegistry,
    system_fonts: bool,
) -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("test runtime starts");
    let (emulator, config) = runtime.block_on(super::start_emulator());
    let environments = vec![
        Environment::emulator(
            &emulator.base_url,
            SecretString::new(config.api_key.clone()),
        ),
        Environment::production(),
    ];
    let app = ConsoleApp::new(environments, keystore, Settings::default(), registry)
        .expect("console starts");
    let mut builder = Harness::builder().with_size([1200.0, 900.0]);
    if system_fonts {
        builder = builder.with_context_setup(|context| {
            context.add_font_provider(Arc::new(
                egui_system_font_provider::SystemFontProvider::new(),
            ));
        });
    }
    let harness = builder.build_ui_state(|ui, app: &mut ConsoleApp| app.show(ui), app);
    Fixture {
        harness,
        emulator,
        config,
        runtime,
    }
}

/// Steps frames until `done` holds for the app, for at most five seconds.
pub fn step_until(
    harness: &mut Harness<'_, ConsoleApp>,
    what: &str,
    done: impl Fn(&ConsoleApp) -> bool,
) {
    for _ in 0..500 {
        harness.step();
        if done(harness.state()) {
            harness.run_steps(2);
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}

/// Steps frames until nothing is in flight.
pub fn settle(harness: &mut Harness<'_, ConsoleApp>, what: &str) {
    step_until(harness, what, |app| !app.is_busy());
}

/// Focuses the text input labelled `label` and types `text` into it.
pub fn type_into(harness: &mut Harness<'_, ConsoleApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run_steps(1);
    harness.get_by_label(label).type_text(text);
    // One frame takes the text; the next draws what depends on it.
    harness.run_steps(2);
}

/// Empties the focused-by-label text input.
pub fn clear_input(harness: &mut Harness<'_, ConsoleApp>, label: &str) {
    harness.get_by_label(label).focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    harness.run_steps(2);
}

/// Clicks the widget labelled `label` and runs two frames.
pub fn click(harness: &mut Harness<'_, ConsoleApp>, label: &str) {
    harness.get_by_label(label).click();
    harness.run_steps(2);
}

/// Clicks the tab titled `title` in the tab bar.
pub fn open_tab(harness: &mut Harness<'_, ConsoleApp>, title: &str) {
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, title)
        .click();
    harness.run_steps(2);
}

/// Picks `name` in the environment selector.
pub fn select_environment(harness: &mut Harness<'_, ConsoleApp>, name: &str) {
    harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Environment")
        .click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, name)
        .click();
    harness.run_steps(2);
}

/// Returns whether some widget on screen is labelled exactly `text`.
pub fn shown(harness: &Harness<'_, ConsoleApp>, text: &str) -> bool {
    harness.query_all_by_label(text).next().is_some()
}

/// Enrolls a TOTP factor through the Enroll tab and returns its secret.
pub fn enroll_totp(harness: &mut Harness<'_, ConsoleApp>, issuer: &str, user: &str) -> String {
    open_tab(harness, "Enroll");
    clear_input(harness, "Issuer");
    type_into(harness, "Issuer", issuer);
    clear_input(harness, "User");
    type_into(harness, "User", user);
    click(harness, "Enroll factor");
    settle(harness, "the enrollment");
    enrolled_secret(harness.state()).expect("a TOTP factor was enrolled")
}

/// Returns the secret of the factor enrolled last, if it is a TOTP factor.
pub fn enrolled_secret(app: &ConsoleApp) -> Option<String> {
    app.session()
        .enrolled
        .as_ref()
        .and_then(|factor| match &factor.kind {
            EnrolledKind::Totp(totp) => Some(totp.secret.expose().to_owned()),
            _ => None,
        })
}

/// Creates a challenge for the selected factor through the Challenges tab.
pub fn create_challenge(harness: &mut Harness<'_, ConsoleApp>) {
    let before = harness.state().session().challenges.len();
    open_tab(harness, "Challenges");
    click(harness, "Create challenge");
    step_until(harness, "the challenge", |app| {
        app.session().challenges.len() > before
    });
}

/// Types `code` in the Verify tab and presses Verify code.
pub fn verify(harness: &mut Harness<'_, ConsoleApp>, code: &str) {
    open_tab(harness, "Verify");
    clear_input(harness, "One-time code");
    type_into(harness, "One-time code", code);
    click(harness, "Verify code");
    settle(harness, "the verify result");
}

/// Returns how many exchanges with a path ending in `suffix` the log holds.
pub fn requests_to(app: &ConsoleApp, suffix: &str) -> usize {
    app.log_records()
        .iter()
        .filter_map(|record| record.exchange.as_ref())
        .filter(|exchange| exchange.path.ends_with(suffix))
        .count()
}

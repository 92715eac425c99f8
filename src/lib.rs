//! mfa-console: a desktop admin console for the WorkOS Multi-Factor
//! Authentication API, with a built-in local emulator of that API.

pub mod activity;
pub mod app;
pub mod client;
pub mod clipboard_guard;
pub mod emulator;
pub mod environment;
pub mod failure;
pub mod keystore;
pub mod panic_hook;
pub mod qr;
pub mod redact;
pub mod registry;
pub mod session;
pub mod settings;
pub mod totp;
pub mod ui;
pub mod validate;
pub mod worker;

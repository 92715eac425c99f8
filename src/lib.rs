//! mfa-console: a desktop admin console for the WorkOS Multi-Factor
//! Authentication API, with a built-in local emulator of that API.
//!
//! The `console` feature (on by default) adds the desktop console itself.
//! Without it the library is the emulator and the pure parts both sides
//! share: input validation, redaction, TOTP and QR decoding.

pub mod emulator;
pub mod qr;
pub mod redact;
pub mod totp;
pub mod validate;

#[cfg(feature = "console")]
pub mod activity;
#[cfg(feature = "console")]
pub mod app;
#[cfg(feature = "console")]
pub mod client;
#[cfg(feature = "console")]
pub mod clipboard_guard;
#[cfg(feature = "console")]
pub mod environment;
#[cfg(feature = "console")]
pub mod failure;
#[cfg(feature = "console")]
pub mod keystore;
#[cfg(feature = "console")]
pub mod panic_hook;
#[cfg(feature = "console")]
pub mod registry;
#[cfg(feature = "console")]
pub mod session;
#[cfg(feature = "console")]
pub mod settings;
#[cfg(feature = "console")]
pub mod ui;
#[cfg(feature = "console")]
pub mod worker;

//! Command line: `mfa-console` opens the console; `mfa-console emulator` runs
//! the WorkOS MFA emulator headless. The command line is the one place that
//! writes to standard output and standard error directly.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{Args, Parser, Subcommand};
use mfa_console::app::ConsoleApp;
use mfa_console::emulator::{
    DEFAULT_MAX_ATTEMPTS, EmulatorConfig, RunningEmulator, StartError, console_state_file,
    generate_api_key,
};
use mfa_console::environment::Environment;
use mfa_console::keystore::OsKeyStore;
use mfa_console::registry::{self, Registry};
use mfa_console::settings::{STORAGE_KEY, Settings};
use mfa_console::worker::SharedRegistry;
use workos::SecretString;

/// Environment variable that sets the headless emulator's API key.
const EMULATOR_KEY_VARIABLE: &str = "MFA_EMULATOR_API_KEY";

#[derive(Parser)]
#[command(
    name = "mfa-console",
    version,
    about = "Admin console for the WorkOS MFA API, with a local emulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<CliCommand>,
}

#[derive(Subcommand)]
enum CliCommand {
    /// Run the WorkOS MFA emulator without a window and print its base URL.
    Emulator(EmulatorArgs),
}

#[derive(Args)]
struct EmulatorArgs {
    /// TCP port to listen on; 0 picks a free port.
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Address to listen on. Anything other than loopback exposes the emulator
    /// to the network.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Print the API key to standard output. Without this flag the key is never
    /// printed.
    #[arg(long)]
    print_key: bool,
    /// Wrong codes a challenge accepts before verify returns 400 too many attempts.
    #[arg(long, default_value_t = DEFAULT_MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..))]
    max_attempts: u32,
    /// Reject a TOTP code whose time step already verified on the same factor.
    #[arg(long)]
    reject_reused_codes: bool,
    /// JSON file of users and factors (with known IDs and secrets) to load at
    /// start. The format is in docs/EMULATOR.md.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// JSON file that keeps the emulator's users, factors, challenges and SMS
    /// outbox across restarts. It contains TOTP secrets and is written with
    /// owner-only permissions. Without it, state lives in memory only.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

fn main() -> ExitCode {
    mfa_console::panic_hook::install();
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(CliCommand::Emulator(args)) => run_emulator(&args),
        None => run_console(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mfa-console: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn run_emulator(args: &EmulatorArgs) -> Result<(), String> {
    let from_environment = std::env::var(EMULATOR_KEY_VARIABLE)
        .ok()
        .filter(|key| !key.trim().is_empty());
    let key_was_generated = from_environment.is_none();
    let config = EmulatorConfig {
        api_key: from_environment.unwrap_or_else(generate_api_key),
        max_attempts: args.max_attempts,
        reject_reused_codes: args.reject_reused_codes,
        seed_file: args.seed.clone(),
        state_file: args.state.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("emulator")
        .enable_all()
        .build()
        .map_err(|error| format!("could not start the async runtime: {error}"))?;

    runtime.block_on(async {
        let address = SocketAddr::new(args.host, args.port);
        let emulator = RunningEmulator::start(&config, address)
            .await
            .map_err(|error| match error {
                StartError::Bind { .. } => format!("{error}. Pick another port with --port."),
                StartError::File(_) => error.to_string(),
            })?;
        if !args.host.is_loopback() {
            eprintln!(
                "WARNING: the emulator listens on {} and is reachable from other machines. Use --host 127.0.0.1 unless you mean to share it.",
                args.host
            );
        }
        println!("mfa-console emulator listening on {}", emulator.base_url);
        if args.print_key {
            println!("API key: {}", config.api_key);
        } else if key_was_generated {
            println!("API key: generated; pass --print-key to see it, or set {EMULATOR_KEY_VARIABLE} to choose one.");
        } else {
            println!("API key: from {EMULATOR_KEY_VARIABLE}");
        }
        match &args.state {
            Some(path) => println!("State file: {}", path.display()),
            None => println!("State: in memory only; pass --state FILE to keep it across restarts."),
        }
        wait_for_stop_signal().await?;
        println!("Stopping the emulator.");
        emulator.stop().await;
        Ok(())
    })
}

/// Waits for Ctrl-C or, on Unix, SIGTERM (sent by `kill`, service managers and
/// container runtimes), so that either one stops the emulator cleanly.
async fn wait_for_stop_signal() -> Result<(), String> {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())
            .map_err(|error| format!("could not listen for SIGTERM: {error}"))?;
        tokio::select! {
            result = ctrl_c => result.map_err(|error| format!("could not wait for Ctrl-C: {error}")),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        ctrl_c
            .await
            .map_err(|error| format!("could not wait for Ctrl-C: {error}"))
    }
}

fn run_console() -> Result<(), String> {
    let emulator_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("emulator")
        .enable_all()
        .build()
        .map_err(|error| format!("could not start the emulator's runtime: {error}"))?;
    // The key is new each start, but factors persist in the data folder.
    let mut config = EmulatorConfig::with_generated_key();
    config.state_file = console_state_file();
    let address = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
    let mut startup_warning = None;
    let emulator = match emulator_runtime.block_on(RunningEmulator::start(&config, address)) {
        Ok(emulator) => emulator,
        Err(error) if config.state_file.is_some() => {
            // A damaged state file must not keep the console from opening:
            // start empty for this run and leave the file as it is.
            tracing::error!(%error, "the emulator's saved state could not be loaded");
            startup_warning = Some(format!(
                "The local emulator's saved state could not be loaded ({error}). It starts empty for this run and does not touch the file; move the file away to start fresh next time."
            ));
            config.state_file = None;
            emulator_runtime
                .block_on(RunningEmulator::start(&config, address))
                .map_err(|error| format!("could not start the local emulator: {error}"))?
        }
        Err(error) => return Err(format!("could not start the local emulator: {error}")),
    };

    let environments = vec![
        Environment::emulator(
            &emulator.base_url,
            SecretString::new(config.api_key.clone()),
        ),
        Environment::production(),
        Environment::staging(),
    ];

    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("mfa-console")
            .with_app_id("mfa-console")
            .with_inner_size([1100.0, 780.0])
            .with_min_inner_size([720.0, 480.0]),
        ..Default::default()
    };
    let registry = open_registry();
    let result = eframe::run_native(
        "mfa-console",
        options,
        Box::new(|creation| {
            let settings: Settings = creation
                .storage
                .and_then(|storage| eframe::get_value(storage, STORAGE_KEY))
                .unwrap_or_default();
            let mut app = ConsoleApp::new(environments, Arc::new(OsKeyStore), settings, registry)?;
            if let Some(warning) = startup_warning {
                app.report_startup_problem(warning);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|error| format!("could not open the window: {error}"));
    emulator_runtime.block_on(emulator.stop());
    drop(emulator_runtime);
    result
}

/// Opens the local factor registry in the platform data folder. A failure is
/// shown in the Factors tab instead of stopping the console.
fn open_registry() -> SharedRegistry {
    let path = registry::default_path().map_err(|error| error.to_string())?;
    let registry = Registry::open(&path).map_err(|error| error.to_string())?;
    tracing::info!(path = %path.display(), "registry opened");
    Ok(Arc::new(Mutex::new(registry)))
}

//! The background tokio runtime. The UI sends a [`Command`], and a task runs it,
//! sends back an [`Event`] and requests a repaint. Network, keyring, registry
//! and file work runs here, so the UI thread does not wait on it. The fault
//! matrix test checks UI frame times while requests fail.

pub mod clipboard;
mod files;
mod registry_tasks;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};

use workos::SecretString;

use crate::activity::ActivityRecord;
use crate::client::{
    ActivitySink, ChallengeInfo, ClientError, ConnectionCheck, EnrolledFactor, FactorInfo,
    HttpClients, MfaClient, OutboxMessage, Target, Verification,
};
use crate::clipboard_guard::{CopiedKind, Fingerprint};
use crate::keystore::{KeyStore, KeyStoreError};
use crate::qr::{DecodedQr, QrImageError};
use crate::validate::{OtpCode, PhoneNumber, TotpLabel};

pub use self::clipboard::{ClearOutcome, ClipboardError};
pub use self::files::{FileError, ImportableKey};
pub use self::registry_tasks::{RegistrySnapshot, RegistryWrite, SharedRegistry};

/// Identifies one command's task, for cancelling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskId(u64);

/// Work for the background runtime.
#[derive(Debug)]
pub enum Command {
    EnrollTotp {
        target: Target,
        /// Environment under which the registry files the factor.
        environment_id: String,
        issuer: TotpLabel,
        user: TotpLabel,
        /// When set, the User Management endpoint enrolls the factor for
        /// this WorkOS user.
        workos_user_id: Option<String>,
    },
    EnrollSms {
        target: Target,
        environment_id: String,
        phone: PhoneNumber,
    },
    /// Reads the registry's factors and SSO users for an environment.
    LoadRegistry {
        environment_id: String,
    },
    WriteRegistry(RegistryWrite),
    Challenge {
        target: Target,
        factor_id: String,
        sms_template: Option<String>,
    },
    Verify {
        target: Target,
        challenge_id: String,
        code: OtpCode,
    },
    GetFactor {
        target: Target,
        factor_id: String,
    },
    DeleteFactor {
        target: Target,
        factor_id: String,
    },
    ListUserFactors {
        target: Target,
        user_id: String,
    },
    TestConnection {
        target: Target,
    },
    /// Reads the emulator's SMS outbox.
    ReadOutbox {
        target: Target,
    },
    LoadKey {
        environment_id: String,
    },
    SaveKey {
        environment_id: String,
        key: SecretString,
    },
    ForgetKey {
        environment_id: String,
    },
    /// Looks for `WORKOS_API_KEY` in the process environment, then in `.env`
    /// and `.env.local` in the working directory.
    FindImportableKey,
    /// Writes `contents` to `path`, or to a path chosen in a save dialog when
    /// `path` is `None`.
    SaveFile {
        path: Option<PathBuf>,
        suggested_name: String,
        contents: Vec<u8>,
    },
    /// Clears the system clipboard if it still contains the copied text.
    ClearClipboard {
        kind: CopiedKind,
        fingerprint: Fingerprint,
    },
}

/// The result of one command.
#[derive(Debug)]
pub enum Outcome {
    /// An enrollment, with its QR code decoded for TOTP factors.
    /// `registry_error` is set when the factor could not be
    /// recorded in the local registry.
    Enrolled {
        result: Result<EnrolledFactor, ClientError>,
        registry_error: Option<String>,
        qr: Option<Result<DecodedQr, QrImageError>>,
    },
    /// A User Management enrollment, which returns a first challenge too.
    EnrolledForUser {
        result: Result<(EnrolledFactor, ChallengeInfo), ClientError>,
        registry_error: Option<String>,
        qr: Option<Result<DecodedQr, QrImageError>>,
    },
    RegistryLoaded {
        environment_id: String,
        result: Result<RegistrySnapshot, String>,
    },
    RegistryWritten(Result<(), String>),
    Challenged(Result<ChallengeInfo, ClientError>),
    Verified {
        challenge_id: String,
        result: Result<Verification, ClientError>,
    },
    FactorRead {
        factor_id: String,
        result: Result<FactorInfo, ClientError>,
    },
    FactorDeleted {
        factor_id: String,
        result: Result<(), ClientError>,
    },
    UserFactors {
        user_id: String,
        result: Result<Vec<FactorInfo>, ClientError>,
    },
    ConnectionTested(Result<ConnectionCheck, ClientError>),
    Outbox(Result<Vec<OutboxMessage>, ClientError>),
    KeyLoaded {
        environment_id: String,
        result: Result<Option<SecretString>, KeyStoreError>,
    },
    KeySaved {
        environment_id: String,
        key: SecretString,
        result: Result<(), KeyStoreError>,
    },
    KeyForgotten {
        environment_id: String,
        result: Result<(), KeyStoreError>,
    },
    ImportableKey(Option<ImportableKey>),
    /// `Ok(None)` means the dialog was cancelled or is not available.
    FileSaved(Result<Option<PathBuf>, FileError>),
    ClipboardCleared {
        kind: CopiedKind,
        fingerprint: Fingerprint,
        result: Result<ClearOutcome, ClipboardError>,
    },
}

/// Messages from the worker to the UI.
#[derive(Debug)]
pub enum Event {
    Done { task: TaskId, outcome: Outcome },
    Activity(ActivityRecord),
}

/// Failure to start the worker.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("The background runtime could not start: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("The HTTP client could not be built: {0}")]
    Http(#[from] ClientError),
}

/// Sends events to the UI and wakes it.
#[derive(Clone)]
struct EventSender {
    events: Sender<Event>,
    repaint: Arc<OnceLock<egui::Context>>,
}

impl EventSender {
    fn send(&self, event: Event) {
        // The receiver is gone only while the app shuts down.
        let _ = self.events.send(event);
        if let Some(context) = self.repaint.get() {
            context.request_repaint();
        }
    }
}

/// The background runtime and the channel back to the UI.
pub struct Worker {
    runtime: tokio::runtime::Runtime,
    sender: EventSender,
    events: Receiver<Event>,
    http: HttpClients,
    keystore: Arc<dyn KeyStore>,
    registry: SharedRegistry,
    next_task: u64,
    running: HashMap<TaskId, tokio::task::AbortHandle>,
}

impl Worker {
    /// Starts a runtime with two named worker threads; requests time out
    /// after `timeout`.
    pub fn new(
        keystore: Arc<dyn KeyStore>,
        registry: SharedRegistry,
        timeout: std::time::Duration,
    ) -> Result<Self, WorkerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mfa-worker")
            .enable_all()
            .build()?;
        let (events_sender, events) = mpsc::channel();
        Ok(Self {
            runtime,
            sender: EventSender {
                events: events_sender,
                repaint: Arc::new(OnceLock::new()),
            },
            events,
            http: HttpClients::new(timeout)?,
            keystore,
            registry,
            next_task: 0,
            running: HashMap::new(),
        })
    }

    /// Replaces the HTTP clients with ones that time out after `timeout`.
    /// Requests already in flight keep their old time-out.
    pub fn set_timeout(&mut self, timeout: std::time::Duration) -> Result<(), ClientError> {
        self.http = HttpClients::new(timeout)?;
        Ok(())
    }

    /// Sets the context to repaint when an event arrives; later calls are
    /// ignored.
    pub fn set_repaint_context(&self, context: &egui::Context) {
        let _ = self.sender.repaint.set(context.clone());
    }

    /// Returns the events that arrived since the last call, without waiting.
    pub fn drain(&mut self) -> Vec<Event> {
        let events: Vec<Event> = self.events.try_iter().collect();
        for event in &events {
            if let Event::Done { task, .. } = event {
                self.running.remove(task);
            }
        }
        events
    }

    /// Runs `command` on the background runtime and returns its task ID.
    pub fn send(&mut self, command: Command) -> TaskId {
        self.next_task += 1;
        let task = TaskId(self.next_task);
        let sender = self.sender.clone();
        let http = self.http.clone();
        let keystore = self.keystore.clone();
        let registry = self.registry.clone();
        let handle = self.runtime.spawn(async move {
            let outcome = run(command, &sender, &http, keystore, &registry).await;
            sender.send(Event::Done { task, outcome });
        });
        self.running.insert(task, handle.abort_handle());
        task
    }

    /// Stops waiting for a task. A request already sent may still have taken
    /// effect on the server; the task's outcome event is not sent.
    pub fn cancel(&mut self, task: TaskId) {
        if let Some(handle) = self.running.remove(&task) {
            handle.abort();
        }
    }

    /// Returns whether a task is still running.
    pub fn is_running(&self, task: TaskId) -> bool {
        self.running.contains_key(&task)
    }
}

fn activity_sink(sender: &EventSender) -> ActivitySink {
    let sender = sender.clone();
    Arc::new(move |record| sender.send(Event::Activity(record)))
}

/// Runs a key store call on the blocking pool, because keyring calls block.
async fn blocking_key_call<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, KeyStoreError> + Send + 'static,
) -> Result<T, KeyStoreError> {
    tokio::task::spawn_blocking(call)
        .await
        .unwrap_or_else(|error| Err(KeyStoreError::Failed(error.to_string())))
}

async fn run(
    command: Command,
    sender: &EventSender,
    http: &HttpClients,
    keystore: Arc<dyn KeyStore>,
    registry: &SharedRegistry,
) -> Outcome {
    let client = |target: &Target| MfaClient::new(target, http, activity_sink(sender));
    match command {
        Command::EnrollTotp {
            target,
            environment_id,
            issuer,
            user,
            workos_user_id: Some(user_id),
        } => {
            let description = format!("TOTP {} / {} for {user_id}", issuer.as_str(), user.as_str());
            let pending =
                registry_tasks::begin_enrollment(registry, environment_id.clone(), description)
                    .await
                    .ok();
            let result = match client(&target) {
                Ok(client) => client.enroll_user_totp(&user_id, &issuer, &user).await,
                Err(error) => Err(error),
            };
            let factor = result.as_ref().ok().map(|(factor, _)| factor);
            let registry_error =
                registry_tasks::finish_enrollment(registry, pending, environment_id, factor)
                    .await
                    .err()
                    .filter(|_| factor.is_some());
            let qr = match factor {
                Some(factor) => decode_qr(factor).await,
                None => None,
            };
            Outcome::EnrolledForUser {
                result,
                registry_error,
                qr,
            }
        }
        Command::EnrollTotp {
            target,
            environment_id,
            issuer,
            user,
            workos_user_id: None,
        } => {
            let description = format!("TOTP {} / {}", issuer.as_str(), user.as_str());
            let pending =
                registry_tasks::begin_enrollment(registry, environment_id.clone(), description)
                    .await
                    .ok();
            let result = match client(&target) {
                Ok(client) => client.enroll_totp(&issuer, &user).await,
                Err(error) => Err(error),
            };
            enrolled(registry, pending, environment_id, result).await
        }
        Command::EnrollSms {
            target,
            environment_id,
            phone,
        } => {
            let description = format!("SMS {}", phone.masked());
            let pending =
                registry_tasks::begin_enrollment(registry, environment_id.clone(), description)
                    .await
                    .ok();
            let result = match client(&target) {
                Ok(client) => client.enroll_sms(&phone).await,
                Err(error) => Err(error),
            };
            enrolled(registry, pending, environment_id, result).await
        }
        Command::LoadRegistry { environment_id } => {
            let result = registry_tasks::load(registry, environment_id.clone()).await;
            Outcome::RegistryLoaded {
                environment_id,
                result,
            }
        }
        Command::WriteRegistry(change) => {
            Outcome::RegistryWritten(registry_tasks::write(registry, change).await)
        }
        Command::Challenge {
            target,
            factor_id,
            sms_template,
        } => Outcome::Challenged(match client(&target) {
            Ok(client) => client.challenge(&factor_id, sms_template).await,
            Err(error) => Err(error),
        }),
        Command::Verify {
            target,
            challenge_id,
            code,
        } => {
            let result = match client(&target) {
                Ok(client) => client.verify(&challenge_id, &code).await,
                Err(error) => Err(error),
            };
            Outcome::Verified {
                challenge_id,
                result,
            }
        }
        Command::GetFactor { target, factor_id } => {
            let result = match client(&target) {
                Ok(client) => client.get_factor(&factor_id).await,
                Err(error) => Err(error),
            };
            Outcome::FactorRead { factor_id, result }
        }
        Command::DeleteFactor { target, factor_id } => {
            let result = match client(&target) {
                Ok(client) => client.delete_factor(&factor_id).await,
                Err(error) => Err(error),
            };
            Outcome::FactorDeleted { factor_id, result }
        }
        Command::ListUserFactors { target, user_id } => {
            let result = match client(&target) {
                Ok(client) => client.list_user_factors(&user_id).await,
                Err(error) => Err(error),
            };
            Outcome::UserFactors { user_id, result }
        }
        Command::TestConnection { target } => Outcome::ConnectionTested(match client(&target) {
            Ok(client) => client.test_connection().await,
            Err(error) => Err(error),
        }),
        Command::ReadOutbox { target } => Outcome::Outbox(match client(&target) {
            Ok(client) => client.sms_outbox().await,
            Err(error) => Err(error),
        }),
        Command::LoadKey { environment_id } => {
            let id = environment_id.clone();
            let result = blocking_key_call(move || keystore.load(&id)).await;
            Outcome::KeyLoaded {
                environment_id,
                result,
            }
        }
        Command::SaveKey {
            environment_id,
            key,
        } => {
            let id = environment_id.clone();
            let saved_key = key.clone();
            let result = blocking_key_call(move || keystore.save(&id, &saved_key)).await;
            Outcome::KeySaved {
                environment_id,
                key,
                result,
            }
        }
        Command::ForgetKey { environment_id } => {
            let id = environment_id.clone();
            let result = blocking_key_call(move || keystore.forget(&id)).await;
            Outcome::KeyForgotten {
                environment_id,
                result,
            }
        }
        Command::FindImportableKey => Outcome::ImportableKey(
            tokio::task::spawn_blocking(files::find_importable_key)
                .await
                .unwrap_or(None),
        ),
        Command::SaveFile {
            path,
            suggested_name,
            contents,
        } => Outcome::FileSaved(files::save_file(path, &suggested_name, contents).await),
        Command::ClearClipboard { kind, fingerprint } => {
            let result =
                tokio::task::spawn_blocking(move || clipboard::clear_if_unchanged(fingerprint))
                    .await
                    .unwrap_or_else(|error| Err(ClipboardError::Failed(error.to_string())));
            Outcome::ClipboardCleared {
                kind,
                fingerprint,
                result,
            }
        }
    }
}

/// Records a successful enrollment in the registry, and closes its journal
/// entry, before the outcome goes back to the UI.
async fn enrolled(
    registry: &SharedRegistry,
    pending: Option<i64>,
    environment_id: String,
    result: Result<EnrolledFactor, ClientError>,
) -> Outcome {
    let factor = result.as_ref().ok();
    let registry_error =
        registry_tasks::finish_enrollment(registry, pending, environment_id, factor)
            .await
            .err()
            .filter(|_| factor.is_some());
    let qr = match &result {
        Ok(factor) => decode_qr(factor).await,
        Err(_) => None,
    };
    Outcome::Enrolled {
        result,
        registry_error,
        qr,
    }
}

/// Decodes a TOTP factor's QR code on the blocking pool, because decoding a
/// PNG is too slow for the UI thread.
async fn decode_qr(factor: &EnrolledFactor) -> Option<Result<DecodedQr, QrImageError>> {
    let crate::client::EnrolledKind::Totp(totp) = &factor.kind else {
        return None;
    };
    let data_uri = totp.qr_code.clone();
    tokio::task::spawn_blocking(move || crate::qr::decode_data_uri(data_uri.expose()))
        .await
        .ok()
}

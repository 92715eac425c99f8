//! The background tokio runtime. The UI sends a [`Command`], and a task runs it,
//! sends back an [`Event`] and requests a repaint. The UI thread never waits
//! on the network or the keyring.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};

use workos::SecretString;

use crate::activity::ActivityRecord;
use crate::client::{
    ActivitySink, ChallengeInfo, ClientError, EnrolledFactor, HttpClients, MfaClient, Target,
    Verification,
};
use crate::keystore::{KeyStore, KeyStoreError};
use crate::validate::{OtpCode, PhoneNumber, TotpLabel};

/// Work for the background runtime.
#[derive(Debug)]
pub enum Command {
    EnrollTotp {
        target: Target,
        issuer: TotpLabel,
        user: TotpLabel,
    },
    EnrollSms {
        target: Target,
        phone: PhoneNumber,
    },
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
    LoadKey {
        environment_id: String,
    },
    SaveKey {
        environment_id: String,
        key: SecretString,
    },
}

/// Results coming back to the UI.
#[derive(Debug)]
pub enum Event {
    Enrolled(Result<EnrolledFactor, ClientError>),
    Challenged(Result<ChallengeInfo, ClientError>),
    Verified {
        challenge_id: String,
        result: Result<Verification, ClientError>,
    },
    KeyLoaded {
        environment_id: String,
        result: Result<Option<SecretString>, KeyStoreError>,
    },
    KeySaved {
        environment_id: String,
        key: SecretString,
        result: Result<(), KeyStoreError>,
    },
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
}

impl Worker {
    /// Starts a runtime with two named worker threads.
    pub fn new(keystore: Arc<dyn KeyStore>) -> Result<Self, WorkerError> {
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
            http: HttpClients::new(crate::client::DEFAULT_TIMEOUT)?,
            keystore,
        })
    }

    /// Sets the context to repaint when an event arrives; later calls are
    /// ignored.
    pub fn set_repaint_context(&self, context: &egui::Context) {
        let _ = self.sender.repaint.set(context.clone());
    }

    /// Returns the events that arrived since the last call, without waiting.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// Runs `command` on the background runtime.
    pub fn send(&self, command: Command) {
        let sender = self.sender.clone();
        let http = self.http.clone();
        let keystore = self.keystore.clone();
        self.runtime.spawn(async move {
            let event = run(command, &sender, &http, keystore).await;
            sender.send(event);
        });
    }
}

fn activity_sink(sender: &EventSender) -> ActivitySink {
    let sender = sender.clone();
    Arc::new(move |record| sender.send(Event::Activity(record)))
}

async fn run(
    command: Command,
    sender: &EventSender,
    http: &HttpClients,
    keystore: Arc<dyn KeyStore>,
) -> Event {
    let client = |target: &Target| MfaClient::new(target, http, activity_sink(sender));
    match command {
        Command::EnrollTotp {
            target,
            issuer,
            user,
        } => {
            let result = match client(&target) {
                Ok(client) => client.enroll_totp(&issuer, &user).await,
                Err(error) => Err(error),
            };
            Event::Enrolled(result)
        }
        Command::EnrollSms { target, phone } => {
            let result = match client(&target) {
                Ok(client) => client.enroll_sms(&phone).await,
                Err(error) => Err(error),
            };
            Event::Enrolled(result)
        }
        Command::Challenge {
            target,
            factor_id,
            sms_template,
        } => {
            let result = match client(&target) {
                Ok(client) => client.challenge(&factor_id, sms_template).await,
                Err(error) => Err(error),
            };
            Event::Challenged(result)
        }
        Command::Verify {
            target,
            challenge_id,
            code,
        } => {
            let result = match client(&target) {
                Ok(client) => client.verify(&challenge_id, &code).await,
                Err(error) => Err(error),
            };
            Event::Verified {
                challenge_id,
                result,
            }
        }
        Command::LoadKey { environment_id } => {
            let id = environment_id.clone();
            let result = tokio::task::spawn_blocking(move || keystore.load(&id))
                .await
                .unwrap_or_else(|error| Err(KeyStoreError::Failed(error.to_string())));
            Event::KeyLoaded {
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
            let result = tokio::task::spawn_blocking(move || keystore.save(&id, &saved_key))
                .await
                .unwrap_or_else(|error| Err(KeyStoreError::Failed(error.to_string())));
            Event::KeySaved {
                environment_id,
                key,
                result,
            }
        }
    }
}

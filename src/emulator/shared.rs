//! State shared by every handler, and the store guard that wakes the state
//! file writer after each change.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::clock::Clock;
use super::faults::FaultList;
use super::store::{Store, VerifyRules};

/// State shared by every handler.
pub struct Shared {
    pub api_key: String,
    pub rules: VerifyRules,
    pub clock: Clock,
    pub faults: FaultList,
    store: Mutex<Store>,
    /// Counts changes to the store; the state file writer compares it with
    /// the count it last wrote.
    store_version: AtomicU64,
    store_changed: Notify,
}

impl Shared {
    pub fn new(api_key: String, rules: VerifyRules) -> Self {
        Self {
            api_key,
            rules,
            clock: Clock::default(),
            faults: FaultList::default(),
            store: Mutex::new(Store::default()),
            store_version: AtomicU64::new(0),
            store_changed: Notify::new(),
        }
    }

    /// Locks the store. Every decision about one object happens under this
    /// lock, so concurrent verifies of one challenge are decided one at a time.
    pub fn store(&self) -> StoreGuard<'_> {
        StoreGuard {
            guard: self.store.lock().unwrap_or_else(PoisonError::into_inner),
            shared: self,
            changed: false,
        }
    }

    /// Returns the number of changes made to the store so far.
    pub fn store_version(&self) -> u64 {
        self.store_version.load(Ordering::Acquire)
    }

    /// Waits until the store changes after the previous call returned.
    pub async fn store_changed(&self) {
        self.store_changed.notified().await;
    }
}

/// A locked store. Borrowing it mutably counts as a change: when the guard
/// is dropped the change count goes up and the state file writer wakes.
pub struct StoreGuard<'a> {
    guard: MutexGuard<'a, Store>,
    shared: &'a Shared,
    changed: bool,
}

impl StoreGuard<'_> {
    /// Returns the change count, read under the lock, so it matches what
    /// the guard shows.
    pub fn version(&self) -> u64 {
        self.shared.store_version()
    }
}

impl Deref for StoreGuard<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.guard
    }
}

impl DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.changed = true;
        &mut self.guard
    }
}

impl Drop for StoreGuard<'_> {
    fn drop(&mut self) {
        if self.changed {
            // Still under the lock, so the count and the contents agree.
            self.shared.store_version.fetch_add(1, Ordering::AcqRel);
            self.shared.store_changed.notify_one();
        }
    }
}

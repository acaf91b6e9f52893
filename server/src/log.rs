//! Following the ordered log: whatever instance committed an event, each
//! instance reads the log in position order and applies it to its hub.
//!
//! A local commit wakes the follower at once; a SurrealDB live query on the
//! event table wakes it for commits made by other instances; a slow timer
//! covers a lost wake-up. A wake-up only says "read the log": the events
//! themselves always come from the log, in order, so none is missed or
//! applied twice.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{Mutex, Notify};

use crate::hub::Hub;
use crate::store::{Store, StoreError};

/// How many events one read of the log fetches.
const BATCH: usize = 500;

/// Brings a hub up to the log's position.
pub struct LogSync {
    store: Store,
    hub: Arc<Hub>,
    reading: Mutex<()>,
    wake: Notify,
}

impl LogSync {
    /// A follower for `hub` reading from `store`.
    pub fn new(store: Store, hub: Arc<Hub>) -> Self {
        Self {
            store,
            hub,
            reading: Mutex::new(()),
            wake: Notify::new(),
        }
    }

    /// Applies every committed event the hub has not seen yet.
    pub async fn catch_up(&self) -> Result<u64, StoreError> {
        let _reading = self.reading.lock().await;
        loop {
            let from = self.hub.position();
            let events = self.store.events_after(from, BATCH).await?;
            let count = events.len();
            for event in events {
                if let Err(gap) = self.hub.apply(event) {
                    tracing::error!(
                        log.position = gap.expected_after,
                        log.got = gap.got,
                        "the log has a gap; waiting for it to fill"
                    );
                    return Ok(self.hub.position());
                }
            }
            if count < BATCH {
                return Ok(self.hub.position());
            }
        }
    }

    /// Asks the follower task to read the log now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Follows the log until `stop` says so.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut live = match self
            .store
            .handle()
            .select::<Vec<serde_json::Value>>("event")
            .live()
            .await
        {
            Ok(stream) => Some(stream),
            Err(error) => {
                tracing::warn!(error = %error, "no live query on the log; other instances' changes arrive within seconds instead");
                None
            }
        };
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = self.wake.notified() => {}
                notification = async {
                    match live.as_mut() {
                        Some(stream) => stream.next().await,
                        None => std::future::pending().await,
                    }
                } => {
                    if notification.is_none() {
                        tracing::warn!("the live query on the log ended; other instances' changes arrive within seconds instead");
                        live = None;
                    }
                }
                () = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
            if let Err(error) = self.catch_up().await {
                tracing::error!(error = %error, "reading the log failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

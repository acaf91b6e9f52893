//! The browser's end of the live connection: follows the ordered log from a
//! queue snapshot's position, applies each change as it arrives, says when
//! the connection is lost, and catches up from the last position applied
//! when it is back.

use leptos::prelude::*;

use crate::domain::{Job, JobRef};

/// The state of the live connection, as shown to the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Opening for the first time.
    Connecting,
    /// Following the log.
    Live,
    /// Cut off; retrying.
    Lost,
    /// Reconnected and caught up after a loss; shown for a few seconds.
    Back,
    /// The session ended: sign in again.
    SignedOut,
}

/// Applies one pushed change to the rows of the open-jobs queue.
pub fn apply_to_rows(rows: &mut Vec<Job>, reference: JobRef, job: Option<Job>) {
    crate::domain::queue::apply_to_queue(rows, reference, job);
}

/// Follows the log from `position`, keeping `rows` and `connection` up to
/// date until the page that owns them goes away.
#[cfg(feature = "hydrate")]
pub fn follow(position: u64, rows: RwSignal<Vec<Job>>, connection: RwSignal<Connection>) {
    use futures::StreamExt;
    use gloo_net::websocket::Message;
    use gloo_net::websocket::futures::WebSocket;
    use gloo_timers::future::sleep;
    use std::time::Duration;

    use crate::domain::{DeskError, LiveMessage};

    fn live_url(after: u64) -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!(
            "{scheme}://{}/live?after={after}",
            location.host().ok()?
        ))
    }

    leptos::task::spawn_local(async move {
        let mut after = position;
        let mut lost = false;
        let mut delay = Duration::from_millis(250);
        loop {
            let Some(url) = live_url(after) else { return };
            if let Ok(socket) = WebSocket::open(&url) {
                let (_sink, mut stream) = socket.split();
                while let Some(Ok(Message::Text(text))) = stream.next().await {
                    let Ok(message) = serde_json::from_str::<LiveMessage>(&text) else {
                        continue;
                    };
                    match message {
                        LiveMessage::Event {
                            position,
                            reference,
                            job,
                            ..
                        } => {
                            if position <= after {
                                continue;
                            }
                            if rows
                                .try_update(|rows| apply_to_rows(rows, reference, job))
                                .is_none()
                            {
                                return;
                            }
                            after = position;
                        }
                        LiveMessage::CaughtUp { position } => {
                            after = after.max(position);
                            delay = Duration::from_millis(250);
                            let state = if lost {
                                Connection::Back
                            } else {
                                Connection::Live
                            };
                            if connection.try_set(state).is_some() {
                                return;
                            }
                            if lost {
                                lost = false;
                                leptos::task::spawn_local(async move {
                                    sleep(Duration::from_secs(4)).await;
                                    if connection.try_get_untracked() == Some(Connection::Back) {
                                        let _ = connection.try_set(Connection::Live);
                                    }
                                });
                            }
                        }
                        LiveMessage::Reload { .. } => {
                            match crate::api::open_queue().await {
                                Ok(snapshot) => {
                                    if rows.try_set(snapshot.jobs).is_some() {
                                        return;
                                    }
                                    after = snapshot.position;
                                }
                                Err(DeskError::NotSignedIn) => {
                                    let _ = connection.try_set(Connection::SignedOut);
                                    return;
                                }
                                Err(_) => {}
                            }
                            break;
                        }
                    }
                }
            }
            lost = true;
            if connection.try_set(Connection::Lost).is_some() {
                return;
            }
            sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(8));
        }
    });
}

/// On the server there is nothing to follow: the page is rendered from the
/// snapshot and the browser takes over.
#[cfg(not(feature = "hydrate"))]
pub fn follow(_position: u64, _rows: RwSignal<Vec<Job>>, _connection: RwSignal<Connection>) {}

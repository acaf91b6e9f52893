//! The browser's end of the live connection: follows the ordered log from a
//! snapshot's position, hands each message to the page that opened it, says
//! when the connection is lost, and catches up from the last position
//! applied when it is back. A page that shows a job also tells the server
//! so, and whether its person is typing, renewing its presence lease.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;

use crate::domain::{DeskError, Job, JobRef, LiveMessage};

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

/// A future that reloads a page's state and gives the log position it
/// reflects.
pub type Reload = Pin<Box<dyn Future<Output = Result<u64, DeskError>>>>;

/// What a page does with the live connection.
#[derive(Clone)]
pub struct LivePage {
    /// Applies one event or presence message; returns false once the page is
    /// gone, which ends the connection.
    pub apply: Rc<dyn Fn(LiveMessage) -> bool>,
    /// Loads the page's state afresh when the connection is too far behind.
    pub reload: Rc<dyn Fn() -> Reload>,
    /// The job the page shows, and whether its person is typing on it.
    pub watching: Option<(JobRef, RwSignal<bool>)>,
}

/// Follows the log from `position` for `page`, keeping `connection` up to
/// date until the page goes away.
#[cfg(feature = "hydrate")]
pub fn follow(position: u64, connection: RwSignal<Connection>, page: LivePage) {
    use futures::future::{Either, select};
    use futures::{SinkExt, StreamExt};
    use gloo_net::websocket::Message;
    use gloo_net::websocket::futures::WebSocket;
    use gloo_timers::future::sleep;
    use std::time::Duration;

    use crate::domain::LiveRequest;
    use crate::domain::presence::HEARTBEAT_MS;

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

    fn now_ms() -> f64 {
        js_sys::Date::now()
    }

    leptos::task::spawn_local(async move {
        let mut after = position;
        let mut lost = false;
        let mut delay = Duration::from_millis(250);
        loop {
            let Some(url) = live_url(after) else { return };
            if let Ok(socket) = WebSocket::open(&url) {
                let (mut sink, mut stream) = socket.split();
                // What this page last told the server: (typing, when).
                let mut told: Option<(bool, f64)> = None;
                loop {
                    // The page has gone (the person navigated away): so has
                    // its connection.
                    if connection.try_get_untracked().is_none() {
                        return;
                    }
                    if let Some((reference, typing)) = page.watching {
                        let Some(typing) = typing.try_get_untracked() else {
                            return;
                        };
                        let due = match told {
                            None => true,
                            Some((was, at)) => {
                                was != typing || now_ms() - at >= HEARTBEAT_MS as f64
                            }
                        };
                        if due {
                            let request = LiveRequest::Watch {
                                reference: Some(reference),
                                typing,
                            };
                            if let Ok(text) = serde_json::to_string(&request) {
                                if sink.send(Message::Text(text)).await.is_err() {
                                    break;
                                }
                                told = Some((typing, now_ms()));
                            }
                        }
                    }
                    let message =
                        match select(stream.next(), Box::pin(sleep(Duration::from_millis(250))))
                            .await
                        {
                            Either::Left((Some(Ok(Message::Text(text))), _)) => text,
                            Either::Left((Some(Ok(_)), _)) | Either::Right(_) => continue,
                            Either::Left(_) => break,
                        };
                    let Ok(message) = serde_json::from_str::<LiveMessage>(&message) else {
                        continue;
                    };
                    match message {
                        LiveMessage::Event { position, .. } if position <= after => {}
                        LiveMessage::Event { position, .. } => {
                            if !(page.apply)(message) {
                                return;
                            }
                            after = position;
                        }
                        LiveMessage::Presence { .. } => {
                            if !(page.apply)(message) {
                                return;
                            }
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
                            match (page.reload)().await {
                                Ok(position) => after = position,
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
pub fn follow(_position: u64, _connection: RwSignal<Connection>, _page: LivePage) {}

/// Says plainly whether the page is live, cut off, or back.
#[component]
pub fn ConnectionBanner(
    /// The state of the page's live connection.
    connection: RwSignal<Connection>,
) -> impl IntoView {
    move || {
        let (class, text) = match connection.get() {
            Connection::Connecting => ("conn connecting", "Connecting…"),
            Connection::Live => ("conn live", "Live"),
            Connection::Lost => (
                "conn lost",
                "Connection lost — reconnecting. Changes made meanwhile will appear when it is back.",
            ),
            Connection::Back => ("conn back", "Back online — caught up."),
            Connection::SignedOut => ("conn lost", "Your session ended: sign in again."),
        };
        view! { <p class=class role="status" data-testid="connection">{text}</p> }
    }
}

//! The open-jobs queue: every open job the person may see, most urgent
//! first, kept current by the live connection.

use leptos::prelude::*;

use super::age;
use super::sign_in::SignInForm;
use crate::api::{TakeJob, open_queue};
use crate::domain::{DeskError, Job, QueueSnapshot};
use crate::live::{Connection, follow};

/// The queue page.
#[component]
pub fn QueuePage() -> impl IntoView {
    let snapshot = Resource::new(|| (), |_| open_queue());
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(snapshot) => view! { <LiveQueue snapshot /> }.into_any(),
                    Err(DeskError::NotSignedIn) => view! { <SignInForm /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The queue's table, following the log from the snapshot's position.
#[component]
fn LiveQueue(snapshot: QueueSnapshot) -> impl IntoView {
    let rows = RwSignal::new(snapshot.jobs);
    let connection = RwSignal::new(Connection::Connecting);
    let now = RwSignal::new(jiff::Timestamp::now());
    let position = snapshot.position;
    Effect::new(move |_| follow(position, rows, connection));
    Effect::new(move |_| {
        let tick = set_interval_with_handle(
            move || now.set(jiff::Timestamp::now()),
            std::time::Duration::from_secs(30),
        );
        on_cleanup(move || {
            if let Ok(handle) = tick {
                handle.clear();
            }
        });
    });
    let take = ServerAction::<TakeJob>::new();
    view! {
        <section class="queue">
            <div class="queue-head">
                <h1>"Open jobs" <span class="count" data-testid="open-count">{move || rows.with(Vec::len)}</span></h1>
                <ConnectionBanner connection />
            </div>
            {move || {
                take.value()
                    .get()
                    .and_then(Result::err)
                    .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
            }}
            <table class="jobs">
                <thead>
                    <tr>
                        <th>"Job"</th>
                        <th>"Priority"</th>
                        <th>"Title"</th>
                        <th>"Status"</th>
                        <th>"Group"</th>
                        <th>"Technician"</th>
                        <th>"Client"</th>
                        <th>"Age"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|job| (job.reference, job.version) let:job>
                        <QueueRow job now take />
                    </For>
                </tbody>
            </table>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="notice">"No open jobs. New ones appear here as they are logged."</p>
            </Show>
        </section>
    }
}

#[component]
fn QueueRow(
    job: Job,
    now: RwSignal<jiff::Timestamp>,
    take: ServerAction<TakeJob>,
) -> impl IntoView {
    let reference = job.reference.to_string();
    let priority = job.priority.to_string();
    let created = job.created_at;
    let version = job.version;
    let take_ref = reference.clone();
    let row_ref = reference.clone();
    let row_class = format!("priority-{}", priority.to_lowercase());
    view! {
        <tr data-ref=row_ref class=row_class>
            <td class="ref">{reference}</td>
            <td><span class="badge">{priority}</span></td>
            <td class="title">{job.title}</td>
            <td>{job.status.label()}</td>
            <td>{job.group.map(|g| g.name).unwrap_or_else(|| "—".into())}</td>
            <td>{job.technician.map(|t| t.name).unwrap_or_else(|| "—".into())}</td>
            <td>{job.client.name} <span class="muted">" · " {job.client.organisation}</span></td>
            <td class="age">{move || age(created, now.get())}</td>
            <td>
                <button
                    class="small"
                    on:click=move |_| {
                        take.dispatch(TakeJob { reference: take_ref.clone(), version });
                    }
                >
                    "Take"
                </button>
            </td>
        </tr>
    }
}

/// Says plainly whether the queue is live, cut off, or back.
#[component]
fn ConnectionBanner(connection: RwSignal<Connection>) -> impl IntoView {
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

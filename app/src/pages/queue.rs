//! The open-jobs queue: every open job the person may see, most urgent
//! first, kept current by the live connection, with who is on each job.

use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;

use super::age;
use super::job::Avatar;
use super::sign_in::SignInForm;
use crate::api::{TakeJob, open_queue};
use crate::domain::{DeskError, Job, JobRef, LiveMessage, QueueSnapshot, Watcher, WhoseMove};
use crate::live::{Connection, ConnectionBanner, LivePage, Reload, apply_to_rows, follow};

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
    let presence = RwSignal::new(HashMap::<JobRef, Vec<Watcher>>::new());
    let connection = RwSignal::new(Connection::Connecting);
    let now = RwSignal::new(jiff::Timestamp::now());
    let me = StoredValue::new(snapshot.viewer.id);
    let position = snapshot.position;
    let page = LivePage {
        apply: Rc::new(move |message| match message {
            LiveMessage::Event { reference, job, .. } => rows
                .try_update(|rows| apply_to_rows(rows, reference, job))
                .is_some(),
            LiveMessage::Presence {
                reference,
                watchers,
            } => presence
                .try_update(|map| {
                    if watchers.is_empty() {
                        map.remove(&reference);
                    } else {
                        map.insert(reference, watchers);
                    }
                })
                .is_some(),
            _ => true,
        }),
        reload: Rc::new(move || -> Reload {
            Box::pin(async move {
                let snapshot = open_queue().await?;
                rows.try_set(snapshot.jobs);
                Ok(snapshot.position)
            })
        }),
        watching: None,
    };
    Effect::new(move |_| follow(position, connection, page.clone()));
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
                        <th>"Whose move"</th>
                        <th>"Group"</th>
                        <th>"Technician"</th>
                        <th>"Client"</th>
                        <th>"Age"</th>
                        <th>"On it"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|job| (job.reference, job.version) let:job>
                        <QueueRow job now take presence me=me.get_value() />
                    </For>
                </tbody>
            </table>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="notice">"No open jobs. New ones appear here as they are logged."</p>
            </Show>
        </section>
    }
    .into_any()
}

#[component]
fn QueueRow(
    job: Job,
    now: RwSignal<jiff::Timestamp>,
    take: ServerAction<TakeJob>,
    presence: RwSignal<HashMap<JobRef, Vec<Watcher>>>,
    me: String,
) -> impl IntoView {
    let reference = job.reference;
    let priority = job.priority.to_string();
    let created = job.created_at;
    let version = job.version;
    let whose = WhoseMove::of(&job, &me);
    let row_class = format!("priority-{}", priority.to_lowercase());
    view! {
        <tr data-ref=reference.to_string() class=row_class>
            <td class="ref"><a href=format!("/jobs/{reference}")>{reference.to_string()}</a></td>
            <td><span class="badge">{priority}</span></td>
            <td class="title"><a href=format!("/jobs/{reference}")>{job.title}</a></td>
            <td>{job.status.label()}</td>
            <td class="whose" data-testid="whose-move">{whose.label()}</td>
            <td>{job.group.map(|g| g.name).unwrap_or_else(|| "—".into())}</td>
            <td>{job.technician.map(|t| t.name).unwrap_or_else(|| "—".into())}</td>
            <td>{job.client.name} <span class="muted">" · " {job.client.organisation}</span></td>
            <td class="age">{move || age(created, now.get())}</td>
            <td class="on-it">
                {move || presence.with(|map| {
                    map.get(&reference).cloned().unwrap_or_default().into_iter()
                        .map(|w| view! { <Avatar watcher=w /> })
                        .collect_view()
                })}
            </td>
            <td>
                <button
                    class="small"
                    on:click=move |_| {
                        take.dispatch(TakeJob { reference: reference.to_string(), version });
                    }
                >
                    "Take"
                </button>
            </td>
        </tr>
    }
    .into_any()
}

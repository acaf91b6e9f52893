//! The job page: the technician's main screen. Every field of the job, its
//! history, its tasks and every change a person may make, all live: other
//! people's changes and presence appear as they happen, and a change made
//! from a stale view is refused with what changed meanwhile, keeping what
//! was typed.

use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::sign_in::SignInForm;
use crate::api::{change_job, load_job};
use crate::domain::job::CATEGORIES;
use crate::domain::lifecycle::available_moves;
use crate::domain::similar::{rank, similarity};
use crate::domain::{
    ActionKind, Change, Command, DeskError, Directory, EscalationLevel, HistoryEntry, Impact, Job,
    JobCommand, JobRef, JobSnapshot, LinkKind, LinkedJob, LiveMessage, Move, Priority, Role,
    SimilarJob, Urgency, Viewer, Watcher, WhoseMove,
};
use crate::live::{Connection, ConnectionBanner, LivePage, Reload, follow};

/// The job page, `/jobs/J-1042`.
#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let reference = move || params.read().get("reference").unwrap_or_default();
    let snapshot = Resource::new(reference, load_job);
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading the job…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(snapshot) => view! { <LiveJob snapshot /> }.into_any(),
                    Err(DeskError::NotSignedIn) => view! { <SignInForm /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A person's initials in a circle, with their name on hover; marked while
/// they type.
#[component]
pub fn Avatar(
    /// The person, and whether they are typing.
    watcher: Watcher,
) -> impl IntoView {
    let initials: String = watcher
        .user
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    let title = if watcher.typing {
        format!("{} (typing)", watcher.user.name)
    } else {
        watcher.user.name.clone()
    };
    let class = if watcher.typing {
        "avatar typing"
    } else {
        "avatar"
    };
    view! { <span class=class title=title data-name=watcher.user.name>{initials}</span> }
}

/// Which form a change came from, so that only its draft is cleared when
/// the change lands, and its problem is shown next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Status,
    Take,
    Resolve,
    Reopen,
    Comment,
    Edit,
    Reassign,
    Escalate,
    Task,
    Priority,
    Link,
    Unlink,
}

/// What people are typing, kept across refusals and live updates.
#[derive(Clone, Copy)]
struct Drafts {
    comment: RwSignal<String>,
    comment_kind: RwSignal<String>,
    minutes: RwSignal<String>,
    task: RwSignal<String>,
    task_assignee: RwSignal<String>,
    reassign_group: RwSignal<String>,
    reassign_technician: RwSignal<String>,
    reassign_reason: RwSignal<String>,
    escalate_to: RwSignal<String>,
    escalate_reason: RwSignal<String>,
    resolve_code: RwSignal<String>,
    resolve_notes: RwSignal<String>,
    resolve_reason: RwSignal<String>,
    reopen_reason: RwSignal<String>,
    priority: RwSignal<String>,
    priority_reason: RwSignal<String>,
    editing: RwSignal<bool>,
    /// The version the edit form was filled from: an edit made over a
    /// change that arrived meanwhile is refused, not applied over it.
    edit_version: RwSignal<u64>,
    title: RwSignal<String>,
    description: RwSignal<String>,
    category: RwSignal<String>,
    impact: RwSignal<String>,
    urgency: RwSignal<String>,
    link_kind: RwSignal<String>,
    link_other: RwSignal<String>,
    /// A reply on a parent goes to the clients of its children too.
    to_children: RwSignal<bool>,
}

impl Drafts {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Self {
            comment: text(),
            comment_kind: RwSignal::new("note".to_owned()),
            minutes: text(),
            task: text(),
            task_assignee: text(),
            reassign_group: text(),
            reassign_technician: text(),
            reassign_reason: text(),
            escalate_to: RwSignal::new("lead".to_owned()),
            escalate_reason: text(),
            resolve_code: text(),
            resolve_notes: text(),
            resolve_reason: text(),
            reopen_reason: text(),
            priority: RwSignal::new("P1".to_owned()),
            priority_reason: text(),
            editing: RwSignal::new(false),
            edit_version: RwSignal::new(0),
            title: text(),
            description: text(),
            category: text(),
            impact: text(),
            urgency: text(),
            link_kind: RwSignal::new(LinkKind::Related.as_str().to_owned()),
            link_other: text(),
            to_children: RwSignal::new(false),
        }
    }

    /// Clears the draft of a form whose change landed.
    fn clear(&self, form: Form) {
        match form {
            Form::Comment => {
                self.comment.set(String::new());
                self.minutes.set(String::new());
                self.to_children.set(false);
            }
            Form::Task => self.task.set(String::new()),
            Form::Reassign => self.reassign_reason.set(String::new()),
            Form::Escalate => self.escalate_reason.set(String::new()),
            Form::Resolve => {
                self.resolve_notes.set(String::new());
                self.resolve_reason.set(String::new());
            }
            Form::Reopen => self.reopen_reason.set(String::new()),
            Form::Priority => self.priority_reason.set(String::new()),
            Form::Edit => self.editing.set(false),
            Form::Link => self.link_other.set(String::new()),
            Form::Status | Form::Take | Form::Unlink => {}
        }
    }
}

fn kind_of(value: &str) -> ActionKind {
    match value {
        "reply" => ActionKind::Reply,
        "call" => ActionKind::Call,
        _ => ActionKind::Note,
    }
}

fn impact_of(value: &str) -> Impact {
    match value {
        "high" => Impact::High,
        "low" => Impact::Low,
        _ => Impact::Medium,
    }
}

fn urgency_of(value: &str) -> Urgency {
    match value {
        "high" => Urgency::High,
        "low" => Urgency::Low,
        _ => Urgency::Medium,
    }
}

fn lower<T: std::fmt::Debug>(value: T) -> String {
    format!("{value:?}").to_lowercase()
}

/// The page around one job, following the log from the snapshot.
#[component]
fn LiveJob(snapshot: JobSnapshot) -> impl IntoView {
    let reference = snapshot.job.reference;
    let job = RwSignal::new(snapshot.job);
    let history = RwSignal::new(snapshot.history);
    let watchers = RwSignal::new(snapshot.watchers);
    let linked = RwSignal::new(snapshot.linked);
    let similar = RwSignal::new(snapshot.similar);
    let viewer = StoredValue::new(snapshot.viewer);
    let directory = StoredValue::new(snapshot.directory);
    let connection = RwSignal::new(Connection::Connecting);
    let typing = RwSignal::new(false);
    let out_of_sight = RwSignal::new(false);
    let conflict = RwSignal::new(None::<(String, Vec<String>)>);
    let problem = RwSignal::new(None::<(Form, DeskError)>);
    let drafts = Drafts::new();

    // Takes the linked and similar jobs of a fresh snapshot, unless live
    // events for this job have overtaken it; `None` when the page is gone.
    let take_related = move |fresh: &mut JobSnapshot| -> Option<()> {
        if job.try_with_untracked(|j| j.version <= fresh.job.version)? {
            linked.try_set(std::mem::take(&mut fresh.linked));
            similar.try_set(std::mem::take(&mut fresh.similar));
        }
        Some(())
    };
    // Replaces the page's state with a fresh snapshot (after a conflict or
    // when the connection is too far behind); drafts are left alone.
    let refresh = move || -> Reload {
        Box::pin(async move {
            let mut fresh = load_job(reference.to_string()).await?;
            // A live event may have landed while the reload was on its way:
            // keep whichever is newer, and every history entry once.
            if take_related(&mut fresh).is_none() {
                return Ok(fresh.position);
            }
            job.try_update(|now| {
                if fresh.job.version >= now.version {
                    *now = fresh.job;
                }
            });
            history.try_update(|h| {
                for entry in fresh.history {
                    if !h.iter().any(|e| e.position == entry.position) {
                        h.push(entry);
                    }
                }
                h.sort_by_key(|e| e.position);
            });
            watchers.try_set(fresh.watchers);
            Ok(fresh.position)
        })
    };
    // Reloads just the linked and similar jobs, which a live event for this
    // job may have changed: the rest of the page follows the events, and a
    // snapshot of who is on the job could be older than the presence
    // messages that arrive meanwhile.
    let refresh_related = move || async move {
        if let Ok(mut fresh) = load_job(reference.to_string()).await {
            let _ = take_related(&mut fresh);
        }
    };
    let page = LivePage {
        apply: Rc::new(move |message| match message {
            LiveMessage::Event {
                position,
                at,
                reference: of,
                actor,
                change,
                job: after,
                ..
            } if of == reference => {
                let Some(after) = after else {
                    return out_of_sight.try_set(true).is_none();
                };
                let _ = out_of_sight.try_set(false);
                // A new link names a job the page knows nothing of yet; a
                // new title or a new link changes which jobs look alike.
                if matches!(
                    change,
                    Change::Linked { .. }
                        | Change::Unlinked { .. }
                        | Change::Edited { .. }
                        | Change::StatusChanged { .. }
                ) {
                    leptos::task::spawn_local(refresh_related());
                }
                let entry = HistoryEntry {
                    position,
                    at,
                    actor,
                    change,
                    version: after.version,
                };
                history
                    .try_update(|h| {
                        if !h.iter().any(|e| e.position == position) {
                            h.push(entry);
                        }
                    })
                    .is_some()
                    && job
                        .try_update(|now| {
                            if after.version > now.version {
                                *now = after;
                            }
                        })
                        .is_some()
            }
            LiveMessage::Presence {
                reference: of,
                watchers: people,
            } if of == reference => watchers.try_set(people).is_none(),
            // Another job changed: it may be linked to this one, or look
            // like it (a spreading outage shows here as it spreads).
            LiveMessage::Event {
                reference: of,
                job: other,
                ..
            } => {
                let Some(alike) = job.try_with_untracked(|this| {
                    other
                        .as_ref()
                        .filter(|_| this.status.is_open())
                        .and_then(|other| similarity(this, other))
                }) else {
                    return false;
                };
                if linked.with_untracked(|list| list.iter().any(|l| l.reference == of)) {
                    linked.update(|list| match &other {
                        Some(other) => {
                            if let Some(entry) = list.iter_mut().find(|l| l.reference == of) {
                                *entry = LinkedJob::from(other);
                            }
                        }
                        None => list.retain(|l| l.reference != of),
                    });
                }
                let shown = similar.with_untracked(|list| list.iter().any(|s| s.reference == of));
                // One that stops looking alike leaves a place that another,
                // further down the server's list, may take.
                if shown && alike.is_none() {
                    leptos::task::spawn_local(refresh_related());
                }
                if alike.is_some() || shown {
                    similar.update(|list| {
                        list.retain(|s| s.reference != of);
                        list.extend(alike);
                        rank(list);
                    });
                }
                true
            }
            _ => true,
        }),
        reload: Rc::new(refresh),
        watching: Some((reference, typing)),
    };
    let position = snapshot.position;
    Effect::new(move |_| follow(position, connection, page.clone()));

    let send = Action::new(move |(form, command): &(Form, Command)| {
        let form = *form;
        // Forms that show the job's own values carry the version they were
        // filled from; the others act on the job as it is on screen.
        let version = match form {
            Form::Edit => drafts.edit_version.get_untracked(),
            _ => job.get_untracked().version,
        };
        let command = JobCommand {
            version,
            command: command.clone(),
        };
        async move { (form, change_job(reference.to_string(), command).await) }
    });
    Effect::new(move |_| {
        let Some((form, result)) = send.value().get() else {
            return;
        };
        match result {
            Ok(after) => {
                job.update(|now| {
                    if after.version > now.version {
                        *now = after;
                    }
                });
                conflict.set(None);
                problem.set(None);
                drafts.clear(form);
            }
            Err(DeskError::Conflict { message, changes }) => {
                conflict.set(Some((message, changes)));
                problem.set(None);
                leptos::task::spawn_local(async move {
                    let _ = refresh().await;
                });
            }
            Err(error) => problem.set(Some((form, error))),
        }
    });
    let act = Callback::new(move |(form, command): (Form, Command)| {
        send.dispatch((form, command));
    });

    view! {
        <section class="job-page" data-testid="job-page">
            <div class="queue-head">
                <h1>
                    <span class="ref">{reference.to_string()}</span> " "
                    <span data-testid="job-title">{move || job.with(|j| j.title.clone())}</span>
                </h1>
                <ConnectionBanner connection />
            </div>
            <Show when=move || out_of_sight.get()>
                <p class="error" role="alert">"This job has moved out of your view; you can no longer change it."</p>
            </Show>
            <Presence watchers me=viewer.with_value(|v| v.user.id.clone()) />
            {move || conflict.get().map(|(message, changes)| view! {
                <div class="conflict" role="alert" data-testid="conflict">
                    <p><strong>{message}</strong></p>
                    <ul>{changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                    <button type="button" class="small" on:click=move |_| conflict.set(None)>"Got it"</button>
                </div>
            })}
            <div class="job-grid">
                <div class="job-main">
                    <JobFields job viewer />
                    <Lifecycle job viewer drafts act problem directory />
                    <Composer job linked drafts typing act problem />
                    <History history />
                </div>
                <aside class="job-side">
                    <Assignment job drafts act problem directory />
                    <Tasks job drafts act problem directory />
                    <Links job linked viewer drafts act problem />
                    <Similar job similar viewer drafts />
                    <EditFields job drafts act problem />
                    <Show when=move || viewer.with_value(|v| matches!(v.role, Role::TeamLead | Role::Admin))>
                        <PriorityOverride drafts act problem />
                    </Show>
                </aside>
            </div>
        </section>
    }
    .into_any()
}

/// Who else is on the job, and who is typing.
#[component]
fn Presence(watchers: RwSignal<Vec<Watcher>>, me: String) -> impl IntoView {
    let me = StoredValue::new(me);
    let others = move || {
        watchers.with(|all| {
            all.iter()
                .filter(|w| me.with_value(|me| &w.user.id != me))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="presence" data-testid="presence">
            {move || {
                let others = others();
                if others.is_empty() {
                    view! { <span class="muted">"Nobody else is on this job."</span> }.into_any()
                } else {
                    let typing: Vec<String> = others.iter().filter(|w| w.typing).map(|w| w.user.name.clone()).collect();
                    view! {
                        <span class="muted">"Also here: "</span>
                        {others.into_iter().map(|w| view! { <Avatar watcher=w /> }).collect_view()}
                        {(!typing.is_empty()).then(|| view! {
                            <span class="typing-note" data-testid="typing">{format!("{} typing…", typing.join(", "))}</span>
                        })}
                    }.into_any()
                }
            }}
        </div>
    }
    .into_any()
}

/// Every field of the job.
#[component]
fn JobFields(job: RwSignal<Job>, viewer: StoredValue<Viewer>) -> impl IntoView {
    let field = move |label: &'static str, value: Box<dyn Fn(&Job) -> String + Send + Sync>| {
        view! {
            <dt>{label}</dt>
            <dd data-field=label>{move || job.with(|j| value(j))}</dd>
        }
    };
    view! {
        <dl class="fields card">
            {field("Status", Box::new(|j| j.status.label().to_owned()))}
            {field("Priority", Box::new(|j| j.priority.to_string()))}
            {field("Whose move", Box::new(move |j| WhoseMove::of(j, &viewer.with_value(|v| v.user.id.clone())).label()))}
            {field("Client", Box::new(|j| format!("{} · {}", j.client.name, j.client.organisation)))}
            {field("Category", Box::new(|j| j.category.clone()))}
            {field("Impact × urgency", Box::new(|j| format!("{} × {}", lower(j.impact), lower(j.urgency))))}
            {field("Group", Box::new(|j| j.group.as_ref().map_or("—".to_owned(), |g| g.name.clone())))}
            {field("Technician", Box::new(|j| j.technician.as_ref().map_or("—".to_owned(), |t| t.name.clone())))}
            {field("Channel", Box::new(|j| lower(j.channel).replace('_', "-")))}
            {field("Logged by", Box::new(|j| format!("{} at {}", j.logged_by.name, j.created_at.strftime("%Y-%m-%d %H:%M UTC"))))}
            {field("Last change", Box::new(|j| j.updated_at.strftime("%Y-%m-%d %H:%M UTC").to_string()))}
            {field("Time spent", Box::new(|j| format!("{} min", j.minutes_spent)))}
            {field("Escalation", Box::new(|j| j.escalation.as_ref().map_or("—".to_owned(), |e| format!("{} by {}: {}", if e.level == EscalationLevel::Functional { "To another group" } else { "To the team lead" }, e.by.name, e.reason))))}
            {field("Resolution", Box::new(|j| j.resolution.as_ref().map_or("—".to_owned(), |r| format!("{}: {}", r.code, r.notes))))}
            {field("Description", Box::new(|j| j.description.clone()))}
        </dl>
    }
    .into_any()
}

/// The problem with the last change made from `form`, if there is one.
#[component]
fn Problem(problem: RwSignal<Option<(Form, DeskError)>>, form: Form) -> impl IntoView {
    move || {
        problem.get().filter(|(f, _)| *f == form).map(|(_, error)| {
            let text = match &error {
                DeskError::Invalid { errors } => errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            };
            view! { <div class="error" role="alert" data-testid="problem">{text}</div> }
        })
    }
}

/// The status moves the person may make now, resolving and reopening.
#[component]
fn Lifecycle(
    job: RwSignal<Job>,
    viewer: StoredValue<Viewer>,
    drafts: Drafts,
    act: Callback<(Form, Command)>,
    problem: RwSignal<Option<(Form, DeskError)>>,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let moves = move || job.with(|j| available_moves(j, viewer.with_value(|v| v.role)));
    let can_take = move || job.with(|j| viewer.with_value(|v| v.can_take(j).is_ok()));
    let open_tasks = move || job.with(|j| j.open_tasks().count());
    view! {
        <div class="card lifecycle">
            <div class="moves">
                <Show when=can_take>
                    <button type="button" on:click=move |_| act.run((Form::Take, Command::Take))>"Assign to me"</button>
                </Show>
                {move || moves().into_iter()
                    .filter(|m| !matches!(m, Move::Resolve | Move::Reopen))
                    .map(|m| view! {
                        <button type="button" class="secondary" on:click=move |_| act.run((Form::Status, Command::Move { action: m, reason: String::new() }))>
                            {m.label()}
                        </button>
                    })
                    .collect_view()}
            </div>
            <Problem problem form=Form::Status />
            <Problem problem form=Form::Take />
            <Show when=move || moves().contains(&Move::Resolve)>
                <form class="form inline-form" on:submit=move |ev| {
                    ev.prevent_default();
                    act.run((Form::Resolve, Command::Resolve {
                        code: drafts.resolve_code.get_untracked(),
                        notes: drafts.resolve_notes.get_untracked(),
                        open_tasks_reason: drafts.resolve_reason.get_untracked(),
                    }));
                }>
                    <h3>"Resolve"</h3>
                    <label>"Resolution code"
                        <select name="resolution-code" prop:value=move || drafts.resolve_code.get() on:change=move |ev| drafts.resolve_code.set(event_target_value(&ev))>
                            <option value="">"Choose…"</option>
                            {directory.with_value(|d| d.resolution_codes.iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view())}
                        </select>
                    </label>
                    <label>"Resolution notes"
                        <textarea name="resolution-notes" rows="2" prop:value=move || drafts.resolve_notes.get() on:input=move |ev| drafts.resolve_notes.set(event_target_value(&ev))></textarea>
                    </label>
                    <Show when=move || open_tasks() != 0>
                        <label>{move || format!("{} open task(s): why resolve anyway?", open_tasks())}
                            <input name="open-tasks-reason" prop:value=move || drafts.resolve_reason.get() on:input=move |ev| drafts.resolve_reason.set(event_target_value(&ev)) />
                        </label>
                    </Show>
                    <button type="submit">"Resolve"</button>
                    <Problem problem form=Form::Resolve />
                </form>
            </Show>
            <Show when=move || moves().contains(&Move::Reopen)>
                <form class="form inline-form" on:submit=move |ev| {
                    ev.prevent_default();
                    act.run((Form::Reopen, Command::Move { action: Move::Reopen, reason: drafts.reopen_reason.get_untracked() }));
                }>
                    <label>"Why reopen?"
                        <input name="reopen-reason" prop:value=move || drafts.reopen_reason.get() on:input=move |ev| drafts.reopen_reason.set(event_target_value(&ev)) />
                    </label>
                    <button type="submit">"Reopen"</button>
                    <Problem problem form=Form::Reopen />
                </form>
            </Show>
        </div>
    }
    .into_any()
}

/// Writing a note, a reply to the client or a phone call. Typing here tells
/// the others on the job.
#[component]
fn Composer(
    job: RwSignal<Job>,
    linked: RwSignal<Vec<LinkedJob>>,
    drafts: Drafts,
    typing: RwSignal<bool>,
    act: Callback<(Form, Command)>,
    problem: RwSignal<Option<(Form, DeskError)>>,
) -> impl IntoView {
    // Each keystroke bumps the counter; typing ends three seconds after the
    // last one, or when the text is sent or left.
    let keystrokes = RwSignal::new(0u64);
    // The open children the reply would reach: `linked` holds only the
    // linked jobs this person may see.
    let children = move || {
        job.with(|j| {
            linked.with(|list| {
                j.links
                    .iter()
                    .filter(|l| l.kind == LinkKind::ParentOf)
                    .filter(|l| {
                        list.iter()
                            .any(|c| c.reference == l.other && c.status.is_open())
                    })
                    .count()
            })
        })
    };
    let on_input = move |ev: leptos::ev::Event| {
        drafts.comment.set(event_target_value(&ev));
        typing.set(true);
        keystrokes.update(|k| *k += 1);
        let at = keystrokes.get_untracked();
        set_timeout(
            move || {
                if keystrokes.try_get_untracked() == Some(at) {
                    let _ = typing.try_set(false);
                }
            },
            std::time::Duration::from_secs(3),
        );
    };
    view! {
        <form class="card form composer" on:submit=move |ev| {
            ev.prevent_default();
            typing.set(false);
            let minutes = drafts.minutes.get_untracked().trim().parse::<u32>().ok();
            act.run((Form::Comment, Command::Comment {
                action: kind_of(&drafts.comment_kind.get_untracked()),
                text: drafts.comment.get_untracked(),
                minutes,
                to_children: drafts.to_children.get_untracked() && drafts.comment_kind.get_untracked() == "reply",
            }));
        }>
            <div class="row">
                <label>"Action"
                    <select name="action-kind" prop:value=move || drafts.comment_kind.get() on:change=move |ev| drafts.comment_kind.set(event_target_value(&ev))>
                        <option value="note">{ActionKind::Note.label()}</option>
                        <option value="reply">{ActionKind::Reply.label()}</option>
                        <option value="call">{ActionKind::Call.label()}</option>
                    </select>
                </label>
                <label>"Minutes spent"
                    <input name="minutes" inputmode="numeric" prop:value=move || drafts.minutes.get() on:input=move |ev| drafts.minutes.set(event_target_value(&ev)) />
                </label>
            </div>
            <label>"Text"
                <textarea name="action-text" rows="3" prop:value=move || drafts.comment.get() on:input=on_input on:blur=move |_| typing.set(false)></textarea>
            </label>
            <Show when=move || drafts.comment_kind.get() == "reply" && children() != 0>
                <label class="check">
                    <input type="checkbox" name="to-children" prop:checked=move || drafts.to_children.get()
                        on:change=move |ev| drafts.to_children.set(event_target_checked(&ev)) />
                    {move || match children() {
                        1 => "Also send it to the client of the open child job".to_owned(),
                        n => format!("Also send it to the clients of the {n} open child jobs"),
                    }}
                </label>
            </Show>
            <p class="muted">{move || if drafts.comment_kind.get() == "reply" { "A reply is public: the client will see it." } else { "Internal: clients never see notes or call logs." }}</p>
            <button type="submit">"Add to the job"</button>
            <Problem problem form=Form::Comment />
        </form>
    }
    .into_any()
}

/// The job's history, oldest first: every change, who made it and when.
#[component]
fn History(history: RwSignal<Vec<HistoryEntry>>) -> impl IntoView {
    view! {
        <div class="card history">
            <h2>"History"</h2>
            <ol class="history-list" data-testid="history">
                <For each=move || history.get() key=|entry| entry.position let:entry>
                    <li class="history-entry">
                        <span class="when">{entry.at.strftime("%Y-%m-%d %H:%M").to_string()}</span>
                        " "
                        <span class="what">{entry.describe()}</span>
                        {match &entry.change {
                            Change::Commented { action, text, minutes, .. } => Some(view! {
                                <blockquote class=if action.is_public() { "public" } else { "internal" }>
                                    <span class="tag">{if action.is_public() { "Public" } else { "Internal" }}</span>
                                    {minutes.map(|m| format!(" {m} min · "))}
                                    {text.clone()}
                                </blockquote>
                            }.into_any()),
                            Change::Resolved { resolution, open_tasks_reason, .. } => Some(view! {
                                <blockquote class="internal">
                                    {resolution.notes.clone()}
                                    {open_tasks_reason.clone().map(|r| format!(" — resolved with open tasks: {r}"))}
                                </blockquote>
                            }.into_any()),
                            _ => None,
                        }}
                    </li>
                </For>
            </ol>
        </div>
    }
    .into_any()
}

/// Taking, reassigning and escalating.
#[component]
fn Assignment(
    job: RwSignal<Job>,
    drafts: Drafts,
    act: Callback<(Form, Command)>,
    problem: RwSignal<Option<(Form, DeskError)>>,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let groups = move || directory.with_value(|d| d.groups.clone());
    view! {
        <form class="card form" on:submit=move |ev| {
            ev.prevent_default();
            act.run((Form::Reassign, Command::Reassign {
                group_id: drafts.reassign_group.get_untracked(),
                technician_id: drafts.reassign_technician.get_untracked(),
                reason: drafts.reassign_reason.get_untracked(),
            }));
        }>
            <h3>"Reassign"</h3>
            <label>"Group"
                <select name="reassign-group" prop:value=move || drafts.reassign_group.get() on:change=move |ev| {
                    drafts.reassign_group.set(event_target_value(&ev));
                    drafts.reassign_technician.set(String::new());
                }>
                    <option value="">"Keep with the front line"</option>
                    {groups().into_iter().map(|g| view! { <option value=g.group.id.clone()>{g.group.name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Technician"
                <select name="reassign-technician" prop:value=move || drafts.reassign_technician.get() on:change=move |ev| drafts.reassign_technician.set(event_target_value(&ev))>
                    <option value="">"Leave on the group's queue"</option>
                    {move || {
                        let chosen = drafts.reassign_group.get();
                        groups().into_iter().filter(|g| g.group.id == chosen)
                            .flat_map(|g| g.members.into_iter().chain(g.leads))
                            .map(|m| view! { <option value=m.id.clone()>{m.name}</option> })
                            .collect_view()
                    }}
                </select>
            </label>
            <label>"Reason"
                <input name="reassign-reason" prop:value=move || drafts.reassign_reason.get() on:input=move |ev| drafts.reassign_reason.set(event_target_value(&ev)) />
            </label>
            <button type="submit" disabled=move || !job.with(|j| j.status.is_open())>"Reassign"</button>
            <Problem problem form=Form::Reassign />
        </form>
        <form class="card form" on:submit=move |ev| {
            ev.prevent_default();
            let to = drafts.escalate_to.get_untracked();
            let (level, group_id) = if to == "lead" {
                (EscalationLevel::Hierarchical, String::new())
            } else {
                (EscalationLevel::Functional, to)
            };
            act.run((Form::Escalate, Command::Escalate { level, group_id, reason: drafts.escalate_reason.get_untracked() }));
        }>
            <h3>"Escalate"</h3>
            <label>"To"
                <select name="escalate-to" prop:value=move || drafts.escalate_to.get() on:change=move |ev| drafts.escalate_to.set(event_target_value(&ev))>
                    <option value="lead">"The team lead"</option>
                    {groups().into_iter().map(|g| view! { <option value=g.group.id.clone()>{format!("Group {}", g.group.name)}</option> }).collect_view()}
                </select>
            </label>
            <label>"Reason"
                <input name="escalate-reason" prop:value=move || drafts.escalate_reason.get() on:input=move |ev| drafts.escalate_reason.set(event_target_value(&ev)) />
            </label>
            <button type="submit">"Escalate"</button>
            <Problem problem form=Form::Escalate />
        </form>
    }
    .into_any()
}

/// The job's action items.
#[component]
fn Tasks(
    job: RwSignal<Job>,
    drafts: Drafts,
    act: Callback<(Form, Command)>,
    problem: RwSignal<Option<(Form, DeskError)>>,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let people = move || {
        directory.with_value(|d| {
            let mut people: Vec<_> = d
                .groups
                .iter()
                .flat_map(|g| g.members.iter().chain(&g.leads))
                .cloned()
                .collect();
            people.sort_by(|a, b| a.name.cmp(&b.name));
            people.dedup();
            people
        })
    };
    view! {
        <div class="card tasks">
            <h3>"Tasks"</h3>
            <ul class="task-list" data-testid="tasks">
                <For each=move || job.with(|j| j.tasks.clone()) key=|t| (t.id, t.done, t.assignee.clone()) let:task>
                    {
                        let (id, done) = (task.id, task.done);
                        let assignee = task.assignee.as_ref().map(|a| a.id.clone()).unwrap_or_default();
                        view! {
                    <li class:done=done>
                        <label class="task">
                            <input type="checkbox" prop:checked=done on:change=move |_| {
                                act.run((Form::Task, Command::SetTaskDone { task: id, done: !done }));
                            } />
                            {task.title.clone()}
                        </label>
                        <select class="small" aria-label="Task for" prop:value=assignee on:change=move |ev| {
                            act.run((Form::Task, Command::AssignTask { task: id, assignee_id: event_target_value(&ev) }));
                        }>
                            <option value="">"Nobody"</option>
                            {people().into_iter().map(|p| view! { <option value=p.id.clone()>{p.name}</option> }).collect_view()}
                        </select>
                    </li>
                        }
                    }
                </For>
            </ul>
            <form class="form" on:submit=move |ev| {
                ev.prevent_default();
                act.run((Form::Task, Command::AddTask { title: drafts.task.get_untracked(), assignee_id: drafts.task_assignee.get_untracked() }));
            }>
                <label>"New task"
                    <input name="task-title" prop:value=move || drafts.task.get() on:input=move |ev| drafts.task.set(event_target_value(&ev)) />
                </label>
                <label>"For"
                    <select name="task-assignee" prop:value=move || drafts.task_assignee.get() on:change=move |ev| drafts.task_assignee.set(event_target_value(&ev))>
                        <option value="">"Nobody yet"</option>
                        {people().into_iter().map(|p| view! { <option value=p.id.clone()>{p.name}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Add task"</button>
                <Problem problem form=Form::Task />
            </form>
        </div>
    }
    .into_any()
}

/// The label of a kind of link at the start of a line: "Duplicate of".
fn link_label(kind: LinkKind) -> String {
    let label = kind.label();
    let mut chars = label.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The job's links to other jobs: where each linked job stands, live, and
/// the form that links another.
#[component]
fn Links(
    job: RwSignal<Job>,
    linked: RwSignal<Vec<LinkedJob>>,
    viewer: StoredValue<Viewer>,
    drafts: Drafts,
    act: Callback<(Form, Command)>,
    problem: RwSignal<Option<(Form, DeskError)>>,
) -> impl IntoView {
    // The second line links jobs, and not on a closed job.
    let can_change = move || {
        viewer.with_value(|v| v.role != Role::FrontLine)
            && job.with(|j| j.status != crate::domain::Status::Closed)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let other = drafts.link_other.get_untracked();
        let command = match (
            JobRef::from_request(&other),
            drafts.link_kind.get_untracked().parse::<LinkKind>(),
        ) {
            (Ok(other), Ok(link)) => Command::Link { link, other },
            (Err(error), _) => {
                problem.set(Some((Form::Link, error)));
                return;
            }
            (_, Err(message)) => {
                problem.set(Some((Form::Link, DeskError::invalid("link", message))));
                return;
            }
        };
        act.run((Form::Link, command));
    };
    view! {
        <div class="card links">
            <h3>"Links"</h3>
            <ul class="link-list" data-testid="links">
                <For each=move || job.with(|j| j.links.clone()) key=|l| *l let:link>
                    {
                        let other = link.other;
                        let about = move || linked.with(|list| list.iter().find(|l| l.reference == other).cloned());
                        view! {
                            <li data-ref=other.to_string()>
                                <span class="muted">{link_label(link.kind)}</span> " "
                                <a href=format!("/jobs/{other}")>{other.to_string()}</a> " "
                                {move || about().map(|l| view! {
                                    <span class="linked-title">{l.title}</span>
                                    " " <span class="state">{l.status.label()}</span>
                                })}
                                " "
                                <Show when=can_change>
                                    <button type="button" class="link small" aria-label=format!("Remove the link to {other}")
                                        on:click=move |_| act.run((Form::Unlink, Command::Unlink { other }))>"Remove"</button>
                                </Show>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || job.with(|j| j.links.is_empty())>
                <p class="muted">"Not linked to other jobs."</p>
            </Show>
            <Problem problem form=Form::Unlink />
            <Show when=can_change>
            <form class="form" on:submit=submit>
                <label>"This job is"
                    <select name="link-kind" prop:value=move || drafts.link_kind.get() on:change=move |ev| drafts.link_kind.set(event_target_value(&ev))>
                        {LinkKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{link_label(k)}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Job"
                    <input name="link-other" placeholder="J-1042" prop:value=move || drafts.link_other.get()
                        on:input=move |ev| drafts.link_other.set(event_target_value(&ev)) />
                </label>
                <button type="submit">"Link"</button>
                <Problem problem form=Form::Link />
            </form>
            </Show>
        </div>
    }
    .into_any()
}

/// Open jobs that look like this one, live, each a click away from being
/// linked to it.
#[component]
fn Similar(
    job: RwSignal<Job>,
    similar: RwSignal<Vec<SimilarJob>>,
    viewer: StoredValue<Viewer>,
    drafts: Drafts,
) -> impl IntoView {
    let can_link = move || viewer.with_value(|v| v.role != Role::FrontLine);
    view! {
        <Show when=move || job.with(|j| j.status.is_open()) && similar.with(|s| !s.is_empty())>
            <div class="card similar">
                <h3>"Similar open jobs"</h3>
                <ul class="link-list" data-testid="similar">
                    <For each=move || similar.get() key=|s| s.clone() let:found>
                        {
                            let other = found.reference;
                            view! {
                                <li data-ref=other.to_string()>
                                    <a href=format!("/jobs/{other}")>{other.to_string()}</a> " "
                                    <span class="linked-title">{found.title.clone()}</span>
                                    " " <span class="state">{found.status.label()}</span>
                                    " " <span class="muted">{found.organisation.clone()} " · " {found.shared.join(", ")}</span>
                                    " "
                                    <Show when=can_link>
                                        <button type="button" class="link small" aria-label=format!("Choose {other} in the link form")
                                            on:click=move |_| {
                                                drafts.link_other.set(other.to_string());
                                                // The kind of link is then one choice away.
                                                super::layout::focus_first("input[name=link-other]");
                                            }>"Link…"</button>
                                    </Show>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </div>
        </Show>
    }
    .into_any()
}

/// Editing the title, description and classification.
#[component]
fn EditFields(
    job: RwSignal<Job>,
    drafts: Drafts,
    act: Callback<(Form, Command)>,
    problem: RwSignal<Option<(Form, DeskError)>>,
) -> impl IntoView {
    let start = move |_| {
        let j = job.get_untracked();
        drafts.edit_version.set(j.version);
        drafts.title.set(j.title);
        drafts.description.set(j.description);
        drafts.category.set(j.category);
        drafts.impact.set(lower(j.impact));
        drafts.urgency.set(lower(j.urgency));
        drafts.editing.set(true);
    };
    view! {
        <div class="card">
            <Show when=move || drafts.editing.get() fallback=move || view! {
                <button type="button" class="secondary" on:click=start>"Edit fields"</button>
            }>
                <form class="form" on:submit=move |ev| {
                    ev.prevent_default();
                    act.run((Form::Edit, Command::Edit {
                        title: drafts.title.get_untracked(),
                        description: drafts.description.get_untracked(),
                        category: drafts.category.get_untracked(),
                        impact: impact_of(&drafts.impact.get_untracked()),
                        urgency: urgency_of(&drafts.urgency.get_untracked()),
                    }));
                }>
                    <label>"Title" <input name="edit-title" prop:value=move || drafts.title.get() on:input=move |ev| drafts.title.set(event_target_value(&ev)) /></label>
                    <label>"Description" <textarea name="edit-description" rows="3" prop:value=move || drafts.description.get() on:input=move |ev| drafts.description.set(event_target_value(&ev))></textarea></label>
                    <label>"Category"
                        <select name="edit-category" prop:value=move || drafts.category.get() on:change=move |ev| drafts.category.set(event_target_value(&ev))>
                            {CATEGORIES.iter().map(|c| view! { <option value=*c>{*c}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Impact"
                        <select name="edit-impact" prop:value=move || drafts.impact.get() on:change=move |ev| drafts.impact.set(event_target_value(&ev))>
                            <option value="high">"High"</option><option value="medium">"Medium"</option><option value="low">"Low"</option>
                        </select>
                    </label>
                    <label>"Urgency"
                        <select name="edit-urgency" prop:value=move || drafts.urgency.get() on:change=move |ev| drafts.urgency.set(event_target_value(&ev))>
                            <option value="high">"High"</option><option value="medium">"Medium"</option><option value="low">"Low"</option>
                        </select>
                    </label>
                    <div class="row">
                        <button type="submit">"Save"</button>
                        <button type="button" class="secondary" on:click=move |_| drafts.editing.set(false)>"Cancel"</button>
                    </div>
                    <Problem problem form=Form::Edit />
                </form>
            </Show>
        </div>
    }
    .into_any()
}

/// A team lead's override of the matrix priority, with a reason.
#[component]
fn PriorityOverride(
    drafts: Drafts,
    act: Callback<(Form, Command)>,
    problem: RwSignal<Option<(Form, DeskError)>>,
) -> impl IntoView {
    view! {
        <form class="card form" on:submit=move |ev| {
            ev.prevent_default();
            let priority = match drafts.priority.get_untracked().as_str() {
                "P1" => Priority::P1,
                "P2" => Priority::P2,
                "P3" => Priority::P3,
                _ => Priority::P4,
            };
            act.run((Form::Priority, Command::OverridePriority { priority, reason: drafts.priority_reason.get_untracked() }));
        }>
            <h3>"Override priority"</h3>
            <label>"Priority"
                <select name="override-priority" prop:value=move || drafts.priority.get() on:change=move |ev| drafts.priority.set(event_target_value(&ev))>
                    <option value="P1">"P1"</option><option value="P2">"P2"</option><option value="P3">"P3"</option><option value="P4">"P4"</option>
                </select>
            </label>
            <label>"Reason"
                <input name="override-reason" prop:value=move || drafts.priority_reason.get() on:input=move |ev| drafts.priority_reason.set(event_target_value(&ev)) />
            </label>
            <button type="submit">"Set priority"</button>
            <Problem problem form=Form::Priority />
        </form>
    }
    .into_any()
}

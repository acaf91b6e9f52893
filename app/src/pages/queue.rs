//! The queue: the built-in views with live counts, filters and sort orders
//! kept in the page address, "take next", and bulk changes on selected rows.
//! Rows are rendered only where the list is scrolled to, so a view over
//! 100,000 jobs keeps a small page. Changes arrive live; a job that would
//! appear above the rows being looked at is announced instead of pushing
//! them down.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::age;
use super::job::Avatar;
use super::sign_in::SignInForm;
use crate::api::{change_many, delete_view, load_directory, queue, save_view, take_next};
use crate::domain::index::QueuePage as LoadedPage;
use crate::domain::index::apply_to_page;
use crate::domain::job::CATEGORIES;
use crate::domain::views::views_holding;
use crate::domain::{
    ActionKind, BuiltInView, BulkChange, BulkOutcome, BulkTarget, Column, Command, DeskError,
    Directory, Job, JobRef, LinkKind, LiveMessage, Move, Priority, QueueQuery, SavedView, SortKey,
    Status, ViewCount, Watcher, WhoseMove,
};
use crate::live::{Connection, ConnectionBanner, LivePage, Reload, follow};

/// The height of one row, in pixels: rows are placed by it.
const ROW_HEIGHT: f64 = 38.0;
/// Rows rendered beyond the visible ones, above and below.
const OVERSCAN: usize = 12;
/// Rows asked for at a time.
const PAGE: usize = 200;

/// The page address of `query`.
fn address(query: &QueueQuery) -> String {
    let pairs: Vec<String> = query
        .to_pairs()
        .into_iter()
        .map(|(k, v)| format!("{k}={}", encode_value(&v)))
        .collect();
    format!("/?{}", pairs.join("&"))
}

/// Percent-encodes what a query value may not hold as it is.
fn encode_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The queue query a page address holds.
fn query_of(params: &leptos_router::params::ParamsMap) -> QueueQuery {
    let pairs: Vec<(&str, String)> = [
        "view",
        "status",
        "priority",
        "group",
        "technician",
        "client",
        "organisation",
        "category",
        "q",
        "sort",
        "cols",
    ]
    .into_iter()
    .filter_map(|k| params.get(k).map(|v| (k, v)))
    .collect();
    QueueQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
}

/// The queue page.
#[component]
pub fn QueuePage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(query_of));
    let first = Resource::new(move || query.get(), |q| queue(q, 0, PAGE));
    let directory = Resource::new(|| (), |_| load_directory());
    view! {
        <Transition fallback=|| view! { <p class="notice">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                match (first.await, directory.await) {
                    (Ok(page), Ok(directory)) => view! { <LiveQueue page directory /> }.into_any(),
                    (Err(DeskError::NotSignedIn), _) | (_, Err(DeskError::NotSignedIn)) => {
                        view! { <SignInForm /> }.into_any()
                    }
                    (Err(error), _) | (_, Err(error)) => {
                        view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// One view of the queue, following the log from the page's position.
#[component]
fn LiveQueue(page: LoadedPage, directory: Directory) -> impl IntoView {
    let query = StoredValue::new(page.query.clone());
    let viewer = StoredValue::new(page.viewer.clone());
    let directory = StoredValue::new(directory);
    let rows = RwSignal::new(page.rows);
    let total = RwSignal::new(page.total);
    let counts = RwSignal::new(page.counts);
    let saved = RwSignal::new(page.saved);
    let arrived = RwSignal::new(Vec::<Job>::new());
    let presence = RwSignal::new(HashMap::<JobRef, Vec<Watcher>>::new());
    let connection = RwSignal::new(Connection::Connecting);
    let now = RwSignal::new(jiff::Timestamp::now());
    let scroll_top = RwSignal::new(0.0f64);
    let viewport = RwSignal::new(600.0f64);
    let selected = RwSignal::new(BTreeSet::<JobRef>::new());
    let all_matching = RwSignal::new(false);
    let anchor = RwSignal::new(None::<usize>);
    let cursor = RwSignal::new(0usize);
    let loading_more = RwSignal::new(false);
    let scroller = NodeRef::<leptos::html::Div>::new();

    let first_visible = move || (scroll_top.get() / ROW_HEIGHT).floor() as usize;
    let first_visible_now = move || (scroll_top.get_untracked() / ROW_HEIGHT).floor() as usize;
    let apply_event = move |reference: JobRef, before: Option<Job>, after: Option<Job>| {
        let at = jiff::Timestamp::now();
        let who = viewer.get_value();
        let q = query.get_value();
        counts.update(|counts| {
            let was = before.as_ref().map(|j| views_holding(&who, j, at));
            let is = after.as_ref().map(|j| views_holding(&who, j, at));
            for (n, count) in counts.iter_mut().enumerate() {
                let was = was.is_some_and(|v| v[n]);
                let is = is.is_some_and(|v| v[n]);
                count.count = (count.count + usize::from(is)).saturating_sub(usize::from(was));
            }
        });
        let loaded = rows.with_untracked(|r| r.iter().position(|j| j.reference == reference));
        // A row loaded by scrolling may already be newer than this event.
        let newer_on_screen = loaded.is_some_and(|at| {
            rows.with_untracked(|r| {
                after
                    .as_ref()
                    .is_some_and(|job| r[at].version >= job.version)
            })
        });
        if newer_on_screen {
            return;
        }
        let needle = q.filter.needle();
        let was_in = before
            .as_ref()
            .is_some_and(|j| q.holds(&who, j, &needle, at));
        let belongs = after
            .as_ref()
            .is_some_and(|j| q.holds(&who, j, &needle, at));
        // A job new to the rows that would land above what is being
        // looked at waits behind the notice instead.
        if let Some(job) = after.clone().filter(|_| loaded.is_none() && belongs) {
            let place = rows.with_untracked(|r| {
                r.partition_point(|row| q.sort.compare(row, &job) == std::cmp::Ordering::Less)
            });
            let loaded_all = rows.with_untracked(Vec::len) >= total.get_untracked();
            if !was_in {
                total.update(|t| *t += 1);
            }
            if place < first_visible_now() {
                arrived.update(|a| {
                    a.retain(|j| j.reference != reference);
                    a.push(job);
                });
                return;
            }
            if place >= rows.with_untracked(Vec::len) && !loaded_all {
                // It lands among the rows not loaded yet; scrolling there
                // loads it.
                return;
            }
        }
        if loaded.is_none() && was_in && !belongs {
            // It left from among the rows not loaded (or not shown yet).
            total.update(|t| *t = t.saturating_sub(1));
        }
        arrived.update(|a| a.retain(|j| j.reference != reference));
        let mut delta = 0;
        rows.update(|r| delta = apply_to_page(r, &who, &q, reference, after, at));
        if loaded.is_some() {
            total.update(|t| *t = (*t as isize + delta).max(0) as usize);
            if delta < 0
                && loaded.is_some_and(|at| at < first_visible_now())
                && let Some(el) = scroller.get_untracked()
            {
                // A row above the visible ones left: keep the view still.
                el.set_scroll_top((el.scroll_top() as f64 - ROW_HEIGHT).max(0.0) as i32);
            }
        }
    };
    let live = LivePage {
        apply: Rc::new(move |message| {
            match message {
                LiveMessage::Event {
                    reference,
                    job,
                    before,
                    ..
                } => {
                    if rows.try_get_untracked().is_none() {
                        return false;
                    }
                    apply_event(reference, before, job);
                }
                LiveMessage::Presence {
                    reference,
                    watchers,
                } => {
                    return presence
                        .try_update(|map| {
                            if watchers.is_empty() {
                                map.remove(&reference);
                            } else {
                                map.insert(reference, watchers);
                            }
                        })
                        .is_some();
                }
                _ => {}
            }
            true
        }),
        reload: Rc::new(move || -> Reload {
            Box::pin(async move {
                let fresh = queue(query.get_value(), 0, PAGE).await?;
                rows.try_set(fresh.rows);
                total.try_set(fresh.total);
                counts.try_set(fresh.counts);
                arrived.try_set(Vec::new());
                Ok(fresh.position)
            })
        }),
        watching: None,
    };
    let position = page.position;
    Effect::new(move |_| follow(position, connection, live.clone()));
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
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            viewport.set(f64::from(el.client_height().max(200)));
        }
    });

    // More rows are fetched as the list nears the end of what is loaded.
    let load_more = move || {
        let loaded = rows.with_untracked(Vec::len);
        if loading_more.get_untracked() || loaded >= total.get_untracked() {
            return;
        }
        loading_more.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(more) = queue(query.get_value(), loaded, PAGE).await {
                if more.rows.is_empty() {
                    // Nothing beyond what is loaded: the total was ahead.
                    let _ = total.try_set(loaded);
                } else {
                    let _ = rows.try_update(|r| {
                        for job in more.rows {
                            if !r.iter().any(|j| j.reference == job.reference) {
                                r.push(job);
                            }
                        }
                    });
                    let _ = total.try_set(more.total);
                    let _ = counts.try_set(more.counts);
                }
            }
            let _ = loading_more.try_set(false);
        });
    };
    let window = move || {
        let start = first_visible().saturating_sub(OVERSCAN);
        let shown = (viewport.get() / ROW_HEIGHT).ceil() as usize + 2 * OVERSCAN;
        let len = rows.with(Vec::len);
        (start.min(len), (start + shown).min(len), len)
    };
    Effect::new(move |_| {
        let (_, end, len) = window();
        if len > 0 && end + OVERSCAN >= len {
            load_more();
        }
    });

    let toggle = move |reference: JobRef, index: usize, shift: bool| {
        all_matching.set(false);
        selected.update(|s| match (shift, anchor.get_untracked()) {
            (true, Some(from)) => {
                let (a, b) = if from <= index {
                    (from, index)
                } else {
                    (index, from)
                };
                rows.with_untracked(|r| {
                    for job in r.iter().take(b + 1).skip(a) {
                        s.insert(job.reference);
                    }
                });
            }
            _ => {
                if !s.remove(&reference) {
                    s.insert(reference);
                }
            }
        });
        anchor.set(Some(index));
        cursor.set(index);
    };

    let taking = Action::new(|_: &()| take_next());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(job)) = taking.value().get() {
            navigate(&format!("/jobs/{}", job.reference), Default::default());
        }
    });

    // Keys work while the list has the focus (click it, or Tab to it):
    // j/k or the arrows move, x or space selects, shift extends, Enter opens,
    // n takes the next job, b goes to the bulk bar's action.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let len = rows.with_untracked(Vec::len);
        match ev.key().as_str() {
            "j" | "ArrowDown" if len > 0 => {
                ev.prevent_default();
                cursor.update(|c| *c = (*c + 1).min(len - 1));
            }
            "k" | "ArrowUp" => {
                ev.prevent_default();
                cursor.update(|c| *c = c.saturating_sub(1));
            }
            "x" | " " if len > 0 => {
                ev.prevent_default();
                let at = cursor.get_untracked().min(len - 1);
                if let Some(reference) = rows.with_untracked(|r| r.get(at).map(|j| j.reference)) {
                    toggle(reference, at, ev.shift_key());
                }
            }
            "Enter" => {
                if let Some(reference) =
                    rows.with_untracked(|r| r.get(cursor.get_untracked()).map(|j| j.reference))
                {
                    super::layout::navigate_fully(&format!("/jobs/{reference}"));
                }
            }
            "n" => {
                taking.dispatch(());
            }
            "b" => {
                ev.prevent_default();
                super::layout::focus_first("select[name=bulk-action]");
            }
            _ => {}
        }
    };

    let list = view! {
                    <div
                        class="queue-scroll"
                        tabindex="0"
                        aria-label="Jobs: j and k move, x selects, Enter opens, n takes the next job, b jumps to the change bar for the selection"
                        on:keydown=on_key
                        node_ref=scroller
                        on:scroll=move |_| {
                            if let Some(el) = scroller.get_untracked() {
                                scroll_top.set(f64::from(el.scroll_top()));
                                viewport.set(f64::from(el.client_height().max(200)));
                            }
                        }
                    >
                        <table class="jobs">
                            <thead>
                                <tr>
                                    <th class="pick">
                                        <input type="checkbox" aria-label="Select all that match"
                                            prop:checked=move || all_matching.get()
                                            on:change=move |_| {
                                                let on = !all_matching.get_untracked();
                                                all_matching.set(on);
                                                if !on { selected.set(BTreeSet::new()); }
                                            } />
                                    </th>
                                    <th>"Job"</th>
                                    {Column::ALL.into_iter().filter(|c| query.with_value(|q| q.shows(*c))).map(|c| view! { <th>{c.label()}</th> }).collect_view()}
                                </tr>
                            </thead>
                            <tbody>
                                <tr class="spacer" style:height=move || format!("{}px", window().0 as f64 * ROW_HEIGHT)></tr>
                                <For
                                    each=move || {
                                        let (start, end, _) = window();
                                        rows.with(|r| r[start..end].iter().cloned().enumerate().map(|(n, j)| (start + n, j)).collect::<Vec<_>>())
                                    }
                                    key=|(n, job)| (*n, job.reference, job.version)
                                    let:row
                                >
                                    <QueueRow index=row.0 job=row.1 now presence me=viewer.with_value(|v| v.user.id.clone()) selected all_matching cursor toggle query />
                                </For>
                                <tr class="spacer" style:height=move || {
                                    let (_, end, len) = window();
                                    format!("{}px", (len - end) as f64 * ROW_HEIGHT)
                                }></tr>
                            </tbody>
                        </table>
                        <Show when=move || rows.with(Vec::is_empty)>
                            <p class="notice">"No jobs here. New ones appear as they come in."</p>
                        </Show>
                    </div>
    }
    .into_any();
    view! {
        <section class="queue">
            <div class="queue-head">
                <h1>
                    {move || query.with_value(|q| q.view.label())}
                    <span class="count" data-testid="total">{move || total.get()}</span>
                </h1>
                <div class="queue-actions">
                    <button type="button" on:click=move |_| { taking.dispatch(()); } title="Assign the most urgent unassigned job of my groups to me (n)">
                        "Take next"
                    </button>
                    <ConnectionBanner connection />
                </div>
            </div>
            {move || taking.value().get().and_then(Result::err).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <div class="queue-layout">
                <ViewNav counts query saved />
                <div class="queue-main">
                    <Filters query directory saved rows />
                    <BulkBar selected all_matching rows total query directory />
                    {move || {
                        let waiting = arrived.with(Vec::len);
                        (waiting > 0).then(|| view! {
                            <button type="button" class="notice-bar" data-testid="new-jobs" on:click=move |_| {
                                let jobs = arrived.get_untracked();
                                arrived.set(Vec::new());
                                let who = viewer.get_value();
                                let q = query.get_value();
                                let at = jiff::Timestamp::now();
                                rows.update(|r| {
                                    for job in jobs {
                                        let _ = apply_to_page(r, &who, &q, job.reference, Some(job), at);
                                    }
                                });
                                if let Some(el) = scroller.get_untracked() {
                                    el.set_scroll_top(0);
                                }
                            }>
                                {if waiting == 1 { "1 new job — show".to_owned() } else { format!("{waiting} new jobs — show") }}
                            </button>
                        })
                    }}
                    {list}
                </div>
            </div>
        </section>
    }
    .into_any()
}

/// The built-in views, each with its live count, and the person's saved
/// views.
#[component]
fn ViewNav(
    counts: RwSignal<Vec<ViewCount>>,
    query: StoredValue<QueueQuery>,
    saved: RwSignal<Vec<SavedView>>,
) -> impl IntoView {
    let current = query.get_value();
    let here = address(&current);
    let remove = Action::new(|name: &String| delete_view(name.clone()));
    Effect::new(move |_| {
        if let Some(Ok(left)) = remove.value().get() {
            saved.set(left);
        }
    });
    view! {
        <nav class="views" aria-label="Views">
            {BuiltInView::ALL.into_iter().map(|view| {
                let href = address(&QueueQuery { view, ..QueueQuery::default() });
                let count = move || counts.with(|c| c.iter().find(|c| c.view == view).map_or(0, |c| c.count));
                view! {
                    <a href=href class:current=view == current.view && current.filter.is_empty() data-view=view.slug()>
                        <span>{view.label()}</span>
                        <span class="count" data-testid=format!("count-{}", view.slug())>{count}</span>
                    </a>
                }
            }).collect_view()}
            <Show when=move || saved.with(|s| !s.is_empty())>
                <h2 class="views-title">"Saved"</h2>
            </Show>
            {move || saved.get().into_iter().map(|view| {
                let href = address(&view.query);
                let name = view.name.clone();
                view! {
                    <span class="saved-view">
                        <a href=href.clone() class:current=href == here data-saved=view.name.clone()>{view.name.clone()}</a>
                        <button type="button" class="link" title=format!("Delete the saved view {}", view.name) on:click=move |_| { remove.dispatch(name.clone()); }>"×"</button>
                    </span>
                }
            }).collect_view()}
        </nav>
    }
    .into_any()
}

/// The filters and the sort order; every change becomes the page address.
#[component]
fn Filters(
    query: StoredValue<QueueQuery>,
    directory: StoredValue<Directory>,
    saved: RwSignal<Vec<SavedView>>,
    rows: RwSignal<Vec<Job>>,
) -> impl IntoView {
    // The organisations of the jobs loaded, and the one filtered on.
    let organisations: BTreeSet<String> = rows.with_untracked(|r| {
        r.iter()
            .map(|j| j.client.organisation.clone())
            .chain(query.with_value(|q| q.filter.organisations.clone()))
            .collect()
    });
    let naming = RwSignal::new(String::new());
    let save =
        Action::new(|(name, query): &(String, QueueQuery)| save_view(name.clone(), query.clone()));
    Effect::new(move |_| {
        if let Some(Ok(views)) = save.value().get() {
            saved.set(views);
            naming.set(String::new());
        }
    });
    // A changed filter is a new page address: the view, its counts and the
    // live connection start again from it, without reloading the page.
    // Changes build on the address as it is now, not on the page shown:
    // a second change made while the first loads keeps the first.
    let params = use_query_map();
    let navigate = leptos_router::hooks::use_navigate();
    let navigate = Callback::new(move |path: String| navigate(&path, Default::default()));
    let go = move |change: Box<dyn Fn(&mut QueueQuery)>| {
        let mut q = params.with_untracked(query_of);
        change(&mut q);
        navigate.run(address(&q));
    };
    let q = query.get_value();
    let text = RwSignal::new(q.filter.text.clone());
    let one = |values: &[String]| values.first().cloned().unwrap_or_default();
    view! {
        <form class="filters" on:submit=move |ev| {
            ev.prevent_default();
            let text = text.get_untracked();
            go(Box::new(move |q| q.filter.text = text.clone()));
        }>
            <input name="q" placeholder="Search titles and descriptions" aria-label="Search"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
            <select name="status" aria-label="Status" prop:value=q.filter.statuses.first().map(|s| status_slug(*s)).unwrap_or_default()
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(Box::new(move |q| q.filter.statuses = Status::ALL.into_iter().filter(|s| status_slug(*s) == value).collect()));
                }>
                <option value="">"Any status"</option>
                {Status::ALL.into_iter().map(|s| view! { <option value=status_slug(s)>{s.label()}</option> }).collect_view()}
            </select>
            <select name="priority" aria-label="Priority" prop:value=q.filter.priorities.first().map(|p| p.to_string()).unwrap_or_default()
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(Box::new(move |q| q.filter.priorities = [Priority::P1, Priority::P2, Priority::P3, Priority::P4].into_iter().filter(|p| p.to_string() == value).collect()));
                }>
                <option value="">"Any priority"</option>
                <option value="P1">"P1"</option><option value="P2">"P2"</option><option value="P3">"P3"</option><option value="P4">"P4"</option>
            </select>
            <select name="group" aria-label="Group filter" prop:value=one(&q.filter.groups)
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(Box::new(move |q| q.filter.groups = if value.is_empty() { Vec::new() } else { vec![value.clone()] }));
                }>
                <option value="">"Any group"</option>
                <option value="none">"No group"</option>
                {directory.with_value(|d| d.groups.iter().map(|g| view! { <option value=g.group.id.clone()>{g.group.name.clone()}</option> }).collect_view())}
            </select>
            <select name="category" aria-label="Category filter" prop:value=one(&q.filter.categories)
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(Box::new(move |q| q.filter.categories = if value.is_empty() { Vec::new() } else { vec![value.clone()] }));
                }>
                <option value="">"Any category"</option>
                {CATEGORIES.iter().map(|c| view! { <option value=*c>{*c}</option> }).collect_view()}
            </select>
            <select name="sort" aria-label="Sort by" prop:value=q.sort.slug()
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(Box::new(move |q| q.sort = SortKey::from_slug(&value).unwrap_or_default()));
                }>
                {SortKey::ALL.into_iter().map(|s| view! { <option value=s.slug()>{format!("Sort: {}", s.label())}</option> }).collect_view()}
            </select>
            <select name="technician" aria-label="Technician filter" prop:value=one(&q.filter.technicians)
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(Box::new(move |q| q.filter.technicians = if value.is_empty() { Vec::new() } else { vec![value.clone()] }));
                }>
                <option value="">"Anyone"</option>
                <option value="none">"Nobody yet"</option>
                {directory.with_value(|d| {
                    let mut people: Vec<_> = d.groups.iter().flat_map(|g| g.members.iter().chain(&g.leads)).cloned().collect();
                    people.sort_by(|a, b| a.name.cmp(&b.name));
                    people.dedup();
                    people.into_iter().map(|p| view! { <option value=p.id.clone()>{p.name}</option> }).collect_view()
                })}
            </select>
            <select name="organisation" aria-label="Organisation filter" prop:value=one(&q.filter.organisations)
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(Box::new(move |q| q.filter.organisations = if value.is_empty() { Vec::new() } else { vec![value.clone()] }));
                }>
                <option value="">"Any organisation"</option>
                {organisations.into_iter().map(|o| { let label = o.clone(); view! { <option value=o>{label}</option> } }).collect_view()}
            </select>
            {(!q.filter.clients.is_empty()).then(|| {
                let name = rows.with_untracked(|r| {
                    r.iter()
                        .find(|j| q.filter.clients.contains(&j.client.id))
                        .map(|j| j.client.name.clone())
                }).unwrap_or_else(|| q.filter.clients.join(", "));
                let mut without = q.clone();
                without.filter.clients.clear();
                view! {
                    <span class="chip" data-testid="client-filter">"Client: " {name} " "
                        <a href=address(&without) aria-label="Any client">"×"</a>
                    </span>
                }
            })}
            <button type="submit" class="secondary">"Search"</button>
            <a class="small" href=address(&QueueQuery { view: q.view, ..QueueQuery::default() })>"Clear"</a>
            <details class="columns">
                <summary>"Columns"</summary>
                {Column::ALL.into_iter().map(|column| view! {
                    <label>
                        <input type="checkbox" prop:checked=query.with_value(|q| q.shows(column)) on:change=move |_| {
                            go(Box::new(move |q| {
                                let mut shown: Vec<Column> = Column::ALL.into_iter().filter(|c| q.shows(*c)).collect();
                                if shown.contains(&column) {
                                    shown.retain(|c| *c != column);
                                } else {
                                    shown.push(column);
                                }
                                q.columns = if shown.len() == Column::ALL.len() {
                                    Vec::new()
                                } else {
                                    Column::ALL.into_iter().filter(|c| shown.contains(c)).collect()
                                };
                            }));
                        } />
                        {column.label()}
                    </label>
                }).collect_view()}
            </details>
            <span class="save-view">
                <input name="view-name" aria-label="Name for this view" placeholder="Name this view"
                    prop:value=move || naming.get() on:input=move |ev| naming.set(event_target_value(&ev)) />
                <button type="button" class="secondary" on:click=move |_| { save.dispatch((naming.get_untracked(), query.get_value())); }>"Save view"</button>
            </span>
            {move || save.value().get().and_then(Result::err).map(|e| view! {
                <span class="error" role="alert">{e.field_message("name").map(str::to_owned).unwrap_or_else(|| e.to_string())}</span>
            })}
        </form>
    }
    .into_any()
}

fn status_slug(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// How a row says where its job stands among linked jobs: "parent of 12",
/// "child of J-1042", "duplicate of J-1042"; nothing for related jobs only.
fn link_tag(links: &[crate::domain::Link]) -> Option<String> {
    let children = links
        .iter()
        .filter(|l| l.kind == LinkKind::ParentOf)
        .count();
    if children > 0 {
        return Some(format!("parent of {children}"));
    }
    links
        .iter()
        .find(|l| matches!(l.kind, LinkKind::ChildOf | LinkKind::DuplicateOf))
        .map(ToString::to_string)
}

/// Bulk changes on the selected rows, or on everything that matches.
#[component]
fn BulkBar(
    selected: RwSignal<BTreeSet<JobRef>>,
    all_matching: RwSignal<bool>,
    rows: RwSignal<Vec<Job>>,
    total: RwSignal<usize>,
    query: StoredValue<QueueQuery>,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let action = RwSignal::new("reassign".to_owned());
    let group = RwSignal::new(String::new());
    let technician = RwSignal::new(String::new());
    let priority = RwSignal::new("P1".to_owned());
    let status = RwSignal::new("start".to_owned());
    let text = RwSignal::new(String::new());
    let link = RwSignal::new(LinkKind::ChildOf.as_str().to_owned());
    let link_other = RwSignal::new(String::new());
    let outcomes = RwSignal::new(None::<Result<Vec<BulkOutcome>, DeskError>>);
    let send = Action::new(|change: &BulkChange| change_many(change.clone()));
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            if result.is_ok() {
                selected.set(BTreeSet::new());
                all_matching.set(false);
            }
            outcomes.set(Some(result));
        }
    });
    let how_many = move || {
        if all_matching.get() {
            total.get()
        } else {
            selected.with(BTreeSet::len)
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reason = text.get_untracked();
        let command = match action.get_untracked().as_str() {
            "link" => {
                let other = match JobRef::from_request(&link_other.get_untracked()) {
                    Ok(other) => other,
                    Err(error) => {
                        outcomes.set(Some(Err(error)));
                        return;
                    }
                };
                match link.get_untracked().parse::<LinkKind>() {
                    Ok(link) => Command::Link { link, other },
                    Err(message) => {
                        outcomes.set(Some(Err(DeskError::invalid("link", message))));
                        return;
                    }
                }
            }
            "priority" => Command::OverridePriority {
                priority: match priority.get_untracked().as_str() {
                    "P1" => Priority::P1,
                    "P2" => Priority::P2,
                    "P3" => Priority::P3,
                    _ => Priority::P4,
                },
                reason,
            },
            "status" => Command::Move {
                action: match status.get_untracked().as_str() {
                    "wait_client" => Move::WaitForClient,
                    "wait_third_party" => Move::WaitForThirdParty,
                    "close" => Move::Close,
                    _ => Move::Start,
                },
                reason,
            },
            "note" | "reply" | "call" => Command::Comment {
                action: match action.get_untracked().as_str() {
                    "reply" => ActionKind::Reply,
                    "call" => ActionKind::Call,
                    _ => ActionKind::Note,
                },
                text: reason,
                minutes: None,
                to_children: false,
            },
            "resolve" => Command::Resolve {
                code: directory
                    .with_value(|d| d.resolution_codes.first().cloned().unwrap_or_default()),
                notes: reason,
                open_tasks_reason: String::new(),
            },
            _ => Command::Reassign {
                group_id: group.get_untracked(),
                technician_id: technician.get_untracked(),
                reason,
            },
        };
        let change = if all_matching.get_untracked() {
            BulkChange {
                jobs: Vec::new(),
                matching: Some(query.get_value()),
                command,
            }
        } else {
            let picked = selected.get_untracked();
            let jobs = rows.with_untracked(|r| {
                r.iter()
                    .filter(|j| picked.contains(&j.reference))
                    .map(|j| BulkTarget {
                        reference: j.reference,
                        version: j.version,
                    })
                    .collect()
            });
            BulkChange {
                jobs,
                matching: None,
                command,
            }
        };
        send.dispatch(change);
    };
    view! {
        <Show when=move || how_many() != 0 || outcomes.with(Option::is_some)>
            <form class="bulk" data-testid="bulk" on:submit=submit>
                <strong>{move || format!("{} selected", how_many())}</strong>
                <select name="bulk-action" aria-label="Bulk action" prop:value=move || action.get() on:change=move |ev| action.set(event_target_value(&ev))>
                    <option value="reassign">"Assign to…"</option>
                    <option value="priority">"Set priority"</option>
                    <option value="status">"Change status"</option>
                    <option value="note">"Add an internal note"</option>
                    <option value="reply">"Reply to each client"</option>
                    <option value="call">"Log a phone call"</option>
                    <option value="resolve">"Resolve"</option>
                    <option value="link">"Link to a job"</option>
                </select>
                <Show when=move || action.get() == "link">
                    <select name="bulk-link" aria-label="Bulk link kind" prop:value=move || link.get() on:change=move |ev| link.set(event_target_value(&ev))>
                        <option value=LinkKind::ChildOf.as_str()>"Children of"</option>
                        <option value=LinkKind::DuplicateOf.as_str()>"Duplicates of"</option>
                        <option value=LinkKind::Related.as_str()>"Related to"</option>
                    </select>
                    <input name="bulk-link-other" aria-label="Link to job" placeholder="J-1042"
                        prop:value=move || link_other.get() on:input=move |ev| link_other.set(event_target_value(&ev)) />
                </Show>
                <Show when=move || action.get() == "reassign">
                    <select name="bulk-group" aria-label="Bulk group" prop:value=move || group.get() on:change=move |ev| { group.set(event_target_value(&ev)); technician.set(String::new()); }>
                        <option value="">"Front line"</option>
                        {directory.with_value(|d| d.groups.iter().map(|g| view! { <option value=g.group.id.clone()>{g.group.name.clone()}</option> }).collect_view())}
                    </select>
                    <select name="bulk-technician" aria-label="Bulk technician" prop:value=move || technician.get() on:change=move |ev| technician.set(event_target_value(&ev))>
                        <option value="">"Group queue"</option>
                        {move || {
                            let chosen = group.get();
                            directory.with_value(|d| d.groups.iter().filter(|g| g.group.id == chosen)
                                .flat_map(|g| g.members.iter().chain(&g.leads).cloned())
                                .map(|m| view! { <option value=m.id.clone()>{m.name}</option> })
                                .collect_view())
                        }}
                    </select>
                </Show>
                <Show when=move || action.get() == "priority">
                    <select name="bulk-priority" aria-label="Bulk priority" prop:value=move || priority.get() on:change=move |ev| priority.set(event_target_value(&ev))>
                        <option value="P1">"P1"</option><option value="P2">"P2"</option><option value="P3">"P3"</option><option value="P4">"P4"</option>
                    </select>
                </Show>
                <Show when=move || action.get() == "status">
                    <select name="bulk-status" aria-label="Bulk status" prop:value=move || status.get() on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="start">"Start work"</option>
                        <option value="wait_client">"Wait for client"</option>
                        <option value="wait_third_party">"Wait for third party"</option>
                        <option value="close">"Close"</option>
                    </select>
                </Show>
                <Show when=move || action.get() != "link">
                    <input name="bulk-text" aria-label="Reason or note" placeholder="Reason, note or resolution"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                </Show>
                <button type="submit" disabled=move || send.pending().get() || how_many() == 0>"Apply"</button>
                {move || outcomes.get().map(|result| match result {
                    Ok(list) => {
                        let done = list.iter().filter(|o| matches!(o, BulkOutcome::Done { .. })).count();
                        let refused: Vec<String> = list.iter().filter_map(|o| match o {
                            BulkOutcome::Refused { reference, reason } => Some(format!("{reference}: {reason}")),
                            BulkOutcome::Done { .. } => None,
                        }).collect();
                        view! {
                            <div class="bulk-result" role="status" data-testid="bulk-result">
                                {format!("{done} done, {} refused.", refused.len())}
                                <ul>{refused.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                                <button type="button" class="link" on:click=move |_| outcomes.set(None)>"Dismiss"</button>
                            </div>
                        }.into_any()
                    }
                    Err(DeskError::Invalid { errors }) => view! {
                        <p class="error" role="alert">{errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ")}</p>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </form>
        </Show>
    }
    .into_any()
}

#[component]
fn QueueRow(
    index: usize,
    job: Job,
    now: RwSignal<jiff::Timestamp>,
    presence: RwSignal<HashMap<JobRef, Vec<Watcher>>>,
    me: String,
    selected: RwSignal<BTreeSet<JobRef>>,
    all_matching: RwSignal<bool>,
    cursor: RwSignal<usize>,
    toggle: impl Fn(JobRef, usize, bool) + Copy + Send + Sync + 'static,
    query: StoredValue<QueueQuery>,
) -> impl IntoView {
    let shows = move |column: Column| query.with_value(|q| q.shows(column));
    let reference = job.reference;
    let priority = job.priority.to_string();
    let created = job.created_at;
    let whose = WhoseMove::of(&job, &me);
    let row_class = format!("priority-{}", priority.to_lowercase());
    view! {
        <tr data-ref=reference.to_string() class=row_class class:cursor=move || cursor.get() == index
            class:picked=move || all_matching.get() || selected.with(|s| s.contains(&reference))>
            <td class="pick">
                <input type="checkbox" aria-label=format!("Select {reference}")
                    prop:checked=move || all_matching.get() || selected.with(|s| s.contains(&reference))
                    on:click=move |ev| toggle(reference, index, ev.shift_key()) />
            </td>
            <td class="ref"><a href=format!("/jobs/{reference}")>{reference.to_string()}</a></td>
            {shows(Column::Priority).then(|| view! { <td><span class="badge">{priority}</span></td> })}
            {shows(Column::Title).then(|| view! {
                <td class="title">
                    // The tag comes first: a long title is cut at the end.
                    {link_tag(&job.links).map(|tag| view! { <span class="tag link-tag">{tag}</span> " " })}
                    <a href=format!("/jobs/{reference}")>{job.title}</a>
                </td>
            })}
            {shows(Column::Status).then(|| view! { <td>{job.status.label()}</td> })}
            {shows(Column::WhoseMove).then(|| view! { <td class="whose" data-testid="whose-move">{whose.label()}</td> })}
            {shows(Column::Group).then(|| view! { <td>{job.group.map(|g| g.name).unwrap_or_else(|| "—".into())}</td> })}
            {shows(Column::Technician).then(|| view! { <td>{job.technician.map(|t| t.name).unwrap_or_else(|| "—".into())}</td> })}
            {shows(Column::Client).then(|| {
                let mut theirs = query.get_value();
                theirs.filter.clients = vec![job.client.id.clone()];
                view! {
                    <td>
                        <a href=address(&theirs) title=format!("Only {}'s jobs", job.client.name)>{job.client.name.clone()}</a>
                        <span class="muted">" · " {job.client.organisation}</span>
                    </td>
                }
            })}
            {shows(Column::Age).then(|| view! { <td class="age">{move || age(created, now.get())}</td> })}
            {shows(Column::OnIt).then(|| view! {
                <td class="on-it">
                    {move || presence.with(|map| {
                        map.get(&reference).cloned().unwrap_or_default().into_iter()
                            .map(|w| view! { <Avatar watcher=w /> })
                            .collect_view()
                    })}
                </td>
            })}
        </tr>
    }
    .into_any()
}

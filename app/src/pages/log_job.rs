//! Logging a job: the front line's form, keyboard-first, with the client
//! found as you type and every problem shown next to its field.

use leptos::prelude::*;

use super::sign_in::SignInForm;
use crate::api::{find_clients, groups, log_job};
use crate::domain::job::CATEGORIES;
use crate::domain::{ClientRef, DeskError, Impact, NewJob, Priority, Urgency};

/// The "Log a job" page.
#[component]
pub fn LogJobPage() -> impl IntoView {
    let groups = Resource::new(|| (), |_| groups());
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Ok(groups) => view! { <LogJobForm groups /> }.into_any(),
                    Err(DeskError::NotSignedIn) => view! { <SignInForm /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The priority the matrix gives the chosen impact and urgency, for display.
fn preview(impact: &str, urgency: &str) -> Option<Priority> {
    let impact = match impact {
        "high" => Impact::High,
        "medium" => Impact::Medium,
        "low" => Impact::Low,
        _ => return None,
    };
    let urgency = match urgency {
        "high" => Urgency::High,
        "medium" => Urgency::Medium,
        "low" => Urgency::Low,
        _ => return None,
    };
    Some(Priority::from_matrix(impact, urgency))
}

#[component]
fn LogJobForm(groups: Vec<crate::domain::GroupWithMembers>) -> impl IntoView {
    let form = RwSignal::new(NewJob {
        impact: "medium".into(),
        urgency: "medium".into(),
        channel: "phone".into(),
        ..NewJob::default()
    });
    let client = RwSignal::new(None::<ClientRef>);
    let search = RwSignal::new(String::new());
    let matches = Resource::new(
        move || search.get(),
        |text| async move {
            if text.trim().len() < 2 {
                Ok(Vec::new())
            } else {
                find_clients(text).await
            }
        },
    );
    let submit = Action::new(|job: &NewJob| {
        let job = job.clone();
        async move { log_job(job).await }
    });
    let groups = StoredValue::new(groups);
    Effect::new(move |_| {
        if let Some(Ok(_)) = submit.value().get() {
            form.update(|f| {
                f.title.clear();
                f.description.clear();
            });
            client.set(None);
            search.set(String::new());
        }
    });
    let error_for = move |field: &'static str| {
        move || {
            submit
                .value()
                .get()
                .and_then(|r| r.err())
                .and_then(|e| e.field_message(field).map(str::to_owned))
                .map(|m| view! { <span class="field-error">{m}</span> })
        }
    };
    let bind = move |pick: fn(&mut NewJob) -> &mut String| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            form.update(|f| *pick(f) = value);
        }
    };
    view! {
        <section class="card">
            <h1>"Log a job"</h1>
            <form
                class="form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let mut job = form.get_untracked();
                    job.client_id = client.get_untracked().map(|c| c.id).unwrap_or_default();
                    submit.dispatch(job);
                }
            >
                <label>
                    "Client"
                    {move || match client.get() {
                        Some(c) => view! {
                            <span class="chosen" data-testid="chosen-client">
                                {c.name} <span class="muted">" · " {c.organisation}</span>
                                <button type="button" class="link" on:click=move |_| client.set(None)>"change"</button>
                            </span>
                        }.into_any(),
                        None => view! {
                            <input
                                name="client-search"
                                placeholder="Type a name or organisation"
                                autocomplete="off"
                                prop:value=move || search.get()
                                on:input=move |ev| search.set(event_target_value(&ev))
                            />
                        }.into_any(),
                    }}
                    {error_for("client")}
                </label>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let found = matches.await.unwrap_or_default();
                        view! {
                            <ul class="matches">
                                {found.into_iter().map(|c| {
                                    let chosen = c.clone();
                                    view! {
                                        <li><button type="button" class="match" on:click=move |_| client.set(Some(chosen.clone()))>
                                            {c.name} <span class="muted">" · " {c.organisation}</span>
                                        </button></li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                    })}
                </Transition>
                <label>
                    "Title"
                    <input name="title" prop:value=move || form.with(|f| f.title.clone()) on:input=bind(|f| &mut f.title) />
                    {error_for("title")}
                </label>
                <label>
                    "Description"
                    <textarea name="description" rows="4" prop:value=move || form.with(|f| f.description.clone()) on:input=bind(|f| &mut f.description)></textarea>
                    {error_for("description")}
                </label>
                <div class="row">
                    <label>
                        "Category"
                        <select name="category" on:change=bind(|f| &mut f.category)>
                            <option value="">"Choose…"</option>
                            {CATEGORIES.iter().map(|c| view! { <option value=*c>{*c}</option> }).collect_view()}
                        </select>
                        {error_for("category")}
                    </label>
                    <label>
                        "Channel"
                        <select name="channel" on:change=bind(|f| &mut f.channel)>
                            <option value="phone" selected>"Phone"</option>
                            <option value="email">"Email"</option>
                            <option value="walk_in">"Walk-in"</option>
                            <option value="chat">"Chat"</option>
                        </select>
                        {error_for("channel")}
                    </label>
                </div>
                <div class="row">
                    <label>
                        "Impact"
                        <select name="impact" on:change=bind(|f| &mut f.impact)>
                            <option value="high">"High — many people or a whole service"</option>
                            <option value="medium" selected>"Medium — a team"</option>
                            <option value="low">"Low — one person"</option>
                        </select>
                        {error_for("impact")}
                    </label>
                    <label>
                        "Urgency"
                        <select name="urgency" on:change=bind(|f| &mut f.urgency)>
                            <option value="high">"High — work has stopped"</option>
                            <option value="medium" selected>"Medium — work is hampered"</option>
                            <option value="low">"Low — it can wait"</option>
                        </select>
                        {error_for("urgency")}
                    </label>
                    <p class="priority-preview" data-testid="priority-preview">
                        "Priority "
                        <strong>{move || form.with(|f| preview(&f.impact, &f.urgency).map(|p| p.to_string()).unwrap_or_default())}</strong>
                    </p>
                </div>
                <div class="row">
                    <label>
                        "Group"
                        <select name="group" on:change=move |ev| {
                            let value = event_target_value(&ev);
                            form.update(|f| { f.group_id = value; f.technician_id.clear(); });
                        }>
                            <option value="">"Keep with the front line"</option>
                            {groups.with_value(|gs| gs.iter().map(|g| view! { <option value=g.group.id.clone()>{g.group.name.clone()}</option> }).collect_view())}
                        </select>
                    </label>
                    <label>
                        "Technician"
                        <select name="technician" on:change=bind(|f| &mut f.technician_id)>
                            <option value="">"Leave on the group's queue"</option>
                            {move || {
                                let group = form.with(|f| f.group_id.clone());
                                groups.with_value(|gs| {
                                    gs.iter()
                                        .filter(|g| g.group.id == group)
                                        .flat_map(|g| g.members.clone())
                                        .map(|m| view! { <option value=m.id.clone()>{m.name}</option> })
                                        .collect_view()
                                })
                            }}
                        </select>
                        {error_for("technician")}
                    </label>
                </div>
                <button type="submit" disabled=move || submit.pending().get()>"Log job"</button>
                {move || match submit.value().get() {
                    Some(Ok(job)) => Some(view! { <p class="ok" role="status" data-testid="logged">"Logged " {job.reference.to_string()} ": " {job.title}</p> }.into_any()),
                    Some(Err(DeskError::Invalid { .. })) => Some(view! { <p class="error" role="alert">"Fix the fields marked above; nothing was logged."</p> }.into_any()),
                    Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
                    None => None,
                }}
            </form>
        </section>
    }
}

//! The admin's settings: for now, the resolution codes people choose from
//! when they resolve a job.

use leptos::prelude::*;

use super::sign_in::SignInForm;
use crate::api::{load_directory, set_resolution_codes};
use crate::domain::DeskError;

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| load_directory());
    view! {
        <Suspense fallback=|| view! { <p class="notice">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(directory) => view! { <ResolutionCodes codes=directory.resolution_codes /> }.into_any(),
                    Err(DeskError::NotSignedIn) => view! { <SignInForm /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The list of resolution codes, one per line.
#[component]
fn ResolutionCodes(codes: Vec<String>) -> impl IntoView {
    let text = RwSignal::new(codes.join("\n"));
    let save = Action::new(|text: &String| {
        let codes = text.lines().map(str::to_owned).collect();
        async move { set_resolution_codes(codes).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            text.set(saved.join("\n"));
        }
    });
    view! {
        <section class="card">
            <h1>"Resolution codes"</h1>
            <p class="muted">"One per line. People choose one of these when they resolve a job; only admins change the list."</p>
            <form class="form" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(text.get_untracked());
            }>
                <textarea name="resolution-codes" rows="8" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <button type="submit" disabled=move || save.pending().get()>"Save"</button>
                {move || match save.value().get() {
                    Some(Ok(_)) => Some(view! { <p class="ok" role="status">"Saved."</p> }.into_any()),
                    Some(Err(DeskError::Invalid { errors })) => Some(view! {
                        <p class="error" role="alert">{errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ")}</p>
                    }.into_any()),
                    Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()),
                    None => None,
                }}
            </form>
        </section>
    }
}

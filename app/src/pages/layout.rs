//! The header on every page: where you are, who you are, sign out.

use leptos::prelude::*;

use crate::api::{SignOut, whoami};

/// The top bar with navigation and the signed-in person.
#[component]
pub fn Header() -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let viewer = Resource::new(move || sign_out.version().get(), |_| whoami());
    Effect::new(move |_| {
        if sign_out.version().get() > 0 && matches!(sign_out.value().get(), Some(Ok(()))) {
            navigate_fully("/sign-in");
        }
    });
    view! {
        <header class="top">
            <a class="brand" href="/">"Switchboard"</a>
            <nav>
                <a href="/">"Queue"</a>
                <a href="/jobs/new">"Log a job"</a>
                <a href="/settings">"Settings"</a>
            </nav>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match viewer.await {
                        Ok(Some(v)) => view! {
                            <span class="who" data-testid="who">
                                {v.user.name.clone()} " · " {v.role.label()}
                            </span>
                            <ActionForm action=sign_out>
                                <button type="submit" class="link">"Sign out"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        _ => view! { <a href="/sign-in">"Sign in"</a> }.into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

/// Puts the keyboard focus on the first element that `selector` finds, if
/// there is one (in the browser; nothing happens on the server).
pub fn focus_first(selector: &str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let found = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(found) = found {
            let _ = found.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}

/// Loads `path` as a new page, so that the server renders it with the
/// current session.
pub fn navigate_fully(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

//! Signing in.

use leptos::prelude::*;

use super::layout::navigate_fully;
use crate::api::SignIn;

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    view! { <SignInForm /> }
}

/// A user name and password form; on success it opens the queue.
#[component]
pub fn SignInForm() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            navigate_fully("/");
        }
    });
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=action attr:class="form">
                <label>
                    "User name" <input name="username" autocomplete="username" required autofocus />
                </label>
                <label>
                    "Password"
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
                {move || {
                    action
                        .value()
                        .get()
                        .and_then(Result::err)
                        .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
                }}
            </ActionForm>
        </section>
    }
}

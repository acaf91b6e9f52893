//! Switchboard's shared crate, compiled both into the server and into the
//! WebAssembly that hydrates the pages.
//!
//! # Layout
//! - [`domain`]: pure types and rules, tested on their own.
//! - [`api`]: server functions, the browser's calls into the desk.
//! - `desk` (server build only): the service interface the server implements.
//! - [`pages`]: one module per route; [`live`]: the browser's end of the live
//!   connection.
//! - [`sample`]: realistic sample jobs for demos, benchmarks and the data
//!   generator.
//!
//! Errors at every boundary are [`domain::DeskError`].

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod domain;
pub mod live;
pub mod pages;
pub mod sample;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: the routes and what surrounds every page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, once the page is hydrated: the mark
    // tells people's tools (and the browser tests) that the page now reacts.
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/switchboard.css" />
        <Title text="Switchboard" />
        <Router>
            <pages::layout::Header />
            <main>
                <Routes fallback=|| view! { <p class="notice">"There is no such page."</p> }>
                    <Route path=path!("/") view=pages::queue::QueuePage />
                    <Route path=path!("/jobs/new") view=pages::log_job::LogJobPage />
                    <Route path=path!("/jobs/:reference") view=pages::job::JobPage />
                    <Route path=path!("/settings") view=pages::settings::SettingsPage />
                    <Route path=path!("/sign-in") view=pages::sign_in::SignInPage />
                </Routes>
            </main>
        </Router>
    }
}

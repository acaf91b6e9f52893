//! The WebAssembly entry point: takes over the page the server rendered.

/// Called by the page's script once the WebAssembly has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

//! The WebAssembly client in headless Chromium (browser), against the mock TikTok server.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod wasm_common;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn pure_functions_match_the_published_vectors() {
    wasm_common::pure_functions();
}

#[wasm_bindgen_test]
async fn connect_refresh_and_survive_bursts_late_401s_and_transient_failures() {
    wasm_common::full_scenario().await;
}

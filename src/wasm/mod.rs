//! WebAssembly bindings: the browser's implementations of the client's platform traits, and the
//! JavaScript API. Bindings only: they convert values and forward to the core, which decides.
//!
//! | module | what it binds |
//! |---|---|
//! | [`errors`] | the core's [`Error`](crate::Error) as a JS `Error` whose `name` is the variant |
//! | [`transport`] | `fetch` on the global scope (works in a service worker) |
//! | [`store`] | the JS store (`chrome.storage.local` or its shape) as a typed interface, and its `onChanged` |
//! | [`platform`] | clock `Date.now()`, sleep `setTimeout`, lock `navigator.locks` (a store lease or an in-process lock where there is none), randomness `crypto.getRandomValues` |
//! | [`exports`] | the pure functions, one-line forwards to the core |
//! | [`client`] | the `TikTokShopClient` class over the core's client |
//!
//! The TypeScript declarations of every model crossing the boundary are generated from the Rust
//! structs into `types/tiktok-shop-connect.d.ts` (see `src/typescript.rs`) and included here.

pub mod client;
pub mod errors;
pub mod exports;
pub mod platform;
pub mod store;
pub mod transport;

pub use client::TikTokShopClient;
pub use exports::{
    build_authorize_url, capture_modes_js, new_state_js, parse_redirect_js,
    parse_token_response_js, sign_request, validate_config,
};
pub use platform::{BrowserPlatform, JsClock, JsRandom, JsSleep, LockGuard, WebLock};
pub use store::JsStore;
pub use transport::FetchTransport;

use crate::config::{FromInput, Input};
use crate::json::{Map, Value};
use crate::Error;
use errors::{js_error, js_to_error};
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The module's allocator: talc, which its benchmarks show faster than Rust's default for wasm
/// (dlmalloc) and which is about 7 KB smaller in this module. Single-threaded (no `atomics`), as
/// every page and worker that loads the module is; it grows the linear memory as dlmalloc does.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The generated declarations of the models (checked to be current by `make lint`).
#[wasm_bindgen(typescript_custom_section)]
const MODEL_TYPES: &'static str = include_str!("../../types/tiktok-shop-connect.d.ts");

/// Declarations of what JS provides or receives as JS values, not Rust structs.
#[wasm_bindgen(typescript_custom_section)]
const JS_TYPES: &'static str = r#"
/** An object with the shape of `chrome.storage.local`: pass `chrome.storage.local` itself. */
export interface TikTokShopStore {
  get(keys: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
  /** Optional (Chrome 130+): lists keys without reading values. */
  getKeys?(): Promise<string[]>;
  /** Optional: with it the client keeps accounts in memory and follows other contexts. */
  onChanged?: { addListener(listener: (changes: Record<string, { oldValue?: unknown; newValue?: unknown }>) => void): void; removeListener(listener: Function): void };
}

/** TikTok's answer (code 0), its JSON body parsed. */
export interface ApiResponse { status: number; body: any }
"#;

/// A Rust value as a plain JS object (maps become objects, i64 become numbers).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // JSON text and the engine's JSON.parse: the same plain objects as serde-wasm-bindgen's
    // JSON-compatible serializer, without its code in the module (about 6 KB).
    json_to_js(crate::json::to_string(value))
}

/// The part of [`to_js`] that is the same for every type (once in the module).
#[inline(never)]
fn json_to_js(text: Result<String, crate::json::Error>) -> Result<JsValue, JsValue> {
    let text = text.map_err(|e| js_error(Error::InvalidInput(e.to_string())))?;
    js_sys::JSON::parse(&text).map_err(|e| js_error(js_to_error(e, "JSON.parse")))
}

/// A JS value as a JSON value (numbers exactly as `JSON.stringify` writes them); `undefined`
/// reads as `null`.
pub(crate) fn js_json(value: &JsValue, what: &str) -> Result<Value, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    let json = js_sys::JSON::stringify(value)
        .map_err(|_| Error::InvalidInput(format!("{what} cannot be read")))?;
    crate::json::from_str(&String::from(json))
        .map_err(|e| Error::InvalidInput(format!("{what}: {e}")))
}

/// A JS value as one of the core's inputs, through [`js_json`]: `undefined` and `null` read as
/// an options bag left out (the input's defaults). The inputs read the JSON value by hand
/// (`config::Input`), so this adds no parser of its own per type.
pub(crate) fn from_js<T: FromInput>(value: &JsValue, what: &str) -> Result<T, Error> {
    let json = input_json(value, what)?;
    Input::read(json).map_err(|e| input_error(what, e))
}

/// The part of [`from_js`] that is the same for every input (once in the module, not once per
/// input type).
#[inline(never)]
fn input_json(value: &JsValue, what: &str) -> Result<Value, Error> {
    Ok(match js_json(value, what)? {
        Value::Null => Value::Object(Map::new()),
        json => json,
    })
}

#[inline(never)]
fn input_error(what: &str, error: String) -> Error {
    Error::InvalidInput(format!("{what}: {error}"))
}

/// Awaits `value` if it is a promise (a store may answer synchronously).
pub(crate) async fn await_promise(value: JsValue, what: &str) -> Result<JsValue, Error> {
    let promise: Promise = match value.dyn_into::<Promise>() {
        Ok(p) => p,
        Err(plain) => return Ok(plain),
    };
    JsFuture::from(promise)
        .await
        .map_err(|e| js_to_error(e, what))
}

//! WebAssembly bindings: the browser's implementations of the client's platform traits, and the
//! JavaScript API. No logic lives here: it converts values and forwards to the core.
//!
//! - Transport: `gloo-net`, which binds the global `fetch`, so it works in a service worker.
//! - Store: any object with the shape of `chrome.storage.local` (`get`, `set`, `remove`).
//! - Clock `Date.now()`, sleep `setTimeout`, lock `navigator.locks` (an in-process lock where
//!   there is none), randomness `crypto.getRandomValues` — all from the global scope, never
//!   `window`.

use crate::authorize::{authorize_url_for, new_state, parse_redirect, RedirectChannel};
use crate::client::lease::{LeaseGuard, Spawner, StoreLease};
use crate::client::platform::{Clock, Lock, Platform, Random, Sleep, Store, Transport};
use crate::client::{ApiCall, Client, Deps, DueRefreshOptions, ImportOptions, PageRequest};
use crate::config::{validate_endpoint, ClientConfigInput, Region};
use crate::error::FailureReason;
#[cfg(feature = "gloo-transport")]
use crate::http::Method;
use crate::http::{HttpRequest, HttpResponse};
use crate::token::parse_token_response;
use crate::Error;
use futures::channel::oneshot;
use futures::lock::{Mutex, OwnedMutexGuard};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** An object with the shape of `chrome.storage.local`: pass `chrome.storage.local` itself. */
export interface TikTokShopStore {
  get(keys: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

/** The client configuration. */
export interface ClientConfig {
  appKey: string;
  appSecret: string;
  serviceId: string;
  /** "row" (rest of world, default) or "us". */
  region?: "row" | "us";
  /** The redirect URL registered in Partner Center (chrome.identity.getRedirectURL()). */
  redirectUrl: string;
  endpoints?: { authorize?: string; tokenGet?: string; tokenRefresh?: string; apiBase?: string };
  /** Refresh this many seconds before the access token expires (default 300). */
  refreshMarginSecs?: number;
  /** How long the seller has to authorize (default 240). */
  flowTimeoutSecs?: number;
  /** Time limit of token/get and token/refresh in ms (default 30000). */
  tokenTimeoutMs?: number;
  /** Time limit of an API call in ms (default 60000; a call can say otherwise). */
  apiTimeoutMs?: number;
}

export interface AuthorizationStart { url: string; state: string }

/** How the redirect reached you: `bound` when through a channel bound to the flow. */
export interface CompleteOptions { bound?: boolean }

export type FailureReason = "cancelled" | "windowClosed" | "interrupted" | "timedOut"
  | "pageLoadFailed" | "tokenExchangeFailed" | "invalidRedirect";

/** Where the authorization stands, numbered like Chilkat's AuthFlowState. */
export interface FlowState {
  state: 0 | 1 | 2 | 3 | 4 | 5;
  stateName: string;
  failureInfo?: string;
  failureReason?: FailureReason;
  errorResponse?: string;
  deadline?: number;
  startedAt?: number;
  openId?: string;
}

export type AccountStatus = "valid" | "expiring" | "accessExpired" | "reconnectRequired" | "damaged";

/** A reason code beside the sentence in `statusReason`. */
export type AccountReason = "refreshInterrupted" | "authorizationLost" | "otherAppKey"
  | "tokensNotSaved" | "damaged";

/** A connected account, without any secret. Times are Unix seconds. */
export interface AccountSummary {
  openId: string;
  sellerName: string;
  sellerBaseRegion: string;
  userType: number;
  userTypeLabel: string;
  grantedScopes: string[];
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt: number;
  /** When a refresh of the access token becomes due (Unix seconds). */
  refreshDueAt: number;
  status: AccountStatus;
  statusReason?: string;
  reason?: AccountReason;
  lastRefreshAt?: number;
  connectedAt: number;
  appKey: string;
  region: string;
}

export interface ApiCall {
  /** Abandon the call after this many ms (default: the client's apiTimeoutMs, 60000). */
  timeoutMs?: number;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string>;
  body?: string | null;
  shopCipher?: string;
}

/** TikTok's answer (code 0), its JSON body parsed. */
export interface ApiResponse { status: number; body: any }

export interface StatusCounts { valid: number; expiring: number; accessExpired: number; reconnectRequired: number; damaged: number }

export interface PageRequest { query?: string; offset?: number; limit?: number }

export interface AccountsPage { accounts: AccountSummary[]; total: number; matching: number; counts: StatusCounts }

export interface Overview {
  total: number;
  counts: StatusCounts;
  attention: { openId: string; sellerName: string; status: AccountStatus }[];
  nextDueAt?: number;
}

export interface DueRefreshOptions { concurrency?: number; limit?: number }

export interface DueRefreshReport { due: number; refreshed: number; failed: number }

export interface ImportOptions { replaceNewer?: boolean }

export interface ImportOutcome { account: AccountSummary; refreshed: boolean }

export interface Shop { cipher: string; code: string; id: string; name: string; region: string; sellerType: string }

/** The token model, tokens included. */
export interface TokenSet {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  openId: string;
  sellerName: string;
  sellerBaseRegion: string;
  userType: number;
  grantedScopes: string[];
  requestId?: string | null;
}

export interface RedirectCode { code: string; appKey?: string; locale?: string; shopRegion?: string }
"#;

// ----- errors ----------------------------------------------------------------------------------

/// A JS `Error` whose `name` is the variant, with TikTok's fields where there are any.
fn js_error(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    js.set_name(error.name());
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&js, &JsValue::from_str(key), &value);
    };
    if let Some(code) = error.tiktok_code() {
        set("code", JsValue::from_f64(code as f64));
    }
    if let Some(request_id) = error.request_id() {
        set("requestId", JsValue::from_str(request_id));
    }
    match &error {
        Error::TikTokApi {
            message,
            http_status,
            ..
        } => {
            set("tiktokMessage", JsValue::from_str(message));
            set("httpStatus", JsValue::from_f64(f64::from(*http_status)));
        }
        Error::ReconnectRequired { message, .. } | Error::RateLimited { message, .. } => {
            set("tiktokMessage", JsValue::from_str(message));
        }
        Error::MissingPermission { scope, message, .. } => {
            set("tiktokMessage", JsValue::from_str(message));
            if let Some(scope) = scope {
                set("scope", JsValue::from_str(scope));
            }
        }
        Error::MalformedResponse {
            http_status,
            snippet,
            ..
        } => {
            set("httpStatus", JsValue::from_f64(f64::from(*http_status)));
            set("snippet", JsValue::from_str(snippet));
        }
        Error::AccessDenied { error_response, .. } => {
            set("errorResponse", JsValue::from_str(error_response));
        }
        Error::NewerTokensStored { open_id, .. } | Error::TokensNotSaved { open_id, .. } => {
            set("openId", JsValue::from_str(open_id));
        }
        Error::RefreshInterrupted { message, .. } => {
            set("tiktokMessage", JsValue::from_str(message));
        }
        _ => {}
    }
    js.into()
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

fn js_to_error(value: JsValue, what: &str) -> Error {
    Error::Storage(format!("{what}: {}", js_message(&value)))
}

// ----- conversions -----------------------------------------------------------------------------

/// A Rust value as a plain JS object (maps become objects, i64 become numbers).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // JSON text and the engine's JSON.parse: the same plain objects as serde-wasm-bindgen's
    // JSON-compatible serializer, without its code in the module (about 6 KB).
    let text =
        serde_json::to_string(value).map_err(|e| js_error(Error::InvalidInput(e.to_string())))?;
    js_sys::JSON::parse(&text).map_err(|e| js_error(js_to_error(e, "JSON.parse")))
}

/// A JS value as a serde value, through JSON (exact for integers up to 2^53).
fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, Error> {
    if value.is_undefined() || value.is_null() {
        return serde_json::from_str("null")
            .or_else(|_| serde_json::from_str("{}"))
            .map_err(|_| Error::InvalidInput(format!("{what} is missing")));
    }
    let json = js_sys::JSON::stringify(value)
        .map_err(|_| Error::InvalidInput(format!("{what} cannot be read")))?;
    let text = String::from(json);
    serde_json::from_str(&text).map_err(|e| Error::InvalidInput(format!("{what}: {e}")))
}

fn json_to_js(value: &Value) -> Result<JsValue, Error> {
    let text = serde_json::to_string(value)
        .map_err(|_| Error::Storage("a value could not be serialised".to_owned()))?;
    js_sys::JSON::parse(&text).map_err(|e| js_to_error(e, "JSON.parse"))
}

fn global_property(name: &str) -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn method_of(object: &JsValue, name: &str) -> Result<Function, Error> {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| Error::InvalidInput(format!("the object has no {name}() method")))
}

async fn await_promise(value: JsValue, what: &str) -> Result<JsValue, Error> {
    let promise: Promise = match value.dyn_into::<Promise>() {
        Ok(p) => p,
        Err(plain) => return Ok(plain),
    };
    JsFuture::from(promise)
        .await
        .map_err(|e| js_to_error(e, what))
}

// ----- the platform ----------------------------------------------------------------------------

/// `fetch` on the global scope, called from one small JS function (measured against gloo-net's
/// builder, which builds a `Request`, a `Headers` and an `AbortSignal` and crosses into JS for
/// each: see the `gloo-transport` feature): one call in, one object out.
#[cfg(not(feature = "gloo-transport"))]
pub struct FetchTransport;

#[cfg(not(feature = "gloo-transport"))]
#[wasm_bindgen(inline_js = r#"
export function ttsFetch(url, method, headerLines, body, timeoutMs) {
  const headers = {};
  const lines = headerLines ? headerLines.split('\n') : [];
  for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1];
  // The time limit aborts the request and the reading of its body alike.
  const signal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  // no-store: token and API answers must never be cached, and identical URLs (the same call
  // twice in one second has the same timestamp and sign) would otherwise queue behind each
  // other on Chrome's HTTP cache lock, one at a time.
  return fetch(url, { method, headers, body: body ?? undefined, cache: 'no-store', signal })
    .then((response) => response.arrayBuffer().then((buffer) => [
      response.status, response.headers.get('date'), new Uint8Array(buffer),
    ]))
    .catch((error) => {
      throw signal?.aborted ? { timedOut: true } : error;
    });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = ttsFetch, catch)]
    fn tts_fetch(
        url: &str,
        method: &str,
        header_lines: &str,
        body: Option<Uint8Array>,
        timeout_ms: Option<u32>,
    ) -> Result<Promise, JsValue>;
}

#[cfg(not(feature = "gloo-transport"))]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let network = |e: JsValue| Error::Network(js_message(&e));
        // Names and values as lines (neither may hold a line break in HTTP).
        let mut header_lines = String::new();
        for (name, value) in &request.headers {
            if !header_lines.is_empty() {
                header_lines.push('\n');
            }
            header_lines.push_str(name);
            header_lines.push('\n');
            header_lines.push_str(value);
        }
        let body = (!request.body.is_empty()).then(|| Uint8Array::from(request.body.as_slice()));
        let pending = tts_fetch(
            &request.url,
            request.method.as_str(),
            &header_lines,
            body,
            request.timeout_ms,
        )
        .map_err(network)?;
        let timed_out = |e: &JsValue| {
            Reflect::get(e, &JsValue::from_str("timedOut"))
                .ok()
                .is_some_and(|t| t.is_truthy())
        };
        let answer: JsValue = JsFuture::from(pending).await.map_err(|e| {
            if timed_out(&e) {
                Error::Timeout {
                    what: "the request".to_owned(),
                    after_ms: request.timeout_ms.unwrap_or(0),
                }
            } else {
                network(e)
            }
        })?;
        let answer: js_sys::Array = answer.unchecked_into();
        let status = answer.get(0).as_f64().map_or(0, |s| s as u16);
        let headers = answer
            .get(1)
            .as_string()
            .map(|date| vec![("date".to_owned(), date)])
            .unwrap_or_default();
        let body = answer
            .get(2)
            .dyn_into::<Uint8Array>()
            .map(|bytes| bytes.to_vec())
            .unwrap_or_default();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// `fetch` through gloo-net (the `gloo-transport` feature, kept to measure against).
#[cfg(feature = "gloo-transport")]
pub struct FetchTransport;

#[cfg(feature = "gloo-transport")]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        use gloo_net::http::{Method as M, RequestBuilder};
        let method = match request.method {
            Method::Get => M::GET,
            Method::Post => M::POST,
            Method::Put => M::PUT,
            Method::Patch => M::PATCH,
            Method::Delete => M::DELETE,
        };
        let mut builder = RequestBuilder::new(&request.url)
            .method(method)
            .cache(web_sys::RequestCache::NoStore);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let built = if request.body.is_empty() {
            builder.build()
        } else {
            builder.body(Uint8Array::from(request.body.as_slice()))
        };
        let network = |e: gloo_net::Error| Error::Network(e.to_string());
        let response = built.map_err(network)?.send().await.map_err(network)?;
        let mut headers = Vec::new();
        if let Some(date) = response.headers().get("date") {
            headers.push(("date".to_owned(), date));
        }
        let status = response.status();
        let body = response.binary().await.map_err(network)?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// A JS object with the shape of `chrome.storage.local`.
#[derive(Clone)]
pub struct JsStore(JsValue);

impl Store for JsStore {
    async fn get(&self, keys: Option<&[String]>) -> Result<Map<String, Value>, Error> {
        let arg = match keys {
            None => JsValue::NULL,
            Some(keys) => keys
                .iter()
                .map(|k| JsValue::from_str(k))
                .collect::<js_sys::Array>()
                .into(),
        };
        let called = method_of(&self.0, "get")?
            .call1(&self.0, &arg)
            .map_err(|e| js_to_error(e, "store.get"))?;
        let items = await_promise(called, "store.get").await?;
        from_js::<Option<Map<String, Value>>>(&items, "the stored items")
            .map(Option::unwrap_or_default)
            .map_err(|e| Error::Storage(e.to_string()))
    }

    async fn set(&self, items: Map<String, Value>) -> Result<(), Error> {
        let arg = json_to_js(&Value::Object(items))?;
        let called = method_of(&self.0, "set")?
            .call1(&self.0, &arg)
            .map_err(|e| js_to_error(e, "store.set"))?;
        await_promise(called, "store.set").await.map(|_| ())
    }

    async fn remove(&self, keys: &[String]) -> Result<(), Error> {
        let arg: JsValue = keys
            .iter()
            .map(|k| JsValue::from_str(k))
            .collect::<js_sys::Array>()
            .into();
        let called = method_of(&self.0, "remove")?
            .call1(&self.0, &arg)
            .map_err(|e| js_to_error(e, "store.remove"))?;
        await_promise(called, "store.remove").await.map(|_| ())
    }

    async fn get_text(&self, key: &str) -> Result<Option<String>, Error> {
        let called = method_of(&self.0, "get")?
            .call1(&self.0, &JsValue::from_str(key))
            .map_err(|e| js_to_error(e, "store.get"))?;
        let items = await_promise(called, "store.get").await?;
        Ok(Reflect::get(&items, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string()))
    }

    async fn keys(&self) -> Result<Option<Vec<String>>, Error> {
        // chrome.storage.local.getKeys() (Chrome 130+) lists keys without reading values.
        let Ok(get_keys) = method_of(&self.0, "getKeys") else {
            return Ok(None);
        };
        let called = get_keys
            .call0(&self.0)
            .map_err(|e| js_to_error(e, "store.getKeys"))?;
        let keys = await_promise(called, "store.getKeys").await?;
        Ok(Some(
            js_sys::Array::from(&keys)
                .iter()
                .filter_map(|k| k.as_string())
                .collect(),
        ))
    }
}

/// `Date.now()`.
pub struct JsClock;

impl Clock for JsClock {
    fn now_millis(&self) -> i64 {
        js_sys::Date::now() as i64
    }
}

/// `setTimeout` on the global scope.
pub struct JsSleep;

impl Sleep for JsSleep {
    async fn sleep(&self, millis: u32) {
        let promise = Promise::new(&mut |resolve, _reject| {
            if let Some(set_timeout) =
                global_property("setTimeout").and_then(|f| f.dyn_into::<Function>().ok())
            {
                let _ = set_timeout.call2(
                    &JsValue::UNDEFINED,
                    &resolve,
                    &JsValue::from_f64(f64::from(millis)),
                );
            } else {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        });
        let _ = JsFuture::from(promise).await;
    }
}

thread_local! {
    /// In-process locks for scopes without `navigator.locks`.
    static LOCAL_LOCKS: RefCell<HashMap<String, Arc<Mutex<()>>>> = RefCell::new(HashMap::new());
}

/// `navigator.locks` (Web Locks). Where there is none: a lock kept in the store itself when the
/// store is shared with other contexts (it has `onChanged`, as `chrome.storage.local` has, and
/// this is not Node), so they are excluded too; otherwise an in-process lock.
pub struct WebLock {
    lease: Option<StoreLease<JsStore, JsClock, JsSleep, JsRandom>>,
}

impl WebLock {
    fn new(store: &JsStore, shared: bool) -> WebLock {
        let spawner: Spawner = Rc::new(wasm_bindgen_futures::spawn_local);
        WebLock {
            lease: shared
                .then(|| StoreLease::new(store.clone(), JsClock, JsSleep, JsRandom, spawner)),
        }
    }
}

/// A held lock: released when dropped.
pub enum LockGuard {
    /// A Web Lock: dropping the sender resolves the lock callback's promise.
    Web(#[allow(dead_code)] oneshot::Sender<()>),
    /// A lock kept in the shared store.
    Lease(#[allow(dead_code)] LeaseGuard),
    /// An in-process lock.
    Local(#[allow(dead_code)] OwnedMutexGuard<()>),
}

impl Lock for WebLock {
    type Guard = LockGuard;

    async fn acquire(&self, name: &str) -> Result<LockGuard, Error> {
        let locks = global_property("navigator")
            .and_then(|n| Reflect::get(&n, &JsValue::from_str("locks")).ok())
            .filter(|l| !l.is_undefined() && !l.is_null());
        let Some(locks) = locks else {
            if let Some(lease) = &self.lease {
                return lease.acquire(name).await.map(LockGuard::Lease);
            }
            let lock = LOCAL_LOCKS.with(|all| {
                all.borrow_mut()
                    .entry(name.to_owned())
                    .or_insert_with(|| Arc::new(Mutex::new(())))
                    .clone()
            });
            return Ok(LockGuard::Local(lock.lock_owned().await));
        };
        let (acquired_tx, acquired_rx) = oneshot::channel::<()>();
        let (release_tx, release_rx) = oneshot::channel::<()>();
        // Called by the browser once the lock is ours; the lock is held until the promise it
        // returns settles, which happens when the guard (holding `release_tx`) is dropped.
        let on_granted = Closure::once_into_js(move |_lock: JsValue| -> Promise {
            let _ = acquired_tx.send(());
            future_to_promise(async move {
                let _ = release_rx.await;
                Ok(JsValue::UNDEFINED)
            })
        });
        let request = method_of(&locks, "request")?;
        let pending = request
            .call2(&locks, &JsValue::from_str(name), &on_granted)
            .map_err(|e| js_to_error(e, "navigator.locks.request"))?;
        // The outer promise settles after release; await it in the background so that a
        // rejection is handled rather than reported as unhandled.
        if let Ok(promise) = pending.dyn_into::<Promise>() {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(promise).await;
            });
        }
        acquired_rx
            .await
            .map_err(|_| Error::Storage(format!("the lock {name} was never granted")))?;
        Ok(LockGuard::Web(release_tx))
    }
}

/// `crypto.getRandomValues` on the global scope.
pub struct JsRandom;

impl Random for JsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error> {
        let crypto = global_property("crypto")
            .ok_or_else(|| Error::InvalidInput("crypto.getRandomValues is not available".into()))?;
        let array = Uint8Array::new_with_length(buf.len() as u32);
        method_of(&crypto, "getRandomValues")?
            .call1(&crypto, &array)
            .map_err(|e| js_to_error(e, "crypto.getRandomValues"))?;
        array.copy_to(buf);
        Ok(())
    }
}

/// The browser platform.
pub struct BrowserPlatform;

impl Platform for BrowserPlatform {
    type Transport = FetchTransport;
    type Store = JsStore;
    type Clock = JsClock;
    type Sleep = JsSleep;
    type Lock = WebLock;
    type Random = JsRandom;
}

// ----- pure functions --------------------------------------------------------------------------

/// The TikTok sign of a request (lowercase hex). `query`: a plain object of string values;
/// `body`: a string, a `Uint8Array`, or null.
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(
    app_secret: &str,
    path: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] query: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | null | undefined")] body: JsValue,
    content_type: Option<String>,
) -> Result<String, JsValue> {
    let query: Option<std::collections::BTreeMap<String, String>> =
        from_js(&query, "query").map_err(js_error)?;
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let bytes: Vec<u8> = if let Some(text) = body.as_string() {
        text.into_bytes()
    } else if let Some(array) = body.dyn_ref::<Uint8Array>() {
        array.to_vec()
    } else if body.is_null() || body.is_undefined() {
        Vec::new()
    } else {
        return Err(js_error(Error::InvalidInput(
            "body must be a string, a Uint8Array or null".into(),
        )));
    };
    Ok(crate::signing::sign(
        app_secret,
        path,
        &pairs,
        &bytes,
        content_type.as_deref().unwrap_or("application/json"),
    ))
}

/// Parses a token/get or token/refresh response into the token model (tokens included).
#[wasm_bindgen(js_name = parseTokenResponse, unchecked_return_type = "TokenSet")]
pub fn parse_token_response_js(http_status: u16, body_text: &str) -> Result<JsValue, JsValue> {
    let tokens = parse_token_response(http_status, body_text.as_bytes()).map_err(js_error)?;
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Plain<'a> {
        access_token: &'a str,
        access_token_expires_at: i64,
        refresh_token: &'a str,
        refresh_token_expires_at: i64,
        open_id: &'a str,
        seller_name: &'a str,
        seller_base_region: &'a str,
        user_type: i64,
        granted_scopes: &'a [String],
        request_id: Option<&'a str>,
    }
    to_js(&Plain {
        access_token: tokens.access_token.secret(),
        access_token_expires_at: tokens.access_token_expires_at,
        refresh_token: tokens.refresh_token.secret(),
        refresh_token_expires_at: tokens.refresh_token_expires_at,
        open_id: &tokens.open_id,
        seller_name: &tokens.seller_name,
        seller_base_region: &tokens.seller_base_region,
        user_type: tokens.user_type,
        granted_scopes: &tokens.granted_scopes,
        request_id: tokens.request_id.as_deref(),
    })
}

/// The authorization page URL for `config` (only `serviceId`, `region` and
/// `endpoints.authorize` are used) and `state`.
#[wasm_bindgen(js_name = buildAuthorizeUrl)]
pub fn build_authorize_url(
    #[wasm_bindgen(unchecked_param_type = "Partial<ClientConfig>")] config: JsValue,
    state: &str,
) -> Result<String, JsValue> {
    let input: ClientConfigInput = from_js(&config, "config").map_err(js_error)?;
    let region = Region::parse(input.region.as_deref().unwrap_or("row")).map_err(js_error)?;
    let endpoint = input
        .endpoints
        .authorize
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| region.default_endpoints().authorize);
    validate_endpoint("authorize endpoint", &endpoint).map_err(js_error)?;
    if input.service_id.trim().is_empty() {
        return Err(js_error(Error::InvalidConfig(
            "the service ID is empty".into(),
        )));
    }
    if state.is_empty() {
        return Err(js_error(Error::InvalidInput("the state is empty".into())));
    }
    Ok(authorize_url_for(&endpoint, input.service_id.trim(), state))
}

/// Parses the redirect URL: `{ code, appKey?, locale?, shopRegion? }`, or throws
/// `AccessDenied`, `StateMismatch` or `InvalidRedirect`.
#[wasm_bindgen(js_name = parseRedirect, unchecked_return_type = "RedirectCode")]
pub fn parse_redirect_js(
    redirect_url: &str,
    expected_redirect_base: &str,
    expected_state: &str,
) -> Result<JsValue, JsValue> {
    let parsed =
        parse_redirect(redirect_url, expected_redirect_base, expected_state).map_err(js_error)?;
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Plain<'a> {
        code: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        app_key: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        locale: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        shop_region: Option<&'a str>,
    }
    to_js(&Plain {
        code: parsed.code.secret(),
        app_key: parsed.app_key.as_deref(),
        locale: parsed.locale.as_deref(),
        shop_region: parsed.shop_region.as_deref(),
    })
}

/// Validates a client configuration; throws `InvalidConfig` naming the first problem.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
) -> Result<(), JsValue> {
    let input: ClientConfigInput =
        from_js(&config, "config").map_err(|e| js_error(Error::InvalidConfig(e.to_string())))?;
    input.validate().map(|_| ()).map_err(js_error)
}

/// A fresh `state` (256 random bits, base64url).
#[wasm_bindgen(js_name = newState)]
pub fn new_state_js() -> Result<String, JsValue> {
    let mut bytes = [0u8; 32];
    JsRandom.fill(&mut bytes).map_err(js_error)?;
    new_state(&bytes).map_err(js_error)
}

// ----- the client ------------------------------------------------------------------------------

/// The token client over a store with the shape of `chrome.storage.local`.
#[wasm_bindgen(js_name = TikTokShopClient)]
pub struct TikTokShopClient {
    inner: Rc<Client<BrowserPlatform>>,
    /// The `onChanged` event the client listens to, and its listener (removed on `free()`).
    listener: Option<ChangeListener>,
}

impl Drop for TikTokShopClient {
    fn drop(&mut self) {
        if let Some((event, listener)) = self.listener.take() {
            if let Ok(remove) = method_of(&event, "removeListener") {
                let _ = remove.call1(&event, listener.as_ref());
            }
        }
    }
}

/// Runs an async client call as a JS promise.
fn promise<T, F>(future: F) -> Promise
where
    T: Serialize,
    F: std::future::Future<Output = Result<T, Error>> + 'static,
{
    future_to_promise(async move {
        match future.await {
            Ok(value) => to_js(&value),
            Err(error) => Err(js_error(error)),
        }
    })
}

/// How long after a burst of changes by other contexts the index is written.
const INDEX_FLUSH_DELAY_MS: u32 = 1000;

/// A subscribed `onChanged` event and the listener added to it.
type ChangeListener = (JsValue, Closure<dyn FnMut(JsValue)>);

/// Passes `store.onChanged` events (`{ key: { oldValue, newValue } }`) for account keys to the
/// client, which then keeps parsed accounts in memory.
fn listen_to_changes(
    store: &JsValue,
    client: &Rc<Client<BrowserPlatform>>,
) -> Option<ChangeListener> {
    let event = Reflect::get(store, &JsValue::from_str("onChanged"))
        .ok()
        .filter(|e| e.is_object())?;
    let add = method_of(&event, "addListener").ok()?;
    let weak = Rc::downgrade(client);
    let flush_scheduled = Rc::new(std::cell::Cell::new(false));
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |changes: JsValue| {
        let Some(client) = weak.upgrade() else {
            return;
        };
        let schedule_flush = |client: &Rc<Client<BrowserPlatform>>| {
            // Changes other contexts made reach the stored index once per burst, a second later.
            if client.index_needs_flush() && !flush_scheduled.replace(true) {
                let weak = Rc::downgrade(client);
                let flush_scheduled = flush_scheduled.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    JsSleep.sleep(INDEX_FLUSH_DELAY_MS).await;
                    flush_scheduled.set(false);
                    if let Some(client) = weak.upgrade() {
                        let _ = client.flush_index().await;
                    }
                });
            }
        };
        for key in js_sys::Object::keys(&js_sys::Object::from(changes.clone())).iter() {
            let Some(key) = key.as_string() else {
                continue;
            };
            if !key.starts_with(crate::client::account::ACCOUNT_KEY_PREFIX) {
                continue;
            }
            let change = Reflect::get(&changes, &JsValue::from_str(&key)).unwrap_or_default();
            let new_value =
                Reflect::get(&change, &JsValue::from_str("newValue")).unwrap_or_default();
            let value = if new_value.is_undefined() || new_value.is_null() {
                None
            } else {
                // An unreadable value is kept as a string: the store lists it as damaged.
                Some(from_js::<Value>(&new_value, "the changed record").unwrap_or(Value::Null))
            };
            let old_generation = Reflect::get(&change, &JsValue::from_str("oldValue"))
                .ok()
                .filter(JsValue::is_object)
                .and_then(|old| Reflect::get(&old, &JsValue::from_str("generation")).ok())
                .and_then(|g| g.as_f64())
                .map(|g| g as u64);
            client.note_store_change(&key, value, old_generation);
        }
        schedule_flush(&client);
    });
    add.call1(&event, listener.as_ref()).ok()?;
    client.watch_store_changes();
    Some((event, listener))
}

#[wasm_bindgen(js_class = TikTokShopClient)]
impl TikTokShopClient {
    /// Validates `config` (throws `InvalidConfig`) and makes a client over `store`. When the store
    /// has an `onChanged` event (as `chrome.storage.local` has), the client keeps parsed accounts
    /// in memory and follows changes made by other contexts: an API call reads nothing from the
    /// store. Call `free()` when replacing the client, to stop listening.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TikTokShopStore")] store: JsValue,
    ) -> Result<TikTokShopClient, JsValue> {
        let input: ClientConfigInput = from_js(&config, "config")
            .map_err(|e| js_error(Error::InvalidConfig(e.to_string())))?;
        let config = input.validate().map_err(js_error)?;
        for method in ["get", "set", "remove"] {
            method_of(&store, method).map_err(|_| {
                js_error(Error::InvalidInput(format!(
                    "the store has no {method}() method; pass chrome.storage.local or an object of that shape"
                )))
            })?;
        }
        let js_store = JsStore(store.clone());
        // A store with change events is shared with other contexts (chrome.storage is), and
        // where Web Locks are missing they are excluded by a lock kept in the store; Node is one
        // context, and keeps the in-process lock.
        let in_node = global_property("process")
            .and_then(|p| Reflect::get(&p, &JsValue::from_str("versions")).ok())
            .and_then(|v| Reflect::get(&v, &JsValue::from_str("node")).ok())
            .is_some_and(|n| n.is_string());
        let shared = !in_node
            && Reflect::get(&store, &JsValue::from_str("onChanged"))
                .map(|e| e.is_object())
                .unwrap_or(false);
        let deps = Deps {
            lock: WebLock::new(&js_store, shared),
            transport: FetchTransport,
            store: js_store,
            clock: JsClock,
            sleep: JsSleep,
            random: JsRandom,
        };
        let inner = Rc::new(Client::new(config, deps));
        let listener = listen_to_changes(&store, &inner);
        Ok(TikTokShopClient { inner, listener })
    }

    /// Starts an authorization: `{ url, state }`, the pending flow persisted (state 1).
    #[wasm_bindgen(js_name = beginAuthorization, unchecked_return_type = "Promise<AuthorizationStart>")]
    pub fn begin_authorization(&self) -> Promise {
        let client = self.inner.clone();
        promise(async move {
            let (url, state) = client.begin_authorization().await?;
            let mut out = Map::new();
            out.insert("url".into(), url.into());
            out.insert("state".into(), state.into());
            Ok(Value::Object(out))
        })
    }

    /// Completes the authorization with the redirect URL; resolves to the account summary.
    /// `{ bound: true }` when the redirect came through a channel bound to the flow (the
    /// `launchWebAuthFlow` result, the flow's own tab, the person's paste): only then does a
    /// denial without `state` (TikTok's documented form) end the flow.
    #[wasm_bindgen(js_name = completeAuthorization, unchecked_return_type = "Promise<AccountSummary>")]
    pub fn complete_authorization(
        &self,
        redirect_url: String,
        #[wasm_bindgen(unchecked_optional_param_type = "CompleteOptions")] options: Option<JsValue>,
    ) -> Promise {
        let client = self.inner.clone();
        let bound = options
            .and_then(|o| Reflect::get(&o, &JsValue::from_str("bound")).ok())
            .is_some_and(|b| b.is_truthy());
        let channel = if bound {
            RedirectChannel::Bound
        } else {
            RedirectChannel::Unbound
        };
        promise(async move {
            client
                .complete_authorization_from(&redirect_url, channel)
                .await
        })
    }

    /// Where the flow stands (a passed deadline reads as 5).
    #[wasm_bindgen(js_name = flowState, unchecked_return_type = "Promise<FlowState>")]
    pub fn flow_state(&self) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.flow_state().await })
    }

    /// Cancels the pending flow (state 5, "cancelled").
    #[wasm_bindgen(js_name = cancelAuthorization, unchecked_return_type = "Promise<FlowState>")]
    pub fn cancel_authorization(&self) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.cancel_authorization().await })
    }

    /// Ends the pending flow in state 5 with a reason (`windowClosed`, `interrupted`,
    /// `pageLoadFailed`, `cancelled`) and a detail for people.
    #[wasm_bindgen(js_name = failAuthorization, unchecked_return_type = "Promise<FlowState>")]
    pub fn fail_authorization(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FailureReason")] reason: JsValue,
        detail: Option<String>,
    ) -> Promise {
        let client = self.inner.clone();
        promise(async move {
            let reason: FailureReason = from_js(&reason, "reason")?;
            client
                .fail_authorization(reason, detail.as_deref().unwrap_or(""))
                .await
        })
    }

    /// Records a passed deadline (call it from an alarm).
    #[wasm_bindgen(js_name = checkFlowDeadline, unchecked_return_type = "Promise<FlowState>")]
    pub fn check_flow_deadline(&self) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.check_flow_deadline().await })
    }

    /// Every connected account, without secrets (reads every record: use `accountsPage` for
    /// long lists). Unreadable records are listed with `status: "damaged"`.
    #[wasm_bindgen(unchecked_return_type = "Promise<AccountSummary[]>")]
    pub fn accounts(&self) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.accounts().await })
    }

    /// One page of the account list: `{ accounts, total, matching, counts }`.
    #[wasm_bindgen(js_name = accountsPage, unchecked_return_type = "Promise<AccountsPage>")]
    pub fn accounts_page(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "PageRequest")] request: Option<JsValue>,
    ) -> Promise {
        let client = self.inner.clone();
        let request: Result<PageRequest, Error> =
            from_js(&request.unwrap_or_default(), "the page request");
        promise(async move { client.accounts_page(&request?).await })
    }

    /// Counts by status, the sellers needing attention, the next due refresh: no account read.
    #[wasm_bindgen(unchecked_return_type = "Promise<Overview>")]
    pub fn overview(&self) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.overview().await })
    }

    /// Refreshes the accounts that are due, `concurrency` at a time: `{ due, refreshed, failed }`.
    #[wasm_bindgen(js_name = refreshDue, unchecked_return_type = "Promise<DueRefreshReport>")]
    pub fn refresh_due(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "DueRefreshOptions")] options: Option<
            JsValue,
        >,
    ) -> Promise {
        let client = self.inner.clone();
        let options: Result<DueRefreshOptions, Error> =
            from_js(&options.unwrap_or_default(), "the options");
        promise(async move { client.refresh_due(options?).await })
    }

    /// Refreshes an account (single flight; tokens refreshed elsewhere are reused).
    #[wasm_bindgen(unchecked_return_type = "Promise<AccountSummary>")]
    pub fn refresh(&self, open_id: String) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.refresh(&open_id).await })
    }

    /// A signed API call with one refresh-and-retry: `{ status, body }`, `body` being TikTok's
    /// JSON answer, parsed.
    #[wasm_bindgen(js_name = apiFetch, unchecked_return_type = "Promise<ApiResponse>")]
    pub fn api_fetch(
        &self,
        open_id: String,
        #[wasm_bindgen(unchecked_param_type = "ApiCall")] call: JsValue,
    ) -> Promise {
        let client = self.inner.clone();
        let call: Result<ApiCall, Error> = from_js(&call, "the API call");
        future_to_promise(async move {
            let response = client
                .api_fetch(&open_id, &call.map_err(js_error)?)
                .await
                .map_err(js_error)?;
            let out = js_sys::Object::new();
            Reflect::set(
                &out,
                &JsValue::from_str("status"),
                &JsValue::from_f64(f64::from(response.status)),
            )?;
            let body = js_sys::JSON::parse(&response.body).map_err(|e| {
                js_error(Error::InvalidInput(format!(
                    "JSON.parse: {}",
                    js_message(&e)
                )))
            })?;
            Reflect::set(&out, &JsValue::from_str("body"), &body)?;
            Ok(out.into())
        })
    }

    /// The shops the account covers.
    #[wasm_bindgen(unchecked_return_type = "Promise<Shop[]>")]
    pub fn shops(&self, open_id: String) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.shops(&open_id).await })
    }

    /// Removes an account (after any refresh in flight).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn disconnect(&self, open_id: String) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.disconnect(&open_id).await })
    }

    /// Imports Chilkat's `tiktok-shops.json`: `{ account, refreshed }`. Throws
    /// `NewerTokensStored` when the stored tokens of that seller are newer, unless
    /// `{ replaceNewer: true }`; nothing is written unless the whole file checks out.
    #[wasm_bindgen(js_name = importChilkatJson, unchecked_return_type = "Promise<ImportOutcome>")]
    pub fn import_chilkat_json(
        &self,
        text: String,
        #[wasm_bindgen(unchecked_optional_param_type = "ImportOptions")] options: Option<JsValue>,
    ) -> Promise {
        let client = self.inner.clone();
        let options: Result<ImportOptions, Error> =
            from_js(&options.unwrap_or_default(), "the import options");
        promise(async move { client.import_chilkat_json(&text, options?).await })
    }

    /// The account as Chilkat's `tiktok-shops.json` (contains tokens).
    #[wasm_bindgen(js_name = exportChilkatJson, unchecked_return_type = "Promise<string>")]
    pub fn export_chilkat_json(&self, open_id: String) -> Promise {
        let client = self.inner.clone();
        promise(async move { client.export_chilkat_json(&open_id).await })
    }
}

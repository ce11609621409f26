//! The clock, sleep, lock and randomness of the browser (or Node), from the global scope,
//! never `window`, so they work in a service worker; and the platform that groups them.
//! What is only a lookup or a call on the global scope (`setTimeout`, `navigator.locks`,
//! `crypto.getRandomValues`, "is this Node") is a few lines of `glue.js`: each
//! is one call from the module, where the same through `Reflect` costs the module code.

use super::errors::js_to_error;
use super::{FetchTransport, JsStore};
use crate::client::lease::{LeaseGuard, Spawner, StoreLease};
use crate::client::local_lock::{LocalLock, LocalLockGuard};
use crate::client::platform::{Clock, Lock, Platform, Random, Sleep};
use crate::Error;
use js_sys::{Function, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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
        let _ = JsFuture::from(tts_sleep(millis)).await;
    }
}

thread_local! {
    /// In-process locks for scopes without `navigator.locks`, by name (a list, not a `HashMap`:
    /// a handful of names, and no hash table in the module).
    static LOCAL_LOCKS: RefCell<Vec<(String, LocalLock)>> = const { RefCell::new(Vec::new()) };
}

/// `navigator.locks` (Web Locks). Where there is none: a lock kept in the store itself when the
/// store is shared with other contexts (it has `onChanged`, as `chrome.storage.local` has, and
/// this is not Node), so they are excluded too; otherwise an in-process lock.
pub struct WebLock {
    lease: Option<StoreLease<JsStore, JsClock, JsSleep, JsRandom>>,
}

impl WebLock {
    /// A lock over `store`, kept in it where Web Locks are missing if the store is `shared`.
    pub fn new(store: &JsStore, shared: bool) -> WebLock {
        let spawner: Spawner = Rc::new(wasm_bindgen_futures::spawn_local);
        WebLock {
            lease: shared
                .then(|| StoreLease::new(store.clone(), JsClock, JsSleep, JsRandom, spawner)),
        }
    }
}

/// A held lock: released when dropped.
pub enum LockGuard {
    /// A Web Lock: its release function, called when dropped (it settles the lock callback's
    /// promise).
    Web(#[allow(dead_code)] CallOnDrop),
    /// A lock kept in the shared store.
    Lease(#[allow(dead_code)] LeaseGuard),
    /// An in-process lock.
    Local(#[allow(dead_code)] LocalLockGuard),
}

/// Calls the function when dropped, unless taken out first.
pub struct CallOnDrop(Option<Function>);

impl Drop for CallOnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    }
}

#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = ttsLock, catch)]
    fn tts_lock(locks: &JsValue, name: &str) -> Result<js_sys::Array, JsValue>;

    /// A promise settled after `ms` milliseconds (`setTimeout`).
    #[wasm_bindgen(js_name = ttsSleep)]
    fn tts_sleep(ms: u32) -> Promise;

    /// `crypto.getRandomValues` over the bytes, in place: 0, or 1 (no `crypto`), 2 (no
    /// `getRandomValues`).
    #[wasm_bindgen(js_name = ttsFillRandom, catch)]
    fn tts_fill_random(bytes: &mut [u8]) -> Result<u32, JsValue>;

    /// `navigator.locks`, when there is one.
    #[wasm_bindgen(js_name = ttsLocks)]
    fn tts_locks() -> Option<JsValue>;

    /// Whether this is Node (`process.versions.node`): one context, whatever its store.
    #[wasm_bindgen(js_name = ttsInNode)]
    pub(crate) fn in_node() -> bool;
}

impl Lock for WebLock {
    type Guard = LockGuard;

    async fn acquire(&self, name: &str) -> Result<LockGuard, Error> {
        let locks = tts_locks();
        let Some(locks) = locks else {
            if let Some(lease) = &self.lease {
                return lease.acquire(name).await.map(LockGuard::Lease);
            }
            let lock = LOCAL_LOCKS.with(|all| {
                let mut all = all.borrow_mut();
                if let Some((_, lock)) = all.iter().find(|(n, _)| n == name) {
                    return lock.clone();
                }
                let lock = LocalLock::new();
                all.push((name.to_owned(), lock.clone()));
                lock
            });
            return Ok(LockGuard::Local(lock.lock().await));
        };
        let request =
            tts_lock(&locks, name).map_err(|e| js_to_error(e, "navigator.locks.request"))?;
        // A waiter dropped before the grant (a new grant that stopped waiting) frees the lock.
        // The snippet's own values: a promise, a function, and a function it resolves with
        // (taken as they are, no type checks).
        let mut cancel = CallOnDrop(Some(request.get(1).unchecked_into::<Function>()));
        let pending: Promise = request.get(0).unchecked_into();
        let release = JsFuture::from(pending)
            .await
            .map_err(|e| js_to_error(e, "navigator.locks.request"))?;
        cancel.0 = None;
        Ok(LockGuard::Web(CallOnDrop(Some(release.unchecked_into()))))
    }
}

/// `crypto.getRandomValues` on the global scope.
pub struct JsRandom;

impl Random for JsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error> {
        match tts_fill_random(buf).map_err(|e| js_to_error(e, "crypto.getRandomValues"))? {
            0 => Ok(()),
            1 => Err(Error::InvalidInput(
                "crypto.getRandomValues is not available".into(),
            )),
            _ => Err(Error::InvalidInput(
                "the object has no getRandomValues() method".into(),
            )),
        }
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

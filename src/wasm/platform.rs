//! The clock, sleep, lock and randomness of the browser (or Node), from the global scope,
//! never `window`, so they work in a service worker; and the platform that groups them.

use super::errors::js_to_error;
use super::{global_property, method_of, FetchTransport, JsStore};
use crate::client::lease::{LeaseGuard, Spawner, StoreLease};
use crate::client::platform::{Clock, Lock, Platform, Random, Sleep};
use crate::Error;
use futures::channel::oneshot;
use futures::lock::{Mutex, OwnedMutexGuard};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

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
    /// In-process locks for scopes without `navigator.locks`, by name (a list, not a `HashMap`:
    /// a handful of names, and no hash table in the module).
    static LOCAL_LOCKS: RefCell<Vec<(String, Arc<Mutex<()>>)>> = const { RefCell::new(Vec::new()) };
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
                let mut all = all.borrow_mut();
                if let Some((_, lock)) = all.iter().find(|(n, _)| n == name) {
                    return lock.clone();
                }
                let lock = Arc::new(Mutex::new(()));
                all.push((name.to_owned(), lock.clone()));
                lock
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

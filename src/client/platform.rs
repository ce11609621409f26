//! The small traits the client is generic over. The browser implements them in `src/wasm.rs`
//! (fetch, `chrome.storage.local`, `Date.now()`, timers, Web Locks, `crypto.getRandomValues`);
//! tests implement them with fakes.
//!
//! Futures here are not `Send`: in the browser everything runs on one thread.

use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Map, Value};
use crate::Error;

/// Sends a request and returns the response, whatever its status. Fails only when no response
/// came back ([`Error::Network`]).
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends `request`.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error>;
}

/// A key-value store with the shape of `chrome.storage.local`.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// The values of `keys` that exist; every item when `keys` is `None`.
    async fn get(&self, keys: Option<&[String]>) -> Result<Map, Error>;
    /// Writes all `items` in one operation.
    async fn set(&self, items: Map) -> Result<(), Error>;
    /// Removes `keys`.
    async fn remove(&self, keys: &[String]) -> Result<(), Error>;
    /// The value of `key` when it is a string (large derived records are kept as JSON text,
    /// which a browser store hands back much faster than the same data as objects).
    async fn get_text(&self, key: &str) -> Result<Option<String>, Error> {
        let keys = [key.to_owned()];
        let mut items = self.get(Some(&keys)).await?;
        Ok(match items.remove(key) {
            Some(Value::String(text)) => Some(text),
            _ => None,
        })
    }
    /// Every key, without the values, where the store can list them cheaply
    /// (`chrome.storage.local.getKeys()`); `None` where it cannot.
    async fn keys(&self) -> Result<Option<Vec<String>>, Error> {
        Ok(None)
    }
}

/// The current time.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;

    /// Seconds since the Unix epoch.
    fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }
}

/// Waiting.
#[allow(async_fn_in_trait)]
pub trait Sleep {
    /// Resolves after `millis` milliseconds.
    async fn sleep(&self, millis: u32);
}

/// A named lock shared by every context that uses the same store (Web Locks in the browser), so
/// a worker and a page never refresh the same account at once.
#[allow(async_fn_in_trait)]
pub trait Lock {
    /// Held until dropped.
    type Guard;
    /// Waits for the lock called `name`.
    async fn acquire(&self, name: &str) -> Result<Self::Guard, Error>;
}

/// Randomness for the `state`.
pub trait Random {
    /// Fills `buf` with cryptographically secure random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error>;
}

/// Everything the client needs from its surroundings, as one bundle.
pub trait Platform {
    /// The transport.
    type Transport: Transport;
    /// The store.
    type Store: Store;
    /// The clock.
    type Clock: Clock;
    /// Sleeping.
    type Sleep: Sleep;
    /// The named lock.
    type Lock: Lock;
    /// Randomness.
    type Random: Random;
}

//! A named lock kept in the store itself, for platforms without Web Locks (no
//! `navigator.locks`): every context that shares the store shares the lock.
//!
//! The store offers atomic reads and writes of one key, and no compare-and-swap, so this is
//! Fischer's timed mutual exclusion over the key `tts:lock:<name>`: wait until the key is free
//! (absent, or its lease expired), write your own token, wait longer than any other context
//! takes between seeing the key free and writing it ([`CLAIM_SETTLE_MS`]), and read it back:
//! the lock is yours if your token is still there. A lease ([`LEASE_MS`]) frees the lock of a
//! context that stopped while holding it. Release removes the key if it is still yours.
//!
//! Acquiring costs three store operations and the settle time, so it is used only where Web
//! Locks are missing, and only around writes of tokens (refresh, connect, import, disconnect),
//! never per call. The account records' generations (compare-and-swap on write) remain the
//! second line of defence.

use super::platform::{Clock, Random, Sleep, Store};
use crate::json::{Map, Value};
use crate::Error;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// The store key prefix of leases.
pub const LEASE_KEY_PREFIX: &str = "tts:lock:";
/// How long a lease holds without being released (a holder that stopped frees it then).
pub const LEASE_MS: i64 = 60_000;
/// How long a claim settles before it is read back: longer than a context takes between
/// reading the key free and writing its claim.
pub const CLAIM_SETTLE_MS: u32 = 60;
/// How often a waiter looks again.
pub const POLL_MS: u32 = 25;

/// Runs a future to completion in the background (the release of a lease, from `Drop`).
pub type Spawner = Rc<dyn Fn(Pin<Box<dyn Future<Output = ()>>>)>;

/// The lock over a store. See the module documentation.
pub struct StoreLease<S, C, Z, R> {
    store: S,
    clock: C,
    sleep: Z,
    random: R,
    spawner: Spawner,
}

/// A held lease: released (in the background) when dropped.
pub struct LeaseGuard {
    release: Option<Box<dyn FnOnce()>>,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

/// The stored lease: `{ "expiresAt": …, "owner": … }`.
fn lease(owner: &str, expires_at: i64) -> Map {
    let mut lease = Map::new();
    lease.put("expiresAt", expires_at.into());
    lease.put_str("owner", owner);
    lease
}

fn lease_of(value: Option<&Value>) -> Option<(String, i64)> {
    let value = value?;
    Some((
        value.get("owner")?.as_str()?.to_owned(),
        value.get("expiresAt")?.as_i64()?,
    ))
}

impl<S, C, Z, R> StoreLease<S, C, Z, R>
where
    S: Store + Clone + 'static,
    C: Clock,
    Z: Sleep,
    R: Random,
{
    /// A lock over `store`; `spawner` runs releases in the background.
    pub fn new(store: S, clock: C, sleep: Z, random: R, spawner: Spawner) -> Self {
        StoreLease {
            store,
            clock,
            sleep,
            random,
            spawner,
        }
    }

    /// Waits for the lock called `name`.
    pub async fn acquire(&self, name: &str) -> Result<LeaseGuard, Error> {
        let key = format!("{LEASE_KEY_PREFIX}{name}");
        let keys = [key.clone()];
        let mut bytes = [0u8; 16];
        self.random.fill(&mut bytes)?;
        let token = crate::text::lower_hex(&bytes);
        // One read, one write and one sleep in the loop (each await site costs its own code):
        // read; while another holds it, sleep and read again; when it is free, claim it, let
        // the claims settle, and read whose it is; a lost claim starts over.
        let mut claimed = false;
        loop {
            let lease = lease_of(self.store.get(Some(&keys)).await?.get(&key));
            let wait_ms = if claimed {
                if lease.is_some_and(|(owner, _)| owner == token) {
                    break;
                }
                claimed = false;
                continue;
            } else if lease.is_some_and(|(_, expires_at)| expires_at > self.clock.now_millis()) {
                POLL_MS
            } else {
                let mut claim = Map::new();
                claim.insert(
                    key.clone(),
                    Value::Object(self::lease(&token, self.clock.now_millis() + LEASE_MS)),
                );
                self.store.set(claim).await?;
                claimed = true;
                CLAIM_SETTLE_MS
            };
            self.sleep.sleep(wait_ms).await;
        }
        let store = self.store.clone();
        let spawner = self.spawner.clone();
        let release = move || {
            spawner(Box::pin(async move {
                let keys = [key.clone()];
                if let Ok(items) = store.get(Some(&keys)).await {
                    if lease_of(items.get(&key)).is_some_and(|(owner, _)| owner == token) {
                        let _ = store.remove(&keys).await;
                    }
                }
            }));
        };
        Ok(LeaseGuard {
            release: Some(Box::new(release)),
        })
    }
}

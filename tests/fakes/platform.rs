//! The platform's small capabilities: a manual clock, a sleep that advances it, named locks
//! shared between clients (like Web Locks), fixed randomness, and a future that yields.

use futures::lock::{Mutex, OwnedMutexGuard};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use tiktok_shop_connect::client::platform::{Clock, Lock, Random, Sleep};
use tiktok_shop_connect::Error;

/// Returns `Pending` `n` times (waking itself), so concurrent futures interleave.
pub struct YieldNow(pub u32);
impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[derive(Clone)]
pub struct ManualClock(pub Rc<Cell<i64>>);
impl ManualClock {
    pub fn advance_secs(&self, secs: i64) {
        self.0.set(self.0.get() + secs * 1000);
    }
    pub fn secs(&self) -> i64 {
        self.0.get().div_euclid(1000)
    }
}
impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.get()
    }
}

pub struct FakeSleep {
    pub clock: ManualClock,
    pub total_ms: Rc<Cell<u64>>,
}
impl Sleep for FakeSleep {
    async fn sleep(&self, millis: u32) {
        self.total_ms.set(self.total_ms.get() + u64::from(millis));
        self.clock.0.set(self.clock.0.get() + i64::from(millis));
        YieldNow(1).await;
    }
}

/// Named locks shared between every client given the same instance (like `navigator.locks`).
#[derive(Clone, Default)]
pub struct SharedLocks {
    locks: Rc<RefCell<HashMap<String, Arc<Mutex<()>>>>>,
    pub acquisitions: Rc<RefCell<Vec<String>>>,
}
type Arc<T> = std::sync::Arc<T>;
impl Lock for SharedLocks {
    type Guard = OwnedMutexGuard<()>;
    async fn acquire(&self, name: &str) -> Result<Self::Guard, Error> {
        let lock = self
            .locks
            .borrow_mut()
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(Mutex::new(())))
            .clone();
        self.acquisitions.borrow_mut().push(name.to_owned());
        Ok(lock.lock_owned().await)
    }
}

pub struct FixedRandom(pub Cell<u8>);
impl Random for FixedRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error> {
        let n = self.0.get();
        self.0.set(n.wrapping_add(1));
        for (i, b) in buf.iter_mut().enumerate() {
            *b = n.wrapping_add(i as u8);
        }
        Ok(())
    }
}

//! An in-process async lock for one thread: first come, first served.
//!
//! Written for the client rather than taken from `futures::lock::Mutex`, whose waiter list sits
//! behind a `std::sync::Mutex` and a slab (thread-safe machinery that a single-threaded module
//! carries as code for nothing). Waiters queue in order; unlocking wakes the first; a waiter that
//! gives up leaves the queue and, when the lock is free, wakes the next one.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct Inner {
    locked: Cell<bool>,
    /// The next ticket handed to a waiter.
    next_ticket: Cell<u64>,
    /// The waiters, first come first: their tickets and wakers.
    waiters: RefCell<Vec<(u64, Waker)>>,
}

impl Inner {
    /// Wakes the first waiter, if the lock is free.
    fn wake_first(&self) {
        if self.locked.get() {
            return;
        }
        if let Some((_, waker)) = self.waiters.borrow().first() {
            waker.wake_by_ref();
        }
    }
}

/// A handle to one lock; clones share it.
#[derive(Clone, Default)]
pub struct LocalLock(Rc<Inner>);

impl LocalLock {
    /// A new, free lock.
    pub fn new() -> LocalLock {
        LocalLock::default()
    }

    /// Waits for the lock; it is held until the guard is dropped.
    pub fn lock(&self) -> LockFuture {
        LockFuture {
            inner: self.0.clone(),
            ticket: None,
        }
    }
}

/// Waiting for a [`LocalLock`].
pub struct LockFuture {
    inner: Rc<Inner>,
    /// Set once queued.
    ticket: Option<u64>,
}

impl Future for LockFuture {
    type Output = LocalLockGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LocalLockGuard> {
        let inner = self.inner.clone();
        let mut waiters = inner.waiters.borrow_mut();
        let first = match (self.ticket, waiters.first()) {
            (_, None) => true,
            (Some(ticket), Some((front, _))) => ticket == *front,
            (None, Some(_)) => false,
        };
        if !inner.locked.get() && first {
            if self.ticket.take().is_some() {
                waiters.remove(0);
            }
            inner.locked.set(true);
            return Poll::Ready(LocalLockGuard(inner.clone()));
        }
        match self.ticket {
            Some(ticket) => {
                if let Some((_, waker)) = waiters.iter_mut().find(|(t, _)| *t == ticket) {
                    waker.clone_from(cx.waker());
                }
            }
            None => {
                let ticket = inner.next_ticket.get();
                inner.next_ticket.set(ticket.wrapping_add(1));
                waiters.push((ticket, cx.waker().clone()));
                self.ticket = Some(ticket);
            }
        }
        Poll::Pending
    }
}

impl Drop for LockFuture {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.inner
                .waiters
                .borrow_mut()
                .retain(|(t, _)| *t != ticket);
            self.inner.wake_first();
        }
    }
}

/// A held [`LocalLock`]: released when dropped.
pub struct LocalLockGuard(Rc<Inner>);

impl Drop for LocalLockGuard {
    fn drop(&mut self) {
        self.0.locked.set(false);
        self.0.wake_first();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;

    /// Pending once, woken at once: lets the other tasks run.
    async fn yield_now() {
        let mut yielded = false;
        futures::future::poll_fn(|cx| {
            if yielded {
                return Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await;
    }

    #[test]
    fn waiters_get_the_lock_in_order_and_one_at_a_time() {
        let lock = LocalLock::new();
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut pool = LocalPool::new();
        let held = Rc::new(Cell::new(false));
        for i in 0..5 {
            let (lock, order, held) = (lock.clone(), order.clone(), held.clone());
            pool.spawner()
                .spawn_local(async move {
                    let _guard = lock.lock().await;
                    assert!(!held.replace(true), "two holders at once");
                    order.borrow_mut().push(i);
                    yield_now().await;
                    held.set(false);
                })
                .unwrap();
        }
        pool.run();
        assert_eq!(*order.borrow(), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_waiter_that_gives_up_passes_the_lock_on() {
        let lock = LocalLock::new();
        let mut pool = LocalPool::new();
        let guard = pool.run_until(lock.lock());
        let mut gave_up = Box::pin(lock.lock());
        let waker = futures::task::noop_waker();
        assert!(gave_up
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        let got = Rc::new(Cell::new(false));
        let (lock2, got2) = (lock.clone(), got.clone());
        pool.spawner()
            .spawn_local(async move {
                let _guard = lock2.lock().await;
                got2.set(true);
            })
            .unwrap();
        pool.run_until_stalled();
        assert!(!got.get());
        drop(guard);
        pool.run_until_stalled();
        // The first waiter was woken but never polled again: dropping it hands the lock on.
        assert!(!got.get());
        drop(gave_up);
        pool.run_until_stalled();
        assert!(got.get());
    }
}

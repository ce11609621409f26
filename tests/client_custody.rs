//! Token custody: every way a seller's grant used to be lost, as a test against the fake
//! TikTok — a late refresh after a reconnect, a store that refuses writes, a refresh cut off by a
//! stopped worker, imports at the numeric limits and of older files, short-lived tokens — and
//! the store's promises: no store read per call, the index, damaged records listed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod fakes;
use fakes::*;
use futures::channel::oneshot;
use futures::executor::block_on;
use futures::future::{select, Either};
use serde_json::{json, Value};
use tiktok_shop_connect::client::account::{AccountReason, AccountStatus};
use tiktok_shop_connect::client::{ApiCall, DueRefreshOptions, ImportOptions, PageRequest};

fn shops_call() -> ApiCall {
    ApiCall {
        path: "/authorization/202309/shops".into(),
        ..ApiCall::default()
    }
}

fn key() -> String {
    format!("tts:account:{OPEN_ID}")
}

/// The whole store, as bytes.
fn snapshot(world: &World) -> String {
    serde_json::to_string(&*world.store.items.borrow()).unwrap()
}

#[test]
fn a_refresh_that_finishes_after_a_reconnect_in_a_lockless_context_never_overwrites_the_new_grant()
{
    block_on(async {
        let world = World::new();
        let a = world.client();
        world.connect(&a).await;
        world.server.rotate.set(true);
        world.server.expire_access();
        let (announce, announced) = oneshot::channel();
        world
            .server
            .hold_next_refresh
            .borrow_mut()
            .push_back(announce);
        // Another context without the shared lock (no navigator.locks there).
        let b = world.client_without_shared_locks();
        let call = shops_call();
        let call_a = a.api_fetch(OPEN_ID, &call);
        let reconnect_b = async {
            let release = announced.await.unwrap();
            // TikTok has answered A's refresh; before A hears it, the seller reconnects in B.
            world.connect(&b).await;
            let new_grant = (world.server.access_token(), world.server.refresh_token());
            release.send(()).unwrap();
            new_grant
        };
        let (result_a, new_grant) = futures::join!(call_a, reconnect_b);
        result_a.unwrap();
        let stored = world.stored_account();
        assert_eq!(stored["tokens"]["accessToken"], new_grant.0.as_str());
        assert_eq!(stored["tokens"]["refreshToken"], new_grant.1.as_str());
        // And it still works: the next refresh uses the new grant's refresh token.
        world.server.expire_access();
        b.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        assert_eq!(world.stored_account()["reconnect"], Value::Null);
    });
}

#[test]
fn a_reconnect_waits_for_a_refresh_in_flight_under_the_shared_lock() {
    block_on(async {
        let world = World::new();
        let a = world.client();
        world.connect(&a).await;
        world.server.rotate.set(true);
        world.server.expire_access();
        let (announce, announced) = oneshot::channel();
        world
            .server
            .hold_next_refresh
            .borrow_mut()
            .push_back(announce);
        let b = world.client();
        let call = shops_call();
        let call_a = a.api_fetch(OPEN_ID, &call);
        let reconnect_b = async {
            let release = announced.await.unwrap();
            let connect = world.connect(&b);
            let release_later = async {
                YieldNow(50).await;
                release.send(()).unwrap();
            };
            futures::join!(connect, release_later);
            (world.server.access_token(), world.server.refresh_token())
        };
        // A's call may fail (its grant was replaced while it ran); the new grant must survive.
        let (_result_a, new_grant) = futures::join!(call_a, reconnect_b);
        let stored = world.stored_account();
        assert_eq!(stored["tokens"]["accessToken"], new_grant.0.as_str());
        assert_eq!(stored["tokens"]["refreshToken"], new_grant.1.as_str());
    });
}

#[test]
fn tokens_the_store_refuses_are_kept_in_memory_reported_and_saved_on_the_next_call() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        world.server.rotate.set(true);
        world.server.expire_access();
        let before = world.stored_account();
        world.store.fail_writes.set(true);
        let error = client.api_fetch(OPEN_ID, &shops_call()).await.unwrap_err();
        assert_eq!(error.name(), "TokensNotSaved");
        assert!(error.to_string().contains("kept in memory"), "{error}");
        assert!(!error.to_string().contains(&world.server.refresh_token()));
        assert_eq!(world.server.refresh_count.get(), 1);
        assert_eq!(
            world.stored_account(),
            before,
            "the old record is untouched"
        );
        assert!(
            world.slept_ms.get() >= 1000,
            "the write was retried with backoff"
        );
        // The person sees it on the account.
        let summary = &client.accounts().await.unwrap()[0];
        assert_eq!(summary.reason, Some(AccountReason::TokensNotSaved));
        // Still failing: every call says so, and nothing refreshes again.
        let error = client.api_fetch(OPEN_ID, &shops_call()).await.unwrap_err();
        assert_eq!(error.name(), "TokensNotSaved");
        assert_eq!(world.server.refresh_count.get(), 1);
        // The store recovers: the next call saves the tokens TikTok issued, and works.
        world.store.fail_writes.set(false);
        client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        assert_eq!(world.server.refresh_count.get(), 1);
        let stored = world.stored_account();
        assert_eq!(
            stored["tokens"]["refreshToken"],
            world.server.refresh_token().as_str()
        );
        assert_eq!(
            stored["tokens"]["accessToken"],
            world.server.access_token().as_str()
        );
        assert_eq!(client.accounts().await.unwrap()[0].reason, None);
    });
}

/// Starts a refresh, lets TikTok act on it (rotate), then drops it as a stopped worker would.
async fn refresh_cut_off(world: &World) {
    let a = world.client();
    let (announce, announced) = oneshot::channel();
    world
        .server
        .hold_next_refresh
        .borrow_mut()
        .push_back(announce);
    let refresh = Box::pin(a.refresh(OPEN_ID));
    match select(refresh, announced).await {
        Either::Left((result, _)) => panic!("the refresh was not held: {result:?}"),
        // Dropping the release sender and the refresh future: the answer is lost.
        Either::Right((release, _refresh)) => drop(release),
    }
    assert!(
        world.stored_account()["refreshInFlight"].is_object(),
        "journaled"
    );
}

#[test]
fn a_refresh_cut_off_by_a_stopped_worker_says_refresh_interrupted_when_tokens_rotate() {
    block_on(async {
        let world = World::new();
        world.connect(&world.client()).await;
        world.server.rotate.set(true);
        refresh_cut_off(&world).await;
        assert_eq!(world.server.refresh_success.get(), 1, "TikTok rotated");
        // A new worker instance.
        let b = world.client();
        let error = b.api_fetch(OPEN_ID, &shops_call()).await.unwrap_err();
        assert_eq!(error.name(), "RefreshInterrupted", "{error}");
        assert!(error
            .to_string()
            .contains("refresh interrupted — reconnect"));
        let summary = &b.accounts().await.unwrap()[0];
        assert_eq!(summary.status, AccountStatus::ReconnectRequired);
        assert_eq!(summary.reason, Some(AccountReason::RefreshInterrupted));
        assert!(summary
            .status_reason
            .as_deref()
            .unwrap()
            .starts_with("refresh interrupted — reconnect"));
        // The tokens are kept (never deleted), the journal is closed.
        let stored = world.stored_account();
        assert_eq!(stored["refreshInFlight"], Value::Null);
        assert!(stored["tokens"]["refreshToken"].is_string());
        let again = b.api_fetch(OPEN_ID, &shops_call()).await.unwrap_err();
        assert_eq!(again.name(), "RefreshInterrupted");
    });
}

#[test]
fn a_refresh_cut_off_by_a_stopped_worker_is_harmless_without_rotation() {
    block_on(async {
        let world = World::new();
        world.connect(&world.client()).await;
        world.server.rotate.set(false);
        refresh_cut_off(&world).await;
        let b = world.client();
        b.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        let stored = world.stored_account();
        assert_eq!(stored["refreshInFlight"], Value::Null);
        assert_eq!(stored["reconnect"], Value::Null);
        assert_eq!(
            stored["tokens"]["accessToken"],
            world.server.access_token().as_str()
        );
    });
}

#[test]
fn a_refresh_whose_answer_never_came_keeps_its_journal() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        world
            .server
            .refresh_faults
            .borrow_mut()
            .extend([Fault::NetworkError, Fault::NetworkError]);
        let error = client.refresh(OPEN_ID).await.unwrap_err();
        assert_eq!(error.name(), "NetworkError");
        assert!(
            world.stored_account()["refreshInFlight"].is_object(),
            "TikTok may have rotated the token: the journal stays"
        );
        // Once TikTok answers, the journal closes.
        client.refresh(OPEN_ID).await.unwrap();
        assert_eq!(world.stored_account()["refreshInFlight"], Value::Null);
    });
}

fn chilkat_file(world: &World, client_export: &str, edit: impl FnOnce(&mut Value)) -> String {
    let _ = world;
    let mut value: Value = serde_json::from_str(client_export).unwrap();
    edit(&mut value);
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn imports_outside_what_javascript_holds_are_refused_before_the_store_is_touched() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        let exported = client.export_chilkat_json(OPEN_ID).await.unwrap();
        let before = snapshot(&world);
        let writes = world.store.writes.get();
        for (field, at) in [
            (
                "access_token_expire_in",
                json!(9_223_372_036_854_775_000_i64),
            ),
            (
                "refresh_token_expire_in",
                json!(9_223_372_036_854_775_807_i64),
            ),
            ("access_token_expire_in", json!(9_007_199_254_740_993_i64)),
            ("refresh_token_expire_in", json!(253_402_300_800_i64)),
            ("access_token_expire_in", json!(946_684_799)),
            ("access_token_expire_in", json!(-1)),
        ] {
            let file = chilkat_file(&world, &exported, |v| {
                v["data"][field] = at.clone();
                v["data"]["access_token"] = json!("IMPORTED_AT_1");
            });
            let error = client
                .import_chilkat_json(
                    &file,
                    ImportOptions {
                        replace_newer: true,
                    },
                )
                .await
                .unwrap_err();
            assert_eq!(error.name(), "InvalidInput", "{field}={at}: {error}");
            assert_eq!(
                snapshot(&world),
                before,
                "{field}={at}: the store is byte-identical"
            );
            assert_eq!(world.store.writes.get(), writes);
        }
        // The edges themselves are fine, and a UTF-8 BOM is accepted.
        let file = chilkat_file(&world, &exported, |v| {
            v["data"]["refresh_token_expire_in"] = json!(253_402_300_799_i64);
        });
        let outcome = client
            .import_chilkat_json(&format!("\u{feff}{file}"), ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(outcome.account.refresh_token_expires_at, 253_402_300_799);
        assert_eq!(client.accounts().await.unwrap().len(), 1);
    });
}

#[test]
fn a_stored_record_with_an_expiry_beyond_javascript_is_listed_as_damaged_not_hidden() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        let mut record = world.stored_account();
        record["tokens"]["accessTokenExpiresAt"] = json!(9_223_372_036_854_775_000_i64);
        world.store.items.borrow_mut().insert(key(), mine(&record));
        let accounts = client.accounts().await.unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].status, AccountStatus::Damaged);
        assert_eq!(accounts[0].reason, Some(AccountReason::Damaged));
        assert!(accounts[0]
            .status_reason
            .as_deref()
            .unwrap()
            .contains("after the year 9999"));
        let overview = client.overview().await.unwrap();
        assert_eq!(overview.counts.damaged, 1);
        assert_eq!(overview.attention[0].open_id, OPEN_ID);
    });
}

#[test]
fn an_import_of_older_tokens_needs_replace_newer_and_otherwise_changes_nothing() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        world.server.rotate.set(true);
        let old_file = client.export_chilkat_json(OPEN_ID).await.unwrap();
        world.clock.advance_secs(86400);
        client.refresh(OPEN_ID).await.unwrap();
        let before = snapshot(&world);
        let error = client
            .import_chilkat_json(&old_file, ImportOptions::default())
            .await
            .unwrap_err();
        assert_eq!(error.name(), "NewerTokensStored", "{error}");
        assert!(!error.to_string().contains(&world.server.refresh_token()));
        assert_eq!(snapshot(&world), before, "byte-identical after the refusal");
        // The person confirmed it.
        let outcome = client
            .import_chilkat_json(
                &old_file,
                ImportOptions {
                    replace_newer: true,
                },
            )
            .await
            .unwrap();
        assert!(!outcome.refreshed);
        let imported: Value = serde_json::from_str(&old_file).unwrap();
        assert_eq!(
            world.stored_account()["tokens"]["refreshToken"],
            imported["data"]["refresh_token"]
        );
    });
}

#[test]
fn an_import_keeps_at_most_64_kb_of_unknown_fields() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        let exported = client.export_chilkat_json(OPEN_ID).await.unwrap();
        let other = World::new();
        *other.server.grant.borrow_mut() = world.server.grant.borrow().clone();
        let importer = other.client();
        let file = chilkat_file(&world, &exported, |v| {
            v["data"]["small_unknown"] = json!("kept");
            v["data"]["zz_huge_unknown"] = json!("x".repeat(200_000));
        });
        importer
            .import_chilkat_json(&file, ImportOptions::default())
            .await
            .unwrap();
        let stored = other.stored_account();
        let size = serde_json::to_string(&stored).unwrap().len();
        assert!(size < 70_000, "{size} bytes stored");
        assert_eq!(stored["tokens"]["extraData"]["small_unknown"], "kept");
        assert_eq!(
            stored["tokens"]["accessToken"],
            world.server.access_token().as_str()
        );
    });
}

#[test]
fn ten_calls_on_a_200_s_token_with_a_300_s_margin_make_at_most_one_refresh() {
    block_on(async {
        let world = World::new();
        world.server.access_lifetime.set(200);
        let client = world.client();
        world.connect(&client).await;
        for _ in 0..10 {
            client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
            world.clock.advance_secs(15);
        }
        assert!(
            world.server.refresh_count.get() <= 1,
            "{}",
            world.server.refresh_count.get()
        );
        let summary = &client.accounts().await.unwrap()[0];
        assert!(summary.refresh_due_at > summary.access_token_expires_at - 200);
    });
}

#[test]
fn with_change_events_a_call_reads_nothing_from_the_store() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        client.watch_store_changes();
        world.connect(&client).await;
        let mut delivered = world.store.deliver(&client, 0);
        client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        let reads = world.store.reads.get();
        for _ in 0..10 {
            client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        }
        assert_eq!(world.store.reads.get(), reads, "zero store reads per call");

        // Another context refreshes; its change reaches this one as an event.
        let other = world.client();
        other.refresh(OPEN_ID).await.unwrap();
        delivered = world.store.deliver(&client, delivered);
        let reads = world.store.reads.get();
        client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        assert_eq!(
            world.store.reads.get(),
            reads,
            "the new tokens came with the event"
        );
        assert_eq!(world.server.refresh_count.get(), 1);
        let _ = delivered;

        // Without events every call reads (the record may have changed elsewhere).
        let plain = world.client();
        let reads = world.store.reads.get();
        plain.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        plain.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        assert!(world.store.reads.get() >= reads + 2);
    });
}

#[test]
fn the_overview_page_and_scheduled_refresh_come_from_the_index() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        client.watch_store_changes();
        world.connect(&client).await;
        world.store.deliver(&client, 0);
        let overview = client.overview().await.unwrap();
        assert_eq!((overview.total, overview.counts.valid), (1, 1));
        assert!(overview.next_due_at.is_some());
        assert!(
            world.store.get_item("tts:index").is_some(),
            "written with the account"
        );

        let reads = world.store.reads.get();
        let page = client
            .accounts_page(&PageRequest {
                query: "fake".into(),
                offset: 0,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!((page.total, page.matching, page.accounts.len()), (1, 1, 1));
        let none = client
            .accounts_page(&PageRequest {
                query: "nobody".into(),
                ..PageRequest::default()
            })
            .await
            .unwrap();
        assert_eq!((none.total, none.matching), (1, 0));
        client.overview().await.unwrap();
        assert_eq!(world.store.reads.get(), reads, "no reads: index and memory");

        // Due: the scheduler refreshes it.
        world.clock.advance_secs(7 * 86400 - 200);
        let report = client
            .refresh_due(DueRefreshOptions::default())
            .await
            .unwrap();
        assert_eq!((report.due, report.refreshed, report.failed), (1, 1, 0));
        let report = client
            .refresh_due(DueRefreshOptions::default())
            .await
            .unwrap();
        assert_eq!(report.due, 0);

        // Revoked: it needs attention, and the badge can say who.
        world.server.revoke();
        world.server.expire_access();
        let _ = client.api_fetch(OPEN_ID, &shops_call()).await;
        let overview = client.overview().await.unwrap();
        assert_eq!(overview.counts.reconnect_required, 1);
        assert_eq!(overview.attention[0].seller_name, "Fake Shop");

        // A fresh client (a restarted worker) reads the index, not every account.
        let restarted = world.client();
        let reads = world.store.reads.get();
        let overview = restarted.overview().await.unwrap();
        assert_eq!(overview.counts.reconnect_required, 1);
        assert_eq!(world.store.reads.get(), reads + 1, "one read: the index");
    });
}

mod without_web_locks {
    //! Two contexts over one store and no Web Locks: the lock kept in the store excludes them.
    use super::*;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;
    use std::cell::Cell;
    use std::rc::Rc;
    use tiktok_shop_connect::client::lease::{LeaseGuard, Spawner, StoreLease};
    use tiktok_shop_connect::client::platform::{Lock, Platform};
    use tiktok_shop_connect::client::{Client, Deps};
    use tiktok_shop_connect::Error;

    struct Lease(StoreLease<MemoryStore, ManualClock, FakeSleep, FixedRandom>);
    impl Lock for Lease {
        type Guard = LeaseGuard;
        async fn acquire(&self, name: &str) -> Result<LeaseGuard, Error> {
            self.0.acquire(name).await
        }
    }

    struct LeasePlatform;
    impl Platform for LeasePlatform {
        type Transport = FakeTransport;
        type Store = MemoryStore;
        type Clock = ManualClock;
        type Sleep = FakeSleep;
        type Lock = Lease;
        type Random = FixedRandom;
    }

    fn context(world: &World, spawner: Spawner, seed: u8) -> Client<LeasePlatform> {
        let sleep = || FakeSleep {
            clock: world.clock.clone(),
            total_ms: world.slept_ms.clone(),
        };
        Client::new(
            world.config(),
            Deps {
                transport: FakeTransport(world.server.clone()),
                store: world.store.clone(),
                clock: world.clock.clone(),
                sleep: sleep(),
                lock: Lease(StoreLease::new(
                    world.store.clone(),
                    world.clock.clone(),
                    sleep(),
                    FixedRandom(Cell::new(seed)),
                    spawner,
                )),
                random: FixedRandom(Cell::new(seed)),
            },
        )
    }

    #[test]
    fn two_contexts_refresh_a_rotating_token_once_and_lose_nothing() {
        let mut pool = LocalPool::new();
        let local = pool.spawner();
        let spawner: Spawner = Rc::new(move |future| {
            let _ = local.spawn_local(future);
        });
        let world = World::new();
        pool.run_until(async {
            world.connect(&world.client()).await;
            world.server.rotate.set(true);
            world.server.expire_access();
            world.server.refresh_latency_turns.set(20);
            let a = context(&world, spawner.clone(), 10);
            let b = context(&world, spawner.clone(), 90);
            let call = shops_call();
            let (ra, rb) = futures::join!(a.api_fetch(OPEN_ID, &call), b.api_fetch(OPEN_ID, &call));
            ra.unwrap();
            rb.unwrap();
            assert_eq!(
                world.server.refresh_count.get(),
                1,
                "one refresh across both contexts"
            );
            let stored = world.stored_account();
            assert_eq!(
                stored["tokens"]["refreshToken"],
                world.server.refresh_token().as_str()
            );
            assert_eq!(stored["reconnect"], Value::Null);
        });
        // Released: no lease is left in the store.
        pool.run();
        assert!(world
            .store
            .items
            .borrow()
            .keys()
            .all(|k| !k.starts_with("tts:lock:")));
    }
}

#[test]
fn an_index_that_lags_behind_a_refresh_costs_a_read_never_a_needless_refresh() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        // Due; a call refreshes it, and the stored index is left with the old due time.
        world.clock.advance_secs(7 * 86400 - 100);
        client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        assert_eq!(world.server.refresh_count.get(), 1);
        let writes = world.store.writes.get();
        // A restarted worker's scheduler believes the index, reads the record, and leaves it.
        let restarted = world.client();
        let report = restarted
            .refresh_due(DueRefreshOptions::default())
            .await
            .unwrap();
        assert_eq!(report.due, 1);
        assert_eq!(world.server.refresh_count.get(), 1, "no needless refresh");
        assert_eq!(
            world.store.writes.get(),
            writes + 1,
            "only the index, corrected"
        );
        let report = restarted
            .refresh_due(DueRefreshOptions::default())
            .await
            .unwrap();
        assert_eq!(report.due, 0);
    });
}

#[test]
fn late_change_events_never_roll_the_memory_or_the_index_back() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        client.watch_store_changes();
        world.connect(&client).await;
        let journal_and_connect = world.store.log.borrow().len();
        // The seller's authorization is revoked; a refresh marks the account (two writes: the
        // journal, then the mark).
        world.server.revoke();
        let _ = client.refresh(OPEN_ID).await;
        assert_eq!(
            client.overview().await.unwrap().counts.reconnect_required,
            1
        );
        // Every event arrives only now, the older ones last (Chrome delivers late).
        let log = world.store.log.borrow().clone();
        let changes: Vec<_> = log
            .iter()
            .skip(journal_and_connect)
            .rev()
            .cloned()
            .collect();
        for (key, value) in changes {
            client.note_store_change(&key, value, None);
        }
        world.store.deliver(&client, 0);
        let overview = client.overview().await.unwrap();
        assert_eq!(overview.counts.reconnect_required, 1, "{overview:?}");

        // Disconnected, then connected again: the removal's late event changes nothing.
        client.disconnect(OPEN_ID).await.unwrap();
        let removal = world.store.log.borrow().len() - 1;
        let removed_generation = log
            .iter()
            .rev()
            .find(|(k, _)| *k == key())
            .and_then(|(_, v)| v.as_ref())
            .and_then(|v| v["generation"].as_u64());
        world.clock.advance_secs(5);
        world.connect(&client).await;
        client.note_store_change(&key(), None, removed_generation);
        let _ = removal;
        let overview = client.overview().await.unwrap();
        assert_eq!(
            (overview.total, overview.counts.valid),
            (1, 1),
            "{overview:?}"
        );
        client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
    });
}

#[test]
fn an_expiry_from_tiktok_beyond_javascript_is_stored_as_the_year_9999_not_as_a_damaged_record() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        world
            .server
            .grant
            .borrow_mut()
            .as_mut()
            .unwrap()
            .refresh_expires_at = 9_223_372_036_854_775_000;
        client.refresh(OPEN_ID).await.unwrap();
        assert_eq!(
            world.stored_account()["tokens"]["refreshTokenExpiresAt"],
            253_402_300_799_i64
        );
        let accounts = client.accounts().await.unwrap();
        assert_eq!(accounts[0].status, AccountStatus::Valid);
    });
}

mod bounded {
    //! Every network call is bounded, no lock is held past it, and Cancel and Disconnect answer
    //! at once whatever is in flight (issue 9).
    use super::*;

    #[test]
    fn every_request_carries_its_time_limit_and_a_refresh_that_times_out_keeps_its_journal() {
        block_on(async {
            let world = World::new();
            let client = world.client();
            world.connect(&client).await;
            client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
            let custom = ApiCall {
                timeout_ms: Some(1_234),
                ..shops_call()
            };
            client.api_fetch(OPEN_ID, &custom).await.unwrap();
            let limits: Vec<Option<u32>> = world
                .server
                .requests
                .borrow()
                .iter()
                .map(|r| r.timeout_ms)
                .collect();
            assert_eq!(limits, [Some(30_000), Some(60_000), Some(1_234)]);

            world.server.rotate.set(true);
            world.server.time_out_next_refresh.set(true);
            let error = client.refresh(OPEN_ID).await.unwrap_err();
            assert_eq!(error.name(), "Timeout");
            assert!(
                error
                    .to_string()
                    .contains("token/refresh timed out after 30000 ms"),
                "{error}"
            );
            assert_eq!(
                world.server.refresh_count.get(),
                1,
                "not retried: a timeout is not transient"
            );
            assert!(
                world.stored_account()["refreshInFlight"].is_object(),
                "TikTok may have rotated the token in the answer that never came"
            );
            // The lock is free again: the next refresh runs, and knows the last one was cut off.
            let error = client.refresh(OPEN_ID).await.unwrap_err();
            assert_eq!(error.name(), "RefreshInterrupted");
        });
    }

    #[test]
    fn cancel_answers_at_once_while_token_get_hangs_and_its_late_answer_is_discarded() {
        block_on(async {
            let world = World::new();
            let client = world.client();
            let (_url, state) = client.begin_authorization().await.unwrap();
            let code = world.server.issue_code();
            let (announce, announced) = oneshot::channel();
            world
                .server
                .hold_next_token_get
                .borrow_mut()
                .push_back(announce);
            let redirect = format!("{REDIRECT}?code={code}&state={state}");
            let complete = client.complete_authorization(&redirect);
            let cancel_then_release = async {
                let release = announced.await.unwrap();
                assert_eq!(client.flow_state().await.unwrap().state, 2);
                // Cancel does not wait for the exchange.
                let view = client.cancel_authorization().await.unwrap();
                assert_eq!(view.state, 5);
                release.send(()).unwrap();
            };
            let (completed, ()) = futures::join!(complete, cancel_then_release);
            assert_eq!(completed.unwrap_err().name(), "FlowNotPending");
            let view = client.flow_state().await.unwrap();
            assert_eq!(view.state, 5, "the flow stays cancelled");
            assert!(
                client.accounts().await.unwrap().is_empty(),
                "nothing stored"
            );
        });
    }

    #[test]
    fn an_answer_after_the_deadline_is_discarded_and_the_flow_says_timed_out() {
        block_on(async {
            let world = World::new();
            let client = world.client();
            let (_url, state) = client.begin_authorization().await.unwrap();
            let code = world.server.issue_code();
            let (announce, announced) = oneshot::channel();
            world
                .server
                .hold_next_token_get
                .borrow_mut()
                .push_back(announce);
            let redirect = format!("{REDIRECT}?code={code}&state={state}");
            let complete = client.complete_authorization(&redirect);
            let late = async {
                let release = announced.await.unwrap();
                world.clock.advance_secs(241);
                release.send(()).unwrap();
            };
            let (completed, ()) = futures::join!(complete, late);
            assert_eq!(completed.unwrap_err().name(), "FlowExpired");
            let view = client.flow_state().await.unwrap();
            assert_eq!(view.state, 5);
            assert_eq!(
                view.failure_reason,
                Some(tiktok_shop_connect::error::FailureReason::TimedOut)
            );
            assert!(
                client.accounts().await.unwrap().is_empty(),
                "nothing stored"
            );
        });
    }

    #[test]
    fn disconnect_answers_at_once_while_a_refresh_hangs() {
        block_on(async {
            let world = World::new();
            let client = world.client();
            world.connect(&client).await;
            let (announce, announced) = oneshot::channel();
            world
                .server
                .hold_next_refresh
                .borrow_mut()
                .push_back(announce);
            let refresh = client.refresh(OPEN_ID);
            let disconnect_then_release = async {
                let release = announced.await.unwrap();
                client.disconnect(OPEN_ID).await.unwrap();
                assert!(
                    world.store.get_item(&key()).is_none(),
                    "gone before the refresh ends"
                );
                release.send(()).unwrap();
            };
            let (refreshed, ()) = futures::join!(refresh, disconnect_then_release);
            assert_eq!(refreshed.unwrap_err().name(), "UnknownAccount");
            assert!(world.store.get_item(&key()).is_none(), "not brought back");
        });
    }
}

#[test]
fn a_refresh_whose_first_answer_never_came_keeps_its_journal_even_if_the_retry_is_answered() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        world
            .server
            .refresh_faults
            .borrow_mut()
            .extend([Fault::NetworkError, Fault::Http500]);
        let error = client.refresh(OPEN_ID).await.unwrap_err();
        assert_eq!(error.name(), "TikTokApiError");
        assert!(
            world.stored_account()["refreshInFlight"].is_object(),
            "the first attempt may have rotated the token: the journal stays"
        );
    });
}

#[test]
fn a_new_grant_over_a_damaged_record_that_the_store_refuses_is_saved_on_the_next_call() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.store.items.borrow_mut().insert(
            key(),
            mine(&json!({"schemaVersion": 2, "generation": 7, "tokens": "broken"})),
        );
        let (_url, state) = client.begin_authorization().await.unwrap();
        let code = world.server.issue_code();
        world.store.fail_account_writes.set(true);
        let error = client
            .complete_authorization(&format!("{REDIRECT}?code={code}&state={state}"))
            .await
            .unwrap_err();
        assert_eq!(error.name(), "TokensNotSaved");
        assert_eq!(
            world.stored_account()["tokens"],
            "broken",
            "nothing written yet"
        );
        // The store recovers: the next call writes the new grant over the damaged record.
        world.store.fail_account_writes.set(false);
        client.api_fetch(OPEN_ID, &shops_call()).await.unwrap();
        assert_eq!(
            world.stored_account()["tokens"]["accessToken"],
            world.server.access_token().as_str()
        );
    });
}

//! The client's authorization flow and account storage, against the fake TikTok.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod fakes;
use fakes::*;
use futures::executor::block_on;
use tiktok_shop_connect::client::account::AccountStatus;
use tiktok_shop_connect::error::FailureReason;
use tiktok_shop_connect::Error;

#[test]
fn connect_moves_1_2_3_and_stores_the_account() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        assert_eq!(client.flow_state().await.unwrap().state, 0);
        let (url, state) = client.begin_authorization().await.unwrap();
        assert_eq!(
            url,
            format!("https://fake.tiktok/open/authorize?service_id={SERVICE_ID}&state={state}")
        );
        assert!(state.len() >= 22);
        let view = client.flow_state().await.unwrap();
        assert_eq!(
            (view.state, view.state_name.as_str()),
            (1, "waiting for redirect")
        );
        assert_eq!(view.deadline, Some(world.clock.secs() + 240));

        let code = world.server.issue_code();
        let summary = client
            .complete_authorization(&format!(
                "{REDIRECT}?code={code}&state={state}&app_key={APP_KEY}&locale=en&shop_region=GB"
            ))
            .await
            .unwrap();
        assert_eq!(summary.open_id, OPEN_ID);
        assert_eq!(summary.seller_name, "Fake Shop");
        assert_eq!(summary.status, AccountStatus::Valid);
        assert_eq!(
            summary.access_token_expires_at,
            world.clock.secs() + 7 * 86400
        );
        assert_eq!(summary.refresh_token_expires_at, 4_841_467_787);
        assert_eq!(
            summary.granted_scopes,
            vec!["seller.shop.info", "seller.authorization.info"]
        );

        // The exact token/get request.
        let requests = world.server.requests.borrow().clone();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].method.as_str(), "GET");
        assert_eq!(requests[0].url, format!("https://fake.tiktok/api/v2/token/get?app_key={APP_KEY}&app_secret={APP_SECRET}&auth_code={code}&grant_type=authorized_code"));
        assert!(requests[0].headers.is_empty());

        let view = client.flow_state().await.unwrap();
        assert_eq!((view.state, view.open_id.as_deref()), (3, Some(OPEN_ID)));
        let stored = world.stored_account();
        assert_eq!(stored["schemaVersion"], 2);
        assert_eq!(
            stored["generation"], START_MS,
            "a new record starts at the time in ms"
        );
        assert_eq!(stored["appKey"], APP_KEY);
        assert_eq!(stored["region"], "row");
        assert_eq!(stored["tokens"]["accessToken"], world.server.access_token());
        // The same redirect again: single use.
        let again = client
            .complete_authorization(&format!("{REDIRECT}?code={code}&state={state}"))
            .await
            .unwrap_err();
        assert_eq!(again, Error::StateReused);
        assert_eq!(client.accounts().await.unwrap().len(), 1);
    });
}

#[test]
fn a_foreign_state_is_rejected_and_the_flow_goes_on() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        let (_, state) = client.begin_authorization().await.unwrap();
        let err = client
            .complete_authorization(&format!("{REDIRECT}?code=X&state=forged"))
            .await
            .unwrap_err();
        assert_eq!(err.name(), "StateMismatch");
        assert_eq!(client.flow_state().await.unwrap().state, 1);
        assert!(
            world.server.requests.borrow().is_empty(),
            "no code exchanged"
        );
        let code = world.server.issue_code();
        client
            .complete_authorization(&format!("{REDIRECT}?code={code}&state={state}"))
            .await
            .unwrap();
    });
}

#[test]
fn denial_is_state_4_with_the_response() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        let (_, state) = client.begin_authorization().await.unwrap();
        let err = client
            .complete_authorization(&format!(
                "{REDIRECT}?code=null&error=auth_denied&state={state}"
            ))
            .await
            .unwrap_err();
        assert_eq!(err.name(), "AccessDenied");
        let view = client.flow_state().await.unwrap();
        assert_eq!(view.state, 4);
        // TikTok's allowlisted code only, never the raw query.
        assert_eq!(view.error_response.unwrap(), "error=auth_denied");
        assert!(client.accounts().await.unwrap().is_empty());
    });
}

#[test]
fn failed_code_exchange_is_state_5_and_keeps_nothing() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        let (_, state) = client.begin_authorization().await.unwrap();
        let err = client
            .complete_authorization(&format!("{REDIRECT}?code=NOT_ISSUED&state={state}"))
            .await
            .unwrap_err();
        assert_eq!(err.tiktok_code(), Some(36004002));
        let view = client.flow_state().await.unwrap();
        assert_eq!(view.state, 5);
        assert_eq!(
            view.failure_reason,
            Some(FailureReason::TokenExchangeFailed)
        );
        assert!(view.failure_info.unwrap().contains("36004002"));
        assert!(client.accounts().await.unwrap().is_empty());
    });
}

#[test]
fn cancel_window_closed_and_interrupted_are_5_and_reject_late_redirects() {
    for reason in [
        FailureReason::Cancelled,
        FailureReason::WindowClosed,
        FailureReason::Interrupted,
        FailureReason::PageLoadFailed,
    ] {
        block_on(async {
            let world = World::new();
            let client = world.client();
            let (_, state) = client.begin_authorization().await.unwrap();
            let view = if reason == FailureReason::Cancelled {
                client.cancel_authorization().await.unwrap()
            } else {
                client.fail_authorization(reason, "detail").await.unwrap()
            };
            assert_eq!(view.state, 5);
            assert_eq!(view.failure_reason, Some(reason));
            let code = world.server.issue_code();
            let late = client
                .complete_authorization(&format!("{REDIRECT}?code={code}&state={state}"))
                .await
                .unwrap_err();
            assert_eq!(late, Error::StateReused);
            assert!(
                world.server.requests.borrow().is_empty(),
                "the late code is never redeemed"
            );
            assert_eq!(
                client.flow_state().await.unwrap().failure_reason,
                Some(reason)
            );
        });
    }
}

#[test]
fn deadline_reads_as_5_and_a_late_redirect_is_rejected() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        let (_, state) = client.begin_authorization().await.unwrap();
        world.clock.advance_secs(240);
        let view = client.flow_state().await.unwrap();
        assert_eq!(
            (view.state, view.failure_reason),
            (5, Some(FailureReason::TimedOut))
        );
        let code = world.server.issue_code();
        let err = client
            .complete_authorization(&format!("{REDIRECT}?code={code}&state={state}"))
            .await
            .unwrap_err();
        assert_eq!(err, Error::FlowExpired);
        // A later cancel does not turn a timeout into a cancel.
        assert_eq!(
            client.cancel_authorization().await.unwrap().failure_reason,
            Some(FailureReason::TimedOut)
        );
        assert_eq!(client.check_flow_deadline().await.unwrap().state, 5);
    });
}

#[test]
fn the_flow_survives_a_new_client_instance() {
    block_on(async {
        let world = World::new();
        let first = world.client();
        let (_, state) = first.begin_authorization().await.unwrap();
        drop(first);
        // A restarted service worker: a new client over the same store.
        let second = world.client();
        assert_eq!(second.flow_state().await.unwrap().state, 1);
        let code = world.server.issue_code();
        second
            .complete_authorization(&format!("{REDIRECT}?code={code}&state={state}"))
            .await
            .unwrap();
        assert_eq!(second.flow_state().await.unwrap().state, 3);
    });
}

#[test]
fn accounts_are_bound_to_their_app_key() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        let mut stored = world.stored_account();
        stored["appKey"] = "another_app".into();
        world
            .store
            .items
            .borrow_mut()
            .insert(format!("tts:account:{OPEN_ID}"), mine(&stored));
        let summary = &client.accounts().await.unwrap()[0];
        assert_eq!(summary.status, AccountStatus::ReconnectRequired);
        assert!(summary
            .status_reason
            .as_deref()
            .unwrap()
            .contains("another app key"));
        let err = client.shops(OPEN_ID).await.unwrap_err();
        assert_eq!(err.name(), "ReconnectRequired");
        assert_eq!(world.server.api_count.get(), 0);
    });
}

#[test]
fn unreadable_entries_are_listed_as_damaged_and_foreign_ones_skipped_never_deleted() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        world.store.items.borrow_mut().insert(
            "tts:account:broken".into(),
            mine(&serde_json::json!({"schemaVersion": 99})),
        );
        world
            .store
            .items
            .borrow_mut()
            .insert("settings".into(), mine(&serde_json::json!({"appKey": "x"})));
        let accounts = client.accounts().await.unwrap();
        assert_eq!(accounts.len(), 2);
        let broken = accounts.iter().find(|a| a.open_id == "broken").unwrap();
        assert_eq!(broken.status, AccountStatus::Damaged);
        assert!(broken
            .status_reason
            .as_deref()
            .unwrap()
            .contains("schema version 99"));
        assert!(world.store.get_item("tts:account:broken").is_some());
        assert_eq!(
            client
                .export_chilkat_json("broken")
                .await
                .unwrap_err()
                .name(),
            "StorageError"
        );
        assert_eq!(
            client
                .export_chilkat_json("nobody")
                .await
                .unwrap_err()
                .name(),
            "UnknownAccount"
        );
    });
}

#[test]
fn chilkat_export_import_round_trip_and_stale_import_is_refreshed() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        let exported = client.export_chilkat_json(OPEN_ID).await.unwrap();
        let value: serde_json::Value = serde_json::from_str(&exported).unwrap();
        assert_eq!(value["code"], 0);
        assert_eq!(value["data"]["access_token"], world.server.access_token());

        // Import into a fresh world whose server knows the grant: same summary.
        let other = World::new();
        *other.server.grant.borrow_mut() = world.server.grant.borrow().clone();
        let importer = other.client();
        let summary = importer
            .import_chilkat_json(&exported, Default::default())
            .await
            .unwrap()
            .account;
        assert_eq!(summary.open_id, OPEN_ID);
        assert_eq!(
            importer.export_chilkat_json(OPEN_ID).await.unwrap(),
            exported
        );
        assert_eq!(other.server.refresh_count.get(), 0);

        // A stale file: refreshed at once.
        other.clock.advance_secs(8 * 86400);
        let summary = importer
            .import_chilkat_json(&exported, Default::default())
            .await
            .unwrap()
            .account;
        assert_eq!(other.server.refresh_count.get(), 1);
        assert!(summary.access_token_expires_at > other.clock.secs());
        assert!(summary.last_refresh_at.is_some());
        assert_eq!(
            importer
                .import_chilkat_json("not json", Default::default())
                .await
                .unwrap_err()
                .name(),
            "MalformedResponse"
        );
    });
}

#[test]
fn disconnect_removes_and_a_late_refresh_cannot_resurrect() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        world.server.refresh_latency_turns.set(20);
        let (refreshed, disconnected) = futures::join!(client.refresh(OPEN_ID), async {
            fakes::YieldNow(3).await;
            client.disconnect(OPEN_ID).await
        });
        // Disconnect answers at once; the refresh in flight finds the account gone.
        assert_eq!(refreshed.unwrap_err().name(), "UnknownAccount");
        disconnected.unwrap();
        assert!(client.accounts().await.unwrap().is_empty());
        assert_eq!(
            client.refresh(OPEN_ID).await.unwrap_err().name(),
            "UnknownAccount"
        );
    });
}

#[test]
fn one_flow_record_holds_the_runner_and_decides_what_an_orphan_can_finish() {
    use tiktok_shop_connect::flow::{CaptureMode, FlowRunner};
    block_on(async {
        let world = World::new();
        let runner = |mode| FlowRunner {
            capture_mode: mode,
            tab_id: None,
            worker_id: Some("worker-1".to_owned()),
        };
        // A tab capture started by worker-1 records its tab in the same record.
        let first = world.client();
        first
            .begin_authorization_with(runner(CaptureMode::Tab))
            .await
            .unwrap();
        let view = first.set_flow_tab(17).await.unwrap();
        assert_eq!(
            (view.capture_mode.as_deref(), view.tab_id),
            (Some("tab"), Some(17))
        );
        // A later instance (a restarted worker) reads it and keeps it: its redirect comes
        // through the tab.
        let later = world.client();
        let view = later.settle_orphaned_flow("worker-2").await.unwrap();
        assert!(view.pending);
        assert_eq!(view.tab_id, Some(17));

        // A sign-in window flow of worker-1 cannot finish under worker-2: interrupted.
        first
            .begin_authorization_with(runner(CaptureMode::Identity))
            .await
            .unwrap();
        let view = later.settle_orphaned_flow("worker-1").await.unwrap();
        assert!(view.pending, "its own instance can still finish it");
        let view = later.settle_orphaned_flow("worker-2").await.unwrap();
        assert_eq!(
            (view.state, view.failure_reason),
            (5, Some(FailureReason::Interrupted))
        );
        assert!(!view.pending);
    });
}

#[test]
fn a_closed_window_fails_only_its_own_flow() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        let (old_url, _) = client.begin_authorization().await.unwrap();
        client.cancel_authorization().await.unwrap();
        let (new_url, _) = client.begin_authorization().await.unwrap();
        // The old flow's window closes late: the pending (newer) flow stays pending.
        let view = client
            .fail_authorization_of(Some(&old_url), FailureReason::WindowClosed, "")
            .await
            .unwrap();
        assert!(view.pending);
        // Its own window closing fails it, with the reason's words and no detail.
        let view = client
            .fail_authorization_of(Some(&new_url), FailureReason::WindowClosed, "")
            .await
            .unwrap();
        assert_eq!(view.state, 5);
        assert_eq!(
            view.failure_label.as_deref(),
            Some("the TikTok window was closed before authorizing")
        );
        assert_eq!(view.failure_detail, None);
    });
}

#[test]
fn accounts_say_when_a_refresh_is_due() {
    block_on(async {
        let world = World::new();
        let client = world.client();
        world.connect(&client).await;
        let account = client.accounts().await.unwrap().remove(0);
        assert!(!account.refresh_due);
        // Past the due time (half the lifetime at the least, the margin before expiry).
        world
            .clock
            .advance_secs(account.refresh_due_at - world.clock.secs() + 1);
        let account = client.accounts().await.unwrap().remove(0);
        assert!(account.refresh_due, "{account:?}");
        assert!(account.status.refresh_due());
    });
}

//! The client's refresh and API calls against the fake TikTok: one refresh per expiry however
//! many callers, retry once, late 401s, transient refresh failures, and nothing lost on failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod fakes;
use fakes::*;
use futures::channel::oneshot;
use futures::executor::block_on;
use futures::future::join_all;
use tiktok_shop_connect::client::account::AccountStatus;
use tiktok_shop_connect::client::ApiCall;
use tiktok_shop_connect::Error;

fn shops_call() -> &'static ApiCall {
    static CALL: std::sync::OnceLock<ApiCall> = std::sync::OnceLock::new();
    CALL.get_or_init(|| ApiCall {
        path: "/authorization/202309/shops".into(),
        ..ApiCall::default()
    })
}

async fn connected() -> (World, tiktok_shop_connect::client::Client<FakePlatform>) {
    let world = World::new();
    let client = world.client();
    world.connect(&client).await;
    world.server.requests.borrow_mut().clear();
    (world, client)
}

#[test]
fn api_fetch_signs_and_sends_exactly() {
    block_on(async {
        let (world, client) = connected().await;
        let response = client
            .api_fetch(
                OPEN_ID,
                &ApiCall {
                    method: Some("post".into()),
                    path: "/order/202309/orders/search".into(),
                    query: Some([("page_size".to_owned(), "20".to_owned())].into()),
                    body: Some("{\"order_status\":\"UNPAID\"}".into()),
                    shop_cipher: Some("ROW_cipher1".into()),
                    timeout_ms: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        let requests = world.server.requests.borrow().clone();
        let req = &requests[0];
        assert_eq!(req.method.as_str(), "POST");
        let pairs = req.query_pairs();
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["page_size", "app_key", "timestamp", "shop_cipher", "sign"]
        );
        assert_eq!(pairs[2].1, world.clock.secs().to_string());
        assert_eq!(
            req.header("x-tts-access-token"),
            Some(world.server.access_token().as_str())
        );
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.body, b"{\"order_status\":\"UNPAID\"}");
        let shops = client.shops(OPEN_ID).await.unwrap();
        assert_eq!(shops[0].cipher, "ROW_cipher1");
        assert_eq!(shops[0].seller_type, "LOCAL");
    });
}

#[test]
fn server_expired_token_refreshes_once_re_signs_and_retries_once() {
    block_on(async {
        let (world, client) = connected().await;
        let old = world.server.access_token();
        world.server.expire_access();
        world.server.refresh_takes_secs.set(2);
        client.api_fetch(OPEN_ID, shops_call()).await.unwrap();
        assert_eq!(world.server.refresh_count.get(), 1);
        let requests = world.server.requests.borrow();
        assert_eq!(requests.len(), 3, "call, refresh, retry");
        assert_eq!(requests[0].header("x-tts-access-token"), Some(old.as_str()));
        assert!(requests[1].url.contains("/api/v2/token/refresh?"));
        assert_eq!(
            requests[2].header("x-tts-access-token"),
            Some(world.server.access_token().as_str())
        );
        let sign_of = |i: usize| {
            requests[i]
                .query_pairs()
                .into_iter()
                .find(|(k, _)| k == "sign")
                .unwrap()
                .1
        };
        let ts_of = |i: usize| {
            requests[i]
                .query_pairs()
                .into_iter()
                .find(|(k, _)| k == "timestamp")
                .unwrap()
                .1
        };
        assert_eq!(
            ts_of(2),
            world.clock.secs().to_string(),
            "a fresh timestamp"
        );
        assert_ne!(ts_of(0), ts_of(2));
        assert_ne!(sign_of(0), sign_of(2), "re-signed");
        let stored = world.stored_account();
        assert_eq!(stored["tokens"]["accessToken"], world.server.access_token());
        assert!(stored["lastRefreshAt"].is_i64());
    });
}

#[test]
fn fifty_concurrent_calls_with_a_server_expired_token_share_one_refresh() {
    block_on(async {
        let (world, client) = connected().await;
        world.server.expire_access();
        let results = join_all((0..50).map(|_| client.api_fetch(OPEN_ID, shops_call()))).await;
        assert!(
            results.iter().all(Result::is_ok),
            "{:?}",
            results.iter().find(|r| r.is_err())
        );
        assert_eq!(world.server.refresh_count.get(), 1);
        assert_eq!(world.server.api_count.get(), 100, "50 rejected, 50 retried");
    });
}

#[test]
fn fifty_calls_with_a_locally_expired_token_refresh_once_before_sending() {
    block_on(async {
        let (world, client) = connected().await;
        world.clock.advance_secs(7 * 86400);
        let results = join_all((0..50).map(|_| client.api_fetch(OPEN_ID, shops_call()))).await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(world.server.refresh_count.get(), 1);
        assert_eq!(
            world.server.api_count.get(),
            50,
            "no call was sent with the expired token"
        );
    });
}

#[test]
fn an_expiring_token_is_refreshed_proactively() {
    block_on(async {
        let (world, client) = connected().await;
        world.clock.advance_secs(7 * 86400 - 200);
        assert_eq!(
            client.accounts().await.unwrap()[0].status,
            AccountStatus::Expiring
        );
        client.api_fetch(OPEN_ID, shops_call()).await.unwrap();
        assert_eq!(world.server.refresh_count.get(), 1);
        assert_eq!(
            client.accounts().await.unwrap()[0].status,
            AccountStatus::Valid
        );
    });
}

#[test]
fn a_late_401_uses_the_stored_token_and_triggers_no_refresh() {
    block_on(async {
        let (world, client) = connected().await;
        world.server.expire_access();
        // Call A is held after the server decided its answer (a 105002 for the old token).
        let (announce_tx, announce_rx) = oneshot::channel();
        world
            .server
            .hold_next_api
            .borrow_mut()
            .push_back(announce_tx);
        let call_a = client.api_fetch(OPEN_ID, shops_call());
        let call_b_then_release = async {
            let release = announce_rx.await.unwrap();
            // B meets the expired token, refreshes, succeeds.
            client.api_fetch(OPEN_ID, shops_call()).await.unwrap();
            assert_eq!(world.server.refresh_count.get(), 1);
            // Only now does A's 401 arrive.
            release.send(()).unwrap();
        };
        let (a, ()) = futures::join!(call_a, call_b_then_release);
        a.unwrap();
        assert_eq!(
            world.server.refresh_count.get(),
            1,
            "A retried with B's token"
        );
    });
}

#[test]
fn transient_refresh_failures_are_retried_inside_the_shared_refresh() {
    for fault in [
        Fault::Http500,
        Fault::Html,
        Fault::Malformed,
        Fault::NetworkError,
    ] {
        block_on(async {
            let (world, client) = connected().await;
            world.server.expire_access();
            world
                .server
                .refresh_faults
                .borrow_mut()
                .push_back(fault.clone());
            let results = join_all((0..50).map(|_| client.api_fetch(OPEN_ID, shops_call()))).await;
            assert!(
                results.iter().all(Result::is_ok),
                "{fault:?}: {:?}",
                results.iter().find(|r| r.is_err())
            );
            assert_eq!(
                world.server.refresh_count.get(),
                2,
                "{fault:?}: the failed attempt and its one retry"
            );
            assert_eq!(world.server.refresh_success.get(), 1);
            assert_eq!(world.slept_ms.get(), 250, "one short backoff");
        });
    }
}

#[test]
fn a_refresh_that_fails_twice_keeps_the_tokens_and_waiters_share_the_error() {
    block_on(async {
        let (world, client) = connected().await;
        let before = world.stored_account();
        world.server.expire_access();
        world
            .server
            .refresh_faults
            .borrow_mut()
            .extend([Fault::Html, Fault::Html]);
        let results = join_all((0..10).map(|_| client.api_fetch(OPEN_ID, shops_call()))).await;
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Err(Error::MalformedResponse { .. }))),
            "{results:?}"
        );
        assert_eq!(
            world.server.refresh_count.get(),
            2,
            "one shared attempt and its retry, not one per caller"
        );
        let after = world.stored_account();
        assert_eq!(after["tokens"], before["tokens"], "nothing overwritten");
        assert_eq!(after["reconnect"], before["reconnect"]);
        assert_eq!(
            after["refreshInFlight"],
            serde_json::Value::Null,
            "journal cleared"
        );
        // The next call tries again and succeeds.
        client.api_fetch(OPEN_ID, shops_call()).await.unwrap();
        assert_eq!(world.server.refresh_count.get(), 3);
    });
}

#[test]
fn a_revoked_authorization_marks_reconnect_and_keeps_the_tokens() {
    block_on(async {
        let (world, client) = connected().await;
        let before_tokens = world.stored_account()["tokens"].clone();
        world.server.revoke();
        let err = client.api_fetch(OPEN_ID, shops_call()).await.unwrap_err();
        assert_eq!(err.name(), "ReconnectRequired", "{err}");
        assert_eq!(err.tiktok_code(), Some(36004005));
        assert_eq!(
            world.server.refresh_count.get(),
            1,
            "a definitive code is never retried"
        );
        let stored = world.stored_account();
        assert_eq!(stored["tokens"], before_tokens);
        assert_eq!(stored["reconnect"]["code"], 36004005);
        let summary = &client.accounts().await.unwrap()[0];
        assert_eq!(summary.status, AccountStatus::ReconnectRequired);
        assert!(summary
            .status_reason
            .as_deref()
            .unwrap()
            .contains("can not find related auth record"));
        // Later calls fail fast, without the network.
        let calls = world.server.requests.borrow().len();
        assert_eq!(
            client
                .api_fetch(OPEN_ID, shops_call())
                .await
                .unwrap_err()
                .name(),
            "ReconnectRequired"
        );
        assert_eq!(
            client.refresh(OPEN_ID).await.unwrap_err().name(),
            "ReconnectRequired"
        );
        assert_eq!(world.server.requests.borrow().len(), calls);
    });
}

#[test]
fn an_expired_refresh_token_is_reconnect_required() {
    block_on(async {
        let (world, client) = connected().await;
        world
            .server
            .grant
            .borrow_mut()
            .as_mut()
            .unwrap()
            .refresh_expires_at = world.clock.secs() + 3;
        world.server.expire_access();
        world.clock.advance_secs(5);
        let err = client.api_fetch(OPEN_ID, shops_call()).await.unwrap_err();
        assert!(
            matches!(err, Error::ReconnectRequired { code: 36004001, .. }),
            "{err}"
        );
        assert_eq!(
            client.accounts().await.unwrap()[0].status,
            AccountStatus::ReconnectRequired
        );
    });
}

#[test]
fn codes_that_must_not_refresh() {
    let cases = [
        (
            401,
            r#"{"code":106001,"message":"invalid sign","request_id":"r"}"#,
            "TikTokApiError",
        ),
        (
            401,
            r#"{"code":105005,"message":"missing scope seller.order.info","request_id":"r"}"#,
            "MissingPermission",
        ),
        (
            429,
            r#"{"code":36009002,"message":"too many","request_id":"r"}"#,
            "RateLimited",
        ),
        (
            200,
            r#"{"code":36009004,"message":"bad header","request_id":"r"}"#,
            "TikTokApiError",
        ),
        (
            200,
            r#"{"code":101000,"message":"mismatch","request_id":"r"}"#,
            "TikTokApiError",
        ),
        (
            200,
            r#"{"code":106013,"message":"cipher","request_id":"r"}"#,
            "TikTokApiError",
        ),
    ];
    for (status, body, name) in cases {
        block_on(async {
            let (world, client) = connected().await;
            world
                .server
                .api_faults
                .borrow_mut()
                .push_back((status, body.into()));
            let err = client.api_fetch(OPEN_ID, shops_call()).await.unwrap_err();
            assert_eq!(err.name(), name, "{body}");
            assert_eq!(world.server.refresh_count.get(), 0, "{body}");
            assert_eq!(world.server.api_count.get(), 1, "{body}: no retry");
        });
    }
}

#[test]
fn never_loops_when_the_retry_is_rejected_again() {
    block_on(async {
        let (world, client) = connected().await;
        let expired = (
            401,
            r#"{"code":105002,"message":"expired","request_id":"r"}"#.to_owned(),
        );
        world
            .server
            .api_faults
            .borrow_mut()
            .extend([expired.clone(), expired]);
        let err = client.api_fetch(OPEN_ID, shops_call()).await.unwrap_err();
        assert_eq!(err.tiktok_code(), Some(105002));
        assert!(err
            .to_string()
            .contains("still rejected after a token refresh"));
        assert_eq!(world.server.api_count.get(), 2);
        assert_eq!(world.server.refresh_count.get(), 1);
        // A bare 401 with no envelope also refreshes once.
        world
            .server
            .api_faults
            .borrow_mut()
            .push_back((401, "Unauthorized".into()));
        client.api_fetch(OPEN_ID, shops_call()).await.unwrap();
        assert_eq!(world.server.refresh_count.get(), 2);
    });
}

#[test]
fn two_contexts_refreshing_at_once_make_one_refresh() {
    block_on(async {
        let (world, worker) = connected().await;
        let page = world.client();
        world.server.expire_access();
        world.clock.advance_secs(7 * 86400);
        let (a, b) = futures::join!(worker.refresh(OPEN_ID), page.refresh(OPEN_ID));
        a.unwrap();
        b.unwrap();
        assert_eq!(world.server.refresh_count.get(), 1);
        let (a, b) = futures::join!(
            join_all((0..10).map(|_| worker.api_fetch(OPEN_ID, shops_call()))),
            join_all((0..10).map(|_| page.api_fetch(OPEN_ID, shops_call())))
        );
        assert!(a.iter().chain(b.iter()).all(Result::is_ok));
        assert_eq!(world.server.refresh_count.get(), 1);
        assert!(world
            .locks
            .acquisitions
            .borrow()
            .iter()
            .any(|n| n == &format!("tts:refresh:{OPEN_ID}")));
    });
}

#[test]
fn rotation_stores_the_new_refresh_token_with_both_expiries_in_one_write() {
    block_on(async {
        let (world, client) = connected().await;
        world.server.rotate.set(true);
        let old_refresh = world.server.refresh_token();
        let log_start = world.store.log.borrow().len();
        client.refresh(OPEN_ID).await.unwrap();
        let key = format!("tts:account:{OPEN_ID}");
        let account_writes: Vec<serde_json::Value> = world.store.log.borrow()[log_start..]
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| theirs(v.as_ref().unwrap()))
            .collect();
        assert_eq!(account_writes.len(), 2, "the journal, then the new tokens");
        assert_eq!(account_writes[0]["tokens"]["refreshToken"], old_refresh);
        assert!(account_writes[0]["refreshInFlight"].is_object());
        assert_eq!(
            account_writes[1]["refreshInFlight"],
            serde_json::Value::Null
        );
        let stored = world.stored_account();
        assert_ne!(stored["tokens"]["refreshToken"], old_refresh);
        assert_eq!(
            stored["tokens"]["refreshToken"],
            world.server.refresh_token()
        );
        assert_eq!(
            stored["tokens"]["accessTokenExpiresAt"],
            world.clock.secs() + 7 * 86400
        );
        assert_eq!(stored["tokens"]["refreshTokenExpiresAt"], 4_841_467_787_i64);
        // Explicit refreshes from several callers at once: one request.
        let results = join_all((0..5).map(|_| client.refresh(OPEN_ID))).await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(world.server.refresh_count.get(), 2);
    });
}

#[test]
fn a_failed_store_write_loses_nothing() {
    block_on(async {
        let (world, client) = connected().await;
        let before = world.stored_account();
        world.store.fail_writes.set(true);
        let err = client.refresh(OPEN_ID).await.unwrap_err();
        assert_eq!(err.name(), "TokensNotSaved");
        assert_eq!(world.stored_account(), before);
    });
}

#[test]
fn signs_with_server_time() {
    block_on(async {
        let (world, client) = connected().await;
        // The server's clock is 100 s behind: local timestamps are too far ahead (> 30 s).
        world.server.server_skew_secs.set(-100);
        let fresh = world.client();
        fresh.api_fetch(OPEN_ID, shops_call()).await.unwrap();
        assert_eq!(
            world.server.api_count.get(),
            2,
            "rejected once, then signed with the server's time"
        );
        fresh.api_fetch(OPEN_ID, shops_call()).await.unwrap();
        assert_eq!(world.server.api_count.get(), 3, "the offset is kept");
        let last = world.server.requests.borrow().last().unwrap().query_pairs();
        let ts: i64 = last
            .iter()
            .find(|(k, _)| k == "timestamp")
            .unwrap()
            .1
            .parse()
            .unwrap();
        assert_eq!(ts, world.clock.secs() - 100);
        drop(client);
    });
}

#[test]
fn errors_never_carry_the_secret_or_tokens() {
    block_on(async {
        let (world, client) = connected().await;
        let access = world.server.access_token();
        let refresh = world.server.refresh_token();
        world.server.expire_access();
        world
            .server
            .refresh_faults
            .borrow_mut()
            .extend([Fault::Html, Fault::NetworkError]);
        let err = client.api_fetch(OPEN_ID, shops_call()).await.unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(APP_SECRET), "{text}");
            assert!(!text.contains(&refresh), "{text}");
            assert!(!text.contains(&access), "{text}");
        }
        assert!(format!("{err:?}").contains("[redacted]"), "{err:?}");
        // An API body that echoes the token.
        world.server.api_faults.borrow_mut().push_back((
            500,
            format!("<html>bad token {access} / {APP_SECRET}</html>"),
        ));
        world.server.refresh_faults.borrow_mut().clear();
        let err = client.api_fetch(OPEN_ID, shops_call()).await.unwrap_err();
        let text = format!("{err:?} {err}");
        assert!(
            !text.contains(APP_SECRET) && !text.contains(&access),
            "{text}"
        );
    });
}

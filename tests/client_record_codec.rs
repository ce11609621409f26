//! The stored account's hand-written reader and writer agree with its derived serde impls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::{json, Value};
use tiktok_shop_connect::client::account::StoredAccount;

#[test]
fn stored_accounts_read_and_write_as_the_derived_serde_impls_do() {
    let base = json!({"schemaVersion":2,"generation":7,"appKey":"k","region":"row",
      "tokens":{"accessToken":"A","accessTokenExpiresAt":1700000000,"refreshToken":"R","refreshTokenExpiresAt":1800000000,
        "openId":"o","sellerName":"Shop","sellerBaseRegion":"GB","userType":0,"grantedScopes":["a","b"],
        "scopesField":"grantedPermissions","requestId":"r1","message":"success","extraData":{"x":1},"extraEnvelope":{"y":[1,2]}},
      "connectedAt":1,"tokensReceivedAt":2,"lastRefreshAt":null,
      "reconnect":{"code":36004001,"message":"m","at":5,"kind":"refreshInterrupted"},
      "refreshInFlight":{"startedAt":9}});
    let variants: Vec<Value> = vec![
        base.clone(),
        {
            let mut v = base.clone();
            v["reconnect"] = Value::Null;
            v["refreshInFlight"] = Value::Null;
            v["tokens"]["requestId"] = Value::Null;
            v
        },
        {
            let mut v = base.clone();
            v["reconnect"]["kind"] = Value::Null;
            v["reconnect"]["code"] = Value::Null;
            v
        },
        {
            let mut v = base.clone();
            v.as_object_mut().unwrap().remove("generation");
            v["schemaVersion"] = json!(1);
            v
        },
        {
            let mut v = base.clone();
            v["tokens"].as_object_mut().unwrap().remove("scopesField");
            v["tokens"].as_object_mut().unwrap().remove("message");
            v
        },
        {
            let mut v = base.clone();
            v["tokens"]["userType"] = json!("x");
            v
        },
        {
            let mut v = base.clone();
            v["tokens"].as_object_mut().unwrap().remove("openId");
            v
        },
        {
            let mut v = base.clone();
            v["tokens"]["sellerName"] = Value::Null;
            v
        },
        {
            let mut v = base.clone();
            v["generation"] = Value::Null;
            v
        },
        {
            let mut v = base.clone();
            v["reconnect"]["kind"] = json!("nope");
            v
        },
    ];
    for v in variants {
        let derived: Result<StoredAccount, _> = serde_json::from_value(v.clone());
        let mine = StoredAccount::from_value(serde_json::from_value(v.clone()).unwrap());
        assert_eq!(derived.is_ok(), mine.is_ok());
        if let (Ok(mut d), Ok(m)) = (derived, mine) {
            if d.schema_version == 1 {
                d.tokens_received_at = d.last_refresh_at.or(Some(d.connected_at));
            }
            assert_eq!(d, m);
            assert_eq!(
                serde_json::to_value(&m).unwrap(),
                serde_json::to_value(m.to_value().unwrap()).unwrap()
            );
        }
    }
}

#[test]
fn shops_read_as_the_derived_deserialize_reads_them() {
    use tiktok_shop_connect::client::account::Shop;
    use tiktok_shop_connect::client::parse_shops;
    let cases = [
        json!([{"cipher":"c","code":"C","id":"1","name":"N","region":"GB","sellerType":"LOCAL","x":5}]),
        json!([{"seller_type":"CROSS_BORDER"}, {}]),
        json!([{"sellerType":"A","seller_type":"B"}]),
        json!([{"name":null}]),
        json!([{"id":7}]),
        json!([["c", "C", "1"]]),
        json!([["c", "C", "1", "N", "GB", "L", "extra"]]),
        json!([5]),
        json!({"a":1}),
        json!([]),
    ];
    for shops in cases {
        let derived: Result<Vec<Shop>, _> = serde_json::from_value(shops.clone());
        let body = json!({"code":0,"message":"ok","data":{"shops":shops}}).to_string();
        let mine = parse_shops(200, body.as_bytes());
        assert_eq!(derived.ok(), mine.ok(), "{shops}");
    }
}

//! `{:?}` and `to_string()` of every public type and error never show the secret or a token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use tiktok_shop_connect::authorize::parse_redirect;
use tiktok_shop_connect::chilkat::export_chilkat_json;
use tiktok_shop_connect::config::{Config, EndpointOverrides, Region};
use tiktok_shop_connect::error::{redact_values, snippet, MalformedKind};
use tiktok_shop_connect::flow::AuthFlow;
use tiktok_shop_connect::http::{HttpResponse, Method};
use tiktok_shop_connect::secret::{AccessToken, AppSecret, AuthCode, RefreshToken};
use tiktok_shop_connect::signing::{build_signed_request, ApiRequest};
use tiktok_shop_connect::token::{
    parse_envelope, parse_token_response, token_get_request, token_refresh_request,
};
use tiktok_shop_connect::Error;

const SECRET: &str = "SENTINEL_APP_SECRET_9f2";
const ACCESS: &str = "SENTINEL_ACCESS_TOKEN_7c1";
const REFRESH: &str = "SENTINEL_REFRESH_TOKEN_3e8";
const CODE: &str = "SENTINEL_AUTH_CODE_5a4";
const SENTINELS: [&str; 4] = [SECRET, ACCESS, REFRESH, CODE];

fn assert_clean(what: &str, text: &str) {
    for s in SENTINELS {
        assert!(!text.contains(s), "{what} leaks {s}: {text}");
    }
}

fn token_body() -> String {
    format!(
        r#"{{"code":0,"message":"success","data":{{"access_token":"{ACCESS}","access_token_expire_in":1,"refresh_token":"{REFRESH}","refresh_token_expire_in":2,"open_id":"o"}},"request_id":"r"}}"#
    )
}

#[test]
fn secret_newtypes_are_redacted() {
    assert_eq!(
        format!("{:?}", AppSecret::new(SECRET)),
        "AppSecret([redacted])"
    );
    assert_eq!(
        format!("{:?}", AccessToken::new(ACCESS)),
        "AccessToken([redacted])"
    );
    assert_eq!(
        format!("{:?}", RefreshToken::new(REFRESH)),
        "RefreshToken([redacted])"
    );
    assert_eq!(format!("{:?}", AuthCode::new(CODE)), "AuthCode([redacted])");
}

#[test]
fn public_types_do_not_leak_in_debug() {
    let config = Config::new(
        "key",
        AppSecret::new(SECRET),
        "svc",
        Region::Us,
        &EndpointOverrides::default(),
    )
    .unwrap();
    assert_clean("Config", &format!("{config:?}"));
    let tokens = parse_token_response(200, token_body().as_bytes()).unwrap();
    assert_clean("TokenSet", &format!("{tokens:?}"));
    assert_clean(
        "token get request",
        &format!("{:?}", token_get_request(&config, &AuthCode::new(CODE))),
    );
    assert_clean(
        "token refresh request",
        &format!(
            "{:?}",
            token_refresh_request(&config, &RefreshToken::new(REFRESH))
        ),
    );
    let signed = build_signed_request(
        &config,
        &AccessToken::new(ACCESS),
        &ApiRequest::get("/a/202309/b"),
        1,
    )
    .unwrap();
    assert_clean("signed request", &format!("{signed:?}"));
    // A query put in the path (refused) is not quoted back with its token.
    let refused = build_signed_request(
        &config,
        &AccessToken::new(ACCESS),
        &ApiRequest::get(&format!("/a/202309/b?access_token={ACCESS}&x=1")),
        1,
    )
    .unwrap_err();
    assert_clean("refused path", &refused.to_string());
    assert!(refused.to_string().contains("/a/202309/b?"), "{refused}");
    assert_clean(
        "response",
        &format!("{:?}", HttpResponse::new(200, token_body())),
    );
    let code = parse_redirect(
        &format!("https://x.chromiumapp.org/?code={CODE}&state=s"),
        "https://x.chromiumapp.org/",
        "s",
    )
    .unwrap();
    assert_clean("AuthorizationCode", &format!("{code:?}"));
    let flow = AuthFlow::new();
    assert_clean("AuthFlow", &format!("{flow:?}"));
    // The export is the one place tokens are meant to be written out.
    assert!(export_chilkat_json(&tokens).contains(ACCESS));
    let _ = Method::Get;
}

/// TikTok's JSON kept as it came (the envelope, fields of a token response this version does not
/// know, any `json::Value`) shows in `{:?}` with the values of secret-bearing keys blanked, the
/// rest as it is.
#[test]
fn kept_json_is_scrubbed_in_debug() {
    let envelope = parse_envelope(200, token_body().as_bytes()).unwrap();
    assert_clean("Envelope", &format!("{envelope:?}"));
    let body = format!(
        r#"{{"code":0,"message":"success","data":{{"access_token":"{ACCESS}","access_token_expire_in":1,"refresh_token":"{REFRESH}","refresh_token_expire_in":2,"open_id":"o","id_token":"{ACCESS}","shop_hint":"visible_hint"}},"request_id":"r","next":{{"refresh_token_v2":"{REFRESH}"}}}}"#
    );
    let tokens = parse_token_response(200, body.as_bytes()).unwrap();
    let shown = format!("{tokens:?}");
    assert_clean("TokenSet with unknown fields", &shown);
    assert!(shown.contains("visible_hint"), "{shown}");
    assert!(shown.contains("id_token"), "{shown}");
    let envelope = parse_envelope(200, body.as_bytes()).unwrap();
    let shown = format!("{envelope:?}");
    assert_clean("Envelope with unknown fields", &shown);
    assert!(
        shown.contains("visible_hint") && shown.contains("\"code\":0"),
        "{shown}"
    );
    // The mechanism itself: any holder of a JSON value or object that derives `Debug`.
    let value = tiktok_shop_connect::json::from_str(&body).unwrap();
    assert_clean("json::Value", &format!("{value:?}"));
    assert_clean("json::Map", &format!("{:?}", value.as_object().unwrap()));
    assert!(format!("{value:?}").contains("visible_hint"));
    // The values themselves are untouched: only their Debug is scrubbed.
    assert!(tokens.extra_data.to_json().contains(ACCESS));
}

#[test]
fn errors_from_bodies_that_echo_secrets_do_not_leak() {
    let url_echo = format!("<html>GET /api/v2/token/refresh?app_key=k&app_secret={SECRET}&refresh_token={REFRESH}</html>");
    let json_echo =
        format!(r#"{{"code":0,"data":{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}""#);
    let wrong_type = format!(
        r#"{{"code":0,"data":{{"access_token":"{ACCESS}","access_token_expire_in":"{REFRESH}","refresh_token":"{REFRESH}","refresh_token_expire_in":1,"open_id":"o"}}}}"#
    );
    let code_string = format!(r#"{{"code":"{ACCESS}","data":{{}}}}"#);
    for body in [
        url_echo,
        json_echo,
        wrong_type,
        token_body().replace("\"code\":0", "\"code\":\"0\""),
    ] {
        let err = parse_token_response(502, body.as_bytes()).unwrap_err();
        assert_clean("Display", &err.to_string());
        assert_clean("Debug", &format!("{err:?}"));
    }
    // Where a secret sits in a place no key names, the client's exact-value redaction removes it.
    let err = parse_token_response(200, code_string.as_bytes())
        .unwrap_err()
        .redacted(&SENTINELS);
    assert_clean("redacted Debug", &format!("{err:?}"));
}

#[test]
fn every_error_variant_redacts_known_values() {
    let t = |s: &str| {
        format!(
            "text with {s} and {}",
            tiktok_shop_connect::http::encode_component(s)
        )
    };
    let all = vec![
        Error::InvalidConfig(t(SECRET)),
        Error::InvalidInput(t(ACCESS)),
        Error::AccessDenied {
            error: t(CODE),
            error_response: t(CODE),
        },
        Error::StateMismatch { found: "differs" },
        Error::StateReused,
        Error::FlowNotPending,
        Error::FlowExpired,
        Error::InvalidRedirect(t(CODE)),
        Error::TikTokApi {
            code: 1,
            message: t(SECRET),
            request_id: Some(t(ACCESS)),
            http_status: 500,
        },
        Error::ReconnectRequired {
            code: 36004001,
            message: t(REFRESH),
            request_id: None,
        },
        Error::MissingPermission {
            scope: Some("a.b".into()),
            message: t(ACCESS),
            request_id: None,
        },
        Error::RateLimited {
            message: t(ACCESS),
            request_id: None,
        },
        Error::Network(t(SECRET)),
        Error::MalformedResponse {
            http_status: 502,
            kind: MalformedKind::Html,
            detail: t(SECRET),
            snippet: t(REFRESH),
        },
        Error::UnknownAccount(t(ACCESS)),
        Error::Storage(t(REFRESH)),
    ];
    for err in all {
        let name = err.name();
        let clean = err.redacted(&SENTINELS);
        assert_eq!(clean.name(), name);
        assert_clean(name, &clean.to_string());
        assert_clean(name, &format!("{clean:?}"));
        assert!(!clean.to_string().is_empty());
    }
}

#[test]
fn snippet_and_redaction_helpers() {
    let s = snippet(format!("app_secret={SECRET}&x=1 \"access_token\": \"{ACCESS}\"").as_bytes());
    assert_eq!(
        s,
        "app_secret=[redacted]&x=1 \"access_token\": \"[redacted]\""
    );
    assert_eq!(
        redact_values(&format!("a{SECRET}b"), &[SECRET]),
        "a[redacted]b"
    );
    assert_eq!(
        redact_values("short ab", &["ab"]),
        "short ab",
        "tiny values are not treated as secrets"
    );
    let long = snippet(&vec![b'x'; 10_000]);
    assert_eq!(long.chars().count(), 161);
    assert!(long.ends_with('…'));
    assert_eq!(snippet(&[0xff, 0xfe, b'\n', b'a']), "\u{fffd}\u{fffd} a");
}

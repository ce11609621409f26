//! Token requests (exact), the token model, every error form, and Chilkat's file format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{fixture, fixture_text};

use tiktok_shop_connect::chilkat::{export_chilkat_json, import_chilkat_json};
use tiktok_shop_connect::config::{Config, EndpointOverrides, Region};
use tiktok_shop_connect::error::MalformedKind;
use tiktok_shop_connect::http::Method;
use tiktok_shop_connect::secret::{AppSecret, AuthCode, RefreshToken};
use tiktok_shop_connect::token::{
    parse_token_response, token_get_request, token_refresh_request, ScopesField, UserType,
};
use tiktok_shop_connect::Error;

fn config() -> Config {
    Config::new(
        "app+key/1",
        AppSecret::new("s3cr&t=x"),
        "svc",
        Region::Us,
        &EndpointOverrides::default(),
    )
    .unwrap()
}

#[test]
fn token_get_request_is_exact() {
    let req = token_get_request(&config(), &AuthCode::new("TTP_code+/="));
    assert_eq!(req.method, Method::Get);
    assert_eq!(
        req.url,
        "https://auth.tiktok-shops.com/api/v2/token/get?app_key=app%2Bkey%2F1&app_secret=s3cr%26t%3Dx&auth_code=TTP_code%2B%2F%3D&grant_type=authorized_code"
    );
    assert!(
        req.headers.is_empty(),
        "no headers: a simple request, no CORS preflight"
    );
    assert!(req.body.is_empty());
    assert_eq!(
        req.query_pairs(),
        vec![
            ("app_key".to_owned(), "app+key/1".to_owned()),
            ("app_secret".to_owned(), "s3cr&t=x".to_owned()),
            ("auth_code".to_owned(), "TTP_code+/=".to_owned()),
            ("grant_type".to_owned(), "authorized_code".to_owned()),
        ]
    );
}

#[test]
fn token_refresh_request_is_exact_and_honours_overrides() {
    let cfg = Config::new(
        "k",
        AppSecret::new("s"),
        "svc",
        Region::RestOfWorld,
        &EndpointOverrides {
            token_refresh: Some("http://127.0.0.1:4010/api/v2/token/refresh".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let req = token_refresh_request(&cfg, &RefreshToken::new("NTUx"));
    assert_eq!(req.method, Method::Get);
    assert_eq!(
        req.url,
        "http://127.0.0.1:4010/api/v2/token/refresh?app_key=k&app_secret=s&refresh_token=NTUx&grant_type=refresh_token"
    );
    assert!(req.headers.is_empty());
}

#[test]
fn request_debug_hides_the_secret_and_tokens() {
    let req = token_refresh_request(&config(), &RefreshToken::new("REFRESH_SENTINEL"));
    let shown = format!("{req:?}");
    assert!(!shown.contains("s3cr"), "{shown}");
    assert!(!shown.contains("REFRESH_SENTINEL"), "{shown}");
    assert!(shown.contains("app_secret=[redacted]"), "{shown}");
}

#[test]
fn seed_response_parses_with_absolute_times_beyond_u32() {
    let t = parse_token_response(200, &fixture("seed_tiktok_shops.json")).unwrap();
    assert_eq!(t.access_token.secret(), "GCP_3n......");
    assert_eq!(t.access_token_expires_at, 1722342011);
    assert_eq!(t.refresh_token.secret(), "GCP_hA......");
    assert_eq!(t.refresh_token_expires_at, 4841467787);
    assert!(t.refresh_token_expires_at > i64::from(u32::MAX));
    assert_eq!(t.open_id, "_VIz.......");
    assert_eq!(t.seller_name, "****");
    assert_eq!(t.seller_base_region, "GB");
    assert_eq!(t.user_type(), UserType::Seller);
    assert_eq!(t.granted_scopes.len(), 8);
    assert_eq!(t.granted_scopes[0], "seller.authorization.info");
    assert_eq!(t.request_id.as_deref(), Some("20240723......"));
    assert!(t.extra_data.is_empty() && t.extra_envelope.is_empty());
}

#[test]
fn documented_sample_parses() {
    let t = parse_token_response(200, &fixture("documented_sample.json")).unwrap();
    assert_eq!(t.open_id, "7010736057180325637");
    assert_eq!(t.seller_name, "Jjj test shop");
    assert_eq!(t.seller_base_region, "ID");
    assert_eq!(t.access_token_expires_at, 1660556783);
    assert_eq!(t.refresh_token_expires_at, 1691487031);
    assert_eq!(
        t.granted_scopes,
        vec!["seller.authorization.info", "seller.shop.info"]
    );
    assert_eq!(
        t.request_id.as_deref(),
        Some("2022080809462301024509910319695C45")
    );
}

#[test]
fn granted_permissions_accepted_missing_scopes_fine_unknown_fields_kept() {
    let t = parse_token_response(200, &fixture("granted_permissions.json")).unwrap();
    assert_eq!(t.granted_scopes, vec!["seller.shop.info"]);
    assert_eq!(t.scopes_field, ScopesField::GrantedPermissions);
    assert_eq!(t.user_type(), UserType::Creator);

    let t = parse_token_response(200, &fixture("no_scopes_unknown_fields.json")).unwrap();
    assert!(t.granted_scopes.is_empty());
    assert_eq!(t.scopes_field, ScopesField::Absent);
    assert_eq!(t.user_type(), UserType::Partner);
    assert_eq!(t.extra_data["new_field"]["nested"][2], 3);
    assert_eq!(t.extra_data["shop_count"], 2);
    assert_eq!(t.extra_envelope["trace"], "abc");
    assert_eq!(t.extra_envelope["extra_top"][0], true);
}

#[test]
fn tiktok_error_codes_keep_code_message_request_id_and_status() {
    let cases = [
        (
            "error_refresh_expired.json",
            36004001,
            "rt has expired",
            "2024072312000001ERRRT",
        ),
        (
            "error_auth_record.json",
            36004005,
            "can not find related auth record",
            "2024072312000002ERRAR",
        ),
        (
            "error_invalid_code.json",
            36004002,
            "invalid auth code",
            "2024072312000003ERRAC",
        ),
    ];
    for (file, code, message, request_id) in cases {
        let err = parse_token_response(200, &fixture(file)).unwrap_err();
        assert_eq!(
            err,
            Error::TikTokApi {
                code,
                message: message.into(),
                request_id: Some(request_id.into()),
                http_status: 200
            },
            "{file}"
        );
        assert_eq!(err.name(), "TikTokApiError");
        assert_eq!(err.tiktok_code(), Some(code));
        assert_eq!(err.request_id(), Some(request_id));
        assert!(err.to_string().contains(&code.to_string()));
    }
}

fn malformed_kind(status: u16, body: &[u8]) -> (MalformedKind, String, String) {
    match parse_token_response(status, body).unwrap_err() {
        Error::MalformedResponse {
            kind,
            detail,
            snippet,
            http_status,
        } => {
            assert_eq!(http_status, status);
            (kind, detail, snippet)
        }
        other => panic!("expected MalformedResponse, got {other:?}"),
    }
}

#[test]
fn html_page_is_a_typed_error_with_a_secret_free_snippet() {
    let (kind, _, snippet) = malformed_kind(502, &fixture("html_error_page.html"));
    assert_eq!(kind, MalformedKind::Html);
    assert!(snippet.starts_with("<!DOCTYPE html>"), "{snippet}");
    assert!(snippet.chars().count() <= 161);
    assert!(!snippet.contains("SENTINEL"), "{snippet}");
}

#[test]
fn every_malformed_form_is_typed() {
    let cases: [(&str, MalformedKind, &str); 5] = [
        ("truncated.json", MalformedKind::TruncatedJson, "ends at"),
        ("empty_body.txt", MalformedKind::EmptyBody, ""),
        (
            "missing_data.json",
            MalformedKind::UnexpectedShape,
            "\"data\" is missing",
        ),
        (
            "wrong_types.json",
            MalformedKind::UnexpectedShape,
            "data.access_token_expire_in is not a number",
        ),
        (
            "code_as_string.json",
            MalformedKind::UnexpectedShape,
            "\"code\" is a string",
        ),
    ];
    for (file, want_kind, want_detail) in cases {
        let (kind, detail, snippet) = malformed_kind(200, &fixture(file));
        assert_eq!(kind, want_kind, "{file}");
        assert!(detail.contains(want_detail), "{file}: {detail}");
        assert!(!snippet.contains("SENTINEL"), "{file}: {snippet}");
    }
    let more: [(&[u8], MalformedKind); 10] = [
        (b"   \n", MalformedKind::EmptyBody),
        (b"not json", MalformedKind::NotJson),
        // Not UTF-8: not JSON, unless cut inside a string (a body truncated inside a character).
        (b"{\"code\":0,\"message\":\"\xff\"}", MalformedKind::NotJson),
        (b"{\"code\":\xff}", MalformedKind::NotJson),
        (
            b"{\"code\":0,\"message\":\"\xe5\x95",
            MalformedKind::TruncatedJson,
        ),
        (
            b"{\"code\":0,\"message\":\"\xff",
            MalformedKind::TruncatedJson,
        ),
        (b"[1,2]", MalformedKind::UnexpectedShape),
        (b"{\"message\":\"x\"}", MalformedKind::UnexpectedShape),
        (b"{\"code\":0,\"data\":[]}", MalformedKind::UnexpectedShape),
        (b"{\"code\":1.5}", MalformedKind::UnexpectedShape),
    ];
    for (body, want) in more {
        assert_eq!(
            malformed_kind(200, body).0,
            want,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn five_megabyte_body_is_handled_with_a_short_snippet() {
    let mut body = b"{\"code\":0,\"data\":{\"access_token\":\"".to_vec();
    body.extend(std::iter::repeat_n(b'A', 5 * 1024 * 1024));
    // Truncated: no closing quote.
    let (kind, _, snippet) = malformed_kind(200, &body);
    assert_eq!(kind, MalformedKind::TruncatedJson);
    assert!(snippet.chars().count() <= 161);
    assert!(
        !snippet.contains("AAAA"),
        "the token value is blanked: {snippet}"
    );

    // A complete 5 MB response with a huge unknown field still parses.
    let mut ok = br#"{"code":0,"message":"success","data":{"access_token":"a","access_token_expire_in":1,"refresh_token":"r","refresh_token_expire_in":2,"open_id":"o","blob":""#.to_vec();
    ok.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    ok.extend(b"\"}}");
    let t = parse_token_response(200, &ok).unwrap();
    assert_eq!(
        t.extra_data["blob"].as_str().unwrap().len(),
        5 * 1024 * 1024
    );
}

#[test]
fn chilkat_round_trip_keeps_everything() {
    for file in [
        "seed_tiktok_shops.json",
        "documented_sample.json",
        "granted_permissions.json",
        "no_scopes_unknown_fields.json",
    ] {
        let original: serde_json::Value = serde_json::from_slice(&fixture(file)).unwrap();
        let tokens = import_chilkat_json(&fixture_text(file)).unwrap();
        let exported = export_chilkat_json(&tokens);
        let round: serde_json::Value = serde_json::from_str(&exported).unwrap();
        assert_eq!(round, original, "{file}");
        // Pretty-printed like Chilkat's EmitCompact = false.
        assert!(exported.contains("\n  \"data\": {"), "{exported}");
        // And importing the export gives the same model.
        assert_eq!(import_chilkat_json(&exported).unwrap(), tokens);
    }
}

#[test]
fn chilkat_import_of_an_error_file_says_so() {
    let err = import_chilkat_json(&fixture_text("error_refresh_expired.json")).unwrap_err();
    assert_eq!(err.name(), "InvalidInput");
    assert!(err.to_string().contains("36004001"));
    assert_eq!(
        import_chilkat_json("{").unwrap_err().name(),
        "MalformedResponse"
    );
}

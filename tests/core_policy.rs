//! The refresh policy: token status over time, and API answers classified by exact code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::fixture;

use tiktok_shop_connect::policy::{
    classify_api_response, classify_refresh_error, scope_in_message, token_status, ApiOutcome,
    TokenStatus,
};
use tiktok_shop_connect::token::parse_token_response;
use tiktok_shop_connect::Error;

#[test]
fn token_status_over_time() {
    let t = parse_token_response(200, &fixture("seed_tiktok_shops.json")).unwrap();
    let at = t.access_token_expires_at;
    assert_eq!(token_status(&t, at - 301, 300), TokenStatus::Valid);
    assert_eq!(token_status(&t, at - 300, 300), TokenStatus::ExpiringSoon);
    assert_eq!(token_status(&t, at - 1, 300), TokenStatus::ExpiringSoon);
    assert_eq!(token_status(&t, at, 300), TokenStatus::AccessTokenExpired);
    assert_eq!(
        token_status(&t, t.refresh_token_expires_at, 300),
        TokenStatus::RefreshTokenExpired
    );
    assert_eq!(token_status(&t, at - 1, 0), TokenStatus::Valid);
    assert!(
        TokenStatus::ExpiringSoon.needs_refresh()
            && TokenStatus::AccessTokenExpired.needs_refresh()
    );
    assert!(
        !TokenStatus::Valid.needs_refresh() && !TokenStatus::RefreshTokenExpired.needs_refresh()
    );
}

#[test]
fn success_and_refreshable_codes() {
    assert_eq!(
        classify_api_response(200, &fixture("api_shops_success.json")),
        ApiOutcome::Success
    );
    assert_eq!(
        classify_api_response(401, &fixture("api_access_expired.json")),
        ApiOutcome::RefreshAndRetry { code: Some(105002) }
    );
    // 105001 comes with HTTP 200: the body decides.
    assert_eq!(
        classify_api_response(200, &fixture("api_access_invalid.json")),
        ApiOutcome::RefreshAndRetry { code: Some(105001) }
    );
    // A 401 with no readable envelope refreshes once.
    for body in [&b""[..], b"<html>401</html>", b"{\"oops\"", b"Unauthorized"] {
        assert_eq!(
            classify_api_response(401, body),
            ApiOutcome::RefreshAndRetry { code: None }
        );
    }
}

fn failed(status: u16, file: &str) -> Error {
    match classify_api_response(status, &fixture(file)) {
        ApiOutcome::Fail(e) => e,
        other => panic!("{file}: expected Fail, got {other:?}"),
    }
}

#[test]
fn a_401_alone_never_decides() {
    // 106001 arrives as HTTP 401 and must not refresh.
    let e = failed(401, "api_invalid_sign.json");
    assert_eq!(
        e,
        Error::TikTokApi {
            code: 106001,
            message: "Invalid credentials. sign is invalid".into(),
            request_id: Some("REQ_106001".into()),
            http_status: 401
        }
    );
    for (file, code) in [
        ("api_invalid_request.json", 36009004),
        ("api_shop_mismatch.json", 101000),
        ("api_missing_cipher.json", 106013),
    ] {
        let e = failed(200, file);
        assert_eq!(e.name(), "TikTokApiError", "{file}");
        assert_eq!(e.tiktok_code(), Some(code));
    }
}

#[test]
fn missing_permission_names_the_scope() {
    let e = failed(401, "api_missing_scope.json");
    assert_eq!(
        e,
        Error::MissingPermission {
            scope: Some("seller.order.info".into()),
            message: "Access denied. The app needs the scope seller.order.info to call this API"
                .into(),
            request_id: Some("REQ_105005".into())
        }
    );
    assert!(
        e.to_string()
            .contains("missing permission seller.order.info"),
        "{e}"
    );
    assert_eq!(scope_in_message("no scope here."), None);
    assert_eq!(
        scope_in_message("Missing: seller.product.write."),
        Some("seller.product.write".into())
    );
    assert_eq!(
        scope_in_message("see docs.tiktok or v1.2"),
        Some("docs.tiktok".into())
    );
}

#[test]
fn rate_limit_and_reconnect() {
    let e = failed(429, "api_rate_limited.json");
    assert_eq!(e.name(), "RateLimited");
    assert_eq!(e.request_id(), Some("REQ_36009002"));
    assert_eq!(
        classify_api_response(429, b"Too Many Requests"),
        ApiOutcome::Fail(Error::RateLimited {
            message: "HTTP 429".into(),
            request_id: None
        })
    );
    for (file, code) in [
        ("error_refresh_expired.json", 36004001),
        ("error_auth_record.json", 36004005),
    ] {
        let raw = parse_token_response(200, &fixture(file)).unwrap_err();
        let e = classify_refresh_error(raw);
        assert_eq!(e.name(), "ReconnectRequired");
        assert_eq!(e.tiktok_code(), Some(code));
        assert!(!e.is_transient());
    }
    let other = classify_refresh_error(
        parse_token_response(200, &fixture("error_invalid_code.json")).unwrap_err(),
    );
    assert_eq!(other.name(), "TikTokApiError");
}

#[test]
fn transient_errors() {
    assert!(parse_token_response(502, &fixture("html_error_page.html"))
        .unwrap_err()
        .is_transient());
    assert!(Error::Network("reset".into()).is_transient());
    assert!(Error::TikTokApi {
        code: 1,
        message: "x".into(),
        request_id: None,
        http_status: 503
    }
    .is_transient());
    assert!(!Error::TikTokApi {
        code: 36004002,
        message: "x".into(),
        request_id: None,
        http_status: 200
    }
    .is_transient());
}

#[test]
fn other_http_errors_without_envelope_fail_typed() {
    match classify_api_response(500, b"<html>boom</html>") {
        ApiOutcome::Fail(Error::MalformedResponse {
            http_status: 500, ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn dates_in_messages() {
    use tiktok_shop_connect::error::utc_minutes;
    assert_eq!(utc_minutes(0), "1970-01-01 00:00 UTC");
    assert_eq!(utc_minutes(1_800_000_000), "2027-01-15 08:00 UTC");
    assert_eq!(utc_minutes(253_402_300_799), "9999-12-31 23:59 UTC");
    assert_eq!(utc_minutes(951_782_400), "2000-02-29 00:00 UTC");
}

#[test]
fn the_margin_never_makes_a_token_due_before_half_its_life() {
    use tiktok_shop_connect::policy::refresh_due_at;
    // 200 s token, 300 s margin: due after 100 s, not at once.
    assert_eq!(refresh_due_at(1_000 + 200, Some(1_000), 300), 1_100);
    // A long token: the margin decides.
    assert_eq!(
        refresh_due_at(1_000 + 86_400, Some(1_000), 300),
        1_000 + 86_400 - 300
    );
    // Issued at an unknown time: the margin.
    assert_eq!(refresh_due_at(10_000, None, 300), 9_700);
    // Nonsense issue times never make it due early.
    assert_eq!(refresh_due_at(10_000, Some(20_000), 300), 10_000);
    assert_eq!(refresh_due_at(10_000, Some(9_000), -5), 10_000);
}

#[test]
fn what_a_failed_refresh_means() {
    use tiktok_shop_connect::policy::{refresh_failure, RefreshFailure};
    use tiktok_shop_connect::Error;
    let revoked = || Error::ReconnectRequired {
        code: 36004005,
        message: "can not find related auth record".into(),
        request_id: None,
    };
    assert!(matches!(
        refresh_failure(revoked(), false),
        RefreshFailure::Reconnect(_)
    ));
    assert!(matches!(
        refresh_failure(revoked(), true),
        RefreshFailure::Interrupted(Error::RefreshInterrupted { code: 36004005, .. })
    ));
    let server = Error::TikTokApi {
        code: 1,
        message: "internal".into(),
        request_id: None,
        http_status: 500,
    };
    assert!(matches!(
        refresh_failure(server.clone(), true),
        RefreshFailure::Keep(_)
    ));
    assert!(matches!(
        refresh_failure(Error::Network("reset".into()), true),
        RefreshFailure::Keep(_)
    ));
}

#[test]
fn only_an_envelope_object_with_code_0_is_success() {
    // Found by `make fuzz`: the fast path read `[0]` as code 0.
    assert!(!matches!(
        classify_api_response(200, b"[0]"),
        ApiOutcome::Success
    ));
    assert!(!matches!(
        classify_api_response(200, b"{\"code\":0,\"message\":\"\xff\"}"),
        ApiOutcome::Success
    ));
    assert!(matches!(
        classify_api_response(200, b" \n{\"code\":0,\"data\":{}}"),
        ApiOutcome::Success
    ));
}

#[test]
fn the_code_0_fast_path_agrees_with_the_full_reader() {
    // Success exactly when the body is an object whose (one, last) `code` is the integer 0.
    for (body, success) in [
        (&b"{\"code\":0}"[..], true),
        (
            b"{\"message\":\"ok\",\"data\":{\"code\":1,\"x\":[1,2.5,null,true]},\"code\":0}",
            true,
        ),
        (b"{\"\\u0063ode\":0}", true),
        (b"{\"code\":0,\"code\":105001}", false),
        (b"{\"code\":105001,\"code\":0}", true),
        (b"{\"code\":\"0\"}", false),
        (b"{\"code\":0.0}", false),
        (b"{\"code\":-0}", false),
        (b"{\"code\":null}", false),
        (b"{\"code\":[0]}", false),
        (b"{\"code\":{}}", false),
        (b"{\"code\":0} x", false),
        (b"{\"code\":0", false),
        (b"{}", false),
    ] {
        assert_eq!(
            matches!(classify_api_response(200, body), ApiOutcome::Success),
            success,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

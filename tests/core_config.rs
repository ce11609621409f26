//! Configuration validation and the endpoint sets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use tiktok_shop_connect::config::{validate_endpoint, Config, EndpointOverrides, Region};
use tiktok_shop_connect::secret::AppSecret;

fn build(key: &str, secret: &str, service: &str) -> Result<Config, tiktok_shop_connect::Error> {
    Config::new(
        key,
        AppSecret::new(secret),
        service,
        Region::RestOfWorld,
        &EndpointOverrides::default(),
    )
}

#[test]
fn region_endpoints() {
    let row = Region::RestOfWorld.default_endpoints();
    assert_eq!(
        row.authorize,
        "https://services.tiktokshop.com/open/authorize"
    );
    assert_eq!(
        row.token_get,
        "https://auth.tiktok-shops.com/api/v2/token/get"
    );
    assert_eq!(
        row.token_refresh,
        "https://auth.tiktok-shops.com/api/v2/token/refresh"
    );
    assert_eq!(row.api_base, "https://open-api.tiktokglobalshop.com");
    assert_eq!(
        Region::Us.default_endpoints().authorize,
        "https://services.tiktokshops.us/open/authorize"
    );
    assert_eq!(Region::parse("US").unwrap(), Region::Us);
    assert_eq!(Region::parse("row").unwrap(), Region::RestOfWorld);
    assert_eq!(Region::parse("eu").unwrap_err().name(), "InvalidConfig");
}

#[test]
fn empty_and_whitespace_values_are_rejected_with_the_field_named() {
    for (k, s, v, field) in [
        ("", "s", "v", "app key"),
        ("k", "", "v", "app secret"),
        ("k", "s", "  ", "service ID"),
        (" k", "s", "v", "app key"),
        ("k", "s\n", "v", "app secret"),
        ("k", "s", "a b", "service ID"),
    ] {
        let err = build(k, s, v).unwrap_err();
        assert_eq!(err.name(), "InvalidConfig");
        assert!(err.to_string().contains(field), "{err}");
        assert!(!err.to_string().contains("s\n"));
    }
    assert!(build("k", "s", "v").is_ok());
}

#[test]
fn endpoints_must_be_https_except_loopback() {
    for ok in [
        "https://x.example",
        "https://x.example:8443/a?b=c",
        "http://127.0.0.1:4010/api",
        "http://localhost:1/",
        "http://[::1]:9/x",
        "http://localhost",
        "HTTPS://X.EXAMPLE/",
    ] {
        assert!(validate_endpoint("e", ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://example.com/",
        "http://127.0.0.2:1/",
        "http://localhost.evil.com/",
        "ftp://x",
        "x.example",
        "https://",
        "https://user:pw@x.example/",
        "https://x.example/a b",
        "",
        "http://[::2]:1/",
        "javascript:alert(1)",
    ] {
        let err = validate_endpoint("token get endpoint", bad).unwrap_err();
        assert_eq!(err.name(), "InvalidConfig", "{bad}");
        assert!(err.to_string().contains("token get endpoint"), "{err}");
    }
}

#[test]
fn overrides_replace_defaults_and_are_validated() {
    let cfg = Config::new(
        "k",
        AppSecret::new("s"),
        "v",
        Region::Us,
        &EndpointOverrides {
            authorize: Some("http://127.0.0.1:5000/open/authorize".into()),
            token_get: Some("  ".into()),
            token_refresh: None,
            api_base: Some("http://127.0.0.1:5000/".into()),
        },
    )
    .unwrap();
    assert_eq!(
        cfg.endpoints().authorize,
        "http://127.0.0.1:5000/open/authorize"
    );
    assert_eq!(
        cfg.endpoints().token_get,
        "https://auth.tiktok-shops.com/api/v2/token/get"
    );
    assert_eq!(
        cfg.endpoints().api_base,
        "http://127.0.0.1:5000",
        "trailing slash trimmed"
    );
    assert_eq!(cfg.region(), Region::Us);
    let err = Config::new(
        "k",
        AppSecret::new("s"),
        "v",
        Region::Us,
        &EndpointOverrides {
            api_base: Some("http://api.example".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("API base"), "{err}");
}

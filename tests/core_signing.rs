//! Request signing: the four published vectors, our own cases, signed request building and the
//! server-clock helper.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use tiktok_shop_connect::config::{Config, EndpointOverrides, Region};
use tiktok_shop_connect::http::Method;
use tiktok_shop_connect::secret::{AccessToken, AppSecret};
use tiktok_shop_connect::signing::{
    build_signed_request, clock_offset_from_date_header, parse_http_date, sign, ApiRequest,
};

const JSON: &str = "application/json";

#[test]
fn official_doc_vector() {
    let s = sign(
        "e59af819cc",
        "/authorization/202309/shops",
        &[("app_key", "29a39d"), ("timestamp", "1623812664")],
        b"",
        JSON,
    );
    assert_eq!(
        s,
        "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    );
}

#[test]
fn ecomphp_vector() {
    let s = sign("app_secret", "/test-api", &[("foo", "bar")], b"", JSON);
    assert_eq!(
        s,
        "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"
    );
}

const SKIT_QUERY: [(&str, &str); 3] = [
    ("app_key", "68xu9ks5p4i8"),
    ("shop_cipher", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"),
    ("timestamp", "1696909648"),
];

#[test]
fn skit_get_vector() {
    let s = sign(
        "e59af819cc",
        "/event/202309/webhooks",
        &SKIT_QUERY,
        b"",
        JSON,
    );
    assert_eq!(
        s,
        "ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37"
    );
}

#[test]
fn skit_put_vector_with_body() {
    let body = br#"{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}"#;
    let s = sign(
        "e59af819cc",
        "/event/202309/webhooks",
        &SKIT_QUERY,
        body,
        JSON,
    );
    assert_eq!(
        s,
        "701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7"
    );
}

#[test]
fn sign_drops_sign_and_access_token_and_ignores_input_order() {
    let base = sign(
        "e59af819cc",
        "/event/202309/webhooks",
        &SKIT_QUERY,
        b"",
        JSON,
    );
    let shuffled = [
        ("timestamp", "1696909648"),
        ("sign", "stale"),
        ("shop_cipher", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"),
        ("access_token", "TOKEN"),
        ("app_key", "68xu9ks5p4i8"),
    ];
    assert_eq!(
        sign("e59af819cc", "/event/202309/webhooks", &shuffled, b"", JSON),
        base
    );
}

#[test]
fn empty_body_equals_no_body_and_output_is_lowercase_hex() {
    let s = sign("k", "/p", &[], b"", JSON);
    assert_eq!(s.len(), 64);
    assert!(s
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    // With no query and no body the signed string is secret + path + secret.
    let manual = hmac_hex(b"k", b"k/pk");
    assert_eq!(s, manual);
}

#[test]
fn multipart_body_is_not_signed_whatever_the_boundary() {
    let without = sign(
        "k",
        "/product/202309/images/upload",
        &[("a", "1")],
        b"",
        JSON,
    );
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\nabc\r\n--XyZ--\r\n";
    for ct in [
        "multipart/form-data; boundary=XyZ",
        "Multipart/Form-Data;boundary=other",
        " multipart/form-data ",
    ] {
        assert_eq!(
            sign(
                "k",
                "/product/202309/images/upload",
                &[("a", "1")],
                body,
                ct
            ),
            without
        );
    }
    // Any other media type signs the body.
    assert_ne!(
        sign(
            "k",
            "/product/202309/images/upload",
            &[("a", "1")],
            body,
            JSON
        ),
        without
    );
}

#[test]
fn keys_sort_by_bytes_not_by_locale() {
    // Byte order: "B" (0x42) < "_x" (0x5f) < "a" (0x61) < "b"; a locale sort would put a, B, b.
    let query = [("b", "4"), ("a", "3"), ("_x", "2"), ("B", "1")];
    let expected = hmac_hex(b"s", b"s/pathB1_x2a3b4s");
    assert_eq!(sign("s", "/path", &query, b"", JSON), expected);
}

#[test]
fn values_are_signed_raw_not_url_encoded() {
    let expected = hmac_hex(b"s", "s/pq a&b=ç/+s".as_bytes());
    assert_eq!(sign("s", "/p", &[("q", " a&b=ç/+")], b"", JSON), expected);
}

fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn config() -> Config {
    Config::new(
        "29a39d",
        AppSecret::new("e59af819cc"),
        "svc",
        Region::RestOfWorld,
        &EndpointOverrides::default(),
    )
    .unwrap()
}

#[test]
fn signed_request_reproduces_official_vector_exactly() {
    let req = build_signed_request(
        &config(),
        &AccessToken::new("ROW_token"),
        &ApiRequest::get("/authorization/202309/shops"),
        1623812664,
    )
    .unwrap();
    assert_eq!(req.method, Method::Get);
    assert_eq!(
        req.url,
        "https://open-api.tiktokglobalshop.com/authorization/202309/shops?app_key=29a39d&timestamp=1623812664&sign=b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    );
    assert_eq!(
        req.headers,
        vec![
            ("x-tts-access-token".to_owned(), "ROW_token".to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ]
    );
    assert!(req.body.is_empty());
}

#[test]
fn signed_request_with_shop_cipher_body_and_encoded_query() {
    let body =
        br#"{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}"#.to_vec();
    let cfg = Config::new(
        "68xu9ks5p4i8",
        AppSecret::new("e59af819cc"),
        "svc",
        Region::RestOfWorld,
        &EndpointOverrides::default(),
    )
    .unwrap();
    let req = build_signed_request(
        &cfg,
        &AccessToken::new("T"),
        &ApiRequest {
            method: Method::Put,
            path: "/event/202309/webhooks".into(),
            // A caller-supplied access_token and sign are dropped, never sent in the URL.
            query: vec![
                ("access_token".into(), "LEAK".into()),
                ("sign".into(), "x".into()),
            ],
            body: body.clone(),
            shop_cipher: Some("ROW_xkMbgAAAeVAQra0eZWebFQq5aIK".into()),
        },
        1696909648,
    )
    .unwrap();
    assert_eq!(req.method, Method::Put);
    assert_eq!(
        req.url,
        "https://open-api.tiktokglobalshop.com/event/202309/webhooks?app_key=68xu9ks5p4i8&timestamp=1696909648&shop_cipher=ROW_xkMbgAAAeVAQra0eZWebFQq5aIK&sign=701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7"
    );
    assert!(!req.url.contains("LEAK"));
    assert_eq!(req.body, body);

    let with_space = build_signed_request(
        &cfg,
        &AccessToken::new("T"),
        &ApiRequest {
            method: Method::Get,
            path: "/p".into(),
            query: vec![("q".into(), "a b&c".into())],
            body: vec![],
            shop_cipher: None,
        },
        1,
    )
    .unwrap();
    assert!(with_space.url.contains("q=a%20b%26c"), "{}", with_space.url);
    let pairs = with_space.query_pairs();
    let sign_value = &pairs.iter().find(|(k, _)| k == "sign").unwrap().1;
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(&sign("e59af819cc", "/p", &refs, b"", JSON), sign_value);
}

#[test]
fn signed_request_rejects_bad_paths() {
    for path in ["authorization/202309/shops", "/p?x=1", "/p#f"] {
        let mut req = ApiRequest::get("/x");
        req.path = path.into();
        let err = build_signed_request(&config(), &AccessToken::new("T"), &req, 1).unwrap_err();
        assert_eq!(err.name(), "InvalidInput");
    }
}

#[test]
fn http_date_and_clock_offset() {
    assert_eq!(
        parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(784111777)
    );
    assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    assert_eq!(
        parse_http_date("Mon, 23 Nov 2026 13:21:59 GMT"),
        Some(1795440119)
    );
    assert_eq!(
        parse_http_date("Tue, 29 Feb 2028 23:59:60 GMT"),
        Some(1835481600)
    );
    for bad in [
        "",
        "yesterday",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49 GMT",
    ] {
        assert_eq!(parse_http_date(bad), None, "{bad}");
    }
    assert_eq!(
        clock_offset_from_date_header("Sun, 06 Nov 1994 08:49:37 GMT", 784111700).unwrap(),
        77
    );
    assert_eq!(
        clock_offset_from_date_header("Sun, 06 Nov 1994 08:49:37 GMT", 784111800).unwrap(),
        -23
    );
    assert_eq!(
        clock_offset_from_date_header("garbage", 0)
            .unwrap_err()
            .name(),
        "InvalidInput"
    );
}

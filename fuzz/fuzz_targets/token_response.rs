//! `token::parse_token_response` with any HTTP status and body (`"<status>\n<body>"`).
//! Invariants: success means non-empty tokens and open_id, expiries equal to the body's
//! numbers, `code` 0, and a storage round trip (serde) that changes nothing; a TikTok error
//! carries the body's non-zero code; the same input gives the same answer; no error text holds a
//! secret value of the body, nor does the tokens' Debug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tiktok_shop_connect::token::{parse_token_response, TokenSet};
use tiktok_shop_connect::Error;
use tiktok_shop_connect_fuzz::{
    assert_no_secret_in_errors, error_texts, status_and_body, tokens_debug, SECRET_KEYS,
};

fuzz_target!(|data: &[u8]| {
    let (status, body) = status_and_body(data);
    let result = parse_token_response(status, body);
    assert_eq!(
        result,
        parse_token_response(status, body),
        "not deterministic"
    );
    let json: Option<Value> = serde_json::from_slice(body).ok();
    match &result {
        Ok(tokens) => {
            let json = json.expect("success from a body that is not JSON");
            assert_eq!(json["code"].as_i64(), Some(0), "success without code 0");
            let data = &json["data"];
            assert!(
                !tokens.access_token.secret().is_empty(),
                "empty access token"
            );
            assert!(
                !tokens.refresh_token.secret().is_empty(),
                "empty refresh token"
            );
            assert!(!tokens.open_id.is_empty(), "empty open_id");
            assert_eq!(
                data["access_token"].as_str(),
                Some(tokens.access_token.secret())
            );
            assert_eq!(
                data["refresh_token"].as_str(),
                Some(tokens.refresh_token.secret())
            );
            assert_eq!(
                data["access_token_expire_in"].as_i64(),
                Some(tokens.access_token_expires_at),
                "access expiry does not round-trip"
            );
            assert_eq!(
                data["refresh_token_expire_in"].as_i64(),
                Some(tokens.refresh_token_expires_at),
                "refresh expiry does not round-trip"
            );
            let stored = serde_json::to_string(tokens).expect("a TokenSet always serialises");
            let back: TokenSet =
                serde_json::from_str(&stored).expect("a stored TokenSet reads back");
            assert_eq!(&back, tokens, "storage round trip changed the tokens");
        }
        Err(Error::TikTokApi {
            code, http_status, ..
        }) => {
            assert_ne!(*code, 0, "TikTokApi error with code 0");
            assert_eq!(*http_status, status);
            let json = json.expect("a TikTok error from a body that is not JSON");
            assert_eq!(
                json["code"].as_i64(),
                Some(*code),
                "code differs from the body's"
            );
        }
        Err(Error::MalformedResponse { http_status, .. }) => assert_eq!(*http_status, status),
        Err(other) => panic!("unexpected error kind {}: {other}", other.name()),
    }
    let text = String::from_utf8_lossy(body);
    if text.len() == body.len() {
        assert_no_secret_in_errors(&text, "", &SECRET_KEYS, |b| {
            match parse_token_response(status, b.as_bytes()) {
                // The Debug of the tokens shows no secret either.
                Ok(tokens) => vec![tokens_debug(&tokens)],
                Err(e) => error_texts(&e),
            }
        });
    }
});

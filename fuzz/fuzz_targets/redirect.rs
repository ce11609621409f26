//! `authorize::parse_redirect_from` (and `parse_redirect`), through an unbound and a bound
//! channel. Input: `"<redirect URL>\n<expected redirect base>\n<expected state>"` (missing
//! lines: the extension's redirect URL and a 43-character state).
//! Invariants: a code is returned only for the expected redirect URL, with the expected state
//! and no `error`, and it is the query's non-empty, non-"null" `code`; a denial ends the flow
//! only with the expected state, or with no state through a bound channel; a different `state`
//! is always `StateMismatch`; a denial keeps only an allowlisted code, never the raw query; no
//! error text holds the redirect's code or a token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tiktok_shop_connect::authorize::{
    is_redirect_for, parse_redirect, parse_redirect_from, RedirectChannel, DENIAL_CODES,
};
use tiktok_shop_connect::http::{parse_query, split_url};
use tiktok_shop_connect::Error;
use tiktok_shop_connect_fuzz::{assert_no_secret_in_errors, error_texts};

const BASE: &str = "https://jojkifallddphlbnanbenjpcgmocddop.chromiumapp.org/";
const STATE: &str = "q3Xh0s2mRkV8yT1cN5bW7eA9dF4gJ6hL0pZ2uI8oK3w";
/// In a redirect the authorization code is the secret, beside any token a page could add.
const REDIRECT_SECRET_KEYS: [&str; 5] = [
    "code",
    "access_token",
    "refresh_token",
    "app_secret",
    "auth_code",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(3, '\n');
    let url = lines.next().unwrap_or("");
    let base = lines.next().unwrap_or(BASE);
    let state = lines.next().unwrap_or(STATE);
    assert_eq!(
        parse_redirect(url, base, state),
        parse_redirect_from(url, base, state, RedirectChannel::Unbound),
        "parse_redirect is not the unbound channel"
    );
    let (url_base, query) = split_url(url.trim());
    // The base as parse_redirect compares it (whitespace around it ignored: a browser drops tabs
    // and line breaks anywhere in a URL).
    let for_us = is_redirect_for(url_base, base);
    let params = parse_query(query);
    let first = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    for channel in [RedirectChannel::Unbound, RedirectChannel::Bound] {
        let result = parse_redirect_from(url, base, state, channel);
        match &result {
            Ok(code) => {
                assert!(for_us, "a code from another URL");
                assert_eq!(
                    first("state"),
                    Some(state),
                    "a code without the expected state"
                );
                assert!(
                    first("error").is_none_or(str::is_empty),
                    "a code from a denial"
                );
                let c = code.code.secret();
                assert!(
                    !c.trim().is_empty() && c != "null",
                    "an empty or null code {c:?}"
                );
                assert_eq!(first("code"), Some(c), "not the query's code");
            }
            Err(Error::AccessDenied {
                error,
                error_response,
            }) => {
                assert!(for_us, "a denial from another URL");
                match first("state") {
                    Some(s) => assert_eq!(s, state, "a denial with another state ends the flow"),
                    None => assert_eq!(
                        channel,
                        RedirectChannel::Bound,
                        "a denial without state through an unbound channel ends the flow"
                    ),
                }
                assert!(
                    DENIAL_CODES.contains(&error.as_str()) || error == "unknown",
                    "a denial keeps {error:?}, not an allowlisted code"
                );
                assert_eq!(
                    *error_response,
                    format!("error={error}"),
                    "the raw query is kept"
                );
            }
            Err(Error::StateMismatch { .. } | Error::InvalidRedirect(_)) => {}
            Err(other) => panic!("unexpected error kind {}: {other}", other.name()),
        }
        if matches!(first("state"), Some(s) if s != state) && for_us {
            assert!(
                matches!(result, Err(Error::StateMismatch { .. })),
                "another state gave {result:?}"
            );
        }
        // Only the URL line is tainted: the expected base and state are the caller's.
        assert_no_secret_in_errors(
            url,
            &format!("{base}\n{state}"),
            &REDIRECT_SECRET_KEYS,
            |u| match parse_redirect_from(u, base, state, channel) {
                Ok(_) => Vec::new(),
                Err(e) => error_texts(&e),
            },
        );
    }
});

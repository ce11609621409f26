//! Endpoint validation reads a URL as a browser (a WHATWG URL parser) does: a table of tricky
//! URLs, each accepted or refused for a stated reason, and property tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use tiktok_shop_connect::config::{
    validate_endpoint, ClientConfigInput, Config, EndpointOverrides, Region,
};
use tiktok_shop_connect::secret::AppSecret;

/// Accepted: what works today (https anywhere, http on loopback) in every form a browser reads
/// exactly as written.
const ACCEPTED: &[&str] = &[
    "https://x.example",
    "https://x.example/",
    "https://x.example:8443/a?b=c",
    "https://x.example:443/",
    "https://x.example?x=1",
    "https://x.example/?",
    "HTTPS://X.EXAMPLE/",
    "https://services.tiktokshop.com/open/authorize",
    "https://services.tiktokshops.us/open/authorize",
    "https://auth.tiktok-shops.com/api/v2/token/get",
    "https://open-api.tiktokglobalshop.com",
    "https://jojkifallddphlbnanbenjpcgmocddop.chromiumapp.org/",
    "https://my_host.example/",
    "https://1.2.3.4/",
    "https://0.0.0.0:0/",
    "https://[::1]/",
    "http://127.0.0.1:4010/api",
    "http://localhost:1/",
    "http://LOCALHOST:8787/",
    "http://localhost",
    "http://[::1]:9/x",
    // `@` after the host boundary is path or query, for every reader.
    "https://x.example/a@b",
    "https://x.example?q=a@b",
    "https://x.example/a%20b/%2F?x=%41&y=a:b;c,d!$*()+~",
    "https://x.example/a.b/..c/.d/c..",
];

/// Refused, with the words the message must contain.
const REFUSED: &[(&str, &str)] = &[
    ("", "is empty"),
    // Punycode labels (found by `make fuzz`: an invalid one passed, browsers refuse it).
    ("https://xn--rvit2/", "xn--"),
    ("https://xn--bcher-kva.example/", "xn--"),
    ("https://api.XN--nxasmq6b.example/", "xn--"),
    // Backslashes: browsers read `\` as `/`.
    ("https://\\/user:pw@x.example/", "backslash"),
    ("https:\\\\x.example/", "backslash"),
    ("https://x.example\\@evil.example/", "backslash"),
    ("https://x.example/a\\b", "backslash"),
    // User info, however it is hidden.
    ("https://user:pw@x.example/", "user name or password"),
    ("https://user@x.example/", "user name or password"),
    ("https://@x.example/", "user name or password"),
    ("https://x.example;@evil.example/", "user name or password"),
    (
        "https://x.example:443@evil.example/",
        "user name or password",
    ),
    ("http://localhost@evil.example/", "user name or password"),
    ("http://127.0.0.1:80@evil.example/", "user name or password"),
    // Whitespace: trimmed or removed by browsers (tab, CR, LF anywhere).
    (" https://x.example/", "spaces, tabs or line breaks"),
    ("https://x.example/ ", "spaces, tabs or line breaks"),
    ("https://x.example/a b", "spaces, tabs or line breaks"),
    ("https://x.exa\tmple/", "spaces, tabs or line breaks"),
    ("https://x.exa\rmple/", "spaces, tabs or line breaks"),
    ("https://x.example/\n", "spaces, tabs or line breaks"),
    ("ht\ntps://x.example/", "spaces, tabs or line breaks"),
    ("https://x.example/\u{a0}", "spaces, tabs or line breaks"),
    ("https://x.example/\u{3000}", "spaces, tabs or line breaks"),
    // Control characters.
    ("https://x.example/\u{0}", "control characters"),
    ("\u{1}https://x.example/", "control characters"),
    ("https://x.example/\u{7f}", "control characters"),
    ("https://x.example/\u{85}", "spaces, tabs or line breaks"),
    ("https://x.example/\u{9b}", "control characters"),
    // Non-ASCII: hosts are mapped (fullwidth letters, ideographic dot), paths re-encoded.
    ("https://\u{ff58}.example/", "non-ASCII"),
    ("https://x\u{3002}example/", "non-ASCII"),
    ("https://x.example/\u{200b}", "non-ASCII"),
    ("https://b\u{fc}cher.example/", "non-ASCII"),
    ("\u{feff}https://x.example/", "non-ASCII"),
    // Fragments.
    ("https://x.example/#frag", "fragment"),
    ("https://x.example#@evil.example", "fragment"),
    ("https://x.example/?a=b#", "fragment"),
    // Slashes after the scheme: all read as https://host by browsers.
    ("https:x.example", "two slashes"),
    ("https:/x.example", "two slashes"),
    ("https:///x.example", "two slashes"),
    ("https:////x.example", "two slashes"),
    ("http:localhost/", "two slashes"),
    // No host.
    ("https://", "no host"),
    ("https://:443/", "no host"),
    ("https://?x", "no host"),
    ("https:///", "two slashes"),
    // Percent-encoded hosts are decoded by browsers.
    ("https://%65xample.com/", "percent-encoded host"),
    ("https://evil%2Eexample/", "percent-encoded host"),
    ("http://127.0.0.1%2F/", "percent-encoded host"),
    // Hosts that end in a number are IPv4 addresses, however written.
    ("http://0x7f.0.0.1/", "numeric host"),
    ("http://0x7f000001/", "numeric host"),
    ("http://127.1/", "numeric host"),
    ("http://2130706433/", "numeric host"),
    ("http://0177.0.0.1/", "numeric host"),
    ("http://127.0.0.01/", "numeric host"),
    ("https://1.2.3.256/", "numeric host"),
    ("https://1.2.3.4.5/", "numeric host"),
    ("https://example.123/", "numeric host"),
    ("https://example.0x1f/", "numeric host"),
    ("https://example.0x/", "numeric host"),
    // Empty labels (a trailing dot is another host string than the one compared).
    ("http://127.0.0.1./", "empty label"),
    ("http://localhost./", "empty label"),
    ("https://.x.example/", "empty label"),
    ("https://x..example/", "empty label"),
    // Host characters browsers forbid, map or read as delimiters.
    ("https://x.exa<mple/", "host with characters"),
    ("https://x.exa|mple/", "host with characters"),
    ("https://x.example*/", "host with characters"),
    ("https://x]y.example/", "host with characters"),
    // IPv6: only [::1], written so.
    ("http://[::2]:1/", "IPv6 address other than [::1]"),
    ("http://[0:0:0:0:0:0:0:1]/", "IPv6 address other than [::1]"),
    ("http://[::0001]/", "IPv6 address other than [::1]"),
    (
        "http://[::ffff:127.0.0.1]/",
        "IPv6 address other than [::1]",
    ),
    ("https://[2001:db8::1]/", "IPv6 address other than [::1]"),
    ("http://[::1%25eth0]/", "IPv6 address other than [::1]"),
    ("http://[::1/", "closing ]"),
    ("http://[::1]x/", "not a port"),
    ("http://[::1]]/", "not a port"),
    // Ports browsers read as something else than written.
    ("https://x.example:/", "invalid port"),
    ("https://x.example:0443/", "invalid port"),
    ("https://x.example:65536/", "invalid port"),
    ("https://x.example:1a/", "invalid port"),
    ("https://x.example:8080:90/", "invalid port"),
    ("https://x.example:+80/", "invalid port"),
    ("https://x.example:123456/", "invalid port"),
    // Path and query characters browsers percent-encode, and bad escapes.
    ("https://x.example/a\"b", "browsers rewrite"),
    ("https://x.example/a<b>", "browsers rewrite"),
    ("https://x.example/{a}", "browsers rewrite"),
    ("https://x.example/a^b", "browsers rewrite"),
    ("https://x.example/a`b", "browsers rewrite"),
    ("https://x.example/?q='", "browsers rewrite"),
    ("https://x.example/a|b", "browsers rewrite"),
    ("https://x.example/[a]", "browsers rewrite"),
    ("https://x.example/%zz", "%XX"),
    ("https://x.example/%4", "%XX"),
    ("https://x.example/?a=%", "%XX"),
    // Dot segments, removed by browsers.
    ("https://x.example/a/../b", ". or .. path segment"),
    ("https://x.example/a/%2e%2E/b", ". or .. path segment"),
    ("https://x.example/./", ". or .. path segment"),
    ("https://x.example/.%2e", ". or .. path segment"),
    ("https://x.example/%2e", ". or .. path segment"),
    ("https://x.example/a/..?x=1", ". or .. path segment"),
    // Plain http beyond loopback, other schemes.
    ("http://example.com/", "must use https://"),
    ("http://127.0.0.2:1/", "must use https://"),
    ("http://localhost.evil.com/", "must use https://"),
    ("http://0.0.0.0/", "must use https://"),
    ("ftp://x", "must start with https://"),
    ("x.example", "must start with https://"),
    ("localhost:8080", "must start with https://"),
    ("javascript:alert(1)", "must start with https://"),
    ("//x.example/", "must start with https://"),
    ("httpss://x.example/", "must start with https://"),
    ("wss://x.example/", "must start with https://"),
];

#[test]
fn tricky_urls_are_accepted_or_refused_for_the_stated_reason() {
    for url in ACCEPTED {
        if let Err(err) = validate_endpoint("endpoint", url) {
            panic!("{url:?} refused: {err}");
        }
    }
    for (url, reason) in REFUSED {
        let err = match validate_endpoint("token get endpoint", url) {
            Ok(()) => panic!("{url:?} accepted"),
            Err(err) => err,
        };
        assert_eq!(err.name(), "InvalidConfig", "{url:?}");
        let message = err.to_string();
        assert!(message.contains("token get endpoint"), "{message}");
        assert!(
            message.contains(reason),
            "{url:?}: expected {reason:?} in {message:?}"
        );
    }
    let long = format!("https://x.example/{}", "a".repeat(2100));
    assert!(validate_endpoint("e", &long)
        .unwrap_err()
        .to_string()
        .contains("longer than 2048"));
}

#[test]
fn refusals_do_not_quote_passwords_or_secrets() {
    for url in [
        "https://user:SENTINEL_PW@x.example/",
        "https://\\/user:SENTINEL_PW@x.example/",
        "https:\\\\SENTINEL_PW@x.example/",
        "https://x.example;SENTINEL_PW@evil.example/",
        "http://x.example/?app_secret=SENTINEL_PW&a=1",
        "http://x.example/?access_token=SENTINEL_PW",
    ] {
        let message = validate_endpoint("API base", url).unwrap_err().to_string();
        assert!(!message.contains("SENTINEL_PW"), "{message}");
        assert!(message.contains("[redacted]"), "{message}");
        assert!(message.contains("API base"), "{message}");
    }
    // Control characters are shown escaped, and a long URL is cut.
    let message = validate_endpoint("e", "https://x.example/\u{0}\n")
        .unwrap_err()
        .to_string();
    assert!(
        !message.contains('\n') && !message.contains('\u{0}'),
        "{message:?}"
    );
    let message = validate_endpoint("e", &format!("http://x.example/{}", "a".repeat(3000)))
        .unwrap_err()
        .to_string();
    assert!(message.chars().count() < 300, "{message}");
}

#[test]
fn config_and_client_config_refuse_tricky_endpoints() {
    let with = |api_base: &str| {
        Config::new(
            "k",
            AppSecret::new("s"),
            "v",
            Region::RestOfWorld,
            &EndpointOverrides {
                api_base: Some(api_base.to_owned()),
                ..Default::default()
            },
        )
    };
    assert!(with("https://\\/user:pw@x.example").is_err());
    assert!(with("https:x.example").is_err());
    assert!(with("http://127.1:8080").is_err());
    // Overrides are trimmed before they are checked, and the trimmed value is the one used.
    let cfg = with("  http://127.0.0.1:8080/  ").unwrap();
    assert_eq!(cfg.endpoints().api_base, "http://127.0.0.1:8080");
    let input = |redirect_url: &str| ClientConfigInput {
        app_key: "k".into(),
        app_secret: Some(AppSecret::new("s")),
        service_id: "v".into(),
        redirect_url: redirect_url.into(),
        ..Default::default()
    };
    assert!(input("https://x.chromiumapp.org/").validate().is_ok());
    for bad in [
        "https://x.chromiumapp.org/#x",
        "https://u@x.chromiumapp.org/",
        "https://x.chromiumapp.org\\@evil.example/",
    ] {
        let err = input(bad).validate().unwrap_err();
        assert!(err.to_string().contains("redirect URL"), "{err}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Four times in five one of `good`, otherwise one of `tricky`.
    fn either(
        good: &'static [&'static str],
        tricky: &'static [&'static str],
    ) -> BoxedStrategy<&'static str> {
        prop_oneof![4 => prop::sample::select(good), 1 => prop::sample::select(tricky)].boxed()
    }

    /// URLs assembled from the pieces that trick parsers, so that a good share is accepted.
    fn url_like() -> impl Strategy<Value = String> {
        let lead = either(&[""], &[" ", "\t", "\u{feff}", "\n"]);
        let scheme = either(
            &["https", "http", "HTTPS", "Http"],
            &["ftp", "", "javascript"],
        );
        let slashes = either(
            &["://"],
            &[":", ":/", ":///", ":\\\\", "://\\/", ":/\\", "//"],
        );
        let userinfo = either(
            &[""],
            &[
                "user:pw@",
                "@",
                "u@",
                "a%40b@",
                "x.example;@",
                "x.example:1@",
            ],
        );
        let host = either(
            &[
                "x.example",
                "localhost",
                "LocalHost",
                "127.0.0.1",
                "[::1]",
                "1.2.3.4",
                "a_b.c",
            ],
            &[
                "[::2]",
                "[0::1]",
                "0x7f.1",
                "2130706433",
                "%65x.com",
                "x..y",
                "",
                "x.example.",
                "\u{ff58}.y",
            ],
        );
        let port = either(&["", ":443", ":8080"], &[":", ":0443", ":99999", ":x"]);
        let piece = either(
            &["/", "/a", "/a@b", "?q=1", "&x=y", "%41", ":", ";", "@"],
            &[
                "/..", "/%2e", "\\", "#f", " ", "\t", "\n", "\r", "\u{0}", "\u{7f}", "\u{e9}", "'",
                "%", "%zz", "\"", "<", "|",
            ],
        );
        (
            lead,
            scheme,
            slashes,
            userinfo,
            host,
            port,
            prop::collection::vec(piece, 0..4),
        )
            .prop_map(|(lead, scheme, slashes, userinfo, host, port, pieces)| {
                format!(
                    "{lead}{scheme}{slashes}{userinfo}{host}{port}{}",
                    pieces.concat()
                )
            })
    }

    /// What every accepted URL must be, read the way a browser reads it.
    fn assert_safe(url: &str) -> Result<(), TestCaseError> {
        prop_assert!(url.is_ascii(), "{url:?}");
        prop_assert!(
            !url.chars().any(|c| c.is_whitespace() || c.is_control()),
            "{url:?}"
        );
        prop_assert!(!url.contains('\\') && !url.contains('#'), "{url:?}");
        let lower = url.to_ascii_lowercase();
        let (is_https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(TestCaseError::fail(format!("scheme of {url:?}")));
        };
        prop_assert!(!rest.starts_with('/'), "{url:?}");
        // The authority as WHATWG delimits it for special schemes (`\` and `#` are gone).
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        prop_assert!(!authority.contains('@'), "user info in {url:?}");
        prop_assert!(!authority.contains('%'), "encoded host in {url:?}");
        prop_assert!(!authority.is_empty(), "{url:?}");
        let host = if authority.starts_with('[') {
            authority.split_inclusive(']').next().unwrap_or("")
        } else {
            authority.split(':').next().unwrap_or("")
        };
        if !is_https {
            prop_assert!(
                matches!(host, "127.0.0.1" | "localhost" | "[::1]"),
                "http beyond loopback: {url:?}"
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        #[test]
        fn accepted_urls_have_no_userinfo_backslash_whitespace_control_or_fragment(url in url_like()) {
            if validate_endpoint("e", &url).is_ok() {
                assert_safe(&url)?;
            }
        }

        #[test]
        fn validation_never_panics(url in "\\PC{0,80}", raw in ".{0,80}", bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            for candidate in [url, raw, String::from_utf8_lossy(&bytes).into_owned()] {
                if validate_endpoint("e", &candidate).is_ok() {
                    assert_safe(&candidate)?;
                }
                let with_scheme = format!("https://{candidate}");
                if validate_endpoint("e", &with_scheme).is_ok() {
                    assert_safe(&with_scheme)?;
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The query encoding and decoding agree with the `percent-encoding` crate's.
        #[test]
        fn percent_encoding_agrees_with_the_reference(text in "\\PC{0,40}", raw in "[%+&=a-fA-F0-9\\PC]{0,40}") {
            use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
            const UNRESERVED: &AsciiSet =
                &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
            let encoded = tiktok_shop_connect::http::encode_component(&text);
            prop_assert_eq!(&encoded, &utf8_percent_encode(&text, UNRESERVED).to_string());
            prop_assert_eq!(
                tiktok_shop_connect::http::encode_query(&[(text.as_str(), raw.as_str())]),
                format!("{encoded}={}", utf8_percent_encode(&raw, UNRESERVED))
            );
            let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
            let query = format!("{raw}&{encoded}=%{raw}%");
            let want: Vec<(String, String)> = query
                .split('&')
                .filter(|part| !part.is_empty())
                .map(|part| {
                    let (k, v) = part.split_once('=').unwrap_or((part, ""));
                    (decode(k), decode(v))
                })
                .collect();
            prop_assert_eq!(tiktok_shop_connect::http::parse_query(&query), want);
        }
    }

    #[test]
    fn the_generator_reaches_both_outcomes() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = url_like();
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..2000 {
            let url = strategy.new_tree(&mut runner).unwrap().current();
            if validate_endpoint("e", &url).is_ok() {
                accepted += 1;
            } else {
                refused += 1;
            }
        }
        assert!(
            accepted > 50 && refused > 50,
            "{accepted} accepted, {refused} refused"
        );
    }
}

//! A team page's origin as a person types it: normalised to `https://host[:port]`, or refused
//! with `InvalidInput` saying why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use tiktok_shop_connect::origins::normalize_page_origin;

/// Typed → stored.
const NORMALISED: &[(&str, &str)] = &[
    (
        "https://ops.example-team.com",
        "https://ops.example-team.com",
    ),
    (
        "https://ops.example-team.com/",
        "https://ops.example-team.com",
    ),
    (
        "  https://ops.example-team.com/  ",
        "https://ops.example-team.com",
    ),
    (
        "HTTPS://OPS.Example-Team.COM",
        "https://ops.example-team.com",
    ),
    (
        "https://ops.example-team.com:443",
        "https://ops.example-team.com",
    ),
    (
        "https://ops.example-team.com:443/",
        "https://ops.example-team.com",
    ),
    (
        "https://ops.example-team.com:8443",
        "https://ops.example-team.com:8443",
    ),
    ("https://localhost:8443", "https://localhost:8443"),
    ("https://my_host.example", "https://my_host.example"),
    ("https://10.0.0.7", "https://10.0.0.7"),
    ("https://a", "https://a"),
];

/// Refused, with a word of the reason.
const REFUSED: &[(&str, &str)] = &[
    ("", "enter an origin"),
    ("   ", "enter an origin"),
    ("ops.example-team.com", "://"),
    ("http://ops.example-team.com", "only https://"),
    ("http://localhost:8080", "list of local pages"),
    ("ftp://ops.example-team.com", "only https://"),
    ("chrome-extension://abc", "only https://"),
    ("https://ops.example-team.com/tools", "no path"),
    ("https://ops.example-team.com//", "no path"),
    ("https://ops.example-team.com/?a=1", "no path"),
    ("https://ops.example-team.com?a=1", "no path"),
    ("https://ops.example-team.com#x", "no path"),
    ("https://ops.example-team.com\\x", "no path"),
    ("https://user:pw@ops.example-team.com", "user name"),
    ("https://@ops.example-team.com", "user name"),
    ("https://*.example-team.com", "wildcards"),
    ("https://*", "wildcards"),
    ("https://[::1]", "IPv6"),
    ("https://", "no host"),
    ("https://:8443", "no host"),
    ("https://ops.example-team.com:", "port"),
    ("https://ops.example-team.com:0", "port"),
    ("https://ops.example-team.com:0443", "port"),
    ("https://ops.example-team.com:65536", "port"),
    ("https://ops.example-team.com:8a", "port"),
    ("https://ops.example-team.com:1:2", "port"),
    ("https://ops example.com", "spaces"),
    ("https://ops.example-team.com\n", ""), // trimmed: accepted below
    ("https://ops.exämple.com", "non-ASCII"),
    ("https://xn--mnchen-3ya.de", "xn--"),
    ("https://%6Fps.example.com", "percent"),
    ("https://ops..example.com", "empty label"),
    ("https://ops.example.com.", "empty label"),
    ("https://.example.com", "empty label"),
    ("https://2130706433", "IPv4"),
    ("https://127.1", "IPv4"),
    ("https://0x7f.1", "IPv4"),
    ("https://010.0.0.1", "IPv4"),
    ("https://256.0.0.1", "IPv4"),
    ("https://a+b.example", "letters, digits"),
];

#[test]
fn typed_origins_are_normalised() {
    for (typed, stored) in NORMALISED {
        assert_eq!(
            normalize_page_origin(typed).as_deref(),
            Ok(*stored),
            "{typed:?}"
        );
        // Normalising is idempotent.
        assert_eq!(
            normalize_page_origin(stored).as_deref(),
            Ok(*stored),
            "{stored:?}"
        );
    }
}

#[test]
fn other_text_is_refused_with_invalid_input_saying_why() {
    for (typed, why) in REFUSED {
        if typed.ends_with('\n') {
            assert!(
                normalize_page_origin(typed).is_ok(),
                "surrounding whitespace is trimmed"
            );
            continue;
        }
        let error = normalize_page_origin(typed).expect_err(typed);
        assert_eq!(error.name(), "InvalidInput", "{typed:?}");
        let message = error.to_string();
        assert!(message.contains(why), "{typed:?}: {message}");
        assert!(message.contains("is not a page origin"), "{message}");
    }
}

#[test]
fn a_long_text_is_quoted_shortened() {
    let long = format!("https://{}.example/path", "a".repeat(500));
    let message = normalize_page_origin(&long).unwrap_err().to_string();
    assert!(message.len() < 300, "{message}");
}

#[test]
fn a_host_longer_than_dns_allows_is_refused() {
    let host = ["abcdefghij"; 26].join(".");
    assert!(host.len() > 253);
    let message = normalize_page_origin(&format!("https://{host}"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("253"), "{message}");
}

#[test]
fn every_accepted_origin_is_a_plain_https_origin() {
    // Whatever is accepted has no path, query, user info or uppercase letter, and an explicit
    // port only when it is not the default.
    let candidates = [
        "https://A.b",
        "https://a.b:1",
        "https://a.b:65535/",
        "https://a-b_c.d",
        "https://1.2.3.4:443",
    ];
    for typed in candidates {
        let origin = normalize_page_origin(typed).unwrap();
        let rest = origin.strip_prefix("https://").unwrap();
        assert!(!rest.contains(['/', '?', '#', '@']), "{origin}");
        assert_eq!(rest, rest.to_ascii_lowercase(), "{origin}");
        assert!(!rest.ends_with(":443"), "{origin}");
    }
}

//! `config::validate_endpoint` with any URL. Invariants for an accepted URL: no backslash, no
//! `#`, no whitespace or control character, no `@` in the authority (as a browser delimits it),
//! `https://` or `http://` on a loopback host; and a WHATWG URL parser (the `url` crate) reads it
//! the same way: it parses, same scheme, no user info, no fragment, and for `http` a loopback
//! host, and the same host as written; no error text holds a secret of the URL's query
//! (`app_secret=…`, a token) or its user info's password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tiktok_shop_connect::config::validate_endpoint;
use tiktok_shop_connect::Error;
use tiktok_shop_connect_fuzz::{assert_no_secret_in_errors, shows, taint, SECRET_KEYS};

fn error_display(endpoint: &str) -> Vec<String> {
    match validate_endpoint("token_get endpoint", endpoint) {
        Ok(()) => Vec::new(),
        Err(e) => vec![e.to_string()],
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(endpoint) = std::str::from_utf8(data) else {
        return;
    };
    match validate_endpoint("token_get endpoint", endpoint) {
        Err(Error::InvalidConfig(_)) => {}
        Err(other) => panic!("unexpected error kind {}: {other}", other.name()),
        Ok(()) => check_accepted(endpoint),
    }
    assert_no_secret_in_errors(endpoint, "", &SECRET_KEYS, error_display);
    // The password of `user:password@host`, where a browser would read one.
    if let Some(password) = url::Url::parse(endpoint)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        if let Some((tainted, marker)) = taint(endpoint, &password, "") {
            for text in error_display(&tainted) {
                assert!(
                    !shows(&text, &marker),
                    "an error shows the password: {text}"
                );
            }
        }
    }
});

fn check_accepted(endpoint: &str) {
    let bad = |why: &str| -> ! { panic!("accepted {endpoint:?}, which {why}") };
    if endpoint.contains('\\') {
        bad("contains a backslash");
    }
    if endpoint.contains('#') {
        bad("contains a fragment");
    }
    if endpoint
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        bad("contains whitespace or a control character");
    }
    let lower = endpoint.to_ascii_lowercase();
    let (https, rest) = match (
        lower.strip_prefix("https://"),
        lower.strip_prefix("http://"),
    ) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => bad("is neither https:// nor http://"),
    };
    // A browser ends the authority at any of these (a backslash too, in special schemes).
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        bad("has user info (`@` in the authority)");
    }
    let parsed = match url::Url::parse(endpoint) {
        Ok(u) => u,
        Err(e) => bad(&format!("a WHATWG parser refuses ({e})")),
    };
    if parsed.scheme() != if https { "https" } else { "http" } {
        bad(&format!(
            "a WHATWG parser reads the scheme {:?}",
            parsed.scheme()
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        bad("a WHATWG parser reads user info in");
    }
    if parsed.fragment().is_some() {
        bad("a WHATWG parser reads a fragment in");
    }
    if !https {
        let loopback = match parsed.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback() && ip.octets() == [127, 0, 0, 1],
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        if !loopback {
            bad(&format!(
                "is plain http to {:?} for a WHATWG parser",
                parsed.host_str()
            ));
        }
    }
    let written = authority
        .rsplit_once(':')
        .map_or(authority, |(host, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) && !host.ends_with(':') {
                host
            } else {
                authority
            }
        });
    match parsed.host_str() {
        None | Some("") => bad("has no host for a WHATWG parser"),
        // The same IPv6 address in another notation is the same host.
        Some(_)
            if matches!(
                (parsed.host(), written.strip_prefix('[').and_then(|w| w.strip_suffix(']'))),
                (Some(url::Host::Ipv6(ip)), Some(w)) if w.parse::<std::net::Ipv6Addr>() == Ok(ip)
            ) => {}
        Some(host) if host != written => {
            bad(&format!("is read by a WHATWG parser as host {host:?}"))
        }
        Some(_) => {}
    }
}

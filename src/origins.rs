//! The origin of a team's own https page, as a person types it in the options page, normalised
//! to the one form the extension stores, asks host access for (`<origin>/*`) and compares with a
//! sender's `origin`: `https://host[:port]`, the host in lowercase, the default port dropped.
//!
//! Pure: no I/O. Local pages (`http://localhost`, `http://127.0.0.1`) are not page origins of
//! this kind: they stay on the list of local pages (`externally_connectable`).

use crate::Error;

/// The longest host accepted, in characters (DNS's limit).
const MAX_HOST_CHARS: usize = 253;

/// `https://host[:port]` for `text` (surrounding whitespace and one trailing `/` ignored), or
/// `InvalidInput` saying what is wrong.
///
/// Accepted: `https://` (any case), a host of ASCII letters, digits, `-`, `_` and `.` with no
/// empty label (or a canonical dotted-quad IPv4 address), an optional port 1–65535 without
/// leading zeros (443 is dropped), and nothing after it but one `/`. Refused: other schemes
/// (`http://` included: local pages have their own list), user info, a path, a query, a
/// fragment, wildcards, IPv6 literals, percent-encoded, internationalised (`xn--`) or numeric
/// hosts a browser would read as another address, whitespace and non-ASCII characters.
pub fn normalize_page_origin(text: &str) -> Result<String, Error> {
    let text = text.trim();
    origin_of(text).map_err(|why| {
        let shown = crate::text::first_chars(text, 80);
        Error::InvalidInput(format!(
            "{} is not a page origin: {why}",
            crate::text::Quoted(shown)
        ))
    })
}

/// The normalised origin, or why `text` is not one.
fn origin_of(text: &str) -> Result<String, &'static str> {
    if text.is_empty() {
        return Err("enter an origin such as https://ops.example-team.com");
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains spaces or control characters");
    }
    if !text.is_ascii() {
        return Err("it contains non-ASCII characters");
    }
    // A char pattern, then a prefix: no substring searcher in the wasm for this.
    let (scheme, rest) = text
        .split_once(':')
        .and_then(|(scheme, rest)| Some((scheme, rest.strip_prefix("//")?)))
        .ok_or("write it as https://host (with ://)")?;
    if scheme.eq_ignore_ascii_case("http") {
        return Err("only https:// pages can be allowed here (local http://localhost and http://127.0.0.1 pages go on the list of local pages)");
    }
    if !scheme.eq_ignore_ascii_case("https") {
        return Err("only https:// pages can be allowed");
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '\\', '?', '#']) {
        return Err(
            "an origin has no path, query or fragment (https://host or https://host:port only)",
        );
    }
    if authority.contains('@') {
        return Err("it must not contain a user name or password (user:password@)");
    }
    if authority.contains('*') {
        return Err("wildcards are not allowed: allow each origin on its own");
    }
    if authority.starts_with('[') {
        return Err("IPv6 addresses are not supported: use a host name");
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    check_host(&host)?;
    match port.map(parse_port).transpose()? {
        None | Some(443) => Ok(format!("https://{host}")),
        Some(port) => Ok(format!("https://{host}:{port}")),
    }
}

/// A port 1–65535, written in decimal without leading zeros.
fn parse_port(port: &str) -> Result<u16, &'static str> {
    let bad = "its port must be a number 1–65535 without leading zeros";
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    if port.starts_with('0') {
        return Err(bad);
    }
    match crate::text::decimal(port) {
        Some(n @ 1..=65_535) => u16::try_from(n).map_err(|_| bad),
        _ => Err(bad),
    }
}

/// A lowercase host name of letters, digits, `-`, `_` and `.`, or a canonical IPv4 address: the
/// endpoints' host rule ([`crate::config::check_host`]; IPv6 literals are refused before), within
/// DNS's length.
fn check_host(host: &str) -> Result<(), &'static str> {
    if host.len() > MAX_HOST_CHARS {
        return Err("its host is longer than 253 characters");
    }
    crate::config::check_host(host)
}

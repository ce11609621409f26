//! Endpoint URLs as every reader of them reads them: the rule [`validate_endpoint`] applies.

use crate::Error;

/// The longest endpoint accepted, in characters.
const MAX_ENDPOINT_CHARS: usize = 2048;

/// Checks that an endpoint is `https://host…`, or `http://` on a loopback host (`127.0.0.1`,
/// `localhost`, `[::1]`, any port), written so that every reader of it — this crate, `fetch`,
/// Chrome's `launchWebAuthFlow` (WHATWG URL parsers) — finds the same scheme, host and port.
///
/// Accepted: `scheme://host[:port][/path][?query]` in ASCII, where
/// - the scheme is `https` or `http` (any case) followed by exactly `//`;
/// - the host is a name of letters, digits, `-`, `_` and `.` with no empty label, a dotted-quad
///   IPv4 address in its canonical form (`a.b.c.d`, decimal, no leading zeros), or `[::1]`;
/// - the port, if any, is 0–65535 written without leading zeros;
/// - the path and query use RFC 3986 characters other than `'`, every `%` starts a `%XX`
///   escape, and no path segment is `.` or `..` (plain or percent-encoded).
///
/// Everything else is refused, in particular what a browser would read differently from the
/// text: user info (`user:pw@`), backslashes (read as `/`), spaces, tabs and line breaks (removed
/// or trimmed), control and non-ASCII characters (mapped), a fragment, `https:host`,
/// `https:/host` or `https:///host` (all read as `https://host`), percent-encoded or numeric
/// hosts (`%65xample.com`, `0x7f.1`, `2130706433`), IPv6 literals other than `[::1]`.
/// The error names the endpoint and the first problem; the URL it quotes has any user info and
/// secret-bearing query values blanked.
pub fn validate_endpoint(name: &str, url: &str) -> Result<(), Error> {
    match endpoint_problem(url) {
        Ok(()) => Ok(()),
        Err(why) => Err(Error::InvalidConfig(format!(
            "the {name} {} {why}",
            crate::text::Quoted(&shown_url(url))
        ))),
    }
}

/// The first reason `url` is refused, if any (see [`validate_endpoint`]).
fn endpoint_problem(url: &str) -> Result<(), &'static str> {
    if url.is_empty() {
        return Err("is empty");
    }
    if url.chars().count() > MAX_ENDPOINT_CHARS {
        return Err("is longer than 2048 characters");
    }
    // One pass over the characters for both (whitespace is reported first).
    let (mut space, mut control) = (false, false);
    for c in url.chars() {
        space |= c.is_whitespace();
        control |= c.is_control();
    }
    if space {
        return Err("contains spaces, tabs or line breaks");
    }
    if control {
        return Err("contains control characters");
    }
    if !url.is_ascii() {
        return Err("contains non-ASCII characters: write the host in its xn-- form and percent-encode the rest");
    }
    if url.contains('\\') {
        return Err("contains a backslash, which browsers read as a slash");
    }
    if url.contains('#') {
        return Err("has a fragment (#…), which is never sent");
    }
    let (scheme, after_scheme) = url.split_once(':').ok_or("must start with https://")?;
    let is_https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err("must start with https://");
    };
    let Some(rest) = after_scheme.strip_prefix("//") else {
        return Err("must have exactly two slashes after the scheme (browsers read https:host and https:/host as https://host)");
    };
    if rest.starts_with('/') {
        return Err("must have exactly two slashes after the scheme (browsers read https:///host as https://host)");
    }
    let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = crate::text::split_at(rest, authority_len);
    if authority.contains('@') {
        return Err("must not contain a user name or password (user:password@)");
    }
    let (host, port) = split_host_port(authority)?;
    check_port(port)?;
    check_host(host)?;
    if !is_https && !is_loopback(host) {
        return Err(
            "must use https:// (plain http:// is allowed only for 127.0.0.1, localhost and [::1])",
        );
    }
    check_path_and_query(path_and_query)
}

/// Splits `host[:port]` or `[v6][:port]`; the port is `None` when there is no colon.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    if authority.is_empty() {
        return Err("has no host");
    }
    let (host, after) = if authority.starts_with('[') {
        let end = authority
            .find(']')
            .ok_or("has an IPv6 address without its closing ]")?;
        crate::text::split_at(authority, end + 1)
    } else {
        crate::text::split_at(authority, authority.find(':').unwrap_or(authority.len()))
    };
    if after.is_empty() {
        return Ok((host, None));
    }
    match after.strip_prefix(':') {
        Some(port) => Ok((host, Some(port))),
        None => Err("has characters after its IPv6 address that are not a port"),
    }
}

/// A port, when given, is 0–65535 in decimal without leading zeros (`host:` and `host:0443`
/// are read by browsers as other text than they say).
fn check_port(port: Option<&str>) -> Result<(), &'static str> {
    let Some(port) = port else {
        return Ok(());
    };
    let bad = "has an invalid port (write 1 to 5 digits, 0–65535, without leading zeros)";
    if port.is_empty()
        || port.len() > 5
        || !port.bytes().all(|b| b.is_ascii_digit())
        || (port.len() > 1 && port.starts_with('0'))
    {
        return Err(bad);
    }
    match crate::text::decimal(port) {
        Some(n) if n <= 65_535 => Ok(()),
        _ => Err(bad),
    }
}

/// A host is `[::1]`, a canonical dotted-quad IPv4 address, or a name of ASCII letters, digits,
/// `-`, `_` and `.` with no empty label whose last label is not a number (browsers read a host
/// ending in a number as an IPv4 address: `0x7f.1`, `127.1` and `2130706433` are `127.0.0.1`).
pub(crate) fn check_host(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err("has no host");
    }
    if host.starts_with('[') {
        return if host == "[::1]" {
            Ok(())
        } else {
            Err("has an IPv6 address other than [::1]; use a host name")
        };
    }
    if host.contains('%') {
        return Err("has a percent-encoded host, which browsers decode into another one");
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("has a host with characters other than letters, digits, '-', '_' and '.'");
    }
    if host.split('.').any(str::is_empty) {
        return Err("has a host with an empty label (a leading, trailing or doubled dot)");
    }
    // Punycode labels are refused rather than decoded: a browser rejects an invalid one
    // (`xn--rvit2`, found by `make fuzz`) only at the first request, and TikTok's hosts have none.
    if host.split('.').any(|label| {
        label
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    }) {
        return Err("has an internationalised (xn--) host label; use an ASCII host name");
    }
    // The host is ASCII here: its last label starts after its last `.` byte.
    let last = host
        .bytes()
        .rposition(|b| b == b'.')
        .and_then(|dot| host.get(dot + 1..))
        .unwrap_or(host);
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    let ends_in_a_number = hex || last.bytes().all(|b| b.is_ascii_digit());
    if ends_in_a_number && !is_canonical_ipv4(host) {
        return Err("has a numeric host that browsers read as another IPv4 address; write it as four decimal numbers a.b.c.d without leading zeros");
    }
    Ok(())
}

/// `a.b.c.d`: four decimal numbers 0–255 without leading zeros.
fn is_canonical_ipv4(host: &str) -> bool {
    // Part by part, counted (no list of the parts): exactly four, each valid.
    let mut parts = 0;
    host.split('.').all(|p| {
        parts += 1;
        parts <= 4
            && !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || !p.starts_with('0'))
            && crate::text::decimal(p).is_some_and(|n| n <= 255)
    }) && parts == 4
}

fn is_loopback(host: &str) -> bool {
    host == "127.0.0.1" || host == "[::1]" || host.eq_ignore_ascii_case("localhost")
}

/// The path and query: RFC 3986 characters except `'` (which browsers percent-encode in a query),
/// `%` only as `%XX`, and no `.` / `..` segment (browsers remove them, `%2e` included).
fn check_path_and_query(path_and_query: &str) -> Result<(), &'static str> {
    let allowed = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
                    | b'?'
                    | b'%'
            )
    };
    if !path_and_query.bytes().all(allowed) {
        return Err(
            "has characters in its path or query that browsers rewrite (\" < > ` { } ^ | [ ] ')",
        );
    }
    let bytes = path_and_query.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let escape = bytes.get(i + 1..i + 3).unwrap_or(&[]);
            if escape.len() != 2 || !escape.iter().all(u8::is_ascii_hexdigit) {
                return Err("has a % that does not start a %XX escape");
            }
        }
    }
    let path = path_and_query.split('?').next().unwrap_or("");
    // `.` or `..`, each dot possibly written `%2e` (browsers decode it before they remove the
    // segment).
    let is_dot = |segment: &str| {
        let mut rest = segment.as_bytes();
        let mut dots = 0;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix(b".") {
                rest = after;
            } else if rest
                .get(..3)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"%2e"))
            {
                rest = rest.get(3..).unwrap_or(&[]);
            } else {
                return false;
            }
            dots += 1;
        }
        dots == 1 || dots == 2
    };
    if path.split('/').any(is_dot) {
        return Err("has a . or .. path segment, which browsers remove");
    }
    Ok(())
}

/// The URL as an error quotes it: user info blanked (everything between the scheme and the last
/// `@`), secret-bearing query values blanked, at most 100 characters.
fn shown_url(url: &str) -> String {
    let mut shown = url.to_owned();
    // `@` found byte-wise from the end (an ASCII byte is always a character of its own): no
    // reverse character searcher in the module.
    let last_at = shown.bytes().rposition(|b| b == b'@');
    if let (Some(colon), Some(at)) = (shown.find(':'), last_at) {
        let start = shown
            .get(colon + 1..)
            .and_then(|after| after.find(|c: char| c != '/' && c != '\\'))
            .map_or(shown.len(), |skip| colon + 1 + skip);
        if start <= at {
            if let (Some(head), Some(tail)) = (shown.get(..start), shown.get(at..)) {
                let mut blanked = String::with_capacity(shown.len());
                blanked.push_str(head);
                blanked.push_str("[redacted]");
                blanked.push_str(tail);
                shown = blanked;
            }
        }
    }
    let shown = crate::error::scrub_secret_values(&shown);
    if shown.chars().count() > 100 {
        let mut cut = crate::text::first_chars(&shown, 100).to_owned();
        cut.push('…');
        cut
    } else {
        shown
    }
}

//! The app's configuration: credentials, region, and the endpoints for that region.

use crate::secret::AppSecret;
use crate::Error;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where the seller's shop is served from. It decides the authorization page; the token and API
/// hosts are the same for every region today, but stay overridable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Region {
    /// Everywhere but the US (`services.tiktokshop.com`).
    #[default]
    #[serde(rename = "row")]
    RestOfWorld,
    /// The US (`services.tiktokshops.us`, the newest documented host).
    #[serde(rename = "us")]
    Us,
}

impl Region {
    /// Parses `"row"` / `"us"` (case-insensitive; `"global"` is accepted for rest of world).
    pub fn parse(name: &str) -> Result<Region, Error> {
        match name.trim().to_ascii_lowercase().as_str() {
            "row" | "global" | "rest-of-world" | "" => Ok(Region::RestOfWorld),
            "us" => Ok(Region::Us),
            other => Err(Error::InvalidConfig(format!(
                "unknown region {other:?}: use \"row\" (rest of world) or \"us\""
            ))),
        }
    }

    /// The region's short name, `"row"` or `"us"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::RestOfWorld => "row",
            Region::Us => "us",
        }
    }

    /// TikTok's documented endpoints for this region.
    pub fn default_endpoints(self) -> Endpoints {
        let authorize = match self {
            Region::RestOfWorld => "https://services.tiktokshop.com/open/authorize",
            Region::Us => "https://services.tiktokshops.us/open/authorize",
        };
        Endpoints {
            authorize: authorize.to_owned(),
            token_get: "https://auth.tiktok-shops.com/api/v2/token/get".to_owned(),
            token_refresh: "https://auth.tiktok-shops.com/api/v2/token/refresh".to_owned(),
            api_base: "https://open-api.tiktokglobalshop.com".to_owned(),
        }
    }
}

/// The four URLs the client talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    /// The authorization page the seller opens.
    pub authorize: String,
    /// `…/api/v2/token/get`.
    pub token_get: String,
    /// `…/api/v2/token/refresh`.
    pub token_refresh: String,
    /// The base of signed API calls, without a trailing slash.
    pub api_base: String,
}

/// Endpoint overrides: each one given replaces the region's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct EndpointOverrides {
    /// Replaces [`Endpoints::authorize`].
    #[cfg_attr(test, ts(optional))]
    pub authorize: Option<String>,
    /// Replaces [`Endpoints::token_get`].
    #[cfg_attr(test, ts(optional))]
    pub token_get: Option<String>,
    /// Replaces [`Endpoints::token_refresh`].
    #[cfg_attr(test, ts(optional))]
    pub token_refresh: Option<String>,
    /// Replaces [`Endpoints::api_base`].
    #[cfg_attr(test, ts(optional))]
    pub api_base: Option<String>,
}

/// A validated app configuration. Build it with [`Config::new`]; it cannot hold empty values or
/// plain-`http` endpoints (other than loopback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    app_key: String,
    app_secret: AppSecret,
    service_id: String,
    region: Region,
    endpoints: Endpoints,
}

impl Config {
    /// Validates and builds a configuration with the region's endpoints, each replaced by the
    /// matching override when one is given (blank overrides are ignored).
    pub fn new(
        app_key: &str,
        app_secret: AppSecret,
        service_id: &str,
        region: Region,
        overrides: &EndpointOverrides,
    ) -> Result<Config, Error> {
        let app_key = required("app key", app_key)?;
        required("app secret", app_secret.secret())?;
        let service_id = required("service ID", service_id)?;
        let defaults = region.default_endpoints();
        let pick = |name: &str, over: &Option<String>, default: String| -> Result<String, Error> {
            let value = match over.as_deref().map(str::trim) {
                Some(v) if !v.is_empty() => v.to_owned(),
                _ => default,
            };
            validate_endpoint(name, &value)?;
            Ok(value)
        };
        let endpoints = Endpoints {
            authorize: pick(
                "authorize endpoint",
                &overrides.authorize,
                defaults.authorize,
            )?,
            token_get: pick(
                "token get endpoint",
                &overrides.token_get,
                defaults.token_get,
            )?,
            token_refresh: pick(
                "token refresh endpoint",
                &overrides.token_refresh,
                defaults.token_refresh,
            )?,
            api_base: pick("API base", &overrides.api_base, defaults.api_base)?
                .trim_end_matches('/')
                .to_owned(),
        };
        Ok(Config {
            app_key,
            app_secret,
            service_id,
            region,
            endpoints,
        })
    }

    /// The app key.
    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    /// The app secret.
    pub fn app_secret(&self) -> &AppSecret {
        &self.app_secret
    }

    /// The service ID (the authorization page's `service_id`).
    pub fn service_id(&self) -> &str {
        &self.service_id
    }

    /// The region.
    pub fn region(&self) -> Region {
        self.region
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
}

fn required(name: &str, value: &str) -> Result<String, Error> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::InvalidConfig(format!("the {name} is empty")));
    }
    if trimmed != value || value.chars().any(char::is_whitespace) {
        return Err(Error::InvalidConfig(format!(
            "the {name} contains spaces or line breaks; paste it again without them"
        )));
    }
    Ok(value.to_owned())
}

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
            "the {name} {:?} {why}",
            shown_url(url)
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
    if url.chars().any(char::is_whitespace) {
        return Err("contains spaces, tabs or line breaks");
    }
    if url.chars().any(char::is_control) {
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
    let (authority, path_and_query) = rest.split_at(authority_len);
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
        authority.split_at(end + 1)
    } else {
        authority.split_at(authority.find(':').unwrap_or(authority.len()))
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
    match port.parse::<u32>() {
        Ok(n) if n <= 65_535 => Ok(()),
        _ => Err(bad),
    }
}

/// A host is `[::1]`, a canonical dotted-quad IPv4 address, or a name of ASCII letters, digits,
/// `-`, `_` and `.` with no empty label whose last label is not a number (browsers read a host
/// ending in a number as an IPv4 address: `0x7f.1`, `127.1` and `2130706433` are `127.0.0.1`).
fn check_host(host: &str) -> Result<(), &'static str> {
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
    let last = host.rsplit('.').next().unwrap_or(host);
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    let ends_in_a_number = hex || last.bytes().all(|b| b.is_ascii_digit());
    if ends_in_a_number && !is_canonical_ipv4(host) {
        return Err("has a numeric host that browsers read as another IP address; write it as four decimal numbers a.b.c.d without leading zeros");
    }
    Ok(())
}

/// `a.b.c.d`: four decimal numbers 0–255 without leading zeros.
fn is_canonical_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
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
    let is_dot = |segment: &str| {
        let plain = segment.to_ascii_lowercase().replace("%2e", ".");
        plain == "." || plain == ".."
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
    if let (Some(colon), Some(at)) = (shown.find(':'), shown.rfind('@')) {
        let start = shown
            .get(colon + 1..)
            .and_then(|after| after.find(|c: char| c != '/' && c != '\\'))
            .map_or(shown.len(), |skip| colon + 1 + skip);
        if start <= at {
            if let (Some(head), Some(tail)) = (shown.get(..start), shown.get(at..)) {
                shown = format!("{head}[redacted]{tail}");
            }
        }
    }
    let shown = crate::error::scrub_secret_values(&shown);
    if shown.chars().count() > 100 {
        let mut cut: String = shown.chars().take(100).collect();
        cut.push('…');
        cut
    } else {
        shown
    }
}

/// Everything the token client needs, validated: the app configuration plus the redirect URL
/// registered in Partner Center, the refresh margin and the flow timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The app configuration.
    pub app: Config,
    /// The redirect URL registered for the app (in the extension, `chrome.identity.getRedirectURL()`).
    pub redirect_url: String,
    /// Refresh an access token this many seconds before it expires.
    pub refresh_margin_secs: i64,
    /// How long the seller has to authorize, in seconds.
    pub flow_timeout_secs: i64,
    /// How long token/get and token/refresh may take before they are abandoned, in ms.
    pub token_timeout_ms: u32,
    /// How long an API call may take before it is abandoned, in ms (a call can say otherwise).
    pub api_timeout_ms: u32,
}

/// Default limit of token/get and token/refresh: 30 s.
pub const DEFAULT_TOKEN_TIMEOUT_MS: u32 = 30_000;
/// Default limit of an API call: 60 s.
pub const DEFAULT_API_TIMEOUT_MS: u32 = 60_000;
/// The longest limit a request may have: 10 minutes.
pub const MAX_TIMEOUT_MS: u32 = 600_000;

/// Checks a request time limit given in ms.
pub fn validate_timeout_ms(what: &str, value: i64) -> Result<u32, Error> {
    u32::try_from(value)
        .ok()
        .filter(|ms| (1..=MAX_TIMEOUT_MS).contains(ms))
        .ok_or_else(|| {
            Error::InvalidConfig(format!(
                "{what} must be between 1 and {MAX_TIMEOUT_MS} ms, not {value}"
            ))
        })
}

/// An object JavaScript passes in (through JSON), read field by field: a missing field is left
/// to its default, a field of another type is an error that names it (without its value), and
/// fields this version does not know are ignored. Written by hand over [`Value`] rather than
/// derived: every input shares the one JSON-to-`Value` parser, where derived readers each carried
/// a parser of their own (tens of KB of the module).
pub struct Input {
    fields: Map<String, Value>,
}

impl Input {
    /// The fields of `value`, which must be an object.
    pub fn new(value: Value) -> Result<Input, String> {
        match value {
            Value::Object(fields) => Ok(Input { fields }),
            other => Err(format!(
                "invalid type: {}, expected an object",
                json_kind(&other)
            )),
        }
    }

    /// Reads an input of type `T` with `read` from any serde deserializer (the shared part of
    /// the inputs' `Deserialize` impls).
    pub fn deserialize<'de, D, T>(
        deserializer: D,
        read: fn(&mut Input) -> Result<T, String>,
    ) -> Result<T, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        use serde::de::Error as _;
        let value = Value::deserialize(deserializer)?;
        Input::new(value)
            .and_then(|mut input| read(&mut input))
            .map_err(D::Error::custom)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.fields.remove(key)
    }

    /// A string field; `null` is refused like any other non-string.
    pub fn string(&mut self, key: &str) -> Result<String, String> {
        match self.take(key) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(wrong_type(key, &other, "a string")),
        }
    }

    /// An optional string field (`null`: none).
    pub fn opt_string(&mut self, key: &str) -> Result<Option<String>, String> {
        match self.take(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(key, &other, "a string")),
        }
    }

    /// An optional integer field (`null`: none) within `min..=max`.
    pub fn opt_int(&mut self, key: &str, min: i64, max: i64) -> Result<Option<i64>, String> {
        match self.take(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(format!(
                    "invalid value: the field {key} must be a whole number between {min} and {max}"
                )),
            },
            Some(other) => Err(wrong_type(key, &other, "a number")),
        }
    }

    /// A count (`usize`); `default` when missing.
    pub fn count(&mut self, key: &str, default: usize) -> Result<usize, String> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::Number(n)) => {
                n.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        format!(
                            "invalid value: the field {key} must be a whole number of at least 0"
                        )
                    })
            }
            Some(other) => Err(wrong_type(key, &other, "a number")),
        }
    }

    /// A boolean field; `false` when missing.
    pub fn flag(&mut self, key: &str) -> Result<bool, String> {
        match self.take(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(other) => Err(wrong_type(key, &other, "a boolean")),
        }
    }

    /// An object field; an empty one when missing.
    pub fn object(&mut self, key: &str) -> Result<Input, String> {
        match self.take(key) {
            None => Ok(Input::default()),
            Some(Value::Object(fields)) => Ok(Input { fields }),
            Some(other) => Err(wrong_type(key, &other, "an object")),
        }
    }

    /// An optional object of strings (`null`: none).
    pub fn opt_strings(
        &mut self,
        key: &str,
    ) -> Result<Option<std::collections::BTreeMap<String, String>>, String> {
        let fields = match self.take(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(fields)) => fields,
            Some(other) => return Err(wrong_type(key, &other, "an object")),
        };
        let mut out = std::collections::BTreeMap::new();
        for (name, value) in fields {
            match value {
                Value::String(s) => {
                    out.insert(name, s);
                }
                other => return Err(wrong_type(&format!("{key}.{name}"), &other, "a string")),
            }
        }
        Ok(Some(out))
    }
}

impl Default for Input {
    fn default() -> Self {
        Input { fields: Map::new() }
    }
}

/// What kind of JSON value `value` is, for messages (never the value itself: it could be a
/// secret).
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(key: &str, value: &Value, expected: &str) -> String {
    format!(
        "invalid type: the field {key} is {}, expected {expected}",
        json_kind(value)
    )
}

/// The client configuration as JavaScript (or a settings file) gives it: camelCase, optional
/// parts left out. [`ClientConfigInput::validate`] turns it into a [`ClientConfig`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "ClientConfig"))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct ClientConfigInput {
    /// App key.
    pub app_key: String,
    /// App secret.
    #[cfg_attr(test, ts(type = "string"))]
    pub app_secret: Option<AppSecret>,
    /// Service ID.
    pub service_id: String,
    /// `"row"` (default) or `"us"`.
    #[cfg_attr(test, ts(optional, type = "\"row\" | \"us\""))]
    pub region: Option<String>,
    /// The redirect URL registered in Partner Center.
    pub redirect_url: String,
    /// Endpoint overrides.
    #[cfg_attr(test, ts(as = "Option<EndpointOverrides>", optional))]
    pub endpoints: EndpointOverrides,
    /// Refresh margin in seconds (default 300).
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub refresh_margin_secs: Option<i64>,
    /// Flow timeout in seconds (default 240).
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub flow_timeout_secs: Option<i64>,
    /// Limit of token/get and token/refresh in ms (default 30000).
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub token_timeout_ms: Option<i64>,
    /// Limit of an API call in ms (default 60000).
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub api_timeout_ms: Option<i64>,
}

impl<'de> Deserialize<'de> for ClientConfigInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Input::deserialize(deserializer, ClientConfigInput::read)
    }
}

impl ClientConfigInput {
    fn read(input: &mut Input) -> Result<ClientConfigInput, String> {
        let mut endpoints = input.object("endpoints")?;
        Ok(ClientConfigInput {
            app_key: input.string("appKey")?,
            app_secret: input.opt_string("appSecret")?.map(AppSecret::new),
            service_id: input.string("serviceId")?,
            region: input.opt_string("region")?,
            redirect_url: input.string("redirectUrl")?,
            endpoints: EndpointOverrides {
                authorize: endpoints.opt_string("authorize")?,
                token_get: endpoints.opt_string("tokenGet")?,
                token_refresh: endpoints.opt_string("tokenRefresh")?,
                api_base: endpoints.opt_string("apiBase")?,
            },
            refresh_margin_secs: input.opt_int("refreshMarginSecs", i64::MIN, i64::MAX)?,
            flow_timeout_secs: input.opt_int("flowTimeoutSecs", i64::MIN, i64::MAX)?,
            token_timeout_ms: input.opt_int("tokenTimeoutMs", i64::MIN, i64::MAX)?,
            api_timeout_ms: input.opt_int("apiTimeoutMs", i64::MIN, i64::MAX)?,
        })
    }

    /// Validates everything, naming the first problem found.
    pub fn validate(&self) -> Result<ClientConfig, Error> {
        let region = Region::parse(self.region.as_deref().unwrap_or("row"))?;
        let secret = self
            .app_secret
            .clone()
            .unwrap_or_else(|| AppSecret::new(""));
        let app = Config::new(
            &self.app_key,
            secret,
            &self.service_id,
            region,
            &self.endpoints,
        )?;
        let redirect_url = self.redirect_url.trim();
        validate_endpoint("redirect URL", redirect_url)?;
        let refresh_margin_secs = self
            .refresh_margin_secs
            .unwrap_or(crate::policy::DEFAULT_REFRESH_MARGIN_SECS);
        if !(0..=86_400).contains(&refresh_margin_secs) {
            return Err(Error::InvalidConfig(format!(
                "the refresh margin must be between 0 and 86400 seconds, not {refresh_margin_secs}"
            )));
        }
        let flow_timeout_secs = self
            .flow_timeout_secs
            .unwrap_or(crate::flow::DEFAULT_FLOW_TIMEOUT_SECS);
        if !(1..=3600).contains(&flow_timeout_secs) {
            return Err(Error::InvalidConfig(format!(
                "the flow timeout must be between 1 and 3600 seconds, not {flow_timeout_secs}"
            )));
        }
        let token_timeout_ms = validate_timeout_ms(
            "the token request time limit",
            self.token_timeout_ms
                .unwrap_or(i64::from(DEFAULT_TOKEN_TIMEOUT_MS)),
        )?;
        let api_timeout_ms = validate_timeout_ms(
            "the API call time limit",
            self.api_timeout_ms
                .unwrap_or(i64::from(DEFAULT_API_TIMEOUT_MS)),
        )?;
        Ok(ClientConfig {
            app,
            redirect_url: redirect_url.to_owned(),
            refresh_margin_secs,
            flow_timeout_secs,
            token_timeout_ms,
            api_timeout_ms,
        })
    }
}

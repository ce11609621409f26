//! Plain request and response values: what the core builds and parses, and what any transport
//! (gloo-net fetch in the browser, a fake in tests) sends and returns.

use std::fmt;

/// Whether a byte is left as it is in a query component: RFC 3986's unreserved set.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// An upper-case hexadecimal digit of `nibble` (0–15).
fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase())
}

/// Appends `value` percent-encoded (UTF-8, upper-case `%XX`), leaving only unreserved
/// characters. Written out rather than through the `percent-encoding` crate: its 768-byte
/// `%00%01…` table and iterator are more than this.
fn push_encoded(out: &mut String, value: &str) {
    for b in value.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0xf));
        }
    }
}

/// Percent-encodes one query component (key or value), leaving only unreserved characters.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_encoded(&mut out, value);
    out
}

/// Builds `key=value&key=value`, each part percent-encoded (into one string: every signed call
/// builds a query, and formatting each pair separately showed in the per-call profile).
pub fn encode_query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    push_query(&mut out, pairs);
    out
}

fn push_query<K: AsRef<str>, V: AsRef<str>>(out: &mut String, pairs: &[(K, V)]) {
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_encoded(out, k.as_ref());
        out.push('=');
        push_encoded(out, v.as_ref());
    }
}

/// Appends query parameters to a URL that may already have a query.
pub fn append_query<K: AsRef<str>, V: AsRef<str>>(base: &str, pairs: &[(K, V)]) -> String {
    if pairs.is_empty() {
        return base.to_owned();
    }
    let separator = if base.contains('?') {
        if base.ends_with('?') || base.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    let mut out = String::with_capacity(base.len() + 160);
    out.push_str(base);
    out.push_str(separator);
    push_query(&mut out, pairs);
    out
}

/// Splits a URL into the part before the query, the query (without `?`) and drops the fragment.
pub fn split_url(url: &str) -> (&str, &str) {
    let without_fragment = url.split_once('#').map_or(url, |(before, _)| before);
    match without_fragment.split_once('?') {
        Some((base, query)) => (base, query),
        None => (without_fragment, ""),
    }
}

/// Decodes an `application/x-www-form-urlencoded` query into pairs (`+` is a space). Invalid
/// UTF-8 after decoding is replaced, never an error.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|part| !part.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((decode_component(k), decode_component(v)));
    }
    pairs
}

/// `+` as a space and each `%XX` (two hexadecimal digits, either case) as its byte; a `%` not
/// followed by two hexadecimal digits is kept as it is.
fn decode_component(value: &str) -> String {
    let bytes = value.as_bytes();
    let hex = |at: usize| {
        bytes
            .get(at)
            .and_then(|b| char::from(*b).to_digit(16))
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'+' => out.push(b' '),
            b'%' => match (hex(i), hex(i + 1)) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name, case-insensitively.
    pub fn parse(name: &str) -> Result<Method, crate::Error> {
        match name.trim().to_ascii_uppercase().as_str() {
            "GET" => Ok(Method::Get),
            "POST" => Ok(Method::Post),
            "PUT" => Ok(Method::Put),
            "PATCH" => Ok(Method::Patch),
            "DELETE" => Ok(Method::Delete),
            other => Err(crate::Error::InvalidInput(format!(
                "unsupported HTTP method {}",
                crate::text::Quoted(other)
            ))),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request to send. Its `Debug` blanks secret query values and the access-token header, since
/// token requests carry the app secret in the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL, query included.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The exact body bytes (empty for none).
    pub body: Vec<u8>,
    /// Abandon the request after this many ms (the transport aborts it; the client also stops
    /// waiting). `None`: no limit of the request's own.
    pub timeout_ms: Option<u32>,
}

impl HttpRequest {
    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The query parameters of the URL, decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(split_url(&self.url).1)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if k.eq_ignore_ascii_case("x-tts-access-token") {
                    "[redacted]".to_owned()
                } else {
                    v.clone()
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &crate::error::scrub_secret_values(&self.url))
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as the transport received it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// Header names and values (at least `Date` when the transport can read it).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &crate::error::snippet(&self.body))
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

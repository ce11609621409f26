//! TikTok Shop request signing (API version 202309 and later) and signed request building.
//!
//! The sign: take the query parameters except `sign` and `access_token`; sort them by key in byte
//! order; concatenate `key + value` (raw values, not URL-encoded); put the path in front; unless
//! the media type is `multipart/form-data`, append the exact body bytes; wrap the whole in the app
//! secret on both sides; HMAC-SHA256 it keyed by the app secret; write it in lowercase hex.

use crate::config::Config;
use crate::http::{append_query, HttpRequest, Method};
use crate::secret::AccessToken;
use crate::Error;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Query keys that are never part of the signed string.
const UNSIGNED_KEYS: [&str; 2] = ["sign", "access_token"];

/// The TikTok sign of a request, in lowercase hex.
///
/// `query` holds the decoded query parameters (in any order; `sign` and `access_token` are
/// dropped here), `body` the exact bytes sent, `content_type` the request's `Content-Type`.
pub fn sign(
    app_secret: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &[u8],
    content_type: &str,
) -> String {
    // Byte order of the keys (`String`'s `Ord`), not a locale's; values break ties so the result
    // does not depend on the input order.
    let mut keys = Vec::with_capacity(query.len());
    for (k, v) in query {
        if !UNSIGNED_KEYS.contains(k) {
            keys.push((0, (*k).to_owned(), (*v).to_owned()));
        }
    }
    let params = crate::sort_keys(keys);

    let mut mac = match Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(app_secret.as_bytes());
    mac.update(path.as_bytes());
    for ((_, k, v), _) in params {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    if !is_multipart(content_type) {
        mac.update(body);
    }
    mac.update(app_secret.as_bytes());
    crate::text::lower_hex(&mac.finalize().into_bytes())
}

/// Whether a `Content-Type` is `multipart/form-data` (parameters and letter case ignored).
fn is_multipart(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// The content type of every signed API call (TikTok wants it on `GET`s too).
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// A TikTok Shop API call before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// The path, such as `/authorization/202309/shops`.
    pub path: String,
    /// Business query parameters (`app_key`, `timestamp`, `sign` and `shop_cipher` are added).
    pub query: Vec<(String, String)>,
    /// The JSON body (empty for none).
    pub body: Vec<u8>,
    /// The shop cipher, for shop-scoped endpoints.
    pub shop_cipher: Option<String>,
}

impl ApiRequest {
    /// A `GET` of `path` with no parameters.
    pub fn get(path: &str) -> ApiRequest {
        ApiRequest {
            method: Method::Get,
            path: path.to_owned(),
            query: Vec::new(),
            body: Vec::new(),
            shop_cipher: None,
        }
    }
}

/// Builds the signed request: `{api_base}{path}?…&app_key=…&timestamp=…[&shop_cipher=…]&sign=…`
/// with the headers `x-tts-access-token` and `Content-Type: application/json`. `timestamp` is
/// Unix seconds, normally server time (see [`clock_offset_from_date_header`]); a retry must call
/// this again with a fresh timestamp. Query entries named `app_key`, `timestamp`, `sign`,
/// `access_token` or `shop_cipher` given by the caller are replaced by the right ones, so a token
/// never travels in the URL.
pub fn build_signed_request(
    config: &Config,
    access_token: &AccessToken,
    request: &ApiRequest,
    timestamp: i64,
) -> Result<HttpRequest, Error> {
    if !request.path.starts_with('/') || request.path.contains(['?', '#']) {
        return Err(Error::InvalidInput(format!(
            "the API path must start with / and have no query: {}",
            // The query a caller put in the path may hold a token (`?access_token=…`).
            crate::text::Quoted(&crate::error::scrub_secret_values(&request.path))
        )));
    }
    let timestamp = timestamp.to_string();
    let mut query: Vec<(&str, &str)> = Vec::with_capacity(request.query.len() + 4);
    for (k, v) in &request.query {
        if !matches!(
            k.as_str(),
            "app_key" | "timestamp" | "sign" | "access_token" | "shop_cipher"
        ) {
            query.push((k, v));
        }
    }
    query.push(("app_key", config.app_key()));
    query.push(("timestamp", &timestamp));
    if let Some(cipher) = request.shop_cipher.as_deref().filter(|c| !c.is_empty()) {
        query.push(("shop_cipher", cipher));
    }
    let signature = sign(
        config.app_secret().secret(),
        &request.path,
        &query,
        &request.body,
        JSON_CONTENT_TYPE,
    );
    query.push(("sign", &signature));
    let url = append_query(
        &format!("{}{}", config.endpoints().api_base, request.path),
        &query,
    );
    Ok(HttpRequest {
        method: request.method,
        url,
        headers: vec![
            (
                "x-tts-access-token".to_owned(),
                access_token.secret().to_owned(),
            ),
            ("Content-Type".to_owned(), JSON_CONTENT_TYPE.to_owned()),
        ],
        body: request.body.clone(),
        timeout_ms: None,
    })
}

/// Server time minus local time, in seconds, from a response's `Date` header (RFC 7231
/// IMF-fixdate, such as `Sun, 06 Nov 1994 08:49:37 GMT`). Sign with `local_now + offset`:
/// TikTok rejects timestamps more than 30 s ahead of its clock.
pub fn clock_offset_from_date_header(date: &str, local_now: i64) -> Result<i64, Error> {
    parse_http_date(date)
        .map(|server| server - local_now)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "unreadable Date header {}",
                crate::text::Quoted(date)
            ))
        })
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into Unix seconds.
pub fn parse_http_date(date: &str) -> Option<i64> {
    let mut parts = date.split_whitespace();
    let _weekday = parts.next()?;
    let day = integer(parts.next()?)?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|name| *name == month_name)? as i64 + 1;
    let year = integer(parts.next()?)?;
    let mut hms = parts.next()?.split(':');
    let hour = integer(hms.next()?)?;
    let minute = integer(hms.next()?)?;
    let second = integer(hms.next()?)?;
    if parts.next()? != "GMT"
        || !(1..=31).contains(&day)
        || !(0..24).contains(&hour)
        || !(0..60).contains(&minute)
        || !(0..=60).contains(&second)
        || !(1970..=9999).contains(&year)
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// A date's number as `str::parse::<i64>` reads it (a sign allowed), where every part checked
/// after it is at least 0: a negative number other than `-0` is `None` here, as it would fail
/// the range check there (without the standard library's integer parser in the module).
fn integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let n = i64::try_from(crate::text::decimal(digits)?).ok()?;
    (!negative || n == 0).then_some(n)
}

/// The months' names in an HTTP date, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::integer;

    #[test]
    fn integer_reads_what_parse_reads_where_a_date_part_can_be_valid() {
        for text in [
            "0",
            "-0",
            "+0",
            "7",
            "+7",
            "-7",
            "007",
            "31",
            "1970",
            "9999",
            "",
            "+",
            "-",
            "+-1",
            "-+1",
            "1a",
            " 1",
            "1.0",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "99999999999999999999",
        ] {
            let want = text.parse::<i64>().ok().filter(|n| *n >= 0);
            assert_eq!(integer(text), want, "{text:?}");
        }
    }
}

//! The crate's one error type.
//!
//! Every message is meant for a person and says what to do next where it can. No variant ever
//! holds a secret: response snippets go through [`snippet`], which cuts them short and blanks the
//! values of secret-bearing keys, and the client additionally replaces every secret it knows
//! (see [`Error::redacted`]).

use std::fmt;

/// Why a response could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum MalformedKind {
    /// The body was empty.
    EmptyBody,
    /// The body is an HTML page (a proxy, gateway or server error page), not JSON.
    Html,
    /// The body is JSON that ends too early.
    TruncatedJson,
    /// The body is not JSON at all.
    NotJson,
    /// The JSON is not an object, or a field is missing or has the wrong type.
    UnexpectedShape,
}

impl fmt::Display for MalformedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MalformedKind::EmptyBody => "the body is empty",
            MalformedKind::Html => "the body is an HTML page, not JSON",
            MalformedKind::TruncatedJson => "the JSON is truncated",
            MalformedKind::NotJson => "the body is not JSON",
            MalformedKind::UnexpectedShape => "the JSON does not have the expected shape",
        })
    }
}

/// Why an authorization flow ended in state 5 ("failed").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[non_exhaustive]
pub enum FailureReason {
    /// The user or the program cancelled the flow.
    Cancelled,
    /// The user closed the authorization window before TikTok redirected back.
    WindowClosed,
    /// The program that ran the flow stopped (for example a recycled service worker).
    Interrupted,
    /// The flow's deadline passed before it completed.
    TimedOut,
    /// The authorization page could not be loaded, or never redirected to the redirect URL.
    PageLoadFailed,
    /// The redirect came back, but exchanging the code for tokens failed.
    TokenExchangeFailed,
    /// The redirect came back without a usable code.
    InvalidRedirect,
}

impl FailureReason {
    /// Every reason.
    pub const ALL: [FailureReason; 7] = [
        FailureReason::Cancelled,
        FailureReason::WindowClosed,
        FailureReason::Interrupted,
        FailureReason::TimedOut,
        FailureReason::PageLoadFailed,
        FailureReason::TokenExchangeFailed,
        FailureReason::InvalidRedirect,
    ];

    /// The reason's code, as stored and sent to JS (`cancelled`, `windowClosed`, …).
    pub fn code(self) -> &'static str {
        match self {
            FailureReason::Cancelled => "cancelled",
            FailureReason::WindowClosed => "windowClosed",
            FailureReason::Interrupted => "interrupted",
            FailureReason::TimedOut => "timedOut",
            FailureReason::PageLoadFailed => "pageLoadFailed",
            FailureReason::TokenExchangeFailed => "tokenExchangeFailed",
            FailureReason::InvalidRedirect => "invalidRedirect",
        }
    }

    /// The reason of that code.
    pub fn parse(code: &str) -> Option<FailureReason> {
        FailureReason::ALL
            .into_iter()
            .find(|reason| reason.code() == code)
    }

    /// A short label, as stored and shown (`"cancelled"`, `"window closed"`, …).
    pub fn label(self) -> &'static str {
        match self {
            FailureReason::Cancelled => "cancelled",
            FailureReason::WindowClosed => "window closed",
            FailureReason::Interrupted => "interrupted",
            FailureReason::TimedOut => "timed out",
            FailureReason::PageLoadFailed => "authorization page could not be loaded",
            FailureReason::TokenExchangeFailed => "token exchange failed",
            FailureReason::InvalidRedirect => "invalid redirect",
        }
    }

    /// The reason in words for a person, as pages show it after "Failed: ".
    pub fn description(self) -> &'static str {
        match self {
            FailureReason::Cancelled => "cancelled",
            FailureReason::WindowClosed => "the TikTok window was closed before authorizing",
            FailureReason::Interrupted => "interrupted: the extension restarted while waiting",
            FailureReason::TimedOut => "timed out",
            FailureReason::PageLoadFailed => "the authorization page could not be loaded",
            FailureReason::TokenExchangeFailed => "the token exchange failed",
            FailureReason::InvalidRedirect => "the redirect was not valid",
        }
    }
}

/// Everything that can go wrong, from configuration to TikTok's answers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is incomplete or unsafe.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),

    /// An argument given by the caller is not usable.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The seller declined the authorization on TikTok's page (Chilkat's state 4).
    #[error("the seller denied the authorization (error \"{error}\"); ask them to connect again and choose Authorize")]
    AccessDenied {
        /// TikTok's `error` parameter (`access_denied`, `auth_denied`, or `null`).
        error: String,
        /// The query of the denial redirect, as TikTok sent it.
        error_response: String,
    },

    /// The redirect has no `state`, or a different one from the pending flow's.
    #[error("{}; the redirect was not started here or is from another attempt, so it was ignored", if *.found == "is missing" { "the redirect has no state" } else { "the redirect's state differs from the pending authorization's" })]
    StateMismatch {
        /// What was found: `"is missing"` or `"differs"`.
        found: &'static str,
    },

    /// The redirect's state was already used (a redirect that arrives twice, or a late one).
    #[error("this redirect was already used or its authorization is no longer pending; start Connect again")]
    StateReused,

    /// No authorization is pending.
    #[error("no authorization is pending; start Connect first")]
    FlowNotPending,

    /// The pending authorization's deadline passed.
    #[error("the authorization took too long and expired; start Connect again")]
    FlowExpired,

    /// The redirect URL is not the expected one, or has no usable code.
    #[error("invalid redirect: {0}")]
    InvalidRedirect(String),

    /// TikTok answered with a non-zero `code`.
    #[error("TikTok error {code}: {message} (HTTP {http_status}{})", request_id_suffix(.request_id))]
    TikTokApi {
        /// TikTok's error code.
        code: i64,
        /// TikTok's message.
        message: String,
        /// TikTok's `request_id`, for their support.
        request_id: Option<String>,
        /// The HTTP status of the response.
        http_status: u16,
    },

    /// The refresh token expired or the authorization was revoked: the seller must connect again.
    #[error("the seller must connect again: {message} (TikTok error {code}{})", request_id_suffix(.request_id))]
    ReconnectRequired {
        /// TikTok's error code (36004001, 36004005, or 105001 after a failed refresh).
        code: i64,
        /// TikTok's message.
        message: String,
        /// TikTok's `request_id`.
        request_id: Option<String>,
    },

    /// The app lacks a permission (scope) that the API needs (TikTok 105005). Refreshing does not help.
    #[error("missing permission{}: {message}; add it to the app in Partner Center and have the seller authorize again", scope.as_deref().map(|s| format!(" {s}")).unwrap_or_default())]
    MissingPermission {
        /// The scope named in TikTok's message, when it names one.
        scope: Option<String>,
        /// TikTok's message.
        message: String,
        /// TikTok's `request_id`.
        request_id: Option<String>,
    },

    /// TikTok rate-limited the call (36009002 / HTTP 429). Not retried automatically.
    #[error("rate limited by TikTok: {message}; slow down and try again later")]
    RateLimited {
        /// TikTok's message.
        message: String,
        /// TikTok's `request_id`.
        request_id: Option<String>,
    },

    /// The request did not reach TikTok or no answer came back.
    #[error("network error: {0}")]
    Network(String),

    /// No answer came back in time; the request was abandoned (TikTok may still have acted on
    /// it).
    #[error("{what} timed out after {after_ms} ms; try again")]
    Timeout {
        /// What timed out (`"token/get"`, `"token/refresh"`, `"the API call"`).
        what: String,
        /// The limit that passed.
        after_ms: u32,
    },

    /// The response could not be read.
    #[error("unreadable response (HTTP {http_status}): {kind}{}", if .detail.is_empty() { String::new() } else { format!(" ({})", .detail) })]
    MalformedResponse {
        /// The HTTP status of the response.
        http_status: u16,
        /// What is wrong with it.
        kind: MalformedKind,
        /// Which field or what parser said, when known.
        detail: String,
        /// The start of the body, without secrets.
        snippet: String,
    },

    /// No account with that `open_id` is stored.
    #[error("no connected account {0}")]
    UnknownAccount(String),

    /// The store failed, or holds something this version cannot read.
    #[error("storage error: {0}")]
    Storage(String),

    /// TikTok issued new tokens but the store refused to save them (full, or failing). They are
    /// kept in memory and used; every next call tries to save them again. Until then a stopped
    /// worker would lose them: free storage space.
    #[error("TikTok issued new tokens for {open_id} but they could not be saved ({reason}); they are kept in memory and saved again on the next call: free storage space")]
    TokensNotSaved {
        /// The account.
        open_id: String,
        /// What the store said.
        reason: String,
    },

    /// An earlier refresh of this account was cut off (the worker or browser stopped while it
    /// was in flight) and TikTok no longer accepts the old refresh token: it rotated it in the
    /// answer that was lost. The seller must connect again.
    #[error("refresh interrupted — reconnect: a token refresh was cut off before its answer was saved, and TikTok no longer accepts the old refresh token ({message}, TikTok error {code}{})", request_id_suffix(.request_id))]
    RefreshInterrupted {
        /// TikTok's error code for the rejected refresh token.
        code: i64,
        /// TikTok's message.
        message: String,
        /// TikTok's `request_id`.
        request_id: Option<String>,
    },

    /// An import would replace newer tokens of the same seller; nothing was written. Import
    /// again with `replaceNewer` to replace them anyway.
    #[error("the tokens stored for seller {open_id} are newer than the file's ({detail}); nothing was changed. Confirm the import (replaceNewer) to replace them anyway")]
    NewerTokensStored {
        /// The account.
        open_id: String,
        /// Which expiry is later.
        detail: String,
    },
}

fn request_id_suffix(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(", request_id {id}"))
        .unwrap_or_default()
}

impl Error {
    /// The variant's name, as JavaScript sees it in `error.name`.
    pub fn name(&self) -> &'static str {
        match self {
            Error::InvalidConfig(_) => "InvalidConfig",
            Error::InvalidInput(_) => "InvalidInput",
            Error::AccessDenied { .. } => "AccessDenied",
            Error::StateMismatch { .. } => "StateMismatch",
            Error::StateReused => "StateReused",
            Error::FlowNotPending => "FlowNotPending",
            Error::FlowExpired => "FlowExpired",
            Error::InvalidRedirect(_) => "InvalidRedirect",
            Error::TikTokApi { .. } => "TikTokApiError",
            Error::ReconnectRequired { .. } => "ReconnectRequired",
            Error::MissingPermission { .. } => "MissingPermission",
            Error::RateLimited { .. } => "RateLimited",
            Error::Network(_) => "NetworkError",
            Error::Timeout { .. } => "Timeout",
            Error::MalformedResponse { .. } => "MalformedResponse",
            Error::UnknownAccount(_) => "UnknownAccount",
            Error::Storage(_) => "StorageError",
            Error::TokensNotSaved { .. } => "TokensNotSaved",
            Error::RefreshInterrupted { .. } => "RefreshInterrupted",
            Error::NewerTokensStored { .. } => "NewerTokensStored",
        }
    }

    /// TikTok's error code, when the error came from TikTok.
    pub fn tiktok_code(&self) -> Option<i64> {
        match self {
            Error::TikTokApi { code, .. }
            | Error::ReconnectRequired { code, .. }
            | Error::RefreshInterrupted { code, .. } => Some(*code),
            Error::MissingPermission { .. } => Some(crate::policy::codes::MISSING_SCOPE),
            Error::RateLimited { .. } => Some(crate::policy::codes::RATE_LIMITED),
            _ => None,
        }
    }

    /// TikTok's `request_id`, when the error came from TikTok.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::TikTokApi { request_id, .. }
            | Error::ReconnectRequired { request_id, .. }
            | Error::RefreshInterrupted { request_id, .. }
            | Error::MissingPermission { request_id, .. }
            | Error::RateLimited { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// A transient failure: worth one more try after a short pause (network errors, HTTP 5xx,
    /// unreadable bodies). A definitive TikTok error code is never transient.
    pub fn is_transient(&self) -> bool {
        crate::policy::is_transient(self)
    }

    /// Whether the seller has to connect again ([`Error::ReconnectRequired`] or
    /// [`Error::RefreshInterrupted`]).
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            Error::ReconnectRequired { .. } | Error::RefreshInterrupted { .. }
        )
    }

    /// The same error with every occurrence of each secret in `secrets` replaced by
    /// `[redacted]`, in every text it carries. The client calls it with the app secret and the
    /// tokens it knows before an error leaves it (error pages often echo the request URL).
    pub fn redacted(self, secrets: &[&str]) -> Error {
        let r = |text: String| redact_values(&text, secrets);
        match self {
            Error::InvalidConfig(t) => Error::InvalidConfig(r(t)),
            Error::InvalidInput(t) => Error::InvalidInput(r(t)),
            Error::AccessDenied {
                error,
                error_response,
            } => Error::AccessDenied {
                error: r(error),
                error_response: r(error_response),
            },
            Error::InvalidRedirect(t) => Error::InvalidRedirect(r(t)),
            Error::TikTokApi {
                code,
                message,
                request_id,
                http_status,
            } => Error::TikTokApi {
                code,
                message: r(message),
                request_id: request_id.map(r),
                http_status,
            },
            Error::ReconnectRequired {
                code,
                message,
                request_id,
            } => Error::ReconnectRequired {
                code,
                message: r(message),
                request_id: request_id.map(r),
            },
            Error::MissingPermission {
                scope,
                message,
                request_id,
            } => Error::MissingPermission {
                scope: scope.map(r),
                message: r(message),
                request_id: request_id.map(r),
            },
            Error::RateLimited {
                message,
                request_id,
            } => Error::RateLimited {
                message: r(message),
                request_id: request_id.map(r),
            },
            Error::Network(t) => Error::Network(r(t)),
            Error::Timeout { what, after_ms } => Error::Timeout {
                what: r(what),
                after_ms,
            },
            Error::MalformedResponse {
                http_status,
                kind,
                detail,
                snippet,
            } => Error::MalformedResponse {
                http_status,
                kind,
                detail: r(detail),
                snippet: r(snippet),
            },
            Error::UnknownAccount(t) => Error::UnknownAccount(r(t)),
            Error::Storage(t) => Error::Storage(r(t)),
            Error::TokensNotSaved { open_id, reason } => Error::TokensNotSaved {
                open_id: r(open_id),
                reason: r(reason),
            },
            Error::RefreshInterrupted {
                code,
                message,
                request_id,
            } => Error::RefreshInterrupted {
                code,
                message: r(message),
                request_id: request_id.map(r),
            },
            Error::NewerTokensStored { open_id, detail } => Error::NewerTokensStored {
                open_id: r(open_id),
                detail: r(detail),
            },
            other @ (Error::StateMismatch { .. }
            | Error::StateReused
            | Error::FlowNotPending
            | Error::FlowExpired) => other,
        }
    }
}

/// Unix seconds as `2026-12-07 08:00 UTC`, for messages.
pub fn utc_minutes(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let minutes = secs.rem_euclid(86_400) / 60;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minutes / 60,
        minutes % 60
    )
}

/// Replaces every occurrence of each non-empty value in `secrets` (and of its percent-encoded
/// form) with `[redacted]`.
pub fn redact_values(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret) {
            out = out.replace(secret, "[redacted]");
        }
        let encoded = crate::http::encode_component(secret);
        if encoded != *secret && out.contains(&encoded) {
            out = out.replace(&encoded, "[redacted]");
        }
    }
    out
}

/// Whether a key names a secret: anything with "token", "secret" or "password" in it
/// (`access_token`, `refresh_token`, `x-tts-access-token`, `app_secret`, `appSecret`, …),
/// `auth_code`, `code` (the authorization code in a redirect) and `sign`. Deliberately broad:
/// blanking an expiry in an error snippet costs nothing.
fn is_secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.contains("token")
        || lower.contains("secret")
        || lower.contains("password")
        || matches!(
            lower.as_str(),
            "auth_code" | "auth-code" | "authcode" | "code" | "sign"
        )
}

/// A value left as it is under a secret key: `null`, and under `code` an integer of at most 12
/// digits (TikTok's error code, which is no secret and which an error snippet is for; an
/// authorization code is a long string).
fn is_kept_value(key: &str, value: &str) -> bool {
    if value == "null" {
        return true;
    }
    let digits = value.strip_prefix('-').unwrap_or(value);
    key.eq_ignore_ascii_case("code")
        && (1..=12).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// What replaces a secret value.
const REDACTED: &str = "[redacted]";

/// How many characters of a body an error keeps.
pub const SNIPPET_CHARS: usize = 160;

/// How many bytes of a body [`snippet`] reads.
const SNIPPET_WINDOW_BYTES: usize = 4096;

/// The start of a response body for an error message: at most [`SNIPPET_CHARS`] characters,
/// lossily decoded, control characters turned into spaces, and every secret value blanked by
/// [`scrub_secrets`] first (from the first 4 KB of the body: structurally when that is JSON,
/// by the whitespace-tolerant text rule when it is not — truncated JSON, HTML, a query string).
pub fn snippet(body: &[u8]) -> String {
    // Scrub a bounded prefix first, then cut: a key near the end of the window still gets its
    // value blanked. `from_utf8_lossy` never fails; `get(..n)` never panics.
    let window = body
        .get(..body.len().min(SNIPPET_WINDOW_BYTES))
        .unwrap_or(body);
    let text = String::from_utf8_lossy(window);
    let scrubbed = scrub_secrets(&text);
    let mut out: String = scrubbed
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SNIPPET_CHARS)
        .collect();
    if scrubbed.chars().count() > SNIPPET_CHARS || body.len() > window.len() {
        out.push('…');
    }
    out
}

/// Blanks every secret value in a body. When `text` parses as JSON, by its structure: the value
/// of every secret-bearing key at any depth becomes `"[redacted]"` whatever its type (string,
/// number, boolean, object, array; `null` and a short numeric `code` are kept), every other
/// string goes through [`scrub_secret_values`] (a message that quotes a query string or a JSON
/// text), and the result is written back compactly (keys in sorted order). Otherwise, by
/// [`scrub_secret_values`] alone.
pub fn scrub_secrets(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            scrub_json(&mut value);
            serde_json::to_string(&value).unwrap_or_else(|_| scrub_secret_values(text))
        }
        Err(_) => scrub_secret_values(text),
    }
}

/// Blanks, in place, the values of secret-bearing keys and secret values quoted inside strings.
/// Recursion is bounded by `serde_json`'s nesting limit (128).
fn scrub_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if !is_secret_key(key) {
                    scrub_json(item);
                    continue;
                }
                let kept = match item {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    Value::Number(n) => is_kept_value(key, &n.to_string()),
                    _ => false,
                };
                if !kept {
                    *item = Value::String(REDACTED.to_owned());
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_json),
        Value::String(s) => {
            let scrubbed = scrub_secret_values(s);
            if scrubbed != *s {
                *s = scrubbed;
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Blanks the value that follows each secret-bearing key in any text — JSON whole, truncated or
/// quoted inside a string (`\"access_token\":\"…\"`), a query or form body (`app_secret=…&`), a
/// header line (`x-tts-access-token: …`) — tolerating any whitespace, line breaks included,
/// around the `:` or `=`. A quoted value is blanked up to its closing quote, an object or array
/// up to its closing bracket, anything else up to the next space, `&`, `,`, `;`, bracket or
/// quote; `Bearer`/`Basic` take the word after them along. When the text ends first (a body cut
/// short), everything to the end is blanked. Never panics.
pub fn scrub_secret_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes.get(i).copied().is_some_and(is_word) {
            i += 1;
            continue;
        }
        let word_start = i;
        while bytes.get(i).copied().is_some_and(is_word) {
            i += 1;
        }
        // Word boundaries are ASCII bytes or the string's ends: char boundaries.
        let word = text.get(word_start..i).unwrap_or("");
        if !is_secret_key(word) {
            continue;
        }
        let Some((start, end)) = secret_value_span(bytes, i) else {
            continue;
        };
        if is_kept_value(word, text.get(start..end).unwrap_or("")) {
            i = end;
            continue;
        }
        out.push_str(text.get(copied..start).unwrap_or(""));
        out.push_str(REDACTED);
        copied = end;
        i = end.max(i);
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    out
}

/// Where the value of a key that ends at `after_key` starts and ends (byte offsets), if the key
/// is followed by `:` or `=` and a value. Offsets are always at ASCII bytes or the end.
fn secret_value_span(bytes: &[u8], after_key: usize) -> Option<(usize, usize)> {
    let mut j = after_key;
    // The key's closing quote (plain, escaped or an HTML entity) and any whitespace (plain or
    // escaped) before the separator.
    loop {
        let rest = bytes.get(j..).unwrap_or(&[]);
        let skip = if rest.first().is_some_and(|b| matches!(b, b'"' | b'\'')) {
            1
        } else {
            space_len(rest)
                .max(entity_quote_len(rest))
                .max(usize::from(rest.first() == Some(&b'\\')))
        };
        if skip == 0 {
            break;
        }
        j += skip;
    }
    if !matches!(bytes.get(j), Some(b':' | b'=')) {
        return None;
    }
    j += 1;
    loop {
        let rest = bytes.get(j..).unwrap_or(&[]);
        let skip = space_len(rest);
        if skip == 0 {
            break;
        }
        j += skip;
    }
    let entity = entity_quote_len(bytes.get(j..).unwrap_or(&[]));
    if entity > 0 {
        // `&quot;…&quot;`: the value ends at the next `&`.
        let start = j + entity;
        let end = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|b| *b == b'&'))
            .map_or(bytes.len(), |p| start + p);
        return Some((start, end));
    }
    // A quote, possibly escaped (`\"` inside a JSON string, `\\\"` one level deeper).
    let mut k = j;
    while bytes.get(k) == Some(&b'\\') {
        k += 1;
    }
    match bytes.get(k).copied() {
        None => None,
        Some(quote @ (b'"' | b'\'')) => {
            let start = k + 1;
            let end = if k == j {
                closing_quote(bytes, start, quote)
            } else {
                // An escaped quote closes at the next quote; its backslashes stay outside.
                let close = bytes
                    .get(start..)
                    .and_then(|rest| rest.iter().position(|b| *b == quote))
                    .map_or(bytes.len(), |p| start + p);
                let mut end = close;
                while end > start && bytes.get(end - 1) == Some(&b'\\') {
                    end -= 1;
                }
                end
            };
            Some((start, end))
        }
        Some(b'{' | b'[') if k == j => Some((j, closing_bracket(bytes, j))),
        Some(_) if k == j => {
            let end = bare_value_end(bytes, j);
            let word = bytes.get(j..end).unwrap_or(&[]);
            if word.eq_ignore_ascii_case(b"bearer") || word.eq_ignore_ascii_case(b"basic") {
                let mut next = end;
                while bytes.get(next) == Some(&b' ') {
                    next += 1;
                }
                return Some((j, bare_value_end(bytes, next).max(end)));
            }
            (end > j).then_some((j, end))
        }
        Some(_) => None,
    }
}

/// The length of what counts as space at the start of `rest`: ASCII whitespace or any control
/// character, Unicode whitespace (no-break space, line separator, …), or an escaped line break or
/// tab; 0 if none. (Found by `make fuzz`: a vertical tab or a no-break space between a key and its
/// value used to hide the value from the scrubber.)
fn space_len(rest: &[u8]) -> usize {
    match rest.first() {
        None => 0,
        Some(b) if b.is_ascii_whitespace() || b.is_ascii_control() => 1,
        Some(b) if b.is_ascii() => escaped_space_len(rest),
        Some(_) => {
            let head = rest.get(..rest.len().min(4)).unwrap_or(&[]);
            let text = match std::str::from_utf8(head) {
                Ok(text) => text,
                Err(e) => {
                    std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or(&[])).unwrap_or("")
                }
            };
            text.chars()
                .next()
                .filter(|c| c.is_whitespace() || c.is_control())
                .map_or(0, char::len_utf8)
        }
    }
}

/// The length of an escaped line break or tab at the start of `rest` (`\n`, `\r`, `\t` as
/// written inside a JSON string), or 0.
fn escaped_space_len(rest: &[u8]) -> usize {
    match rest {
        [b'\\', b'n' | b'r' | b't', ..] => 2,
        _ => 0,
    }
}

/// The length of an HTML-escaped quote at the start of `rest` (`&quot;`, `&#34;`, `&#39;`), or 0.
fn entity_quote_len(rest: &[u8]) -> usize {
    [&b"&quot;"[..], b"&#34;", b"&#39;", b"&apos;"]
        .iter()
        .find(|entity| {
            rest.get(..entity.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(entity))
        })
        .map_or(0, |entity| entity.len())
}

/// The end of an unquoted value: the next whitespace, `&`, `,`, `;`, bracket, `<`, `>`, quote or
/// backslash, or the end of the text.
fn bare_value_end(bytes: &[u8], start: usize) -> usize {
    bytes
        .get(start..)
        .and_then(|rest| {
            rest.iter().position(|b| {
                b.is_ascii_whitespace()
                    || matches!(
                        b,
                        b'&' | b','
                            | b';'
                            | b'}'
                            | b']'
                            | b')'
                            | b'<'
                            | b'>'
                            | b'"'
                            | b'\''
                            | b'\\'
                    )
            })
        })
        .map_or(bytes.len(), |p| start + p)
}

/// The offset of the quote that closes a string starting at `start` (backslash escapes
/// skipped), or the end of the text.
fn closing_quote(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut escaped = false;
    for (offset, b) in bytes.iter().enumerate().skip(start) {
        if escaped {
            escaped = false;
        } else if *b == b'\\' {
            escaped = true;
        } else if *b == quote {
            return offset;
        }
    }
    bytes.len()
}

/// The offset just past the bracket that closes the object or array opening at `start` (strings
/// skipped), or the end of the text.
fn closing_bracket(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            if escaped {
                escaped = false;
            } else if *b == b'\\' {
                escaped = true;
            } else if *b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return offset + 1;
                }
            }
            _ => {}
        }
    }
    bytes.len()
}

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
    #[error("missing permission{}: {message}; add it to the app in Partner Center and have the seller authorize again", Affixed(" ", scope.as_deref(), ""))]
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
    #[error("unreadable response (HTTP {http_status}): {kind}{}", Affixed(" (", Some(.detail.as_str()).filter(|d| !d.is_empty()), ")"))]
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

fn request_id_suffix(request_id: &Option<String>) -> Affixed<'_> {
    Affixed(", request_id ", request_id.as_deref(), "")
}

/// Some text between a prefix and a suffix, or nothing when there is no text: the optional
/// parts of the messages, written without building a string first.
struct Affixed<'a>(&'static str, Option<&'a str>, &'static str);

impl fmt::Display for Affixed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(text) => {
                f.write_str(self.0)?;
                f.write_str(text)?;
                f.write_str(self.2)
            }
            None => Ok(()),
        }
    }
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
    pub fn redacted(mut self, secrets: &[&str]) -> Error {
        // Each text redacted in place (variants that carry the same fields share an arm): no
        // variant is rebuilt.
        let redact = |text: &mut String| *text = redact_values(text, secrets);
        match &mut self {
            Error::InvalidConfig(text)
            | Error::InvalidInput(text)
            | Error::InvalidRedirect(text)
            | Error::Network(text)
            | Error::UnknownAccount(text)
            | Error::Storage(text)
            | Error::Timeout { what: text, .. } => redact(text),
            Error::AccessDenied {
                error: first,
                error_response: second,
            }
            | Error::MalformedResponse {
                detail: first,
                snippet: second,
                ..
            }
            | Error::TokensNotSaved {
                open_id: first,
                reason: second,
            }
            | Error::NewerTokensStored {
                open_id: first,
                detail: second,
            } => {
                redact(first);
                redact(second);
            }
            Error::TikTokApi {
                message,
                request_id,
                ..
            }
            | Error::ReconnectRequired {
                message,
                request_id,
                ..
            }
            | Error::RefreshInterrupted {
                message,
                request_id,
                ..
            }
            | Error::RateLimited {
                message,
                request_id,
            } => {
                redact(message);
                request_id.iter_mut().for_each(redact);
            }
            Error::MissingPermission {
                scope,
                message,
                request_id,
            } => {
                scope.iter_mut().for_each(redact);
                redact(message);
                request_id.iter_mut().for_each(redact);
            }
            Error::StateMismatch { .. }
            | Error::StateReused
            | Error::FlowNotPending
            | Error::FlowExpired => {}
        }
        self
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

mod redact;
pub(crate) use redact::scrubbed_json;
pub use redact::{redact_values, scrub_secret_values, scrub_secrets, snippet, SNIPPET_CHARS};

//! The refresh policy: when tokens need refreshing, and what an API answer means.
//!
//! Decisions are made by TikTok's exact error codes, never by prefix and never by the HTTP status
//! alone: a 401 whose body says 106001 (bad sign) must not trigger a refresh, and an HTTP 200 with
//! 105001 must. Only a 401 with no readable envelope is taken as an expired token.

use crate::token::{parse_envelope, TokenSet};
use crate::Error;

/// TikTok's error codes that the policy acts on.
pub mod codes {
    /// Access token expired (HTTP 401 seen): refresh once, re-sign, retry once.
    pub const ACCESS_TOKEN_EXPIRED: i64 = 105002;
    /// Access token invalid or deauthorized: refresh once; if that fails, reconnect.
    pub const ACCESS_TOKEN_INVALID: i64 = 105001;
    /// The app lacks a scope: no refresh; report the missing permission.
    pub const MISSING_SCOPE: i64 = 105005;
    /// Invalid `sign`: no refresh (a signing or configuration error).
    pub const INVALID_SIGN: i64 = 106001;
    /// Missing sign, bad token header, bad app key, timestamp window, unexpected shop cipher.
    pub const INVALID_REQUEST: i64 = 36009004;
    /// Rate limited (50 requests/s per API per app and shop).
    pub const RATE_LIMITED: i64 = 36009002;
    /// The token does not match the shop or user type.
    pub const TOKEN_SHOP_MISMATCH: i64 = 101000;
    /// `shop_cipher` missing.
    pub const MISSING_SHOP_CIPHER: i64 = 106013;
    /// Refresh token expired.
    pub const REFRESH_TOKEN_EXPIRED: i64 = 36004001;
    /// No authorization record (revoked).
    pub const AUTH_RECORD_NOT_FOUND: i64 = 36004005;
}

/// Default margin before access-token expiry at which a refresh is due: 5 minutes.
pub const DEFAULT_REFRESH_MARGIN_SECS: i64 = 300;

/// How usable an account's tokens are at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenStatus {
    /// The access token is good for longer than the margin.
    Valid,
    /// The access token expires within the margin: refresh before use.
    ExpiringSoon,
    /// The access token has expired; the refresh token is still good.
    AccessTokenExpired,
    /// The refresh token has expired: the seller must connect again.
    RefreshTokenExpired,
}

impl TokenStatus {
    /// Whether a refresh is due before the next call.
    pub fn needs_refresh(self) -> bool {
        matches!(
            self,
            TokenStatus::ExpiringSoon | TokenStatus::AccessTokenExpired
        )
    }
}

/// The status of `tokens` at `now` with a refresh `margin_secs`, when it is not known when the
/// tokens were issued (see [`token_status_at`]).
pub fn token_status(tokens: &TokenSet, now: i64, margin_secs: i64) -> TokenStatus {
    token_status_at(tokens, None, now, margin_secs)
}

/// The status of `tokens`, issued at `received_at` (when known), at `now` with a refresh
/// `margin_secs`. The margin never makes a token due before half its lifetime has passed (see
/// [`refresh_due_at`]).
pub fn token_status_at(
    tokens: &TokenSet,
    received_at: Option<i64>,
    now: i64,
    margin_secs: i64,
) -> TokenStatus {
    status_from_times(
        tokens.access_token_expires_at,
        tokens.refresh_token_expires_at,
        received_at,
        now,
        margin_secs,
    )
}

/// [`token_status_at`] from the bare times (the account index keeps only these).
pub fn status_from_times(
    access_expires_at: i64,
    refresh_expires_at: i64,
    received_at: Option<i64>,
    now: i64,
    margin_secs: i64,
) -> TokenStatus {
    if now >= refresh_expires_at {
        TokenStatus::RefreshTokenExpired
    } else if now >= access_expires_at {
        TokenStatus::AccessTokenExpired
    } else if now >= refresh_due_at(access_expires_at, received_at, margin_secs) {
        TokenStatus::ExpiringSoon
    } else {
        TokenStatus::Valid
    }
}

/// When a refresh becomes due: `margin_secs` before the access token expires, but never before
/// half of its lifetime has passed. A token that lives 200 s with a 300 s margin is due after
/// 100 s, not at once (otherwise every call on it would refresh). `received_at`: when TikTok
/// issued it, when known.
pub fn refresh_due_at(access_expires_at: i64, received_at: Option<i64>, margin_secs: i64) -> i64 {
    let margin = margin_secs.max(0);
    let margin = match received_at {
        Some(received) if received < access_expires_at => {
            margin.min(access_expires_at.saturating_sub(received) / 2)
        }
        Some(_) => 0,
        None => margin,
    };
    access_expires_at.saturating_sub(margin)
}

/// The earliest expiry an account may carry: 2000-01-01T00:00:00Z.
pub const MIN_EXPIRY_SECS: i64 = 946_684_800;
/// The latest expiry an account may carry: 9999-12-31T23:59:59Z (JavaScript numbers and dates
/// hold it exactly; values near `i64::MAX` would be lost on the way through JS).
pub const MAX_EXPIRY_SECS: i64 = 253_402_300_799;

/// Whether an expiry time can be stored and read back through JavaScript as it is.
pub fn expiry_in_range(secs: i64) -> bool {
    (MIN_EXPIRY_SECS..=MAX_EXPIRY_SECS).contains(&secs)
}

/// How usable an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum AccountStatus {
    /// Ready.
    Valid,
    /// The access token is due for a refresh (within the margin).
    Expiring,
    /// The access token expired; the next call refreshes it.
    AccessExpired,
    /// The seller must connect again.
    ReconnectRequired,
    /// The stored record cannot be read; it is kept as it is, never deleted.
    Damaged,
}

impl AccountStatus {
    /// Whether the person has to act (reconnect, or look at a damaged record): listed first.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            AccountStatus::ReconnectRequired | AccountStatus::Damaged
        )
    }

    /// Whether a refresh is due before the next call.
    pub fn refresh_due(self) -> bool {
        matches!(self, AccountStatus::Expiring | AccountStatus::AccessExpired)
    }
}

/// An account's status from what is known of it.
pub fn account_status(
    needs_reconnect: bool,
    app_key_matches: bool,
    token_status: TokenStatus,
) -> AccountStatus {
    if needs_reconnect || !app_key_matches {
        return AccountStatus::ReconnectRequired;
    }
    match token_status {
        TokenStatus::Valid => AccountStatus::Valid,
        TokenStatus::ExpiringSoon => AccountStatus::Expiring,
        TokenStatus::AccessTokenExpired => AccountStatus::AccessExpired,
        TokenStatus::RefreshTokenExpired => AccountStatus::ReconnectRequired,
    }
}

/// What an API call does before it sends, given the account's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeforeCall {
    /// Send with the stored token.
    Send,
    /// Refresh ahead of time; if that fails for any reason but a lost authorization, send anyway.
    RefreshAhead,
    /// The access token expired: refresh first (or use what another caller refreshed).
    RefreshFirst,
    /// Do not send: the seller must reconnect, or the record is damaged.
    Refuse,
}

/// The action before a call (see [`BeforeCall`]).
pub fn before_call(status: AccountStatus) -> BeforeCall {
    match status {
        AccountStatus::Valid => BeforeCall::Send,
        AccountStatus::Expiring => BeforeCall::RefreshAhead,
        AccountStatus::AccessExpired => BeforeCall::RefreshFirst,
        AccountStatus::ReconnectRequired | AccountStatus::Damaged => BeforeCall::Refuse,
    }
}

/// A transient failure: worth one more try after a short pause (network errors, HTTP 5xx,
/// unreadable bodies). A definitive TikTok error code is never transient.
pub fn is_transient(error: &Error) -> bool {
    match error {
        Error::Network(_) | Error::MalformedResponse { .. } => true,
        Error::TikTokApi { http_status, .. } => *http_status >= 500,
        _ => false,
    }
}

/// Whether TikTok definitely answered a token/refresh (so a rotated refresh token, if any, is in
/// this answer): any HTTP response, readable or not. Only when no response came back (the
/// network failed, or the wait timed out) may TikTok have rotated the token without us seeing
/// the new one, so the refresh journal stays.
pub fn refresh_outcome_known(result: &Result<TokenSet, Error>) -> bool {
    !matches!(result, Err(Error::Network(_)) | Err(Error::Timeout { .. }))
}

/// What a failed token/refresh means for the account.
#[derive(Debug, Clone, PartialEq)]
pub enum RefreshFailure {
    /// Keep the tokens and report the error (transient, or an unknown code).
    Keep(Error),
    /// The authorization is gone: mark the account "reconnect required" and keep its tokens.
    Reconnect(Error),
    /// A refresh was cut off earlier (a journal entry from a stopped worker) and TikTok no longer
    /// accepts the refresh token: it rotated the token in the lost answer. Reconnect, and say so.
    Interrupted(Error),
}

/// Classifies a failed token/refresh (already through [`classify_refresh_error`]).
/// `interrupted_before`: an earlier refresh of these tokens was cut off with its outcome unknown.
pub fn refresh_failure(error: Error, interrupted_before: bool) -> RefreshFailure {
    match error {
        Error::ReconnectRequired {
            code,
            message,
            request_id,
        } if interrupted_before => RefreshFailure::Interrupted(Error::RefreshInterrupted {
            code,
            message,
            request_id,
        }),
        Error::TikTokApi {
            code,
            message,
            request_id,
            http_status,
        } if interrupted_before && http_status < 500 => {
            RefreshFailure::Interrupted(Error::RefreshInterrupted {
                code,
                message,
                request_id,
            })
        }
        e @ Error::ReconnectRequired { .. } => RefreshFailure::Reconnect(e),
        e => RefreshFailure::Keep(e),
    }
}

/// The pauses before each further try of a store write that holds tokens TikTok just issued
/// (the tokens stay in memory meanwhile, and the next call tries again).
pub const TOKEN_WRITE_RETRY_DELAYS_MS: [u32; 3] = [50, 200, 800];

/// How long to wait before the one retry of a transiently failed token/refresh.
pub const TRANSIENT_RETRY_DELAY_MS: u32 = 250;

mod classify;
pub use classify::{
    classify_api_response, classify_refresh_error, code_is_zero, error_for_code, scope_in_message,
    ApiOutcome,
};

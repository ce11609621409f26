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

/// The status of `tokens` at `now` with a refresh `margin_secs`.
pub fn token_status(tokens: &TokenSet, now: i64, margin_secs: i64) -> TokenStatus {
    if now >= tokens.refresh_token_expires_at {
        TokenStatus::RefreshTokenExpired
    } else if now >= tokens.access_token_expires_at {
        TokenStatus::AccessTokenExpired
    } else if now
        >= tokens
            .access_token_expires_at
            .saturating_sub(margin_secs.max(0))
    {
        TokenStatus::ExpiringSoon
    } else {
        TokenStatus::Valid
    }
}

/// What to do with an API response.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiOutcome {
    /// `code` 0: hand the response to the caller.
    Success,
    /// The access token expired or is invalid (105002, 105001, or a 401 with no envelope):
    /// refresh once, re-sign, retry once.
    RefreshAndRetry {
        /// TikTok's code, when the body had one.
        code: Option<i64>,
    },
    /// A final error: hand it to the caller, do not refresh, do not retry. Includes
    /// [`Error::MissingPermission`], [`Error::RateLimited`] and [`Error::ReconnectRequired`].
    Fail(Error),
}

/// Classifies a signed API call's response by TikTok's code (see the module documentation).
pub fn classify_api_response(http_status: u16, body: &[u8]) -> ApiOutcome {
    let envelope = match parse_envelope(http_status, body) {
        Ok(envelope) => envelope,
        Err(_) if http_status == 401 => return ApiOutcome::RefreshAndRetry { code: None },
        Err(_) if http_status == 429 => {
            return ApiOutcome::Fail(Error::RateLimited {
                message: "HTTP 429".to_owned(),
                request_id: None,
            })
        }
        Err(e) => return ApiOutcome::Fail(e),
    };
    match envelope.code {
        0 => ApiOutcome::Success,
        codes::ACCESS_TOKEN_EXPIRED | codes::ACCESS_TOKEN_INVALID => ApiOutcome::RefreshAndRetry {
            code: Some(envelope.code),
        },
        code => ApiOutcome::Fail(error_for_code(
            code,
            envelope.message,
            envelope.request_id,
            http_status,
        )),
    }
}

/// The typed error for a non-zero TikTok code (token calls and API calls alike).
pub fn error_for_code(
    code: i64,
    message: String,
    request_id: Option<String>,
    http_status: u16,
) -> Error {
    match code {
        codes::REFRESH_TOKEN_EXPIRED | codes::AUTH_RECORD_NOT_FOUND => Error::ReconnectRequired {
            code,
            message,
            request_id,
        },
        codes::MISSING_SCOPE => Error::MissingPermission {
            scope: scope_in_message(&message),
            message,
            request_id,
        },
        codes::RATE_LIMITED => Error::RateLimited {
            message,
            request_id,
        },
        _ => Error::TikTokApi {
            code,
            message,
            request_id,
            http_status,
        },
    }
}

/// Maps an error from token/refresh to what the client reports: TikTok's codes for an expired
/// refresh token or a revoked authorization become [`Error::ReconnectRequired`].
pub fn classify_refresh_error(error: Error) -> Error {
    match error {
        Error::TikTokApi {
            code,
            message,
            request_id,
            http_status,
        } => error_for_code(code, message, request_id, http_status),
        other => other,
    }
}

/// The scope a 105005 message names, such as `seller.order.info`: the first word made of at least
/// two dot-separated parts of lowercase letters, digits and underscores.
pub fn scope_in_message(message: &str) -> Option<String> {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map(|word| word.trim_matches('.'))
        .find(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.len() >= 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                })
                && parts
                    .first()
                    .is_some_and(|p| p.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        })
        .map(str::to_owned)
}

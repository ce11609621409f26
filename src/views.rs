//! The values the JavaScript API exchanges beyond the client's own models: what the pure
//! functions hand back (the token set with its tokens, a redirect's code) and the small option
//! bags of the client's methods. Defined here, once, so the bindings only convert and forward
//! and the TypeScript declarations are generated from these structs.

use crate::authorize::AuthorizationCode;
use crate::flow::{CaptureMode, FlowRunner};
use crate::token::TokenSet;
use serde::Serialize;

/// The token model with its tokens: what `parseTokenResponse` returns to the caller that asked
/// for them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", rename = "TokenSet")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TokenSetView<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// When the access token expires (Unix seconds).
    #[cfg_attr(test, ts(type = "number"))]
    pub access_token_expires_at: i64,
    /// The refresh token.
    pub refresh_token: &'a str,
    /// When the refresh token expires (Unix seconds).
    #[cfg_attr(test, ts(type = "number"))]
    pub refresh_token_expires_at: i64,
    /// The seller's `open_id`.
    pub open_id: &'a str,
    /// The seller's name.
    pub seller_name: &'a str,
    /// The seller's base region.
    pub seller_base_region: &'a str,
    /// TikTok's `user_type` number.
    #[cfg_attr(test, ts(type = "number"))]
    pub user_type: i64,
    /// The granted scopes.
    pub granted_scopes: &'a [String],
    /// The `request_id` of the response.
    #[cfg_attr(test, ts(optional = nullable))]
    pub request_id: Option<&'a str>,
}

impl<'a> From<&'a TokenSet> for TokenSetView<'a> {
    fn from(tokens: &'a TokenSet) -> Self {
        TokenSetView {
            access_token: tokens.access_token.secret(),
            access_token_expires_at: tokens.access_token_expires_at,
            refresh_token: tokens.refresh_token.secret(),
            refresh_token_expires_at: tokens.refresh_token_expires_at,
            open_id: &tokens.open_id,
            seller_name: &tokens.seller_name,
            seller_base_region: &tokens.seller_base_region,
            user_type: tokens.user_type,
            granted_scopes: &tokens.granted_scopes,
            request_id: tokens.request_id.as_deref(),
        }
    }
}

/// What a successful redirect carries: what `parseRedirect` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", rename = "RedirectCode")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RedirectCodeView<'a> {
    /// The single-use code.
    pub code: &'a str,
    /// `app_key`, when TikTok sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub app_key: Option<&'a str>,
    /// `locale`, when TikTok sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub locale: Option<&'a str>,
    /// `shop_region`, when TikTok sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub shop_region: Option<&'a str>,
}

impl<'a> From<&'a AuthorizationCode> for RedirectCodeView<'a> {
    fn from(parsed: &'a AuthorizationCode) -> Self {
        RedirectCodeView {
            code: parsed.code.secret(),
            app_key: parsed.app_key.as_deref(),
            locale: parsed.locale.as_deref(),
            shop_region: parsed.shop_region.as_deref(),
        }
    }
}

/// A started authorization: the page to open and the state it carries.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AuthorizationStart {
    /// The authorization page URL.
    pub url: String,
    /// The state sent to TikTok.
    pub state: String,
}

/// Who runs a new flow (`beginAuthorization`'s options).
#[derive(Default)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct BeginOptions {
    /// How the redirect is captured: `identity` (default), `tab` or `paste`.
    #[cfg_attr(test, ts(optional, type = "CaptureMode"))]
    pub capture_mode: Option<String>,
    /// The program instance starting the flow (a service worker's lifetime), so that a later
    /// instance knows whether the flow can still finish.
    #[cfg_attr(test, ts(optional))]
    pub worker_id: Option<String>,
}

impl BeginOptions {
    /// The runner these options describe.
    pub fn runner(self) -> FlowRunner {
        FlowRunner {
            capture_mode: CaptureMode::from_setting(self.capture_mode.as_deref()),
            tab_id: None,
            worker_id: self.worker_id,
        }
    }
}

/// How a redirect reached the caller (`completeAuthorization`'s options).
#[derive(Default)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CompleteOptions {
    /// `true` when it came through a channel bound to the flow (the sign-in window's result,
    /// the flow's own tab, the person's paste): only then does a denial without `state` end
    /// the flow.
    #[cfg_attr(test, ts(optional))]
    pub bound: Option<bool>,
}

/// Which flow a failure is for (`failAuthorization`'s options).
#[derive(Default)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct FailOptions {
    /// Fail the pending flow only if its authorization page is this one.
    #[cfg_attr(test, ts(optional))]
    pub authorize_url: Option<String>,
}

// The option bags are read over the one JSON value reader (config::Input), not derived: a
// derived reader carries a parser of its own.
impl crate::config::FromInput for BeginOptions {
    fn read(input: &mut crate::config::Input) -> Result<Self, String> {
        Ok(BeginOptions {
            capture_mode: input.opt_string("captureMode")?,
            worker_id: input.opt_string("workerId")?,
        })
    }
}

impl crate::config::FromInput for CompleteOptions {
    fn read(input: &mut crate::config::Input) -> Result<Self, String> {
        Ok(CompleteOptions {
            bound: Some(input.flag("bound")?),
        })
    }
}

impl crate::config::FromInput for FailOptions {
    fn read(input: &mut crate::config::Input) -> Result<Self, String> {
        Ok(FailOptions {
            authorize_url: input.opt_string("authorizeUrl")?,
        })
    }
}

/// The capture modes, in the order a settings page offers them.
pub fn capture_modes() -> Vec<&'static str> {
    let mut modes = Vec::with_capacity(CaptureMode::ALL.len());
    for mode in CaptureMode::ALL {
        modes.push(mode.as_str());
    }
    modes
}

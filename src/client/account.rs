//! What the client stores for each connected account, and the secret-free summary it shows.

use crate::policy::{token_status, TokenStatus};
use crate::token::TokenSet;
use crate::Error;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The schema version written with every stored account.
pub const ACCOUNT_SCHEMA_VERSION: u32 = 1;
/// The store key prefix of accounts: `tts:account:<open_id>`.
pub const ACCOUNT_KEY_PREFIX: &str = "tts:account:";
/// The store key of the pending authorization flow.
pub const FLOW_KEY: &str = "tts:flow";

/// The store key of an account.
pub fn account_key(open_id: &str) -> String {
    format!("{ACCOUNT_KEY_PREFIX}{open_id}")
}

/// Why the seller has to connect again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconnectReason {
    /// TikTok's code, when TikTok gave one.
    pub code: Option<i64>,
    /// A sentence for people.
    pub message: String,
    /// When it was found (Unix seconds).
    pub at: i64,
}

/// One connected account as stored: its tokens, bound to the app key and region it was
/// authorized with. Tokens and both expiries are always written together, in one store write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredAccount {
    /// Always [`ACCOUNT_SCHEMA_VERSION`] when written by this version.
    pub schema_version: u32,
    /// The app key the tokens belong to.
    pub app_key: String,
    /// The region (`"row"` / `"us"`) the seller authorized in.
    pub region: String,
    /// The tokens.
    pub tokens: TokenSet,
    /// When the account was connected (Unix seconds).
    pub connected_at: i64,
    /// When the tokens were last refreshed.
    pub last_refresh_at: Option<i64>,
    /// Set when the refresh token expired or was revoked.
    pub reconnect: Option<ReconnectReason>,
}

impl StoredAccount {
    /// Reads a stored account; another schema version or a broken value is a storage error.
    pub fn from_value(value: Value) -> Result<StoredAccount, Error> {
        let version = value.get("schemaVersion").and_then(Value::as_u64);
        if version != Some(u64::from(ACCOUNT_SCHEMA_VERSION)) {
            return Err(Error::Storage(format!(
                "a stored account has schema version {version:?}; this version reads {ACCOUNT_SCHEMA_VERSION}"
            )));
        }
        serde_json::from_value(value)
            .map_err(|_| Error::Storage("a stored account cannot be read".to_owned()))
    }

    /// The account as a store value.
    pub fn to_value(&self) -> Result<Value, Error> {
        serde_json::to_value(self)
            .map_err(|_| Error::Storage("an account could not be serialised".to_owned()))
    }

    /// The summary shown to people and pages, without any secret.
    pub fn summary(&self, now: i64, margin_secs: i64, app_key: &str) -> AccountSummary {
        let (status, reason) = self.status(now, margin_secs, app_key);
        AccountSummary {
            open_id: self.tokens.open_id.clone(),
            seller_name: self.tokens.seller_name.clone(),
            seller_base_region: self.tokens.seller_base_region.clone(),
            user_type: self.tokens.user_type,
            user_type_label: self.tokens.user_type().label().to_owned(),
            granted_scopes: self.tokens.granted_scopes.clone(),
            access_token_expires_at: self.tokens.access_token_expires_at,
            refresh_token_expires_at: self.tokens.refresh_token_expires_at,
            status,
            status_reason: reason,
            last_refresh_at: self.last_refresh_at,
            connected_at: self.connected_at,
            app_key: self.app_key.clone(),
            region: self.region.clone(),
        }
    }

    /// The account's status and, unless valid, why.
    pub fn status(
        &self,
        now: i64,
        margin_secs: i64,
        app_key: &str,
    ) -> (AccountStatus, Option<String>) {
        if let Some(reason) = &self.reconnect {
            return (
                AccountStatus::ReconnectRequired,
                Some(reason.message.clone()),
            );
        }
        if self.app_key != app_key {
            return (
                AccountStatus::ReconnectRequired,
                Some(format!(
                    "connected with another app key ({}); connect again with this app",
                    self.app_key
                )),
            );
        }
        match token_status(&self.tokens, now, margin_secs) {
            TokenStatus::Valid => (AccountStatus::Valid, None),
            TokenStatus::ExpiringSoon => (
                AccountStatus::Expiring,
                Some("the access token expires soon and will be refreshed".to_owned()),
            ),
            TokenStatus::AccessTokenExpired => (
                AccountStatus::AccessExpired,
                Some("the access token expired and will be refreshed on the next call".to_owned()),
            ),
            TokenStatus::RefreshTokenExpired => (
                AccountStatus::ReconnectRequired,
                Some("the seller's authorization period ended; connect again".to_owned()),
            ),
        }
    }
}

/// How usable an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AccountStatus {
    /// Ready.
    Valid,
    /// The access token expires within the margin.
    Expiring,
    /// The access token expired; the next call refreshes it.
    AccessExpired,
    /// The seller must connect again.
    ReconnectRequired,
}

/// An account without any secret: what the popup, the options page and web pages see.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    /// The seller's `open_id`.
    pub open_id: String,
    /// The seller's name.
    pub seller_name: String,
    /// The seller's base region.
    pub seller_base_region: String,
    /// TikTok's `user_type` number.
    pub user_type: i64,
    /// `"seller"`, `"creator"`, `"partner"` or `"other"`.
    pub user_type_label: String,
    /// The granted scopes.
    pub granted_scopes: Vec<String>,
    /// When the access token expires (Unix seconds).
    pub access_token_expires_at: i64,
    /// When the refresh token expires (Unix seconds).
    pub refresh_token_expires_at: i64,
    /// How usable the account is.
    pub status: AccountStatus,
    /// Why, unless valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// When the tokens were last refreshed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_refresh_at: Option<i64>,
    /// When the account was connected.
    pub connected_at: i64,
    /// The app key the account is bound to.
    pub app_key: String,
    /// The region the account is bound to.
    pub region: String,
}

/// A shop the access token covers (`GET /authorization/202309/shops`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shop {
    /// The shop cipher, for shop-scoped calls.
    #[serde(default)]
    pub cipher: String,
    /// The shop code.
    #[serde(default)]
    pub code: String,
    /// The shop ID.
    #[serde(default)]
    pub id: String,
    /// The shop name.
    #[serde(default)]
    pub name: String,
    /// The shop region.
    #[serde(default)]
    pub region: String,
    /// `LOCAL` or `CROSS_BORDER`.
    #[serde(default, alias = "seller_type")]
    pub seller_type: String,
}

/// Where an authorization flow stands, for people and pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowStateView {
    /// Chilkat's number, 0–5.
    pub state: u8,
    /// The state in words.
    pub state_name: String,
    /// Why it failed (state 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_info: Option<String>,
    /// Why it failed, as a reason code (state 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<crate::error::FailureReason>,
    /// The denial's response (state 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_response: Option<String>,
    /// The deadline of a pending flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<i64>,
    /// When a pending flow began.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    /// The connected seller (state 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
}

/// The words for Chilkat's numbers.
pub fn flow_state_name(state: u8) -> &'static str {
    match state {
        0 => "idle",
        1 => "waiting for redirect",
        2 => "waiting for token response",
        3 => "completed with success",
        4 => "access denied",
        _ => "failed",
    }
}

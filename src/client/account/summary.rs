//! What pages see of an account.

use super::*;

/// An account without any secret: what the popup, the options page and web pages see.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AccountSummary {
    /// The seller's `open_id`.
    pub open_id: String,
    /// The seller's name.
    pub seller_name: String,
    /// The seller's base region.
    pub seller_base_region: String,
    /// TikTok's `user_type` number.
    #[cfg_attr(test, ts(type = "number"))]
    pub user_type: i64,
    /// `"seller"`, `"creator"`, `"partner"` or `"other"`.
    pub user_type_label: String,
    /// The granted scopes.
    pub granted_scopes: Vec<String>,
    /// When the access token expires (Unix seconds).
    #[cfg_attr(test, ts(type = "number"))]
    pub access_token_expires_at: i64,
    /// When the refresh token expires (Unix seconds).
    #[cfg_attr(test, ts(type = "number"))]
    pub refresh_token_expires_at: i64,
    /// When a refresh of the access token becomes due (Unix seconds).
    #[cfg_attr(test, ts(type = "number"))]
    pub refresh_due_at: i64,
    /// Whether a refresh is due now (the scheduler refreshes it; a call refreshes it first).
    pub refresh_due: bool,
    /// How usable the account is.
    pub status: AccountStatus,
    /// Why, unless valid: a sentence for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub status_reason: Option<String>,
    /// Why, as a code pages can switch on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub reason: Option<AccountReason>,
    /// When the tokens were last refreshed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub last_refresh_at: Option<i64>,
    /// When the account was connected.
    #[cfg_attr(test, ts(type = "number"))]
    pub connected_at: i64,
    /// The app key the account is bound to.
    pub app_key: String,
    /// The region the account is bound to.
    pub region: String,
}

impl AccountSummary {
    /// The summary of a record that cannot be read: listed with the reason, never hidden.
    pub fn damaged(open_id: &str, why: &str) -> AccountSummary {
        AccountSummary {
            open_id: open_id.to_owned(),
            seller_name: String::new(),
            seller_base_region: String::new(),
            user_type: 0,
            user_type_label: String::new(),
            granted_scopes: Vec::new(),
            access_token_expires_at: 0,
            refresh_token_expires_at: 0,
            refresh_due_at: 0,
            refresh_due: false,
            status: AccountStatus::Damaged,
            status_reason: Some(format!(
                "the stored record cannot be read ({why}); it is kept as it is: connect the seller again to replace it, or disconnect to remove it"
            )),
            reason: Some(AccountReason::Damaged),
            last_refresh_at: None,
            connected_at: 0,
            app_key: String::new(),
            region: String::new(),
        }
    }
}

/// A shop the access token covers (`GET /authorization/202309/shops`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
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

//! What the client stores for each connected account, and the secret-free summary it shows.

use crate::json::{Map, Value};
use crate::policy::{account_status, token_status_at, TokenStatus};
use crate::secret::{AccessToken, RefreshToken};
use crate::token::{ScopesField, TokenSet};
use crate::Error;
use serde::{Deserialize, Serialize};

/// The schema version written with every stored account. Version 1 records (no generation, no
/// journal) are still read.
pub const ACCOUNT_SCHEMA_VERSION: u32 = 2;
/// The store key prefix of accounts: `tts:account:<open_id>`.
pub const ACCOUNT_KEY_PREFIX: &str = "tts:account:";
/// The store key of the pending authorization flow.
pub const FLOW_KEY: &str = "tts:flow";
/// The store key of the account index (see [`super::index`]).
pub const INDEX_KEY: &str = "tts:index";
/// The most an account keeps of fields it does not know (TikTok's unknown `data` and envelope
/// fields), serialised: a huge import must not fill the store.
pub const MAX_UNKNOWN_FIELDS_BYTES: usize = 64 * 1024;

/// The store key of an account.
pub fn account_key(open_id: &str) -> String {
    format!("{ACCOUNT_KEY_PREFIX}{open_id}")
}

/// The `open_id` of an account key.
pub fn open_id_of_key(key: &str) -> Option<&str> {
    key.strip_prefix(ACCOUNT_KEY_PREFIX)
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
    /// What kind of loss, when it is more than TikTok's word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AccountReason>,
}

/// A reason code that pages can switch on, beside the sentence in `statusReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum AccountReason {
    /// A refresh was cut off by a stopped worker and TikTok no longer accepts the old refresh
    /// token: reconnect.
    RefreshInterrupted,
    /// TikTok revoked the authorization or the refresh token expired: reconnect.
    AuthorizationLost,
    /// The account was connected with another app key.
    OtherAppKey,
    /// New tokens are only in memory: the store refused them.
    TokensNotSaved,
    /// The stored record cannot be read.
    Damaged,
}

impl AccountReason {
    const WORDS: [(AccountReason, &'static str); 5] = [
        (AccountReason::RefreshInterrupted, "refreshInterrupted"),
        (AccountReason::AuthorizationLost, "authorizationLost"),
        (AccountReason::OtherAppKey, "otherAppKey"),
        (AccountReason::TokensNotSaved, "tokensNotSaved"),
        (AccountReason::Damaged, "damaged"),
    ];

    /// From its stored word (`"refreshInterrupted"`, …).
    pub fn from_word(word: &str) -> Option<AccountReason> {
        Self::WORDS
            .iter()
            .find(|(_, w)| *w == word)
            .map(|(reason, _)| *reason)
    }

    /// Its stored word, as serde writes it.
    pub fn word(self) -> &'static str {
        Self::WORDS
            .iter()
            .find(|(reason, _)| *reason == self)
            .map_or("", |(_, w)| w)
    }
}

/// A refresh in flight, recorded before the token/refresh request is sent (the journal). Found
/// by a later holder of the account's lock, it means that refresh was cut off with its outcome
/// unknown: TikTok may have rotated the refresh token in an answer nobody saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshJournal {
    /// When the refresh was sent (Unix seconds).
    pub started_at: i64,
}

/// One connected account as stored: its tokens, bound to the app key and region it was
/// authorized with. Tokens and both expiries are always written together, in one store write,
/// and only over the generation the writer read (compare-and-swap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredAccount {
    /// [`ACCOUNT_SCHEMA_VERSION`] when written by this version.
    pub schema_version: u32,
    /// Increased by one on every write of this record. A writer writes only if the stored
    /// generation is still the one it read.
    #[serde(default)]
    pub generation: u64,
    /// The app key the tokens belong to.
    pub app_key: String,
    /// The region (`"row"` / `"us"`) the seller authorized in.
    pub region: String,
    /// The tokens.
    pub tokens: TokenSet,
    /// When the account was connected (Unix seconds).
    pub connected_at: i64,
    /// When TikTok issued the current tokens (Unix seconds), when known.
    #[serde(default)]
    pub tokens_received_at: Option<i64>,
    /// When the tokens were last refreshed.
    pub last_refresh_at: Option<i64>,
    /// Set when the refresh token expired or was revoked.
    pub reconnect: Option<ReconnectReason>,
    /// The journal: set while a token/refresh is out.
    #[serde(default)]
    pub refresh_in_flight: Option<RefreshJournal>,
}

impl StoredAccount {
    /// Reads a stored account; another schema version or a broken value is a storage error that
    /// says what is wrong.
    pub fn from_value(value: Value) -> Result<StoredAccount, Error> {
        let version = value.get("schemaVersion").and_then(Value::as_u64);
        match version {
            Some(1) => {}
            Some(v) if v == u64::from(ACCOUNT_SCHEMA_VERSION) => {}
            other => {
                return Err(Error::Storage(format!(
                    "it has schema version {}; this version reads 1 and {ACCOUNT_SCHEMA_VERSION}",
                    other.map_or_else(|| "(none)".to_owned(), |v| v.to_string())
                )))
            }
        }
        let mut account = read_account(&value).map_err(Error::Storage)?;
        for (what, at) in [
            (
                "access token expiry",
                account.tokens.access_token_expires_at,
            ),
            (
                "refresh token expiry",
                account.tokens.refresh_token_expires_at,
            ),
        ] {
            // What JavaScript cannot hold exactly makes the record unreadable there.
            if at > crate::policy::MAX_EXPIRY_SECS {
                return Err(Error::Storage(format!(
                    "its {what} ({at}) is after the year 9999, beyond what JavaScript dates hold"
                )));
            }
        }
        if account.schema_version == 1 {
            account.tokens_received_at = account.last_refresh_at.or(Some(account.connected_at));
        }
        Ok(account)
    }

    /// The account as a store value.
    pub fn to_value(&self) -> Result<Value, Error> {
        // Built by hand: the same object as the derived `Serialize` gives (`json::to_value`
        // brought a serializer of its own into the module). `Result` kept for the callers.
        let t = &self.tokens;
        let opt_int = |v: Option<i64>| v.map_or(Value::Null, Value::from);
        let mut tokens = Map::new();
        tokens.put_str("accessToken", t.access_token.secret());
        tokens.put("accessTokenExpiresAt", t.access_token_expires_at.into());
        tokens.put_str("refreshToken", t.refresh_token.secret());
        tokens.put("refreshTokenExpiresAt", t.refresh_token_expires_at.into());
        tokens.put_str("openId", &t.open_id);
        tokens.put_str("sellerName", &t.seller_name);
        tokens.put_str("sellerBaseRegion", &t.seller_base_region);
        tokens.put("userType", t.user_type.into());
        tokens.put("grantedScopes", t.granted_scopes.clone().into());
        let scopes_field = match t.scopes_field {
            ScopesField::GrantedScopes => "grantedScopes",
            ScopesField::GrantedPermissions => "grantedPermissions",
            ScopesField::Absent => "absent",
        };
        tokens.put_str("scopesField", scopes_field);
        tokens.put(
            "requestId",
            t.request_id.as_deref().map_or(Value::Null, Value::from),
        );
        tokens.put_str("message", &t.message);
        tokens.put("extraData", Value::Object(t.extra_data.clone()));
        tokens.put("extraEnvelope", Value::Object(t.extra_envelope.clone()));
        let mut out = Map::new();
        out.put("schemaVersion", self.schema_version.into());
        out.put("generation", self.generation.into());
        out.put_str("appKey", &self.app_key);
        out.put_str("region", &self.region);
        out.put("tokens", Value::Object(tokens));
        out.put("connectedAt", self.connected_at.into());
        out.put("tokensReceivedAt", opt_int(self.tokens_received_at));
        out.put("lastRefreshAt", opt_int(self.last_refresh_at));
        let reconnect = self.reconnect.as_ref().map_or(Value::Null, |r| {
            let mut m = Map::new();
            m.put("code", opt_int(r.code));
            m.put_str("message", &r.message);
            m.put("at", r.at.into());
            if let Some(kind) = r.kind {
                m.put_str("kind", kind.word());
            }
            Value::Object(m)
        });
        out.put("reconnect", reconnect);
        let journal = self.refresh_in_flight.map_or(Value::Null, |j| {
            let mut m = Map::new();
            m.put("startedAt", j.started_at.into());
            Value::Object(m)
        });
        out.put("refreshInFlight", journal);
        Ok(Value::Object(out))
    }

    /// The summary shown to people and pages, without any secret.
    pub fn summary(&self, now: i64, margin_secs: i64, app_key: &str) -> AccountSummary {
        let (status, reason, status_reason) = self.status_with_reason(now, margin_secs, app_key);
        AccountSummary {
            open_id: self.tokens.open_id.clone(),
            seller_name: self.tokens.seller_name.clone(),
            seller_base_region: self.tokens.seller_base_region.clone(),
            user_type: self.tokens.user_type,
            user_type_label: self.tokens.user_type().label().to_owned(),
            granted_scopes: self.tokens.granted_scopes.clone(),
            access_token_expires_at: self.tokens.access_token_expires_at,
            refresh_token_expires_at: self.tokens.refresh_token_expires_at,
            refresh_due_at: self.refresh_due_at(margin_secs),
            refresh_due: status.refresh_due(),
            status,
            status_reason,
            reason,
            last_refresh_at: self.last_refresh_at,
            connected_at: self.connected_at,
            app_key: self.app_key.clone(),
            region: self.region.clone(),
        }
    }

    /// When a refresh of the current access token becomes due.
    pub fn refresh_due_at(&self, margin_secs: i64) -> i64 {
        crate::policy::refresh_due_at(
            self.tokens.access_token_expires_at,
            self.tokens_received_at,
            margin_secs,
        )
    }

    /// The account's status and, unless valid, why.
    pub fn status(
        &self,
        now: i64,
        margin_secs: i64,
        app_key: &str,
    ) -> (AccountStatus, Option<String>) {
        let (status, _, sentence) = self.status_with_reason(now, margin_secs, app_key);
        (status, sentence)
    }

    fn status_with_reason(
        &self,
        now: i64,
        margin_secs: i64,
        app_key: &str,
    ) -> (AccountStatus, Option<AccountReason>, Option<String>) {
        let token_status = token_status_at(&self.tokens, self.tokens_received_at, now, margin_secs);
        let status = account_status(
            self.reconnect.is_some(),
            self.app_key == app_key,
            token_status,
        );
        if let Some(reason) = &self.reconnect {
            return (
                status,
                Some(reason.kind.unwrap_or(AccountReason::AuthorizationLost)),
                Some(reason.message.clone()),
            );
        }
        if self.app_key != app_key {
            return (
                status,
                Some(AccountReason::OtherAppKey),
                Some(format!(
                    "connected with another app key ({}); connect again with this app",
                    self.app_key
                )),
            );
        }
        let sentence = match token_status {
            TokenStatus::Valid => None,
            TokenStatus::ExpiringSoon => {
                Some("the access token expires soon and will be refreshed".to_owned())
            }
            TokenStatus::AccessTokenExpired => {
                Some("the access token expired and will be refreshed on the next call".to_owned())
            }
            TokenStatus::RefreshTokenExpired => {
                return (
                    status,
                    Some(AccountReason::AuthorizationLost),
                    Some("the seller's authorization period ended; connect again".to_owned()),
                )
            }
        };
        (status, None, sentence)
    }
}

mod codec;
mod summary;

pub use crate::flow::{flow_state_name, FlowStateView};
pub use crate::policy::AccountStatus;
use codec::read_account;
pub use codec::{cap_unknown_fields, storable};
pub use summary::{AccountSummary, Shop};

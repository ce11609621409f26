//! What the client stores for each connected account, and the secret-free summary it shows.

use crate::policy::{account_status, token_status_at, TokenStatus};
use crate::secret::{AccessToken, RefreshToken};
use crate::token::{ScopesField, TokenSet};
use crate::Error;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
        // Built by hand: the same object as the derived `Serialize` gives (`serde_json::to_value`
        // brought a serializer of its own into the module). `Result` kept for the callers.
        let t = &self.tokens;
        let opt_int = |v: Option<i64>| v.map_or(Value::Null, Value::from);
        let mut tokens = Map::new();
        tokens.insert("accessToken".into(), t.access_token.secret().into());
        tokens.insert(
            "accessTokenExpiresAt".into(),
            t.access_token_expires_at.into(),
        );
        tokens.insert("refreshToken".into(), t.refresh_token.secret().into());
        tokens.insert(
            "refreshTokenExpiresAt".into(),
            t.refresh_token_expires_at.into(),
        );
        tokens.insert("openId".into(), t.open_id.as_str().into());
        tokens.insert("sellerName".into(), t.seller_name.as_str().into());
        tokens.insert(
            "sellerBaseRegion".into(),
            t.seller_base_region.as_str().into(),
        );
        tokens.insert("userType".into(), t.user_type.into());
        tokens.insert("grantedScopes".into(), t.granted_scopes.clone().into());
        let scopes_field = match t.scopes_field {
            ScopesField::GrantedScopes => "grantedScopes",
            ScopesField::GrantedPermissions => "grantedPermissions",
            ScopesField::Absent => "absent",
        };
        tokens.insert("scopesField".into(), scopes_field.into());
        tokens.insert(
            "requestId".into(),
            t.request_id.as_deref().map_or(Value::Null, Value::from),
        );
        tokens.insert("message".into(), t.message.as_str().into());
        tokens.insert("extraData".into(), Value::Object(t.extra_data.clone()));
        tokens.insert(
            "extraEnvelope".into(),
            Value::Object(t.extra_envelope.clone()),
        );
        let mut out = Map::new();
        out.insert("schemaVersion".into(), self.schema_version.into());
        out.insert("generation".into(), self.generation.into());
        out.insert("appKey".into(), self.app_key.as_str().into());
        out.insert("region".into(), self.region.as_str().into());
        out.insert("tokens".into(), Value::Object(tokens));
        out.insert("connectedAt".into(), self.connected_at.into());
        out.insert("tokensReceivedAt".into(), opt_int(self.tokens_received_at));
        out.insert("lastRefreshAt".into(), opt_int(self.last_refresh_at));
        let reconnect = self.reconnect.as_ref().map_or(Value::Null, |r| {
            let mut m = Map::new();
            m.insert("code".into(), opt_int(r.code));
            m.insert("message".into(), r.message.as_str().into());
            m.insert("at".into(), r.at.into());
            if let Some(kind) = r.kind {
                m.insert("kind".into(), kind.word().into());
            }
            Value::Object(m)
        });
        out.insert("reconnect".into(), reconnect);
        let journal = self.refresh_in_flight.map_or(Value::Null, |j| {
            let mut m = Map::new();
            m.insert("startedAt".into(), j.started_at.into());
            Value::Object(m)
        });
        out.insert("refreshInFlight".into(), journal);
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

/// The fields of one stored object, read by hand (the derived `Deserialize` through
/// `serde_json::Value` cost about 20 KB of the module). What serde would say, without any value:
/// a required field that is missing is named; a field of the wrong type (`null` included, unless
/// the field is optional) is "a field has the wrong type". Unknown fields are ignored.
struct Fields<'a>(&'a Map<String, Value>);

const WRONG_TYPE: &str = "a field has the wrong type";

impl<'a> Fields<'a> {
    fn of(value: &'a Value) -> Result<Fields<'a>, String> {
        value
            .as_object()
            .map(Fields)
            .ok_or_else(|| WRONG_TYPE.to_owned())
    }

    /// A required field (`Ok(None)` never: missing is an error).
    fn required(&self, name: &str) -> Result<&'a Value, String> {
        self.0
            .get(name)
            .ok_or_else(|| format!("the field {name} is missing"))
    }

    /// An optional field: missing or `null` is `None`.
    fn optional(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    fn string(&self, name: &str) -> Result<String, String> {
        as_string(self.required(name)?)
    }

    fn int(&self, name: &str) -> Result<i64, String> {
        as_int(self.required(name)?)
    }

    fn opt_int(&self, name: &str) -> Result<Option<i64>, String> {
        self.optional(name).map(as_int).transpose()
    }
}

fn as_string(value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| WRONG_TYPE.to_owned())
}

fn as_int(value: &Value) -> Result<i64, String> {
    value.as_i64().ok_or_else(|| WRONG_TYPE.to_owned())
}

fn as_object(value: &Value) -> Result<Map<String, Value>, String> {
    value
        .as_object()
        .cloned()
        .ok_or_else(|| WRONG_TYPE.to_owned())
}

fn read_account(value: &Value) -> Result<StoredAccount, String> {
    let f = Fields::of(value)?;
    let schema_version = f
        .required("schemaVersion")?
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| WRONG_TYPE.to_owned())?;
    let generation = match f.0.get("generation") {
        None => 0,
        Some(v) => v.as_u64().ok_or_else(|| WRONG_TYPE.to_owned())?,
    };
    let app_key = f.string("appKey")?;
    let region = f.string("region")?;
    let tokens = read_tokens(f.required("tokens")?)?;
    let connected_at = f.int("connectedAt")?;
    let tokens_received_at = f.opt_int("tokensReceivedAt")?;
    let last_refresh_at = f.opt_int("lastRefreshAt")?;
    let reconnect = f.optional("reconnect").map(read_reconnect).transpose()?;
    let refresh_in_flight = f
        .optional("refreshInFlight")
        .map(|v| {
            Ok::<_, String>(RefreshJournal {
                started_at: Fields::of(v)?.int("startedAt")?,
            })
        })
        .transpose()?;
    Ok(StoredAccount {
        schema_version,
        generation,
        app_key,
        region,
        tokens,
        connected_at,
        tokens_received_at,
        last_refresh_at,
        reconnect,
        refresh_in_flight,
    })
}

fn read_tokens(value: &Value) -> Result<TokenSet, String> {
    let f = Fields::of(value)?;
    let granted_scopes = f
        .required("grantedScopes")?
        .as_array()
        .ok_or_else(|| WRONG_TYPE.to_owned())?
        .iter()
        .map(as_string)
        .collect::<Result<Vec<String>, String>>()?;
    let scopes_field = match f.0.get("scopesField") {
        None => ScopesField::default(),
        Some(v) => match v.as_str() {
            Some("grantedScopes") => ScopesField::GrantedScopes,
            Some("grantedPermissions") => ScopesField::GrantedPermissions,
            Some("absent") => ScopesField::Absent,
            _ => return Err(WRONG_TYPE.to_owned()),
        },
    };
    let request_id = f.optional("requestId").map(as_string).transpose()?;
    let message = match f.0.get("message") {
        None => String::new(),
        Some(v) => as_string(v)?,
    };
    let extra = |name: &str| match f.0.get(name) {
        None => Ok(Map::new()),
        Some(v) => as_object(v),
    };
    Ok(TokenSet {
        access_token: AccessToken::new(f.string("accessToken")?),
        access_token_expires_at: f.int("accessTokenExpiresAt")?,
        refresh_token: RefreshToken::new(f.string("refreshToken")?),
        refresh_token_expires_at: f.int("refreshTokenExpiresAt")?,
        open_id: f.string("openId")?,
        seller_name: f.string("sellerName")?,
        seller_base_region: f.string("sellerBaseRegion")?,
        user_type: f.int("userType")?,
        granted_scopes,
        scopes_field,
        request_id,
        message,
        extra_data: extra("extraData")?,
        extra_envelope: extra("extraEnvelope")?,
    })
}

fn read_reconnect(value: &Value) -> Result<ReconnectReason, String> {
    let f = Fields::of(value)?;
    let kind = match f.optional("kind") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .and_then(AccountReason::from_word)
                .ok_or_else(|| WRONG_TYPE.to_owned())?,
        ),
    };
    Ok(ReconnectReason {
        code: f.opt_int("code")?,
        message: f.string("message")?,
        at: f.int("at")?,
        kind,
    })
}

/// Makes tokens from TikTok storable: expiries after the year 9999 (which JavaScript cannot read
/// back) become 9999-12-31, and unknown fields are capped (see [`cap_unknown_fields`]).
pub fn storable(tokens: &mut TokenSet) {
    let max = crate::policy::MAX_EXPIRY_SECS;
    tokens.access_token_expires_at = tokens.access_token_expires_at.min(max);
    tokens.refresh_token_expires_at = tokens.refresh_token_expires_at.min(max);
    cap_unknown_fields(tokens);
}

/// Keeps at most [`MAX_UNKNOWN_FIELDS_BYTES`] of a token set's unknown fields (in key order);
/// the known fields are always kept.
pub fn cap_unknown_fields(tokens: &mut TokenSet) {
    let mut budget = MAX_UNKNOWN_FIELDS_BYTES;
    for map in [&mut tokens.extra_data, &mut tokens.extra_envelope] {
        let keys: Vec<String> = map.keys().cloned().collect();
        for key in keys {
            let size = map.get(&key).map_or(0, |v| {
                key.len() + serde_json::to_string(v).map_or(usize::MAX, |t| t.len())
            });
            if size <= budget {
                budget -= size;
            } else {
                map.remove(&key);
            }
        }
    }
}

pub use crate::policy::AccountStatus;

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

pub use crate::flow::{flow_state_name, FlowStateView};

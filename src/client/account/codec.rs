//! The stored account record, read and written by hand over the JSON value.

use super::*;

/// The fields of one stored object, read by hand (a derived `Deserialize` through the JSON value
/// cost about 20 KB of the module). What serde would say, without any value:
/// a required field that is missing is named; a field of the wrong type (`null` included, unless
/// the field is optional) is "a field has the wrong type". Unknown fields are ignored.
struct Fields<'a>(&'a Map);

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

fn as_object(value: &Value) -> Result<Map, String> {
    value
        .as_object()
        .cloned()
        .ok_or_else(|| WRONG_TYPE.to_owned())
}

// The readers fill one value in place, field by field, in the order the fields are checked:
// an error then drops that one value, rather than each `?` dropping the fields read before it
// (which the module carried once per field).

pub(super) fn read_account(value: &Value) -> Result<StoredAccount, String> {
    let f = Fields::of(value)?;
    let mut account = StoredAccount {
        schema_version: 0,
        generation: 0,
        app_key: String::new(),
        region: String::new(),
        tokens: empty_tokens(),
        connected_at: 0,
        tokens_received_at: None,
        last_refresh_at: None,
        reconnect: None,
        refresh_in_flight: None,
    };
    account.schema_version = f
        .required("schemaVersion")?
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| WRONG_TYPE.to_owned())?;
    if let Some(v) = f.0.get("generation") {
        account.generation = v.as_u64().ok_or_else(|| WRONG_TYPE.to_owned())?;
    }
    account.app_key = f.string("appKey")?;
    account.region = f.string("region")?;
    read_tokens(f.required("tokens")?, &mut account.tokens)?;
    account.connected_at = f.int("connectedAt")?;
    account.tokens_received_at = f.opt_int("tokensReceivedAt")?;
    account.last_refresh_at = f.opt_int("lastRefreshAt")?;
    account.reconnect = f.optional("reconnect").map(read_reconnect).transpose()?;
    account.refresh_in_flight = f
        .optional("refreshInFlight")
        .map(|v| {
            Ok::<_, String>(RefreshJournal {
                started_at: Fields::of(v)?.int("startedAt")?,
            })
        })
        .transpose()?;
    Ok(account)
}

/// A token set with nothing in it, to be filled by [`read_tokens`].
fn empty_tokens() -> TokenSet {
    TokenSet {
        access_token: AccessToken::new(String::new()),
        access_token_expires_at: 0,
        refresh_token: RefreshToken::new(String::new()),
        refresh_token_expires_at: 0,
        open_id: String::new(),
        seller_name: String::new(),
        seller_base_region: String::new(),
        user_type: 0,
        granted_scopes: Vec::new(),
        scopes_field: ScopesField::default(),
        request_id: None,
        message: String::new(),
        extra_data: Map::new(),
        extra_envelope: Map::new(),
    }
}

fn read_tokens(value: &Value, t: &mut TokenSet) -> Result<(), String> {
    let f = Fields::of(value)?;
    // A plain loop: a `collect` into a `Result` is an iterator adapter of its own in the module.
    for scope in f
        .required("grantedScopes")?
        .as_array()
        .ok_or_else(|| WRONG_TYPE.to_owned())?
    {
        t.granted_scopes.push(as_string(scope)?);
    }
    t.scopes_field = match f.0.get("scopesField") {
        None => ScopesField::default(),
        Some(v) => match v.as_str() {
            Some("grantedScopes") => ScopesField::GrantedScopes,
            Some("grantedPermissions") => ScopesField::GrantedPermissions,
            Some("absent") => ScopesField::Absent,
            _ => return Err(WRONG_TYPE.to_owned()),
        },
    };
    t.request_id = f.optional("requestId").map(as_string).transpose()?;
    if let Some(v) = f.0.get("message") {
        t.message = as_string(v)?;
    }
    t.access_token = AccessToken::new(f.string("accessToken")?);
    t.access_token_expires_at = f.int("accessTokenExpiresAt")?;
    t.refresh_token = RefreshToken::new(f.string("refreshToken")?);
    t.refresh_token_expires_at = f.int("refreshTokenExpiresAt")?;
    t.open_id = f.string("openId")?;
    t.seller_name = f.string("sellerName")?;
    t.seller_base_region = f.string("sellerBaseRegion")?;
    t.user_type = f.int("userType")?;
    let extra = |name: &str| match f.0.get(name) {
        None => Ok(Map::new()),
        Some(v) => as_object(v),
    };
    t.extra_data = extra("extraData")?;
    t.extra_envelope = extra("extraEnvelope")?;
    Ok(())
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
        let mut keys: Vec<String> = Vec::with_capacity(map.len());
        for key in map.keys() {
            keys.push(key.clone());
        }
        for key in keys {
            let size = map.get(&key).map_or(0, |v| key.len() + v.to_json().len());
            if size <= budget {
                budget -= size;
            } else {
                map.remove(&key);
            }
        }
    }
}

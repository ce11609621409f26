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

pub(super) fn read_account(value: &Value) -> Result<StoredAccount, String> {
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
            let size = map.get(&key).map_or(0, |v| key.len() + v.to_json().len());
            if size <= budget {
                budget -= size;
            } else {
                map.remove(&key);
            }
        }
    }
}

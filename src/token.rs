//! Token requests (token/get, token/refresh) and the token model.
//!
//! TikTok's token calls are `GET`s with the app secret in the query, and answer with an envelope
//! `{code, message, data, request_id}` whatever the HTTP status: HTTP 200 can still be an error.
//! `*_expire_in` are absolute Unix timestamps (seconds), not durations, and refresh tokens expire
//! beyond `u32` (year 2123), so they are `i64` here.

use crate::config::Config;
use crate::error::{snippet, MalformedKind};
use crate::http::{append_query, HttpRequest, Method};
use crate::json::{Map, Value};
use crate::secret::{AccessToken, AuthCode, RefreshToken};
use crate::Error;
use serde::{Deserialize, Serialize};

/// The `grant_type` of token/get, spelled as TikTok spells it.
pub const GRANT_AUTHORIZED_CODE: &str = "authorized_code";
/// The `grant_type` of token/refresh.
pub const GRANT_REFRESH_TOKEN: &str = "refresh_token";

/// The request that exchanges an authorization code for tokens:
/// `GET {token_get}?app_key=…&app_secret=…&auth_code=…&grant_type=authorized_code`.
/// It carries no headers, so a browser sends it without a CORS preflight.
pub fn token_get_request(config: &Config, auth_code: &AuthCode) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: append_query(
            &config.endpoints().token_get,
            &[
                ("app_key", config.app_key()),
                ("app_secret", config.app_secret().secret()),
                ("auth_code", auth_code.secret()),
                ("grant_type", GRANT_AUTHORIZED_CODE),
            ],
        ),
        headers: Vec::new(),
        body: Vec::new(),
        timeout_ms: None,
    }
}

/// The request that refreshes tokens:
/// `GET {token_refresh}?app_key=…&app_secret=…&refresh_token=…&grant_type=refresh_token`.
pub fn token_refresh_request(config: &Config, refresh_token: &RefreshToken) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: append_query(
            &config.endpoints().token_refresh,
            &[
                ("app_key", config.app_key()),
                ("app_secret", config.app_secret().secret()),
                ("refresh_token", refresh_token.secret()),
                ("grant_type", GRANT_REFRESH_TOKEN),
            ],
        ),
        headers: Vec::new(),
        body: Vec::new(),
        timeout_ms: None,
    }
}

/// The kind of TikTok account that authorized (`user_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    /// 0: a seller.
    Seller,
    /// 1: a creator.
    Creator,
    /// 3: a partner.
    Partner,
    /// Any other value.
    Other(i64),
}

impl UserType {
    /// From TikTok's number.
    pub fn from_code(code: i64) -> UserType {
        match code {
            0 => UserType::Seller,
            1 => UserType::Creator,
            3 => UserType::Partner,
            other => UserType::Other(other),
        }
    }

    /// A word for people.
    pub fn label(self) -> &'static str {
        match self {
            UserType::Seller => "seller",
            UserType::Creator => "creator",
            UserType::Partner => "partner",
            UserType::Other(_) => "other",
        }
    }
}

/// Which name the scopes came under, so an export writes them back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScopesField {
    /// `granted_scopes` (current).
    #[default]
    GrantedScopes,
    /// `granted_permissions` (older name).
    GrantedPermissions,
    /// Neither was present.
    Absent,
}

/// The tokens of one connected account, with absolute expiry times. Parsed from TikTok's
/// response by [`parse_token_response`]; serialisable (camelCase) for storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// When the access token expires (Unix seconds).
    pub access_token_expires_at: i64,
    /// The refresh token.
    pub refresh_token: RefreshToken,
    /// When the refresh token expires (Unix seconds): the end of the seller's authorization.
    pub refresh_token_expires_at: i64,
    /// The seller's `open_id`: the account's identity.
    pub open_id: String,
    /// The seller's name.
    pub seller_name: String,
    /// The seller's base region (`GB`, `US`, …).
    pub seller_base_region: String,
    /// TikTok's `user_type` number (see [`UserType`]).
    pub user_type: i64,
    /// The scopes granted (empty when TikTok sent none).
    pub granted_scopes: Vec<String>,
    /// Which field the scopes came under.
    #[serde(default)]
    pub scopes_field: ScopesField,
    /// The `request_id` of the response these tokens came from.
    pub request_id: Option<String>,
    /// The envelope's `message` ("success").
    #[serde(default)]
    pub message: String,
    /// Fields of `data` this version does not know, kept as they were.
    #[serde(default)]
    pub extra_data: Map,
    /// Top-level fields of the envelope this version does not know, kept as they were.
    #[serde(default)]
    pub extra_envelope: Map,
}

impl TokenSet {
    /// The account type.
    pub fn user_type(&self) -> UserType {
        UserType::from_code(self.user_type)
    }
}

const KNOWN_DATA_FIELDS: [&str; 10] = [
    "access_token",
    "access_token_expire_in",
    "refresh_token",
    "refresh_token_expire_in",
    "open_id",
    "seller_name",
    "seller_base_region",
    "user_type",
    "granted_scopes",
    "granted_permissions",
];
const KNOWN_ENVELOPE_FIELDS: [&str; 4] = ["code", "message", "data", "request_id"];

/// The parts of TikTok's envelope every response has.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// `code`: 0 is success.
    pub code: i64,
    /// `message`.
    pub message: String,
    /// `request_id`.
    pub request_id: Option<String>,
    /// `data`, when present and not null.
    pub data: Option<Value>,
    /// The whole object.
    pub raw: Map,
}

/// Parses TikTok's `{code, message, data, request_id}` envelope, whatever `data` holds. Any body
/// that is not such an envelope is a [`Error::MalformedResponse`] with a short, secret-free
/// snippet. Never panics.
pub fn parse_envelope(http_status: u16, body: &[u8]) -> Result<Envelope, Error> {
    let malformed = |kind: MalformedKind, detail: &str| malformed(http_status, body, kind, detail);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        return Err(malformed(MalformedKind::EmptyBody, ""));
    };
    if *first == b'<' {
        return Err(malformed(MalformedKind::Html, ""));
    }
    // Read as text (the one JSON reader of the module, over `&str`). A body that is not UTF-8
    // is read with its invalid bytes replaced, only to tell a truncated body (cut inside a
    // character) from one that is not JSON: JSON that reads is still not JSON here.
    let parsed = match std::str::from_utf8(body) {
        Ok(text) => crate::json::from_str(text),
        Err(_) => match crate::json::from_str(&String::from_utf8_lossy(body)) {
            Ok(_) => return Err(malformed(MalformedKind::NotJson, "invalid UTF-8")),
            Err(e) => Err(e),
        },
    };
    let value = match parsed {
        Ok(v) => v,
        Err(e) => {
            let (kind, what) = if e.is_eof() {
                (MalformedKind::TruncatedJson, "ends")
            } else {
                (MalformedKind::NotJson, "invalid")
            };
            return Err(malformed(
                kind,
                &format!("{what} at line {} column {}", e.line(), e.column()),
            ));
        }
    };
    let Value::Object(raw) = value else {
        return Err(malformed(
            MalformedKind::UnexpectedShape,
            "the body is not a JSON object",
        ));
    };
    let code = match raw.get("code") {
        Some(Value::Number(n)) => n.as_i64().ok_or("\"code\" is not an integer"),
        Some(Value::String(_)) => Err("\"code\" is a string, not a number"),
        Some(_) => Err("\"code\" is not a number"),
        None => Err("\"code\" is missing"),
    };
    let code = code.map_err(|detail| malformed(MalformedKind::UnexpectedShape, detail))?;
    let message = match raw.get("message") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let request_id = match raw.get("request_id") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let data = raw.get("data").filter(|d| !d.is_null()).cloned();
    Ok(Envelope {
        code,
        message,
        request_id,
        data,
        raw,
    })
}

/// Parses a token/get or token/refresh response (HTTP status and body bytes) into a [`TokenSet`].
///
/// - `code != 0` → [`Error::TikTokApi`] with `code`, `message`, `request_id` and the HTTP status.
/// - An HTML page, an empty body, truncated or invalid JSON, a missing `data`, a field of the
///   wrong type, `code` as a string → [`Error::MalformedResponse`].
///
/// Never panics, whatever the input.
pub fn parse_token_response(http_status: u16, body: &[u8]) -> Result<TokenSet, Error> {
    let envelope = parse_envelope(http_status, body)?;
    if envelope.code != 0 {
        return Err(Error::TikTokApi {
            code: envelope.code,
            message: envelope.message,
            request_id: envelope.request_id,
            http_status,
        });
    }
    let shape = |detail: &str| malformed(http_status, body, MalformedKind::UnexpectedShape, detail);
    let data = match envelope.data {
        Some(Value::Object(map)) => map,
        Some(_) => return Err(shape("\"data\" is not an object")),
        None => return Err(shape("\"data\" is missing")),
    };
    // Every problem of a field is reported as `data.{name}{what}`, built in one place.
    let problem = |name: &str, what: &str| shape(&data_field(name, what));
    let user_type = match data.get("user_type") {
        Some(Value::Number(n)) => n.as_i64().ok_or(" is not an integer"),
        None | Some(Value::Null) => Ok(0),
        Some(_) => Err(" is not a number"),
    }
    .map_err(|what| problem("user_type", what))?;
    let (scopes_name, scopes, scopes_field) =
        match (data.get("granted_scopes"), data.get("granted_permissions")) {
            (Some(v), _) if !v.is_null() => ("granted_scopes", Some(v), ScopesField::GrantedScopes),
            (_, Some(v)) if !v.is_null() => (
                "granted_permissions",
                Some(v),
                ScopesField::GrantedPermissions,
            ),
            _ => ("", None, ScopesField::Absent),
        };
    let granted_scopes = match scopes {
        Some(v) => {
            string_array(v).ok_or_else(|| problem(scopes_name, " is not a list of strings"))?
        }
        None => Vec::new(),
    };
    // Checked in one loop first (the first problem in the fields' order is reported), then read
    // without failure paths.
    for (name, field) in TOKEN_FIELDS {
        if let Some(what) = field_problem(data.get(name), field) {
            return Err(problem(name, what));
        }
    }
    let text = |name: &str| {
        data.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let seconds = |name: &str| data.get(name).and_then(Value::as_i64).unwrap_or_default();
    let extra_data = unknown_fields(&data, &KNOWN_DATA_FIELDS);
    let extra_envelope = unknown_fields(&envelope.raw, &KNOWN_ENVELOPE_FIELDS);
    Ok(TokenSet {
        access_token: AccessToken::new(text("access_token")),
        access_token_expires_at: seconds("access_token_expire_in"),
        refresh_token: RefreshToken::new(text("refresh_token")),
        refresh_token_expires_at: seconds("refresh_token_expire_in"),
        open_id: text("open_id"),
        seller_name: text("seller_name"),
        seller_base_region: text("seller_base_region"),
        user_type,
        granted_scopes,
        scopes_field,
        request_id: envelope.request_id,
        message: envelope.message,
        extra_data,
        extra_envelope,
    })
}

/// A `MalformedResponse` for `body`: the one constructor of every site here (the snippet and the
/// detail's copy are made once, out of line).
#[cold]
#[inline(never)]
pub(crate) fn malformed(http_status: u16, body: &[u8], kind: MalformedKind, detail: &str) -> Error {
    Error::MalformedResponse {
        http_status,
        kind,
        detail: detail.to_owned(),
        snippet: snippet(body),
    }
}

/// What a field of `data` read into the token set must be.
#[derive(Clone, Copy)]
enum Field {
    /// A string (`required`: present and not empty; else `null` or missing reads as empty).
    Text { required: bool },
    /// A whole number of seconds.
    Seconds,
}

/// The fields read into the token set, in the order their problems are reported.
const TOKEN_FIELDS: [(&str, Field); 7] = [
    ("access_token", Field::Text { required: true }),
    ("access_token_expire_in", Field::Seconds),
    ("refresh_token", Field::Text { required: true }),
    ("refresh_token_expire_in", Field::Seconds),
    ("open_id", Field::Text { required: true }),
    ("seller_name", Field::Text { required: false }),
    ("seller_base_region", Field::Text { required: false }),
];

/// What is wrong with a field's value (the end of its detail), if anything.
fn field_problem(value: Option<&Value>, field: Field) -> Option<&'static str> {
    match (field, value) {
        (Field::Text { required }, Some(Value::String(s))) => {
            (required && s.is_empty()).then_some(" is empty")
        }
        (Field::Text { required: false }, None | Some(Value::Null)) => None,
        (_, None | Some(Value::Null)) => Some(" is missing"),
        (Field::Text { .. }, Some(_)) => Some(" is not a string"),
        (Field::Seconds, Some(Value::Number(n))) => n
            .as_i64()
            .is_none()
            .then_some(" is not a whole number of seconds"),
        (Field::Seconds, Some(_)) => Some(" is not a number"),
    }
}

/// The fields of `map` not in `known`. Inserted one by one, not collected: collecting into a
/// map sorts, and `map` is in key order already.
fn unknown_fields(map: &Map, known: &[&str]) -> Map {
    let mut out = Map::new();
    for (k, v) in map {
        if !known.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// `data.{name}{what}`, for a detail (built without `format!`: one call instead of six).
fn data_field(name: &str, what: &str) -> String {
    let mut out = String::with_capacity(5 + name.len() + what.len());
    out.push_str("data.");
    out.push_str(name);
    out.push_str(what);
    out
}

fn string_array(value: &Value) -> Option<Vec<String>> {
    let items = value.as_array()?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(item.as_str()?.to_owned());
    }
    Some(out)
}

//! What TikTok's answers mean: an API response's outcome by exact codes (with a fast path for
//! code 0 that builds nothing), the error for a code, the refresh error's meaning.

use super::*;

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
    // The common answer (code 0) is recognised without building the whole body as a value:
    // only `code` is read, the rest is checked to be JSON and skipped. Only for an object of
    // valid UTF-8 (skipped strings are not checked otherwise): anything else takes the full
    // path and its typed errors.
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if is_object {
        if let Ok(text) = std::str::from_utf8(body) {
            if serde_json::from_str::<Head>(text).is_ok_and(|head| head.0) {
                return ApiOutcome::Success;
            }
        }
    }
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

/// Whether an envelope object's `code` is the integer 0, read without building the body as a
/// value (the rest is skipped, checked to be JSON only). Written by hand: every `visit_*` the
/// parser may call is answered (anything unexpected by a plain error), so serde's type-error
/// messages (and the float formatting they carry) are not in the module. A duplicate `code`, a
/// `code` of another type, an array or a scalar: an error, and the caller takes the full path.
struct Head(bool);

/// A visitor's error for anything [`Head`] does not accept.
fn not_head<E: serde::de::Error>() -> E {
    E::custom("not an envelope")
}

/// Implements the `visit_*` methods of a [`Head`] visitor that the parser may call and that it
/// does not accept.
macro_rules! refuse_visits {
    ($($method:ident($($arg:ty)?)),* $(,)?) => {
        $(fn $method<E: serde::de::Error>(self $(, _: $arg)?) -> Result<Self::Value, E> {
            Err(not_head())
        })*
    };
}

/// The visitor of the envelope object.
struct HeadVisitor;
/// The visitor of a key: whether it is `code`.
struct KeyVisitor;
/// The visitor of `code`: whether it is the integer 0.
struct CodeVisitor;

impl<'de> serde::Deserialize<'de> for Head {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Head, D::Error> {
        deserializer.deserialize_any(HeadVisitor)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for KeyVisitor {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for CodeVisitor {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for HeadVisitor {
    type Value = Head;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an envelope")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut code = None;
        while let Some(is_code) = map.next_key_seed(KeyVisitor)? {
            if !is_code {
                map.next_value::<serde::de::IgnoredAny>()?;
            } else if code.is_some() {
                return Err(not_head());
            } else {
                code = Some(map.next_value_seed(CodeVisitor)?);
            }
        }
        Ok(Head(code == Some(true)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Head, A::Error> {
        Err(not_head())
    }
    refuse_visits!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64),
        visit_str(&str),
        visit_bytes(&[u8]),
        visit_unit(),
        visit_none(),
    );
}

impl<'de> serde::de::Visitor<'de> for KeyVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == "code")
    }
    refuse_visits!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64),
        visit_bytes(&[u8]),
        visit_unit(),
        visit_none(),
    );
}

impl<'de> serde::de::Visitor<'de> for CodeVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a code")
    }
    fn visit_i64<E: serde::de::Error>(self, code: i64) -> Result<bool, E> {
        Ok(code == 0)
    }
    fn visit_u64<E: serde::de::Error>(self, code: u64) -> Result<bool, E> {
        Ok(code == 0)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(not_head())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(not_head())
    }
    refuse_visits!(
        visit_bool(bool),
        visit_f64(f64),
        visit_str(&str),
        visit_bytes(&[u8]),
        visit_unit(),
        visit_none(),
    );
}

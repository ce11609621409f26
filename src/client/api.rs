//! Signed API calls with one refresh and one retry.

use super::account::{AccountReason, ReconnectReason, Shop};
use super::platform::Platform;
use super::Client;
use crate::error::MalformedKind;
use crate::http::{HttpResponse, Method};
use crate::json::Value;
use crate::policy::{before_call, classify_api_response, codes, ApiOutcome, BeforeCall};
use crate::signing::{build_signed_request, ApiRequest};
use crate::token::parse_envelope;
use crate::Error;

/// A signed API call as callers describe it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct ApiCall {
    /// `GET` (default), `POST`, `PUT`, `PATCH` or `DELETE`.
    #[cfg_attr(
        test,
        ts(
            optional,
            type = "\"GET\" | \"POST\" | \"PUT\" | \"PATCH\" | \"DELETE\""
        )
    )]
    pub method: Option<String>,
    /// The path, such as `/authorization/202309/shops`.
    pub path: String,
    // A list in name order, each name once (as read from JS), rather than a `BTreeMap`, whose
    // B-tree code the module then no longer carries.
    /// Business query parameters.
    #[cfg_attr(
        test,
        ts(optional, as = "Option<std::collections::BTreeMap<String, String>>")
    )]
    pub query: Option<Vec<(String, String)>>,
    /// The JSON body.
    #[cfg_attr(test, ts(optional = nullable))]
    pub body: Option<String>,
    /// The shop cipher, for shop-scoped endpoints.
    #[cfg_attr(test, ts(optional))]
    pub shop_cipher: Option<String>,
    /// Abandon the call after this many ms (default: the client's `apiTimeoutMs`, 60 s).
    #[cfg_attr(test, ts(optional))]
    pub timeout_ms: Option<u32>,
}

impl crate::config::FromInput for ApiCall {
    fn read(input: &mut crate::config::Input) -> Result<Self, String> {
        Ok(ApiCall {
            method: input.opt_string("method")?,
            path: input.string("path")?,
            query: input.opt_strings("query")?,
            body: input.opt_string("body")?,
            shop_cipher: input.opt_string("shopCipher")?,
            timeout_ms: input
                .opt_int("timeoutMs", 0, i64::from(u32::MAX))?
                .map(|ms| u32::try_from(ms).unwrap_or(u32::MAX)),
        })
    }
}

/// What an API call returned: TikTok's answer with `code` 0.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body as text (JSON: the bindings hand it to JavaScript parsed).
    pub body: String,
}

impl<P: Platform> Client<P> {
    /// Calls a TikTok Shop API for an account: signs with server time, sends, and classifies the
    /// answer by TikTok's code. An expired or invalid access token (105002, 105001, or a 401 with
    /// no envelope) is refreshed once (or replaced by tokens another caller already refreshed),
    /// re-signed and retried once. An access token due for a refresh is refreshed before
    /// sending. Any other error code is returned as a typed error. The account comes from memory
    /// when the platform delivers storage changes: no store read per call.
    pub async fn api_fetch(&self, open_id: &str, call: &ApiCall) -> Result<ApiResponse, Error> {
        // Every error goes through `out` (redaction) where it arises: no inner future nested in
        // this one.
        let method = self.out(Method::parse(call.method.as_deref().unwrap_or("GET")))?;
        let request = ApiRequest {
            method,
            path: call.path.clone(),
            query: call.query.as_deref().unwrap_or_default().to_vec(),
            body: call.body.as_deref().unwrap_or_default().as_bytes().to_vec(),
            shop_cipher: call.shop_cipher.clone(),
        };
        let timeout_ms = match call.timeout_ms {
            Some(ms) => self.out(crate::config::validate_timeout_ms(
                "timeoutMs",
                i64::from(ms),
            ))?,
            None => self.config.api_timeout_ms,
        };
        // Tokens TikTok issued that are only in memory are written first; until they are, every
        // call says so.
        self.out(self.store.flush_unsaved(open_id).await)?;
        let mut account = self.out(self.account(open_id).await)?;
        let (status, reason) = account.status(
            self.now(),
            self.config.refresh_margin_secs,
            self.config.app.app_key(),
        );
        // What to do before sending; a refresh (before the call, or after TikTok rejected the
        // token) is awaited at one place in the loop below.
        let mut refresh = match before_call(status) {
            BeforeCall::Refuse => {
                return self.out(Err(refused_error(account.reconnect.as_ref(), reason)))
            }
            BeforeCall::RefreshFirst => Some(RefreshNeed::Required),
            BeforeCall::RefreshAhead => Some(RefreshNeed::Ahead),
            BeforeCall::Send => None,
        };

        let mut refreshed = false;
        let mut clock_retried = false;
        loop {
            if let Some(need) = refresh.take() {
                // A late 401 (the token was already replaced) uses the stored token and
                // refreshes nothing: `refresh_account` sees that the token changed.
                let seen = account.tokens.access_token.secret().to_owned();
                match self.refresh_account(open_id, Some(seen)).await {
                    Ok(fresh) => account = fresh,
                    Err(error) if need.stops_call(&error) => return self.out(Err(error)),
                    Err(_) => {}
                }
            }
            let offset_used = self.clock_offset.get();
            let signed = self.out(build_signed_request(
                &self.config.app,
                &account.tokens.access_token,
                &request,
                self.server_now(),
            ))?;
            let response = self.out(self.send(signed, "the API call", timeout_ms).await)?;
            match classify_api_response(response.status, &response.body) {
                ApiOutcome::Success => {
                    return Ok(ApiResponse {
                        status: response.status,
                        body: String::from_utf8(response.body)
                            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                    })
                }
                ApiOutcome::RefreshAndRetry { .. } if !refreshed => {
                    refreshed = true;
                    refresh = Some(RefreshNeed::Required);
                }
                ApiOutcome::RefreshAndRetry { code } => {
                    return self.out(Err(still_unauthorized(code, &response)))
                }
                // A timestamp outside TikTok's window, with a clock that just moved: sign again
                // with the server's time, once.
                ApiOutcome::Fail(Error::TikTokApi {
                    code: codes::INVALID_REQUEST,
                    ref message,
                    ..
                }) if !clock_retried
                    && crate::text::contains(&message.to_ascii_lowercase(), "timestamp")
                    && self.clock_offset.get() != offset_used =>
                {
                    clock_retried = true;
                }
                ApiOutcome::Fail(error) => return self.out(Err(error)),
            }
        }
    }

    /// The shops the account's token covers (`GET /authorization/202309/shops`).
    pub async fn shops(&self, open_id: &str) -> Result<Vec<Shop>, Error> {
        let call = ApiCall {
            path: "/authorization/202309/shops".to_owned(),
            ..ApiCall::default()
        };
        let response = self.api_fetch(open_id, &call).await?;
        self.out(parse_shops(response.status, response.body.as_bytes()))
    }
}

/// Why a call refreshes the access token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RefreshNeed {
    /// The token expired, or TikTok rejected it: the call cannot go on without a refresh.
    Required,
    /// Still valid, refreshed ahead of time: a refresh that fails for a reason other than a lost
    /// authorization (or unsaved tokens) does not stop the call.
    Ahead,
}

impl RefreshNeed {
    /// Whether a failed refresh ends the call with its error.
    fn stops_call(self, error: &Error) -> bool {
        self == RefreshNeed::Required
            || error.needs_reconnect()
            || matches!(error, Error::TokensNotSaved { .. })
    }
}

/// The error for a call or refresh refused before sending: the seller must reconnect (`reason`:
/// the stored one, if any; `sentence`: the message for `ReconnectRequired`, the account's status
/// reason or the stored reason's own; `RefreshInterrupted` keeps the stored message).
pub(super) fn refused_error(reason: Option<&ReconnectReason>, sentence: Option<String>) -> Error {
    match reason {
        Some(r) if r.kind == Some(AccountReason::RefreshInterrupted) => Error::RefreshInterrupted {
            code: r.code.unwrap_or(0),
            message: r.message.clone(),
            request_id: None,
        },
        r => Error::ReconnectRequired {
            code: r.and_then(|r| r.code).unwrap_or(0),
            message: sentence.unwrap_or_default(),
            request_id: None,
        },
    }
}

/// The error for a call still rejected after a refresh and a retry.
fn still_unauthorized(code: Option<i64>, response: &HttpResponse) -> Error {
    match parse_envelope(response.status, &response.body) {
        Ok(envelope) => Error::TikTokApi {
            code: envelope.code,
            message: format!(
                "{} (still rejected after a token refresh)",
                envelope.message
            ),
            request_id: envelope.request_id,
            http_status: response.status,
        },
        Err(_) => Error::TikTokApi {
            code: code.unwrap_or(0),
            message: "unauthorized (still rejected after a token refresh)".to_owned(),
            request_id: None,
            http_status: response.status,
        },
    }
}

/// Reads `data.shops` of a shops response.
pub fn parse_shops(http_status: u16, body: &[u8]) -> Result<Vec<Shop>, Error> {
    let envelope = parse_envelope(http_status, body)?;
    // Read where it is in the envelope, not from a copy; no `shops` is no shop.
    let shops = match envelope.data.as_ref().and_then(|d| d.get("shops")) {
        Some(shops) => read_shops(shops),
        None => Some(Vec::new()),
    };
    shops.ok_or_else(|| {
        crate::token::malformed(
            http_status,
            body,
            MalformedKind::UnexpectedShape,
            "data.shops is not a list of shops",
        )
    })
}

/// The shops in `value`, read by hand as the derived `Deserialize` reads them (every field a
/// string, missing ones empty, unknown ones ignored, `seller_type` accepted for `sellerType` but
/// not both, a shop given as an array of its fields in order); `None` for anything else.
fn read_shops(value: &Value) -> Option<Vec<Shop>> {
    const FIELDS: [&str; 6] = ["cipher", "code", "id", "name", "region", "sellerType"];
    let mut shops = Vec::new();
    for item in value.as_array()? {
        let mut fields: [String; 6] = Default::default();
        match item {
            Value::Object(map) => {
                if map.contains_key("sellerType") && map.contains_key("seller_type") {
                    return None;
                }
                for (slot, name) in fields.iter_mut().zip(FIELDS) {
                    let found = map.get(name).or_else(|| {
                        (name == "sellerType")
                            .then(|| map.get("seller_type"))
                            .flatten()
                    });
                    if let Some(v) = found {
                        *slot = v.as_str()?.to_owned();
                    }
                }
            }
            Value::Array(items) if items.len() <= FIELDS.len() => {
                for (slot, v) in fields.iter_mut().zip(items) {
                    *slot = v.as_str()?.to_owned();
                }
            }
            _ => return None,
        }
        let [cipher, code, id, name, region, seller_type] = fields;
        shops.push(Shop {
            cipher,
            code,
            id,
            name,
            region,
            seller_type,
        });
    }
    Some(shops)
}

//! The pure functions: each converts its arguments and forwards to the core.

use super::errors::js_error;
use super::{from_js, js_json, to_js, JsRandom};
use crate::authorize::{authorize_url_from_input, new_state, parse_redirect};
use crate::client::platform::Random;
use crate::config::{ClientConfig, ClientConfigInput};
use crate::json::{Map, Value};
use crate::token::parse_token_response;
use crate::views::{RedirectCodeView, TokenSetView};
use crate::Error;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    /// `signRequest`'s body as bytes (`None`: not a string, a `Uint8Array` or null).
    #[wasm_bindgen(js_name = ttsBodyBytes)]
    fn tts_body_bytes(body: &JsValue) -> Option<Uint8Array>;
}

/// The TikTok sign of a request (lowercase hex). `query`: a plain object of string values;
/// `body`: a string, a `Uint8Array`, or null.
#[wasm_bindgen(js_name = signRequest, unchecked_return_type = "string")]
pub fn sign_request(
    app_secret: &str,
    path: &str,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] query: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | null | undefined")] body: JsValue,
    content_type: Option<String>,
) -> Result<JsValue, JsValue> {
    let query = match js_json(&query, "query").map_err(js_error)? {
        Value::Null => Map::new(),
        Value::Object(query) => query,
        _ => {
            return Err(js_error(Error::InvalidInput(
                "query must be an object".into(),
            )))
        }
    };
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(query.len());
    for (name, value) in &query {
        let value = value.as_str().ok_or_else(|| {
            js_error(Error::InvalidInput(format!(
                "query: the value of {name} must be a string"
            )))
        })?;
        pairs.push((name, value));
    }
    let Some(bytes) = tts_body_bytes(&body) else {
        return Err(js_error(Error::InvalidInput(
            "body must be a string, a Uint8Array or null".into(),
        )));
    };
    let bytes = bytes.to_vec();
    js_string(Ok(crate::signing::sign(
        app_secret,
        path,
        &pairs,
        &bytes,
        content_type.as_deref().unwrap_or("application/json"),
    )))
}

/// A text the core made, as a JS string made at once (where a Rust `String` returned is handed
/// over through the module's memory by glue of its own in each export), or the error thrown.
#[inline(never)]
pub(super) fn js_string(text: Result<String, Error>) -> Result<JsValue, JsValue> {
    match text {
        Ok(text) => Ok(JsValue::from_str(&text)),
        Err(error) => Err(js_error(error)),
    }
}

/// Parses a token/get or token/refresh response into the token model (tokens included).
#[wasm_bindgen(js_name = parseTokenResponse, unchecked_return_type = "TokenSet")]
pub fn parse_token_response_js(http_status: u16, body_text: &str) -> Result<JsValue, JsValue> {
    let tokens = parse_token_response(http_status, body_text.as_bytes()).map_err(js_error)?;
    to_js(&TokenSetView::from(&tokens))
}

/// The authorization page URL for `config` (only `serviceId`, `region` and
/// `endpoints.authorize` are used) and `state`.
#[wasm_bindgen(js_name = buildAuthorizeUrl, unchecked_return_type = "string")]
pub fn build_authorize_url(
    #[wasm_bindgen(unchecked_param_type = "Partial<ClientConfig>")] config: JsValue,
    state: &str,
) -> Result<JsValue, JsValue> {
    let input: Result<ClientConfigInput, Error> = from_js(&config, "config");
    js_string(input.and_then(|input| authorize_url_from_input(&input, state)))
}

/// Parses the redirect URL: `{ code, appKey?, locale?, shopRegion? }`, or throws
/// `AccessDenied`, `StateMismatch` or `InvalidRedirect`.
#[wasm_bindgen(js_name = parseRedirect, unchecked_return_type = "RedirectCode")]
pub fn parse_redirect_js(
    redirect_url: &str,
    expected_redirect_base: &str,
    expected_state: &str,
) -> Result<JsValue, JsValue> {
    let parsed =
        parse_redirect(redirect_url, expected_redirect_base, expected_state).map_err(js_error)?;
    to_js(&RedirectCodeView::from(&parsed))
}

/// Validates a client configuration; throws `InvalidConfig` naming the first problem.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(
    #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
) -> Result<(), JsValue> {
    client_config(&config).map(|_| ())
}

/// A client configuration from JS, validated (the reading is `InvalidConfig` too): one copy
/// for `validateConfig` and the client's constructor.
#[inline(never)]
pub(crate) fn client_config(config: &JsValue) -> Result<ClientConfig, JsValue> {
    let input: ClientConfigInput =
        from_js(config, "config").map_err(|e| js_error(Error::InvalidConfig(e.to_string())))?;
    input.validate().map_err(js_error)
}

/// A fresh `state` (256 random bits, base64url).
#[wasm_bindgen(js_name = newState, unchecked_return_type = "string")]
pub fn new_state_js() -> Result<JsValue, JsValue> {
    let mut bytes = [0u8; 32];
    js_string(JsRandom.fill(&mut bytes).and_then(|()| new_state(&bytes)))
}

/// The capture modes a flow can use, in the order a settings page offers them.
#[wasm_bindgen(js_name = captureModes, unchecked_return_type = "CaptureMode[]")]
pub fn capture_modes_js() -> Result<JsValue, JsValue> {
    to_js(&crate::views::capture_modes())
}

/// `https://host[:port]` for a team page's origin as typed; throws `InvalidInput` saying what is wrong.
#[wasm_bindgen(js_name = normalizePageOrigin, unchecked_return_type = "string")]
pub fn normalize_page_origin_js(text: &str) -> Result<JsValue, JsValue> {
    js_string(crate::origins::normalize_page_origin(text))
}

/// The capture mode a setting asks for: unset or unknown is the sign-in window (`identity`).
#[wasm_bindgen(js_name = captureModeOf, unchecked_return_type = "CaptureMode")]
pub fn capture_mode_of(
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] setting: Option<String>,
) -> JsValue {
    // The word as a JS string at once (no Rust `String` made and handed over).
    JsValue::from_str(crate::flow::CaptureMode::from_setting(setting.as_deref()).as_str())
}

//! The core's [`Error`] as a JS `Error` whose `name` is the variant, with TikTok's fields.

use crate::Error;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A JS `Error` whose `name` is the variant, with TikTok's fields where there are any.
pub fn js_error(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    js.set_name(error.name());
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&js, &JsValue::from_str(key), &value);
    };
    if let Some(code) = error.tiktok_code() {
        set("code", JsValue::from_f64(code as f64));
    }
    if let Some(request_id) = error.request_id() {
        set("requestId", JsValue::from_str(request_id));
    }
    match &error {
        Error::TikTokApi {
            message,
            http_status,
            ..
        } => {
            set("tiktokMessage", JsValue::from_str(message));
            set("httpStatus", JsValue::from_f64(f64::from(*http_status)));
        }
        Error::ReconnectRequired { message, .. } | Error::RateLimited { message, .. } => {
            set("tiktokMessage", JsValue::from_str(message));
        }
        Error::MissingPermission { scope, message, .. } => {
            set("tiktokMessage", JsValue::from_str(message));
            if let Some(scope) = scope {
                set("scope", JsValue::from_str(scope));
            }
        }
        Error::MalformedResponse {
            http_status,
            snippet,
            ..
        } => {
            set("httpStatus", JsValue::from_f64(f64::from(*http_status)));
            set("snippet", JsValue::from_str(snippet));
        }
        Error::AccessDenied { error_response, .. } => {
            set("errorResponse", JsValue::from_str(error_response));
        }
        Error::NewerTokensStored { open_id, .. } | Error::TokensNotSaved { open_id, .. } => {
            set("openId", JsValue::from_str(open_id));
        }
        Error::RefreshInterrupted { message, .. } => {
            set("tiktokMessage", JsValue::from_str(message));
        }
        _ => {}
    }
    js.into()
}

/// The message of a thrown JS value.
pub(crate) fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// A thrown JS value as a storage error, saying what threw it.
pub(crate) fn js_to_error(value: JsValue, what: &str) -> Error {
    Error::Storage(format!("{what}: {}", js_message(&value)))
}

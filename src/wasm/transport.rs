//! The transport: `fetch` on the global scope, so it works in a service worker.

#[cfg(not(feature = "gloo-transport"))]
use super::errors::js_message;
use crate::client::platform::Transport;
#[cfg(feature = "gloo-transport")]
use crate::http::Method;
use crate::http::{HttpRequest, HttpResponse};
use crate::Error;
#[cfg(not(feature = "gloo-transport"))]
use js_sys::Promise;
use js_sys::Uint8Array;
#[cfg(not(feature = "gloo-transport"))]
use wasm_bindgen::prelude::*;
#[cfg(not(feature = "gloo-transport"))]
use wasm_bindgen::JsCast;
#[cfg(not(feature = "gloo-transport"))]
use wasm_bindgen_futures::JsFuture;

/// `fetch` on the global scope, called from one small JS function (measured against gloo-net's
/// builder, which builds a `Request`, a `Headers` and an `AbortSignal` and crosses into JS for
/// each: see the `gloo-transport` feature): one call in, one object out.
#[cfg(not(feature = "gloo-transport"))]
pub struct FetchTransport;

#[cfg(not(feature = "gloo-transport"))]
#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = ttsFetch, catch)]
    fn tts_fetch(
        url: &str,
        method: &str,
        header_lines: &str,
        body: Option<Uint8Array>,
        timeout_ms: Option<u32>,
    ) -> Result<Promise, JsValue>;
}

#[cfg(not(feature = "gloo-transport"))]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let network = |e: JsValue| Error::Network(js_message(&e));
        // Names and values as lines (neither may hold a line break in HTTP).
        let mut header_lines = String::new();
        for (name, value) in &request.headers {
            if !header_lines.is_empty() {
                header_lines.push('\n');
            }
            header_lines.push_str(name);
            header_lines.push('\n');
            header_lines.push_str(value);
        }
        let body = (!request.body.is_empty()).then(|| Uint8Array::from(request.body.as_slice()));
        let pending = tts_fetch(
            &request.url,
            request.method.as_str(),
            &header_lines,
            body,
            request.timeout_ms,
        )
        .map_err(network)?;
        let answer: js_sys::Array = JsFuture::from(pending)
            .await
            .map_err(network)?
            .unchecked_into();
        if answer.get(3).is_truthy() {
            return Err(Error::Timeout {
                what: "the request".to_owned(),
                after_ms: request.timeout_ms.unwrap_or(0),
            });
        }
        let status = answer.get(0).as_f64().map_or(0, |s| s as u16);
        let headers = answer
            .get(1)
            .as_string()
            .map(|date| vec![("date".to_owned(), date)])
            .unwrap_or_default();
        // The snippet's own Uint8Array (no type check).
        let body = answer.get(2).unchecked_into::<Uint8Array>().to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// `fetch` through gloo-net (the `gloo-transport` feature, kept to measure against).
#[cfg(feature = "gloo-transport")]
pub struct FetchTransport;

#[cfg(feature = "gloo-transport")]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        use gloo_net::http::{Method as M, RequestBuilder};
        let method = match request.method {
            Method::Get => M::GET,
            Method::Post => M::POST,
            Method::Put => M::PUT,
            Method::Patch => M::PATCH,
            Method::Delete => M::DELETE,
        };
        let mut builder = RequestBuilder::new(&request.url)
            .method(method)
            .cache(web_sys::RequestCache::NoStore);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let built = if request.body.is_empty() {
            builder.build()
        } else {
            builder.body(Uint8Array::from(request.body.as_slice()))
        };
        let network = |e: gloo_net::Error| Error::Network(e.to_string());
        let response = built.map_err(network)?.send().await.map_err(network)?;
        let mut headers = Vec::new();
        if let Some(date) = response.headers().get("date") {
            headers.push(("date".to_owned(), date));
        }
        let status = response.status();
        let body = response.binary().await.map_err(network)?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

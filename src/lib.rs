//! # TikTok Shop Connect
//!
//! Connects TikTok Shop seller accounts and keeps their OAuth tokens fresh, in the browser.
//! This crate is the sans-IO core: it builds requests and parses responses, and never does I/O,
//! reads a clock or makes random numbers itself (they are passed in), so every decision is a pure
//! function tested natively. The stateful [`client`] is generic over small traits (transport,
//! store, clock, sleep, lock); `src/wasm.rs` implements them for the browser.
//!
//! The flow, mapped from Chilkat's desktop examples:
//!
//! ```
//! use tiktok_shop_connect::{authorize, config, flow::AuthFlow, policy, secret::AppSecret, signing, token};
//!
//! # fn main() -> Result<(), tiktok_shop_connect::Error> {
//! let config = config::Config::new(
//!     "29a39d", AppSecret::new("e59af819cc"), "7110", config::Region::RestOfWorld,
//!     &config::EndpointOverrides::default(),
//! )?;
//! let now = 1_700_000_000;
//!
//! // 1. Authorization URL with a state from injected randomness (Chilkat's StartAuth).
//! let state = authorize::new_state(&[7u8; 32])?;
//! let mut flow = AuthFlow::new();
//! let url = flow.begin(&config, state.clone(), now, 240);
//! assert!(url.starts_with("https://services.tiktokshop.com/open/authorize?service_id=7110&state="));
//! assert_eq!(flow.state_code(now), 1); // waiting for the redirect
//!
//! // 2. The redirect comes back (captured by chrome.identity instead of a localhost listener).
//! let redirect = format!("https://abc.chromiumapp.org/?code=C0DE&state={state}&locale=en");
//! let code = flow.receive_redirect(&redirect, "https://abc.chromiumapp.org/", now + 5)?;
//! assert_eq!(flow.state_code(now + 5), 2); // waiting for the token response
//!
//! // 3. Exchange the code: a plain GET request any transport can send.
//! let request = token::token_get_request(&config, &code.code);
//! assert!(request.url.starts_with("https://auth.tiktok-shops.com/api/v2/token/get?app_key=29a39d"));
//! let body = br#"{"code":0,"message":"success","request_id":"r1","data":{
//!     "access_token":"AT","access_token_expire_in":1700604800,
//!     "refresh_token":"RT","refresh_token_expire_in":4841467787,
//!     "open_id":"7010736057180325637","seller_name":"Shop","seller_base_region":"GB","user_type":0}}"#;
//! let tokens = token::parse_token_response(200, body)?;
//! flow.token_received(&tokens.open_id, now + 6)?;
//! assert_eq!(flow.state_code(now + 6), 3); // success
//!
//! // 4. Sign an API call; classify its answer by TikTok's code.
//! let req = signing::build_signed_request(&config, &tokens.access_token,
//!     &signing::ApiRequest::get("/authorization/202309/shops"), now)?;
//! assert!(req.url.contains("&sign="));
//! let answer = br#"{"code":105002,"message":"access token expired","request_id":"r2"}"#;
//! assert_eq!(policy::classify_api_response(401, answer),
//!            policy::ApiOutcome::RefreshAndRetry { code: Some(105002) });
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod authorize;
pub mod chilkat;
pub mod client;
pub mod config;
pub mod error;
pub mod flow;
pub mod http;
pub mod json;
pub mod origins;
pub mod policy;
pub mod secret;
pub mod signing;
pub mod token;
pub mod views;

mod text;

#[cfg(test)]
mod typescript;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::Error;

/// What a list is sorted by: a number, then two texts (byte order).
pub(crate) type SortKey = (i64, String, String);

/// `keys` in ascending order, ties in their given order, each with its given position: the one
/// sort in the crate (every sort is of this one type, so the sort's code is in the module once).
pub(crate) fn sort_keys(keys: Vec<SortKey>) -> Vec<(SortKey, usize)> {
    // A plain loop: `zip(..).collect()` instantiates the iterator machinery once more.
    let mut keyed: Vec<(SortKey, usize)> = Vec::with_capacity(keys.len());
    for key in keys {
        let position = keyed.len();
        keyed.push((key, position));
    }
    // The position makes every key distinct, so an unstable sort gives the stable order.
    heap_sort(&mut keyed);
    keyed
}

/// Sorts `items` in ascending order: a heapsort (O(n log n), in place), a few hundred bytes of
/// code where the standard library's sorts carry some kilobytes.
fn heap_sort<T: Ord>(items: &mut [T]) {
    let len = items.len();
    for root in (0..len / 2).rev() {
        sift_down(items, root, len);
    }
    for end in (1..len).rev() {
        items.swap(0, end);
        sift_down(items, 0, end);
    }
}

/// Moves `items[root]` down the max-heap `items[..end]` to its place.
fn sift_down<T: Ord>(items: &mut [T], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && items.get(child) < items.get(child + 1) {
            child += 1;
        }
        if items.get(root) >= items.get(child) {
            return;
        }
        items.swap(root, child);
        root = child;
    }
}

/// `items` in the order of their keys (see [`sort_keys`]). Tests only: the module sorts keys and
/// makes its items after, so that no copy of this function exists per item type.
#[cfg(test)]
pub(crate) fn sorted_by_key<T>(items: Vec<T>, key: impl Fn(&T) -> SortKey) -> Vec<T> {
    let order = sort_keys(items.iter().map(key).collect());
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(_, at)| slots.get_mut(at).and_then(Option::take))
        .collect()
}

/// `text` in lower case, by Unicode's default case conversion (as `str::to_lowercase`). ASCII
/// text is converted here; in the browser, other text by the engine's
/// `String.prototype.toLowerCase` (the same Unicode rules, final sigma included), which keeps
/// Rust's case tables (about 18 KB) out of the module.
pub(crate) fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

#[cfg(test)]
mod sort_tests {
    use super::*;

    #[test]
    fn heap_sort_orders_like_the_standard_sort_and_keeps_ties_in_their_order() {
        // A small linear congruential generator: lengths 0..=40, few distinct values (ties).
        let mut seed: u64 = 7;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m
        };
        for len in 0..=40 {
            for _ in 0..25 {
                let keys: Vec<SortKey> = (0..len)
                    .map(|_| {
                        let n = next(4) as i64 - 1;
                        (n, next(3).to_string(), next(2).to_string())
                    })
                    .collect();
                let mut want: Vec<(SortKey, usize)> = keys.iter().cloned().zip(0..).collect();
                want.sort();
                assert_eq!(sort_keys(keys), want);
            }
        }
        let items = vec!["b", "a", "c", "a"];
        assert_eq!(
            sorted_by_key(items, |s| (0, (*s).to_owned(), String::new())),
            vec!["a", "a", "b", "c"]
        );
    }
}

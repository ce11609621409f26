//! Fakes for the client's platform traits: a scriptable fake TikTok behind the transport, an
//! in-memory store, a manual clock, a sleep that advances it, a named lock shared between
//! clients (like Web Locks), and fixed randomness.
//!
//! `platform.rs` (clock, sleep, locks, randomness), `store.rs` (the store), `tiktok.rs` (the fake
//! TikTok, its codes from `tools/mock-tiktok/tiktok-codes.json`), `transport.rs` (in front of it);
//! here the constants and the `World` that wires one of each.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod platform;
mod store;
mod tiktok;
mod transport;

pub use platform::*;
pub use store::*;
pub use tiktok::*;
pub use transport::*;

use serde_json::Value;
use std::cell::Cell;
use std::rc::Rc;
use tiktok_shop_connect::client::platform::Platform;
use tiktok_shop_connect::client::{Client, Deps};
use tiktok_shop_connect::config::{ClientConfig, ClientConfigInput, EndpointOverrides};
use tiktok_shop_connect::secret::AppSecret;

pub const APP_KEY: &str = "fake_app_key";
pub const APP_SECRET: &str = "SENTINEL_APP_SECRET_4242";
pub const SERVICE_ID: &str = "fake_service";
pub const REDIRECT: &str = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/";
pub const OPEN_ID: &str = "7494845009386375941";
pub const START_MS: i64 = 1_800_000_000_000;

pub struct FakePlatform;
impl Platform for FakePlatform {
    type Transport = FakeTransport;
    type Store = MemoryStore;
    type Clock = ManualClock;
    type Sleep = FakeSleep;
    type Lock = SharedLocks;
    type Random = FixedRandom;
}

/// One fake world: a server, a store, a clock and the locks, shared by any number of clients.
pub struct World {
    pub clock: ManualClock,
    pub server: Rc<FakeTikTok>,
    pub store: MemoryStore,
    pub locks: SharedLocks,
    pub slept_ms: Rc<Cell<u64>>,
}

impl World {
    pub fn new() -> World {
        let clock = ManualClock(Rc::new(Cell::new(START_MS)));
        World {
            server: FakeTikTok::new(clock.clone()),
            clock,
            store: MemoryStore::default(),
            locks: SharedLocks::default(),
            slept_ms: Rc::new(Cell::new(0)),
        }
    }

    pub fn config(&self) -> ClientConfig {
        ClientConfigInput {
            app_key: APP_KEY.into(),
            app_secret: Some(AppSecret::new(APP_SECRET)),
            service_id: SERVICE_ID.into(),
            region: Some("row".into()),
            redirect_url: REDIRECT.into(),
            endpoints: EndpointOverrides {
                authorize: Some("https://fake.tiktok/open/authorize".into()),
                token_get: Some("https://fake.tiktok/api/v2/token/get".into()),
                token_refresh: Some("https://fake.tiktok/api/v2/token/refresh".into()),
                api_base: Some("https://fake.tiktok".into()),
            },
            refresh_margin_secs: Some(300),
            flow_timeout_secs: Some(240),
            ..ClientConfigInput::default()
        }
        .validate()
        .unwrap()
    }

    /// A client in another context that shares the store but not the locks (a platform
    /// without Web Locks).
    pub fn client_without_shared_locks(&self) -> Client<FakePlatform> {
        self.client_with_locks(SharedLocks::default())
    }

    pub fn client(&self) -> Client<FakePlatform> {
        self.client_with_locks(self.locks.clone())
    }

    fn client_with_locks(&self, locks: SharedLocks) -> Client<FakePlatform> {
        Client::new(
            self.config(),
            Deps {
                transport: FakeTransport(self.server.clone()),
                store: self.store.clone(),
                clock: self.clock.clone(),
                sleep: FakeSleep {
                    clock: self.clock.clone(),
                    total_ms: self.slept_ms.clone(),
                },
                lock: locks,
                random: FixedRandom(Cell::new(1)),
            },
        )
    }

    /// Runs the whole authorization against the fake and returns the connected client.
    pub async fn connect(&self, client: &Client<FakePlatform>) {
        let (_url, state) = client.begin_authorization().await.unwrap();
        let code = self.server.issue_code();
        client
            .complete_authorization(&format!(
                "{REDIRECT}?code={code}&state={state}&app_key={APP_KEY}&locale=en&shop_region=GB"
            ))
            .await
            .unwrap();
    }

    pub fn stored_account(&self) -> Value {
        self.store
            .get_item(&format!("tts:account:{OPEN_ID}"))
            .unwrap()
    }
}

/// A `serde_json` value (what the tests write with `json!`) as the crate's JSON value, through
/// its text.
pub fn mine(value: &Value) -> tiktok_shop_connect::json::Value {
    tiktok_shop_connect::json::from_str(&value.to_string()).unwrap()
}

/// The crate's JSON value as a `serde_json` value (what the tests assert on), through its text.
pub fn theirs(value: &tiktok_shop_connect::json::Value) -> Value {
    serde_json::from_str(&value.to_json()).unwrap()
}

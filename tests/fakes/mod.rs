//! Fakes for the client's platform traits: a scriptable fake TikTok behind the transport, an
//! in-memory store, a manual clock, a sleep that advances it, a named lock shared between
//! clients (like Web Locks), and fixed randomness.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use futures::channel::oneshot;
use futures::lock::{Mutex, OwnedMutexGuard};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use tiktok_shop_connect::client::platform::{
    Clock, Lock, Platform, Random, Sleep, Store, Transport,
};
use tiktok_shop_connect::client::{Client, Deps};
use tiktok_shop_connect::config::{ClientConfig, ClientConfigInput, EndpointOverrides};
use tiktok_shop_connect::http::{parse_query, split_url, HttpRequest, HttpResponse};
use tiktok_shop_connect::secret::AppSecret;
use tiktok_shop_connect::signing::sign;
use tiktok_shop_connect::Error;

pub const APP_KEY: &str = "fake_app_key";
pub const APP_SECRET: &str = "SENTINEL_APP_SECRET_4242";
pub const SERVICE_ID: &str = "fake_service";
pub const REDIRECT: &str = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/";
pub const OPEN_ID: &str = "7494845009386375941";
pub const START_MS: i64 = 1_800_000_000_000;

/// Returns `Pending` `n` times (waking itself), so concurrent futures interleave.
pub struct YieldNow(pub u32);
impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[derive(Clone)]
pub struct ManualClock(pub Rc<Cell<i64>>);
impl ManualClock {
    pub fn advance_secs(&self, secs: i64) {
        self.0.set(self.0.get() + secs * 1000);
    }
    pub fn secs(&self) -> i64 {
        self.0.get().div_euclid(1000)
    }
}
impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.get()
    }
}

pub struct FakeSleep {
    pub clock: ManualClock,
    pub total_ms: Rc<Cell<u64>>,
}
impl Sleep for FakeSleep {
    async fn sleep(&self, millis: u32) {
        self.total_ms.set(self.total_ms.get() + u64::from(millis));
        self.clock.0.set(self.clock.0.get() + i64::from(millis));
        YieldNow(1).await;
    }
}

/// Named locks shared between every client given the same instance (like `navigator.locks`).
#[derive(Clone, Default)]
pub struct SharedLocks {
    locks: Rc<RefCell<HashMap<String, Arc<Mutex<()>>>>>,
    pub acquisitions: Rc<RefCell<Vec<String>>>,
}
type Arc<T> = std::sync::Arc<T>;
impl Lock for SharedLocks {
    type Guard = OwnedMutexGuard<()>;
    async fn acquire(&self, name: &str) -> Result<Self::Guard, Error> {
        let lock = self
            .locks
            .borrow_mut()
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(Mutex::new(())))
            .clone();
        self.acquisitions.borrow_mut().push(name.to_owned());
        Ok(lock.lock_owned().await)
    }
}

/// Keys written (with the value) or removed (`None`), in order.
pub type ChangeLog = Vec<(String, Option<Value>)>;

#[derive(Clone, Default)]
pub struct MemoryStore {
    pub items: Rc<RefCell<Map<String, Value>>>,
    pub writes: Rc<Cell<u32>>,
    pub reads: Rc<Cell<u32>>,
    pub fail_writes: Rc<Cell<bool>>,
    /// Fail only the writes that hold an account record.
    pub fail_account_writes: Rc<Cell<bool>>,
    /// Every change, in order (like `storage.onChanged`), for [`MemoryStore::deliver`].
    pub log: Rc<RefCell<ChangeLog>>,
}
impl MemoryStore {
    pub fn get_item(&self, key: &str) -> Option<Value> {
        self.items.borrow().get(key).cloned()
    }
    /// Delivers the changes logged since `from` to a client (as `storage.onChanged` would);
    /// returns where the next delivery starts.
    pub fn deliver<P: Platform>(&self, client: &Client<P>, from: usize) -> usize {
        let log = self.log.borrow();
        for (i, (key, value)) in log.iter().enumerate().skip(from) {
            // The generation this change replaced: the last earlier value of the key.
            let old_generation = log
                .iter()
                .take(i)
                .rev()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.as_ref())
                .and_then(|v| v.get("generation"))
                .and_then(Value::as_u64);
            client.note_store_change(key, value.clone(), old_generation);
        }
        log.len()
    }
}
impl Store for MemoryStore {
    async fn get(&self, keys: Option<&[String]>) -> Result<Map<String, Value>, Error> {
        YieldNow(1).await;
        self.reads.set(self.reads.get() + 1);
        let items = self.items.borrow();
        Ok(match keys {
            None => items.clone(),
            Some(keys) => keys
                .iter()
                .filter_map(|k| items.get(k).map(|v| (k.clone(), v.clone())))
                .collect(),
        })
    }
    async fn set(&self, new_items: Map<String, Value>) -> Result<(), Error> {
        YieldNow(1).await;
        if self.fail_writes.get()
            || (self.fail_account_writes.get()
                && new_items.keys().any(|k| k.starts_with("tts:account:")))
        {
            return Err(Error::Storage("quota exceeded".into()));
        }
        self.writes.set(self.writes.get() + 1);
        for (k, v) in &new_items {
            self.log.borrow_mut().push((k.clone(), Some(v.clone())));
        }
        self.items.borrow_mut().extend(new_items);
        Ok(())
    }
    async fn remove(&self, keys: &[String]) -> Result<(), Error> {
        YieldNow(1).await;
        let mut items = self.items.borrow_mut();
        for k in keys {
            items.remove(k);
            self.log.borrow_mut().push((k.clone(), None));
        }
        Ok(())
    }
}

pub struct FixedRandom(pub Cell<u8>);
impl Random for FixedRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error> {
        let n = self.0.get();
        self.0.set(n.wrapping_add(1));
        for (i, b) in buf.iter_mut().enumerate() {
            *b = n.wrapping_add(i as u8);
        }
        Ok(())
    }
}

/// A fault the fake applies to the next matching request.
#[derive(Clone, Debug)]
pub enum Fault {
    Http500,
    Html,
    Malformed,
    NetworkError,
}

#[derive(Clone, Debug)]
pub struct Grant {
    pub access_token: String,
    pub access_expires_at: i64,
    pub refresh_token: String,
    pub refresh_expires_at: i64,
    pub revoked: bool,
}

/// The fake TikTok: token/get, token/refresh and signed API calls, verified like the real one.
pub struct FakeTikTok {
    pub clock: ManualClock,
    pub grant: RefCell<Option<Grant>>,
    pub old_access_tokens: RefCell<Vec<String>>,
    pub codes: RefCell<Vec<String>>,
    pub rotate: Cell<bool>,
    pub access_lifetime: Cell<i64>,
    pub server_skew_secs: Cell<i64>,
    pub refresh_faults: RefCell<VecDeque<Fault>>,
    pub api_faults: RefCell<VecDeque<(u16, String)>>,
    pub requests: RefCell<Vec<HttpRequest>>,
    pub refresh_count: Cell<u32>,
    pub refresh_success: Cell<u32>,
    pub api_count: Cell<u32>,
    /// Yields taken by every request before it answers (latency, in scheduler turns).
    pub latency_turns: Cell<u32>,
    pub refresh_latency_turns: Cell<u32>,
    /// Seconds the clock moves while token/refresh runs.
    pub refresh_takes_secs: Cell<i64>,
    /// API requests to hold: each takes a sender that releases it.
    pub hold_next_api: RefCell<VecDeque<oneshot::Sender<oneshot::Sender<()>>>>,
    /// token/refresh requests to hold after TikTok has acted on them (rotated), before the
    /// answer reaches the client.
    pub hold_next_refresh: RefCell<VecDeque<oneshot::Sender<oneshot::Sender<()>>>>,
    /// token/get requests to hold the same way.
    pub hold_next_token_get: RefCell<VecDeque<oneshot::Sender<oneshot::Sender<()>>>>,
    /// The next token/refresh is acted on by TikTok, but its answer does not come back in time:
    /// the transport gives up with `Timeout`, as the browser's abort does.
    pub time_out_next_refresh: Cell<bool>,
    counter: Cell<u32>,
}

impl FakeTikTok {
    pub fn new(clock: ManualClock) -> Rc<Self> {
        Rc::new(FakeTikTok {
            clock,
            grant: RefCell::new(None),
            old_access_tokens: RefCell::new(Vec::new()),
            codes: RefCell::new(Vec::new()),
            rotate: Cell::new(false),
            access_lifetime: Cell::new(7 * 86400),
            server_skew_secs: Cell::new(0),
            refresh_faults: RefCell::new(VecDeque::new()),
            api_faults: RefCell::new(VecDeque::new()),
            requests: RefCell::new(Vec::new()),
            refresh_count: Cell::new(0),
            refresh_success: Cell::new(0),
            api_count: Cell::new(0),
            latency_turns: Cell::new(2),
            refresh_latency_turns: Cell::new(2),
            refresh_takes_secs: Cell::new(0),
            hold_next_api: RefCell::new(VecDeque::new()),
            hold_next_refresh: RefCell::new(VecDeque::new()),
            hold_next_token_get: RefCell::new(VecDeque::new()),
            time_out_next_refresh: Cell::new(false),
            counter: Cell::new(0),
        })
    }

    fn now(&self) -> i64 {
        self.clock.secs() + self.server_skew_secs.get()
    }

    fn next_id(&self, prefix: &str) -> String {
        self.counter.set(self.counter.get() + 1);
        format!("{prefix}_{:04}", self.counter.get())
    }

    pub fn issue_code(&self) -> String {
        let code = self.next_id("CODE");
        self.codes.borrow_mut().push(code.clone());
        code
    }

    pub fn access_token(&self) -> String {
        self.grant.borrow().as_ref().unwrap().access_token.clone()
    }

    pub fn refresh_token(&self) -> String {
        self.grant.borrow().as_ref().unwrap().refresh_token.clone()
    }

    pub fn expire_access(&self) {
        if let Some(g) = self.grant.borrow_mut().as_mut() {
            g.access_expires_at = self.now() - 1;
        }
    }

    pub fn revoke(&self) {
        if let Some(g) = self.grant.borrow_mut().as_mut() {
            g.revoked = true;
        }
    }

    fn envelope(code: i64, message: &str, data: Value, request_id: &str) -> Vec<u8> {
        serde_json::to_vec(
            &json!({"code": code, "message": message, "data": data, "request_id": request_id}),
        )
        .unwrap()
    }

    fn token_data(&self, g: &Grant) -> Value {
        json!({
            "access_token": g.access_token, "access_token_expire_in": g.access_expires_at,
            "refresh_token": g.refresh_token, "refresh_token_expire_in": g.refresh_expires_at,
            "open_id": OPEN_ID, "seller_name": "Fake Shop", "seller_base_region": "GB",
            "user_type": 0, "granted_scopes": ["seller.shop.info", "seller.authorization.info"]
        })
    }

    /// Decides the answer when the request arrives.
    fn evaluate(&self, req: &HttpRequest) -> Result<HttpResponse, Error> {
        let (base, query) = split_url(&req.url);
        let params: HashMap<String, String> = parse_query(query).into_iter().collect();
        let path = base.trim_start_matches("https://fake.tiktok");
        let rid = self.next_id("REQ");
        let ok = |body: Vec<u8>| {
            Ok(HttpResponse {
                status: 200,
                headers: vec![],
                body,
            })
        };
        match path {
            "/api/v2/token/get" => {
                assert_eq!(params["app_secret"], APP_SECRET);
                assert_eq!(params["grant_type"], "authorized_code");
                let code = &params["auth_code"];
                let mut codes = self.codes.borrow_mut();
                let Some(pos) = codes.iter().position(|c| c == code) else {
                    return ok(Self::envelope(
                        36004002,
                        "invalid auth code",
                        Value::Null,
                        &rid,
                    ));
                };
                codes.remove(pos);
                let g = Grant {
                    access_token: self.next_id("ROW_AT"),
                    access_expires_at: self.now() + self.access_lifetime.get(),
                    refresh_token: self.next_id("ROW_RT"),
                    refresh_expires_at: 4_841_467_787,
                    revoked: false,
                };
                let body = Self::envelope(0, "success", self.token_data(&g), &rid);
                *self.grant.borrow_mut() = Some(g);
                ok(body)
            }
            "/api/v2/token/refresh" => {
                self.refresh_count.set(self.refresh_count.get() + 1);
                assert_eq!(params["grant_type"], "refresh_token");
                if let Some(fault) = self.refresh_faults.borrow_mut().pop_front() {
                    return match fault {
                        Fault::Http500 => Ok(HttpResponse {
                            status: 500,
                            headers: vec![],
                            body: b"{\"code\":1,\"message\":\"internal\"}".to_vec(),
                        }),
                        Fault::Html => Ok(HttpResponse {
                            status: 502,
                            headers: vec![],
                            body: format!("<html>502 for {}</html>", req.url).into_bytes(),
                        }),
                        Fault::Malformed => ok(b"{\"code\":0,\"data\":{\"access_to".to_vec()),
                        Fault::NetworkError => Err(Error::Network(format!(
                            "connection reset while fetching {}",
                            req.url
                        ))),
                    };
                }
                let mut grant = self.grant.borrow_mut();
                let Some(g) = grant.as_mut() else {
                    return ok(Self::envelope(
                        36004005,
                        "can not find related auth record",
                        Value::Null,
                        &rid,
                    ));
                };
                if g.revoked || params["refresh_token"] != g.refresh_token {
                    return ok(Self::envelope(
                        36004005,
                        "can not find related auth record",
                        Value::Null,
                        &rid,
                    ));
                }
                if self.now() >= g.refresh_expires_at {
                    return ok(Self::envelope(
                        36004001,
                        "rt has expired",
                        Value::Null,
                        &rid,
                    ));
                }
                self.old_access_tokens
                    .borrow_mut()
                    .push(g.access_token.clone());
                g.access_token = self.next_id("ROW_AT");
                g.access_expires_at = self.now() + self.access_lifetime.get();
                if self.rotate.get() {
                    g.refresh_token = self.next_id("ROW_RT");
                }
                self.refresh_success.set(self.refresh_success.get() + 1);
                ok(Self::envelope(0, "success", self.token_data(g), &rid))
            }
            api_path => {
                self.api_count.set(self.api_count.get() + 1);
                if let Some((status, body)) = self.api_faults.borrow_mut().pop_front() {
                    return Ok(HttpResponse {
                        status,
                        headers: vec![],
                        body: body.into_bytes(),
                    });
                }
                let ts: i64 = params
                    .get("timestamp")
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
                if ts > self.now() + 30 || ts < self.now() - 300 {
                    return ok(Self::envelope(
                        36009004,
                        "Invalid timestamp: timestamp is out of range",
                        Value::Null,
                        &rid,
                    ));
                }
                let pairs: Vec<(&str, &str)> = params
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let expected = sign(APP_SECRET, api_path, &pairs, &req.body, "application/json");
                if params.get("sign") != Some(&expected) {
                    return Ok(HttpResponse {
                        status: 401,
                        headers: vec![],
                        body: Self::envelope(106001, "invalid sign", Value::Null, &rid),
                    });
                }
                let token = req
                    .header("x-tts-access-token")
                    .unwrap_or_default()
                    .to_owned();
                let grant = self.grant.borrow();
                let Some(g) = grant.as_ref() else {
                    return ok(Self::envelope(
                        105001,
                        "access token invalid",
                        Value::Null,
                        &rid,
                    ));
                };
                if token != g.access_token {
                    return ok(Self::envelope(
                        105001,
                        "access token invalid",
                        Value::Null,
                        &rid,
                    ));
                }
                if g.revoked {
                    return ok(Self::envelope(
                        105001,
                        "access token invalid",
                        Value::Null,
                        &rid,
                    ));
                }
                if self.now() >= g.access_expires_at {
                    return Ok(HttpResponse {
                        status: 401,
                        headers: vec![],
                        body: Self::envelope(105002, "access token expired", Value::Null, &rid),
                    });
                }
                ok(Self::envelope(
                    0,
                    "success",
                    json!({"shops": [{"cipher": "ROW_cipher1", "code": "GBLC1", "id": "7001", "name": "Fake Shop GB", "region": "GB", "seller_type": "LOCAL"}], "token": "ok"}),
                    &rid,
                ))
            }
        }
    }
}

/// The transport in front of the fake TikTok.
#[derive(Clone)]
pub struct FakeTransport(pub Rc<FakeTikTok>);
impl Transport for FakeTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let server = &self.0;
        server.requests.borrow_mut().push(request.clone());
        let is_refresh = request.url.contains("/token/refresh");
        let is_api = !request.url.contains("/api/v2/token/");
        // Evaluated on arrival, answered later.
        let result = server.evaluate(&request);
        let hold = if is_api {
            server.hold_next_api.borrow_mut().pop_front()
        } else if is_refresh {
            server.hold_next_refresh.borrow_mut().pop_front()
        } else {
            server.hold_next_token_get.borrow_mut().pop_front()
        };
        if let Some(announce) = hold {
            let (release_tx, release_rx) = oneshot::channel();
            let _ = announce.send(release_tx);
            let _ = release_rx.await;
        }
        YieldNow(if is_refresh {
            server.refresh_latency_turns.get()
        } else {
            server.latency_turns.get()
        })
        .await;
        if is_refresh {
            server.clock.advance_secs(server.refresh_takes_secs.get());
        }
        if is_refresh && server.time_out_next_refresh.replace(false) {
            return Err(Error::Timeout {
                what: "the request".into(),
                after_ms: request.timeout_ms.unwrap_or(0),
            });
        }
        let mut response = result?;
        let date = http_date(server.now());
        response.headers.push(("date".into(), date));
        Ok(response)
    }
}

/// IMF-fixdate of Unix seconds.
pub fn http_date(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m - 1) as usize];
    format!(
        "{weekday}, {d:02} {month} {y} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

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

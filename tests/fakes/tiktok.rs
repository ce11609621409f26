//! The fake TikTok: token/get, token/refresh and signed API calls, verified like the real one and
//! answered with TikTok's codes and messages from the table the mock server uses too
//! (`tools/mock-tiktok/tiktok-codes.json`).

use super::{ManualClock, APP_SECRET, OPEN_ID};
use futures::channel::oneshot;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::OnceLock;
use tiktok_shop_connect::http::{parse_query, split_url, HttpRequest, HttpResponse};
use tiktok_shop_connect::signing::sign;
use tiktok_shop_connect::Error;

/// TikTok's answers as the mock server gives them too: one table for both simulators.
const TIKTOK_CODES: &str = include_str!("../../tools/mock-tiktok/tiktok-codes.json");

fn codes_table() -> &'static Value {
    static TABLE: OnceLock<Value> = OnceLock::new();
    TABLE.get_or_init(|| serde_json::from_str(TIKTOK_CODES).expect("tiktok-codes.json is JSON"))
}

/// One of TikTok's answers: the HTTP status, the envelope's code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TikTokAnswer {
    pub status: u16,
    pub code: i64,
    pub message: String,
}

/// TikTok's answer `name` from `tiktok-codes.json`, its `{placeholders}` filled from `values`.
/// Panics on an unknown name or a placeholder left without a value (a bug in the fake).
pub fn tiktok_answer(name: &str, values: &[(&str, &str)]) -> TikTokAnswer {
    let answer = &codes_table()["answers"][name];
    assert!(
        answer.is_object(),
        "no TikTok answer named {name:?} in tiktok-codes.json"
    );
    let mut message = answer["message"].as_str().unwrap().to_owned();
    for (key, value) in values {
        message = message.replace(&format!("{{{key}}}"), value);
    }
    assert!(
        !message.contains('{'),
        "TikTok answer {name:?} needs more values: {message}"
    );
    TikTokAnswer {
        status: u16::try_from(answer["httpStatus"].as_u64().unwrap()).unwrap(),
        code: answer["code"].as_i64().unwrap(),
        message,
    }
}

/// The signed API's timestamp window: (seconds before, seconds after) server time.
pub fn timestamp_window() -> (i64, i64) {
    let window = &codes_table()["timestampWindow"];
    (
        window["maxAgeSec"].as_i64().unwrap(),
        window["maxAheadSec"].as_i64().unwrap(),
    )
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

    /// Server time in Unix seconds (the clock plus the server's skew).
    pub fn now(&self) -> i64 {
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

    /// TikTok's answer `name` (see [`tiktok_answer`]) as a response, with `data`.
    fn answer(
        name: &str,
        values: &[(&str, &str)],
        data: Value,
        request_id: &str,
    ) -> Result<HttpResponse, Error> {
        let TikTokAnswer {
            status,
            code,
            message,
        } = tiktok_answer(name, values);
        Ok(HttpResponse {
            status,
            headers: vec![],
            body: Self::envelope(code, &message, data, request_id),
        })
    }

    /// TikTok's error `name`, with no data.
    fn error(name: &str, request_id: &str) -> Result<HttpResponse, Error> {
        Self::answer(name, &[], Value::Null, request_id)
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
    pub(super) fn evaluate(&self, req: &HttpRequest) -> Result<HttpResponse, Error> {
        let (base, query) = split_url(&req.url);
        let params: HashMap<String, String> = parse_query(query).into_iter().collect();
        let path = base.trim_start_matches("https://fake.tiktok");
        let rid = self.next_id("REQ");
        match path {
            "/api/v2/token/get" => {
                assert_eq!(params["app_secret"], APP_SECRET);
                assert_eq!(params["grant_type"], "authorized_code");
                let code = &params["auth_code"];
                let mut codes = self.codes.borrow_mut();
                let Some(pos) = codes.iter().position(|c| c == code) else {
                    return Self::error("authCodeInvalid", &rid);
                };
                codes.remove(pos);
                let g = Grant {
                    access_token: self.next_id("ROW_AT"),
                    access_expires_at: self.now() + self.access_lifetime.get(),
                    refresh_token: self.next_id("ROW_RT"),
                    refresh_expires_at: 4_841_467_787,
                    revoked: false,
                };
                let response = Self::answer("tokenSuccess", &[], self.token_data(&g), &rid);
                *self.grant.borrow_mut() = Some(g);
                response
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
                        Fault::Malformed => Ok(HttpResponse {
                            status: 200,
                            headers: vec![],
                            body: b"{\"code\":0,\"data\":{\"access_to".to_vec(),
                        }),
                        Fault::NetworkError => Err(Error::Network(format!(
                            "connection reset while fetching {}",
                            req.url
                        ))),
                    };
                }
                let mut grant = self.grant.borrow_mut();
                let Some(g) = grant.as_mut() else {
                    return Self::error("authRecordNotFound", &rid);
                };
                if g.revoked || params["refresh_token"] != g.refresh_token {
                    return Self::error("authRecordNotFound", &rid);
                }
                if self.now() >= g.refresh_expires_at {
                    return Self::error("refreshTokenExpired", &rid);
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
                Self::answer("tokenSuccess", &[], self.token_data(g), &rid)
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
                let Some(ts) = params.get("timestamp").and_then(|t| t.parse::<i64>().ok()) else {
                    return Self::error("timestampInvalid", &rid);
                };
                let now = self.now();
                let (max_age, max_ahead) = timestamp_window();
                if ts > now + max_ahead || ts < now - max_age {
                    return Self::answer(
                        "timestampOutOfWindow",
                        &[
                            ("timestamp", &ts.to_string()),
                            ("maxAgeSec", &max_age.to_string()),
                            ("maxAheadSec", &max_ahead.to_string()),
                            ("now", &now.to_string()),
                        ],
                        Value::Null,
                        &rid,
                    );
                }
                let pairs: Vec<(&str, &str)> = params
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let expected = sign(APP_SECRET, api_path, &pairs, &req.body, "application/json");
                if params.get("sign") != Some(&expected) {
                    return Self::error("signInvalid", &rid);
                }
                let token = req
                    .header("x-tts-access-token")
                    .unwrap_or_default()
                    .to_owned();
                let grant = self.grant.borrow();
                // Never issued, replaced by a refresh, or revoked: invalid.
                let Some(g) = grant
                    .as_ref()
                    .filter(|g| token == g.access_token && !g.revoked)
                else {
                    return Self::error("accessTokenInvalid", &rid);
                };
                if self.now() >= g.access_expires_at {
                    return Self::error("accessTokenExpired", &rid);
                }
                Self::answer(
                    "apiSuccess",
                    &[],
                    json!({"shops": [{"cipher": "ROW_cipher1", "code": "GBLC1", "id": "7001", "name": "Fake Shop GB", "region": "GB", "seller_type": "LOCAL"}], "token": "ok"}),
                    &rid,
                )
            }
        }
    }
}

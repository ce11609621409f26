//! The stateful token client: the authorization flow, token storage, single-flight refresh and
//! signed API calls with one refresh-and-retry. Async and generic over the [`platform`] traits,
//! so it runs in a service worker, a page, Node, and in native tests with fakes.
//!
//! Invariants:
//! - Tokens and both expiries are written together, in one store write; a failed refresh never
//!   deletes or overwrites stored tokens.
//! - One refresh per account at a time: callers in this instance queue on an in-process lock,
//!   other contexts on the named [`Lock`]; inside both, the store is read again,
//!   so tokens that someone else refreshed meanwhile are used, not refreshed again. Callers that
//!   waited for an attempt that failed get that attempt's error instead of trying again.
//! - A call is retried at most once, after at most one refresh: never a loop.
//! - Every error that leaves the client has the app secret, every token and every code it has
//!   seen replaced by `[redacted]`.

pub mod account;
pub mod platform;

use crate::authorize::new_state;
use crate::chilkat::{export_chilkat_json, import_chilkat_json};
use crate::config::ClientConfig;
use crate::error::{FailureReason, MalformedKind};
use crate::flow::AuthFlow;
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::policy::{classify_api_response, classify_refresh_error, codes, ApiOutcome};
use crate::secret::AccessToken;
use crate::signing::{build_signed_request, clock_offset_from_date_header, ApiRequest};
use crate::token::{
    parse_envelope, parse_token_response, token_get_request, token_refresh_request, TokenSet,
};
use crate::Error;
use account::{
    account_key, flow_state_name, AccountSummary, FlowStateView, ReconnectReason, Shop,
    StoredAccount, ACCOUNT_KEY_PREFIX, ACCOUNT_SCHEMA_VERSION, FLOW_KEY,
};
use futures::lock::Mutex;
use platform::{Clock, Lock, Platform, Random, Sleep, Store, Transport};
use serde_json::{Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// How long to wait before the one retry of a transiently failed token/refresh.
pub const TRANSIENT_RETRY_DELAY_MS: u32 = 250;
/// The lock name of the authorization flow.
pub const FLOW_LOCK: &str = "tts:flow";

/// The lock name of an account's refresh.
pub fn account_lock_name(open_id: &str) -> String {
    format!("tts:refresh:{open_id}")
}

/// The parts of the surroundings the client uses; see [`platform`].
pub struct Deps<P: Platform> {
    /// Sends requests.
    pub transport: P::Transport,
    /// Stores accounts and the flow.
    pub store: P::Store,
    /// Tells the time.
    pub clock: P::Clock,
    /// Waits.
    pub sleep: P::Sleep,
    /// Locks across contexts.
    pub lock: P::Lock,
    /// Makes random bytes.
    pub random: P::Random,
}

/// A signed API call as callers describe it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiCall {
    /// `GET` (default), `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: Option<String>,
    /// The path, such as `/authorization/202309/shops`.
    pub path: String,
    /// Business query parameters.
    pub query: Option<std::collections::BTreeMap<String, String>>,
    /// The JSON body.
    pub body: Option<String>,
    /// The shop cipher, for shop-scoped endpoints.
    pub shop_cipher: Option<String>,
}

/// What an API call returned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// Where the last refresh attempt of an account ended, so queued callers share its outcome.
#[derive(Default)]
struct RefreshRound {
    /// Increased after every attempt.
    generation: u64,
    /// The access token the last attempt replaced (or tried to).
    replaced_token: String,
    /// The last attempt's outcome: the refreshed account, or the error.
    outcome: Option<Result<StoredAccount, Error>>,
}

/// The token client. See the module documentation.
pub struct Client<P: Platform> {
    config: ClientConfig,
    deps: Deps<P>,
    /// Per-account in-process locks (single flight within this instance).
    refresh_locks: RefCell<HashMap<String, Rc<Mutex<()>>>>,
    /// Per-account outcome of the last refresh attempt.
    rounds: RefCell<HashMap<String, RefreshRound>>,
    /// Server time minus local time, from the last `Date` header.
    clock_offset: Cell<Option<i64>>,
    /// Every secret seen, for redaction (the app secret first).
    known_secrets: RefCell<Vec<String>>,
}

/// How many secrets the redaction list keeps (the app secret is always kept).
const MAX_KNOWN_SECRETS: usize = 64;

impl<P: Platform> Client<P> {
    /// A client for `config` using `deps`.
    pub fn new(config: ClientConfig, deps: Deps<P>) -> Self {
        let secret = config.app.app_secret().secret().to_owned();
        Client {
            config,
            deps,
            refresh_locks: RefCell::new(HashMap::new()),
            rounds: RefCell::new(HashMap::new()),
            clock_offset: Cell::new(None),
            known_secrets: RefCell::new(vec![secret]),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn now(&self) -> i64 {
        self.deps.clock.now_secs()
    }

    // ----- redaction -------------------------------------------------------------------------

    fn remember_secret(&self, value: &str) {
        if value.len() < 4 {
            return;
        }
        let mut known = self.known_secrets.borrow_mut();
        if known.iter().any(|k| k == value) {
            return;
        }
        if known.len() >= MAX_KNOWN_SECRETS {
            known.remove(1);
        }
        known.push(value.to_owned());
    }

    fn remember_tokens(&self, tokens: &TokenSet) {
        self.remember_secret(tokens.access_token.secret());
        self.remember_secret(tokens.refresh_token.secret());
    }

    /// `error` with every known secret replaced by `[redacted]`.
    fn redact(&self, error: Error) -> Error {
        let known = self.known_secrets.borrow();
        let refs: Vec<&str> = known.iter().map(String::as_str).collect();
        error.redacted(&refs)
    }

    /// Runs `result` through redaction on the way out.
    fn out<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        result.map_err(|e| self.redact(e))
    }

    // ----- storage ---------------------------------------------------------------------------

    async fn load_flow(&self) -> Result<AuthFlow, Error> {
        let items = self.deps.store.get(Some(&[FLOW_KEY.to_owned()])).await?;
        match items.get(FLOW_KEY) {
            None | Some(Value::Null) => Ok(AuthFlow::new()),
            Some(value) => AuthFlow::from_value(value.clone()),
        }
    }

    fn flow_item(flow: &AuthFlow) -> Result<Value, Error> {
        serde_json::to_value(flow)
            .map_err(|_| Error::Storage("the flow could not be serialised".to_owned()))
    }

    async fn save_flow(&self, flow: &AuthFlow) -> Result<(), Error> {
        let mut items = Map::new();
        items.insert(FLOW_KEY.to_owned(), Self::flow_item(flow)?);
        self.deps.store.set(items).await
    }

    async fn load_account(&self, open_id: &str) -> Result<StoredAccount, Error> {
        let key = account_key(open_id);
        let items = self
            .deps
            .store
            .get(Some(std::slice::from_ref(&key)))
            .await?;
        match items.get(&key) {
            None | Some(Value::Null) => Err(Error::UnknownAccount(open_id.to_owned())),
            Some(value) => {
                let account = StoredAccount::from_value(value.clone())?;
                self.remember_tokens(&account.tokens);
                Ok(account)
            }
        }
    }

    async fn save_account(&self, account: &StoredAccount) -> Result<(), Error> {
        let mut items = Map::new();
        items.insert(account_key(&account.tokens.open_id), account.to_value()?);
        self.deps.store.set(items).await
    }

    fn new_account(&self, tokens: TokenSet, now: i64) -> StoredAccount {
        StoredAccount {
            schema_version: ACCOUNT_SCHEMA_VERSION,
            app_key: self.config.app.app_key().to_owned(),
            region: self.config.app.region().as_str().to_owned(),
            tokens,
            connected_at: now,
            last_refresh_at: None,
            reconnect: None,
        }
    }

    fn summary(&self, account: &StoredAccount) -> AccountSummary {
        account.summary(
            self.now(),
            self.config.refresh_margin_secs,
            self.config.app.app_key(),
        )
    }

    // ----- transport -------------------------------------------------------------------------

    /// Sends a request and learns the server's clock from the answer.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let response = self.deps.transport.send(request).await?;
        if let Some(date) = response.header("date") {
            if let Ok(offset) = clock_offset_from_date_header(date, self.now()) {
                self.clock_offset.set(Some(offset));
            }
        }
        Ok(response)
    }

    /// The timestamp to sign with: local time corrected by the server's clock when known.
    fn server_now(&self) -> i64 {
        self.now() + self.clock_offset.get().unwrap_or(0)
    }

    // ----- authorization flow ----------------------------------------------------------------

    /// Starts an authorization: a fresh state from the random source, the flow in state 1 with
    /// its deadline, persisted. Returns the authorization page URL and the state.
    pub async fn begin_authorization(&self) -> Result<(String, String), Error> {
        self.out(
            async {
                let mut random = [0u8; 32];
                self.deps.random.fill(&mut random)?;
                let state = new_state(&random)?;
                let _guard = self.deps.lock.acquire(FLOW_LOCK).await?;
                let mut flow = AuthFlow::new();
                let url = flow.begin(
                    &self.config.app,
                    state.clone(),
                    self.now(),
                    self.config.flow_timeout_secs,
                );
                self.save_flow(&flow).await?;
                Ok((url, state))
            }
            .await,
        )
    }

    /// Completes an authorization with the redirect URL: checks the state against the pending
    /// flow (single use), exchanges the code, stores the tokens; the flow moves 1 → 2 → 3, or to
    /// 4 (denied) or 5 (failed), and the matching error is returned.
    pub async fn complete_authorization(
        &self,
        redirect_url: &str,
    ) -> Result<AccountSummary, Error> {
        self.out(self.complete_authorization_inner(redirect_url).await)
    }

    async fn complete_authorization_inner(
        &self,
        redirect_url: &str,
    ) -> Result<AccountSummary, Error> {
        let _guard = self.deps.lock.acquire(FLOW_LOCK).await?;
        let mut flow = self.load_flow().await?;
        let before = flow.clone();
        let received = flow.receive_redirect(redirect_url, &self.config.redirect_url, self.now());
        if flow != before {
            self.save_flow(&flow).await?;
        }
        let code = received?;
        self.remember_secret(code.code.secret());

        let exchanged = async {
            let response = self
                .send(token_get_request(&self.config.app, &code.code))
                .await?;
            parse_token_response(response.status, &response.body)
        }
        .await;
        let tokens = match exchanged {
            Ok(tokens) => tokens,
            Err(error) => {
                let error = self.redact(error);
                flow.token_failed(&error, self.now());
                self.save_flow(&flow).await?;
                return Err(error);
            }
        };
        self.remember_tokens(&tokens);
        let now = self.now();
        flow.token_received(&tokens.open_id, now)?;
        let account = self.new_account(tokens, now);
        // The account and the finished flow in one write.
        let mut items = Map::new();
        items.insert(account_key(&account.tokens.open_id), account.to_value()?);
        items.insert(FLOW_KEY.to_owned(), Self::flow_item(&flow)?);
        self.deps.store.set(items).await?;
        Ok(self.summary(&account))
    }

    /// Where the flow stands (a passed deadline reads as 5).
    pub async fn flow_state(&self) -> Result<FlowStateView, Error> {
        self.out(
            async {
                let flow = self.load_flow().await?;
                Ok(self.flow_view(&flow))
            }
            .await,
        )
    }

    fn flow_view(&self, flow: &AuthFlow) -> FlowStateView {
        let now = self.now();
        let state = flow.state_code(now);
        FlowStateView {
            state,
            state_name: flow_state_name(state).to_owned(),
            failure_info: flow.failure_info(now),
            failure_reason: flow.failure_reason(now),
            error_response: flow.error_response().map(str::to_owned),
            deadline: flow.deadline().filter(|_| matches!(state, 1 | 2)),
            started_at: flow.started_at().filter(|_| matches!(state, 1 | 2)),
            open_id: match &flow.phase {
                crate::flow::FlowPhase::Succeeded { open_id, .. } => Some(open_id.clone()),
                _ => None,
            },
        }
    }

    /// Cancels a pending flow (state 5, "cancelled"); a late redirect is then rejected.
    pub async fn cancel_authorization(&self) -> Result<FlowStateView, Error> {
        self.fail_authorization(FailureReason::Cancelled, "").await
    }

    /// Ends a pending flow in state 5 with `reason` (window closed, interrupted, page not
    /// loaded, …) and `detail`. A passed deadline is recorded as "timed out" instead.
    pub async fn fail_authorization(
        &self,
        reason: FailureReason,
        detail: &str,
    ) -> Result<FlowStateView, Error> {
        self.out(
            async {
                let _guard = self.deps.lock.acquire(FLOW_LOCK).await?;
                let mut flow = self.load_flow().await?;
                let now = self.now();
                if !flow.check_deadline(now) {
                    flow.fail(reason, detail, now);
                }
                self.save_flow(&flow).await?;
                Ok(self.flow_view(&flow))
            }
            .await,
        )
    }

    /// Records a passed deadline (for an alarm): a pending flow past its deadline moves to 5.
    pub async fn check_flow_deadline(&self) -> Result<FlowStateView, Error> {
        self.out(
            async {
                let _guard = self.deps.lock.acquire(FLOW_LOCK).await?;
                let mut flow = self.load_flow().await?;
                if flow.check_deadline(self.now()) {
                    self.save_flow(&flow).await?;
                }
                Ok(self.flow_view(&flow))
            }
            .await,
        )
    }

    // ----- accounts --------------------------------------------------------------------------

    /// Every stored account, without secrets, sorted by seller name. Unreadable entries are
    /// skipped, never deleted.
    pub async fn accounts(&self) -> Result<Vec<AccountSummary>, Error> {
        self.out(
            async {
                let items = self.deps.store.get(None).await?;
                let mut summaries: Vec<AccountSummary> = items
                    .into_iter()
                    .filter(|(k, _)| k.starts_with(ACCOUNT_KEY_PREFIX))
                    .filter_map(|(_, v)| StoredAccount::from_value(v).ok())
                    .map(|a| self.summary(&a))
                    .collect();
                summaries.sort_by(|a, b| {
                    a.seller_name
                        .cmp(&b.seller_name)
                        .then(a.open_id.cmp(&b.open_id))
                });
                Ok(summaries)
            }
            .await,
        )
    }

    /// Removes an account. Takes the account's refresh locks, so a refresh in flight finishes
    /// first and cannot bring the account back.
    pub async fn disconnect(&self, open_id: &str) -> Result<(), Error> {
        self.out(
            async {
                let local = self.local_lock(open_id);
                let _local = local.lock().await;
                let _guard = self.deps.lock.acquire(&account_lock_name(open_id)).await?;
                self.deps.store.remove(&[account_key(open_id)]).await
            }
            .await,
        )
    }

    /// Imports Chilkat's `tiktok-shops.json` as an account of this app. If its access token has
    /// expired (files saved by older tools often are stale) it is refreshed at once; a failed
    /// refresh still keeps the imported account (marked when it needs a reconnect).
    pub async fn import_chilkat_json(&self, text: &str) -> Result<AccountSummary, Error> {
        self.out(
            async {
                let tokens = import_chilkat_json(text)?;
                self.remember_tokens(&tokens);
                let now = self.now();
                let open_id = tokens.open_id.clone();
                let needs_refresh = now >= tokens.access_token_expires_at;
                {
                    let local = self.local_lock(&open_id);
                    let _local = local.lock().await;
                    let _guard = self.deps.lock.acquire(&account_lock_name(&open_id)).await?;
                    let account = self.new_account(tokens, now);
                    self.save_account(&account).await?;
                }
                if needs_refresh {
                    return self.refresh_summary(&open_id).await;
                }
                let account = self.load_account(&open_id).await?;
                Ok(self.summary(&account))
            }
            .await,
        )
    }

    /// The account's tokens as Chilkat's `tiktok-shops.json` (contains the tokens: a file for
    /// the user, never for a web page).
    pub async fn export_chilkat_json(&self, open_id: &str) -> Result<String, Error> {
        self.out(
            async {
                let account = self.load_account(open_id).await?;
                Ok(export_chilkat_json(&account.tokens))
            }
            .await,
        )
    }

    // ----- refresh ---------------------------------------------------------------------------

    fn local_lock(&self, open_id: &str) -> Rc<Mutex<()>> {
        self.refresh_locks
            .borrow_mut()
            .entry(open_id.to_owned())
            .or_insert_with(|| Rc::new(Mutex::new(())))
            .clone()
    }

    /// Refreshes an account's tokens. Concurrent callers share one token/refresh request (see
    /// the module documentation); tokens already refreshed by another context are used as they are.
    pub async fn refresh(&self, open_id: &str) -> Result<AccountSummary, Error> {
        self.out(self.refresh_summary(open_id).await)
    }

    /// Refreshes the tokens stored when the call began, and summarises the account.
    async fn refresh_summary(&self, open_id: &str) -> Result<AccountSummary, Error> {
        let account = self.refresh_account(open_id, None).await?;
        Ok(self.summary(&account))
    }

    /// Refreshes unless the stored access token is no longer `seen` (someone else refreshed
    /// already). `seen = None`: the token stored when the call began.
    async fn refresh_account(
        &self,
        open_id: &str,
        seen: Option<String>,
    ) -> Result<StoredAccount, Error> {
        let seen = match seen {
            Some(token) => token,
            None => self
                .load_account(open_id)
                .await?
                .tokens
                .access_token
                .secret()
                .to_owned(),
        };
        let generation_before = self.round_generation(open_id);
        let local = self.local_lock(open_id);
        let _local = local.lock().await;
        // The attempt this caller queued behind replaced the same token: share its outcome.
        // (No cross-context lock and no store read: 49 waiters of a burst return at once.)
        if let Some(outcome) = self.shared_outcome(open_id, generation_before, &seen) {
            return outcome;
        }
        let _guard = self.deps.lock.acquire(&account_lock_name(open_id)).await?;

        // Inside both locks: read again. Another context may have refreshed, or a disconnect
        // may have removed the account.
        let account = self.load_account(open_id).await?;
        if account.tokens.access_token.secret() != seen {
            return Ok(account);
        }
        if let Some(reason) = &account.reconnect {
            return Err(Error::ReconnectRequired {
                code: reason.code.unwrap_or(0),
                message: reason.message.clone(),
                request_id: None,
            });
        }
        if account.app_key != self.config.app.app_key() {
            return Err(Error::ReconnectRequired {
                code: 0,
                message: format!(
                    "the account was connected with another app key ({})",
                    account.app_key
                ),
                request_id: None,
            });
        }

        let result = self.refresh_locked(account).await;
        let mut rounds = self.rounds.borrow_mut();
        let round = rounds.entry(open_id.to_owned()).or_default();
        round.generation += 1;
        round.replaced_token = seen;
        round.outcome = Some(result.clone());
        result
    }

    fn round_generation(&self, open_id: &str) -> u64 {
        self.rounds
            .borrow()
            .get(open_id)
            .map_or(0, |round| round.generation)
    }

    /// The outcome of an attempt that ended while this caller waited, for the same token.
    fn shared_outcome(
        &self,
        open_id: &str,
        generation_before: u64,
        seen: &str,
    ) -> Option<Result<StoredAccount, Error>> {
        let rounds = self.rounds.borrow();
        let round = rounds.get(open_id)?;
        if round.generation > generation_before && round.replaced_token == seen {
            round.outcome.clone()
        } else {
            None
        }
    }

    /// The refresh itself, with both locks held: token/refresh (one retry after a short pause
    /// when the failure is transient), then one write of the new tokens. Definitive failures
    /// keep the stored tokens; 36004001/36004005 mark the account "reconnect required".
    async fn refresh_locked(&self, mut account: StoredAccount) -> Result<StoredAccount, Error> {
        let request = token_refresh_request(&self.config.app, &account.tokens.refresh_token);
        let mut attempt = self.refresh_once(request.clone()).await;
        if matches!(&attempt, Err(e) if e.is_transient()) {
            self.deps.sleep.sleep(TRANSIENT_RETRY_DELAY_MS).await;
            attempt = self.refresh_once(request).await;
        }
        match attempt {
            Ok(tokens) => {
                if tokens.open_id != account.tokens.open_id {
                    return Err(Error::MalformedResponse {
                        http_status: 200,
                        kind: MalformedKind::UnexpectedShape,
                        detail: "the refreshed tokens belong to another open_id".to_owned(),
                        snippet: String::new(),
                    });
                }
                self.remember_tokens(&tokens);
                account.tokens = merge_refreshed(&account.tokens, tokens);
                account.last_refresh_at = Some(self.now());
                account.reconnect = None;
                self.save_account(&account).await?;
                Ok(account)
            }
            Err(error) => {
                let error = classify_refresh_error(self.redact(error));
                if let Error::ReconnectRequired { code, message, .. } = &error {
                    account.reconnect = Some(ReconnectReason {
                        code: Some(*code),
                        message: format!("{message} (TikTok error {code}); connect again"),
                        at: self.now(),
                    });
                    self.save_account(&account).await?;
                }
                Err(error)
            }
        }
    }

    async fn refresh_once(&self, request: HttpRequest) -> Result<TokenSet, Error> {
        let response = self.send(request).await?;
        parse_token_response(response.status, &response.body)
    }

    // ----- API calls -------------------------------------------------------------------------

    /// Calls a TikTok Shop API for an account: signs with server time, sends, and classifies the
    /// answer by TikTok's code. An expired or invalid access token (105002, 105001, or a 401 with
    /// no envelope) is refreshed once (or replaced by tokens another caller already refreshed),
    /// re-signed and retried once. An access token within the refresh margin is refreshed before
    /// sending. Any other error code is returned as a typed error.
    pub async fn api_fetch(&self, open_id: &str, call: &ApiCall) -> Result<ApiResponse, Error> {
        self.out(self.api_fetch_inner(open_id, call).await)
    }

    async fn api_fetch_inner(&self, open_id: &str, call: &ApiCall) -> Result<ApiResponse, Error> {
        let request = ApiRequest {
            method: Method::parse(call.method.as_deref().unwrap_or("GET"))?,
            path: call.path.clone(),
            query: call
                .query
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            body: call.body.clone().unwrap_or_default().into_bytes(),
            shop_cipher: call.shop_cipher.clone(),
        };
        let mut account = self.load_account(open_id).await?;
        let (status, reason) = account.status(
            self.now(),
            self.config.refresh_margin_secs,
            self.config.app.app_key(),
        );
        match status {
            account::AccountStatus::ReconnectRequired => {
                return Err(Error::ReconnectRequired {
                    code: account.reconnect.as_ref().and_then(|r| r.code).unwrap_or(0),
                    message: reason.unwrap_or_default(),
                    request_id: None,
                })
            }
            account::AccountStatus::AccessExpired => {
                let seen = account.tokens.access_token.secret().to_owned();
                account = self.refresh_account(open_id, Some(seen)).await?;
            }
            // Still valid: refresh ahead of time, but a refresh that fails for a reason other
            // than a lost authorization does not stop the call.
            account::AccountStatus::Expiring => {
                let seen = account.tokens.access_token.secret().to_owned();
                match self.refresh_account(open_id, Some(seen)).await {
                    Ok(fresh) => account = fresh,
                    Err(error @ Error::ReconnectRequired { .. }) => return Err(error),
                    Err(_) => {}
                }
            }
            account::AccountStatus::Valid => {}
        }

        let mut refreshed = false;
        let mut clock_retried = false;
        loop {
            let token = account.tokens.access_token.clone();
            let offset_used = self.clock_offset.get();
            let response = self.send_signed(&token, &request).await?;
            match classify_api_response(response.status, &response.body) {
                ApiOutcome::Success => {
                    return Ok(ApiResponse {
                        status: response.status,
                        body: String::from_utf8_lossy(&response.body).into_owned(),
                    })
                }
                ApiOutcome::RefreshAndRetry { .. } if !refreshed => {
                    refreshed = true;
                    // A late 401 (the token was already replaced) uses the stored token and
                    // refreshes nothing: `refresh_account` sees that the token changed.
                    account = self
                        .refresh_account(open_id, Some(token.secret().to_owned()))
                        .await?;
                }
                ApiOutcome::RefreshAndRetry { code } => {
                    return Err(self.still_unauthorized(code, &response));
                }
                // A timestamp outside TikTok's window, with a clock that just moved: sign again
                // with the server's time, once.
                ApiOutcome::Fail(Error::TikTokApi {
                    code: codes::INVALID_REQUEST,
                    ref message,
                    ..
                }) if !clock_retried
                    && message.to_ascii_lowercase().contains("timestamp")
                    && self.clock_offset.get() != offset_used =>
                {
                    clock_retried = true;
                }
                ApiOutcome::Fail(error) => return Err(error),
            }
        }
    }

    async fn send_signed(
        &self,
        token: &AccessToken,
        request: &ApiRequest,
    ) -> Result<HttpResponse, Error> {
        let signed = build_signed_request(&self.config.app, token, request, self.server_now())?;
        self.send(signed).await
    }

    /// The error for a call still rejected after a refresh and a retry.
    fn still_unauthorized(&self, code: Option<i64>, response: &HttpResponse) -> Error {
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

/// The new tokens from a refresh, keeping what the refresh response left out (scopes, names and
/// unknown fields are not always repeated).
fn merge_refreshed(old: &TokenSet, mut new: TokenSet) -> TokenSet {
    if new.seller_name.is_empty() {
        new.seller_name = old.seller_name.clone();
    }
    if new.seller_base_region.is_empty() {
        new.seller_base_region = old.seller_base_region.clone();
    }
    if new.scopes_field == crate::token::ScopesField::Absent {
        new.granted_scopes = old.granted_scopes.clone();
        new.scopes_field = old.scopes_field;
    }
    for (k, v) in &old.extra_data {
        new.extra_data.entry(k.clone()).or_insert_with(|| v.clone());
    }
    new
}

/// Reads `data.shops` of a shops response.
pub fn parse_shops(http_status: u16, body: &[u8]) -> Result<Vec<Shop>, Error> {
    let envelope = parse_envelope(http_status, body)?;
    let shops = envelope
        .data
        .as_ref()
        .and_then(|d| d.get("shops"))
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    serde_json::from_value(shops).map_err(|_| Error::MalformedResponse {
        http_status,
        kind: MalformedKind::UnexpectedShape,
        detail: "data.shops is not a list of shops".to_owned(),
        snippet: crate::error::snippet(body),
    })
}

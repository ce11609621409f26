//! The stateful token client: the authorization flow, the versioned account store, single-flight
//! refresh and signed API calls with one refresh-and-retry. Async and generic over the
//! [`platform`] traits, so it runs in a service worker, a page, Node, and in native tests with
//! fakes. Split by capability, as oauth2-rs splits by grant:
//!
//! | module | what |
//! |---|---|
//! | [`store`] | versioned records (compare-and-swap), parsed records in memory, unsaved tokens, the index |
//! | [`index`] | the small account index behind the badge, start-up, the scheduler and the list |
//! | `authorization` | begin / complete / cancel the authorization flow |
//! | `accounts` | list, page, overview, disconnect, Chilkat import / export |
//! | [`lease`] | a lock kept in the store, where the platform has no Web Locks |
//! | `refresh` | single-flight refresh with its journal, scheduled refresh of due accounts |
//! | `api` | signed API calls with one refresh and one retry |
//!
//! Every decision (when to refresh, what an answer means, what a failed refresh does) is a pure
//! function in [`crate::policy`].
//!
//! Invariants:
//! - Tokens and both expiries are written together, in one store write, and only over the
//!   generation the writer read: a late refresh never overwrites a newer grant.
//! - Nothing TikTok issued is lost: a failed write keeps the tokens in memory (used, and written
//!   again before each use) and reports [`Error::TokensNotSaved`]; a failed refresh never
//!   deletes or overwrites stored tokens.
//! - A refresh is journaled before it is sent; a later holder of the lock that finds the journal
//!   knows the earlier refresh was cut off, and says so ([`Error::RefreshInterrupted`]) if TikTok
//!   then rejects the old refresh token.
//! - One refresh per account at a time: callers in this instance queue on an in-process lock,
//!   other contexts on the named [`platform::Lock`]; inside both, the record is read again, so tokens that
//!   someone else refreshed meanwhile are used, not refreshed again. Callers that waited for an
//!   attempt that failed get that attempt's error instead of trying again.
//! - A call is retried at most once, after at most one refresh: never a loop.
//! - Every error that leaves the client has the app secret, every token and every code it has
//!   seen replaced by `[redacted]`.

pub mod account;
mod accounts;
mod api;
mod authorization;
pub mod index;
pub mod lease;
pub mod local_lock;
pub mod platform;
mod refresh;
pub mod store;

pub use accounts::{AccountsPage, ImportOptions, ImportOutcome, PageRequest};
pub use api::{parse_shops, ApiCall, ApiResponse};
pub use refresh::{DueRefreshOptions, DueRefreshReport};

use crate::config::ClientConfig;
use crate::http::{HttpRequest, HttpResponse};
use crate::json::Value;
use crate::signing::clock_offset_from_date_header;
use crate::token::TokenSet;
use crate::Error;
use account::{AccountSummary, StoredAccount, ACCOUNT_SCHEMA_VERSION};
use local_lock::LocalLock;
use platform::{Clock, Platform, Transport};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use store::AccountStore;

pub use crate::policy::TRANSIENT_RETRY_DELAY_MS;
/// The lock name of the authorization flow.
pub const FLOW_LOCK: &str = "tts:flow";

/// The lock name of an account: every writer of its tokens (refresh, connect, import,
/// disconnect) holds it.
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

/// Where the last refresh attempt of an account ended, so queued callers share its outcome.
#[derive(Default)]
struct RefreshRound {
    /// Increased after every attempt.
    generation: u64,
    /// The access token the last attempt replaced (or tried to).
    replaced_token: String,
    /// The last attempt's outcome: the refreshed account, or the error.
    outcome: Option<Result<Rc<StoredAccount>, Error>>,
}

/// The token client. See the module documentation.
pub struct Client<P: Platform> {
    config: ClientConfig,
    transport: P::Transport,
    store: AccountStore<P::Store>,
    clock: P::Clock,
    sleep: P::Sleep,
    lock: P::Lock,
    random: P::Random,
    /// Server time minus local time, from the last `Date` header.
    clock_offset: Cell<Option<i64>>,
    /// Every secret seen, for redaction (the app secret first).
    known_secrets: RefCell<Vec<String>>,
}

/// How many secrets the redaction list keeps (the app secret is always kept).
const MAX_KNOWN_SECRETS: usize = 256;

impl<P: Platform> Client<P> {
    /// A client for `config` using `deps`.
    pub fn new(config: ClientConfig, deps: Deps<P>) -> Self {
        let secret = config.app.app_secret().secret().to_owned();
        let store = AccountStore::new(deps.store);
        store.set_due_margin(config.refresh_margin_secs);
        Client {
            config,
            transport: deps.transport,
            store,
            clock: deps.clock,
            sleep: deps.sleep,
            lock: deps.lock,
            random: deps.random,
            clock_offset: Cell::new(None),
            known_secrets: RefCell::new(vec![secret]),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Declares that the platform passes every storage change to [`Client::note_store_change`]
    /// (the browser bindings subscribe to `storage.onChanged`): parsed accounts are then kept in
    /// memory and an API call reads nothing from the store.
    pub fn watch_store_changes(&self) {
        self.store.watch_changes();
    }

    /// A change of the store by any context: `new_value` is `None` when `key` was removed;
    /// `old_generation` is the `generation` of the value it replaced, when it had one.
    pub fn note_store_change(
        &self,
        key: &str,
        new_value: Option<Value>,
        old_generation: Option<u64>,
    ) {
        self.store.note_change(key, new_value, old_generation);
    }

    /// Whether the account index in memory has changes the stored one lacks (changes made by
    /// other contexts, heard of through events): the platform then calls
    /// [`Client::flush_index`] a little later, once for a burst of changes.
    pub fn index_needs_flush(&self) -> bool {
        self.store.index_dirty()
    }

    /// Writes the account index if it has changes the stored one lacks.
    pub async fn flush_index(&self) -> Result<(), Error> {
        self.out(self.store.flush_index().await)
    }

    fn now(&self) -> i64 {
        self.clock.now_secs()
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

    // ----- accounts --------------------------------------------------------------------------

    /// An account for use (memory first), its tokens remembered for redaction.
    async fn account(&self, open_id: &str) -> Result<Rc<StoredAccount>, Error> {
        let account = self.store.account(open_id).await?;
        self.remember_tokens(&account.tokens);
        Ok(account)
    }

    fn new_account(&self, mut tokens: TokenSet, now: i64) -> StoredAccount {
        account::storable(&mut tokens);
        StoredAccount {
            schema_version: ACCOUNT_SCHEMA_VERSION,
            // The first generation of a new record: the time in ms (see `AccountStore::write`).
            generation: u64::try_from(self.clock.now_millis()).unwrap_or(1),
            app_key: self.config.app.app_key().to_owned(),
            region: self.config.app.region().as_str().to_owned(),
            tokens,
            connected_at: now,
            tokens_received_at: Some(now),
            last_refresh_at: None,
            reconnect: None,
            refresh_in_flight: None,
        }
    }

    fn summary(&self, account: &StoredAccount) -> AccountSummary {
        let mut summary = account.summary(
            self.now(),
            self.config.refresh_margin_secs,
            self.config.app.app_key(),
        );
        if let Some(reason) = self.store.unsaved_reason(&account.tokens.open_id) {
            summary.reason = Some(account::AccountReason::TokensNotSaved);
            summary.status_reason = Some(format!(
                "new tokens from TikTok are only in memory: the store refused them ({reason}); they are saved again on the next call — free storage space"
            ));
        }
        summary
    }

    /// The account's in-process lock (kept in its slot in the store).
    fn local_lock(&self, open_id: &str) -> LocalLock {
        self.store.slot(open_id, |slot| {
            slot.lock.get_or_insert_with(LocalLock::new).clone()
        })
    }

    // ----- transport -------------------------------------------------------------------------

    /// Sends a request that the transport abandons after `timeout_ms` ([`Error::Timeout`], named
    /// after `what`), and learns the server's clock from the answer.
    async fn send(
        &self,
        mut request: HttpRequest,
        what: &str,
        timeout_ms: u32,
    ) -> Result<HttpResponse, Error> {
        request.timeout_ms = Some(timeout_ms);
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|error| match error {
                Error::Timeout { after_ms, .. } => Error::Timeout {
                    what: what.to_owned(),
                    after_ms,
                },
                other => other,
            })?;
        if let Some(date) = response.header("date") {
            if let Ok(offset) = clock_offset_from_date_header(date, self.now()) {
                self.clock_offset.set(Some(offset));
            }
        }
        Ok(response)
    }

    /// Sends a token request (token/get or token/refresh, named by `what`) and reads the
    /// tokens from TikTok's answer: one future for both grants.
    async fn token_request(&self, request: HttpRequest, what: &str) -> Result<TokenSet, Error> {
        let response = self
            .send(request, what, self.config.token_timeout_ms)
            .await?;
        crate::token::parse_token_response(response.status, &response.body)
    }

    /// The timestamp to sign with: local time corrected by the server's clock when known.
    fn server_now(&self) -> i64 {
        self.now() + self.clock_offset.get().unwrap_or(0)
    }
}

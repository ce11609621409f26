//! The `TikTokShopClient` class: the core's client over the browser platform. Each method
//! converts its arguments, forwards to the core and converts the answer.

use super::errors::{js_error, js_message};
use super::exports::js_string;
use super::store::{listen_to_changes, ChangeListener, StoreObject};
use super::{from_js, to_js};
use super::{BrowserPlatform, FetchTransport, JsClock, JsRandom, JsSleep, JsStore, WebLock};
use crate::authorize::RedirectChannel;
use crate::client::{
    ApiCall, ApiResponse, Client, Deps, DueRefreshOptions, ImportOptions, PageRequest,
};
use crate::error::FailureReason;
use crate::flow::FlowRunner;
use crate::views::{AuthorizationStart, BeginOptions, CompleteOptions, FailOptions};
use crate::Error;
use js_sys::Promise;
use serde::Serialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// The token client over a store with the shape of `chrome.storage.local`.
#[wasm_bindgen(js_name = TikTokShopClient)]
pub struct TikTokShopClient {
    inner: Rc<Client<BrowserPlatform>>,
    /// The `onChanged` listener, removed when the client is freed.
    _listener: Option<ChangeListener>,
}

/// A client call on its way to JS, boxed (measured: the unboxed future, passed to
/// `future_to_promise` as it is, is 99 B smaller raw but 1 KB larger gzipped).
type JsCall = std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>;

/// A client call's outcome as what the promise settles with.
fn answer<T: Serialize>(outcome: Result<T, Error>) -> Result<JsValue, JsValue> {
    match outcome {
        Ok(value) => to_js(&value),
        Err(error) => Err(js_error(error)),
    }
}

#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = ttsApiResponse, catch)]
    fn tts_api_response(status: u16, body: &str) -> Result<JsValue, JsValue>;
}

/// `apiFetch`'s answer: `{ status, body }`, the body parsed by the engine (one call into JS).
#[inline(never)]
fn api_response(outcome: Result<ApiResponse, Error>) -> Result<JsValue, JsValue> {
    let response = outcome.map_err(js_error)?;
    tts_api_response(response.status, &response.body).map_err(|e| {
        js_error(Error::InvalidInput(format!(
            "JSON.parse: {}",
            js_message(&e)
        )))
    })
}

/// A call of one of the client's async methods, its arguments converted. One future for them
/// all: each future type costs the module its own state machine, drop glue and boxing.
enum Call {
    Begin(FlowRunner),
    Complete(String, RedirectChannel),
    SetFlowTab(i64),
    SettleOrphanedFlow(String),
    FlowState,
    Cancel,
    Fail {
        authorize_url: Option<String>,
        reason: FailureReason,
        detail: Option<String>,
    },
    CheckFlowDeadline,
    Accounts,
    AccountsPage(PageRequest),
    Overview,
    RefreshDue(DueRefreshOptions),
    Refresh(String),
    ApiFetch(String, ApiCall),
    Shops(String),
    Disconnect(String),
    Import(String, ImportOptions),
    Export(String),
}

/// Runs a call (or answers with why its arguments were refused) as a JS promise. Each arm
/// converts its own answer inside the one future: one state machine for every method.
#[inline(never)]
fn run(client: &Rc<Client<BrowserPlatform>>, call: Result<Call, Error>) -> Promise {
    let client = client.clone();
    let future: JsCall = Box::pin(async move {
        let call = match call {
            Ok(call) => call,
            Err(error) => return Err(js_error(error)),
        };
        match call {
            Call::Begin(runner) => answer(
                client
                    .begin_authorization_with(runner)
                    .await
                    .map(|(url, state)| AuthorizationStart { url, state }),
            ),
            Call::Complete(redirect_url, channel) => answer(
                client
                    .complete_authorization_from(&redirect_url, channel)
                    .await,
            ),
            Call::SetFlowTab(tab_id) => answer(client.set_flow_tab(tab_id).await),
            Call::SettleOrphanedFlow(worker_id) => {
                answer(client.settle_orphaned_flow(&worker_id).await)
            }
            Call::FlowState => answer(client.flow_state().await),
            Call::Cancel => answer(client.cancel_authorization().await),
            Call::Fail {
                authorize_url,
                reason,
                detail,
            } => answer(
                client
                    .fail_authorization_of(
                        authorize_url.as_deref(),
                        reason,
                        detail.as_deref().unwrap_or(""),
                    )
                    .await,
            ),
            Call::CheckFlowDeadline => answer(client.check_flow_deadline().await),
            Call::Accounts => answer(client.accounts().await),
            Call::AccountsPage(request) => answer(client.accounts_page(&request).await),
            Call::Overview => answer(client.overview().await),
            Call::RefreshDue(options) => answer(client.refresh_due(options).await),
            Call::Refresh(open_id) => answer(client.refresh(&open_id).await),
            Call::ApiFetch(open_id, api_call) => {
                api_response(client.api_fetch(&open_id, &api_call).await)
            }
            Call::Shops(open_id) => answer(client.shops(&open_id).await),
            Call::Disconnect(open_id) => client
                .disconnect(&open_id)
                .await
                .map(|()| JsValue::NULL)
                .map_err(js_error),
            Call::Import(text, options) => answer(client.import_chilkat_json(&text, options).await),
            Call::Export(open_id) => js_string(client.export_chilkat_json(&open_id).await),
        }
    });
    future_to_promise(future)
}

#[wasm_bindgen(js_class = TikTokShopClient)]
impl TikTokShopClient {
    /// Validates `config` (throws `InvalidConfig`) and makes a client over `store`. When the store
    /// has an `onChanged` event (as `chrome.storage.local` has), the client keeps parsed accounts
    /// in memory and follows changes made by other contexts: an API call reads nothing from the
    /// store. Call `free()` when replacing the client, to stop listening.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientConfig")] config: JsValue,
        store: StoreObject,
    ) -> Result<TikTokShopClient, JsValue> {
        let config = super::exports::client_config(&config)?;
        if let Some(method) = store.missing_method() {
            return Err(js_error(Error::InvalidInput(format!(
                "the store has no {method}() method; pass chrome.storage.local or an object of that shape"
            ))));
        }
        // A store with change events is shared with other contexts (chrome.storage is), and
        // where Web Locks are missing they are excluded by a lock kept in the store; Node is one
        // context, and keeps the in-process lock.
        let shared = !super::platform::in_node() && store.has_change_events();
        let js_store = JsStore(store.clone());
        let deps = Deps {
            lock: WebLock::new(&js_store, shared),
            transport: FetchTransport,
            store: js_store,
            clock: JsClock,
            sleep: JsSleep,
            random: JsRandom,
        };
        let inner = Rc::new(Client::new(config, deps));
        let listener = listen_to_changes(&store, &inner);
        Ok(TikTokShopClient {
            inner,
            _listener: listener,
        })
    }

    /// Starts an authorization: `{ url, state }`, the pending flow persisted (state 1) with
    /// who runs it (`{ captureMode, workerId }`, both optional).
    #[wasm_bindgen(js_name = beginAuthorization, unchecked_return_type = "Promise<AuthorizationStart>")]
    pub fn begin_authorization(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "BeginOptions")] options: Option<JsValue>,
    ) -> Promise {
        let runner = from_js::<BeginOptions>(&options.unwrap_or_default(), "the options")
            .map(|options| Call::Begin(options.runner()));
        run(&self.inner, runner)
    }

    /// Records the tab the pending flow opened: only that tab may deliver a captured redirect.
    #[wasm_bindgen(js_name = setFlowTab, unchecked_return_type = "Promise<FlowState>")]
    pub fn set_flow_tab(&self, tab_id: f64) -> Promise {
        run(&self.inner, Ok(Call::SetFlowTab(tab_id as i64)))
    }

    /// Ends a pending flow that another worker instance started and that can no longer finish
    /// (state 5, "interrupted"); `workerId` is the running instance.
    #[wasm_bindgen(js_name = settleOrphanedFlow, unchecked_return_type = "Promise<FlowState>")]
    pub fn settle_orphaned_flow(&self, worker_id: String) -> Promise {
        run(&self.inner, Ok(Call::SettleOrphanedFlow(worker_id)))
    }

    /// Completes the authorization with the redirect URL; resolves to the account summary.
    /// `{ bound: true }` when the redirect came through a channel bound to the flow (the
    /// `launchWebAuthFlow` result, the flow's own tab, the person's paste): only then does a
    /// denial without `state` (TikTok's documented form) end the flow.
    #[wasm_bindgen(js_name = completeAuthorization, unchecked_return_type = "Promise<AccountSummary>")]
    pub fn complete_authorization(
        &self,
        redirect_url: String,
        #[wasm_bindgen(unchecked_optional_param_type = "CompleteOptions")] options: Option<JsValue>,
    ) -> Promise {
        let channel = from_js::<CompleteOptions>(&options.unwrap_or_default(), "the options").map(
            |options| {
                let channel = if options.bound.unwrap_or(false) {
                    RedirectChannel::Bound
                } else {
                    RedirectChannel::Unbound
                };
                Call::Complete(redirect_url, channel)
            },
        );
        run(&self.inner, channel)
    }

    /// Where the flow stands (a passed deadline reads as 5).
    #[wasm_bindgen(js_name = flowState, unchecked_return_type = "Promise<FlowState>")]
    pub fn flow_state(&self) -> Promise {
        run(&self.inner, Ok(Call::FlowState))
    }

    /// Cancels the pending flow (state 5, "cancelled").
    #[wasm_bindgen(js_name = cancelAuthorization, unchecked_return_type = "Promise<FlowState>")]
    pub fn cancel_authorization(&self) -> Promise {
        run(&self.inner, Ok(Call::Cancel))
    }

    /// Ends the pending flow in state 5 with a reason (`windowClosed`, `interrupted`,
    /// `pageLoadFailed`, `cancelled`) and a detail for people; with `{ authorizeUrl }`, only if
    /// the pending flow is the one of that authorization page.
    #[wasm_bindgen(js_name = failAuthorization, unchecked_return_type = "Promise<FlowState>")]
    pub fn fail_authorization(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FailureReason")] reason: JsValue,
        detail: Option<String>,
        #[wasm_bindgen(unchecked_optional_param_type = "FailOptions")] options: Option<JsValue>,
    ) -> Promise {
        let reason = reason
            .as_string()
            .and_then(|code| FailureReason::parse(&code))
            .ok_or_else(|| {
                Error::InvalidInput(
                    "reason must be one of cancelled, windowClosed, interrupted, timedOut, \
                     pageLoadFailed, tokenExchangeFailed, invalidRedirect"
                        .to_owned(),
                )
            });
        let options: Result<FailOptions, Error> =
            from_js(&options.unwrap_or_default(), "the options");
        let call = match (options, reason) {
            (Ok(options), Ok(reason)) => Ok(Call::Fail {
                authorize_url: options.authorize_url,
                reason,
                detail,
            }),
            (Err(error), _) | (_, Err(error)) => Err(error),
        };
        run(&self.inner, call)
    }

    /// Records a passed deadline (call it from an alarm).
    #[wasm_bindgen(js_name = checkFlowDeadline, unchecked_return_type = "Promise<FlowState>")]
    pub fn check_flow_deadline(&self) -> Promise {
        run(&self.inner, Ok(Call::CheckFlowDeadline))
    }

    /// Every connected account, without secrets (reads every record: use `accountsPage` for
    /// long lists). Unreadable records are listed with `status: "damaged"`.
    #[wasm_bindgen(unchecked_return_type = "Promise<AccountSummary[]>")]
    pub fn accounts(&self) -> Promise {
        run(&self.inner, Ok(Call::Accounts))
    }

    /// One page of the account list: `{ accounts, total, matching, counts }`.
    #[wasm_bindgen(js_name = accountsPage, unchecked_return_type = "Promise<AccountsPage>")]
    pub fn accounts_page(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "PageRequest")] request: Option<JsValue>,
    ) -> Promise {
        let request = from_js(&request.unwrap_or_default(), "the page request");
        run(&self.inner, request.map(Call::AccountsPage))
    }

    /// Counts by status, the sellers needing attention, the next due refresh: no account read.
    #[wasm_bindgen(unchecked_return_type = "Promise<Overview>")]
    pub fn overview(&self) -> Promise {
        run(&self.inner, Ok(Call::Overview))
    }

    /// Refreshes the accounts that are due, `concurrency` at a time: `{ due, refreshed, failed }`.
    #[wasm_bindgen(js_name = refreshDue, unchecked_return_type = "Promise<DueRefreshReport>")]
    pub fn refresh_due(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "DueRefreshOptions")] options: Option<
            JsValue,
        >,
    ) -> Promise {
        let options = from_js(&options.unwrap_or_default(), "the options");
        run(&self.inner, options.map(Call::RefreshDue))
    }

    /// Refreshes an account (single flight; tokens refreshed elsewhere are reused).
    #[wasm_bindgen(unchecked_return_type = "Promise<AccountSummary>")]
    pub fn refresh(&self, open_id: String) -> Promise {
        run(&self.inner, Ok(Call::Refresh(open_id)))
    }

    /// A signed API call with one refresh-and-retry: `{ status, body }`, `body` being TikTok's
    /// JSON answer, parsed.
    #[wasm_bindgen(js_name = apiFetch, unchecked_return_type = "Promise<ApiResponse>")]
    pub fn api_fetch(
        &self,
        open_id: String,
        #[wasm_bindgen(unchecked_param_type = "ApiCall")] call: JsValue,
    ) -> Promise {
        let api_call = from_js(&call, "the API call");
        run(
            &self.inner,
            api_call.map(|api_call| Call::ApiFetch(open_id, api_call)),
        )
    }

    /// The shops the account covers.
    #[wasm_bindgen(unchecked_return_type = "Promise<Shop[]>")]
    pub fn shops(&self, open_id: String) -> Promise {
        run(&self.inner, Ok(Call::Shops(open_id)))
    }

    /// Removes an account (after any refresh in flight).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn disconnect(&self, open_id: String) -> Promise {
        run(&self.inner, Ok(Call::Disconnect(open_id)))
    }

    /// Imports Chilkat's `tiktok-shops.json`: `{ account, refreshed }`. Throws
    /// `NewerTokensStored` when the stored tokens of that seller are newer, unless
    /// `{ replaceNewer: true }`; nothing is written unless the whole file checks out.
    #[wasm_bindgen(js_name = importChilkatJson, unchecked_return_type = "Promise<ImportOutcome>")]
    pub fn import_chilkat_json(
        &self,
        text: String,
        #[wasm_bindgen(unchecked_optional_param_type = "ImportOptions")] options: Option<JsValue>,
    ) -> Promise {
        let options = from_js(&options.unwrap_or_default(), "the import options");
        run(
            &self.inner,
            options.map(|options| Call::Import(text, options)),
        )
    }

    /// The account as Chilkat's `tiktok-shops.json` (contains tokens).
    #[wasm_bindgen(js_name = exportChilkatJson, unchecked_return_type = "Promise<string>")]
    pub fn export_chilkat_json(&self, open_id: String) -> Promise {
        run(&self.inner, Ok(Call::Export(open_id)))
    }
}

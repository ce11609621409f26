//! The authorization flow over the store: begin, complete (with the account's lock and a
//! versioned write), cancel, deadlines.

use super::account::{AccountSummary, FlowStateView, FLOW_KEY};
use super::platform::{Lock, Platform, Random, Sleep, Store};
use super::store::WriteError;
use super::{account_lock_name, Client, FLOW_LOCK};
use crate::authorize::{new_state, AuthorizationCode, RedirectChannel};
use crate::error::FailureReason;
use crate::flow::{AuthFlow, FlowRunner};
use crate::json::{Map, Value};
use crate::token::{token_get_request, TokenSet};
use crate::Error;
use std::future::Future;

/// How long a new grant waits for the account's lock (held by a refresh of the previous grant)
/// before it is written anyway.
pub const NEW_GRANT_LOCK_WAIT_MS: u32 = 3_000;

impl<P: Platform> Client<P> {
    async fn load_flow(&self) -> Result<AuthFlow, Error> {
        let items = self.store.raw().get(Some(&[FLOW_KEY.to_owned()])).await?;
        match items.get(FLOW_KEY) {
            None | Some(Value::Null) => Ok(AuthFlow::new()),
            Some(value) => AuthFlow::from_value(value.clone()),
        }
    }

    /// Writes the flow: the store's own future, with no state machine of this function's
    /// around it.
    fn save_flow(&self, flow: &AuthFlow) -> impl Future<Output = Result<(), Error>> + '_ {
        let mut items = Map::new();
        items.insert(FLOW_KEY.to_owned(), flow.to_value());
        self.store.raw().set(items)
    }

    /// Starts an authorization: a fresh state from the random source, the flow in state 1 with
    /// its deadline, persisted. Returns the authorization page URL and the state.
    pub async fn begin_authorization(&self) -> Result<(String, String), Error> {
        self.begin_authorization_with(FlowRunner::default()).await
    }

    /// [`Client::begin_authorization`] for a flow run by `runner` (its capture mode, the
    /// program instance that starts it), recorded in the flow's one record.
    pub async fn begin_authorization_with(
        &self,
        runner: FlowRunner,
    ) -> Result<(String, String), Error> {
        // Every error through `out` where it arises: no async block nested in this future.
        let mut random = [0u8; 32];
        let state = self.out(
            self.random
                .fill(&mut random)
                .and_then(|()| new_state(&random)),
        )?;
        let _guard = self.out(self.lock.acquire(FLOW_LOCK).await)?;
        let mut flow = AuthFlow::new();
        let url = flow.begin_with(
            &self.config.app,
            state.clone(),
            self.now(),
            self.config.flow_timeout_secs,
            runner,
        );
        self.out(self.save_flow(&flow).await)?;
        Ok((url, state))
    }

    /// Records the tab the pending flow opened (tab capture, paste): only that tab may then
    /// deliver a captured redirect. A flow that is no longer pending is left as it is.
    pub fn set_flow_tab(
        &self,
        tab_id: i64,
    ) -> impl Future<Output = Result<FlowStateView, Error>> + '_ {
        self.change_flow(FlowChange::SetTab(tab_id))
    }

    /// Ends a pending flow left by another program instance that can no longer finish (see
    /// [`AuthFlow::can_finish_under`]) as 5 "interrupted"; `worker_id` is the running instance.
    pub fn settle_orphaned_flow<'a>(
        &'a self,
        worker_id: &'a str,
    ) -> impl Future<Output = Result<FlowStateView, Error>> + 'a {
        self.change_flow(FlowChange::SettleOrphaned { worker_id })
    }

    /// Loads the flow under its lock, makes `change`, and saves the flow if it changed.
    /// The methods that only forward to it return its future rather than awaiting it in an
    /// `async fn` of their own: each such wrapper is one more state machine in the module.
    async fn change_flow(&self, change: FlowChange<'_>) -> Result<FlowStateView, Error> {
        // Every error through `out` where it arises: no async block nested in this future.
        let _guard = self.out(self.lock.acquire(FLOW_LOCK).await)?;
        let mut flow = self.out(self.load_flow().await)?;
        let before = flow.clone();
        let now = self.now();
        change.apply(&mut flow, now);
        if flow != before {
            self.out(self.save_flow(&flow).await)?;
        }
        Ok(flow.view(now))
    }

    /// Completes an authorization with the redirect URL, as it arrived through an unbound channel
    /// (see [`Client::complete_authorization_from`]).
    pub async fn complete_authorization(
        &self,
        redirect_url: &str,
    ) -> Result<AccountSummary, Error> {
        self.complete_authorization_from(redirect_url, RedirectChannel::Unbound)
            .await
    }

    /// Completes an authorization with the redirect URL that arrived through `channel`: checks
    /// the state against the pending flow (single use; a denial without `state` counts only
    /// through a bound channel), exchanges the code (the flow's lock is not held meanwhile, so
    /// Cancel answers at once), and stores the tokens under the account's lock unless the flow
    /// was cancelled or timed out meanwhile (then the late answer is discarded). The flow moves
    /// 1 → 2 → 3, or to 4 (denied) or 5 (failed), and the matching error is returned.
    pub async fn complete_authorization_from(
        &self,
        redirect_url: &str,
        channel: RedirectChannel,
    ) -> Result<AccountSummary, Error> {
        // Every error through `out` where it arises: no inner future nested in this one.
        // The flow is changed under its lock twice, in one loop (one await site each for the
        // lock, the load and the save): the redirect is received (1 → 2); then, after the code
        // was exchanged without the lock, the exchange's outcome is settled. `exchange`: the
        // state waited for and token/get's outcome, once the code was exchanged.
        let mut exchange: Option<(String, Result<TokenSet, Error>)> = None;
        let (_guard, flow, tokens, now) = loop {
            let guard = self.out(self.lock.acquire(FLOW_LOCK).await)?;
            let mut flow = self.out(self.load_flow().await)?;
            let now = self.now();
            let (save, step) = match exchange.take() {
                None => {
                    let before = flow.clone();
                    let received = flow.receive_redirect_from(
                        redirect_url,
                        &self.config.redirect_url,
                        now,
                        channel,
                    );
                    (flow != before, received.map(FlowStep::Exchange))
                }
                Some((state, exchanged)) => {
                    match self.settle_exchange(&mut flow, &state, exchanged, now) {
                        Ok(tokens) => (false, Ok(FlowStep::Store(tokens))),
                        Err((save, error)) => (save, Err(error)),
                    }
                }
            };
            if save {
                self.out(self.save_flow(&flow).await)?;
            }
            match self.out(step)? {
                FlowStep::Exchange(code) => {
                    // The flow's lock is not held during token/get: Cancel answers at once.
                    drop(guard);
                    let state = flow.waiting_for_token().unwrap_or_default().to_owned();
                    self.remember_secret(code.code.secret());
                    let exchanged = self
                        .token_request(token_get_request(&self.config.app, &code.code), "token/get")
                        .await;
                    exchange = Some((state, exchanged));
                }
                FlowStep::Store(tokens) => break (guard, flow, tokens, now),
            }
        };
        let open_id = tokens.open_id.clone();
        let account = self.new_account(tokens, now);

        // The account's lock, so a refresh of the previous grant still in flight finishes
        // first; but a new grant does not wait for a refresh that hangs: past
        // `NEW_GRANT_LOCK_WAIT_MS` it is written anyway, and the versioned write keeps the late
        // refresh from writing over it.
        let local = self.local_lock(&open_id);
        let (_local, _account_guard) = {
            // Pinned in this block, not boxed: the one that lost the race is dropped at its end
            // (a lock still waited for is given up), and no allocation is made for either.
            let wait = std::pin::pin!(self.sleep.sleep(NEW_GRANT_LOCK_WAIT_MS));
            let locks = std::pin::pin!(async {
                let local = local.lock().await;
                let named = self.lock.acquire(&account_lock_name(&open_id)).await;
                (local, named)
            });
            match futures::future::select(locks, wait).await {
                futures::future::Either::Left(((local, named), _)) => {
                    (Some(local), Some(self.out(named)?))
                }
                futures::future::Either::Right(_) => (None, None),
            }
        };
        // A new grant replaces whatever is stored, at whatever generation: read it, write over
        // it (again if someone without the lock wrote in between, three writes at most). One
        // read of the stored generation in the loop serves the write and, after a failed write,
        // the tokens kept in memory.
        let mut conflicts = 0;
        let mut failed = None;
        loop {
            // Whatever is stored, a damaged record included, is replaced by the new grant.
            let stored = self.store.stored_generation(&open_id).await;
            if let Some(error) = failed {
                // Keep the new grant in memory, over whatever is stored (a damaged record
                // included): the next call writes it.
                let reason = self.redact(error).to_string();
                self.store
                    .hold_unsaved(account, stored.ok().flatten(), &reason);
                return self.out(Err(Error::TokensNotSaved { open_id, reason }));
            }
            let expected = self.out(stored)?;
            // The account and the finished flow in one write.
            let mut extra = Map::new();
            extra.insert(FLOW_KEY.to_owned(), flow.to_value());
            match self.store.write(expected, account.clone(), extra).await {
                Ok(written) => return Ok(self.summary(&written)),
                Err(WriteError::Conflict(_)) => {
                    conflicts += 1;
                    if conflicts == 3 {
                        return self.out(Err(Error::Storage(
                            "the account kept changing while the new grant was being saved; \
                             connect again"
                                .to_owned(),
                        )));
                    }
                }
                Err(WriteError::Failed(error)) => failed = Some(error),
            }
        }
    }

    /// What the token/get outcome `exchanged` does to `flow` (read again under its lock, at
    /// `now`) for the flow that was waiting with `state`: the tokens to store (the flow moved
    /// to 3), or the error to return and whether the flow must be saved first. Synchronous, so
    /// the caller saves the flow at one await site.
    fn settle_exchange(
        &self,
        flow: &mut AuthFlow,
        state: &str,
        exchanged: Result<TokenSet, Error>,
        now: i64,
    ) -> Result<TokenSet, (bool, Error)> {
        flow.check_deadline(now);
        if flow.waiting_for_token() != Some(state) {
            // Cancelled, timed out or replaced while the exchange ran: whatever came back is
            // discarded (a code exchanged late grants nothing here), and the flow stays as it is.
            if let Ok(tokens) = &exchanged {
                self.remember_tokens(tokens);
            }
            let error = match flow.failure_reason(now) {
                Some(FailureReason::TimedOut) => Error::FlowExpired,
                _ => Error::FlowNotPending,
            };
            return Err((flow.state_code(now) == 5, error));
        }
        let tokens = match exchanged {
            Ok(tokens) => tokens,
            Err(error) => {
                let error = self.redact(error);
                flow.token_failed(&error, now);
                return Err((true, error));
            }
        };
        self.remember_tokens(&tokens);
        flow.token_received(&tokens.open_id, now)
            .map_err(|error| (false, error))?;
        Ok(tokens)
    }

    /// Where the flow stands (a passed deadline reads as 5).
    pub async fn flow_state(&self) -> Result<FlowStateView, Error> {
        // Awaited here and the result mapped: no async block nested in this future.
        let flow = self.load_flow().await;
        self.out(flow.map(|flow| flow.view(self.now())))
    }

    /// Cancels a pending flow (state 5, "cancelled"); a late redirect is then rejected.
    pub fn cancel_authorization(&self) -> impl Future<Output = Result<FlowStateView, Error>> + '_ {
        self.fail_authorization(FailureReason::Cancelled, "")
    }

    /// Ends a pending flow in state 5 with `reason` (window closed, interrupted, page not
    /// loaded, …) and `detail`. A passed deadline is recorded as "timed out" instead.
    pub fn fail_authorization<'a>(
        &'a self,
        reason: FailureReason,
        detail: &'a str,
    ) -> impl Future<Output = Result<FlowStateView, Error>> + 'a {
        self.fail_authorization_of(None, reason, detail)
    }

    /// [`Client::fail_authorization`] for the flow whose authorization page is
    /// `authorize_url` only: the sign-in window of a flow that is over (cancelled, timed out,
    /// replaced by a newer one) closes without failing the flow that is pending now.
    pub fn fail_authorization_of<'a>(
        &'a self,
        authorize_url: Option<&'a str>,
        reason: FailureReason,
        detail: &'a str,
    ) -> impl Future<Output = Result<FlowStateView, Error>> + 'a {
        self.change_flow(FlowChange::Fail {
            authorize_url,
            reason,
            detail,
        })
    }

    /// Records a passed deadline (for an alarm): a pending flow past its deadline moves to 5.
    pub fn check_flow_deadline(&self) -> impl Future<Output = Result<FlowStateView, Error>> + '_ {
        self.change_flow(FlowChange::CheckDeadline)
    }
}

/// What a round of `complete_authorization` under the flow's lock leads to.
enum FlowStep {
    /// The redirect was received: the code to exchange.
    Exchange(AuthorizationCode),
    /// The exchange succeeded: the tokens to store.
    Store(TokenSet),
}

/// A change of the flow made under its lock by [`Client::change_flow`]: data rather than a
/// closure, so that the module holds one copy of the load-change-save future, not one per
/// change.
enum FlowChange<'a> {
    /// Records the tab the pending flow opened.
    SetTab(i64),
    /// Ends a pending flow that `worker_id` cannot finish as "interrupted".
    SettleOrphaned { worker_id: &'a str },
    /// Ends a pending flow (only the one of `authorize_url`, when given) with `reason`.
    Fail {
        authorize_url: Option<&'a str>,
        reason: FailureReason,
        detail: &'a str,
    },
    /// Records a passed deadline.
    CheckDeadline,
}

impl FlowChange<'_> {
    /// Makes the change on `flow` at `now`.
    fn apply(self, flow: &mut AuthFlow, now: i64) {
        match self {
            FlowChange::SetTab(tab_id) => {
                flow.set_tab(tab_id);
            }
            FlowChange::SettleOrphaned { worker_id } => {
                if !flow.check_deadline(now) && !flow.can_finish_under(worker_id) {
                    flow.fail(FailureReason::Interrupted, "", now);
                }
            }
            FlowChange::Fail {
                authorize_url,
                reason,
                detail,
            } => {
                if flow.check_deadline(now) {
                    return;
                }
                if authorize_url.is_none_or(|url| flow.authorize_url() == Some(url)) {
                    flow.fail(reason, detail, now);
                }
            }
            FlowChange::CheckDeadline => {
                flow.check_deadline(now);
            }
        }
    }
}

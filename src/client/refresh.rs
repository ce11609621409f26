//! Single-flight refresh with its journal, and the scheduled refresh of due accounts.

use super::account::{
    AccountReason, AccountSummary, ReconnectReason, RefreshJournal, StoredAccount,
};
use super::api::refused_error;
use super::platform::{Lock, Platform, Sleep};
use super::store::WriteError;
use super::{account_lock_name, Client};
use crate::error::MalformedKind;
use crate::json::Map;
use crate::policy::{
    classify_refresh_error, is_transient, refresh_failure, refresh_outcome_known, RefreshFailure,
    TOKEN_WRITE_RETRY_DELAYS_MS, TRANSIENT_RETRY_DELAY_MS,
};
use crate::token::{token_refresh_request, TokenSet};
use crate::Error;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::task::Poll;

/// Options of [`Client::refresh_due`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DueRefreshOptions {
    /// How many refreshes run at once (at least 1): the rest wait, so user calls are never
    /// starved of connections.
    #[cfg_attr(test, ts(as = "Option<usize>", optional))]
    pub concurrency: usize,
    /// How many due accounts to refresh in this round at most.
    #[cfg_attr(test, ts(as = "Option<usize>", optional))]
    pub limit: usize,
}

impl Default for DueRefreshOptions {
    fn default() -> Self {
        DueRefreshOptions {
            concurrency: 4,
            limit: 10_000,
        }
    }
}

impl crate::config::FromInput for DueRefreshOptions {
    fn read(input: &mut crate::config::Input) -> Result<Self, String> {
        let default = DueRefreshOptions::default();
        Ok(DueRefreshOptions {
            concurrency: input.count("concurrency", default.concurrency)?,
            limit: input.count("limit", default.limit)?,
        })
    }
}

/// What a round of scheduled refreshes did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DueRefreshReport {
    /// How many accounts were due.
    pub due: u32,
    /// How many were refreshed (or found refreshed by someone else).
    pub refreshed: u32,
    /// How many failed (the account says why).
    pub failed: u32,
}

impl<P: Platform> Client<P> {
    /// Refreshes an account's tokens. Concurrent callers share one token/refresh request (see
    /// the module documentation); tokens already refreshed by another context are used as they are.
    pub async fn refresh(&self, open_id: &str) -> Result<AccountSummary, Error> {
        // Awaited here and the result mapped: no async block nested in this future.
        let refreshed = self.refresh_account(open_id, None).await;
        self.out(refreshed.map(|account| self.summary(&account)))
    }

    /// Refreshes every account the policy says is due (from the index: no account is read
    /// unless it is due), `concurrency` at a time. Failures are recorded on the accounts.
    pub async fn refresh_due(&self, options: DueRefreshOptions) -> Result<DueRefreshReport, Error> {
        let now = self.now();
        let margin = self.config.refresh_margin_secs;
        let app_key = self.config.app.app_key();
        // Its one error goes through `out` (redaction) where it arises: no async block nested
        // in this future.
        let loaded = self.store.current_index().await;
        let due = loaded.map(|()| {
            self.store
                .indexed(|index| index.due(now, margin, app_key, options.limit))
        });
        let mut due = self.out(due)?;
        // Tokens only in memory are written first (they are the only valid ones).
        for open_id in self.store.unsaved_ids() {
            if !due.contains(&open_id) {
                due.push(open_id);
            }
        }
        let workers = options.concurrency.max(1).min(due.len());
        let report = Cell::new(DueRefreshReport {
            due: u32::try_from(due.len()).unwrap_or(u32::MAX),
            ..DueRefreshReport::default()
        });
        let queue = RefCell::new(due.into_iter());
        // `concurrency` workers, each taking the next due account until none is left
        // (a pool of one future type, not a `FuturesUnordered`: less code in the module).
        // `refresh_if_due` writes unsaved tokens first, under the account's lock.
        let worker = || async {
            loop {
                let next = queue.borrow_mut().next();
                let Some(open_id) = next else { break };
                let ok = self.refresh_if_due(&open_id).await.is_ok();
                let mut r = report.get();
                if ok {
                    r.refreshed += 1;
                } else {
                    r.failed += 1;
                }
                report.set(r);
            }
        };
        let mut pool = Vec::new();
        for _ in 0..workers {
            pool.push(Box::pin(worker()));
        }
        futures::future::poll_fn(|cx| {
            pool.retain_mut(|w| w.as_mut().poll(cx).is_pending());
            if pool.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        let _ = self.store.flush_index().await;
        Ok(report.get())
    }

    /// Refreshes unless the stored access token is no longer `seen` (someone else refreshed
    /// already). `seen = None`: the token in use when the call began.
    /// (This and `refresh_if_due` return `refresh_account_when`'s future rather than awaiting
    /// it in an `async fn` of their own: each such wrapper is one more state machine in the
    /// module.)
    pub(super) fn refresh_account<'a>(
        &'a self,
        open_id: &'a str,
        seen: Option<String>,
    ) -> impl Future<Output = Result<Rc<StoredAccount>, Error>> + 'a {
        self.refresh_account_when(open_id, seen, false)
    }

    /// For the scheduler: refreshes only if the stored record (read under the lock) is really
    /// due. The index may lag behind a refresh made elsewhere; that costs one read, never a
    /// needless refresh.
    fn refresh_if_due<'a>(
        &'a self,
        open_id: &'a str,
    ) -> impl Future<Output = Result<Rc<StoredAccount>, Error>> + 'a {
        self.refresh_account_when(open_id, None, true)
    }

    async fn refresh_account_when(
        &self,
        open_id: &str,
        seen: Option<String>,
        only_if_due: bool,
    ) -> Result<Rc<StoredAccount>, Error> {
        let seen = match seen {
            Some(token) => token,
            None => self
                .account(open_id)
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
        // (No cross-context lock and no store read: 99 waiters of a burst return at once.)
        if let Some(outcome) = self.shared_outcome(open_id, generation_before, &seen) {
            return outcome;
        }
        let _guard = self.lock.acquire(&account_lock_name(open_id)).await?;

        // Tokens TikTok issued earlier that the store refused: they are the current ones.
        self.store.flush_unsaved(open_id).await?;
        // Inside both locks: read again. Another context may have refreshed, or a disconnect
        // may have removed the account.
        let account = self
            .store
            .read(open_id)
            .await?
            .ok_or_else(|| Error::UnknownAccount(open_id.to_owned()))?;
        self.remember_tokens(&account.tokens);
        if account.tokens.access_token.secret() != seen {
            return Ok(account);
        }
        if only_if_due {
            let (status, _) = account.status(
                self.now(),
                self.config.refresh_margin_secs,
                self.config.app.app_key(),
            );
            if !status.refresh_due() {
                return Ok(account);
            }
        }
        if let Some(reason) = &account.reconnect {
            return Err(refused_error(Some(reason), Some(reason.message.clone())));
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

        // The refresh itself, with both locks held: the journal is written, token/refresh is
        // sent (one retry after a short pause when the failure is transient), and the new tokens
        // are written over the journaled generation. See `crate::policy::refresh_failure` for
        // what a failure does. (A labelled block in this future rather than a future of its own:
        // one state machine fewer in the module.)
        let result: Result<Rc<StoredAccount>, Error> = 'attempt: {
            let account_id = account.tokens.open_id.clone();
            // A journal already there: an earlier refresh of these tokens was cut off.
            let mut outcome_unknown = account.refresh_in_flight.is_some();
            // Every write of the attempt (the journal, the new tokens with their retries, the
            // failure's record) is made at one await site, in this loop: `record` over the
            // generation `expected`, `writing` saying which write it is.
            let mut record = (*account).clone();
            record.refresh_in_flight = Some(RefreshJournal {
                started_at: self.now(),
            });
            let mut expected = Some(account.generation);
            let mut writing = Writing::Journal;
            let mut delays = TOKEN_WRITE_RETRY_DELAYS_MS.iter();
            loop {
                let written = self.store.write(expected, record.clone(), Map::new()).await;
                let base = match (writing, written) {
                    // Best effort: the tokens themselves are unchanged, so a failed or
                    // conflicting write of a failure's record loses nothing.
                    (Writing::Failure(error), _) => break 'attempt Err(error),
                    // Someone without our lock wrote meanwhile: theirs is newer (a reconnect
                    // stored while the tokens were refreshed wins).
                    (_, Err(WriteError::Conflict(current))) => {
                        break 'attempt current
                            .ok_or_else(|| Error::UnknownAccount(account_id.clone()))
                    }
                    (Writing::Tokens, Ok(written)) => break 'attempt Ok(written),
                    (Writing::Journal, Ok(written)) => written,
                    // The journal is for telling a cut-off refresh apart; a store that refuses
                    // it still gets the refresh, and the tokens are held in memory if their
                    // write fails too.
                    (Writing::Journal, Err(WriteError::Failed(_))) => account.clone(),
                    // The new tokens: a failing store is retried with backoff; if it still
                    // fails they are held in memory (`Error::TokensNotSaved`).
                    (Writing::Tokens, Err(WriteError::Failed(error))) => match delays.next() {
                        Some(delay) => {
                            self.sleep.sleep(*delay).await;
                            writing = Writing::Tokens;
                            continue;
                        }
                        None => {
                            let reason = self.redact(error).to_string();
                            self.store.hold_unsaved(record, expected, &reason);
                            break 'attempt Err(Error::TokensNotSaved {
                                open_id: account_id,
                                reason,
                            });
                        }
                    },
                };

                // The journal is written: token/refresh.
                let request =
                    token_refresh_request(&self.config.app, &account.tokens.refresh_token);
                // One retry after a short pause when the failure is transient (both attempts at
                // one await site). Any attempt without an answer (or a journal found before this
                // one) leaves it unknown whether TikTok rotated the refresh token.
                let mut retried = false;
                let attempt = loop {
                    let attempt = self.token_request(request.clone(), "token/refresh").await;
                    outcome_unknown |= !refresh_outcome_known(&attempt);
                    if retried || !matches!(&attempt, Err(e) if is_transient(e)) {
                        break attempt;
                    }
                    retried = true;
                    self.sleep.sleep(TRANSIENT_RETRY_DELAY_MS).await;
                };
                // What is written next, over the journaled generation.
                expected = Some(base.generation);
                record = (*base).clone();
                match attempt {
                    Ok(tokens) => {
                        if tokens.open_id != account.tokens.open_id {
                            break 'attempt Err(Error::MalformedResponse {
                                http_status: 200,
                                kind: MalformedKind::UnexpectedShape,
                                detail: "the refreshed tokens belong to another open_id".to_owned(),
                                snippet: String::new(),
                            });
                        }
                        self.remember_tokens(&tokens);
                        let now = self.now();
                        record.tokens = merge_refreshed(&base.tokens, tokens);
                        super::account::storable(&mut record.tokens);
                        record.tokens_received_at = Some(now);
                        record.last_refresh_at = Some(now);
                        record.reconnect = None;
                        record.refresh_in_flight = None;
                        writing = Writing::Tokens;
                    }
                    Err(error) => {
                        let error = classify_refresh_error(self.redact(error));
                        let error = match refresh_failure(error, outcome_unknown) {
                            RefreshFailure::Keep(error) => {
                                if outcome_unknown {
                                    // TikTok may have rotated the token: the journal stays.
                                    break 'attempt Err(error);
                                }
                                record.refresh_in_flight = None;
                                error
                            }
                            RefreshFailure::Reconnect(error)
                            | RefreshFailure::Interrupted(error) => {
                                let (code, message) = match &error {
                                    Error::ReconnectRequired { code, message, .. }
                                    | Error::RefreshInterrupted { code, message, .. } => {
                                        (*code, message.clone())
                                    }
                                    other => (0, other.to_string()),
                                };
                                let interrupted = matches!(error, Error::RefreshInterrupted { .. });
                                record.refresh_in_flight = None;
                                record.reconnect = Some(ReconnectReason {
                                    code: Some(code),
                                    message: if interrupted {
                                        // The error's own sentence, without a request id (one
                                        // copy of its text in the module).
                                        Error::RefreshInterrupted {
                                            code,
                                            message,
                                            request_id: None,
                                        }
                                        .to_string()
                                    } else {
                                        format!("{message} (TikTok error {code}); connect again")
                                    },
                                    at: self.now(),
                                    kind: Some(if interrupted {
                                        AccountReason::RefreshInterrupted
                                    } else {
                                        AccountReason::AuthorizationLost
                                    }),
                                });
                                error
                            }
                        };
                        writing = Writing::Failure(error);
                    }
                }
            }
        };
        self.store.slot(open_id, |slot| {
            slot.round.generation += 1;
            slot.round.replaced_token = seen;
            slot.round.outcome = Some(result.clone());
        });
        result
    }

    fn round_generation(&self, open_id: &str) -> u64 {
        self.store
            .peek(open_id, |slot| Some(slot.round.generation))
            .unwrap_or(0)
    }

    /// The outcome of an attempt that ended while this caller waited, for the same token.
    fn shared_outcome(
        &self,
        open_id: &str,
        generation_before: u64,
        seen: &str,
    ) -> Option<Result<Rc<StoredAccount>, Error>> {
        self.store.peek(open_id, |slot| {
            let round = &slot.round;
            if round.generation > generation_before && round.replaced_token == seen {
                round.outcome.clone()
            } else {
                None
            }
        })
    }
}

/// Which write of a refresh attempt `refresh_account_when`'s loop makes.
enum Writing {
    /// The journal, before token/refresh is sent.
    Journal,
    /// The new tokens.
    Tokens,
    /// The record of a failed refresh; the error is returned after it.
    Failure(Error),
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
        new.extra_data.insert_missing(k.clone(), || v.clone());
    }
    new
}

//! The authorization flow as a state machine, numbered like Chilkat's `AuthFlowState` so code
//! ported from the desktop examples reads the same:
//!
//! | state | meaning |
//! |---|---|
//! | 0 | idle |
//! | 1 | waiting for the redirect |
//! | 2 | waiting for the token response |
//! | 3 | completed with success |
//! | 4 | access denied (TikTok's denial redirect; the error response is kept) |
//! | 5 | failed (a human-readable failure info is kept) |
//!
//! Cancel, a closed window, an interruption and a passed deadline all end in 5 with a reason that
//! says which, never in 4: only TikTok's own denial redirect is a denial. The machine is pure
//! (`now` is passed in) and serialises with a schema version, so a service worker that restarts
//! reads where the flow stands from storage.

use crate::authorize::{authorize_url, is_redirect_for, AuthorizationCode};
use crate::config::Config;
use crate::error::FailureReason;
use crate::Error;
use serde::{Deserialize, Serialize};

/// The schema version written with every serialised flow.
pub const FLOW_SCHEMA_VERSION: u32 = 1;

/// Default time the seller has to authorize: 4 minutes, under Chrome's 5-minute limit for one
/// `launchWebAuthFlow` call.
pub const DEFAULT_FLOW_TIMEOUT_SECS: i64 = 240;

/// Where a flow stands, with what each state keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "camelCase")]
pub enum FlowPhase {
    /// 0: nothing started.
    Idle,
    /// 1: the authorization page is open; waiting for TikTok's redirect.
    #[serde(rename_all = "camelCase")]
    WaitingForRedirect {
        /// The state sent to TikTok, required back exactly once.
        state: String,
        /// The authorization page's URL.
        authorize_url: String,
        /// When the flow began (Unix seconds).
        started_at: i64,
        /// When the flow times out (Unix seconds).
        deadline: i64,
    },
    /// 2: the redirect came back with a code; the code is being exchanged.
    #[serde(rename_all = "camelCase")]
    WaitingForToken {
        /// The (now consumed) state.
        state: String,
        /// When the flow began.
        started_at: i64,
        /// When the flow times out.
        deadline: i64,
    },
    /// 3: tokens received.
    #[serde(rename_all = "camelCase")]
    Succeeded {
        /// The connected seller's `open_id`.
        open_id: String,
        /// When it completed.
        completed_at: i64,
    },
    /// 4: the seller denied access.
    #[serde(rename_all = "camelCase")]
    Denied {
        /// TikTok's `error` value.
        error: String,
        /// The denial redirect's query, as received (Chilkat's `AccessTokenResponse`).
        error_response: String,
        /// When it completed.
        completed_at: i64,
    },
    /// 5: failed before completing.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// Why, as a machine-readable reason.
        reason: FailureReason,
        /// Why, for a person (Chilkat's `FailureInfo`).
        failure_info: String,
        /// When it failed.
        completed_at: i64,
    },
}

/// The authorization flow. See the module documentation for the states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthFlow {
    /// Always [`FLOW_SCHEMA_VERSION`] when written by this version.
    pub schema_version: u32,
    /// Where the flow stands.
    #[serde(flatten)]
    pub phase: FlowPhase,
}

impl Default for AuthFlow {
    fn default() -> Self {
        AuthFlow::new()
    }
}

impl AuthFlow {
    /// An idle flow (state 0).
    pub fn new() -> Self {
        AuthFlow {
            schema_version: FLOW_SCHEMA_VERSION,
            phase: FlowPhase::Idle,
        }
    }

    /// Reads a flow serialised by [`to_json`](Self::to_json); another schema version is an error.
    pub fn from_json(json: &str) -> Result<AuthFlow, Error> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|_| Error::Storage("the stored authorization flow is not JSON".to_owned()))?;
        AuthFlow::from_value(value)
    }

    /// Reads a flow from a JSON value; another schema version is an error.
    pub fn from_value(value: serde_json::Value) -> Result<AuthFlow, Error> {
        let version = value
            .get("schemaVersion")
            .and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(FLOW_SCHEMA_VERSION)) {
            return Err(Error::Storage(format!(
                "the stored authorization flow has schema version {version:?}; this version reads {FLOW_SCHEMA_VERSION}"
            )));
        }
        serde_json::from_value(value).map_err(|e| {
            Error::Storage(format!("the stored authorization flow cannot be read: {e}"))
        })
    }

    /// The flow as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Starts a new flow (any previous one is abandoned): state 1, with the deadline
    /// `now + timeout_secs`. Returns the authorization page URL.
    pub fn begin(&mut self, config: &Config, state: String, now: i64, timeout_secs: i64) -> String {
        let url = authorize_url(config, &state);
        self.phase = FlowPhase::WaitingForRedirect {
            state,
            authorize_url: url.clone(),
            started_at: now,
            deadline: now.saturating_add(timeout_secs.max(1)),
        };
        url
    }

    /// Chilkat's number for where the flow stands at `now`: a pending flow whose deadline has
    /// passed reads as 5, even before [`check_deadline`](Self::check_deadline) records it.
    pub fn state_code(&self, now: i64) -> u8 {
        match &self.phase {
            FlowPhase::Idle => 0,
            FlowPhase::WaitingForRedirect { deadline, .. }
            | FlowPhase::WaitingForToken { deadline, .. }
                if now >= *deadline =>
            {
                5
            }
            FlowPhase::WaitingForRedirect { .. } => 1,
            FlowPhase::WaitingForToken { .. } => 2,
            FlowPhase::Succeeded { .. } => 3,
            FlowPhase::Denied { .. } => 4,
            FlowPhase::Failed { .. } => 5,
        }
    }

    /// Whether the flow is in state 1 or 2 (whatever the deadline).
    pub fn is_pending(&self) -> bool {
        matches!(
            self.phase,
            FlowPhase::WaitingForRedirect { .. } | FlowPhase::WaitingForToken { .. }
        )
    }

    /// The deadline of a pending flow.
    pub fn deadline(&self) -> Option<i64> {
        match &self.phase {
            FlowPhase::WaitingForRedirect { deadline, .. }
            | FlowPhase::WaitingForToken { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }

    /// When a pending flow began.
    pub fn started_at(&self) -> Option<i64> {
        match &self.phase {
            FlowPhase::WaitingForRedirect { started_at, .. }
            | FlowPhase::WaitingForToken { started_at, .. } => Some(*started_at),
            _ => None,
        }
    }

    /// Records a passed deadline: a pending flow at or past its deadline moves to 5
    /// "timed out". Returns whether it did.
    pub fn check_deadline(&mut self, now: i64) -> bool {
        match self.deadline() {
            Some(deadline) if now >= deadline => {
                self.fail(
                    FailureReason::TimedOut,
                    "the seller did not complete the authorization in time",
                    now,
                );
                true
            }
            _ => false,
        }
    }

    /// Handles the redirect URL. In state 1 with the right state: moves to 2 and returns the code.
    /// A denial moves to 4; a redirect without a code moves to 5. A redirect whose state does not
    /// match, or that is not for the expected redirect URL, leaves the flow as it is (it was not
    /// meant for this flow, and must not end it). A redirect for a flow no longer in state 1
    /// (cancelled, timed out, already used) is rejected with [`Error::StateReused`] or
    /// [`Error::FlowNotPending`] and changes nothing.
    pub fn receive_redirect(
        &mut self,
        redirect_url: &str,
        expected_redirect_base: &str,
        now: i64,
    ) -> Result<AuthorizationCode, Error> {
        self.receive_redirect_from(
            redirect_url,
            expected_redirect_base,
            now,
            crate::authorize::RedirectChannel::Unbound,
        )
    }

    /// [`AuthFlow::receive_redirect`] for a redirect that arrived through `channel`: a denial
    /// without `state` ends the flow only through a bound channel.
    pub fn receive_redirect_from(
        &mut self,
        redirect_url: &str,
        expected_redirect_base: &str,
        now: i64,
        channel: crate::authorize::RedirectChannel,
    ) -> Result<AuthorizationCode, Error> {
        self.check_deadline(now);
        let (state, started_at, deadline) = match &self.phase {
            FlowPhase::WaitingForRedirect {
                state,
                started_at,
                deadline,
                ..
            } => (state.clone(), *started_at, *deadline),
            FlowPhase::Idle => return Err(Error::FlowNotPending),
            FlowPhase::Failed {
                reason: FailureReason::TimedOut,
                ..
            } => return Err(Error::FlowExpired),
            _ => return Err(Error::StateReused),
        };
        if !is_redirect_for(redirect_url, expected_redirect_base) {
            return Err(Error::InvalidRedirect(format!(
                "the URL does not start with the expected redirect URL {}",
                crate::http::split_url(expected_redirect_base).0
            )));
        }
        match crate::authorize::parse_redirect_from(
            redirect_url,
            expected_redirect_base,
            &state,
            channel,
        ) {
            Ok(code) => {
                self.phase = FlowPhase::WaitingForToken {
                    state,
                    started_at,
                    deadline,
                };
                Ok(code)
            }
            Err(Error::AccessDenied {
                error,
                error_response,
            }) => {
                self.phase = FlowPhase::Denied {
                    error: error.clone(),
                    error_response: error_response.clone(),
                    completed_at: now,
                };
                Err(Error::AccessDenied {
                    error,
                    error_response,
                })
            }
            // The URL is this flow's (checked first below), so a missing code ends the flow.
            Err(err @ Error::InvalidRedirect(_)) => {
                self.fail(FailureReason::InvalidRedirect, &err.to_string(), now);
                Err(err)
            }
            Err(err) => Err(err),
        }
    }

    /// The token exchange succeeded: 2 → 3.
    pub fn token_received(&mut self, open_id: &str, now: i64) -> Result<(), Error> {
        match self.phase {
            FlowPhase::WaitingForToken { .. } => {
                self.phase = FlowPhase::Succeeded {
                    open_id: open_id.to_owned(),
                    completed_at: now,
                };
                Ok(())
            }
            _ => Err(Error::FlowNotPending),
        }
    }

    /// The token exchange failed: 2 → 5 "token exchange failed", keeping the error's text.
    pub fn token_failed(&mut self, error: &Error, now: i64) {
        if matches!(self.phase, FlowPhase::WaitingForToken { .. }) {
            self.fail(FailureReason::TokenExchangeFailed, &error.to_string(), now);
        }
    }

    /// Cancels a pending flow: 1 or 2 → 5 "cancelled". Does nothing to a finished flow.
    pub fn cancel(&mut self, now: i64) {
        self.fail(FailureReason::Cancelled, "", now);
    }

    /// Ends a pending flow in 5 with `reason` and a failure info made of the reason and `detail`.
    /// Does nothing to a flow that is not pending (a finished flow keeps its outcome).
    pub fn fail(&mut self, reason: FailureReason, detail: &str, now: i64) {
        if !self.is_pending() {
            return;
        }
        let failure_info = if detail.is_empty() {
            reason.label().to_owned()
        } else {
            format!("{}: {detail}", reason.label())
        };
        self.phase = FlowPhase::Failed {
            reason,
            failure_info,
            completed_at: now,
        };
    }

    /// Chilkat's `FailureInfo`: why the flow failed (state 5), including a passed deadline that
    /// is not yet recorded.
    pub fn failure_info(&self, now: i64) -> Option<String> {
        match &self.phase {
            FlowPhase::Failed { failure_info, .. } => Some(failure_info.clone()),
            _ if self.state_code(now) == 5 => Some(format!(
                "{}: the seller did not complete the authorization in time",
                FailureReason::TimedOut.label()
            )),
            _ => None,
        }
    }

    /// Why the flow failed, as a machine-readable reason.
    pub fn failure_reason(&self, now: i64) -> Option<FailureReason> {
        match &self.phase {
            FlowPhase::Failed { reason, .. } => Some(*reason),
            _ if self.state_code(now) == 5 => Some(FailureReason::TimedOut),
            _ => None,
        }
    }

    /// Chilkat's `AccessTokenResponse` for a denial (state 4): `error=<code>`, TikTok's code
    /// from the allowlist (a record stored by an older version is shown the same way).
    pub fn error_response(&self) -> Option<String> {
        match &self.phase {
            FlowPhase::Denied { error, .. } => Some(format!(
                "error={}",
                crate::authorize::denial_code(Some(error))
            )),
            _ => None,
        }
    }

    /// The state of the flow waiting for its token exchange, if it is.
    pub fn waiting_for_token(&self) -> Option<&str> {
        match &self.phase {
            FlowPhase::WaitingForToken { state, .. } => Some(state),
            _ => None,
        }
    }
}

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
mod stored;
mod view;

use stored::StoredFlow;
pub use view::{flow_state_name, FlowStateView};

/// The schema version written with every serialised flow.
pub const FLOW_SCHEMA_VERSION: u32 = 1;

/// Default time the seller has to authorize: 4 minutes, under Chrome's 5-minute limit for one
/// `launchWebAuthFlow` call.
pub const DEFAULT_FLOW_TIMEOUT_SECS: i64 = 240;

/// The failure detail of a flow whose deadline passed.
const TIMED_OUT_DETAIL: &str = "the seller did not complete the authorization in time";

/// Where a flow stands, with what each state keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowPhase {
    /// 0: nothing started.
    Idle,
    /// 1: the authorization page is open; waiting for TikTok's redirect.
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
    WaitingForToken {
        /// The (now consumed) state.
        state: String,
        /// When the flow began.
        started_at: i64,
        /// When the flow times out.
        deadline: i64,
    },
    /// 3: tokens received.
    Succeeded {
        /// The connected seller's `open_id`.
        open_id: String,
        /// When it completed.
        completed_at: i64,
    },
    /// 4: the seller denied access.
    Denied {
        /// TikTok's `error` value.
        error: String,
        /// The denial redirect's query, as received (Chilkat's `AccessTokenResponse`).
        error_response: String,
        /// When it completed.
        completed_at: i64,
    },
    /// 5: failed before completing.
    Failed {
        /// Why, as a machine-readable reason.
        reason: FailureReason,
        /// Why, for a person (Chilkat's `FailureInfo`): the reason's label, then the detail.
        failure_info: String,
        /// What the failure info adds to the reason's label (empty if nothing).
        detail: String,
        /// When it failed.
        completed_at: i64,
    },
}

/// How the redirect of a flow reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaptureMode {
    /// The browser's sign-in window (`launchWebAuthFlow`): its result is a promise held by the
    /// program that opened it.
    #[default]
    Identity,
    /// A tab of the flow's own whose navigation to the redirect URL is captured.
    Tab,
    /// The person pastes the address TikTok sent them to.
    Paste,
}

impl CaptureMode {
    /// Every mode, in the order a settings page offers them.
    pub const ALL: [CaptureMode; 3] = [CaptureMode::Identity, CaptureMode::Tab, CaptureMode::Paste];

    /// The mode's name, as stored and sent to JS (`identity`, `tab`, `paste`).
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureMode::Identity => "identity",
            CaptureMode::Tab => "tab",
            CaptureMode::Paste => "paste",
        }
    }

    /// The mode of that name.
    pub fn parse(name: &str) -> Option<CaptureMode> {
        CaptureMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == name)
    }

    /// The mode a setting asks for: unset or unknown is the sign-in window.
    pub fn from_setting(name: Option<&str>) -> CaptureMode {
        name.and_then(CaptureMode::parse).unwrap_or_default()
    }
}

/// Who runs a pending flow: how its redirect is captured, the tab it opened and the program
/// instance (a service worker's lifetime) that started it. Kept in the flow's own record, so
/// one write says both where the flow stands and who can still finish it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowRunner {
    /// How the redirect is captured.
    pub capture_mode: CaptureMode,
    /// The tab the flow opened (tab capture and paste).
    pub tab_id: Option<i64>,
    /// The program instance that started the flow; `None` for a flow stored without one.
    pub worker_id: Option<String>,
}

/// The authorization flow. See the module documentation for the states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFlow {
    /// Always [`FLOW_SCHEMA_VERSION`] when written by this version.
    pub schema_version: u32,
    /// Where the flow stands.
    pub phase: FlowPhase,
    /// Who runs it (meaningful while it is pending).
    pub runner: FlowRunner,
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
            runner: FlowRunner::default(),
        }
    }

    /// Reads a flow serialised by [`to_json`](Self::to_json); another schema version is an error.
    pub fn from_json(json: &str) -> Result<AuthFlow, Error> {
        let value = crate::json::from_str(json).map_err(|_| {
            Error::Storage("the stored authorization flow is not a JSON object".to_owned())
        })?;
        AuthFlow::from_value(value)
    }

    /// Reads a flow from a JSON value; another schema version is an error.
    pub fn from_value(value: crate::json::Value) -> Result<AuthFlow, Error> {
        let stored = StoredFlow::read(value).map_err(|e| {
            Error::Storage(format!("the stored authorization flow cannot be read: {e}"))
        })?;
        stored.into_flow()
    }

    /// The flow as a JSON value, as stored.
    pub fn to_value(&self) -> crate::json::Value {
        crate::json::Value::Object(StoredFlow::write(self))
    }

    /// The flow as JSON (the stored object's text, its keys sorted).
    pub fn to_json(&self) -> String {
        self.to_value().to_json()
    }

    /// Starts a new flow run by `runner` (any previous one is abandoned): state 1, with the
    /// deadline `now + timeout_secs`. Returns the authorization page URL.
    pub fn begin_with(
        &mut self,
        config: &Config,
        state: String,
        now: i64,
        timeout_secs: i64,
        runner: FlowRunner,
    ) -> String {
        let url = self.begin(config, state, now, timeout_secs);
        self.runner = runner;
        url
    }

    /// Records the tab a pending flow opened. Returns whether it did (a finished flow keeps its
    /// outcome and no tab).
    pub fn set_tab(&mut self, tab_id: i64) -> bool {
        if !self.is_pending() {
            return false;
        }
        self.runner.tab_id = Some(tab_id);
        true
    }

    /// The authorization page URL of a flow waiting for its redirect.
    pub fn authorize_url(&self) -> Option<&str> {
        match &self.phase {
            FlowPhase::WaitingForRedirect { authorize_url, .. } => Some(authorize_url),
            _ => None,
        }
    }

    /// Whether a pending flow can still finish now that `worker_id` is the running program
    /// instance. A flow started by another instance (or stored without one) cannot when the
    /// piece that would finish it died with that instance: the sign-in window's promise
    /// (identity capture, state 1) or the token exchange (any mode, state 2). Tab and paste
    /// captures waiting for their redirect can: it arrives through a page. A flow that is not
    /// pending has nothing left to finish and is reported as able to.
    pub fn can_finish_under(&self, worker_id: &str) -> bool {
        if !self.is_pending() || self.runner.worker_id.as_deref() == Some(worker_id) {
            return true;
        }
        match self.phase {
            FlowPhase::WaitingForToken { .. } => false,
            _ => self.runner.capture_mode != CaptureMode::Identity,
        }
    }

    /// Where the flow stands at `now`, for people and pages: every fact they show.
    // One match on the phase fills the facts it has, rather than a match per fact.
    pub fn view(&self, now: i64) -> FlowStateView {
        let state = self.state_code(now);
        let pending = matches!(state, 1 | 2);
        let mut view = FlowStateView {
            state,
            state_name: flow_state_name(state).to_owned(),
            pending,
            failure_info: None,
            failure_reason: None,
            failure_label: None,
            failure_detail: None,
            error_response: None,
            denial_code: None,
            deadline: None,
            started_at: None,
            open_id: None,
            capture_mode: pending.then(|| self.runner.capture_mode.as_str().to_owned()),
            tab_id: self.runner.tab_id.filter(|_| pending),
        };
        match &self.phase {
            FlowPhase::Failed {
                reason,
                failure_info,
                detail,
                ..
            } => {
                view.failure_reason = Some(*reason);
                view.failure_info = Some(failure_info.clone());
                view.failure_detail = Some(detail.clone()).filter(|d| !d.is_empty());
            }
            // A pending flow past its deadline, not yet recorded as timed out.
            _ if state == 5 => {
                view.failure_reason = Some(FailureReason::TimedOut);
                view.failure_info = self.failure_info(now);
                view.failure_detail = Some(TIMED_OUT_DETAIL.to_owned());
            }
            FlowPhase::Denied { error, .. } => {
                let code = crate::authorize::denial_code(Some(error));
                view.error_response = Some(format!("error={code}"));
                view.denial_code = Some(code.to_owned());
            }
            FlowPhase::Succeeded { open_id, .. } => view.open_id = Some(open_id.clone()),
            FlowPhase::WaitingForRedirect {
                started_at,
                deadline,
                ..
            }
            | FlowPhase::WaitingForToken {
                started_at,
                deadline,
                ..
            } => {
                view.deadline = Some(*deadline);
                view.started_at = Some(*started_at);
            }
            FlowPhase::Idle => {}
        }
        view.failure_label = view
            .failure_reason
            .map(|reason| reason.description().to_owned());
        view
    }

    /// Starts a new flow (any previous one is abandoned): state 1, with the deadline
    /// `now + timeout_secs`. Returns the authorization page URL.
    pub fn begin(&mut self, config: &Config, state: String, now: i64, timeout_secs: i64) -> String {
        let url = authorize_url(config, &state);
        self.runner = FlowRunner::default();
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
                self.fail(FailureReason::TimedOut, TIMED_OUT_DETAIL, now);
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
            detail: detail.to_owned(),
            completed_at: now,
        };
    }

    /// Chilkat's `FailureInfo`: why the flow failed (state 5), including a passed deadline that
    /// is not yet recorded.
    pub fn failure_info(&self, now: i64) -> Option<String> {
        match &self.phase {
            FlowPhase::Failed { failure_info, .. } => Some(failure_info.clone()),
            _ if self.state_code(now) == 5 => Some(format!(
                "{}: {TIMED_OUT_DETAIL}",
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

//! The flow as stored in `tts:flow`.

use super::{AuthFlow, CaptureMode, FlowPhase, FlowRunner, FLOW_SCHEMA_VERSION};
use crate::config::Input;
use crate::error::FailureReason;
use crate::json::Value;
use crate::Error;
use serde::Serialize;

/// The flow as stored: one flat JSON object, `phase` naming the state and the fields of every
/// state optional. Plain on purpose: it reads what earlier versions wrote (the same object
/// without the runner's fields) and costs a fraction of a tagged, flattened enum in the wasm.
/// Read by hand over the JSON value (a derived reader carries a parser of its own).
#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StoredFlow {
    schema_version: Option<u64>,
    phase: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorize_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_response: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<FailureReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capture_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tab_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    worker_id: Option<String>,
}

impl StoredFlow {
    /// Reads the stored object; a field of the wrong type is an error naming it.
    // Field by field into one record: a failed read then drops that record, not every field
    // read before it (a struct literal of `?`s drops each earlier field at each `?`, code that
    // grows with the square of the fields).
    #[allow(clippy::field_reassign_with_default)]
    pub(super) fn read(value: Value) -> Result<StoredFlow, String> {
        let mut input = Input::new(value)?;
        let mut stored = StoredFlow::default();
        stored.reason = match input.opt_string("reason")? {
            None => None,
            Some(name) => Some(
                FailureReason::parse(&name)
                    .ok_or_else(|| "the field reason is not a known failure reason".to_owned())?,
            ),
        };
        stored.schema_version = input
            .opt_int("schemaVersion", 0, i64::MAX)?
            .and_then(|v| u64::try_from(v).ok());
        stored.phase = input.string("phase")?;
        stored.state = input.opt_string("state")?;
        stored.authorize_url = input.opt_string("authorizeUrl")?;
        stored.started_at = input.opt_int("startedAt", i64::MIN, i64::MAX)?;
        stored.deadline = input.opt_int("deadline", i64::MIN, i64::MAX)?;
        stored.open_id = input.opt_string("openId")?;
        stored.error = input.opt_string("error")?;
        stored.error_response = input.opt_string("errorResponse")?;
        stored.failure_info = input.opt_string("failureInfo")?;
        stored.failure_detail = input.opt_string("failureDetail")?;
        stored.completed_at = input.opt_int("completedAt", i64::MIN, i64::MAX)?;
        stored.capture_mode = input.opt_string("captureMode")?;
        stored.tab_id = input.opt_int("tabId", i64::MIN, i64::MAX)?;
        stored.worker_id = input.opt_string("workerId")?;
        Ok(stored)
    }

    pub(super) fn from_flow(flow: &AuthFlow) -> StoredFlow {
        let mut stored = StoredFlow {
            schema_version: Some(u64::from(flow.schema_version)),
            ..StoredFlow::default()
        };
        let phase = match &flow.phase {
            FlowPhase::Idle => "idle",
            FlowPhase::WaitingForRedirect {
                state,
                authorize_url,
                started_at,
                deadline,
            } => {
                stored.state = Some(state.clone());
                stored.authorize_url = Some(authorize_url.clone());
                stored.started_at = Some(*started_at);
                stored.deadline = Some(*deadline);
                "waitingForRedirect"
            }
            FlowPhase::WaitingForToken {
                state,
                started_at,
                deadline,
            } => {
                stored.state = Some(state.clone());
                stored.started_at = Some(*started_at);
                stored.deadline = Some(*deadline);
                "waitingForToken"
            }
            FlowPhase::Succeeded {
                open_id,
                completed_at,
            } => {
                stored.open_id = Some(open_id.clone());
                stored.completed_at = Some(*completed_at);
                "succeeded"
            }
            FlowPhase::Denied {
                error,
                error_response,
                completed_at,
            } => {
                stored.error = Some(error.clone());
                stored.error_response = Some(error_response.clone());
                stored.completed_at = Some(*completed_at);
                "denied"
            }
            FlowPhase::Failed {
                reason,
                failure_info,
                detail,
                completed_at,
            } => {
                stored.reason = Some(*reason);
                stored.failure_info = Some(failure_info.clone());
                stored.failure_detail = Some(detail.clone());
                stored.completed_at = Some(*completed_at);
                "failed"
            }
        };
        stored.phase = phase.to_owned();
        if flow.is_pending() {
            stored.capture_mode = Some(flow.runner.capture_mode.as_str().to_owned());
            stored.tab_id = flow.runner.tab_id;
            stored.worker_id = flow.runner.worker_id.clone();
        }
        stored
    }

    // Fields are taken out of `self` rather than moved: a failure then drops `self` in one call,
    // not each field still in it (code that grows with the square of the fields).
    pub(super) fn into_flow(mut self) -> Result<AuthFlow, Error> {
        fn missing(field: &str) -> Error {
            Error::Storage(format!(
                "the stored authorization flow cannot be read: `{field}` is missing"
            ))
        }
        let version = self.schema_version;
        if version != Some(u64::from(FLOW_SCHEMA_VERSION)) {
            return Err(Error::Storage(format!(
                "the stored authorization flow has schema version {}; this version reads {FLOW_SCHEMA_VERSION}",
                version.map_or_else(|| "none".to_owned(), |v| v.to_string())
            )));
        }
        let completed_at = self.completed_at.unwrap_or_default();
        let phase = match self.phase.as_str() {
            "idle" => FlowPhase::Idle,
            "waitingForRedirect" => FlowPhase::WaitingForRedirect {
                state: self.state.take().ok_or_else(|| missing("state"))?,
                authorize_url: self.authorize_url.take().unwrap_or_default(),
                started_at: self.started_at.ok_or_else(|| missing("startedAt"))?,
                deadline: self.deadline.ok_or_else(|| missing("deadline"))?,
            },
            "waitingForToken" => FlowPhase::WaitingForToken {
                state: self.state.take().ok_or_else(|| missing("state"))?,
                started_at: self.started_at.ok_or_else(|| missing("startedAt"))?,
                deadline: self.deadline.ok_or_else(|| missing("deadline"))?,
            },
            "succeeded" => FlowPhase::Succeeded {
                open_id: self.open_id.take().ok_or_else(|| missing("openId"))?,
                completed_at,
            },
            "denied" => FlowPhase::Denied {
                error: self.error.take().unwrap_or_default(),
                error_response: self.error_response.take().unwrap_or_default(),
                completed_at,
            },
            "failed" => {
                let reason = self.reason.ok_or_else(|| missing("reason"))?;
                let failure_info = self.failure_info.take().unwrap_or_default();
                // Records written before `failureDetail` existed: the detail is what follows
                // the label in the failure info.
                let detail = self.failure_detail.take().unwrap_or_else(|| {
                    failure_info
                        .strip_prefix(reason.label())
                        .map(|mut rest| {
                            while let Some(after) = rest.strip_prefix(": ") {
                                rest = after;
                            }
                            rest
                        })
                        .unwrap_or(&failure_info)
                        .to_owned()
                });
                FlowPhase::Failed {
                    reason,
                    failure_info,
                    detail,
                    completed_at,
                }
            }
            _ => {
                return Err(Error::Storage(
                    "the stored authorization flow is in an unknown phase".to_owned(),
                ))
            }
        };
        Ok(AuthFlow {
            schema_version: FLOW_SCHEMA_VERSION,
            phase,
            runner: FlowRunner {
                capture_mode: CaptureMode::from_setting(self.capture_mode.as_deref()),
                tab_id: self.tab_id,
                worker_id: self.worker_id.take(),
            },
        })
    }
}

//! The flow as stored in `tts:flow`.

use super::{AuthFlow, CaptureMode, FlowPhase, FlowRunner, FLOW_SCHEMA_VERSION};
use crate::config::Input;
use crate::error::FailureReason;
use crate::json::{Map, Value};
use crate::Error;

/// The flow as stored: one flat JSON object, `phase` naming the state and the fields of every
/// state optional. Plain on purpose: it reads what earlier versions wrote (the same object
/// without the runner's fields) and costs a fraction of a tagged, flattened enum in the wasm.
/// Read by hand over the JSON value (a derived reader carries a parser of its own), and written
/// by [`StoredFlow::write`].
#[derive(Default)]
pub(super) struct StoredFlow {
    schema_version: Option<u64>,
    phase: String,
    state: Option<String>,
    authorize_url: Option<String>,
    started_at: Option<i64>,
    deadline: Option<i64>,
    open_id: Option<String>,
    error: Option<String>,
    error_response: Option<String>,
    reason: Option<FailureReason>,
    failure_info: Option<String>,
    failure_detail: Option<String>,
    completed_at: Option<i64>,
    capture_mode: Option<String>,
    tab_id: Option<i64>,
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

    /// The flow as its stored object: `phase` naming the state, the fields of that state and,
    /// while pending, the runner's. Built entry by entry into the object (a derived serializer
    /// wrote text that was then parsed back into the object).
    pub(super) fn write(flow: &AuthFlow) -> Map {
        let mut record = Map::new();
        record.put("schemaVersion", Value::from(i64::from(flow.schema_version)));
        let phase = match &flow.phase {
            FlowPhase::Idle => "idle",
            FlowPhase::WaitingForRedirect {
                state,
                authorize_url,
                started_at,
                deadline,
            } => {
                record.put_str("state", state);
                record.put_str("authorizeUrl", authorize_url);
                record.put("startedAt", Value::from(*started_at));
                record.put("deadline", Value::from(*deadline));
                "waitingForRedirect"
            }
            FlowPhase::WaitingForToken {
                state,
                started_at,
                deadline,
            } => {
                record.put_str("state", state);
                record.put("startedAt", Value::from(*started_at));
                record.put("deadline", Value::from(*deadline));
                "waitingForToken"
            }
            FlowPhase::Succeeded {
                open_id,
                completed_at,
            } => {
                record.put_str("openId", open_id);
                record.put("completedAt", Value::from(*completed_at));
                "succeeded"
            }
            FlowPhase::Denied {
                error,
                error_response,
                completed_at,
            } => {
                record.put_str("error", error);
                record.put_str("errorResponse", error_response);
                record.put("completedAt", Value::from(*completed_at));
                "denied"
            }
            FlowPhase::Failed {
                reason,
                failure_info,
                detail,
                completed_at,
            } => {
                record.put_str("reason", reason.code());
                record.put_str("failureInfo", failure_info);
                record.put_str("failureDetail", detail);
                record.put("completedAt", Value::from(*completed_at));
                "failed"
            }
        };
        record.put_str("phase", phase);
        if flow.is_pending() {
            let runner = &flow.runner;
            record.put_str("captureMode", runner.capture_mode.as_str());
            if let Some(tab_id) = runner.tab_id {
                record.put("tabId", Value::from(tab_id));
            }
            if let Some(worker_id) = &runner.worker_id {
                record.put_str("workerId", worker_id);
            }
        }
        record
    }

    // Fields are taken out of `self` rather than moved, and a missing one is noted rather than
    // returned at once: a failure then drops `self` and the phase in one call each, not each
    // field taken or still in it (code that grows with the square of the fields).
    pub(super) fn into_flow(mut self) -> Result<AuthFlow, Error> {
        let version = self.schema_version;
        if version != Some(u64::from(FLOW_SCHEMA_VERSION)) {
            return Err(Error::Storage(format!(
                "the stored authorization flow has schema version {}; this version reads {FLOW_SCHEMA_VERSION}",
                version.map_or_else(|| "none".to_owned(), |v| v.to_string())
            )));
        }
        // The first field the phase needs that is missing.
        let mut missing = None;
        let completed_at = self.completed_at.unwrap_or_default();
        let phase = match self.phase.as_str() {
            "idle" => FlowPhase::Idle,
            "waitingForRedirect" => FlowPhase::WaitingForRedirect {
                state: required(self.state.take(), "state", &mut missing),
                authorize_url: self.authorize_url.take().unwrap_or_default(),
                started_at: required(self.started_at, "startedAt", &mut missing),
                deadline: required(self.deadline, "deadline", &mut missing),
            },
            "waitingForToken" => FlowPhase::WaitingForToken {
                state: required(self.state.take(), "state", &mut missing),
                started_at: required(self.started_at, "startedAt", &mut missing),
                deadline: required(self.deadline, "deadline", &mut missing),
            },
            "succeeded" => FlowPhase::Succeeded {
                open_id: required(self.open_id.take(), "openId", &mut missing),
                completed_at,
            },
            "denied" => FlowPhase::Denied {
                error: self.error.take().unwrap_or_default(),
                error_response: self.error_response.take().unwrap_or_default(),
                completed_at,
            },
            "failed" => {
                let Some(reason) = self.reason else {
                    return Err(missing_field("reason"));
                };
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
        if let Some(field) = missing {
            return Err(missing_field(field));
        }
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

/// The error for a stored flow without `field`, which its phase needs.
fn missing_field(field: &str) -> Error {
    Error::Storage(format!(
        "the stored authorization flow cannot be read: `{field}` is missing"
    ))
}

/// `value` of the field `name`, which the phase needs; when it is missing, a default and the
/// field noted in `missing` (unless an earlier one is already).
fn required<T: Default>(
    value: Option<T>,
    name: &'static str,
    missing: &mut Option<&'static str>,
) -> T {
    if value.is_none() && missing.is_none() {
        *missing = Some(name);
    }
    value.unwrap_or_default()
}

//! What pages show of a flow.

use crate::error::FailureReason;
use serde::Serialize;

/// Where an authorization flow stands, for people and pages: the state and every fact a page
/// shows about it, so no page derives them again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", rename = "FlowState")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FlowStateView {
    /// Chilkat's number, 0–5 (a pending flow past its deadline reads as 5).
    #[cfg_attr(test, ts(type = "0 | 1 | 2 | 3 | 4 | 5"))]
    pub state: u8,
    /// The state in words.
    pub state_name: String,
    /// Whether the flow is under way (state 1 or 2): Connect waits, Cancel applies.
    pub pending: bool,
    /// Why it failed (state 5), Chilkat's `FailureInfo`: the reason's label, then the detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub failure_info: Option<String>,
    /// Why it failed, as a reason code (state 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub failure_reason: Option<FailureReason>,
    /// Why it failed, in words for a person (state 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub failure_label: Option<String>,
    /// What the failure adds to its reason, if anything (state 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub failure_detail: Option<String>,
    /// The denial's response (state 4): `error=<TikTok's code>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub error_response: Option<String>,
    /// TikTok's denial code from the known list, or `unknown` (state 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub denial_code: Option<String>,
    /// The deadline of a pending flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    #[cfg_attr(test, ts(type = "number"))]
    pub deadline: Option<i64>,
    /// When a pending flow began.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    #[cfg_attr(test, ts(type = "number"))]
    pub started_at: Option<i64>,
    /// The connected seller (state 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub open_id: Option<String>,
    /// How a pending flow's redirect is captured (`identity`, `tab`, `paste`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    #[cfg_attr(test, ts(type = "CaptureMode"))]
    pub capture_mode: Option<String>,
    /// The tab a pending flow opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    #[cfg_attr(test, ts(type = "number"))]
    pub tab_id: Option<i64>,
}

/// The words for Chilkat's numbers.
pub fn flow_state_name(state: u8) -> &'static str {
    match state {
        0 => "idle",
        1 => "waiting for redirect",
        2 => "waiting for token response",
        3 => "completed with success",
        4 => "access denied",
        _ => "failed",
    }
}

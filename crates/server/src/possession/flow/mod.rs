//! The flow state machine: what a flow is ([`FlowKind`]), where it stands
//! ([`FlowState`]), how possession is being proven ([`Channel`],
//! [`PossessionState`]), which calls may come next ([`next_of`]), and the one
//! pattern every step follows ([`step`]).
//!
//! A step loads the flow (8008 when the correlation id is unknown, of another
//! project or flow, expired or finished), checks the step against the flow's
//! `next` (8003), decides, and writes the new state with a conditional update.
//! A request that loses a race re-reads the flow and is judged again, so of
//! concurrent identical calls exactly one wins.
//!
//! Flow data at rest ([`FlowData`], the `flows.data` column) keeps only what a
//! later step needs: a date of birth or SSN is compared with the test user's
//! when it arrives and only whether it matched is kept, never the value. The
//! whole record is sealed with the server key, bound to the correlation id
//! ([`FlowData::seal`]); the `individual` a challenge returned and the phone
//! number are cleared when the flow is done, and the retention sweeper deletes
//! the row after its expiry.
//!
//! Here: the kinds, states and next calls. `data.rs`: the sealed flow data.
//! `step.rs`: admitting a new flow, and the load-check-decide-write pattern of
//! every step.

mod data;
mod step;

pub(crate) use data::FlowData;
pub(crate) use step::{Outcome, admit, create_flow, open_flow, step};

use crate::possession::path_of;
use crate::possession::test_users::{Possession, TestUser};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowKind {
    /// Pre-Fill: start, validate, challenge, complete.
    Prefill,
    /// Prove Identity: start, validate, complete.
    Identity,
    /// Unify: start, status polls, bind.
    Unify,
}

impl FlowKind {
    /// The name stored in the flow row.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FlowKind::Prefill => "prefill",
            FlowKind::Identity => "identity",
            FlowKind::Unify => "unify",
        }
    }

    pub(crate) fn from_stored(s: &str) -> Option<FlowKind> {
        [FlowKind::Prefill, FlowKind::Identity, FlowKind::Unify]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The kind /v3/start begins for a project of `solution`.
    pub(crate) fn started_by(solution: &str) -> FlowKind {
        if solution == FlowKind::Prefill.as_str() {
            FlowKind::Prefill
        } else {
            FlowKind::Identity
        }
    }
}

/// Where a flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowState {
    /// Pre-Fill and Prove Identity, after /v3/start.
    Started,
    /// After a successful /v3/validate.
    Validated,
    /// Pre-Fill, after a successful /v3/challenge.
    Challenged,
    /// Unify, until the status poll or the bind decides it.
    Pending,
    /// Finished: no step is allowed.
    Done,
}

impl FlowState {
    /// The name stored in the flow row.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FlowState::Started => "started",
            FlowState::Validated => "validated",
            FlowState::Challenged => "challenged",
            FlowState::Pending => "pending",
            FlowState::Done => "done",
        }
    }

    pub(crate) fn from_stored(s: &str) -> Option<FlowState> {
        [
            FlowState::Started,
            FlowState::Validated,
            FlowState::Challenged,
            FlowState::Pending,
            FlowState::Done,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// How the user proves possession of the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Channel {
    /// Instant Link by SMS.
    Desktop,
    /// SMS OTP (or Mobile Auth).
    Mobile,
    /// Unify with `possessionType: none`: the customer proves possession itself.
    None,
}

/// The wire names of [`Channel`], for `flowType` and `possessionType`.
pub(crate) const FLOW_TYPES: &[(&str, Channel)] =
    &[("desktop", Channel::Desktop), ("mobile", Channel::Mobile)];
/// The wire names of [`Channel`] for Unify's `possessionType`.
pub(crate) const POSSESSION_TYPES: &[(&str, Channel)] = &[
    ("desktop", Channel::Desktop),
    ("mobile", Channel::Mobile),
    ("none", Channel::None),
];

/// Where the possession check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PossessionState {
    /// Waiting for the user (OTP or Instant Link).
    Pending,
    /// Proven.
    Passed,
    /// Failed (wrong codes, too late).
    Failed,
    /// Unify with `possessionType: none`: the customer must prove it and bind.
    Required,
}

impl PossessionState {
    /// Where a flow of `user` on `channel` starts.
    pub(crate) fn initial(user: &TestUser, channel: Channel) -> PossessionState {
        match (user.possession, channel) {
            (_, Channel::None) => PossessionState::Required,
            (Possession::Always, _) => PossessionState::Passed,
            (Possession::MobileAuth, Channel::Mobile) => PossessionState::Passed,
            _ => PossessionState::Pending,
        }
    }
}

/// A call a flow may allow next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Validate,
    Challenge,
    Complete,
    UnifyStatus,
    UnifyBind,
    /// No call: the flow is over.
    Done,
}

impl Step {
    /// The operation id in the table.
    fn operation(self) -> Option<&'static str> {
        match self {
            Step::Validate => Some("prefillValidate"),
            Step::Challenge => Some("prefillChallenge"),
            Step::Complete => Some("prefillComplete"),
            Step::UnifyStatus => Some("unifyStatus"),
            Step::UnifyBind => Some("unifyBind"),
            Step::Done => None,
        }
    }

    /// The step's key and path in a `next` map: `v3-validate` → `/v3/validate`,
    /// both from the operation's path in the table; `done` → `done`.
    fn entry(self) -> (String, String) {
        match self.operation() {
            Some(id) => {
                let path = path_of(id);
                (path.trim_start_matches('/').replace('/', "-"), path.into())
            }
            None => ("done".into(), "done".into()),
        }
    }
}

/// The calls a flow of `kind` in `state` allows next.
pub(crate) fn next_of(kind: FlowKind, state: FlowState, possession: PossessionState) -> Vec<Step> {
    use FlowKind::{Identity, Prefill, Unify};
    match (kind, state) {
        (Prefill | Identity, FlowState::Started) => vec![Step::Validate],
        (Prefill, FlowState::Validated) => vec![Step::Challenge],
        (Identity, FlowState::Validated) | (Prefill, FlowState::Challenged) => {
            vec![Step::Complete]
        }
        (Unify, FlowState::Pending) if possession == PossessionState::Required => {
            vec![Step::UnifyStatus, Step::UnifyBind]
        }
        (Unify, FlowState::Pending) => vec![Step::UnifyStatus],
        _ => vec![Step::Done],
    }
}

/// The `next` map of a response (and of 8003): step key to path.
pub(crate) fn next_map(steps: &[Step]) -> BTreeMap<String, String> {
    steps.iter().map(|s| s.entry()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_maps_name_the_table_paths() {
        let m = next_map(&next_of(
            FlowKind::Unify,
            FlowState::Pending,
            PossessionState::Required,
        ));
        assert_eq!(m["v3-unify-status"], "/v3/unify-status");
        assert_eq!(m["v3-unify-bind"], "/v3/unify-bind");
        let m = next_map(&next_of(
            FlowKind::Prefill,
            FlowState::Done,
            PossessionState::Passed,
        ));
        assert_eq!(m["done"], "done");
        for s in ["started", "validated", "challenged", "pending", "done"] {
            assert_eq!(FlowState::from_stored(s).map(FlowState::as_str), Some(s));
        }
    }
}

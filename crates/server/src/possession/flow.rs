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

use crate::app::AppState;
use crate::domain::secrets;
use crate::domain::{CorrelationId, Phone, SealKey};
use crate::domain::{Region, Tier};
use crate::guard::auth::Principal;
use crate::guard::idempotency::KeyExpiry;
use crate::http::ok;
use crate::possession::store::{FlowRecord, SideEffect};
use crate::possession::test_users::{self, Possession, TestUser};
use crate::possession::{Fail, path_of};
use axum::response::Response;
use idv_core::PossessionError;
use idv_core::limits::CORRELATION_ID_LIFETIME_SECONDS;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
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

/// What a flow remembers between steps: JSON sealed with the server key in the
/// flow row (see the module docs). No SSN or date of birth: only whether each,
/// when given, matched.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowData {
    /// E.164 (empty once the flow is done).
    pub phone: String,
    pub channel: Channel,
    #[serde(default)]
    pub final_target_url: Option<String>,
    /// Whether the date of birth given (at /v3/start or /v3/challenge, the later
    /// winning) matched the test user's; `None` when none was given.
    #[serde(default)]
    pub dob_matched: Option<bool>,
    /// Whether the SSN given matched the test user's; `None` when none was given.
    #[serde(default)]
    pub ssn_matched: Option<bool>,
    #[serde(default)]
    pub allow_otp_retry: bool,
    pub possession: PossessionState,
    #[serde(default)]
    pub otp_attempts: u64,
    /// When the SMS (OTP or Instant Link) went out, Unix seconds.
    #[serde(default)]
    pub possession_sent_at: i64,
    #[serde(default)]
    pub client_request_id: Option<String>,
    #[serde(default)]
    pub client_human_id: Option<String>,
    /// The Prove Key the Unify request authenticated with.
    #[serde(default)]
    pub device_id: Option<String>,
    /// The identity that key belongs to.
    #[serde(default)]
    pub prove_id: Option<String>,
    /// What the challenge step returned (without the SSN), for complete's
    /// `changeDetected`; cleared when the flow is done.
    #[serde(default)]
    pub individual: Option<Value>,
}

/// The associated data that binds a flow's sealed data to its row.
fn flow_context(correlation_id: &str) -> String {
    format!("flow:{correlation_id}")
}

impl FlowData {
    /// A new flow's data: possession just sent (or not needed) at `now`.
    pub(crate) fn new(
        phone: String,
        channel: Channel,
        possession: PossessionState,
        now: i64,
    ) -> FlowData {
        FlowData {
            phone,
            channel,
            final_target_url: None,
            dob_matched: None,
            ssn_matched: None,
            allow_otp_retry: false,
            possession,
            otp_attempts: 0,
            possession_sent_at: now,
            client_request_id: None,
            client_human_id: None,
            device_id: None,
            prove_id: None,
            individual: None,
        }
    }

    /// The stored form: the JSON sealed with `key`, bound to `correlation_id`.
    pub(crate) fn seal(&self, key: &SealKey, correlation_id: &str) -> Result<String, Fail> {
        let json = serde_json::to_vec(self)?;
        Ok(key.seal(&json, &flow_context(correlation_id)))
    }

    /// Reads the stored form back. A row written before flow data was sealed
    /// is plain JSON and read as it is; sealed data that does not open (another
    /// server key) is an internal error that names the flow.
    pub(crate) fn open(key: &SealKey, record: &FlowRecord) -> Result<FlowData, Fail> {
        if !SealKey::is_sealed(&record.data) {
            return Ok(serde_json::from_str(&record.data)?);
        }
        let json = key
            .open(&record.data, &flow_context(&record.correlation_id))
            .ok_or_else(|| {
                Fail::Internal(format!(
                    "the data of flow {} does not open with this server key \
                     (instances sharing a database must share the key)",
                    record.correlation_id
                ))
            })?;
        Ok(serde_json::from_slice(&json)?)
    }

    /// What is kept of a finished flow: nothing personal (no step reads a done
    /// flow; the row stays until the sweeper deletes it).
    pub(crate) fn ended(mut self) -> FlowData {
        self.phone.clear();
        self.individual = None;
        self.final_target_url = None;
        self.client_request_id = None;
        self.client_human_id = None;
        self
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

/// A step's decision. For Pre-Fill and Prove Identity, [`step`] adds `next` to
/// `body` from the new state.
pub(crate) struct Outcome {
    pub state: FlowState,
    pub data: FlowData,
    pub effects: Vec<SideEffect>,
    pub body: Value,
    /// False when nothing changes (a status poll).
    pub write: bool,
}

impl Outcome {
    /// A change to `state` that answers `body`.
    pub(crate) fn to(state: FlowState, data: FlowData, body: Value) -> Outcome {
        Outcome {
            state,
            data,
            effects: vec![],
            body,
            write: true,
        }
    }
}

fn region_name(r: Region) -> &'static str {
    match r {
        Region::Us => "US",
        Region::Eu => "EU",
    }
}

/// The region, country, tier and test-user checks of /v3/start and /v3/unify.
pub(crate) fn admit(
    st: &AppState,
    who: &Principal,
    phone: &Phone,
) -> Result<&'static TestUser, Fail> {
    if phone.region != st.region {
        return Err(PossessionError::UnauthorizedForCountry {
            reason: format!(
                "the number's region is {} but this is the {} endpoint",
                region_name(phone.region),
                region_name(st.region)
            ),
        }
        .into());
    }
    let countries = &who.project.countries;
    if !countries.iter().any(|c| c == "*" || c == phone.country) {
        return Err(PossessionError::UnauthorizedForCountry {
            reason: format!("the project is not authorized for {}", phone.country),
        }
        .into());
    }
    if st.tier == Tier::Production {
        return Err(Fail::Internal(
            "no production possession provider is configured: this build ships the sandbox tier only"
                .into(),
        ));
    }
    let user = test_users::find(&phone.e164).ok_or(PossessionError::SandboxUserNotFound)?;
    if !user.solutions.contains(&who.project.solution) {
        return Err(PossessionError::SandboxUserAccessDenied.into());
    }
    Ok(user)
}

/// A flow row read back, with its kind and state parsed.
pub(crate) struct OpenFlow {
    pub record: FlowRecord,
    pub kind: FlowKind,
    pub state: FlowState,
}

/// Loads the caller's open flow of one of `kinds`, or 8008.
pub(crate) async fn open_flow(
    st: &AppState,
    who: &Principal,
    correlation_id: &CorrelationId,
    kinds: &[FlowKind],
) -> Result<OpenFlow, Fail> {
    let found = st.store.get_flow(correlation_id.as_str()).await?;
    judge_flow(st, who, found, kinds)
}

/// The caller's open flow of one of `kinds` in `found`, or 8008.
fn judge_flow(
    st: &AppState,
    who: &Principal,
    found: Option<FlowRecord>,
    kinds: &[FlowKind],
) -> Result<OpenFlow, Fail> {
    let found = found.filter(|f| f.project_id == who.project.id && f.expires_at > st.clock.now());
    let Some(record) = found else {
        return Err(PossessionError::InvalidCorrelationId.into());
    };
    let Some(kind) = FlowKind::from_stored(&record.kind).filter(|k| kinds.contains(k)) else {
        return Err(PossessionError::InvalidCorrelationId.into());
    };
    let state = FlowState::from_stored(&record.state).ok_or_else(|| {
        Fail::Internal(format!(
            "flow {} has an unknown state {:?}",
            record.correlation_id, record.state
        ))
    })?;
    if state == FlowState::Done {
        return Err(PossessionError::InvalidCorrelationId.into());
    }
    Ok(OpenFlow {
        record,
        kind,
        state,
    })
}

/// Runs one step of a flow; see the module docs.
pub(crate) async fn step<F>(
    st: &AppState,
    who: &Principal,
    correlation_id: &CorrelationId,
    kinds: &[FlowKind],
    this: Step,
    mut decide: F,
) -> Result<Response, Fail>
where
    F: FnMut(&FlowRecord, FlowKind, FlowData) -> Result<Outcome, Fail>,
{
    // The first attempt starts from the flow as this process last wrote it,
    // when the store has that copy (no read). The copy may be stale (another
    // instance changed the flow), so from it only a change the store accepts
    // answers: the version condition refuses a stale one. A refusal, any error
    // and an answer that writes nothing are decided again on the stored row.
    let mut copy = st.store.flow_as_written(correlation_id.as_str());
    for _ in 0..8 {
        let from_copy = copy.is_some();
        let found = match copy.take() {
            Some(f) => Some(f),
            None => st.store.get_flow(correlation_id.as_str()).await?,
        };
        let attempt = attempt_step(st, who, found, kinds, this, &mut decide, from_copy).await;
        match attempt {
            Ok(Some(resp)) => return Ok(resp),
            // The flow changed under this step: read it again.
            Ok(None) => {}
            Err(_) if from_copy => {}
            Err(e) => return Err(e),
        }
    }
    Err(Fail::Internal(
        "the flow kept changing under concurrent requests".into(),
    ))
}

/// One attempt of [`step`] on `found`: the answer, or `None` when the flow
/// changed under it (or, `from_copy`, when it would answer without a change).
async fn attempt_step<F>(
    st: &AppState,
    who: &Principal,
    found: Option<FlowRecord>,
    kinds: &[FlowKind],
    this: Step,
    decide: &mut F,
    from_copy: bool,
) -> Result<Option<Response>, Fail>
where
    F: FnMut(&FlowRecord, FlowKind, FlowData) -> Result<Outcome, Fail>,
{
    let flow = judge_flow(st, who, found, kinds)?;
    let data = FlowData::open(&st.key, &flow.record)?;
    let next = next_of(flow.kind, flow.state, data.possession);
    if !next.contains(&this) {
        return Err(PossessionError::StepCalledOutOfOrder {
            next: next_map(&next),
        }
        .into());
    }
    let out = decide(&flow.record, flow.kind, data)?;
    if !out.write && from_copy {
        return Ok(None);
    }
    let written = !out.write || {
        let cid = &flow.record.correlation_id;
        let stored = if out.state == FlowState::Done {
            out.data.clone().ended().seal(&st.key, cid)?
        } else {
            out.data.seal(&st.key, cid)?
        };
        st.store
            .update_flow(
                cid,
                flow.record.version,
                out.state.as_str(),
                &stored,
                &out.effects,
            )
            .await?
    };
    if written {
        let mut body = out.body;
        // Pre-Fill and Prove Identity answers name the calls allowed next; the
        // state machine (`next_of`) is their only source. Unify answers carry none.
        if flow.kind != FlowKind::Unify
            && let Value::Object(m) = &mut body
        {
            let next = next_of(flow.kind, out.state, out.data.possession);
            m.insert("next".into(), json!(next_map(&next)));
        }
        let mut resp = ok(body);
        resp.extensions_mut()
            .insert(KeyExpiry(flow.record.expires_at));
        return Ok(Some(resp));
    }
    Ok(None)
}

/// Stores a new flow of `kind` in `state`; returns it with its client auth token.
pub(crate) async fn create_flow(
    st: &AppState,
    who: &Principal,
    kind: FlowKind,
    state: FlowState,
    data: &FlowData,
) -> Result<(FlowRecord, String), Fail> {
    let now = st.clock.now();
    let auth_token = secrets::random_hex(32);
    let correlation_id = CorrelationId::new_random().to_string();
    let flow = FlowRecord {
        data: data.seal(&st.key, &correlation_id)?,
        correlation_id,
        project_id: who.project.id.clone(),
        kind: kind.as_str().to_string(),
        state: state.as_str().to_string(),
        version: 0,
        auth_token_hash: secrets::hash(&auth_token),
        created_at: now,
        expires_at: now + CORRELATION_ID_LIFETIME_SECONDS as i64,
    };
    st.store.insert_flow(&flow).await?;
    Ok((flow, auth_token))
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

//! Admitting a new flow (region, country, tier, test user), creating its row, and
//! the one pattern every step follows: load (first from this instance's copy of
//! the flow, `store/written.rs`), check `next`, decide, write with a conditional
//! update, and judge again on the stored row on a lost race.

use super::{FlowData, FlowKind, FlowState, Step, next_map, next_of};
use crate::app::AppState;
use crate::domain::secrets;
use crate::domain::{CorrelationId, Phone};
use crate::domain::{Region, Tier};
use crate::guard::auth::Principal;
use crate::guard::idempotency::{AnswerStored, HeldKey, KeyExpiry};
use crate::http::json_bytes;
use crate::possession::Fail;
use crate::possession::store::{FlowRecord, SideEffect, StoredAnswer};
use crate::possession::test_users::{self, TestUser};
use axum::http::StatusCode;
use axum::response::Response;
use idv_core::PossessionError;
use idv_core::limits::CORRELATION_ID_LIFETIME_SECONDS;
use serde_json::{Value, json};

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
    // answers: the version condition refuses a stale one, and with it the
    // answer stored in the same transaction. A refusal, any error and an answer
    // that writes nothing are decided again on the stored row.
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
    let mut out = decide(&flow.record, flow.kind, data)?;
    if !out.write && from_copy {
        return Ok(None);
    }
    let mut body = std::mem::take(&mut out.body);
    // Pre-Fill and Prove Identity answers name the calls allowed next; the
    // state machine (`next_of`) is their only source. Unify answers carry none.
    if flow.kind != FlowKind::Unify
        && let Value::Object(m) = &mut body
    {
        let next = next_of(flow.kind, out.state, out.data.possession);
        m.insert("next".into(), json!(next_map(&next)));
    }
    let answer = answer_bytes(body);
    // A change stores its answer for the request's Idempotency-Key with it.
    let held = HeldKey::current().filter(|_| out.write);
    let written = !out.write || {
        let cid = &flow.record.correlation_id;
        let stored = if out.state == FlowState::Done {
            out.data.clone().ended().seal(&st.key, cid)?
        } else {
            out.data.seal(&st.key, cid)?
        };
        if let Some(h) = &held {
            out.effects
                .push(stored_answer(h, &answer, flow.record.expires_at));
        }
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
        return Ok(Some(answered(
            answer,
            flow.record.expires_at,
            held.is_some(),
        )));
    }
    Ok(None)
}

/// The 200 answer `body` as sent (omit-empty applied).
fn answer_bytes(mut body: Value) -> String {
    idv_core::json::omit_empty(&mut body);
    body.to_string()
}

/// The side effect that stores the 200 `answer` for the key `h`.
fn stored_answer(h: &HeldKey, answer: &str, expires_at: i64) -> SideEffect {
    let (r, claim) = h.answer(200, answer.as_bytes(), expires_at);
    SideEffect::Answer(StoredAnswer {
        project_id: r.project_id,
        key: r.key,
        status: r.status,
        body: r.body,
        expires_at: r.expires_at,
        claim,
    })
}

/// The 200 response of `answer`, whose Idempotency-Key (if any) expires with the
/// flow at `expires_at`; `stored` when the answer was written with the change.
fn answered(answer: String, expires_at: i64, stored: bool) -> Response {
    let mut resp = json_bytes(StatusCode::OK, answer);
    resp.extensions_mut().insert(KeyExpiry(expires_at));
    if stored {
        resp.extensions_mut().insert(AnswerStored);
    }
    resp
}

/// Stores a new flow of `kind` in `state` and answers 200 with `respond(flow,
/// auth token)`, the answer stored with the flow for the request's
/// Idempotency-Key, if it has one.
pub(crate) async fn create_flow(
    st: &AppState,
    who: &Principal,
    kind: FlowKind,
    state: FlowState,
    data: &FlowData,
    respond: impl FnOnce(&FlowRecord, &str) -> Value,
) -> Result<Response, Fail> {
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
    let answer = answer_bytes(respond(&flow, &auth_token));
    let held = HeldKey::current();
    let mut effects = Vec::new();
    if let Some(h) = &held {
        effects.push(stored_answer(h, &answer, flow.expires_at));
    }
    st.store.insert_flow_with(&flow, &effects).await?;
    Ok(answered(answer, flow.expires_at, held.is_some()))
}

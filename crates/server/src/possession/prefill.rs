//! Pre-Fill and Prove Identity: `/v3/start`, `/v3/validate`, `/v3/challenge`
//! (Pre-Fill only) and `/v3/complete`. Each handler takes its parsed request;
//! the flow rules live in [`super::flow`].
//!
//! A date of birth or SSN is compared with the test user's where it arrives
//! (start or challenge) and dropped: the flow keeps whether it matched. The
//! identity complete creates keeps no SSN, and its record is sealed with the
//! server key.

use crate::app::AppState;
use crate::domain::{CorrelationId, Dob, Phone, Ssn};
use crate::guard::auth::Principal;
use crate::http::{Json, ParseJson};
use crate::possession::device::seal_identity;
use crate::possession::fields::{
    PFields, final_target_url, one_of, opt_dob, opt_ssn, req_correlation_id, req_phone,
};
use crate::possession::flow::{
    self, Channel, FLOW_TYPES, FlowData, FlowKind, FlowState, Outcome, PossessionState, Step,
    next_map, next_of,
};
use crate::possession::store::{IdentityRecord, SideEffect};
use crate::possession::test_users::{self, TestUser};
use crate::possession::{Fail, malformed};
use axum::extract::State;
use axum::response::Response;
use idv_core::PossessionError;
use serde_json::{Map, Value, json};

/// The body of `POST /v3/start`.
pub(crate) struct StartRequest {
    channel: Channel,
    phone: Phone,
    final_target_url: Option<String>,
    dob: Option<Dob>,
    ssn: Option<Ssn>,
    allow_otp_retry: bool,
}

impl ParseJson for StartRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let channel = one_of(&mut f, "flowType", FLOW_TYPES);
        let phone = req_phone(&mut f, "phoneNumber");
        let url = final_target_url(&mut f, channel == Some(Channel::Desktop));
        for name in ["smsMessage", "emailAddress", "ipAddress"] {
            f.opt_str(name);
        }
        let dob = opt_dob(&mut f, "dob");
        let ssn = opt_ssn(&mut f, "ssn");
        let allow_otp_retry = f.opt_bool("allowOTPRetry").unwrap_or(false);
        let (Some(channel), Some(phone)) = (channel, phone) else {
            return Err(f.reject());
        };
        f.finish()?;
        let phone = phone?;
        Ok(StartRequest {
            channel,
            phone,
            final_target_url: url,
            dob,
            ssn,
            allow_otp_retry,
        })
    }
}

/// `POST /v3/start`.
pub(crate) async fn start(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<StartRequest>,
) -> Result<Response, Fail> {
    let user = flow::admit(&st, &who, &req.phone)?;
    let kind = FlowKind::started_by(&who.project.solution);
    let mut data = FlowData::new(
        req.phone.e164,
        req.channel,
        PossessionState::initial(user, req.channel),
        st.clock.now(),
    );
    data.final_target_url = req.final_target_url;
    data.dob_matched = req.dob.as_ref().map(|d| dob_agrees(user, d));
    data.ssn_matched = req.ssn.as_ref().map(|s| ssn_agrees(user, s));
    data.allow_otp_retry = req.allow_otp_retry;
    let next = next_map(&next_of(kind, FlowState::Started, data.possession));
    flow::create_flow(
        &st,
        &who,
        kind,
        FlowState::Started,
        &data,
        |record, auth_token| {
            json!({
                "authToken": auth_token,
                "correlationId": record.correlation_id,
                "next": next,
            })
        },
    )
    .await
}

/// Whether `dob` matches the test user's date of birth (false when it has none).
fn dob_agrees(user: &TestUser, dob: &Dob) -> bool {
    user.dob
        .as_deref()
        .is_some_and(|k| test_users::dob_matches(dob.as_str(), k))
}

/// Whether `ssn` matches the test user's SSN (false when it has none).
fn ssn_agrees(user: &TestUser, ssn: &Ssn) -> bool {
    user.ssn
        .as_deref()
        .is_some_and(|k| test_users::ssn_matches(ssn.as_str(), k))
}

/// A body holding only `correlationId` (`POST /v3/validate`).
pub(crate) struct CorrelationRequest {
    correlation_id: CorrelationId,
}

impl ParseJson for CorrelationRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let Some(correlation_id) = req_correlation_id(&mut f) else {
            return Err(f.reject());
        };
        f.finish()?;
        Ok(CorrelationRequest { correlation_id })
    }
}

const PREFILL_KINDS: &[FlowKind] = &[FlowKind::Prefill, FlowKind::Identity];

/// `POST /v3/validate`.
pub(crate) async fn validate(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<CorrelationRequest>,
) -> Result<Response, Fail> {
    flow::step(
        &st,
        &who,
        &req.correlation_id,
        PREFILL_KINDS,
        Step::Validate,
        |_, kind, data| {
            if data.possession != PossessionState::Passed {
                let body = json!({"success": false, "phoneNumber": data.phone});
                return Ok(Outcome::to(FlowState::Done, data, body));
            }
            let prefill = kind == FlowKind::Prefill;
            let body = json!({
                "success": true,
                "challengeMissing": prefill.then_some(data.dob_matched.is_none() && data.ssn_matched.is_none()),
                "phoneNumber": data.phone,
            });
            Ok(Outcome::to(FlowState::Validated, data, body))
        },
    )
    .await
}

/// The body of `POST /v3/challenge`.
pub(crate) struct ChallengeRequest {
    correlation_id: CorrelationId,
    dob: Option<Dob>,
    ssn: Option<Ssn>,
}

impl ParseJson for ChallengeRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let cid = req_correlation_id(&mut f);
        let dob = opt_dob(&mut f, "dob");
        let ssn = opt_ssn(&mut f, "ssn");
        let Some(correlation_id) = cid else {
            return Err(f.reject());
        };
        f.finish()?;
        Ok(ChallengeRequest {
            correlation_id,
            dob,
            ssn,
        })
    }
}

/// `POST /v3/challenge` (Pre-Fill only).
pub(crate) async fn challenge(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<ChallengeRequest>,
) -> Result<Response, Fail> {
    flow::step(
        &st,
        &who,
        &req.correlation_id,
        PREFILL_KINDS,
        Step::Challenge,
        |_, _, mut data| {
            let user = test_users::find(&data.phone);
            // Fields sent here overwrite those sent to /v3/start; each is compared
            // now and only the result kept.
            if let Some(dob) = &req.dob {
                data.dob_matched = Some(user.is_some_and(|u| dob_agrees(u, dob)));
            }
            if let Some(ssn) = &req.ssn {
                data.ssn_matched = Some(user.is_some_and(|u| ssn_agrees(u, ssn)));
            }
            if data.dob_matched.is_none() && data.ssn_matched.is_none() {
                return Err(malformed(
                    "dob: is required when ssn is not given (here or at /v3/start)",
                ));
            }
            let matched =
                user.filter(|_| data.dob_matched != Some(false) && data.ssn_matched != Some(false));
            match matched {
                Some(u) => {
                    let individual = u.individual();
                    // Complete compares against all of it but the SSN.
                    let mut kept = individual.clone();
                    if let Value::Object(m) = &mut kept {
                        m.remove("ssn");
                    }
                    data.individual = Some(kept);
                    let body = json!({"success": true, "individual": individual});
                    Ok(Outcome::to(FlowState::Challenged, data, body))
                }
                None => Ok(Outcome::to(
                    FlowState::Done,
                    data,
                    json!({"success": false}),
                )),
            }
        },
    )
    .await
}

/// The body of `POST /v3/complete`.
pub(crate) struct CompleteRequest {
    correlation_id: CorrelationId,
    /// The `individual`, checked and reduced to the members processed (the
    /// first address and the first email only).
    individual: Value,
}

impl ParseJson for CompleteRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let cid = req_correlation_id(&mut f);
        let individual = read_individual(&mut f);
        let (Some(correlation_id), Some(individual)) = (cid, individual) else {
            return Err(f.reject());
        };
        f.finish()?;
        Ok(CompleteRequest {
            correlation_id,
            individual,
        })
    }
}

/// The `individual` of a complete request, checked.
fn read_individual(f: &mut PFields<'_>) -> Option<Value> {
    let Some(obj) = f.opt_object("individual") else {
        if !f.has_errors() {
            f.invalid("individual", "is required");
        }
        return None;
    };
    let mut g = PFields::new(obj);
    let first = g.req_str("firstName");
    let last = g.req_str("lastName");
    let dob = opt_dob(&mut g, "dob");
    let ssn = opt_ssn(&mut g, "ssn");
    let emails = g.opt_array("emailAddresses").cloned().unwrap_or_default();
    if !emails.iter().all(Value::is_string) {
        g.invalid("emailAddresses", "must be an array of strings");
    }
    let addresses = g.opt_array("addresses").cloned().unwrap_or_default();
    // Only the first address and the first email are processed (vendor facts 1.5).
    let address = match addresses.first() {
        None => None,
        Some(Value::Object(a)) => {
            let mut h = PFields::new(a);
            let out = json!({
                "address": h.opt_str("address"),
                "extendedAddress": h.opt_str("extendedAddress"),
                "city": h.opt_str("city"),
                "region": h.opt_str("region"),
                "postalCode": h.opt_str("postalCode"),
            });
            g.absorb("addresses[0]", h);
            Some(out)
        }
        Some(_) => {
            g.invalid("addresses[0]", "must be an object");
            None
        }
    };
    let ok = !g.has_errors();
    f.absorb("individual", g);
    ok.then(|| {
        json!({
            "firstName": first,
            "lastName": last,
            "dob": dob.as_ref().map(Dob::as_str),
            "ssn": ssn.as_ref().map(Ssn::as_str),
            "emailAddresses": emails.first().map(|e| vec![e.clone()]),
            "addresses": address.map(|a| vec![a]),
        })
    })
}

fn given(v: Option<&Value>) -> bool {
    v.is_some_and(|v| !v.is_null())
}

fn same_text(a: Option<&Value>, b: Option<&Value>) -> bool {
    let norm = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(|s| s.trim().to_ascii_lowercase())
            .unwrap_or_default()
    };
    norm(a) == norm(b)
}

/// `POST /v3/complete`.
pub(crate) async fn complete(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<CompleteRequest>,
) -> Result<Response, Fail> {
    let now = st.clock.now();
    let individual = req.individual;
    flow::step(
        &st,
        &who,
        &req.correlation_id,
        PREFILL_KINDS,
        Step::Complete,
        |record, _, data| {
            let user = test_users::find(&data.phone);
            let success = user.is_some_and(|u| {
                same_text(individual.get("firstName"), Some(&json!(u.first_name)))
                    && same_text(individual.get("lastName"), Some(&json!(u.last_name)))
            });
            // changeDetected: the caller submitted other data than the challenge returned.
            let change_detected = data.individual.as_ref().map(|known| {
                ["firstName", "lastName", "dob"].iter().any(|k| {
                    given(individual.get(*k)) && !same_text(individual.get(*k), known.get(*k))
                }) || individual
                    .pointer("/addresses/0")
                    .zip(known.pointer("/addresses/0"))
                    .is_some_and(|(a, b)| {
                        ["address", "city", "region", "postalCode"]
                            .iter()
                            .any(|k| given(a.get(*k)) && !same_text(a.get(*k), b.get(*k)))
                    })
            });
            let mut effects = vec![];
            let mut identity_id = None;
            if success {
                let id = uuid::Uuid::new_v4().to_string();
                let mut stored = individual.clone();
                if let Value::Object(m) = &mut stored {
                    // The SSN is checked, never kept.
                    m.remove("ssn");
                    m.insert("phoneNumber".into(), json!(data.phone));
                }
                effects.push(SideEffect::Identity(IdentityRecord {
                    identity_id: id.clone(),
                    project_id: record.project_id.clone(),
                    correlation_id: record.correlation_id.clone(),
                    data: seal_identity(&st.key, &id, &stored),
                    created_at: now,
                }));
                identity_id = Some(id);
            }
            let body = json!({
                "success": success,
                "changeDetected": change_detected,
                "identityId": identity_id,
            });
            let mut out = Outcome::to(FlowState::Done, data, body);
            out.effects = effects;
            Ok(out)
        },
    )
    .await
}

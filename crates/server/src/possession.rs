//! The possession surface (seed 000): POST /token, the Pre-Fill and Prove
//! Identity flows, Unify, device revoke, identity lookup, and the sandbox
//! endpoints that stand for what the user does on the phone.
//!
//! Every flow step follows one pattern ([`step`]): load the flow (8008 when the
//! correlation id is unknown, of another project or flow, expired or finished),
//! check the step against the flow's `next` (8003), decide, and write the new
//! state with a conditional update. A request that loses a race re-reads the
//! flow and is judged again, so of concurrent identical calls exactly one wins.

use crate::app::{AppState, KeyExpiry, Principal};
use crate::config::{Region, Tier};
use crate::error::{Failure, ok};
use crate::input::{Fields, FormBody, JsonBody};
use crate::phone::{self, Phone, PhoneError};
use crate::sandbox::{self, Possession, TestUser};
use crate::secrets;
use crate::store::{DeviceRecord, FlowRecord, IdentityRecord, SideEffect};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use idv_core::PossessionError;
use idv_core::limits::{
    ACCESS_TOKEN_LIFETIME_SECONDS, CORRELATION_ID_LIFETIME_SECONDS, FINAL_TARGET_URL_MAX_LENGTH,
    INSTANT_LINK_LIFETIME_SECONDS, POSSESSION_OTP_MAX_REENTRIES, SMS_OTP_LIFETIME_SECONDS,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The OTP that passes in the sandbox (vendor facts 1.10).
pub const SANDBOX_OTP: &str = "1234";

const VALIDATE: (&str, &str) = ("v3-validate", "/v3/validate");
const CHALLENGE: (&str, &str) = ("v3-challenge", "/v3/challenge");
const COMPLETE: (&str, &str) = ("v3-complete", "/v3/complete");
const DONE: (&str, &str) = ("done", "done");
const UNIFY_STATUS: (&str, &str) = ("v3-unify-status", "/v3/unify-status");
const UNIFY_BIND: (&str, &str) = ("v3-unify-bind", "/v3/unify-bind");

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Flow kinds.
const PREFILL: &str = "prefill";
const IDENTITY: &str = "identity";
const UNIFY: &str = "unify";

/// What a flow remembers between steps (stored as JSON in the flow row).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FlowData {
    /// E.164.
    phone: String,
    /// `desktop`, `mobile` or (Unify) `none`.
    channel: String,
    #[serde(default)]
    final_target_url: Option<String>,
    #[serde(default)]
    dob: Option<String>,
    #[serde(default)]
    ssn: Option<String>,
    #[serde(default)]
    allow_otp_retry: bool,
    /// `pending`, `passed`, `failed` or (Unify, possessionType none) `required`.
    possession: String,
    #[serde(default)]
    otp_attempts: u64,
    /// When the SMS (OTP or Instant Link) went out, Unix seconds.
    #[serde(default)]
    possession_sent_at: i64,
    #[serde(default)]
    client_request_id: Option<String>,
    #[serde(default)]
    client_human_id: Option<String>,
    /// The Prove Key the Unify request authenticated with.
    #[serde(default)]
    device_id: Option<String>,
    /// The identity that key belongs to.
    #[serde(default)]
    prove_id: Option<String>,
    /// What the challenge step returned.
    #[serde(default)]
    individual: Option<Value>,
}

fn next_of(kind: &str, state: &str, data: &FlowData) -> BTreeMap<String, String> {
    match (kind, state) {
        (PREFILL | IDENTITY, "started") => map(&[VALIDATE]),
        (PREFILL, "validated") => map(&[CHALLENGE]),
        (IDENTITY, "validated") | (PREFILL, "challenged") => map(&[COMPLETE]),
        (UNIFY, "pending") if data.possession == "required" => map(&[UNIFY_STATUS, UNIFY_BIND]),
        (UNIFY, "pending") => map(&[UNIFY_STATUS]),
        _ => map(&[DONE]),
    }
}

/// A step's decision. For Pre-Fill and Prove Identity, [`step`] adds `next` to
/// `body` from the new state.
struct Outcome {
    state: &'static str,
    data: FlowData,
    effects: Vec<SideEffect>,
    body: Value,
    /// False when nothing changes (a status poll).
    write: bool,
}

fn region_name(r: Region) -> &'static str {
    match r {
        Region::Us => "US",
        Region::Eu => "EU",
    }
}

/// The region, country, tier and test-user checks of /v3/start and /v3/unify.
fn admit(st: &AppState, who: &Principal, phone: &Phone) -> Result<&'static TestUser, Failure> {
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
        return Err(Failure::Internal(
            "no production possession provider is configured: this build ships the sandbox tier only"
                .into(),
        ));
    }
    let user = sandbox::find(&phone.e164).ok_or(PossessionError::SandboxUserNotFound)?;
    if !user.solutions.contains(&who.project.solution) {
        return Err(PossessionError::SandboxUserAccessDenied.into());
    }
    Ok(user)
}

fn initial_possession(user: &TestUser, channel: &str) -> &'static str {
    match (user.possession, channel) {
        (_, "none") => "required",
        (Possession::Always, _) => "passed",
        (Possession::MobileAuth, "mobile") => "passed",
        _ => "pending",
    }
}

fn valid_dob(s: &str) -> bool {
    let num = |p: &str, len: usize, lo: u32, hi: u32| {
        p.len() == len
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
    };
    let p: Vec<&str> = s.split('-').collect();
    match p[..] {
        [y, m, d] => num(y, 4, 1800, 2999) && num(m, 2, 1, 12) && num(d, 2, 1, 31),
        [y, m] if y.len() == 4 => num(y, 4, 1800, 2999) && num(m, 2, 1, 12),
        [m, d] => num(m, 2, 1, 12) && num(d, 2, 1, 31),
        _ => false,
    }
}

fn valid_ssn(s: &str) -> bool {
    (s.len() == 9 || s.len() == 4) && s.bytes().all(|b| b.is_ascii_digit())
}

fn opt_dob(f: &mut Fields<'_>, name: &str) -> Option<String> {
    let v = f.opt_str(name)?;
    if valid_dob(&v) {
        Some(v)
    } else {
        f.invalid(name, "must be YYYY-MM-DD, YYYY-MM or MM-DD");
        None
    }
}

fn opt_ssn(f: &mut Fields<'_>, name: &str) -> Option<String> {
    let v = f.opt_str(name)?;
    if valid_ssn(&v) {
        Some(v)
    } else {
        f.invalid(name, "must be 9 digits or the last 4 digits");
        None
    }
}

/// A required phone number: 8001 through `f` when it is not one; a number of a
/// country that no region serves is kept as the 8010 the handler returns once every
/// field has been checked.
fn req_phone(f: &mut Fields<'_>, name: &str) -> Option<Result<Phone, Failure>> {
    let raw = f.req_str(name)?;
    match phone::parse(&raw) {
        Ok(p) => Some(Ok(p)),
        Err(PhoneError::Invalid(why)) => {
            f.invalid(name, why);
            None
        }
        Err(e @ PhoneError::Unserved { .. }) => {
            Some(Err(PossessionError::UnauthorizedForCountry {
                reason: e.message(),
            }
            .into()))
        }
    }
}

fn req_correlation_id(f: &mut Fields<'_>) -> Option<String> {
    let raw = f.req_str("correlationId")?;
    match uuid::Uuid::parse_str(&raw) {
        Ok(u) => Some(u.to_string()),
        Err(_) => {
            f.invalid("correlationId", "must be a UUID");
            None
        }
    }
}

fn final_target_url(f: &mut Fields<'_>, desktop: bool) -> Option<String> {
    let url = f.opt_str("finalTargetUrl");
    match &url {
        None if desktop => f.invalid("finalTargetUrl", "is required when the flow is desktop"),
        Some(u) if u.chars().count() > FINAL_TARGET_URL_MAX_LENGTH as usize => f.invalid(
            "finalTargetUrl",
            format!("must be at most {FINAL_TARGET_URL_MAX_LENGTH} characters"),
        ),
        Some(u)
            if !u
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._+=/:?".contains(c)) =>
        {
            f.invalid(
                "finalTargetUrl",
                "may hold only letters, digits and the characters -._+=/:?",
            )
        }
        _ => {}
    }
    url
}

fn one_of(f: &mut Fields<'_>, name: &str, allowed: &[&str]) -> Option<String> {
    let v = f.req_str(name)?;
    if allowed.contains(&v.as_str()) {
        Some(v)
    } else {
        f.invalid(name, format!("must be {}", allowed.join(" or ")));
        None
    }
}

/// Loads the caller's open flow of one of `kinds`, or 8008.
async fn open_flow(
    st: &AppState,
    who: &Principal,
    correlation_id: &str,
    kinds: &[&str],
) -> Result<FlowRecord, Failure> {
    st.store
        .get_flow(correlation_id)
        .await?
        .filter(|f| {
            f.project_id == who.project.id
                && kinds.contains(&f.kind.as_str())
                && f.expires_at > st.clock.now()
                && f.state != "done"
        })
        .ok_or_else(|| PossessionError::InvalidCorrelationId.into())
}

/// Runs one step of a flow; see the module docs.
async fn step<F>(
    st: &AppState,
    who: &Principal,
    correlation_id: &str,
    kinds: &[&str],
    step_key: &str,
    mut decide: F,
) -> Result<Response, Failure>
where
    F: FnMut(&FlowRecord, FlowData) -> Result<Outcome, Failure>,
{
    for _ in 0..8 {
        let flow = open_flow(st, who, correlation_id, kinds).await?;
        let data: FlowData = serde_json::from_str(&flow.data)?;
        let next = next_of(&flow.kind, &flow.state, &data);
        if !next.contains_key(step_key) {
            return Err(PossessionError::StepCalledOutOfOrder { next }.into());
        }
        let out = decide(&flow, data)?;
        let written = !out.write
            || st
                .store
                .update_flow(
                    &flow.correlation_id,
                    flow.version,
                    out.state,
                    &serde_json::to_string(&out.data)?,
                    &out.effects,
                )
                .await?;
        if written {
            let mut body = out.body;
            // Pre-Fill and Prove Identity answers name the calls allowed next; the
            // state machine (`next_of`) is their only source. Unify answers carry none.
            if flow.kind != UNIFY
                && let Value::Object(m) = &mut body
            {
                let next = next_of(&flow.kind, out.state, &out.data);
                m.insert("next".into(), json!(next));
            }
            let mut resp = ok(body);
            resp.extensions_mut().insert(KeyExpiry(flow.expires_at));
            return Ok(resp);
        }
    }
    Err(Failure::Internal(
        "the flow kept changing under concurrent requests".into(),
    ))
}

async fn create_flow(
    st: &AppState,
    who: &Principal,
    kind: &str,
    state: &str,
    data: &FlowData,
) -> Result<(FlowRecord, String), Failure> {
    let now = st.clock.now();
    let auth_token = secrets::random_hex(32);
    let flow = FlowRecord {
        correlation_id: uuid::Uuid::new_v4().to_string(),
        project_id: who.project.id.clone(),
        kind: kind.to_string(),
        state: state.to_string(),
        version: 0,
        data: serde_json::to_string(data)?,
        auth_token_hash: secrets::hash(&auth_token),
        created_at: now,
        expires_at: now + CORRELATION_ID_LIFETIME_SECONDS as i64,
    };
    st.store.insert_flow(&flow).await?;
    Ok((flow, auth_token))
}

/// `POST /token`: OAuth2 client credentials.
pub async fn token(State(st): State<AppState>, form: FormBody) -> Result<Response, Failure> {
    let mut reasons = Vec::new();
    match form.get("grant_type") {
        None | Some("") => reasons.push("grant_type: is required".to_string()),
        Some("client_credentials") => {}
        Some(_) => reasons.push("grant_type: must be client_credentials".to_string()),
    }
    for name in ["client_id", "client_secret"] {
        if form.get(name).is_none_or(str::is_empty) {
            reasons.push(format!("{name}: is required"));
        }
    }
    if !reasons.is_empty() {
        return Err(Failure::malformed(reasons.join("; ")));
    }
    let client_id = form.get("client_id").unwrap_or_default();
    let secret = form.get("client_secret").unwrap_or_default();
    let client = st.store.get_client(client_id).await?;
    let client = match client {
        Some(c) if c.revoked_at.is_none() && secrets::verify(secret, &c.secret_hash) => c,
        _ => return Err(PossessionError::UnauthorizedRequest.into()),
    };
    let project = st.store.get_project(&client.project_id).await?;
    if !project.is_some_and(|p| p.region == st.region.as_str() && p.tier == st.tier.as_str()) {
        return Err(PossessionError::UnauthorizedRequest.into());
    }
    let token = secrets::random_hex(32);
    let now = st.clock.now();
    st.store
        .insert_token(
            &secrets::hash(&token),
            &client.client_id,
            now + ACCESS_TOKEN_LIFETIME_SECONDS as i64,
            now,
        )
        .await?;
    let mut resp = ok(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
    }));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `POST /v3/start`.
pub async fn start(
    State(st): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let flow_type = one_of(&mut f, "flowType", &["desktop", "mobile"]);
    let phone = req_phone(&mut f, "phoneNumber");
    let url = final_target_url(&mut f, flow_type.as_deref() == Some("desktop"));
    for name in ["smsMessage", "emailAddress", "ipAddress"] {
        f.opt_str(name);
    }
    let dob = opt_dob(&mut f, "dob");
    let ssn = opt_ssn(&mut f, "ssn");
    let allow_otp_retry = f.opt_bool("allowOTPRetry").unwrap_or(false);
    f.finish()?;
    let (Some(flow_type), Some(phone)) = (flow_type, phone) else {
        return Err(Failure::Internal("validated fields missing".into()));
    };
    let phone = phone?;
    let user = admit(&st, &who, &phone)?;
    let kind = if who.project.solution == PREFILL {
        PREFILL
    } else {
        IDENTITY
    };
    let data = FlowData {
        phone: phone.e164,
        possession: initial_possession(user, &flow_type).to_string(),
        channel: flow_type,
        final_target_url: url,
        dob,
        ssn,
        allow_otp_retry,
        possession_sent_at: st.clock.now(),
        ..FlowData::default()
    };
    let (flow, auth_token) = create_flow(&st, &who, kind, "started", &data).await?;
    let mut resp = ok(json!({
        "authToken": auth_token,
        "correlationId": flow.correlation_id,
        "next": next_of(kind, &flow.state, &data),
    }));
    resp.extensions_mut().insert(KeyExpiry(flow.expires_at));
    Ok(resp)
}

fn correlation_only(body: &Map<String, Value>) -> Result<String, Failure> {
    let mut f = Fields::new(body);
    let cid = req_correlation_id(&mut f);
    f.finish()?;
    cid.ok_or_else(|| Failure::Internal("validated fields missing".into()))
}

/// `POST /v3/validate`.
pub async fn validate(
    State(st): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let cid = correlation_only(&body)?;
    step(
        &st,
        &who,
        &cid,
        &[PREFILL, IDENTITY],
        VALIDATE.0,
        |flow, data| {
            if data.possession != "passed" {
                return Ok(Outcome {
                    state: "done",
                    body: json!({"success": false, "phoneNumber": data.phone}),
                    data,
                    effects: vec![],
                    write: true,
                });
            }
            let prefill = flow.kind == PREFILL;
            let body = json!({
                "success": true,
                "challengeMissing": prefill.then_some(data.dob.is_none() && data.ssn.is_none()),
                "phoneNumber": data.phone,
            });
            Ok(Outcome {
                state: "validated",
                data,
                effects: vec![],
                body,
                write: true,
            })
        },
    )
    .await
}

/// `POST /v3/challenge` (Pre-Fill only).
pub async fn challenge(
    State(st): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let cid = req_correlation_id(&mut f);
    let dob = opt_dob(&mut f, "dob");
    let ssn = opt_ssn(&mut f, "ssn");
    f.finish()?;
    let cid = cid.ok_or_else(|| Failure::Internal("validated fields missing".into()))?;
    step(
        &st,
        &who,
        &cid,
        &[PREFILL, IDENTITY],
        CHALLENGE.0,
        |_, mut data| {
            // Fields sent here overwrite those sent to /v3/start.
            if dob.is_some() {
                data.dob = dob.clone();
            }
            if ssn.is_some() {
                data.ssn = ssn.clone();
            }
            if data.dob.is_none() && data.ssn.is_none() {
                return Err(Failure::malformed(
                    "dob: is required when ssn is not given (here or at /v3/start)",
                ));
            }
            let user = sandbox::find(&data.phone);
            let agrees = |given: &Option<String>,
                          known: Option<&String>,
                          m: fn(&str, &str) -> bool| match (given, known) {
                (None, _) => true,
                (Some(g), Some(k)) => m(g, k),
                (Some(_), None) => false,
            };
            let matched = user.filter(|u| {
                agrees(&data.dob, u.dob.as_ref(), sandbox::dob_matches)
                    && agrees(&data.ssn, u.ssn.as_ref(), sandbox::ssn_matches)
            });
            match matched {
                Some(u) => {
                    let individual = u.individual();
                    data.individual = Some(individual.clone());
                    Ok(Outcome {
                        state: "challenged",
                        data,
                        effects: vec![],
                        body: json!({"success": true, "individual": individual}),
                        write: true,
                    })
                }
                None => Ok(Outcome {
                    state: "done",
                    data,
                    effects: vec![],
                    body: json!({"success": false}),
                    write: true,
                }),
            }
        },
    )
    .await
}

/// The `individual` of a complete request, checked.
fn read_individual(f: &mut Fields<'_>) -> Option<Value> {
    let Some(obj) = f.opt_object("individual") else {
        if !f.has_errors() {
            f.invalid("individual", "is required");
        }
        return None;
    };
    let mut g = Fields::new(obj);
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
            let mut h = Fields::new(a);
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
            "dob": dob,
            "ssn": ssn,
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
pub async fn complete(
    State(st): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let cid = req_correlation_id(&mut f);
    let individual = read_individual(&mut f);
    f.finish()?;
    let (Some(cid), Some(individual)) = (cid, individual) else {
        return Err(Failure::Internal("validated fields missing".into()));
    };
    let now = st.clock.now();
    step(
        &st,
        &who,
        &cid,
        &[PREFILL, IDENTITY],
        COMPLETE.0,
        |flow, data| {
            let user = sandbox::find(&data.phone);
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
                let mut record = individual.clone();
                if let Value::Object(m) = &mut record {
                    // The SSN is checked, never kept.
                    m.remove("ssn");
                    m.insert("phoneNumber".into(), json!(data.phone));
                }
                effects.push(SideEffect::Identity(IdentityRecord {
                    identity_id: id.clone(),
                    project_id: flow.project_id.clone(),
                    correlation_id: flow.correlation_id.clone(),
                    data: record.to_string(),
                    created_at: now,
                }));
                identity_id = Some(id);
            }
            Ok(Outcome {
                state: "done",
                data,
                effects,
                body: json!({
                    "success": success,
                    "changeDetected": change_detected,
                    "identityId": identity_id,
                }),
                write: true,
            })
        },
    )
    .await
}

/// `POST /v3/unify`.
pub async fn unify(
    State(st): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let channel = one_of(&mut f, "possessionType", &["desktop", "mobile", "none"]);
    let client_request_id = f.req_str("clientRequestId");
    let phone = req_phone(&mut f, "phoneNumber");
    let url = final_target_url(&mut f, channel.as_deref() == Some("desktop"));
    let device_id = f.opt_str("deviceId");
    let client_human_id = f.opt_str("clientHumanId");
    for name in [
        "proveId",
        "clientCustomerId",
        "emailAddress",
        "ipAddress",
        "smsMessage",
    ] {
        f.opt_str(name);
    }
    let allow_otp_retry = f.opt_bool("allowOTPRetry").unwrap_or(false);
    f.opt_bool("checkReputation");
    f.opt_bool("rebind");
    f.finish()?;
    let (Some(channel), Some(phone)) = (channel, phone) else {
        return Err(Failure::Internal("validated fields missing".into()));
    };
    let phone = phone?;
    let user = admit(&st, &who, &phone)?;
    let mut possession = initial_possession(user, &channel).to_string();
    let mut prove_id = None;
    if let Some(id) = &device_id {
        let device = st
            .store
            .get_device(id)
            .await?
            .filter(|d| d.project_id == who.project.id)
            .ok_or_else(|| Failure::malformed("deviceId: is not a Prove Key of this project"))?;
        if device.revoked_at.is_some() {
            return Err(PossessionError::DeviceRevoked.into());
        }
        if device.phone_number != phone.e164 {
            return Err(Failure::malformed(
                "deviceId: is bound to another phone number",
            ));
        }
        // A bound Prove Key is the possession check.
        possession = "passed".to_string();
        prove_id = Some(device.prove_id);
    }
    let data = FlowData {
        phone: phone.e164,
        channel,
        final_target_url: url,
        allow_otp_retry,
        possession,
        client_request_id,
        client_human_id,
        device_id,
        prove_id,
        possession_sent_at: st.clock.now(),
        ..FlowData::default()
    };
    let (flow, auth_token) = create_flow(&st, &who, UNIFY, "pending", &data).await?;
    let mut resp = ok(json!({
        "success": "pending",
        "correlationId": flow.correlation_id,
        "authToken": auth_token,
    }));
    resp.extensions_mut().insert(KeyExpiry(flow.expires_at));
    Ok(resp)
}

fn new_identity(flow: &FlowRecord, data: &FlowData, now: i64) -> (String, SideEffect) {
    let id = uuid::Uuid::new_v4().to_string();
    let user = sandbox::find(&data.phone);
    let record = json!({
        "phoneNumber": data.phone,
        "firstName": user.map(|u| u.first_name.clone()),
        "lastName": user.map(|u| u.last_name.clone()),
        "clientHumanId": data.client_human_id,
    });
    (
        id.clone(),
        SideEffect::Identity(IdentityRecord {
            identity_id: id,
            project_id: flow.project_id.clone(),
            correlation_id: flow.correlation_id.clone(),
            data: record.to_string(),
            created_at: now,
        }),
    )
}

fn new_device(
    flow: &FlowRecord,
    data: &FlowData,
    prove_id: &str,
    now: i64,
) -> (String, SideEffect) {
    let id = uuid::Uuid::new_v4().to_string();
    (
        id.clone(),
        SideEffect::Device(DeviceRecord {
            device_id: id,
            project_id: flow.project_id.clone(),
            phone_number: data.phone.clone(),
            prove_id: prove_id.to_string(),
            created_at: now,
            revoked_at: None,
        }),
    )
}

/// `POST /v3/unify-status`.
pub async fn unify_status(
    State(st): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let cid = req_correlation_id(&mut f);
    let client_request_id = f.opt_str("clientRequestId");
    f.finish()?;
    let cid = cid.ok_or_else(|| Failure::Internal("validated fields missing".into()))?;
    // A key revoked since /v3/unify can no longer authenticate.
    let flow = open_flow(&st, &who, &cid, &[UNIFY]).await?;
    let data: FlowData = serde_json::from_str(&flow.data)?;
    if let Some(id) = &data.device_id {
        if st
            .store
            .get_device(id)
            .await?
            .is_none_or(|d| d.revoked_at.is_some())
        {
            return Err(PossessionError::DeviceRevoked.into());
        }
    }
    let now = st.clock.now();
    step(&st, &who, &cid, &[UNIFY], UNIFY_STATUS.0, |flow, data| {
        let crid = client_request_id.clone().or(data.client_request_id.clone());
        match data.possession.as_str() {
            "required" => Ok(Outcome {
                state: "pending",
                body: json!({"success": "possession_required", "phoneNumber": data.phone, "clientRequestId": crid}),
                data,
                effects: vec![],
                write: false,
            }),
            "pending" => Ok(Outcome {
                state: "pending",
                body: json!({"success": "pending", "clientRequestId": crid}),
                data,
                effects: vec![],
                write: false,
            }),
            "passed" => {
                let mut effects = vec![];
                let (prove_id, device_id) = match (&data.prove_id, &data.device_id) {
                    (Some(p), Some(d)) => (p.clone(), Some(d.clone())),
                    _ => {
                        let (p, e) = new_identity(flow, &data, now);
                        effects.push(e);
                        let key = sandbox::find(&data.phone).is_some_and(|u| u.prove_key);
                        // A Prove Key is placed only on mobile (vendor facts 1.10).
                        let d = (key && data.channel == "mobile").then(|| {
                            let (d, e) = new_device(flow, &data, &p, now);
                            effects.push(e);
                            d
                        });
                        (p, d)
                    }
                };
                Ok(Outcome {
                    state: "done",
                    body: json!({
                        "success": "true",
                        "proveId": prove_id,
                        "deviceId": device_id,
                        "phoneNumber": data.phone,
                        "clientHumanId": data.client_human_id,
                        "clientRequestId": crid,
                    }),
                    data,
                    effects,
                    write: true,
                })
            }
            _ => Ok(Outcome {
                state: "done",
                body: json!({"success": "false", "phoneNumber": data.phone, "clientRequestId": crid}),
                data,
                effects: vec![],
                write: true,
            }),
        }
    })
    .await
}

/// `POST /v3/unify-bind`: binds a Prove Key after possession the customer ran itself.
pub async fn unify_bind(
    State(st): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let cid = req_correlation_id(&mut f);
    let phone = req_phone(&mut f, "phoneNumber");
    let client_request_id = f.opt_str("clientRequestId");
    f.finish()?;
    let (Some(cid), Some(phone)) = (cid, phone) else {
        return Err(Failure::Internal("validated fields missing".into()));
    };
    // A number that no region serves cannot be the flow's number: the 8001 below.
    let phone = phone.ok();
    let now = st.clock.now();
    step(&st, &who, &cid, &[UNIFY], UNIFY_BIND.0, |flow, data| {
        if phone.as_ref().is_none_or(|p| p.e164 != data.phone) {
            return Err(Failure::malformed(
                "phoneNumber: is not the number of this flow",
            ));
        }
        let (prove_id, identity) = new_identity(flow, &data, now);
        let (device_id, device) = new_device(flow, &data, &prove_id, now);
        Ok(Outcome {
            state: "done",
            body: json!({
                "success": "true",
                "proveId": prove_id,
                "deviceId": device_id,
                "phoneNumber": data.phone,
                "clientRequestId": client_request_id.clone().or(data.client_request_id.clone()),
            }),
            data,
            effects: vec![identity, device],
            write: true,
        })
    })
    .await
}

/// `POST /v3/device/revoke`.
pub async fn device_revoke(
    State(st): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let device_id = f.req_str("deviceId");
    f.req_str("clientRequestId");
    f.finish()?;
    let device_id = device_id.unwrap_or_default();
    let revoked = st
        .store
        .revoke_device(&who.project.id, &device_id, st.clock.now())
        .await?;
    Ok(ok(json!({"success": revoked})))
}

/// `GET /v3/identity/{identityId}`.
pub async fn get_identity(
    State(st): State<AppState>,
    who: Principal,
    Path(identity_id): Path<String>,
) -> Result<Response, Failure> {
    let rec = st
        .store
        .get_identity(&who.project.id, &identity_id)
        .await?
        .ok_or(PossessionError::IdentityNotFound)?;
    let mut body: Value = serde_json::from_str(&rec.data)?;
    if let Value::Object(m) = &mut body {
        m.insert("identityId".into(), json!(rec.identity_id));
    }
    Ok(ok(body))
}

/// Loads the open flow a sandbox action is for, by its client auth token.
async fn sandbox_flow(st: &AppState, auth_token: &str) -> Result<FlowRecord, Failure> {
    if st.tier != Tier::Sandbox {
        return Err(PossessionError::UnknownPath.into());
    }
    st.store
        .get_flow_by_auth_token(&secrets::hash(auth_token))
        .await?
        .filter(|f| f.expires_at > st.clock.now() && f.state != "done")
        .ok_or_else(|| PossessionError::InvalidCorrelationId.into())
}

/// Applies a sandbox possession action to the flow of `auth_token`, retrying
/// when a concurrent request changed the flow first.
async fn sandbox_action<F>(st: &AppState, auth_token: &str, mut act: F) -> Result<Response, Failure>
where
    F: FnMut(&mut FlowData) -> Result<Value, Failure>,
{
    for _ in 0..8 {
        let flow = sandbox_flow(st, auth_token).await?;
        let mut data: FlowData = serde_json::from_str(&flow.data)?;
        let body = act(&mut data)?;
        if st
            .store
            .update_flow(
                &flow.correlation_id,
                flow.version,
                &flow.state,
                &serde_json::to_string(&data)?,
                &[],
            )
            .await?
        {
            return Ok(ok(body));
        }
    }
    Err(Failure::Internal(
        "the flow kept changing under concurrent requests".into(),
    ))
}

/// `POST /sandbox/otp`: the user types the SMS code into the client SDK.
/// `1234` passes; with `allowOTPRetry` the user may re-enter a wrong code 3 times.
/// A code entered more than 2 minutes after the SMS fails possession.
pub async fn sandbox_otp(
    State(st): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let auth_token = f.req_str("authToken");
    let otp = f.req_str("otp");
    f.finish()?;
    let (Some(auth_token), Some(otp)) = (auth_token, otp) else {
        return Err(Failure::Internal("validated fields missing".into()));
    };
    let now = st.clock.now();
    sandbox_action(&st, &auth_token, |data| {
        if data.possession != "pending" || data.channel != "mobile" {
            return Err(Failure::malformed(
                "authToken: the flow is not waiting for an SMS OTP",
            ));
        }
        if now - data.possession_sent_at > SMS_OTP_LIFETIME_SECONDS as i64 {
            data.possession = "failed".into();
            return Ok(json!({"success": false, "expired": true}));
        }
        if otp == SANDBOX_OTP {
            data.possession = "passed".into();
            return Ok(json!({"success": true}));
        }
        data.otp_attempts += 1;
        let allowed = 1 + if data.allow_otp_retry {
            POSSESSION_OTP_MAX_REENTRIES
        } else {
            0
        };
        let remaining = allowed.saturating_sub(data.otp_attempts);
        if remaining == 0 {
            data.possession = "failed".into();
        }
        Ok(json!({"success": false, "remainingAttempts": remaining}))
    })
    .await
}

/// `POST /sandbox/instant-link`: stands for the user's click on the Instant Link.
/// A click more than 3 minutes after the SMS fails possession.
pub async fn sandbox_instant_link(
    State(st): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let mut f = Fields::new(&body);
    let auth_token = f.req_str("authToken");
    f.finish()?;
    let auth_token = auth_token.unwrap_or_default();
    let now = st.clock.now();
    sandbox_action(&st, &auth_token, |data| {
        if data.possession != "pending" || data.channel != "desktop" {
            return Err(Failure::malformed(
                "authToken: the flow is not waiting for an Instant Link",
            ));
        }
        if now - data.possession_sent_at > INSTANT_LINK_LIFETIME_SECONDS as i64 {
            data.possession = "failed".into();
            return Ok(json!({"success": false, "expired": true}));
        }
        data.possession = "passed".into();
        Ok(json!({"success": true, "redirectUrl": data.final_target_url}))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_formats() {
        for d in ["1981-01-09", "1981-01", "01-09"] {
            assert!(valid_dob(d), "{d}");
        }
        for d in ["1981-13", "81-01-09", "1981/01/09", "13-01", ""] {
            assert!(!valid_dob(d), "{d}");
        }
        assert!(valid_ssn("0596") && valid_ssn("123450596"));
        assert!(!valid_ssn("12345") && !valid_ssn("abcd"));
    }
}

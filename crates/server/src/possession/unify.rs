//! Unify: `/v3/unify` starts a flow, `/v3/unify-status` polls it (and, once
//! possession passed, creates the identity and, on mobile, a Prove Key), and
//! `/v3/unify-bind` binds a Prove Key after possession the customer ran itself.

use crate::app::AppState;
use crate::domain::SealKey;
use crate::domain::{CorrelationId, Phone};
use crate::guard::auth::Principal;
use crate::http::{Json, ParseJson};
use crate::possession::device::seal_identity;
use crate::possession::fields::{PFields, final_target_url, one_of, req_correlation_id, req_phone};
use crate::possession::flow::{
    self, Channel, FlowData, FlowKind, FlowState, Outcome, POSSESSION_TYPES, PossessionState, Step,
};
use crate::possession::store::{DeviceRecord, FlowRecord, IdentityRecord, SideEffect};
use crate::possession::test_users;
use crate::possession::{Fail, malformed};
use axum::extract::State;
use axum::response::Response;
use idv_core::PossessionError;
use serde_json::{Map, Value, json};

const UNIFY: &[FlowKind] = &[FlowKind::Unify];

/// The body of `POST /v3/unify`.
pub(crate) struct UnifyRequest {
    channel: Channel,
    client_request_id: String,
    phone: Phone,
    final_target_url: Option<String>,
    device_id: Option<String>,
    client_human_id: Option<String>,
    allow_otp_retry: bool,
}

impl ParseJson for UnifyRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let channel = one_of(&mut f, "possessionType", POSSESSION_TYPES);
        let client_request_id = f.req_str("clientRequestId");
        let phone = req_phone(&mut f, "phoneNumber");
        let url = final_target_url(&mut f, channel == Some(Channel::Desktop));
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
        let (Some(channel), Some(client_request_id), Some(phone)) =
            (channel, client_request_id, phone)
        else {
            return Err(f.reject());
        };
        f.finish()?;
        let phone = phone?;
        Ok(UnifyRequest {
            channel,
            client_request_id,
            phone,
            final_target_url: url,
            device_id,
            client_human_id,
            allow_otp_retry,
        })
    }
}

/// `POST /v3/unify`.
pub(crate) async fn start(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<UnifyRequest>,
) -> Result<Response, Fail> {
    let user = flow::admit(&st, &who, &req.phone)?;
    let mut possession = PossessionState::initial(user, req.channel);
    let mut prove_id = None;
    if let Some(id) = &req.device_id {
        let device = st
            .store
            .get_device(id)
            .await?
            .filter(|d| d.project_id == who.project.id)
            .ok_or_else(|| malformed("deviceId: is not a Prove Key of this project"))?;
        if device.revoked_at.is_some() {
            return Err(PossessionError::DeviceRevoked.into());
        }
        if device.phone_number != req.phone.e164 {
            return Err(malformed("deviceId: is bound to another phone number"));
        }
        // A bound Prove Key is the possession check.
        possession = PossessionState::Passed;
        prove_id = Some(device.prove_id);
    }
    let mut data = FlowData::new(req.phone.e164, req.channel, possession, st.clock.now());
    data.final_target_url = req.final_target_url;
    data.allow_otp_retry = req.allow_otp_retry;
    data.client_request_id = Some(req.client_request_id);
    data.client_human_id = req.client_human_id;
    data.device_id = req.device_id;
    data.prove_id = prove_id;
    flow::create_flow(
        &st,
        &who,
        FlowKind::Unify,
        FlowState::Pending,
        &data,
        |record, auth_token| {
            json!({
                "success": "pending",
                "correlationId": record.correlation_id,
                "authToken": auth_token,
            })
        },
    )
    .await
}

fn new_identity(
    key: &SealKey,
    flow: &FlowRecord,
    data: &FlowData,
    now: i64,
) -> (String, SideEffect) {
    let id = uuid::Uuid::new_v4().to_string();
    let user = test_users::find(&data.phone);
    let record = json!({
        "phoneNumber": data.phone,
        "firstName": user.map(|u| u.first_name.clone()),
        "lastName": user.map(|u| u.last_name.clone()),
        "clientHumanId": data.client_human_id,
    });
    (
        id.clone(),
        SideEffect::Identity(IdentityRecord {
            data: seal_identity(key, &id, &record),
            identity_id: id,
            project_id: flow.project_id.clone(),
            correlation_id: flow.correlation_id.clone(),
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

/// The body of `POST /v3/unify-status`.
pub(crate) struct StatusRequest {
    correlation_id: CorrelationId,
    client_request_id: Option<String>,
}

impl ParseJson for StatusRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let cid = req_correlation_id(&mut f);
        let client_request_id = f.opt_str("clientRequestId");
        let Some(correlation_id) = cid else {
            return Err(f.reject());
        };
        f.finish()?;
        Ok(StatusRequest {
            correlation_id,
            client_request_id,
        })
    }
}

/// A poll that changes nothing.
fn unchanged(data: FlowData, body: Value) -> Outcome {
    Outcome {
        state: FlowState::Pending,
        data,
        effects: vec![],
        body,
        write: false,
    }
}

/// `POST /v3/unify-status`.
pub(crate) async fn status(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<StatusRequest>,
) -> Result<Response, Fail> {
    // A key revoked since /v3/unify can no longer authenticate.
    let open = flow::open_flow(&st, &who, &req.correlation_id, UNIFY).await?;
    let data = FlowData::open(&st.key, &open.record)?;
    if let Some(id) = &data.device_id
        && st
            .store
            .get_device(id)
            .await?
            .is_none_or(|d| d.revoked_at.is_some())
    {
        return Err(PossessionError::DeviceRevoked.into());
    }
    let now = st.clock.now();
    let step = Step::UnifyStatus;
    flow::step(&st, &who, &req.correlation_id, UNIFY, step, |record, _, data| {
        let crid = req
            .client_request_id
            .clone()
            .or(data.client_request_id.clone());
        match data.possession {
            PossessionState::Required => {
                let body = json!({"success": "possession_required", "phoneNumber": data.phone, "clientRequestId": crid});
                Ok(unchanged(data, body))
            }
            PossessionState::Pending => {
                let body = json!({"success": "pending", "clientRequestId": crid});
                Ok(unchanged(data, body))
            }
            PossessionState::Passed => {
                let mut effects = vec![];
                let (prove_id, device_id) = match (&data.prove_id, &data.device_id) {
                    (Some(p), Some(d)) => (p.clone(), Some(d.clone())),
                    _ => {
                        let (p, e) = new_identity(&st.key, record, &data, now);
                        effects.push(e);
                        let key = test_users::find(&data.phone).is_some_and(|u| u.prove_key);
                        // A Prove Key is placed only on mobile (vendor facts 1.10).
                        let d = (key && data.channel == Channel::Mobile).then(|| {
                            let (d, e) = new_device(record, &data, &p, now);
                            effects.push(e);
                            d
                        });
                        (p, d)
                    }
                };
                let body = json!({
                    "success": "true",
                    "proveId": prove_id,
                    "deviceId": device_id,
                    "phoneNumber": data.phone,
                    "clientHumanId": data.client_human_id,
                    "clientRequestId": crid,
                });
                let mut out = Outcome::to(FlowState::Done, data, body);
                out.effects = effects;
                Ok(out)
            }
            PossessionState::Failed => {
                let body = json!({"success": "false", "phoneNumber": data.phone, "clientRequestId": crid});
                Ok(Outcome::to(FlowState::Done, data, body))
            }
        }
    })
    .await
}

/// The body of `POST /v3/unify-bind`.
pub(crate) struct BindRequest {
    correlation_id: CorrelationId,
    /// `None` for a number of a country no region serves: it cannot be the
    /// flow's number, which the step answers with 8001.
    phone: Option<Phone>,
    client_request_id: Option<String>,
}

impl ParseJson for BindRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let cid = req_correlation_id(&mut f);
        let phone = req_phone(&mut f, "phoneNumber");
        let client_request_id = f.opt_str("clientRequestId");
        let (Some(correlation_id), Some(phone)) = (cid, phone) else {
            return Err(f.reject());
        };
        f.finish()?;
        let phone = phone.ok();
        Ok(BindRequest {
            correlation_id,
            phone,
            client_request_id,
        })
    }
}

/// `POST /v3/unify-bind`: binds a Prove Key after possession the customer ran itself.
pub(crate) async fn bind(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<BindRequest>,
) -> Result<Response, Fail> {
    let now = st.clock.now();
    let step = Step::UnifyBind;
    flow::step(
        &st,
        &who,
        &req.correlation_id,
        UNIFY,
        step,
        |record, _, data| {
            if req.phone.as_ref().is_none_or(|p| p.e164 != data.phone) {
                return Err(malformed("phoneNumber: is not the number of this flow"));
            }
            let (prove_id, identity) = new_identity(&st.key, record, &data, now);
            let (device_id, device) = new_device(record, &data, &prove_id, now);
            let body = json!({
                "success": "true",
                "proveId": prove_id,
                "deviceId": device_id,
                "phoneNumber": data.phone,
                "clientRequestId": req.client_request_id.clone().or(data.client_request_id.clone()),
            });
            let mut out = Outcome::to(FlowState::Done, data, body);
            out.effects = vec![identity, device];
            Ok(out)
        },
    )
    .await
}

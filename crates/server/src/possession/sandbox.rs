//! The sandbox endpoints that stand for what the user does on the phone:
//! entering the SMS code (`/sandbox/otp`) and clicking the Instant Link
//! (`/sandbox/instant-link`). They exist only on a sandbox instance (the
//! table's `sandbox_only`; `routes()` answers 404 on any other tier).

use crate::app::AppState;
use crate::domain::secrets;
use crate::http::{Json, ParseJson, ok};
use crate::possession::Fail;
use crate::possession::fields::PFields;
use crate::possession::flow::{
    Channel, FlowData, FlowKind, FlowState, PossessionState, next_map, next_of,
};
use crate::possession::store::FlowRecord;
use axum::extract::State;
use axum::response::Response;
use idv_core::PossessionError;
use idv_core::limits::{
    INSTANT_LINK_LIFETIME_SECONDS, POSSESSION_OTP_MAX_REENTRIES, SMS_OTP_LIFETIME_SECONDS,
};
use serde_json::{Map, Value, json};

/// The OTP that passes in the sandbox (vendor facts 1.10).
pub const SANDBOX_OTP: &str = "1234";

/// Loads the open flow a sandbox action is for, by its client auth token.
async fn sandbox_flow(st: &AppState, auth_token: &str) -> Result<FlowRecord, Fail> {
    st.store
        .get_flow_by_auth_token(&secrets::hash(auth_token))
        .await?
        .filter(|f| f.expires_at > st.clock.now() && f.state != FlowState::Done.as_str())
        .ok_or_else(|| PossessionError::InvalidCorrelationId.into())
}

/// The answer to a sandbox action the flow is not waiting for (its possession
/// check is already decided, or it runs on the other channel): the 403 of a
/// step called out of order, naming the calls the flow does allow now.
fn not_waiting(flow: &FlowRecord, data: &FlowData) -> Fail {
    let next = match (
        FlowKind::from_stored(&flow.kind),
        FlowState::from_stored(&flow.state),
    ) {
        (Some(kind), Some(state)) => next_map(&next_of(kind, state, data.possession)),
        _ => Default::default(),
    };
    PossessionError::StepCalledOutOfOrder { next }.into()
}

/// Applies a sandbox possession action to the flow of `auth_token`, retrying
/// when a concurrent request changed the flow first. `act` returns `None` when
/// the flow is not waiting for this action ([`not_waiting`]).
async fn sandbox_action<F>(st: &AppState, auth_token: &str, mut act: F) -> Result<Response, Fail>
where
    F: FnMut(&mut FlowData) -> Option<Value>,
{
    for _ in 0..8 {
        let flow = sandbox_flow(st, auth_token).await?;
        let mut data = FlowData::open(&st.key, &flow)?;
        let Some(body) = act(&mut data) else {
            return Err(not_waiting(&flow, &data));
        };
        if st
            .store
            .update_flow(
                &flow.correlation_id,
                flow.version,
                &flow.state,
                &data.seal(&st.key, &flow.correlation_id)?,
                &[],
            )
            .await?
        {
            return Ok(ok(body));
        }
    }
    Err(Fail::Internal(
        "the flow kept changing under concurrent requests".into(),
    ))
}

/// The body of `POST /sandbox/otp`.
pub(crate) struct OtpRequest {
    auth_token: String,
    otp: String,
}

impl ParseJson for OtpRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let auth_token = f.req_str("authToken");
        let otp = f.req_str("otp");
        let (Some(auth_token), Some(otp)) = (auth_token, otp) else {
            return Err(f.reject());
        };
        f.finish()?;
        Ok(OtpRequest { auth_token, otp })
    }
}

/// `POST /sandbox/otp`: the user types the SMS code into the client SDK.
/// `1234` passes; with `allowOTPRetry` the user may re-enter a wrong code 3 times.
/// A code entered more than 2 minutes after the SMS fails possession.
pub(crate) async fn otp(
    State(st): State<AppState>,
    Json(req): Json<OtpRequest>,
) -> Result<Response, Fail> {
    let now = st.clock.now();
    sandbox_action(&st, &req.auth_token, |data| {
        if data.possession != PossessionState::Pending || data.channel != Channel::Mobile {
            return None;
        }
        if now - data.possession_sent_at > SMS_OTP_LIFETIME_SECONDS as i64 {
            data.possession = PossessionState::Failed;
            return Some(json!({"success": false, "expired": true}));
        }
        if req.otp == SANDBOX_OTP {
            data.possession = PossessionState::Passed;
            return Some(json!({"success": true}));
        }
        data.otp_attempts += 1;
        let allowed = 1 + if data.allow_otp_retry {
            POSSESSION_OTP_MAX_REENTRIES
        } else {
            0
        };
        let remaining = allowed.saturating_sub(data.otp_attempts);
        if remaining == 0 {
            data.possession = PossessionState::Failed;
        }
        Some(json!({"success": false, "remainingAttempts": remaining}))
    })
    .await
}

/// The body of `POST /sandbox/instant-link`.
pub(crate) struct InstantLinkRequest {
    auth_token: String,
}

impl ParseJson for InstantLinkRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let Some(auth_token) = f.req_str("authToken") else {
            return Err(f.reject());
        };
        f.finish()?;
        Ok(InstantLinkRequest { auth_token })
    }
}

/// `POST /sandbox/instant-link`: stands for the user's click on the Instant Link.
/// A click more than 3 minutes after the SMS fails possession.
pub(crate) async fn instant_link(
    State(st): State<AppState>,
    Json(req): Json<InstantLinkRequest>,
) -> Result<Response, Fail> {
    let now = st.clock.now();
    sandbox_action(&st, &req.auth_token, |data| {
        if data.possession != PossessionState::Pending || data.channel != Channel::Desktop {
            return None;
        }
        if now - data.possession_sent_at > INSTANT_LINK_LIFETIME_SECONDS as i64 {
            data.possession = PossessionState::Failed;
            return Some(json!({"success": false, "expired": true}));
        }
        data.possession = PossessionState::Passed;
        Some(json!({"success": true, "redirectUrl": data.final_target_url}))
    })
    .await
}

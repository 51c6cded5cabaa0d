//! What outlives a flow: Prove Keys (`/v3/device/revoke`) and identities
//! (`GET /v3/identity/{identityId}`).

use crate::app::AppState;
use crate::guard::auth::Principal;
use crate::http::{Json, ParseJson, ok};
use crate::possession::Fail;
use crate::possession::fields::PFields;
use axum::extract::{Path, State};
use axum::response::Response;
use idv_core::PossessionError;
use serde_json::{Map, Value, json};

/// The body of `POST /v3/device/revoke`.
pub(crate) struct RevokeRequest {
    device_id: String,
}

impl ParseJson for RevokeRequest {
    type Error = PossessionError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = PFields::new(body);
        let device_id = f.req_str("deviceId");
        f.req_str("clientRequestId");
        let Some(device_id) = device_id else {
            return Err(f.reject());
        };
        f.finish()?;
        Ok(RevokeRequest { device_id })
    }
}

/// `POST /v3/device/revoke`.
pub(crate) async fn revoke(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<RevokeRequest>,
) -> Result<Response, Fail> {
    let revoked = st
        .store
        .revoke_device(&who.project.id, &req.device_id, st.clock.now())
        .await?;
    Ok(ok(json!({"success": revoked})))
}

/// `GET /v3/identity/{identityId}`.
pub(crate) async fn get_identity(
    State(st): State<AppState>,
    who: Principal,
    Path(identity_id): Path<String>,
) -> Result<Response, Fail> {
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

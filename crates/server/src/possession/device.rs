//! What outlives a flow: Prove Keys (`/v3/device/revoke`) and identities
//! (`GET /v3/identity/{identityId}`).
//!
//! An identity's record (names, date of birth, address, phone number: never an
//! SSN) is the customer's result and kept until deleted, so it is sealed with
//! the server key, bound to the identity id ([`seal_identity`]).

use crate::app::AppState;
use crate::domain::SealKey;
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
    let mut body = open_identity(&st.key, &rec.identity_id, &rec.data)?;
    if let Value::Object(m) = &mut body {
        m.insert("identityId".into(), json!(rec.identity_id));
    }
    Ok(ok(body))
}

/// The associated data that binds an identity's sealed record to its row.
fn identity_context(identity_id: &str) -> String {
    format!("identity:{identity_id}")
}

/// The stored form of an identity's record: its JSON sealed with `key`.
pub(crate) fn seal_identity(key: &SealKey, identity_id: &str, record: &Value) -> String {
    key.seal(
        record.to_string().as_bytes(),
        &identity_context(identity_id),
    )
}

/// Reads an identity's record back (plain JSON when it was stored before
/// identities were sealed).
fn open_identity(key: &SealKey, identity_id: &str, stored: &str) -> Result<Value, Fail> {
    if !SealKey::is_sealed(stored) {
        return Ok(serde_json::from_str(stored)?);
    }
    let json = key
        .open(stored, &identity_context(identity_id))
        .ok_or_else(|| {
            Fail::Internal(format!(
                "identity {identity_id} does not open with this server key \
                 (instances sharing a database must share the key)"
            ))
        })?;
    Ok(serde_json::from_slice(&json)?)
}

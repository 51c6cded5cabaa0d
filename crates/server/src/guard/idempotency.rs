//! The Idempotency-Key guard, behind authentication on every operation whose
//! table row says `idempotent`: a repeated key is answered with the stored
//! response (same body) or the surface's "key reused" error (another body),
//! and 2xx responses of new keys are stored until the flow's correlation id
//! expires ([`KeyExpiry`]).

use crate::app::AppState;
use crate::domain::secrets;
use crate::guard::auth::Authenticated;
use crate::http::error::{Failure, render};
use crate::http::input::{SurfaceInput, malformed, read_limited};
use crate::http::json_bytes;
use crate::store::IdempotencyRecord;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use idv_core::limits::headers::IDEMPOTENCY_KEY;
use idv_core::limits::{CORRELATION_ID_LIFETIME_SECONDS, IDEMPOTENCY_KEY_MAX_LENGTH};

/// When an Idempotency-Key stored for a response expires: handlers set it on
/// their response to the expiry of the flow's correlation id.
#[derive(Debug, Clone, Copy)]
pub struct KeyExpiry(pub i64);

/// The errors this guard answers with, from the surface's enum.
pub trait IdempotencyErrors: SurfaceInput {
    /// No authenticated caller (possession: 8002).
    fn unauthorized() -> Self;
    /// The key was used with another body.
    fn key_reused(key: String) -> Self;
}

/// The guard, for a surface whose errors are `E` (a route layer through
/// `from_fn_with_state`).
pub async fn guard<E: IdempotencyErrors>(
    State(st): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let project = match req.extensions().get::<Authenticated>() {
        Some(Authenticated {
            principal: Some(p), ..
        }) => p.project.clone(),
        _ => return render(&E::unauthorized()),
    };
    let Some(key) = req.headers().get(IDEMPOTENCY_KEY) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k)
            if !k.is_empty()
                && k.len() <= IDEMPOTENCY_KEY_MAX_LENGTH as usize
                && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            k.to_string()
        }
        _ => {
            return malformed::<E>(format!(
                "Idempotency-Key: must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters"
            ))
            .into_response();
        }
    };
    let (parts, body) = req.into_parts();
    let bytes = match read_limited::<E>(body).await {
        Ok(b) => b,
        Err(f) => return f.into_response(),
    };
    let mut material = Vec::with_capacity(bytes.len() + 64);
    material.extend_from_slice(parts.uri.path().as_bytes());
    material.push(0);
    material.extend_from_slice(&bytes);
    let request_hash = secrets::hash_bytes(&material);
    let now = st.clock.now();
    match st.store.get_idempotency(&project.id, &key, now).await {
        Err(e) => return Failure::<E>::from(e).into_response(),
        Ok(Some(rec)) if rec.request_hash == request_hash => {
            // The stored bytes are sent again as they were, not re-encoded.
            let status = StatusCode::from_u16(rec.status as u16).unwrap_or(StatusCode::OK);
            return json_bytes(status, rec.body);
        }
        Ok(Some(_)) => return render(&E::key_reused(key)),
        Ok(None) => {}
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !resp.status().is_success() {
        return resp;
    }
    let expires_at = resp
        .extensions()
        .get::<KeyExpiry>()
        .map(|k| k.0)
        .unwrap_or(now + CORRELATION_ID_LIFETIME_SECONDS as i64);
    let (rparts, rbody) = resp.into_parts();
    let rbytes = match axum::body::to_bytes(rbody, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            return Failure::<E>::Internal(format!("reading response body: {e}")).into_response();
        }
    };
    let rec = IdempotencyRecord {
        project_id: project.id.clone(),
        key,
        request_hash,
        status: i64::from(rparts.status.as_u16()),
        body: String::from_utf8_lossy(&rbytes).into_owned(),
        expires_at,
    };
    if let Err(e) = st.store.put_idempotency(&rec, now).await {
        // The step itself is committed; losing the stored copy only costs a later replay.
        tracing::warn!(error = %e, "could not store the Idempotency-Key response");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

//! The Idempotency-Key guard, behind authentication on every operation whose
//! table row says `idempotent`. A request with a key claims it before it runs
//! (one conditional insert per project and key, [`IdempotencyStore`]), so of
//! any number of identical requests, on any number of instances, one runs:
//!
//! - the request that wins the claim runs; a 2xx answer is stored, sealed with
//!   the server key (it may carry a flow's auth token), until the flow's
//!   correlation id expires ([`KeyExpiry`]); any other answer gives the key back,
//!   so a corrected retry can run;
//! - a repeat with the same body gets the stored bytes again, byte for byte;
//!   while the first request is still running it waits for that answer, up to
//!   [`WAIT`], then gets the surface's "request in progress" 409 with
//!   `Retry-After` (never a second execution);
//! - a repeat with another body gets the surface's "key reused" error;
//! - a claim whose owner never answers (a crashed process) lapses after
//!   [`CLAIM_LEASE_SECONDS`], and the next request with the key runs.
//!
//! A handler that writes can store its 2xx answer itself, in the transaction of
//! its own change ([`HeldKey::answer`], written by the surface's store, and
//! [`AnswerStored`] on its response), so a crash never leaves the change
//! without its answer; the guard stores the answer of any other 2xx.
//!
//! [`IdempotencyStore`]: crate::store::IdempotencyStore

use crate::app::AppState;
use crate::domain::{SealKey, secrets};
use crate::guard::auth::Authenticated;
use crate::http::error::{Failure, render};
use crate::http::input::{SurfaceInput, malformed, read_limited};
use crate::http::json_bytes;
use crate::store::{Claim, DynStore, IdempotencyEntry, IdempotencyRecord};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use idv_core::limits::headers::{IDEMPOTENCY_KEY, RETRY_AFTER};
use idv_core::limits::{CORRELATION_ID_LIFETIME_SECONDS, IDEMPOTENCY_KEY_MAX_LENGTH};
use std::time::Duration;
use tokio::time::Instant;

/// How long a duplicate of a request in progress waits for its answer before
/// the "request in progress" 409.
pub const WAIT: Duration = Duration::from_secs(5);

/// How long a claim holds a key without an answer: past it, the request that
/// claimed it is taken to be gone (its process stopped) and another request
/// with the key may run. Longer than any request takes.
pub const CLAIM_LEASE_SECONDS: i64 = 60;

/// The `Retry-After` of the "request in progress" 409, seconds.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// The first and the longest pause between two looks at a key in progress.
const FIRST_PAUSE: Duration = Duration::from_millis(5);
const LONGEST_PAUSE: Duration = Duration::from_millis(100);

/// When an Idempotency-Key stored for a response expires: handlers set it on
/// their response to the expiry of the flow's correlation id.
#[derive(Debug, Clone, Copy)]
pub struct KeyExpiry(pub i64);

/// On a response: its handler stored it for the key in the transaction of its
/// own change ([`HeldKey::answer`]), so the guard does not store it again.
#[derive(Debug, Clone, Copy)]
pub struct AnswerStored;

/// The Idempotency-Key the running request holds, for a handler that stores its
/// answer with its change ([`HeldKey::current`]).
#[derive(Clone)]
pub struct HeldKey {
    project_id: String,
    key: String,
    request_hash: String,
    claim: String,
    seal: SealKey,
}

tokio::task_local! {
    /// The key the request running in this task holds (set by the guard around
    /// the handler).
    static HELD_KEY: HeldKey;
}

impl HeldKey {
    /// The key the request running in this task holds, if it came with one.
    pub fn current() -> Option<HeldKey> {
        HELD_KEY.try_with(HeldKey::clone).ok()
    }

    /// The record that completes the key with this 2xx answer (`body` as
    /// sent, sealed here as the guard seals it), expiring at `expires_at`, and
    /// the claim it must be written under: for the surface's store to write
    /// with the change; the handler then marks its response [`AnswerStored`].
    pub fn answer(&self, status: u16, body: &[u8], expires_at: i64) -> (IdempotencyRecord, String) {
        (
            IdempotencyRecord {
                project_id: self.project_id.clone(),
                key: self.key.clone(),
                request_hash: self.request_hash.clone(),
                status: i64::from(status),
                body: self
                    .seal
                    .seal(body, &seal_context(&self.project_id, &self.key)),
                expires_at,
            },
            self.claim.clone(),
        )
    }
}

/// The errors this guard answers with, from the surface's enum.
pub trait IdempotencyErrors: SurfaceInput {
    /// No authenticated caller (possession: 8002).
    fn unauthorized() -> Self;
    /// The key was used with another body.
    fn key_reused(key: String) -> Self;
    /// A request with the key and the same body is still running (a 409 sent
    /// with `Retry-After`).
    fn in_progress(key: String) -> Self;
}

/// What the stored body of `key` is sealed to: the project and the key, so a
/// body copied into another row does not open.
fn seal_context(project_id: &str, key: &str) -> String {
    format!("idempotency-key\0{project_id}\0{key}")
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
    let claim = secrets::random_hex(16);
    let store = &st.store;
    let project_id = project.id.as_str();

    let deadline = Instant::now() + WAIT;
    let mut pause = FIRST_PAUSE;
    let claim_now = |now: i64| {
        store.claim_idempotency(
            project_id,
            &key,
            &request_hash,
            &claim,
            now + CLAIM_LEASE_SECONDS,
            now,
        )
    };
    let mut entry = match claim_now(st.clock.now()).await {
        Err(e) => return Failure::<E>::from(e).into_response(),
        Ok(Claim::Won) => None,
        Ok(Claim::Taken(entry)) => Some(entry),
    };
    loop {
        match entry {
            None => break,
            Some(e) if e.request_hash() != request_hash => return render(&E::key_reused(key)),
            Some(IdempotencyEntry::Done(rec)) => return replay::<E>(&st.key, rec),
            Some(IdempotencyEntry::InProgress { .. }) => {}
        }
        if Instant::now() + pause > deadline {
            let mut resp = render(&E::in_progress(key));
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            return resp;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
        let now = st.clock.now();
        // A read while the key is held; a claim once it is free again (the
        // request failed and gave it back, or its lease ran out).
        entry = match store.get_idempotency(project_id, &key, now).await {
            Err(e) => return Failure::<E>::from(e).into_response(),
            Ok(Some(e)) => Some(e),
            Ok(None) => match claim_now(now).await {
                Err(e) => return Failure::<E>::from(e).into_response(),
                Ok(Claim::Won) => None,
                Ok(Claim::Taken(e)) => Some(e),
            },
        };
    }

    // This request holds the key: run it.
    let mut held = Held {
        store: store.clone(),
        project_id: project.id.clone(),
        key: key.clone(),
        claim: claim.clone(),
        armed: true,
    };
    let now = st.clock.now();
    let held_key = HeldKey {
        project_id: project.id.clone(),
        key: key.clone(),
        request_hash: request_hash.clone(),
        claim: claim.clone(),
        seal: st.key.clone(),
    };
    let resp = HELD_KEY
        .scope(
            held_key,
            next.run(Request::from_parts(parts, Body::from(bytes))),
        )
        .await;
    if !resp.status().is_success() {
        // Nothing took effect: give the key back so a retry can run.
        held.armed = false;
        if let Err(e) = store.release_idempotency(project_id, &key, &claim).await {
            tracing::warn!(error = %e, "could not release an Idempotency-Key; it lapses with its lease");
        }
        return resp;
    }
    // From here the request has taken effect: the key stays claimed whatever
    // happens, so no retry runs it again before the lease runs out.
    held.armed = false;
    if resp.extensions().get::<AnswerStored>().is_some() {
        // Stored with the change, in the handler's transaction.
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
    let body = st.key.seal(&rbytes, &seal_context(project_id, &key));
    let rec = IdempotencyRecord {
        project_id: project.id.clone(),
        key,
        request_hash,
        status: i64::from(rparts.status.as_u16()),
        body,
        expires_at,
    };
    match store.complete_idempotency(&rec, &claim).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            "an Idempotency-Key's claim lapsed before its request answered; the answer is not stored"
        ),
        // The step itself is committed; the key stays claimed until its lease
        // runs out, so retries get the 409 until then, never a second run.
        Err(e) => tracing::warn!(error = %e, "could not store the Idempotency-Key response"),
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

/// The stored answer, sent again as it was stored, not re-encoded.
fn replay<E: IdempotencyErrors>(key: &SealKey, rec: IdempotencyRecord) -> Response {
    let status = StatusCode::from_u16(rec.status as u16).unwrap_or(StatusCode::OK);
    if !SealKey::is_sealed(&rec.body) {
        // Stored before responses were sealed.
        return json_bytes(status, rec.body);
    }
    match key.open(&rec.body, &seal_context(&rec.project_id, &rec.key)) {
        Some(body) => json_bytes(status, Bytes::from(body)),
        None => Failure::<E>::Internal(
            "a stored Idempotency-Key response does not open with the server key (was the key changed?)"
                .into(),
        )
        .into_response(),
    }
}

/// A claim held by a running request. If the request never comes back to
/// settle it (its handler panicked), dropping it gives the key back, so the
/// caller's retry runs instead of waiting for the lease.
struct Held {
    store: DynStore,
    project_id: String,
    key: String,
    claim: String,
    armed: bool,
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        let (project_id, key, claim) = (
            std::mem::take(&mut self.project_id),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.claim),
        );
        rt.spawn(async move {
            if let Err(e) = store.release_idempotency(&project_id, &key, &claim).await {
                tracing::warn!(error = %e, "could not release an Idempotency-Key; it lapses with its lease");
            }
        });
    }
}

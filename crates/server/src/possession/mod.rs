//! The possession surface (compatible with Prove's v3 API): POST /token, the
//! Pre-Fill and Prove Identity flows, Unify, device revoke, identity lookup, and
//! the sandbox endpoints that stand for what the user does on the phone.
//!
//! The surface is three declarations and its handlers: [`OPERATIONS`] (the
//! table every route, fallback and document is derived from), [`EDGE`] (what the
//! edge sends for paths of this surface) and [`routes`] (the router built from
//! the table, one `match` from operation id to handler).
//!
//! Boundary: imports `http`, `guard`, `domain`, `app`, its store and idv-core;
//! never another surface. Renders only [`PossessionError`].

mod device;
mod fields;
mod flow;
mod prefill;
mod sandbox;
pub mod store;
pub mod test_users;
mod token;
mod unify;

use crate::app::AppState;
use crate::domain::Tier;
use crate::guard::auth::require_principal;
use crate::guard::idempotency::{self, IdempotencyErrors};
use crate::http::error::{Failure, Rendered, SurfaceError, internal, render, render_once};
use crate::http::input::{SurfaceInput, over_limit};
use crate::http::surface::method_filter;
use crate::http::{RateKey, SurfaceEdge};
use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::{MethodRouter, on};
use idv_core::PossessionError;
use idv_core::limits::{POSSESSION_MAX_BODY_BYTES, POSSESSION_RATE_LIMIT_PER_SECOND};
use idv_core::operation::{AuthKind, Operation};
use std::sync::OnceLock;

pub use sandbox::SANDBOX_OTP;

/// The surface's operations: the single source of its routes.
pub const OPERATIONS: &[Operation] = idv_core::operations::POSSESSION;

/// What the edge sends for this surface: 4 KB bodies, 25 requests a second per
/// OAuth client, and its catalogued 403, 404, 429 (8018), 8000, 503, 8001 and
/// 8002.
pub const EDGE: SurfaceEdge = SurfaceEdge {
    name: "possession",
    max_body: POSSESSION_MAX_BODY_BYTES,
    rate_key: RateKey::OAuthClient {
        token_path: "/token",
    },
    quota_per_second: POSSESSION_RATE_LIMIT_PER_SECOND,
    operations: OPERATIONS,
    wrong_url_or_method: || render(&PossessionError::WrongUrlOrMethod),
    unknown_path: || render(&PossessionError::UnknownPath),
    rate_limited: || render(&PossessionError::RateLimitExceeded),
    internal: internal::<PossessionError>,
    timed_out: || render(&PossessionError::RequestTimedOut),
    too_large,
    malformed: |reasons| render(&PossessionError::MalformedRequest { reasons }),
    unauthorized: || render(&PossessionError::UnauthorizedRequest),
};

/// A failure of this surface.
pub(crate) type Fail = Failure<PossessionError>;

/// 8001 with the given reasons.
pub(crate) fn malformed(reasons: impl Into<String>) -> Fail {
    crate::http::input::malformed(reasons)
}

/// The 8001 of a body over 4 KB; its body never changes, so it is rendered once.
fn too_large() -> Response {
    static RENDERED: Rendered = OnceLock::new();
    render_once(&RENDERED, over_limit::<PossessionError>)
}

impl SurfaceError for PossessionError {
    fn internal() -> Self {
        PossessionError::InternalError
    }
}

impl SurfaceInput for PossessionError {
    const MAX_BODY: u64 = POSSESSION_MAX_BODY_BYTES;
    fn malformed(reasons: String) -> Self {
        PossessionError::MalformedRequest { reasons }
    }
}

impl IdempotencyErrors for PossessionError {
    fn unauthorized() -> Self {
        PossessionError::UnauthorizedRequest
    }
    fn key_reused(key: String) -> Self {
        PossessionError::IdempotencyKeyReused { key }
    }
    fn in_progress(key: String) -> Self {
        PossessionError::RequestInProgress { key }
    }
}

/// The routes of every operation of [`OPERATIONS`] but the OpenAPI document
/// (`getOpenApi`, which `app` mounts from `openapi`). What guards a route
/// comes from its row: `AccessToken` requires the caller the edge authenticated
/// (8002 otherwise), `idempotent` adds the Idempotency-Key guard behind it, and
/// `sandbox_only` operations answer the unknown-path 404 on any other tier.
///
/// Panics when a row has no handler, so a new row without one fails every test
/// that builds the router.
pub fn routes(st: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for op in OPERATIONS {
        if op.id == "getOpenApi" {
            continue;
        }
        let mut route = if op.sandbox_only && st.tier != Tier::Sandbox {
            on(method_filter(op.method), || async { (EDGE.unknown_path)() })
        } else {
            handler(op)
        };
        if op.idempotent {
            route = route.route_layer(from_fn_with_state(
                st.clone(),
                idempotency::guard::<PossessionError>,
            ));
        }
        if op.auth == AuthKind::AccessToken {
            route = route.route_layer(from_fn(require_principal));
        }
        router = router.route(op.path, route);
    }
    router
}

/// The handler of `op`, by its id.
fn handler(op: &Operation) -> MethodRouter<AppState> {
    let m = method_filter(op.method);
    match op.id {
        "token" => on(m, token::token),
        "prefillStart" => on(m, prefill::start),
        "prefillValidate" => on(m, prefill::validate),
        "prefillChallenge" => on(m, prefill::challenge),
        "prefillComplete" => on(m, prefill::complete),
        "unifyStart" => on(m, unify::start),
        "unifyStatus" => on(m, unify::status),
        "unifyBind" => on(m, unify::bind),
        "revokeDevice" => on(m, device::revoke),
        "getIdentity" => on(m, device::get_identity),
        "sandboxOtp" => on(m, sandbox::otp),
        "sandboxInstantLink" => on(m, sandbox::instant_link),
        other => panic!("possession operation {other} has no handler in possession::handler"),
    }
}

/// The path of the operation `id` (the flow's `next` map names paths from the table).
fn path_of(id: &str) -> &'static str {
    OPERATIONS
        .iter()
        .find(|op| op.id == id)
        .map_or_else(|| panic!("no possession operation {id}"), |op| op.path)
}

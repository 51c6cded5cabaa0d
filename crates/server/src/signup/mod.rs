//! The signup surface (compatible with the 1-Click Signup API): brands and
//! their API keys, `POST /1-click`, `GET /1-click/{uuid}` and
//! `PATCH /1-click/{uuid}`, behind the firewall (`crate::firewall`).
//!
//! Like every surface it is three declarations and its handlers: [`OPERATIONS`]
//! (the table its routes, fallbacks and documents come from), [`EDGE`] (what the
//! edge sends for paths under `/1-click`) and [`routes`] (one `match` from
//! operation id to handler, every route behind the firewall's layer and, for
//! `api_key` rows, the API key check of [`auth::Caller`]).
//!
//! Boundary: imports `http`, `guard`, `domain`, `app`, its store, the firewall
//! (the designed exception) and idv-core. Renders [`SignupError`], and the
//! firewall's 429 for the edge's failure budget.

pub mod auth;
pub mod brands;
mod one_click;
pub mod risk;
pub mod sandbox;
pub mod store;

use crate::app::AppState;
use crate::firewall;
use crate::http::error::{Failure, Rendered, SurfaceError, internal, render, render_once};
use crate::http::input::{SurfaceInput, over_limit};
use crate::http::surface::method_filter;
use crate::http::{RateKey, SurfaceEdge};
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{MethodRouter, on, options};
use idv_core::limits::{FIREWALL_RATE_LIMIT_PER_SECOND, SIGNUP_MAX_BODY_BYTES};
use idv_core::operation::Operation;
use idv_core::{FirewallError, SignupError};
use std::sync::OnceLock;

/// The surface's operations: the single source of its routes.
pub const OPERATIONS: &[Operation] = idv_core::operations::SIGNUP;

/// What the edge sends for this surface: 16 KB bodies, no rate limit of the
/// edge's own (the firewall's volume rule limits each client IP), and its
/// catalogued IDV003, IDV004, ERR001, IDV006 (the handler timeout), IDV002 and
/// IDV001; a client over its
/// failed-authentication budget gets the firewall's 429.
pub const EDGE: SurfaceEdge = SurfaceEdge {
    name: "signup",
    max_body: SIGNUP_MAX_BODY_BYTES,
    rate_key: RateKey::Firewall,
    quota_per_second: FIREWALL_RATE_LIMIT_PER_SECOND,
    operations: OPERATIONS,
    wrong_url_or_method: || render(&SignupError::SignupWrongMethod),
    unknown_path: || render(&SignupError::SignupUnknownPath),
    rate_limited: || render(&FirewallError::AbnormalRequestVolume),
    internal: internal::<SignupError>,
    timed_out: || render(&SignupError::SignupRequestTimedOut),
    too_large,
    malformed: |reasons| render(&SignupError::SignupMalformedRequest { reasons }),
    unauthorized: || render(&SignupError::NotAuthenticated),
};

/// A failure of this surface.
pub(crate) type Fail = Failure<SignupError>;

/// The IDV002 of a body over 16 KB; its body never changes, so it is rendered once.
fn too_large() -> Response {
    static RENDERED: Rendered = OnceLock::new();
    render_once(&RENDERED, over_limit::<SignupError>)
}

impl SurfaceError for SignupError {
    fn internal() -> Self {
        SignupError::GenericError
    }
}

impl SurfaceInput for SignupError {
    const MAX_BODY: u64 = SIGNUP_MAX_BODY_BYTES;
    fn malformed(reasons: String) -> Self {
        SignupError::SignupMalformedRequest { reasons }
    }
}

/// The routes of every operation of [`OPERATIONS`], each behind the firewall.
/// Each path also answers `OPTIONS`, so the firewall sees CORS preflights; an
/// `OPTIONS` that is not a preflight gets the wrong-method 403.
///
/// Panics when a row has no handler, so a new row without one fails every test
/// that builds the router.
pub fn routes(st: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    let mut paths: Vec<&str> = Vec::new();
    for op in OPERATIONS {
        let mut route = handler(op);
        if !paths.contains(&op.path) {
            paths.push(op.path);
            route = route.merge(options(|| async { (EDGE.wrong_url_or_method)() }));
        }
        router = router.route(
            op.path,
            route.route_layer(from_fn_with_state(st.clone(), firewall::guard)),
        );
    }
    router
}

/// The handler of `op`, by its id.
fn handler(op: &Operation) -> MethodRouter<AppState> {
    let m = method_filter(op.method);
    match op.id {
        "oneClickStart" => on(m, one_click::start),
        "oneClickGet" => on(m, one_click::get),
        "oneClickPatch" => on(m, one_click::patch),
        other => panic!("signup operation {other} has no handler in signup::handler"),
    }
}

//! The verification surface (compatible with Colleckt's API, seed 001):
//! `/api/v1/{flow}/verifications…` for the `usps1583` and `identity` flows,
//! the workspace's address blacklist, all behind a workspace's personal access
//! token `<id>|<secret>`.
//!
//! Like possession, the surface is three declarations and its handlers:
//! [`OPERATIONS`] (the table every route, fallback and document is derived
//! from), [`EDGE`] (what the edge sends for paths under `/api/`) and
//! [`routes`] (the router built from the table, one `match` from operation id
//! to handler). The pure domain: [`flows`] (what each flow accepts),
//! [`expected`] (the create body and its field-by-field 422 validation, with
//! [`fields`], the 422 collector), [`status`] (statuses, the lifecycle table,
//! the decision cascade) and [`model`] (the wire types).
//!
//! Boundary: imports `http`, `guard`, `domain`, `app`, its store and idv-core;
//! never another surface. Renders only [`VerificationError`].

mod blacklist;
mod capture;
pub mod expected;
pub mod fields;
pub mod flows;
pub mod model;
pub mod status;
pub mod store;
mod verifications;

use crate::app::AppState;
use crate::guard::auth::require_workspace;
use crate::http::error::{Failure, Rendered, SurfaceError, internal, render, render_once};
use crate::http::input::SurfaceInput;
use crate::http::respond::json_response;
use crate::http::surface::method_filter;
use crate::http::{RateKey, SurfaceEdge};
use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn;
use axum::response::Response;
use axum::routing::{MethodRouter, get, on};
use idv_core::VerificationError;
use idv_core::limits::{IMAGE_MAX_BYTES, VERIFICATION_RATE_LIMIT_PER_SECOND};
use idv_core::operation::{AuthKind, Operation};
use serde_json::{Value, json};
use status::Action;
use std::sync::OnceLock;

/// The surface's operations: the single source of its routes.
pub const OPERATIONS: &[Operation] = idv_core::operations::VERIFICATION;

/// The largest request body: a document upload carries two images
/// (`document.image` and `back_side_data`) of at most `IMAGE_MAX_BYTES` each,
/// base64-encoded (4 characters per 3 bytes), plus 64 KiB for the rest of the
/// JSON. Every other operation's body is far smaller and is checked field by
/// field once read.
pub const MAX_BODY: u64 = 2 * IMAGE_MAX_BYTES.div_ceil(3) * 4 + 64 * 1024;

/// What the edge sends for this surface: bodies up to [`MAX_BODY`], 25
/// requests a second per workspace, the catalogued 401, 404, 429, 500 and 503 (handler timeout), and
/// the 400 of a body that is not a JSON object.
pub const EDGE: SurfaceEdge = SurfaceEdge {
    name: "verification",
    max_body: MAX_BODY,
    rate_key: RateKey::Workspace,
    quota_per_second: VERIFICATION_RATE_LIMIT_PER_SECOND,
    operations: OPERATIONS,
    // Colleckt answers an unknown route, a wrong API version, an unknown flow
    // segment and a wrong method alike with a 404 (seed 001); the surface has
    // no 403 or 405 for routing.
    wrong_url_or_method: || render(&VerificationError::RouteNotFound),
    unknown_path: || render(&VerificationError::RouteNotFound),
    rate_limited: || render(&VerificationError::TooManyRequests),
    internal: internal::<VerificationError>,
    timed_out: || render(&VerificationError::VerificationRequestTimedOut),
    too_large,
    // The edge's malformed request is a path parameter that does not
    // percent-decode to UTF-8: no resource or route has such a name, so it is
    // the surface's 404 (an unknown id is a 404 too), never the body's 400.
    malformed: |_reasons| render(&VerificationError::RouteNotFound),
    unauthorized: || render(&VerificationError::Unauthenticated),
};

/// A failure of this surface.
pub(crate) type Fail = Failure<VerificationError>;

impl From<fields::Invalid> for Fail {
    fn from(e: fields::Invalid) -> Fail {
        Failure::Invalid(e.0)
    }
}

/// A body over [`MAX_BODY`]: more than two images of 10 MB can hold.
fn too_large() -> Response {
    static RENDERED: Rendered = OnceLock::new();
    render_once(&RENDERED, || VerificationError::ImageTooLarge {
        field: "body".into(),
    })
}

impl SurfaceError for VerificationError {
    fn internal() -> Self {
        VerificationError::ServerError
    }
}

impl SurfaceInput for VerificationError {
    const MAX_BODY: u64 = MAX_BODY;
    fn malformed(_reasons: String) -> Self {
        VerificationError::MalformedBody
    }
}

/// The routes of every operation of [`OPERATIONS`]. Every row of this surface
/// needs a workspace's personal access token (the surface's 401 otherwise).
///
/// Panics when a row has no handler, so a new row without one fails every test
/// that builds the router.
pub fn routes(_st: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for op in OPERATIONS {
        let mut route = handler(op);
        if op.auth == AuthKind::PersonalAccessToken {
            route = route.route_layer(from_fn(require_workspace));
        }
        if op.path.contains("/{flow}/") {
            // Outside the token check: an unknown flow is an unknown path,
            // with or without a valid token.
            route = route.route_layer(from_fn(known_flow));
        }
        router = router.route(op.path, route);
    }
    // The end-user page and its QR code: not API operations (the capture
    // token in the query is their credential), so outside the table.
    router
        .route("/api/v1/capture", get(capture::page))
        .route("/api/v1/capture/qr.png", get(capture::qr))
}

/// The handler of `op`, by its id.
fn handler(op: &Operation) -> MethodRouter<AppState> {
    let m = method_filter(op.method);
    match op.id {
        "listVerifications" => on(m, verifications::list_flow),
        "listAllVerifications" => on(m, verifications::list_all),
        "createVerification" => on(m, verifications::create),
        "showVerification" => on(m, verifications::show),
        "deleteVerification" => on(m, verifications::erase),
        "createVerificationComment" => on(m, verifications::add_comment),
        "submitVerification" => action(m, Action::Submit),
        "cancelVerification" => action(m, Action::Cancel),
        "holdVerification" => action(m, Action::Hold),
        "resumeVerification" => action(m, Action::Resume),
        "resubmitVerification" => action(m, Action::Resubmit),
        "approveVerification" => action(m, Action::Approve),
        "rejectVerification" => action(m, Action::Reject),
        "listAddressBlacklist" => on(m, blacklist::list),
        "createAddressBlacklistEntry" => on(m, blacklist::create),
        "deleteAddressBlacklistEntry" => on(m, blacklist::delete),
        other => panic!("verification operation {other} has no handler in verification::handler"),
    }
}

/// The route layer of `/api/v1/{flow}/…` rows: an unknown flow segment is the
/// surface's 404, as any unknown path.
async fn known_flow(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let segment = req.uri().path().split('/').nth(3).unwrap_or_default();
    if flows::Flow::from_path(segment).is_none() {
        return render(&VerificationError::RouteNotFound);
    }
    next.run(req).await
}

/// The route of a lifecycle action.
fn action(m: axum::routing::MethodFilter, a: Action) -> MethodRouter<AppState> {
    on(m, move |st, ws, path, req| {
        verifications::act(a, st, ws, path, req)
    })
}

/// A successful answer: `{"data": …}`, the omit-empty convention applied
/// inside `data` (which is always there, an empty list included).
pub(crate) fn data(status: StatusCode, mut value: Value) -> Response {
    idv_core::json::omit_empty(&mut value);
    json_response(status, &json!({ "data": value }))
}

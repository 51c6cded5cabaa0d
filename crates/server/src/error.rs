//! How the possession surface turns failures into responses.
//!
//! Handlers and guards return [`Failure`]: either a catalogued [`PossessionError`]
//! or an internal cause. Both are rendered here, and only here, through idv-core,
//! so no error body is ever written by hand. An internal cause is answered with
//! the catalogued 8000 body and travels on the response ([`InternalCause`]) to
//! the edge, which logs it with the request id.

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use idv_core::{CatalogError, ErrorId, PossessionError};
use serde_json::Value;
use std::sync::OnceLock;

/// A failed request.
#[derive(Debug)]
pub enum Failure {
    /// A catalogued error, sent as it is.
    Api(PossessionError),
    /// An internal failure: the cause goes to the log, the caller gets 8000.
    Internal(String),
}

impl Failure {
    /// 8001 with the given reasons.
    pub fn malformed(reasons: impl Into<String>) -> Failure {
        Failure::Api(PossessionError::MalformedRequest {
            reasons: reasons.into(),
        })
    }
}

impl From<PossessionError> for Failure {
    fn from(e: PossessionError) -> Failure {
        Failure::Api(e)
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Failure {
        Failure::Internal(e.to_string())
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Failure {
        Failure::Internal(format!("JSON: {e}"))
    }
}

/// Renders a catalogued error: its status and its wire body from idv-core.
///
/// The body of an entry without parameters never changes, so it is rendered once
/// and its bytes reused: the error paths that carry load (8002, 8018, 8000) then
/// cost no JSON work.
pub fn render(e: &PossessionError) -> Response {
    if e.meta().params.is_empty() {
        static BODIES: OnceLock<Vec<Rendered>> = OnceLock::new();
        let bodies = BODIES.get_or_init(|| ErrorId::ALL.iter().map(|_| OnceLock::new()).collect());
        return render_once(&bodies[e.id() as usize], || e.clone());
    }
    json_response(status_of(e), &e.body())
}

/// A catalogued error's status and body, rendered once.
pub type Rendered = OnceLock<(StatusCode, Bytes)>;

/// Renders the error `make` gives into `cell` the first time and sends the same
/// status and bytes after: for a catalogued error whose body never changes (an
/// entry without parameters, or one whose parameters are constant).
pub fn render_once(cell: &Rendered, make: impl FnOnce() -> PossessionError) -> Response {
    let (status, bytes) = cell.get_or_init(|| {
        let e = make();
        (status_of(&e), Bytes::from(e.body().to_string()))
    });
    json_bytes(*status, bytes.clone())
}

fn status_of(e: &PossessionError) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON response; the body is sent as given (callers apply omit-empty).
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    json_bytes(status, body.to_string())
}

/// A response whose body is JSON text already serialized (a cached error body, or
/// a response stored for an Idempotency-Key).
pub fn json_bytes(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut resp = (status, body.into()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A 200 JSON response with the omit-empty convention applied.
pub fn ok(mut body: Value) -> Response {
    idv_core::json::omit_empty(&mut body);
    json_response(StatusCode::OK, &body)
}

/// The cause of an 8000, carried on the response to the edge (`app::App`),
/// which logs it with the request id whatever the log level lets through.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Api(e) => render(&e),
            Failure::Internal(cause) => {
                let mut resp = render(&PossessionError::InternalError);
                resp.extensions_mut().insert(InternalCause(cause));
                resp
            }
        }
    }
}

//! How a surface's failures become responses.
//!
//! Handlers and guards return [`Failure<E>`]: either a catalogued error of the
//! surface's enum `E` or an internal cause. Both are rendered here, and only here,
//! through idv-core (each entry in its surface's wire dialect), so no error body
//! is ever written by hand. An internal cause is answered with the surface's
//! catalogued internal error and travels on the response ([`InternalCause`]) to
//! the edge, which logs it with the request id.

use crate::http::respond::{json_bytes, json_response};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use idv_core::wire::{ApiError, render_validation};
use idv_core::{CatalogError, ErrorId};
use std::sync::OnceLock;

/// A surface's error enum, as the generic plumbing needs it.
pub trait SurfaceError: CatalogError + Clone + Send + Sync + 'static {
    /// The catalogued answer to an internal failure (possession: 8000).
    fn internal() -> Self;
}

/// A failed request of a surface whose errors are `E`.
#[derive(Debug)]
pub enum Failure<E> {
    /// A catalogued error, sent as it is.
    Api(E),
    /// Several validation errors of a `message_errors` surface, sent as one
    /// 422 body: the first message followed by `(and N more errors)`, every
    /// message under its field (`idv_core::wire::render_validation`). One
    /// error is sent as [`Failure::Api`] would send it.
    Invalid(Vec<E>),
    /// An internal failure: the cause goes to the log, the caller gets the
    /// surface's internal error.
    Internal(String),
}

impl<E> From<E> for Failure<E>
where
    E: SurfaceError,
{
    fn from(e: E) -> Failure<E> {
        Failure::Api(e)
    }
}

impl<E> From<crate::store::StoreError> for Failure<E> {
    fn from(e: crate::store::StoreError) -> Failure<E> {
        Failure::Internal(e.to_string())
    }
}

impl<E> From<serde_json::Error> for Failure<E> {
    fn from(e: serde_json::Error) -> Failure<E> {
        Failure::Internal(format!("JSON: {e}"))
    }
}

/// Renders a catalogued error of any surface: its status and its wire body from
/// idv-core, in the dialect of the entry's surface.
///
/// The body of an entry without parameters never changes, so it is rendered once
/// and its bytes reused: the error paths that carry load (possession's 8002, 8018,
/// 8000) then cost no JSON work. The cache is indexed by [`ErrorId`], which is
/// unique across surfaces, so one table serves every error enum.
pub fn render<E: CatalogError + Clone>(e: &E) -> Response {
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
pub fn render_once<E: CatalogError>(cell: &Rendered, make: impl FnOnce() -> E) -> Response {
    let (status, bytes) = cell.get_or_init(|| {
        let e = make();
        (status_of(&e), Bytes::from(e.body().to_string()))
    });
    json_bytes(*status, bytes.clone())
}

fn status_of<E: CatalogError>(e: &E) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The one 422 body of several validation errors (the `message_errors`
/// dialect); the first error's status is the answer's.
pub fn invalid<E: SurfaceError>(errors: &[E]) -> Response {
    let Some(first) = errors.first() else {
        // A bug of the caller: the surface's internal error, cause logged.
        return internal::<E>("Failure::Invalid with no errors".to_string());
    };
    let all: Vec<ApiError> = errors
        .iter()
        .map(|e| ApiError {
            id: e.id(),
            params: e.params(),
        })
        .collect();
    json_response(status_of(first), &render_validation(&all))
}

/// The cause of an internal error, carried on the response to the edge
/// (`edge::App`), which logs it with the request id whatever the log level lets
/// through.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

/// The surface's internal error for `cause`, with the cause attached for the log.
pub fn internal<E: SurfaceError>(cause: String) -> Response {
    let mut resp = render(&E::internal());
    resp.extensions_mut().insert(InternalCause(cause));
    resp
}

impl<E: SurfaceError> IntoResponse for Failure<E> {
    fn into_response(self) -> Response {
        match self {
            Failure::Api(e) => render(&e),
            Failure::Invalid(errors) => invalid(&errors),
            Failure::Internal(cause) => internal::<E>(cause),
        }
    }
}

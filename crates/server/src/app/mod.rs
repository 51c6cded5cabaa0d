//! The composition root: the shared state ([`AppState`]), the router built
//! from every surface's `routes()`, and the edge's table of surfaces by path
//! prefix.
//!
//! Boundary: the only module that names every surface. Adding a surface here is
//! one row in [`SURFACES`] and one `merge` in [`build_router`].

pub mod state;

pub use crate::edge::App;
pub use state::AppState;

use crate::edge::{SurfaceTable, pick};
use crate::guard::auth::Authenticated;
use crate::http::SurfaceEdge;
use crate::{openapi, possession, signup, verification};
use axum::Router;
use axum::extract::Request;
use axum::response::Response;

/// The surfaces by path prefix, first match wins. Possession owns the paths of
/// the seed (`/token`, `/v3/…`, `/sandbox/…`) and is also the fallback for
/// any path no row claims; a new surface adds its prefix here before the
/// fallback takes over. Verification owns `/api/`: `/api/v1/…` is its version,
/// and any other version (`/api/v2/…`) gets its catalogued 404; signup owns `/1-click`.
pub const SURFACES: SurfaceTable = &[
    ("/api/v1/", &verification::EDGE),
    ("/api/", &verification::EDGE),
    ("/1-click", &signup::EDGE),
];

/// The surface that answers paths no row of [`SURFACES`] claims.
pub const FALLBACK: &SurfaceEdge = &possession::EDGE;

/// The surface a path belongs to.
pub fn surface_of(path: &str) -> &'static SurfaceEdge {
    pick(SURFACES, FALLBACK, path)
}

/// The application with every route and guard.
pub fn router(state: AppState) -> App {
    build_router(state, Router::new())
}

/// The application plus `extra` routes (tests add a panicking one), behind the
/// same guards.
pub fn build_router(state: AppState, extra: Router<AppState>) -> App {
    // libphonenumber's metadata loads here rather than in the first request.
    crate::domain::phone::preload();
    let routes = Router::new()
        .merge(possession::routes(&state))
        .merge(signup::routes(&state))
        .merge(verification::routes(&state))
        .merge(openapi::routes(&state))
        .merge(crate::docs::routes())
        .merge(extra)
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state.clone());
    App::new(routes, state, SURFACES, FALLBACK)
}

/// The surface the edge picked for this request.
fn surface(req: &Request) -> &'static SurfaceEdge {
    req.extensions()
        .get::<Authenticated>()
        .map_or_else(|| surface_of(req.uri().path()), |a| a.edge)
}

/// A path without a route: the surface's wrong-URL 403 when it names one of the
/// surface's operations under another prefix, its 404 otherwise.
async fn unknown_path(req: Request) -> Response {
    let edge = surface(&req);
    if edge.wrong_prefix(req.uri().path()) {
        (edge.wrong_url_or_method)()
    } else {
        (edge.unknown_path)()
    }
}

/// A known path called with another method: the surface's 403.
async fn wrong_method(req: Request) -> Response {
    (surface(&req).wrong_url_or_method)()
}

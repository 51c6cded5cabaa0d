//! The OpenAPI 3.1 document served at `GET /openapi.json`.
//!
//! It is derived, never written by hand: the paths, parameters, request and
//! response bodies, examples and security come from the surface's `OPERATIONS`
//! table ([`idv_core::operations`]), and the error responses from the
//! catalogue entries each operation lists, with their catalogued examples. So
//! the document cannot disagree with the router or with the bodies the server
//! sends. Components are created only when an operation refers to them, so the
//! document carries none that is unused. A golden test
//! (`tests/it/openapi.rs`) keeps every change reviewed, and an independent
//! linter (`tools/openapi-lint`) checks it.
//!
//! `components.rs` builds each operation object and the components it refers to;
//! `schema.rs` turns the table's fields into JSON Schema.

mod components;
mod schema;
#[cfg(test)]
mod tests;

use crate::app::AppState;
use crate::http::json_bytes;
use crate::http::surface::method_filter;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::on;
use components::Components;
use idv_core::Surface;
use idv_core::limits::ACCESS_TOKEN_LIFETIME_SECONDS;
use idv_core::operation::Operation;
use serde_json::{Map, Value, json};
use std::sync::{Arc, OnceLock};

/// The document of every surface with operations (possession, verification),
/// with `server_url` (the instance's public URL, for example
/// `https://idv.example.com`) as its one server.
pub fn document(server_url: &str) -> Value {
    build(
        &[
            (Surface::Possession, idv_core::operations::POSSESSION),
            (Surface::Verification, idv_core::operations::VERIFICATION),
        ],
        server_url,
    )
}

/// The document for the operations of each surface (`(surface, its operations)`).
fn build(surfaces: &[(Surface, &[Operation])], server_url: &str) -> Value {
    let server_url = server_url.trim_end_matches('/');
    let mut c = Components::new(server_url);
    let mut paths = Map::new();
    for (surface, ops) in surfaces {
        for op in *ops {
            let operation = c.operation(*surface, op);
            let item = paths
                .entry(op.path.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            item[op.method.as_str().to_ascii_lowercase()] = operation;
        }
    }
    let title = match surfaces {
        [(surface, _)] => format!("idv {} API", surface.name()),
        _ => "idv API".to_string(),
    };
    let description = surfaces
        .iter()
        .map(|(s, _)| introduction(*s))
        .collect::<Vec<_>>()
        .join("\n\n");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": env!("CARGO_PKG_VERSION"),
            "description": description,
            "license": {"name": "Apache License 2.0", "identifier": env!("CARGO_PKG_LICENSE")},
        },
        "externalDocs": {
            "description": "The idv reference: every error with its causes and resolution, limits, outcomes.",
            "url": format!("{server_url}/docs/"),
        },
        "servers": [{"url": server_url, "description": "This idv instance"}],
        "paths": paths,
        "components": c.finish(),
    })
}

/// The introduction of a surface's document.
fn introduction(surface: Surface) -> String {
    match surface {
        Surface::Possession => format!(
            "Phone possession and identity flows (Pre-Fill, Prove Identity, Unify), compatible with Prove's v3 API. \
             A server exchanges its client id and secret for a {}-minute access token at POST /token, then starts a flow \
             with POST /v3/start or POST /v3/unify; every successful step answers with `next`, the calls allowed after it. \
             Every response carries the rate-limit headers and an X-Request-Id. Error responses come from the idv error \
             catalogue: each lists the catalogued errors of its status, with their exact bodies.",
            ACCESS_TOKEN_LIFETIME_SECONDS / 60
        ),
        Surface::Verification => format!(
            "Document verification (`/api/v1/…`), compatible with the Colleckt API: a workspace's personal access token \
             `<id>|<secret>` creates verifications in a flow (`usps1583` or `identity`) with the data their documents are \
             expected to show, and moves them through their lifecycle. Successful answers are wrapped in `{{\"data\": …}}`, \
             lists add `links` and `meta`; errors carry a `message`, plus `errors` per field on 422. Requests are limited to \
             {} a second per workspace.",
            idv_core::limits::VERIFICATION_RATE_LIMIT_PER_SECOND
        ),
        other => other.title().to_string(),
    }
}

/// The route of the document, at the path and method of the `getOpenApi` row
/// of the possession table. The document never changes while the router runs,
/// so it is built and serialized on the first request, for `state`'s public URL
/// (fixed per router: one process may run several, as the tests do).
pub fn routes(state: &AppState) -> Router<AppState> {
    let op = idv_core::operations::POSSESSION
        .iter()
        .find(|op| op.id == "getOpenApi")
        .expect("the possession table has a getOpenApi row");
    let url = state.public_url.clone();
    let body: Arc<OnceLock<Bytes>> = Arc::default();
    let serve = move || {
        let body = body
            .get_or_init(|| document(&url).to_string().into())
            .clone();
        async move { json_bytes(StatusCode::OK, body) }
    };
    Router::new().route(op.path, on(method_filter(op.method), serve))
}

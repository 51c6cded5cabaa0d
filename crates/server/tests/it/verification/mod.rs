//! The verification surface against the real server: tenancy (API tokens,
//! revocation, the per-workspace rate limit), the address blacklist, and
//! every row of its operations table routed.

mod blacklist;
mod catalogue;
mod erasure_comments;
mod routes;
mod tenancy;
mod verifications;

use crate::harness::{Resp, TestServer};
use idv_server::config::Tier;
use idv_server::provision::{NewWorkspace, create_workspace};
use serde_json::Value;

/// A new sandbox workspace of `srv`'s database, with its first token.
pub async fn workspace(srv: &TestServer) -> NewWorkspace {
    create_workspace(
        srv.state.store.as_ref(),
        "test",
        Tier::Sandbox,
        idv_server::clock::unix_now(),
    )
    .await
    .expect("create workspace")
}

/// A request to the surface with `token` as its Bearer token and, when given,
/// `body` as its JSON body.
pub async fn call(
    srv: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Resp {
    let mut req = srv
        .http
        .request(method.parse().unwrap(), format!("{}{path}", srv.base))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    srv.send(req).await
}

/// A request with a raw body of `content_type`.
pub async fn call_raw(
    srv: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Resp {
    let req = srv
        .http
        .request(method.parse().unwrap(), format!("{}{path}", srv.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body);
    srv.send(req).await
}

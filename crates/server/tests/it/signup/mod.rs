//! The signup surface (1-Click Signup) and the firewall in front of it,
//! against the real server.

mod auth;
mod browser;
mod catalogue;
mod firewall;
mod one_click;
mod routes;
mod store;

use crate::harness::{Resp, TestServer};
use idv_server::signup::brands::{BrandOptions, NewKey, create_brand};
use serde_json::Value;

/// A new brand of `integration` on `srv`, with every add-on, and its key.
pub async fn brand(srv: &TestServer, integration: &str) -> NewKey {
    let opts = BrandOptions {
        integration: integration.into(),
        name: "acme".into(),
        ..BrandOptions::sandbox(srv.state.tier)
    };
    create_brand(
        srv.state.store.as_ref(),
        &opts,
        idv_server::clock::unix_now(),
    )
    .await
    .expect("create brand")
}

/// `method path` with the raw `key` in `Authorization` (when given), `body` as
/// JSON (when given) and the extra `headers`.
pub async fn call(
    srv: &TestServer,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = srv
        .http
        .request(method.parse().unwrap(), format!("{}{path}", srv.base));
    if let Some(k) = key {
        req = req.header("authorization", k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    srv.send(req).await
}

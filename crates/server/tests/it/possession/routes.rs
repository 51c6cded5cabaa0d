//! Every row of `possession::OPERATIONS` is routed, by its method, and answers
//! another method with the catalogued 403; sandbox-only rows exist only on a
//! sandbox instance.

use crate::harness::{Db, TestServer};
use idv_core::operation::{AuthKind, Method};
use idv_server::config::{Region, Tier};
use idv_server::possession::OPERATIONS;
use serde_json::json;

fn unknown_path() -> serde_json::Value {
    json!({"message": "not found: no operation at this path"})
}

/// The path with each `{param}` replaced by a value.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "x" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn reqwest_method(m: Method) -> reqwest::Method {
    m.as_str().parse().unwrap()
}

#[tokio::test]
async fn every_operation_is_routed_and_another_method_gets_the_catalogued_403() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    for op in OPERATIONS {
        let url = format!("{}{}", srv.base, concrete(op.path));
        let mut req = srv.http.request(reqwest_method(op.method), &url);
        if op.auth == AuthKind::AccessToken {
            req = req.bearer_auth(&token);
        }
        if op.method == Method::Post {
            req = req.json(&json!({}));
        }
        let r = srv.send(req).await;
        assert_ne!(
            r.body,
            unknown_path(),
            "{} {} is not routed",
            op.method.as_str(),
            op.path
        );
        assert_ne!(
            r.status,
            403,
            "{} {}: {}",
            op.method.as_str(),
            op.path,
            r.body
        );

        let other = if op.method == Method::Get {
            "DELETE"
        } else {
            "GET"
        };
        let r = srv
            .send(
                srv.http
                    .request(other.parse().unwrap(), &url)
                    .bearer_auth(&token),
            )
            .await;
        assert_eq!(
            (r.status, r.body),
            (
                403,
                json!({"message": "forbidden: check the URL and the HTTP method of the request"})
            ),
            "{other} {}",
            op.path
        );
    }
    srv.stop().await;
}

#[tokio::test]
async fn sandbox_only_operations_are_unknown_paths_on_production() {
    let srv = TestServer::on(&Db::sqlite(), Region::Us, Tier::Production).await;
    let mut sandbox_only = 0;
    for op in OPERATIONS.iter().filter(|op| op.sandbox_only) {
        sandbox_only += 1;
        let r = srv
            .send(
                srv.http
                    .request(
                        reqwest_method(op.method),
                        format!("{}{}", srv.base, op.path),
                    )
                    .json(&json!({"authToken": "a", "otp": "1234"})),
            )
            .await;
        assert_eq!((r.status, r.body), (404, unknown_path()), "{}", op.path);
    }
    assert_eq!(sandbox_only, 2);
    srv.stop().await;
}

#[test]
fn documented_operations_under_a_wrong_prefix_are_told_apart_from_unknown_paths() {
    let edge = &idv_server::possession::EDGE;
    for p in [
        "/v3/token",
        "/v2/start",
        "/v3/start/",
        "/api/v3/device/revoke",
        "/v1/identity/abc",
    ] {
        assert!(edge.wrong_prefix(p), "{p}");
    }
    for p in [
        "/",
        "/v3/foo",
        "/v3/identity",
        "/v3/identity/a/b",
        "/tokens",
        "/v3/sandbox/otp",
    ] {
        assert!(!edge.wrong_prefix(p), "{p}");
    }
}

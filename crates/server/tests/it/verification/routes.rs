//! Every row of `verification::OPERATIONS` is routed, needs the workspace's
//! token, and answers another method with the surface's 404 (as an unknown
//! path: Colleckt's routing has no 403 or 405).

use super::{call, call_raw, workspace};
use crate::harness::TestServer;
use idv_core::operation::{AuthKind, Method};
use idv_server::verification::OPERATIONS;
use serde_json::json;

/// The path with `{flow}` a real flow and every other parameter a value of
/// the right shape that names nothing.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| match s {
            "{flow}" => "usps1583".to_string(),
            "{id}" if path.contains("verifications") => format!("ver_{}", "0".repeat(32)),
            s if s.starts_with('{') => "abl_0".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_operation_is_routed_behind_the_token_and_another_method_is_404() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let not_found = json!({"message": "Not Found."});
    let unauthenticated = json!({"message": "Unauthenticated."});
    assert!(OPERATIONS.len() >= 15, "{}", OPERATIONS.len());
    for op in OPERATIONS {
        let path = concrete(op.path);
        let body = (op.method == Method::Post).then(|| json!({}));
        let m = op.method.as_str();
        let r = call(&srv, m, &path, &ws.token.token, body.clone()).await;
        assert_ne!(r.body, not_found, "{m} {path} is not routed");
        assert!(r.status < 500, "{m} {path}: {}", r.body);
        assert_eq!(op.auth, AuthKind::PersonalAccessToken, "{}", op.id);
        let r = call(&srv, m, &path, "tok_0000000000000000|x", body).await;
        assert_eq!((r.status, &r.body), (401, &unauthenticated), "{m} {path}");
        let other = if op.method == Method::Get {
            "PUT"
        } else {
            "PATCH"
        };
        let r = call(&srv, other, &path, &ws.token.token, None).await;
        assert_eq!((r.status, &r.body), (404, &not_found), "{other} {path}");
        // A fresh budget for the next row.
        srv.state.clock.advance(1);
    }
    srv.stop().await;
}

/// A path parameter that does not percent-decode to UTF-8 names nothing: the
/// surface's 404, on every row with a parameter, never the body's 400.
#[tokio::test]
async fn an_undecodable_path_parameter_is_404() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let not_found = json!({"message": "Not Found."});
    let mut seen = 0;
    for op in OPERATIONS {
        if !op.path.contains("{id}") {
            continue;
        }
        seen += 1;
        let path = concrete(op.path).replace(&format!("ver_{}", "0".repeat(32)), "%ff%fe");
        let path = path.replace("abl_0", "%ff");
        assert!(path.contains("%ff"), "{path}");
        let body = (op.method == Method::Post).then(|| json!({"reason": "x"}));
        let m = op.method.as_str();
        let r = call(&srv, m, &path, &ws.token.token, body).await;
        assert_eq!((r.status, &r.body), (404, &not_found), "{m} {path}");
        srv.state.clock.advance(1);
    }
    assert!(seen >= 10, "{seen}");
    srv.stop().await;
}

/// `reject` finds the verification before it reads the body: an unknown id
/// (or another workspace's) with a bad reason is the 404, not the 422.
#[tokio::test]
async fn reject_of_an_unknown_id_with_a_bad_reason_is_404() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let other = workspace(&srv).await;
    let theirs = super::verifications::create(&srv, &other.token.token, "Jane").await;
    let not_found = json!({"message": "Verification not found."});
    for id in [format!("ver_{}", "0".repeat(32)), theirs] {
        let path = format!("/api/v1/usps1583/verifications/{id}/reject");
        for body in [json!({"reason": 5}), json!({"reason": "x\u{7}"})] {
            let r = call(&srv, "POST", &path, &ws.token.token, Some(body)).await;
            assert_eq!((r.status, &r.body), (404, &not_found), "{path}");
        }
        let r = call_raw(&srv, "POST", &path, &ws.token.token, "text/plain", "no").await;
        assert_eq!((r.status, &r.body), (404, &not_found), "{path}");
    }
    srv.stop().await;
}

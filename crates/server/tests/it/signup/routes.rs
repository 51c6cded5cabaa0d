//! Every row of `signup::OPERATIONS` is routed by its method, needs the API
//! key, and answers another method with the catalogued 403; paths under
//! `/1-click` that name no operation get the signup surface's 404.

use super::{brand, call};
use crate::harness::TestServer;
use idv_core::operation::{AuthKind, Method};
use idv_server::signup::OPERATIONS;
use serde_json::json;

fn concrete(path: &str) -> String {
    path.replace("{uuid}", "9d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5")
}

#[tokio::test]
async fn every_operation_is_routed_behind_the_key_and_another_method_gets_the_403() {
    let srv = TestServer::start().await;
    let key = brand(&srv, "non-hosted").await.api_key;
    for op in OPERATIONS {
        assert_eq!(op.auth, AuthKind::ApiKey, "{}", op.id);
        let path = concrete(op.path);
        let body = (op.method != Method::Get).then(|| json!({}));
        let without = call(&srv, op.method.as_str(), &path, None, body.clone(), &[]).await;
        assert_eq!(
            without.status,
            401,
            "{} {path}: {}",
            op.method.as_str(),
            without.body
        );
        assert_eq!(without.body["name"], "NotAuthenticated");
        let with = call(&srv, op.method.as_str(), &path, Some(&key), body, &[]).await;
        assert!(
            with.status != 401 && with.status != 403 && with.body["data"]["errorCode"] != "IDV004",
            "{} {path} is not routed: {} {}",
            op.method.as_str(),
            with.status,
            with.body
        );
        let other = if op.method == Method::Get {
            "DELETE"
        } else {
            "PUT"
        };
        let r = call(&srv, other, &path, Some(&key), None, &[]).await;
        assert_eq!(r.status, 403, "{other} {path}: {}", r.body);
        assert_eq!(r.body["data"]["errorCode"], "IDV003");
    }
    let r = call(&srv, "GET", "/1-click/a/b", Some(&key), None, &[]).await;
    assert_eq!(
        (r.status, r.body["data"]["errorCode"].as_str()),
        (404, Some("IDV004"))
    );
    // An OPTIONS that is no CORS preflight is a wrong method, not the firewall's business.
    let r = call(&srv, "OPTIONS", "/1-click", Some(&key), None, &[]).await;
    assert_eq!(
        (r.status, r.body["data"]["errorCode"].as_str()),
        (403, Some("IDV003"))
    );
    // The signup surface spends no rate limit of the edge's: no X-RateLimit headers.
    assert!(r.header("x-ratelimit-limit").is_none(), "{:?}", r.headers);
    srv.stop().await;
}

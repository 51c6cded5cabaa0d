//! Idempotency-Key: a completed request repeated with the same key and body gets
//! the stored response; another body gets idempotency_key_reused.

use crate::harness::{TOD, TestServer};
use serde_json::json;

#[tokio::test]
async fn same_key_same_body_returns_the_stored_response() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    let post = |path: &'static str, key: &'static str, body: serde_json::Value| {
        let req = srv
            .http
            .post(format!("{}{path}", srv.base))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .json(&body);
        srv.send(req)
    };
    let first = post(
        "/v3/start",
        "k-start",
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    assert_eq!(first.status, 200);
    let again = post(
        "/v3/start",
        "k-start",
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    assert_eq!(
        (again.status, &again.body),
        (200, &first.body),
        "same correlation id, no second flow"
    );
    let cid = first.str("correlationId");
    let v1 = post("/v3/validate", "k-validate", json!({"correlationId": cid})).await;
    assert_eq!(v1.status, 200);
    let v2 = post("/v3/validate", "k-validate", json!({"correlationId": cid})).await;
    assert_eq!((v2.status, &v2.body), (200, &v1.body));
    // Without the key, the replay rule applies.
    let plain = srv
        .post("/v3/validate", &token, json!({"correlationId": cid}))
        .await;
    assert_eq!(plain.body["code"], 8003);
    // The same key with another body.
    let reused = post(
        "/v3/validate",
        "k-validate",
        json!({"correlationId": uuid::Uuid::new_v4().to_string()}),
    )
    .await;
    assert_eq!(reused.status, 422);
    assert_eq!(
        reused.body,
        json!({"message": "Idempotency-Key k-validate was already used with a different request body"})
    );
    // Failed requests are not stored: a corrected retry with the same key runs.
    let bad = post("/v3/start", "k-fix", json!({"flowType": "mobile"})).await;
    assert_eq!(bad.status, 400);
    let fixed = post(
        "/v3/start",
        "k-fix",
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    assert_eq!(fixed.status, 200);
    // Keys are scoped per project.
    let other = srv.token_for("prefill").await;
    let theirs = srv
        .send(
            srv.http
                .post(format!("{}/v3/start", srv.base))
                .bearer_auth(&other)
                .header("idempotency-key", "k-start")
                .json(&json!({"flowType": "mobile", "phoneNumber": TOD})),
        )
        .await;
    assert_eq!(theirs.status, 200);
    assert_ne!(theirs.body["correlationId"], first.body["correlationId"]);
    // Keys expire with the correlation id.
    srv.state.clock.advance(901);
    let expired = post(
        "/v3/start",
        "k-start",
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    assert_eq!(expired.status, 200);
    assert_ne!(expired.body["correlationId"], first.body["correlationId"]);
    srv.stop().await;
}

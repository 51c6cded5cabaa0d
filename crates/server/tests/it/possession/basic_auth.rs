//! POST /token with HTTP Basic client authentication (RFC 6749 section 2.3.1),
//! as `curl -u id:secret -d grant_type=client_credentials` sends it.

use crate::harness::TestServer;
use serde_json::json;

fn malformed(reasons: &str) -> serde_json::Value {
    json!({"code": 8001, "message": format!("malformed request: {reasons}")})
}

#[tokio::test]
async fn basic_credentials_get_a_token_and_wrong_ones_8002() {
    let srv = TestServer::start().await;
    let (id, secret) = srv.client("prefill", None).await;
    let ok = srv
        .send(
            srv.http
                .post(format!("{}/token", srv.base))
                .basic_auth(&id, Some(&secret))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["token_type"], "Bearer");
    let token = ok.str("access_token");
    assert_ne!(srv.get("/v3/identity/none", &token).await.status, 401);

    let wrong = srv
        .send(
            srv.http
                .post(format!("{}/token", srv.base))
                .basic_auth(&id, Some("nope"))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.body["code"].as_i64()),
        (401, Some(8002))
    );
    srv.stop().await;
}

#[tokio::test]
async fn credentials_in_both_places_or_a_broken_basic_header_are_8001() {
    let srv = TestServer::start().await;
    let (id, secret) = srv.client("prefill", None).await;
    let both = srv
        .send(
            srv.http
                .post(format!("{}/token", srv.base))
                .basic_auth(&id, Some(&secret))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", id.as_str()),
                    ("client_secret", secret.as_str()),
                ]),
        )
        .await;
    assert_eq!(both.status, 400);
    assert_eq!(
        both.body,
        malformed(
            "Authorization: use either HTTP Basic or client_id/client_secret in the form, not both"
        )
    );
    for header in ["Basic !!!not-base64", "Basic bm9jb2xvbg=="] {
        let broken = srv
            .send(
                srv.http
                    .post(format!("{}/token", srv.base))
                    .header("authorization", header)
                    .form(&[("grant_type", "client_credentials")]),
            )
            .await;
        assert_eq!(broken.status, 400, "{header}");
        assert_eq!(
            broken.body,
            malformed(
                "Authorization: must be Basic followed by base64 of client_id:client_secret (each form-urlencoded)"
            ),
            "{header}"
        );
    }
    srv.stop().await;
}

#[tokio::test]
async fn the_token_endpoint_counts_a_basic_client_against_its_own_limit() {
    let srv = TestServer::start().await;
    let (a, a_secret) = srv.client("prefill", None).await;
    let (b, b_secret) = srv.client("prefill", None).await;
    let mut tasks = Vec::new();
    for _ in 0..80 {
        let req = srv
            .http
            .post(format!("{}/token", srv.base))
            .basic_auth(&a, Some(&a_secret))
            .form(&[("grant_type", "client_credentials")]);
        tasks.push(tokio::spawn(
            async move { req.send().await.unwrap().status() },
        ));
    }
    let mut limited = 0;
    for t in tasks {
        if t.await.unwrap() == 429 {
            limited += 1;
        }
    }
    assert!(
        limited > 0,
        "a burst of 80 requests of one client is limited"
    );
    // Every request came from the same address: had the edge counted them per
    // peer, the next client would be limited too.
    let r = srv
        .send(
            srv.http
                .post(format!("{}/token", srv.base))
                .basic_auth(&b, Some(&b_secret))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    srv.stop().await;
}

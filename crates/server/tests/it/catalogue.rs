//! Catalogue coverage: every possession error is provoked against the real
//! server and compared with the catalogue's example. The `match` in
//! [`provoke`] is exhaustive over `PossessionError`, so a new catalogue entry
//! does not compile until it has a scenario here.

use crate::harness::{Db, Resp, TOD, TestServer};
use axum::Router;
use axum::routing::get;
use idv_core::{CatalogError, ErrorId, Params, PossessionError, Surface};
use idv_server::config::{Region, Tier};
use serde_json::{Value, json};

/// Provokes `e` against `srv` and returns the response.
async fn provoke(srv: &TestServer, e: &PossessionError) -> Resp {
    let token = srv.token_for("prefill").await;
    let start = |phone: &str| json!({"flowType": "mobile", "phoneNumber": phone});
    match e {
        PossessionError::InternalError => srv.get("/boom", &token).await,
        PossessionError::MalformedRequest { .. } => {
            srv.post("/v3/start", &token, json!({"phoneNumber": "12"}))
                .await
        }
        PossessionError::UnauthorizedRequest => {
            srv.post("/v3/start", "expired-or-unknown", start(TOD))
                .await
        }
        PossessionError::StepCalledOutOfOrder { .. } => {
            let cid = srv
                .post("/v3/start", &token, start(TOD))
                .await
                .str("correlationId");
            srv.post(
                "/v3/challenge",
                &token,
                json!({"correlationId": cid, "dob": "1981-01"}),
            )
            .await
        }
        PossessionError::SandboxUserNotFound => {
            srv.post("/v3/start", &token, start("2025550123")).await
        }
        PossessionError::InvalidCorrelationId => {
            srv.post(
                "/v3/validate",
                &token,
                json!({"correlationId": uuid::Uuid::new_v4().to_string()}),
            )
            .await
        }
        PossessionError::SandboxUserAccessDenied => {
            srv.post("/v3/start", &token, start("2001004014")).await
        }
        PossessionError::UnauthorizedForCountry { .. } => {
            srv.post("/v3/start", &token, start("+442071838750")).await
        }
        PossessionError::IdentityNotFound => srv.get("/v3/identity/unknown", &token).await,
        PossessionError::RateLimitExceeded => {
            // A concurrent burst well above 25 per second, so even a slow machine
            // cannot refill the bucket in time.
            let burst = (0..100).map(|_| srv.get("/v3/identity/unknown", &token));
            futures_util::future::join_all(burst)
                .await
                .into_iter()
                .find(|r| r.status == 429)
                .expect("a burst of 100 requests gets a 429")
        }
        PossessionError::DeviceRevoked => {
            let unify = srv.token_for("unify").await;
            let u = srv.post("/v3/unify", &unify, json!({"possessionType": "mobile", "clientRequestId": "r", "phoneNumber": "2001004016"})).await;
            let s = srv.unify_status(&unify, &u.str("correlationId")).await;
            let device = s.str("deviceId");
            srv.post(
                "/v3/device/revoke",
                &unify,
                json!({"deviceId": device, "clientRequestId": "r"}),
            )
            .await;
            srv.post("/v3/unify", &unify, json!({"possessionType": "mobile", "clientRequestId": "r", "phoneNumber": "2001004016", "deviceId": device})).await
        }
        PossessionError::WrongUrlOrMethod => {
            srv.send(
                srv.http
                    .post(format!("{}/v3/token", srv.base))
                    .body("grant_type=client_credentials"),
            )
            .await
        }
        PossessionError::UnknownPath => srv.get("/v3/nothing-here", &token).await,
        PossessionError::IdempotencyKeyReused { .. } => {
            let send = |body: Value| {
                srv.send(
                    srv.http
                        .post(format!("{}/v3/start", srv.base))
                        .bearer_auth(&token)
                        .header("idempotency-key", "3f8a2c1e-5b7d-4e9a-9c61-0d2b4f6a8e13")
                        .json(&body),
                )
            };
            assert_eq!(send(start(TOD)).await.status, 200);
            send(json!({"flowType": "desktop", "phoneNumber": TOD, "finalTargetUrl": "https://a.example"})).await
        }
        PossessionError::RequestTimedOut => {
            // A handler slower than the handler timeout (0.5 s here; the
            // real blocked database is in handler_timeout.rs).
            async fn slow() -> &'static str {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                "late"
            }
            let db = Db::sqlite();
            let slow_srv = TestServer::with_routes_and_limits(
                db.open().await,
                Region::Us,
                Tier::Sandbox,
                Router::new().route("/slow", get(slow)),
                idv_server::conn::ConnLimits {
                    handler_timeout: std::time::Duration::from_millis(500),
                    ..Default::default()
                },
            )
            .await;
            let token = slow_srv.token_for("prefill").await;
            let r = slow_srv.get("/slow", &token).await;
            slow_srv.stop().await;
            r
        }
        PossessionError::RequestInProgress { .. } => {
            // Another instance has claimed the key for the same request and not
            // answered: the request waits for it, then gets the 409.
            let (id, secret) = srv.client("prefill", None).await;
            let token = srv.token(&id, &secret).await;
            let store = &srv.state.store;
            let project = store.get_client(&id).await.unwrap().unwrap().project_id;
            let key = "3f8a2c1e-5b7d-4e9a-9c61-0d2b4f6a8e13";
            let body = start(TOD).to_string();
            let hash =
                idv_server::domain::secrets::hash_bytes(format!("/v3/start\0{body}").as_bytes());
            let now = srv.state.clock.now();
            store
                .claim_idempotency(&project, key, &hash, "another-instance", now + 60, now)
                .await
                .unwrap();
            srv.send(
                srv.http
                    .post(format!("{}/v3/start", srv.base))
                    .bearer_auth(&token)
                    .header("idempotency-key", key)
                    .header("content-type", "application/json")
                    .body(body),
            )
            .await
        }
    }
}

/// Compares a response with the entry's first example: same status, same code,
/// same message (or one the template matches, for entries with params), the
/// same members, the example's headers, and a body that parses back to the entry.
fn check(id: ErrorId, r: &Resp) {
    let meta = id.meta();
    let example = &meta.examples[0];
    let expected: Value = serde_json::from_str(example.body).unwrap();
    assert_eq!(r.status, meta.status, "{id}: status; body {}", r.body);
    assert_eq!(r.body.get("code"), expected.get("code"), "{id}: code");
    let message = r.body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{id}: no message in {}", r.body));
    if meta.params.is_empty() {
        assert_eq!(r.body, expected, "{id}: body");
    } else {
        assert!(
            idv_core::template::capture(meta.message, message).is_some(),
            "{id}: {message:?} does not match {:?}",
            meta.message
        );
        let keys = |v: &Value| {
            v.as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(keys(&r.body), keys(&expected), "{id}: members");
    }
    for (name, _) in example.headers {
        assert!(r.header(name).is_some(), "{id}: header {name} missing");
    }
    assert!(r.header("x-request-id").is_some(), "{id}: X-Request-Id");
    let parsed =
        PossessionError::from_body(Surface::Possession, r.status, &r.body).expect("parses back");
    assert_eq!(parsed.id(), id);
}

#[tokio::test]
async fn every_possession_error_is_provoked_and_matches_the_catalogue() {
    async fn boom() -> &'static str {
        panic!("provoked internal error")
    }
    let db = Db::sqlite();
    let srv = TestServer::with_routes(
        db.open().await,
        Region::Us,
        Tier::Sandbox,
        Router::new().route("/boom", get(boom)),
    )
    .await;
    let mut covered = 0;
    for id in ErrorId::ALL
        .iter()
        .copied()
        .filter(|id| id.meta().surface == Surface::Possession)
    {
        let params: Params = serde_json::from_str(id.meta().examples[0].params).unwrap();
        let e = PossessionError::from_parts(id, &params).unwrap();
        let r = provoke(&srv, &e).await;
        check(id, &r);
        covered += 1;
    }
    assert_eq!(covered, 16);
    srv.stop().await;
}

//! POST /token and authentication of the v3 routes.

use crate::harness::{Db, TOD, TestServer};
use idv_server::config::{Region, Tier};
use serde_json::json;

#[tokio::test]
async fn token_issues_bearer_tokens_and_refuses_bad_credentials() {
    let srv = TestServer::start().await;
    let (id, secret) = srv.client("prefill", None).await;
    let ok = srv
        .form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert_eq!(ok.body["expires_in"], 3600);
    assert_eq!(ok.header("cache-control"), Some("no-store"));

    let wrong = srv
        .form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "nope"),
            ],
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.body["code"].as_i64()),
        (401, Some(8002))
    );
    let unknown = srv
        .form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "x"),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(unknown.status, 401);
    let padded = srv
        .form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &format!("{secret} ")),
            ],
        )
        .await;
    assert_eq!(padded.status, 401);

    let missing = srv
        .form(
            "/token",
            &[("grant_type", "client_credentials"), ("client_id", &id)],
        )
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body["message"],
        "malformed request: client_secret: is required"
    );
    let grant = srv
        .form(
            "/token",
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(
        grant.body,
        json!({"code": 8001, "message": "malformed request: grant_type: must be client_credentials"})
    );
    let as_json = srv
        .send(
            srv.http
                .post(format!("{}/token", srv.base))
                .json(&json!({"grant_type": "client_credentials"})),
        )
        .await;
    assert_eq!(as_json.status, 400);
    assert_eq!(
        as_json.body["message"],
        "malformed request: Content-Type: must be application/x-www-form-urlencoded"
    );
    srv.stop().await;
}

#[tokio::test]
async fn wrong_token_urls_and_methods_get_403_and_unknown_paths_404() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    for (method, path) in [
        ("POST", "/v3/token"),
        ("POST", "/v2/start"),
        ("GET", "/token"),
        ("GET", "/v3/start"),
        ("DELETE", "/v3/identity/x"),
    ] {
        let req = srv
            .http
            .request(method.parse().unwrap(), format!("{}{path}", srv.base))
            .bearer_auth(&token);
        let r = srv.send(req).await;
        assert_eq!(r.status, 403, "{method} {path}");
        assert_eq!(
            r.body,
            json!({"message": "forbidden: check the URL and the HTTP method of the request"})
        );
    }
    let r = srv.get("/nothing/here", &token).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (
            404,
            json!({"message": "not found: no operation at this path"})
        )
    );
    srv.stop().await;
}

#[tokio::test]
async fn missing_malformed_expired_and_revoked_tokens_get_8002() {
    let srv = TestServer::start().await;
    let (id, secret) = srv.client("prefill", None).await;
    let token = srv.token(&id, &secret).await;
    let start = json!({"flowType": "mobile", "phoneNumber": TOD});
    let none = srv
        .send(srv.http.post(format!("{}/v3/start", srv.base)).json(&start))
        .await;
    assert_eq!((none.status, none.body["code"].as_i64()), (401, Some(8002)));
    let malformed = srv
        .send(
            srv.http
                .post(format!("{}/v3/start", srv.base))
                .header("authorization", "Basic abc")
                .json(&start),
        )
        .await;
    assert_eq!(malformed.status, 401);
    assert_eq!(
        srv.post("/v3/start", "not-a-token", start.clone())
            .await
            .status,
        401
    );
    assert_eq!(
        srv.post("/v3/start", &token, start.clone()).await.status,
        200
    );

    // Expired: tokens last 60 minutes.
    srv.state.clock.advance(3600);
    assert_eq!(
        srv.post("/v3/start", &token, start.clone()).await.status,
        401
    );

    // Revoked: a fresh token stops working once its client is revoked.
    let token = srv.token(&id, &secret).await;
    assert_eq!(
        srv.post("/v3/start", &token, start.clone()).await.status,
        200
    );
    idv_server::provision::revoke_client(srv.state.store.as_ref(), &id, 0)
        .await
        .unwrap();
    assert_eq!(
        srv.post("/v3/start", &token, start.clone()).await.status,
        401
    );
    let again = srv
        .form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(again.status, 401);
    srv.stop().await;
}

/// A server on `db` with a Pre-Fill client whose token has just started a flow:
/// the server, the client id, the token and the start body.
async fn server_with_a_working_token(db: &Db) -> (TestServer, String, String, serde_json::Value) {
    let srv = TestServer::on(db, Region::Us, Tier::Sandbox).await;
    let (id, secret) = srv.client("prefill", None).await;
    let token = srv.token(&id, &secret).await;
    let start = json!({"flowType": "mobile", "phoneNumber": TOD});
    assert_eq!(
        srv.post("/v3/start", &token, start.clone()).await.status,
        200
    );
    (srv, id, token, start)
}

/// The server caches token lookups and reads the revocation mark once per
/// `CachedStore::TTL` (bench/README.md): a revocation made by another process on
/// the same database (`idv admin client revoke`) reaches a running server within
/// that time, never later.
#[tokio::test]
async fn a_revocation_by_another_process_takes_effect_within_the_cache_ttl() {
    let db = Db::sqlite();
    let (srv, id, token, start) = server_with_a_working_token(&db).await;
    // Another process: its own connection to the same file, no shared cache.
    let other = db.open().await;
    idv_server::provision::revoke_client(other.as_ref(), &id, 0)
        .await
        .unwrap();
    tokio::time::sleep(idv_server::store::CachedStore::TTL + std::time::Duration::from_millis(50))
        .await;
    let r = srv.post("/v3/start", &token, start).await;
    assert_eq!((r.status, r.body["code"].as_i64()), (401, Some(8002)));
    other.close().await;
    srv.stop().await;
}

/// While the revocation mark cannot be read, requests with a cached token fail
/// closed (8000: a revocation made meanwhile could be missed), and they recover
/// by themselves within `CachedStore::TTL` of the mark becoming readable again.
#[tokio::test]
async fn an_unreadable_revocation_mark_fails_closed_and_recovers() {
    let db = Db::sqlite();
    let Db::Sqlite(dir) = &db else {
        unreachable!("Db::sqlite is SQLite")
    };
    let (srv, _, token, start) = server_with_a_working_token(&db).await;
    // Another connection hides the clients table, so the mark cannot be read.
    let url = format!("sqlite://{}/idv.db", dir.path().display());
    let other = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("ALTER TABLE clients RENAME TO clients_hidden")
        .execute(&other)
        .await
        .unwrap();
    let ttl = idv_server::store::CachedStore::TTL;
    tokio::time::sleep(ttl + std::time::Duration::from_millis(50)).await;
    for _ in 0..3 {
        let r = srv.post("/v3/start", &token, start.clone()).await;
        assert_eq!((r.status, r.body["code"].as_i64()), (500, Some(8000)));
    }
    sqlx::query("ALTER TABLE clients_hidden RENAME TO clients")
        .execute(&other)
        .await
        .unwrap();
    tokio::time::sleep(ttl + std::time::Duration::from_millis(50)).await;
    assert_eq!(srv.post("/v3/start", &token, start).await.status, 200);
    other.close().await;
    srv.stop().await;
}

//! Workspaces and their API tokens: every kind of bad token is the same 401,
//! a revoked token is refused at once by the process that revoked it and
//! within the cache TTL by another sharing the database, requests are limited
//! per workspace, and the surface's unknown paths are its catalogued 404.

use super::{call, workspace};
use crate::harness::{Db, TestServer};
use idv_server::config::{Region, Tier};
use idv_server::provision::{create_api_token, revoke_api_token};
use idv_server::store::CachedStore;
use serde_json::json;
use std::time::Duration;

const LIST: &str = "/api/v1/address-blacklist";

fn unauthenticated() -> serde_json::Value {
    json!({"message": "Unauthenticated."})
}

#[tokio::test]
async fn missing_malformed_unknown_expired_and_revoked_tokens_are_all_401() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let ok = call(&srv, "GET", LIST, &ws.token.token, None).await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let none = srv.send(srv.http.get(format!("{}{LIST}", srv.base))).await;
    assert_eq!((none.status, &none.body), (401, &unauthenticated()));
    let (id, secret) = ws.token.token.split_once('|').unwrap();
    let other_secret = "0".repeat(64);
    let unknown_id = format!("tok_{}|{secret}", "0".repeat(16));
    for bad in [
        "garbage",
        secret,
        id,
        &format!("{id}|"),
        &format!("{id}|{other_secret}"),
        &unknown_id,
        &format!("{id}|{secret}x"),
    ] {
        let r = call(&srv, "GET", LIST, bad, None).await;
        assert_eq!((r.status, &r.body), (401, &unauthenticated()), "{bad}");
        assert!(r.header("x-request-id").is_some());
    }
    // A token whose secret is right but whose scheme is not Bearer.
    let basic = srv
        .send(
            srv.http
                .get(format!("{}{LIST}", srv.base))
                .header("authorization", format!("Token {}", ws.token.token)),
        )
        .await;
    assert_eq!(basic.status, 401);

    // Expired: a one-day token, one day and a second later.
    let short = create_api_token(
        srv.state.store.as_ref(),
        &ws.workspace_id,
        "short",
        1,
        srv.state.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        call(&srv, "GET", LIST, &short.token, None).await.status,
        200
    );
    srv.state.clock.advance(86_400);
    let r = call(&srv, "GET", LIST, &short.token, None).await;
    assert_eq!((r.status, &r.body), (401, &unauthenticated()));
    // The 180-day token still works.
    assert_eq!(
        call(&srv, "GET", LIST, &ws.token.token, None).await.status,
        200
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once_here_and_within_the_ttl_by_another_server() {
    for db in Db::all("api token revocation") {
        let a = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let b = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let ws = workspace(&a).await;
        let token = &ws.token.token;
        // Both servers have the token cached.
        for srv in [&a, &b] {
            for _ in 0..3 {
                assert_eq!(call(srv, "GET", LIST, token, None).await.status, 200);
            }
        }
        revoke_api_token(a.state.store.as_ref(), &ws.token.id, a.state.clock.now())
            .await
            .unwrap();
        let r = call(&a, "GET", LIST, token, None).await;
        assert_eq!(
            (r.status, &r.body),
            (401, &unauthenticated()),
            "{}: the revoking server refuses at once",
            db.name()
        );
        tokio::time::sleep(CachedStore::TTL + Duration::from_millis(100)).await;
        let r = call(&b, "GET", LIST, token, None).await;
        assert_eq!(
            (r.status, &r.body),
            (401, &unauthenticated()),
            "{}: the other server within the TTL",
            db.name()
        );
        // Revoking twice is refused (nothing to revoke), and another token of
        // the workspace is unaffected.
        assert!(
            revoke_api_token(a.state.store.as_ref(), &ws.token.id, 0)
                .await
                .is_err()
        );
        let other = create_api_token(
            a.state.store.as_ref(),
            &ws.workspace_id,
            "ci",
            180,
            a.state.clock.now(),
        )
        .await
        .unwrap();
        assert_eq!(call(&b, "GET", LIST, &other.token, None).await.status, 200);
        a.stop().await;
        b.stop().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn requests_are_limited_to_25_a_second_per_workspace() {
    let srv = TestServer::start().await;
    srv.state.clock.freeze();
    let busy = workspace(&srv).await;
    let quiet = workspace(&srv).await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let r = call(&srv, "GET", LIST, &busy.token.token, None).await;
        assert_eq!(r.header("x-ratelimit-limit"), Some("25"));
        assert!(r.header("x-ratelimit-remaining").is_some());
        assert!(r.header("x-ratelimit-reset").is_some());
        statuses.push((r.status, r));
    }
    let allowed = statuses.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(allowed, 25, "a frozen second allows the burst of 25");
    let (_, refused) = statuses.iter().find(|(s, _)| *s == 429).unwrap();
    assert_eq!(refused.body, json!({"message": "Too Many Attempts."}));
    assert!(
        refused
            .header("retry-after")
            .is_some_and(|v| v.parse::<u64>().unwrap() >= 1)
    );
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    // Another workspace has its own budget; another token of the busy
    // workspace spends the same one.
    assert_eq!(
        call(&srv, "GET", LIST, &quiet.token.token, None)
            .await
            .status,
        200
    );
    let second = create_api_token(
        srv.state.store.as_ref(),
        &busy.workspace_id,
        "b",
        180,
        srv.state.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        call(&srv, "GET", LIST, &second.token, None).await.status,
        429
    );
    srv.stop().await;
}

#[tokio::test]
async fn unknown_paths_versions_and_methods_under_api_are_the_catalogued_404() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let not_found = json!({"message": "Not Found."});
    for (method, path) in [
        ("GET", "/api/v2/usps1583/verifications"),
        ("GET", "/api/v1/nosuchflow/verifications"),
        ("GET", "/api/v1/usps1583/nothing"),
        ("GET", "/api/"),
        ("PUT", LIST),
        ("PATCH", "/api/v1/address-blacklist/bl_x"),
    ] {
        for token in [ws.token.token.as_str(), "bad"] {
            let r = call(&srv, method, path, token, None).await;
            assert_eq!((r.status, &r.body), (404, &not_found), "{method} {path}");
            assert!(r.header("x-ratelimit-limit").is_some(), "{method} {path}");
        }
    }
    srv.stop().await;
}

//! The per-request handler timeout against the real server and a real SQLite
//! file: while another connection holds the database's write lock (`BEGIN
//! IMMEDIATE`, as a second process would), a `POST /v3/start` cannot write, and
//! after `handler_timeout` (1 s here) its caller gets the surface's catalogued
//! 503 with `Retry-After`, the server keeps answering everything else, and once
//! the lock is gone the request finishes: its flow is whole, and a retry with
//! the same Idempotency-Key gets that one answer, never a second flow.

use crate::harness::{Db, TOD, TestServer};
use idv_server::conn::ConnLimits;
use serde_json::json;
use sqlx::Connection;
use std::time::{Duration, Instant};

/// Counts the flows in the database file through `conn`.
async fn flows(conn: &mut sqlx::SqliteConnection) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM flows")
        .fetch_one(conn)
        .await
        .expect("count flows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_blocked_on_the_database_gets_the_catalogued_503_and_finishes_once_unblocked() {
    let srv = TestServer::with_limits(ConnLimits {
        handler_timeout: Duration::from_secs(1),
        ..ConnLimits::default()
    })
    .await;
    let token = srv.token_for("prefill").await;
    let Some(Db::Sqlite(dir)) = &srv.db else {
        unreachable!("with_limits runs on SQLite")
    };
    let url = format!("sqlite://{}/idv.db", dir.path().display());
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();

    let start = || {
        srv.http
            .post(format!("{}/v3/start", srv.base))
            .bearer_auth(&token)
            .header("idempotency-key", "k-locked")
            .json(&json!({"flowType": "mobile", "phoneNumber": TOD}))
    };
    let sent = Instant::now();
    let r = srv.send(start()).await;
    let waited = sent.elapsed();
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"message": "the request did not finish in time; it may still complete: retry with the same Idempotency-Key"})
    );
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(r.header("x-request-id").is_some_and(|id| !id.is_empty()));
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "answered after {waited:?}, expected about the 1 s timeout"
    );
    // A retry while the database is still locked: the same answer, and no
    // second run behind it (the first request still holds the key).
    let again = srv.send(start()).await;
    assert_eq!(again.status, 503, "{}", again.body);

    // The server keeps serving: reads and documents answer at once.
    let t = Instant::now();
    let doc = srv
        .http
        .get(format!("{}/openapi.json", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), 200);
    let missing = srv
        .get(&format!("/v3/identity/{}", uuid::Uuid::new_v4()), &token)
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    // Nothing half-written is visible while the requests wait.
    assert_eq!(flows(&mut other).await, 0);

    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();

    // The retry gets the first request's answer: while it is still being
    // stored, the documented 409 with Retry-After, then the stored 200.
    let mut answer = None;
    for _ in 0..20 {
        let r = srv.send(start()).await;
        match r.status {
            200 => {
                answer = Some(r);
                break;
            }
            409 => {
                assert_eq!(r.header("retry-after"), Some("1"));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            other => panic!("after the lock: {other} {}", r.body),
        }
    }
    let answer = answer.expect("the stored answer within 20 tries");
    let cid = answer.str("correlationId");
    let replay = srv.send(start()).await;
    assert_eq!((replay.status, &replay.body), (200, &answer.body));
    assert_eq!(
        flows(&mut other).await,
        1,
        "one flow for the three requests with one key"
    );
    // The flow is whole: its next step is accepted.
    let v = srv
        .post("/v3/validate", &token, json!({"correlationId": cid}))
        .await;
    assert_eq!(v.status, 200, "{}", v.body);
    other.close().await.unwrap();
    srv.stop().await;
}

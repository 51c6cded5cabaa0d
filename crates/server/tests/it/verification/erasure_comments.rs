//! Comments and erasure against the real server, on SQLite and PostgreSQL:
//! an erased verification takes no comment and its end-user page is gone; a
//! canceled one still takes a reviewer's note; private comments are shown to
//! the API token with their flag.

use super::verifications::{create, usps};
use super::{call, workspace};
use crate::harness::{Db, TestServer};
use idv_server::config::{Region, Tier};
use serde_json::json;

const USPS: &str = "/api/v1/usps1583/verifications";

#[tokio::test]
async fn erasure_closes_comments_and_the_end_user_page_on_every_backend() {
    for db in Db::all("erasure closes comments") {
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let backend = db.name();
        let ws = workspace(&srv).await;
        let t = ws.token.token.as_str();
        let r = call(&srv, "POST", USPS, t, Some(usps("Jane"))).await;
        let id = r.body["data"]["id"].as_str().unwrap().to_string();
        let url = r.body["data"]["url"].as_str().unwrap().to_string();
        let qr = r.body["data"]["qr_code"].as_str().unwrap().to_string();
        let local = |u: &str| format!("{}{}", srv.base, &u[u.find("/api/").unwrap()..]);
        let (url, qr) = (local(&url), local(&qr));
        let comments = format!("{USPS}/{id}/comments");

        // Canceled: a reviewer's note is still taken.
        let r = call(&srv, "POST", &format!("{USPS}/{id}/cancel"), t, None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        let note = json!({"body": "Customer closed the box."});
        let r = call(&srv, "POST", &comments, t, Some(note.clone())).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        assert_eq!(srv.send(srv.http.get(&url)).await.status, 200, "{backend}");

        // Erased: no comment, no end-user page or QR code.
        let r = call(&srv, "DELETE", &format!("{USPS}/{id}"), t, None).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        let r = call(&srv, "POST", &comments, t, Some(note)).await;
        assert_eq!(
            (r.status, &r.body),
            (404, &json!({"message": "Verification not found."})),
            "{backend}"
        );
        let shown = call(&srv, "GET", &format!("{USPS}/{id}"), t, None).await;
        assert_eq!(shown.status, 200);
        assert_eq!(
            shown.body["data"].get("comments"),
            None,
            "{backend}: no comment after erasure"
        );
        for gone in [&url, &qr] {
            let r = srv.send(srv.http.get(gone)).await;
            assert_eq!(
                (r.status, &r.body),
                (404, &json!({"message": "Verification not found."})),
                "{backend}: {gone}"
            );
        }
        srv.stop().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn private_comments_are_shown_to_the_token_with_their_flag() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let t = ws.token.token.as_str();
    let id = create(&srv, t, "Jane").await;
    let comments = format!("{USPS}/{id}/comments");
    for body in [
        json!({"body": "public note"}),
        json!({"body": "internal note", "private": true}),
    ] {
        assert_eq!(
            call(&srv, "POST", &comments, t, Some(body)).await.status,
            201
        );
    }
    let shown = call(&srv, "GET", &format!("{USPS}/{id}"), t, None).await;
    let mut got: Vec<(&str, bool)> = shown.body["data"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["body"].as_str().unwrap(), c["private"].as_bool().unwrap()))
        .collect();
    got.sort();
    assert_eq!(got, [("internal note", true), ("public note", false)]);
    srv.stop().await;
}

#[tokio::test]
async fn comments_and_reject_reasons_take_long_multi_line_text() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let t = ws.token.token.as_str();
    let id = create(&srv, t, "Jane").await;
    let note = format!(
        "Called her.\r\n\tShe will send a new bill.\n{}",
        "y".repeat(4960)
    );
    assert_eq!(note.chars().count(), 5000);
    let r = call(
        &srv,
        "POST",
        &format!("{USPS}/{id}/comments"),
        t,
        Some(json!({"body": note})),
    )
    .await;
    assert_eq!(
        (r.status, r.body["data"]["body"].as_str()),
        (201, Some(note.as_str())),
        "{}",
        r.body
    );
    assert_eq!(
        call(&srv, "POST", &format!("{USPS}/{id}/submit"), t, None)
            .await
            .status,
        200
    );
    let reason = "The bill is too old.\nAsk for one under 60 days.";
    let r = call(
        &srv,
        "POST",
        &format!("{USPS}/{id}/reject"),
        t,
        Some(json!({"reason": reason})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let shown = call(&srv, "GET", &format!("{USPS}/{id}"), t, None).await;
    let mut bodies: Vec<&str> = shown.body["data"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    bodies.sort_unstable();
    assert_eq!(bodies, [note.as_str(), reason]);
    srv.stop().await;
}

/// Comments racing an erasure: each is refused (404) or written before the
/// erasure and erased with it; none outlives it.
#[tokio::test]
async fn no_comment_outlives_a_concurrent_erasure_on_every_backend() {
    for db in Db::all("comments racing an erasure") {
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let backend = db.name();
        let ws = workspace(&srv).await;
        let t = ws.token.token.as_str();
        srv.state.clock.freeze();
        for round in 0..3 {
            srv.state.clock.advance(2);
            let id = create(&srv, t, "Jane").await;
            let comments = format!("{USPS}/{id}/comments");
            let posts = (0..12).map(|i| {
                let body = json!({"body": format!("note {i}")});
                call(&srv, "POST", &comments, t, Some(body))
            });
            let path = format!("{USPS}/{id}");
            let erase = call(&srv, "DELETE", &path, t, None);
            let (posts, erased) = tokio::join!(futures_util::future::join_all(posts), erase);
            assert_eq!(erased.status, 200, "{backend}: {}", erased.body);
            for r in &posts {
                assert!(
                    r.status == 201 || r.status == 404,
                    "{backend} round {round}: {} {}",
                    r.status,
                    r.body
                );
            }
            let left = srv.state.store.verification_comments(&id).await.unwrap();
            assert!(
                left.is_empty(),
                "{backend} round {round}: {} left",
                left.len()
            );
            let shown = call(&srv, "GET", &format!("{USPS}/{id}"), t, None).await;
            assert_eq!(shown.body["data"].get("comments"), None, "{backend}");
        }
        srv.stop().await;
        db.cleanup().await;
    }
}

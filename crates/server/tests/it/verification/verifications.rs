//! Verifications against the real server: create, list (per flow and across
//! flows, paginated, newest first), show with history and comments, the
//! lifecycle actions, erasure, the end-user page and its QR code, and the
//! workspace and flow boundaries. The story runs on SQLite and PostgreSQL.

use super::{call, call_raw, workspace};
use crate::harness::{Db, Resp, TestServer};
use idv_server::config::{Region, Tier};
use serde_json::{Value, json};

/// A valid `usps1583` create body for `first_name`.
pub fn usps(first_name: &str) -> Value {
    json!({
        "expected_data": {
            "person": {"first_name": first_name, "last_name": "Doe", "date_of_birth": "1990-04-12"},
            "address": {"street": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701", "country": "usa"},
            "documents": {
                "photo_id": {"type": "driver license", "number": "D1234567", "country": "USA"},
                "proof_of_address": {"type": "Utility Bill"}
            }
        },
        "vendor_reference": "cust-1042",
        "vendor_state": "IL"
    })
}

/// A valid `identity` create body.
pub fn identity() -> Value {
    json!({
        "expected_data": {
            "person": {"first_name": "Ida", "last_name": "Entity"},
            "documents": {"photo_id": {"type": "Passport", "country": "GBR"}}
        }
    })
}

const USPS: &str = "/api/v1/usps1583/verifications";
const IDENTITY: &str = "/api/v1/identity/verifications";

/// Creates a `usps1583` verification; its id.
pub async fn create(srv: &TestServer, token: &str, first_name: &str) -> String {
    let r = call(srv, "POST", USPS, token, Some(usps(first_name))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["data"]["id"].as_str().unwrap().to_string()
}

async fn act(srv: &TestServer, token: &str, id: &str, action: &str) -> Resp {
    let body = (action == "reject").then(|| json!({"reason": "The bill is too old."}));
    call(srv, "POST", &format!("{USPS}/{id}/{action}"), token, body).await
}

fn status(r: &Resp) -> (u16, i64) {
    (r.status, r.body["data"]["status"].as_i64().unwrap_or(-1))
}

#[tokio::test]
async fn the_verification_story_on_every_backend() {
    for db in Db::all("the verification story") {
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        story(&srv, db.name()).await;
        srv.stop().await;
        db.cleanup().await;
    }
}

async fn story(srv: &TestServer, backend: &str) {
    let ws = workspace(srv).await;
    let t = ws.token.token.as_str();

    // Create: 201, Started, the expected data as validated.
    let r = call(srv, "POST", USPS, t, Some(usps("Jane"))).await;
    assert_eq!(r.status, 201, "{backend}: {}", r.body);
    let v = &r.body["data"];
    let id = v["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ver_") && id.len() == 36, "{id}");
    assert_eq!(
        (v["status"].as_i64(), v["status_label"].as_str()),
        (Some(1), Some("Started"))
    );
    assert_eq!(v["flow"], "USPS 1583");
    assert_eq!(v["vendor_reference"], "cust-1042");
    assert_eq!(v["expected_data"]["address"]["country"], "USA");
    assert_eq!(
        v["expected_data"]["documents"]["photo_id"]["type"],
        "Driver License"
    );
    assert_eq!(v.get("submitted_at"), None);
    assert_eq!(v["created_at"], v["updated_at"]);
    let url = v["url"].as_str().unwrap();
    let (page, token) = url.split_once("?token=").unwrap();
    assert!(page.ends_with("/api/v1/capture"), "{url}");
    assert!(
        !page.contains(token),
        "the token is kept out of the path (paths are logged)"
    );
    assert_eq!(
        v["qr_code"].as_str().unwrap(),
        format!(
            "{}/api/v1/capture/qr.png?token={token}",
            page.trim_end_matches("/api/v1/capture")
        )
    );

    // Show: history with the token as the actor; the other flow is a 400;
    // another workspace and an unknown id are the same 404.
    let shown = call(srv, "GET", &format!("{USPS}/{id}"), t, None).await;
    assert_eq!(shown.status, 200);
    assert_eq!(
        shown.body["data"]["history"],
        json!([{"action": "create", "actor": ws.token.id, "to_status": 1, "created_at": v["created_at"]}])
    );
    let r = call(srv, "GET", &format!("{IDENTITY}/{id}"), t, None).await;
    assert_eq!(
        (r.status, &r.body),
        (400, &json!({"message": "Invalid verification flow."}))
    );
    let other = workspace(srv).await;
    let not_found = json!({"message": "Verification not found."});
    for (token, path) in [
        (other.token.token.as_str(), format!("{USPS}/{id}")),
        (t, format!("{USPS}/ver_{}", "0".repeat(32))),
        (t, format!("{USPS}/doc_{}", "0".repeat(32))),
        (t, format!("{USPS}/x")),
    ] {
        let r = call(srv, "GET", &path, token, None).await;
        assert_eq!((r.status, &r.body), (404, &not_found), "{backend}: {path}");
        let r = call(srv, "POST", &format!("{path}/submit"), token, None).await;
        assert_eq!(
            (r.status, &r.body),
            (404, &not_found),
            "{backend}: {path}/submit"
        );
    }

    // The lifecycle: hold and resume come back to Started; approve before
    // submit is refused; submit, approve (twice: unchanged), reject with a
    // reason, resubmit.
    assert_eq!(status(&act(srv, t, &id, "hold").await), (200, 8));
    assert_eq!(status(&act(srv, t, &id, "resume").await), (200, 1));
    let r = act(srv, t, &id, "approve").await;
    assert_eq!(
        (r.status, &r.body),
        (
            400,
            &json!({"message": "The verification cannot be approved while it is Started."})
        )
    );
    srv.state.clock.advance(1);
    let r = act(srv, t, &id, "submit").await;
    assert_eq!(status(&r), (200, 2), "{}", r.body);
    let submitted_at = r.body["data"]["submitted_at"].clone();
    assert!(submitted_at.is_string());
    let r = act(srv, t, &id, "submit").await;
    assert_eq!(
        (r.status, &r.body),
        (
            400,
            &json!({"message": "The verification has already started."})
        )
    );
    assert_eq!(status(&act(srv, t, &id, "approve").await), (200, 3));
    assert_eq!(status(&act(srv, t, &id, "approve").await), (200, 3));
    let r = call(
        srv,
        "POST",
        &format!("{USPS}/{id}/reject"),
        t,
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (r.status, &r.body["errors"]),
        (422, &json!({"reason": ["The reason field is required."]}))
    );
    assert_eq!(status(&act(srv, t, &id, "reject").await), (200, 4));
    let r = act(srv, t, &id, "resubmit").await;
    assert_eq!(status(&r), (200, 1));
    assert_eq!(
        r.body["data"]["submitted_at"], submitted_at,
        "kept from the first submit"
    );

    // Comments: every one in the detail view, private ones flagged; newest first.
    let c = call(
        srv,
        "POST",
        &format!("{USPS}/{id}/comments"),
        t,
        Some(json!({"body": " Called her. "})),
    )
    .await;
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.body["data"]["body"], "Called her.");
    assert_eq!(c.body["data"]["actor"], ws.token.id);
    let p = call(
        srv,
        "POST",
        &format!("{USPS}/{id}/comments"),
        t,
        Some(json!({"body": "internal", "private": true})),
    )
    .await;
    assert_eq!(p.status, 201);
    let shown = call(srv, "GET", &format!("{USPS}/{id}"), t, None).await;
    let d = &shown.body["data"];
    let actions: Vec<(&str, Option<i64>, Option<i64>)> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["action"].as_str().unwrap(),
                h["from_status"].as_i64(),
                h["to_status"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("create", None, Some(1)),
            ("hold", Some(1), Some(8)),
            ("resume", Some(8), Some(1)),
            ("submit", Some(1), Some(2)),
            ("approve", Some(2), Some(3)),
            ("reject", Some(3), Some(4)),
            ("resubmit", Some(4), Some(1)),
        ],
        "{backend}"
    );
    let mut bodies: Vec<&str> = d["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    bodies.sort_unstable();
    assert_eq!(
        bodies,
        ["Called her.", "The bill is too old.", "internal"],
        "{backend}"
    );

    // Cancel, then everything but cancel is refused as canceled.
    assert_eq!(status(&act(srv, t, &id, "cancel").await), (200, 7));
    assert_eq!(status(&act(srv, t, &id, "cancel").await), (200, 7));
    for action in ["submit", "hold", "resume", "resubmit", "approve", "reject"] {
        let r = act(srv, t, &id, action).await;
        assert_eq!(
            (r.status, &r.body),
            (400, &json!({"message": "The verification is canceled."})),
            "{backend}: {action}"
        );
    }

    // Erasure: the personal data goes, the status and history stay.
    let r = call(srv, "DELETE", &format!("{USPS}/{id}"), t, None).await;
    assert_eq!(status(&r), (200, 7), "{}", r.body);
    for gone in ["expected_data", "vendor_reference", "vendor_state"] {
        assert_eq!(r.body["data"].get(gone), None, "{gone}");
    }
    let shown = call(srv, "GET", &format!("{USPS}/{id}"), t, None).await;
    assert_eq!(shown.body["data"].get("comments"), None, "comments erased");
    let history = shown.body["data"]["history"].as_array().unwrap();
    assert_eq!(history.len(), 9);
    assert_eq!(history[8]["action"], "erase");
    let again = call(srv, "DELETE", &format!("{USPS}/{id}"), t, None).await;
    assert_eq!(again.status, 200);
    let shown = call(srv, "GET", &format!("{USPS}/{id}"), t, None).await;
    assert_eq!(shown.body["data"]["history"].as_array().unwrap().len(), 9);

    // Lists: per flow and across flows, newest first, 15 a page.
    let ident = call(srv, "POST", IDENTITY, t, Some(identity())).await;
    assert_eq!(ident.status, 201, "{}", ident.body);
    assert_eq!(ident.body["data"]["flow"], "Identity");
    let mut ids = vec![id.clone()];
    for i in 0..16 {
        srv.state.clock.advance(1);
        ids.push(create(srv, t, &format!("P{i}")).await);
    }
    ids.reverse();
    let page1 = call(srv, "GET", USPS, t, None).await;
    assert_eq!(page1.status, 200);
    let listed: Vec<&str> = page1.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ids[..15].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(page1.body["meta"]["total"], 17);
    assert_eq!(page1.body["meta"]["last_page"], 2);
    assert_eq!(page1.body["meta"]["per_page"], 15);
    assert!(page1.body["data"][0].get("history").is_none());
    let next = page1.body["links"]["next"].as_str().unwrap();
    assert!(
        next.ends_with("/api/v1/usps1583/verifications?page=2"),
        "{next}"
    );
    let page2 = call(srv, "GET", &format!("{USPS}?page=2"), t, None).await;
    assert_eq!(page2.body["data"].as_array().unwrap().len(), 2);
    let small = call(srv, "GET", &format!("{USPS}?per_page=5&page=4"), t, None).await;
    assert_eq!(small.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(small.body["meta"]["last_page"], 4);
    let all = call(srv, "GET", "/api/v1/verifications", t, None).await;
    assert_eq!(all.body["meta"]["total"], 18);
    let theirs = call(
        srv,
        "GET",
        "/api/v1/verifications",
        &other.token.token,
        None,
    )
    .await;
    assert_eq!(theirs.body["meta"]["total"], 0);
    assert_eq!(theirs.body["data"], json!([]));
    for (q, field) in [
        ("page=0", "page"),
        ("page=x", "page"),
        ("per_page=101", "per_page"),
        ("per_page=-1", "per_page"),
    ] {
        let r = call(srv, "GET", &format!("{USPS}?{q}"), t, None).await;
        assert_eq!(r.status, 422, "{q}");
        assert!(r.body["errors"].get(field).is_some(), "{q}: {}", r.body);
    }
}

#[tokio::test]
async fn concurrent_identical_actions_change_the_verification_once() {
    for db in Db::all("concurrent verification actions") {
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let ws = workspace(&srv).await;
        let t = ws.token.token.as_str();
        let id = create(&srv, t, "Jane").await;
        let submits =
            futures_util::future::join_all((0..20).map(|_| act(&srv, t, &id, "submit"))).await;
        let ok = submits.iter().filter(|r| r.status == 200).count();
        let refused = submits
            .iter()
            .filter(|r| {
                r.status == 400 && r.body["message"] == "The verification has already started."
            })
            .count();
        assert_eq!((ok, refused), (1, 19), "{}", db.name());
        // A fresh second: 20 more requests stay within the workspace's 25.
        srv.state.clock.freeze();
        srv.state.clock.advance(2);
        let approves =
            futures_util::future::join_all((0..20).map(|_| act(&srv, t, &id, "approve"))).await;
        assert!(
            approves.iter().all(|r| status(r) == (200, 3)),
            "{}: {:?}",
            db.name(),
            approves.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        srv.state.clock.advance(2);
        let shown = call(&srv, "GET", &format!("{USPS}/{id}"), t, None).await;
        let actions: Vec<&str> = shown.body["data"]["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["create", "submit", "approve"], "{}", db.name());
        srv.stop().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_create_bodies_are_catalogued_4xx_naming_the_field_and_store_nothing() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let t = ws.token.token.as_str();
    let huge = "x".repeat(100_000);
    let mut wrong_types = usps("Jane");
    wrong_types["expected_data"]["person"]["first_name"] = json!(7);
    wrong_types["expected_data"]["address"] = json!("1 Main St");
    wrong_types["vendor_reference"] = json!(["a"]);
    let mut nulls = usps("Jane");
    nulls["expected_data"]["person"] = Value::Null;
    let mut long = usps(&huge);
    long["vendor_state"] = json!(huge);
    let mut dates = usps("Jane");
    dates["expected_data"]["person"]["date_of_birth"] = json!("12/04/1990");
    dates["expected_data"]["address"]["country"] = json!("US");
    let mut same = usps("Jane");
    same["expected_data"]["documents"]["proof_of_address"]["type"] = json!("Driver License");
    let mut selfie = usps("Jane");
    selfie["expected_data"]["documents"]["photo_id"]["type"] = json!("Selfie");
    for (body, fields) in [
        (json!({}), vec!["expected_data"]),
        (json!({"expected_data": null}), vec!["expected_data"]),
        (json!({"expected_data": 1}), vec!["expected_data"]),
        (
            wrong_types,
            vec![
                "expected_data.person.first_name",
                "expected_data.address",
                "vendor_reference",
            ],
        ),
        (nulls, vec!["expected_data.person"]),
        (
            long,
            vec!["expected_data.person.first_name", "vendor_state"],
        ),
        (
            dates,
            vec![
                "expected_data.person.date_of_birth",
                "expected_data.address.country",
            ],
        ),
        (same, vec!["expected_data.documents.proof_of_address.type"]),
        (selfie, vec!["expected_data.documents.photo_id.type"]),
    ] {
        let r = call(&srv, "POST", USPS, t, Some(body.clone())).await;
        assert_eq!(r.status, 422, "{}", r.body);
        let errors = r.body["errors"].as_object().unwrap();
        for f in &fields {
            assert!(errors.contains_key(*f), "{f} missing in {}", r.body);
        }
        assert_eq!(errors.len(), fields.len(), "{}", r.body);
        let first = errors.values().next().unwrap()[0]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .starts_with(&first[..first.len().min(20)])
        );
    }
    let not_json = json!({"message": "The request body must be a JSON object."});
    for (ct, body) in [
        ("application/json", "{\"expected_data\":"),
        ("application/json", "[]"),
        ("application/json", "\"x\""),
        ("text/plain", "hello"),
        ("application/x-www-form-urlencoded", "expected_data=1"),
    ] {
        let r = call_raw(&srv, "POST", USPS, t, ct, body).await;
        assert_eq!((r.status, &r.body), (400, &not_json), "{ct} {body}");
    }
    let list = call(&srv, "GET", "/api/v1/verifications", t, None).await;
    assert_eq!(list.body["meta"]["total"], 0, "nothing was stored");
    srv.stop().await;
}

#[tokio::test]
async fn expected_data_and_comments_are_sealed_at_rest() {
    use idv_server::domain::SealKey;
    for db in Db::all("verifications sealed at rest") {
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let ws = workspace(&srv).await;
        let t = ws.token.token.as_str();
        let id = create(&srv, t, "Zebulonia").await;
        let c = call(
            &srv,
            "POST",
            &format!("{USPS}/{id}/comments"),
            t,
            Some(json!({"body": "Quixotically"})),
        )
        .await;
        assert_eq!(c.status, 201);
        // What the database holds, on either backend.
        let store = &srv.state.store;
        let rec = store
            .get_verification(&ws.workspace_id, &id)
            .await
            .unwrap()
            .unwrap();
        let sealed = rec.expected_data.as_deref().unwrap();
        assert!(SealKey::is_sealed(sealed) && !sealed.contains("Zebulonia"));
        assert!(SealKey::is_sealed(&rec.capture_token));
        let url = call(&srv, "GET", &format!("{USPS}/{id}"), t, None)
            .await
            .body["data"]["url"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(!rec.capture_token.contains(url.rsplit('=').next().unwrap()));
        let comments = store.verification_comments(&id).await.unwrap();
        assert_eq!(comments.len(), 1, "the comment is stored");
        assert!(
            comments
                .iter()
                .all(|c| SealKey::is_sealed(&c.body) && !c.body.contains("Quixotically"))
        );
        srv.stop().await;
        if let Db::Sqlite(dir) = &db {
            // And nowhere in the SQLite files (database, WAL).
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(dir.path()).unwrap() {
                bytes.extend(std::fs::read(entry.unwrap().path()).unwrap_or_default());
            }
            let text = String::from_utf8_lossy(&bytes);
            assert!(text.contains(&id), "the file holds the verification");
            for secret in [
                "Zebulonia",
                "D1234567",
                "1990-04-12",
                "Quixotically",
                "Springfield",
            ] {
                assert!(
                    !text.contains(secret),
                    "{secret} is in the database in clear"
                );
            }
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_workspace_s_flow_overrides_decide_what_create_accepts() {
    use idv_server::store::Workspace;
    let srv = TestServer::start().await;
    // A workspace whose USPS 1583 photo ID must be a passport, whatever the country.
    let w = Workspace {
        id: format!("ws_{}", idv_server::domain::secrets::random_hex(12)),
        name: "strict".into(),
        tier: "sandbox".into(),
        flows: json!({"usps1583": {"contexts": {"PHOTO_ID": {"default": ["Passport"], "countries": {"USA": ["Passport"]}}}}}).to_string(),
        created_at: 0,
    };
    srv.state.store.insert_workspace(&w).await.unwrap();
    let strict = idv_server::provision::create_api_token(
        srv.state.store.as_ref(),
        &w.id,
        "t",
        1,
        srv.state.clock.now(),
    )
    .await
    .unwrap();
    let plain = workspace(&srv).await;
    let r = call(&srv, "POST", USPS, &strict.token, Some(usps("Jane"))).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body["errors"]
            .get("expected_data.documents.photo_id.type")
            .is_some(),
        "{}",
        r.body
    );
    let mut passport = usps("Jane");
    passport["expected_data"]["documents"]["photo_id"]["type"] = json!("Passport");
    assert_eq!(
        call(&srv, "POST", USPS, &strict.token, Some(passport))
            .await
            .status,
        201
    );
    assert_eq!(
        call(&srv, "POST", USPS, &plain.token.token, Some(usps("Jane")))
            .await
            .status,
        201
    );
    srv.stop().await;
}

#[tokio::test]
async fn the_end_user_page_and_its_qr_code_resolve() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let r = call(&srv, "POST", USPS, &ws.token.token, Some(usps("Jane"))).await;
    let url = r.body["data"]["url"].as_str().unwrap().to_string();
    let qr = r.body["data"]["qr_code"].as_str().unwrap().to_string();
    // The URLs are the instance's public URL; the test server listens elsewhere.
    let local = |u: &str| format!("{}{}", srv.base, &u[u.find("/api/").unwrap()..]);
    let (url, qr) = (local(&url), local(&qr));
    let page = srv.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = page.text().await.unwrap();
    assert!(
        text.contains("Photo ID") && text.contains("Proof of Address"),
        "{text}"
    );
    let png = srv.http.get(&qr).send().await.unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert!(width >= 200, "{width}");
    for bad in [
        format!("{url}x"),
        format!("{}/api/v1/capture?token={}", srv.base, "0".repeat(64)),
        format!("{}/api/v1/capture", srv.base),
        format!("{}/api/v1/capture/qr.png?token=", srv.base),
    ] {
        let r = srv.send(srv.http.get(&bad)).await;
        assert_eq!(
            (r.status, &r.body),
            (404, &json!({"message": "Verification not found."})),
            "{bad}"
        );
    }
    srv.stop().await;
}

#[tokio::test]
async fn bad_comment_and_reject_bodies_are_422_naming_the_field_and_change_nothing() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let t = ws.token.token.as_str();
    let id = create(&srv, t, "Jane").await;
    assert_eq!(status(&act(&srv, t, &id, "submit").await), (200, 2));
    let comments = format!("{USPS}/{id}/comments");
    let reject = format!("{USPS}/{id}/reject");
    let long = "y".repeat(5001);
    for (path, body, field) in [
        (&comments, json!({}), "body"),
        (&comments, json!({"body": null}), "body"),
        (&comments, json!({"body": 5}), "body"),
        (&comments, json!({"body": long}), "body"),
        (
            &comments,
            json!({"body": "ok", "private": "yes"}),
            "private",
        ),
        (&reject, json!({}), "reason"),
        (&reject, json!({"reason": ["x"]}), "reason"),
        (&reject, json!({"reason": long}), "reason"),
        (&comments, json!({"body": "a\u{7}b"}), "body"),
        (&reject, json!({"reason": "a\u{0}b"}), "reason"),
    ] {
        let r = call(&srv, "POST", path, t, Some(body.clone())).await;
        assert_eq!(r.status, 422, "{path} {body}: {}", r.body);
        assert!(
            r.body["errors"].get(field).is_some(),
            "{path} {body}: {}",
            r.body
        );
    }
    let r = call_raw(&srv, "POST", &reject, t, "application/json", "nope").await;
    assert_eq!(r.status, 400);
    let shown = call(&srv, "GET", &format!("{USPS}/{id}"), t, None).await;
    assert_eq!(shown.body["data"]["status"], 2, "still Submitted");
    assert_eq!(
        shown.body["data"].get("comments"),
        None,
        "no comment stored"
    );
    srv.stop().await;
}

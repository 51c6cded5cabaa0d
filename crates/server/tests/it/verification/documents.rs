//! Documents and decisions against the real server: upload (one per context,
//! only while Started, checked images), show with a signed `image_url`,
//! delete, decisions cascading to the verification, submit requiring every
//! document, erasure deleting the images; concurrency (one document of 20
//! uploads, one 201 of 50 identical decisions) and bad input. The story runs
//! on SQLite and PostgreSQL.

use super::verifications::{create, identity};
use super::{call, call_raw, workspace};
use crate::harness::{Db, Resp, TestServer};
use crate::images::png;
use idv_server::domain::image::to_base64;
use serde_json::{Value, json};

const USPS: &str = "/api/v1/usps1583";

/// A small real PNG, base64.
pub fn small_png() -> String {
    to_base64(&png(8, 6))
}

/// An upload body.
pub fn upload_body(ver: &str, context: &str, ty: &str, image: &str) -> Value {
    json!({"verification": ver, "document": {"context_type": context, "type": ty, "country": "USA", "image": image}})
}

/// Uploads a document to a `usps1583` verification.
pub async fn upload(srv: &TestServer, t: &str, ver: &str, context: &str, ty: &str) -> Resp {
    let body = upload_body(ver, context, ty, &small_png());
    call(srv, "POST", &format!("{USPS}/documents"), t, Some(body)).await
}

/// Uploads every document a `usps1583` verification needs before submit.
pub async fn upload_required(srv: &TestServer, t: &str, ver: &str) {
    for (context, ty) in [
        ("PHOTO_ID", "Driver License"),
        ("PROOF_OF_ADDRESS", "Utility Bill"),
    ] {
        let r = upload(srv, t, ver, context, ty).await;
        assert_eq!(r.status, 201, "{context}: {}", r.body);
    }
}

async fn decide(srv: &TestServer, t: &str, doc: &str, status: i64) -> Resp {
    let body = json!({"status": status, "document": doc, "reason": "looked at it"});
    call(srv, "POST", &format!("{USPS}/decisions"), t, Some(body)).await
}

async fn verification_status(srv: &TestServer, t: &str, ver: &str) -> i64 {
    let r = call(srv, "GET", &format!("{USPS}/verifications/{ver}"), t, None).await;
    r.body["data"]["status"].as_i64().unwrap()
}

/// The image behind an `image_url`, fetched from this server.
async fn fetch_image(srv: &TestServer, url: &str) -> reqwest::Response {
    let path = &url[url.find("/api/v1/files/").expect("a files URL")..];
    srv.http
        .get(format!("{}{path}", srv.base))
        .send()
        .await
        .unwrap()
}

fn msg(r: &Resp) -> (u16, &Value) {
    (r.status, &r.body)
}

#[tokio::test]
async fn the_document_story_on_every_backend() {
    for db in Db::all("the document story") {
        // The clock is frozen (the URLs' 5 minutes): more than the 25
        // requests a second the surface allows happen in one second.
        let srv = TestServer::with_quota(&db, 1000).await;
        story(&srv, db.name()).await;
        srv.stop().await;
        db.cleanup().await;
    }
}

async fn story(srv: &TestServer, backend: &str) {
    srv.state.clock.freeze();
    let ws = workspace(srv).await;
    let t = ws.token.token.as_str();
    let ver = create(srv, t, "Jane").await;

    // Submit needs every document: a 422 on `documents` naming them.
    let r = call(
        srv,
        "POST",
        &format!("{USPS}/verifications/{ver}/submit"),
        t,
        None,
    )
    .await;
    assert_eq!(
        msg(&r),
        (
            422,
            &json!({"message": "The documents field is invalid: must include a PHOTO_ID document and a PROOF_OF_ADDRESS document.",
                       "errors": {"documents": ["The documents field is invalid: must include a PHOTO_ID document and a PROOF_OF_ADDRESS document."]}})
        ),
        "{backend}"
    );

    // Upload: 201, Uploaded, a signed URL that opens the very image.
    let image = png(8, 6);
    let body = upload_body(&ver, "photo_id", "driver license", &to_base64(&image));
    let r = call(srv, "POST", &format!("{USPS}/documents"), t, Some(body)).await;
    assert_eq!(r.status, 201, "{backend}: {}", r.body);
    let d = r.body["data"].clone();
    let doc = d["id"].as_str().unwrap().to_string();
    assert!(doc.starts_with("doc_") && doc.len() == 36, "{doc}");
    assert_eq!(
        (
            &d["verification"],
            &d["context_type"],
            &d["type"],
            &d["country"],
            &d["status"],
            &d["status_label"]
        ),
        (
            &json!(ver),
            &json!("PHOTO_ID"),
            &json!("Driver License"),
            &json!("USA"),
            &json!(1),
            &json!("Uploaded")
        )
    );
    let url = d["image_url"].as_str().unwrap().to_string();
    let got = fetch_image(srv, &url).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().to_vec(), image, "{backend}");
    // Tampered: 404. Expired after 5 minutes: the same 404.
    let file_not_found = json!({"message": "File not found."});
    let mut tampered = url.clone().into_bytes();
    let at = tampered.len() - 3;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let r = fetch_image(srv, &String::from_utf8(tampered).unwrap()).await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap(), file_not_found);
    srv.state.clock.advance(301);
    assert_eq!(fetch_image(srv, &url).await.status(), 404);

    // Show: a fresh URL; another workspace and an unknown id are the same
    // 404; the other flow a 400.
    let shown = call(srv, "GET", &format!("{USPS}/documents/{doc}"), t, None).await;
    assert_eq!(shown.status, 200);
    let fresh = shown.body["data"]["image_url"].as_str().unwrap();
    assert_eq!(fetch_image(srv, fresh).await.status(), 200);
    let other = workspace(srv).await;
    let not_found = json!({"message": "Document not found."});
    for (token, id) in [
        (other.token.token.as_str(), doc.clone()),
        (t, format!("doc_{}", "0".repeat(32))),
        (t, ver.clone()),
    ] {
        for method in ["GET", "DELETE"] {
            let r = call(srv, method, &format!("{USPS}/documents/{id}"), token, None).await;
            assert_eq!(msg(&r), (404, &not_found), "{backend}: {method} {id}");
        }
    }
    let r = call(
        srv,
        "GET",
        &format!("/api/v1/identity/documents/{doc}"),
        t,
        None,
    )
    .await;
    assert_eq!(
        msg(&r),
        (400, &json!({"message": "Invalid verification flow."}))
    );
    // Another workspace's verification in the body: a 422 on `verification`.
    let r = upload(
        srv,
        other.token.token.as_str(),
        &ver,
        "PROOF_OF_ADDRESS",
        "Utility Bill",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body["errors"]["verification"].is_array(), "{}", r.body);

    // One document per context; a context the flow does not take.
    let r = upload(srv, t, &ver, "PHOTO_ID", "Passport").await;
    assert_eq!(
        msg(&r),
        (
            400,
            &json!({"message": "The verification already has a PHOTO_ID document."})
        )
    );
    let r = upload(srv, t, &ver, "SELFIE", "Selfie").await;
    assert_eq!(
        msg(&r),
        (400, &json!({"message": "Document type not allowed."}))
    );

    // Proof of address with a back side; deleted and uploaded again.
    let mut body = upload_body(&ver, "PROOF_OF_ADDRESS", "Utility Bill", &small_png());
    body["back_side_data"] = json!(small_png());
    let r = call(srv, "POST", &format!("{USPS}/documents"), t, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let poa = r.body["data"]["id"].as_str().unwrap().to_string();
    let poa_url = r.body["data"]["image_url"].as_str().unwrap().to_string();
    let r = call(srv, "DELETE", &format!("{USPS}/documents/{poa}"), t, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["id"], json!(poa));
    assert_eq!(
        fetch_image(srv, &poa_url).await.status(),
        404,
        "image deleted"
    );
    let r = call(srv, "GET", &format!("{USPS}/documents/{poa}"), t, None).await;
    assert_eq!(msg(&r), (404, &not_found));
    let r = upload(srv, t, &ver, "PROOF_OF_ADDRESS", "utility bill").await;
    assert_eq!(r.status, 201);
    let poa = r.body["data"]["id"].as_str().unwrap().to_string();

    // Submit; then uploads and deletions are refused.
    let r = call(
        srv,
        "POST",
        &format!("{USPS}/verifications/{ver}/submit"),
        t,
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.body["data"]["status"].as_i64()),
        (200, Some(2)),
        "{}",
        r.body
    );
    let started = json!({"message": "The verification has already started."});
    let r = call(
        srv,
        "POST",
        &format!("{USPS}/documents"),
        t,
        Some(upload_body(&ver, "SELFIE", "Selfie", &small_png())),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = call(srv, "DELETE", &format!("{USPS}/documents/{poa}"), t, None).await;
    assert_eq!(msg(&r), (400, &started));

    // Decisions cascade: one approved leaves it Submitted; the other
    // rejected makes it Rejected; withdrawing that sends it back to
    // Submitted; approving it makes it Approved.
    let r = decide(srv, t, &doc, 1).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let dd = &r.body["data"];
    assert_eq!(
        (&dd["status"], &dd["status_label"]),
        (&json!(3), &json!("Approved"))
    );
    let decision = &dd["decisions"][0];
    assert_eq!(
        (
            &decision["status"],
            &decision["status_label"],
            &decision["validation_workflow"],
            &decision["reason"]
        ),
        (
            &json!(1),
            &json!("APPROVED"),
            &json!("Manual"),
            &json!("looked at it")
        )
    );
    assert_eq!(verification_status(srv, t, &ver).await, 2);
    assert_eq!(decide(srv, t, &poa, 2).await.status, 201);
    assert_eq!(verification_status(srv, t, &ver).await, 4);
    let r = decide(srv, t, &poa, 4).await;
    assert_eq!(
        (r.status, &r.body["data"]["status"]),
        (201, &json!(1)),
        "{}",
        r.body
    );
    assert_eq!(verification_status(srv, t, &ver).await, 2);
    let r = decide(srv, t, &poa, 4).await;
    assert_eq!(r.status, 422, "nothing left to withdraw: {}", r.body);
    assert!(r.body["errors"]["status"].is_array());
    assert_eq!(decide(srv, t, &poa, 1).await.status, 201);
    assert_eq!(verification_status(srv, t, &ver).await, 3);
    // The same decision again: 200, not recorded twice.
    let r = decide(srv, t, &poa, 1).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["decisions"].as_array().unwrap().len(), 3);

    // The history, with the token as actor; the detail view lists the documents.
    let shown = call(srv, "GET", &format!("{USPS}/verifications/{ver}"), t, None).await;
    let h: Vec<(String, Option<i64>, Option<i64>)> = shown.body["data"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            assert_eq!(h["actor"], json!(ws.token.id));
            (
                h["action"].as_str().unwrap().to_string(),
                h["from_status"].as_i64(),
                h["to_status"].as_i64(),
            )
        })
        .collect();
    let row = |a: &str, f: Option<i64>, to: Option<i64>| (a.to_string(), f, to);
    assert_eq!(
        h,
        [
            row("create", None, Some(1)),
            row("upload", None, None),
            row("upload", None, None),
            row("delete_document", None, None),
            row("upload", None, None),
            row("submit", Some(1), Some(2)),
            row("decision", None, None),
            row("decision", Some(2), Some(4)),
            row("decision", Some(4), Some(2)),
            row("decision", Some(2), Some(3)),
        ],
        "{backend}"
    );
    let docs = shown.body["data"]["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2, "{backend}");

    // Erasure deletes the images: the URLs stop working, the documents stay
    // without one.
    let live = call(srv, "GET", &format!("{USPS}/documents/{doc}"), t, None).await;
    let live_url = live.body["data"]["image_url"].as_str().unwrap().to_string();
    assert_eq!(fetch_image(srv, &live_url).await.status(), 200);
    let r = call(
        srv,
        "DELETE",
        &format!("{USPS}/verifications/{ver}"),
        t,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(fetch_image(srv, &live_url).await.status(), 404, "{backend}");
    let r = call(srv, "GET", &format!("{USPS}/documents/{doc}"), t, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"].get("image_url"), None, "{backend}");

    // A canceled verification: no upload, and its documents are canceled.
    let ver2 = create(srv, t, "Jo").await;
    let r = upload(srv, t, &ver2, "PHOTO_ID", "Passport").await;
    let doc2 = r.body["data"]["id"].as_str().unwrap().to_string();
    call(
        srv,
        "POST",
        &format!("{USPS}/verifications/{ver2}/cancel"),
        t,
        None,
    )
    .await;
    let r = upload(srv, t, &ver2, "PROOF_OF_ADDRESS", "Utility Bill").await;
    assert_eq!(
        msg(&r),
        (400, &json!({"message": "The verification is canceled."}))
    );
    let r = decide(srv, t, &doc2, 1).await;
    assert_eq!(
        msg(&r),
        (400, &json!({"message": "The document is canceled."}))
    );
    let r = call(srv, "GET", &format!("{USPS}/documents/{doc2}"), t, None).await;
    assert_eq!(r.body["data"]["status"], json!(6));
}

#[tokio::test]
async fn concurrent_uploads_and_decisions_are_written_once() {
    for db in Db::all("concurrent documents") {
        let srv = TestServer::with_quota(&db, 1000).await;
        let ws = workspace(&srv).await;
        let t = ws.token.token.as_str();
        let ver = create(&srv, t, "Jane").await;

        // 20 uploads of one context: one document.
        let ups = futures_util::future::join_all(
            (0..20).map(|_| upload(&srv, t, &ver, "PHOTO_ID", "Passport")),
        )
        .await;
        let created: Vec<&Resp> = ups.iter().filter(|r| r.status == 201).collect();
        let dup = ups
            .iter()
            .filter(|r| {
                msg(r)
                    == (
                        400,
                        &json!({"message": "The verification already has a PHOTO_ID document."}),
                    )
            })
            .count();
        assert_eq!(
            (created.len(), dup),
            (1, 19),
            "{}: {:?}",
            db.name(),
            ups.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        let shown = call(&srv, "GET", &format!("{USPS}/verifications/{ver}"), t, None).await;
        assert_eq!(shown.body["data"]["documents"].as_array().unwrap().len(), 1);
        let doc = created[0].body["data"]["id"].as_str().unwrap().to_string();

        // 50 identical decisions: one 201, the others answer it unchanged.
        upload_required_poa(&srv, t, &ver).await;
        let r = call(
            &srv,
            "POST",
            &format!("{USPS}/verifications/{ver}/submit"),
            t,
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let all = futures_util::future::join_all((0..50).map(|_| decide(&srv, t, &doc, 2))).await;
        let c201 = all.iter().filter(|r| r.status == 201).count();
        let c200 = all.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            (c201, c200),
            (1, 49),
            "{}: {:?}",
            db.name(),
            all.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        let r = call(&srv, "GET", &format!("{USPS}/documents/{doc}"), t, None).await;
        assert_eq!(r.body["data"]["decisions"].as_array().unwrap().len(), 1);
        srv.stop().await;
        db.cleanup().await;
    }
}

async fn upload_required_poa(srv: &TestServer, t: &str, ver: &str) {
    let r = upload(srv, t, ver, "PROOF_OF_ADDRESS", "Utility Bill").await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// A PNG header claiming `w`×`h` pixels and the start of its data.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    let mut wr = enc.write_header().unwrap();
    wr.write_chunk(png::chunk::IDAT, &[0x78, 0x9c, 0x03, 0x00])
        .unwrap();
    drop(wr);
    out
}

#[tokio::test]
async fn bad_uploads_and_decisions_are_catalogued_4xx_naming_the_field_and_store_nothing() {
    // More than the surface's 25 requests a second.
    let srv = TestServer::with_quota(&Db::sqlite(), 1000).await;
    let ws = workspace(&srv).await;
    let t = ws.token.token.as_str();
    let ver = create(&srv, t, "Jane").await;
    let good = small_png();
    let full = png(8, 6);
    let truncated = to_base64(&full[..full.len() - 10]);
    let bomb = to_base64(&png_claiming(100_000, 100_000));
    // 10 MB + 1 byte of decoded data.
    let over = "A".repeat(((10 * 1024 * 1024 + 1) * 4usize).div_ceil(3));
    let doc = |f: &dyn Fn(&mut Value)| {
        let mut b = upload_body(&ver, "PHOTO_ID", "Passport", &good);
        f(&mut b);
        b
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            doc(&|b| b["document"]["image"] = json!("not base64!!")),
            "document.image",
            "The document.image must be a PNG or JPEG image.",
        ),
        (
            doc(&|b| b["document"]["image"] = json!(truncated)),
            "document.image",
            "The document.image must be a PNG or JPEG image.",
        ),
        (
            doc(&|b| b["document"]["image"] = json!(bomb)),
            "document.image",
            "The document.image field is invalid: must be an image of at most 16384 pixels wide and high and 100 megapixels.",
        ),
        (
            doc(&|b| b["document"]["image"] = json!(over)),
            "document.image",
            "The document.image must not be greater than 10 MB.",
        ),
        (
            doc(&|b| b["document"]["image"] = json!(12)),
            "document.image",
            "The document.image field is invalid: must be a base64-encoded PNG or JPEG image.",
        ),
        (
            doc(&|b| b["document"]["image"] = Value::Null),
            "document.image",
            "The document.image field is required.",
        ),
        (
            doc(&|b| b["back_side_data"] = json!(to_base64(b"GIF89a...."))),
            "back_side_data",
            "The back_side_data must be a PNG or JPEG image.",
        ),
        (
            doc(&|b| b["document"]["context_type"] = json!("FACE")),
            "document.context_type",
            "The document.context_type field is invalid: must be PHOTO_ID, PROOF_OF_ADDRESS or SELFIE.",
        ),
        (
            doc(&|b| b["document"]["type"] = json!("Library Card")),
            "document.type",
            "The selected document.type is not configured for this flow.",
        ),
        (
            doc(&|b| b["document"]["type"] = json!(["Passport"])),
            "document.type",
            "The document.type field is invalid: must be a string.",
        ),
        (
            doc(&|b| b["document"]["country"] = json!("XX")),
            "document.country",
            "",
        ),
        (
            doc(&|b| b["document"] = json!("x")),
            "document",
            "The document field is invalid: must be an object.",
        ),
        (
            doc(&|b| b["document"] = Value::Null),
            "document",
            "The document field is required.",
        ),
        (
            doc(&|b| b["verification"] = Value::Null),
            "verification",
            "The verification field is required.",
        ),
        (
            doc(&|b| b["verification"] = json!("ver_x")),
            "verification",
            "The verification field is invalid: must be the id of a verification of this workspace.",
        ),
        (
            doc(&|b| b["verification"] = json!(format!("ver_{}", "0".repeat(32)))),
            "verification",
            "The verification field is invalid: must be the id of a verification of this workspace.",
        ),
    ];
    for (body, field, message) in cases {
        let r = call(&srv, "POST", &format!("{USPS}/documents"), t, Some(body)).await;
        assert_eq!(r.status, 422, "{field}: {}", r.body);
        let errors = &r.body["errors"][field];
        assert!(errors.is_array(), "{field}: {}", r.body);
        if !message.is_empty() {
            assert_eq!(errors[0], json!(message), "{field}");
        }
    }
    // Not JSON: the surface's 400.
    let r = call_raw(
        &srv,
        "POST",
        &format!("{USPS}/documents"),
        t,
        "application/json",
        "{",
    )
    .await;
    assert_eq!(
        msg(&r),
        (
            400,
            &json!({"message": "The request body must be a JSON object."})
        )
    );

    // Decisions.
    let up = upload(&srv, t, &ver, "PHOTO_ID", "Passport").await;
    let d = up.body["data"]["id"].as_str().unwrap().to_string();
    let s = &srv;
    let dec = move |b: Value| async move {
        call(s, "POST", &format!("{USPS}/decisions"), t, Some(b)).await
    };
    for (body, field) in [
        (json!({"document": d}), "status"),
        (json!({"status": null, "document": d}), "status"),
        (json!({"status": 0, "document": d}), "status"),
        (json!({"status": 5, "document": d}), "status"),
        (json!({"status": "1", "document": d}), "status"),
        (json!({"status": 1}), "document"),
        (json!({"status": 1, "document": 7}), "document"),
        (json!({"status": 1, "document": "doc_x"}), "document"),
        (
            json!({"status": 1, "document": format!("doc_{}", "0".repeat(32))}),
            "document",
        ),
        (
            json!({"status": 1, "document": d, "reason": ["x"]}),
            "reason",
        ),
    ] {
        let r = dec(body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert!(r.body["errors"][field].is_array(), "{body}: {}", r.body);
    }
    // Another workspace's document: the same 422 as an unknown one.
    let other = workspace(&srv).await;
    let r = call(
        &srv,
        "POST",
        &format!("{USPS}/decisions"),
        other.token.token.as_str(),
        Some(json!({"status": 1, "document": d})),
    )
    .await;
    assert_eq!(r.status, 422);

    // Nothing was stored but the one good upload, and it has no decision.
    let shown = call(&srv, "GET", &format!("{USPS}/verifications/{ver}"), t, None).await;
    let docs = shown.body["data"]["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].get("decisions"), None);
    let actions: Vec<&str> = shown.body["data"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "upload"]);
    // The identity flow takes a selfie, usps1583 does not.
    let id2 = call(
        &srv,
        "POST",
        "/api/v1/identity/verifications",
        t,
        Some(identity()),
    )
    .await;
    let id2 = id2.body["data"]["id"].as_str().unwrap().to_string();
    let r = call(&srv, "POST", "/api/v1/identity/documents", t, Some(json!({"verification": id2, "document": {"context_type": "SELFIE", "type": "Selfie", "image": good}}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    srv.stop().await;
}

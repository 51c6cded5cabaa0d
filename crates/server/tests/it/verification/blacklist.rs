//! The address blacklist: add by full address or components, list newest
//! first, delete; another workspace's entry is a 404; bad input is a 422
//! naming the field and stores nothing.

use super::{call, call_raw, workspace};
use crate::harness::TestServer;
use serde_json::json;

const PATH: &str = "/api/v1/address-blacklist";

#[tokio::test]
async fn entries_are_added_listed_newest_first_and_deleted_per_workspace() {
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let other = workspace(&srv).await;
    let t = ws.token.token.as_str();

    let full = call(
        &srv,
        "POST",
        PATH,
        t,
        Some(json!({"street": " 1 Main St ", "city": "Springfield", "state": "IL", "postal_code": "62701", "country": "usa"})),
    )
    .await;
    assert_eq!(full.status, 201, "{}", full.body);
    let entry = &full.body["data"];
    assert!(entry["id"].as_str().unwrap().starts_with("abl_"));
    assert_eq!(entry["street"], "1 Main St");
    assert_eq!(entry["country"], "USA");
    let created = entry["created_at"].as_str().unwrap();
    assert!(
        created.len() == 27 && created.ends_with(".000000Z") && created.as_bytes()[10] == b'T',
        "{created}"
    );
    srv.state.clock.advance(1);
    let zip = call(
        &srv,
        "POST",
        PATH,
        t,
        Some(json!({"postal_code": "10001", "city": null})),
    )
    .await;
    assert_eq!(zip.status, 201, "{}", zip.body);
    assert_eq!(
        zip.body["data"].get("city"),
        None,
        "omit-empty: {}",
        zip.body
    );

    let list = call(&srv, "GET", PATH, t, None).await;
    assert_eq!(list.status, 200);
    let ids: Vec<&str> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            zip.body["data"]["id"].as_str().unwrap(),
            entry["id"].as_str().unwrap()
        ]
    );
    // Another workspace sees none of them and cannot delete them.
    let theirs = call(&srv, "GET", PATH, &other.token.token, None).await;
    assert_eq!(theirs.body, json!({"data": []}));
    let id = entry["id"].as_str().unwrap();
    let r = call(
        &srv,
        "DELETE",
        &format!("{PATH}/{id}"),
        &other.token.token,
        None,
    )
    .await;
    assert_eq!(
        (r.status, &r.body),
        (
            404,
            &json!({"message": "Address blacklist entry not found."})
        )
    );
    let r = call(&srv, "DELETE", &format!("{PATH}/{id}"), t, None).await;
    assert_eq!((r.status, &r.body), (200, &json!({"data": {"id": id}})));
    let r = call(&srv, "DELETE", &format!("{PATH}/{id}"), t, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        call(&srv, "GET", PATH, t, None).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    srv.stop().await;
}

#[tokio::test]
async fn bad_entries_are_422_naming_the_field_or_400_for_a_body_that_is_not_json_and_store_nothing()
{
    let srv = TestServer::start().await;
    let ws = workspace(&srv).await;
    let t = ws.token.token.as_str();
    let long = "x".repeat(256);
    for (body, field, message) in [
        (
            json!({}),
            "street",
            "The street field is invalid: give a full address or at least one of street, city, state, postal_code and country.",
        ),
        (
            json!({"city": "", "state": "  "}),
            "street",
            "The street field is invalid: give a full address or at least one of street, city, state, postal_code and country.",
        ),
        (
            json!({"street": 12}),
            "street",
            "The street field is invalid: must be a string.",
        ),
        (
            json!({"city": ["a"]}),
            "city",
            "The city field is invalid: must be a string.",
        ),
        (
            json!({"state": {"a": 1}}),
            "state",
            "The state field is invalid: must be a string.",
        ),
        (
            json!({"postal_code": long}),
            "postal_code",
            "The postal_code field is invalid: must not be greater than 255 characters.",
        ),
        (
            json!({"country": "US"}),
            "country",
            "The country field is invalid: must be an ISO 3166-1 alpha-3 country code.",
        ),
    ] {
        let r = call(&srv, "POST", PATH, t, Some(body.clone())).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.body["message"], message, "{body}");
        assert_eq!(r.body["errors"][field], json!([message]), "{body}");
    }
    let two = call(
        &srv,
        "POST",
        PATH,
        t,
        Some(json!({"street": 1, "country": true})),
    )
    .await;
    assert_eq!(two.status, 422);
    assert_eq!(
        two.body["message"],
        "The street field is invalid: must be a string. (and 1 more error)"
    );
    assert_eq!(two.body["errors"].as_object().unwrap().len(), 2);

    let not_json = json!({"message": "The request body must be a JSON object."});
    for (ct, body) in [
        ("application/json", "{"),
        ("application/json", "[1]"),
        ("application/json", "null"),
        ("application/json", ""),
        ("text/plain", "{\"street\": \"x\"}"),
    ] {
        let r = call_raw(&srv, "POST", PATH, t, ct, body).await;
        assert_eq!((r.status, &r.body), (400, &not_json), "{ct} {body:?}");
    }
    let r = call(&srv, "GET", PATH, t, None).await;
    assert_eq!(r.body, json!({"data": []}), "nothing was stored");
    srv.stop().await;
}

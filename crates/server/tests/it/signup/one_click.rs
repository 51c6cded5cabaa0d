//! `POST /1-click` for Non-Hosted brands over the sandbox users, then
//! `GET` / `PATCH /1-click/{uuid}` during the request's 60 minutes.

use super::{brand, call};
use crate::harness::TestServer;
use idv_server::config::Tier;
use idv_server::signup::brands::{BrandOptions, create_brand};
use serde_json::json;

const PRIMARY: &str = "+10123456789";

#[tokio::test]
async fn the_primary_sandbox_user_signs_up_in_one_call_and_the_identity_lives_60_minutes() {
    let srv = TestServer::start().await;
    srv.state.clock.freeze();
    let k = brand(&srv, "non-hosted").await;
    let r = call(
        &srv,
        "POST",
        "/1-click",
        Some(&k.api_key),
        Some(json!({"phone": PRIMARY, "birthDate": "1989-08-01", "ssn4": "6789"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let uuid = r.str("uuid");
    assert!(uuid::Uuid::parse_str(&uuid).is_ok(), "{uuid}");
    let identity = &r.body["identity"];
    assert_eq!(identity["identifiers"]["phone"], PRIMARY);
    assert_eq!(
        identity["identifiers"]["email"],
        "richard@piedpiper.example"
    );
    assert_eq!(
        identity["credentials"]["fullName"],
        json!({"firstName": "Richard", "lastName": "Hendricks"})
    );
    assert_eq!(identity["credentials"]["birthDate"], "1989-08-01");
    let meta = &identity["metadata"];
    assert_eq!(
        meta["identifiers"]["phone"]["verificationMethod"],
        "phone_carrier"
    );
    assert!(
        meta["identifiers"]["phone"]["issuanceDate"]
            .as_str()
            .unwrap()
            .ends_with(".000000Z")
    );
    assert_eq!(meta["credentials"]["fullName"]["status"], "verified");
    // Every add-on of the sandbox brand shows.
    let signals = &meta["identifiers"]["riskSignals"];
    assert_eq!(
        signals["overall"],
        json!({"score": 0, "level": "low", "recommendation": "allow", "reasonCodes": ["OCR10021"]})
    );
    assert_eq!(signals["phone"]["carrier"]["name"], "Example Carrier");
    assert_eq!(
        signals["email"]["reasonCodes"],
        json!(["OCR60001", "OCR60002"])
    );

    // GET answers the same identity; PATCH checks the inputs against it.
    let path = format!("/1-click/{uuid}");
    let got = call(&srv, "GET", &path, Some(&k.api_key), None, &[]).await;
    assert_eq!((got.status, &got.body), (200, identity));
    let p = call(
        &srv,
        "PATCH",
        &path,
        Some(&k.api_key),
        Some(json!({"birthDate": "1989-08-01"})),
        &[],
    )
    .await;
    assert_eq!((p.status, &p.body), (200, identity));
    let p = call(
        &srv,
        "PATCH",
        &path,
        Some(&k.api_key),
        Some(json!({"ssn4": "0000"})),
        &[],
    )
    .await;
    assert_eq!(
        (p.status, p.body["message"].as_str()),
        (400, Some("SSN4 mismatch."))
    );
    assert_eq!(p.body["data"]["riskSignals"]["overall"]["score"], 0);

    // Another brand's key does not see it.
    let other = brand(&srv, "non-hosted").await;
    let r = call(&srv, "GET", &path, Some(&other.api_key), None, &[]).await;
    assert_eq!(
        (r.status, r.body["data"]["errorCode"].as_str()),
        (404, Some("OCE015"))
    );

    // 60 minutes later it is expired.
    srv.state.clock.advance(3599);
    assert_eq!(
        call(&srv, "GET", &path, Some(&k.api_key), None, &[])
            .await
            .status,
        200
    );
    srv.state.clock.advance(1);
    for (method, body) in [("GET", None), ("PATCH", Some(json!({})))] {
        let r = call(&srv, method, &path, Some(&k.api_key), body, &[]).await;
        assert_eq!(
            r.body,
            json!({"name": "BadRequest", "message": "1-Click Request Expired", "code": 400, "className": "bad-request", "data": {"errorCode": "OCE014"}}),
            "{method}"
        );
    }

    // The sweeper keeps it for the grace (OCE014 meanwhile), then deletes it.
    let sweep = |grace| {
        idv_server::retention::sweep(srv.state.store.as_ref(), srv.state.clock.now(), grace)
    };
    srv.state.clock.advance(1);
    assert_eq!(sweep(3600).await.unwrap().one_click_requests, 0);
    assert_eq!(sweep(0).await.unwrap().one_click_requests, 1);
    let r = call(&srv, "GET", &path, Some(&k.api_key), None, &[]).await;
    assert_eq!(r.body["data"]["errorCode"], "OCE015");

    // No personal data in clear at rest.
    let db = srv.db.clone();
    let Some(crate::harness::Db::Sqlite(dir)) = &db else {
        unreachable!()
    };
    let dir = dir.path().to_path_buf();
    srv.stop().await;
    // (SQLite's WAL and shared-memory files may go while the folder is read.)
    for bytes in std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
    {
        let text = String::from_utf8_lossy(&bytes);
        for secret in [
            "Hendricks",
            "0123456789",
            "1989-08-01",
            "piedpiper",
            &k.api_key,
        ] {
            assert!(!text.contains(secret), "{secret} is stored in clear");
        }
    }
}

#[tokio::test]
async fn risk_inputs_and_integration_decide_the_answer() {
    let srv = TestServer::start().await;
    let k = brand(&srv, "non-hosted").await;
    let post = |key: String, body: serde_json::Value| {
        let srv = &srv;
        async move { call(srv, "POST", "/1-click", Some(&key), Some(body), &[]).await }
    };
    // Blocked above 600, with the risk signals.
    let r = post(k.api_key.clone(), json!({"phone": "+15555550002"})).await;
    assert_eq!(
        (r.status, r.body["data"]["errorCode"].as_str()),
        (400, Some("OCE017"))
    );
    assert_eq!(r.body["message"], "1-Click Blocked: Risk Score Too High");
    assert_eq!(
        r.body["data"]["riskSignals"]["overall"],
        json!({"score": 1000, "level": "high", "recommendation": "block", "reasonCodes": ["OCR10032"]})
    );
    // Flagged at 500: signs up, recommendation flag.
    let r = post(k.api_key.clone(), json!({"phone": "+15555550001"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["identity"]["metadata"]["identifiers"]["riskSignals"]["overall"]["recommendation"],
        "flag"
    );
    // No data: OCE013 with the signals.
    let r = post(k.api_key.clone(), json!({"phone": "+10019999998"})).await;
    assert_eq!(
        (r.status, r.body["data"]["errorCode"].as_str()),
        (404, Some("OCE013"))
    );
    assert_eq!(r.body["data"]["riskSignals"]["overall"]["score"], 0);
    // Inputs that are not the user's: OCE012 with the exact message.
    for (body, message) in [
        (
            json!({"phone": PRIMARY, "birthDate": "1990-01-01"}),
            "BirthDate mismatch.",
        ),
        (json!({"phone": PRIMARY, "ssn4": "1234"}), "SSN4 mismatch."),
        (
            json!({"phone": PRIMARY, "birthDate": "1990-01-01", "ssn4": "1234"}),
            "BirthDate mismatch and SSN4 mismatch.",
        ),
    ] {
        let r = post(k.api_key.clone(), body).await;
        assert_eq!((r.status, r.body["message"].as_str()), (400, Some(message)));
        assert_eq!(r.body["data"]["errorCode"], "OCE012");
    }
    // A brand without add-ons sees only the overall score, level and recommendation.
    let now = idv_server::clock::unix_now();
    let plain = create_brand(
        srv.state.store.as_ref(),
        &BrandOptions {
            add_ons: vec![],
            ..BrandOptions::sandbox(Tier::Sandbox)
        },
        now,
    )
    .await
    .unwrap();
    let r = post(plain.api_key.clone(), json!({"phone": PRIMARY})).await;
    assert_eq!(
        r.body["identity"]["metadata"]["identifiers"]["riskSignals"],
        json!({"overall": {"score": 0, "level": "low", "recommendation": "allow"}})
    );
    // Hosted and Semi-Hosted brands are not served yet, and say so.
    for integration in ["hosted", "semi-hosted"] {
        let other = brand(&srv, integration).await;
        let r = post(other.api_key.clone(), json!({"phone": PRIMARY})).await;
        assert_eq!(
            (r.status, r.body["data"]["errorCode"].as_str()),
            (403, Some("IDV005")),
            "{integration}"
        );
    }
    // The input checks come first, for every integration.
    let r = post(k.api_key.clone(), json!({"phone": "+14165550123"})).await;
    assert_eq!(r.body["data"]["errorCode"], "OCE002");
    let r = post(k.api_key.clone(), json!({"phone": 2125550010_i64})).await;
    assert_eq!(
        (r.status, r.body["message"].as_str()),
        (400, Some("Malformed request: phone: must be a string"))
    );
    srv.stop().await;
}

//! Pre-Fill and Prove Identity flows: next maps, field rules, replay, expiry,
//! sandbox users, regions.

use crate::harness::{TOD, TestServer};
use idv_server::config::{Region, Tier};
use serde_json::json;

#[tokio::test]
async fn prefill_flow_runs_with_curl_alone_and_enrols_an_identity() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    let r = srv.post("/v3/start", &token, json!({"flowType": "desktop", "phoneNumber": TOD, "finalTargetUrl": "https://example.com/done"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["next"], json!({"v3-validate": "/v3/validate"}));
    assert!(r.body["authToken"].is_string());
    let cid = r.str("correlationId");
    let v = srv
        .post("/v3/validate", &token, json!({"correlationId": cid}))
        .await;
    assert_eq!(
        v.body,
        json!({"success": true, "challengeMissing": true, "phoneNumber": "+12001001695", "next": {"v3-challenge": "/v3/challenge"}})
    );
    let c = srv
        .post(
            "/v3/challenge",
            &token,
            json!({"correlationId": cid, "dob": "1981-01", "ssn": "0596"}),
        )
        .await;
    assert_eq!(c.body["success"], true);
    assert_eq!(c.body["individual"]["firstName"], "Tod");
    assert_eq!(c.body["individual"]["addresses"][0]["city"], "San Antonio");
    assert_eq!(c.body["next"], json!({"v3-complete": "/v3/complete"}));
    let done = srv
        .post(
            "/v3/complete",
            &token,
            json!({"correlationId": cid, "individual": c.body["individual"]}),
        )
        .await;
    assert_eq!(done.body["success"], true);
    assert_eq!(done.body["changeDetected"], false);
    assert_eq!(done.body["next"], json!({"done": "done"}));
    let id = done.str("identityId");
    let got = srv.get(&format!("/v3/identity/{id}"), &token).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["lastName"], "Weedall");
    assert_eq!(got.body["identityId"], id.as_str());
    assert!(got.body.get("ssn").is_none(), "the SSN is not kept");
    let other = srv.token_for("prefill").await;
    let hidden = srv.get(&format!("/v3/identity/{id}"), &other).await;
    assert_eq!(
        (hidden.status, hidden.body.clone()),
        (404, json!({"code": 8011, "message": "Identity Not Found"}))
    );
    srv.stop().await;
}

#[tokio::test]
async fn prove_identity_flow_skips_the_challenge() {
    let srv = TestServer::start().await;
    let token = srv.token_for("identity").await;
    let cid = srv.start_mobile(&token).await;
    let v = srv
        .post("/v3/validate", &token, json!({"correlationId": cid}))
        .await;
    assert_eq!(
        v.body,
        json!({"success": true, "phoneNumber": "+12001001695", "next": {"v3-complete": "/v3/complete"}})
    );
    let c = srv
        .post(
            "/v3/challenge",
            &token,
            json!({"correlationId": cid, "dob": "1981-01"}),
        )
        .await;
    assert_eq!(c.status, 403);
    assert_eq!(
        c.body,
        json!({"code": 8003, "message": "step called out of order", "next": {"v3-complete": "/v3/complete"}})
    );
    let done = srv.post("/v3/complete", &token, json!({"correlationId": cid, "individual": {"firstName": "tod", "lastName": "WEEDALL"}})).await;
    assert_eq!(done.body["success"], true);
    assert!(done.body.get("changeDetected").is_none());
    srv.stop().await;
}

#[tokio::test]
async fn replays_get_8003_while_open_and_8008_once_done() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    let cid = srv.start_mobile(&token).await;
    let early = srv.post("/v3/complete", &token, json!({"correlationId": cid, "individual": {"firstName": "Tod", "lastName": "Weedall"}})).await;
    assert_eq!(
        early.body,
        json!({"code": 8003, "message": "step called out of order", "next": {"v3-validate": "/v3/validate"}})
    );
    assert_eq!(
        srv.post("/v3/validate", &token, json!({"correlationId": cid}))
            .await
            .status,
        200
    );
    let again = srv
        .post("/v3/validate", &token, json!({"correlationId": cid}))
        .await;
    assert_eq!(
        (again.status, again.body["code"].as_i64()),
        (403, Some(8003))
    );
    assert_eq!(again.body["next"], json!({"v3-challenge": "/v3/challenge"}));
    // A failed challenge ends the flow; everything afterwards is 8008.
    let bad = srv
        .post(
            "/v3/challenge",
            &token,
            json!({"correlationId": cid, "dob": "1990-05"}),
        )
        .await;
    assert_eq!(
        bad.body,
        json!({"success": false, "next": {"done": "done"}})
    );
    let after = srv
        .post(
            "/v3/challenge",
            &token,
            json!({"correlationId": cid, "dob": "1981-01"}),
        )
        .await;
    assert_eq!(
        (after.status, after.body.clone()),
        (
            403,
            json!({"code": 8008, "message": "correlation ID is expired or invalid"})
        )
    );
    srv.stop().await;
}

#[tokio::test]
async fn correlation_ids_expire_and_belong_to_one_project() {
    let srv = TestServer::start().await;
    // To the second: a second boundary passing between two requests must not
    // turn "one second before the end" into the end.
    srv.state.clock.freeze();
    let token = srv.token_for("prefill").await;
    let other = srv.token_for("prefill").await;
    let cid = srv.start_mobile(&token).await;
    assert_eq!(
        srv.post("/v3/validate", &other, json!({"correlationId": cid}))
            .await
            .body["code"],
        8008
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        srv.post("/v3/validate", &token, json!({"correlationId": unknown}))
            .await
            .body["code"],
        8008
    );
    // One second before its 15 minutes are up the flow still works; one second
    // after, its next step gets 8008.
    srv.state.clock.advance(899);
    assert_eq!(
        srv.post("/v3/validate", &token, json!({"correlationId": cid}))
            .await
            .status,
        200
    );
    srv.state.clock.advance(2);
    let r = srv
        .post(
            "/v3/challenge",
            &token,
            json!({"correlationId": cid, "dob": "1981-01"}),
        )
        .await;
    assert_eq!((r.status, r.body["code"].as_i64()), (403, Some(8008)));
    srv.stop().await;
}

#[tokio::test]
async fn start_field_rules_name_each_parameter() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    let check = |body: serde_json::Value, reasons: &'static str| {
        let srv = &srv;
        let token = &token;
        async move {
            let r = srv.post("/v3/start", token, body).await;
            assert_eq!(r.status, 400, "{}", r.body);
            assert_eq!(
                r.body,
                json!({"code": 8001, "message": format!("malformed request: {reasons}")})
            );
        }
    };
    check(json!({"phoneNumber": TOD}), "flowType: is required").await;
    check(
        json!({"flowType": "tablet", "phoneNumber": TOD}),
        "flowType: must be desktop or mobile",
    )
    .await;
    check(
        json!({"flowType": "desktop", "phoneNumber": TOD}),
        "finalTargetUrl: is required when the flow is desktop",
    )
    .await;
    let long = format!("https://example.com/{}", "a".repeat(120));
    check(
        json!({"flowType": "desktop", "phoneNumber": TOD, "finalTargetUrl": long}),
        "finalTargetUrl: must be at most 128 characters",
    )
    .await;
    check(
        json!({"flowType": "desktop", "phoneNumber": TOD, "finalTargetUrl": "https://x.com/a b"}),
        "finalTargetUrl: may hold only letters, digits and the characters -._+=/:?",
    )
    .await;
    check(json!({"flowType": "mobile", "phoneNumber": "555"}), "phoneNumber: must be 10 digits (US or Canada, optionally with +1) or an international number in E.164 with a leading +").await;
    check(
        json!({"flowType": "mobile", "phoneNumber": 2001001695_i64}),
        "phoneNumber: must be a string",
    )
    .await;
    check(json!({"flowType": "mobile", "phoneNumber": TOD, "dob": "01/02/1981", "ssn": "12", "allowOTPRetry": "yes"}), "dob: must be YYYY-MM-DD, YYYY-MM or MM-DD; ssn: must be 9 digits or the last 4 digits; allowOTPRetry: must be true or false").await;
    let ok = srv.post("/v3/start", &token, json!({"flowType": "mobile", "phoneNumber": "+12001001695", "dob": "1981-01-09", "ssn": "123450596", "allowOTPRetry": true})).await;
    assert_eq!(ok.status, 200);
    srv.stop().await;
}

#[tokio::test]
async fn sandbox_users_solutions_and_regions() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    let start = |phone: &'static str| json!({"flowType": "mobile", "phoneNumber": phone});
    assert_eq!(
        srv.post("/v3/start", &token, start("2025550100"))
            .await
            .body,
        json!({"code": 8007, "message": "no test user found matching the phone number"})
    );
    let other_solution = srv.post("/v3/start", &token, start("2001004014")).await;
    assert_eq!(
        (other_solution.status, other_solution.body["code"].as_i64()),
        (403, Some(8009))
    );
    let eu = srv.post("/v3/start", &token, start("+2001004029")).await;
    assert_eq!(
        eu.body,
        json!({"code": 8010, "message": "unauthorized for country: the number's region is EU but this is the US endpoint"})
    );
    let (id, secret) = srv.client("prefill", Some(&["US"])).await;
    let us_only = srv.token(&id, &secret).await;
    let ca = srv.post("/v3/start", &us_only, start("4165550100")).await;
    assert_eq!(
        ca.body,
        json!({"code": 8010, "message": "unauthorized for country: the project is not authorized for CA"})
    );
    srv.stop().await;

    // The EU instance refuses +1 numbers, and US credentials.
    let eu = TestServer::on(&crate::harness::Db::sqlite(), Region::Eu, Tier::Sandbox).await;
    let token = eu.token_for("unify").await;
    let r = eu
        .post(
            "/v3/unify",
            &token,
            json!({"possessionType": "mobile", "clientRequestId": "r1", "phoneNumber": TOD}),
        )
        .await;
    assert_eq!(
        r.body["message"],
        "unauthorized for country: the number's region is US but this is the EU endpoint"
    );
    let r = eu.post("/v3/unify", &token, json!({"possessionType": "mobile", "clientRequestId": "r1", "phoneNumber": "+2001004029"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    eu.stop().await;
}

#[tokio::test]
async fn a_sandbox_action_the_flow_is_not_waiting_for_is_a_step_out_of_order() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    // This sandbox user passes possession at once: its flow waits for no OTP
    // and no Instant Link click, only for /v3/validate.
    let started = srv
        .post(
            "/v3/start",
            &token,
            json!({"flowType": "desktop", "phoneNumber": crate::harness::TOD, "finalTargetUrl": "https://example.com/done"}),
        )
        .await;
    assert_eq!(started.status, 200, "{}", started.body);
    let auth = started.str("authToken");
    let otp = srv
        .send(
            srv.http
                .post(format!("{}/sandbox/otp", srv.base))
                .json(&json!({"authToken": auth, "otp": "1234"})),
        )
        .await;
    assert_eq!(
        (otp.status, otp.body.clone()),
        (
            403,
            json!({"code": 8003, "message": "step called out of order", "next": {"v3-validate": "/v3/validate"}})
        )
    );
    let link = srv
        .send(
            srv.http
                .post(format!("{}/sandbox/instant-link", srv.base))
                .json(&json!({"authToken": auth})),
        )
        .await;
    assert_eq!((link.status, link.body), (otp.status, otp.body));
    srv.stop().await;
}

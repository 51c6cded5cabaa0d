//! Unify: possession by Instant Link, OTP, Mobile Auth and customer-supplied
//! possession; Prove Keys bound to devices; revocation gives 8019.

use crate::harness::TestServer;
use serde_json::json;

const LORANT: &str = "2001004014";
const INGE: &str = "2001004016";
const BARBARAANNE: &str = "2001004018";

#[tokio::test]
async fn desktop_unify_completes_through_the_instant_link() {
    let srv = TestServer::start().await;
    let token = srv.token_for("unify").await;
    let r = srv
        .post("/v3/unify", &token, json!({"possessionType": "desktop", "clientRequestId": "r1", "phoneNumber": LORANT, "finalTargetUrl": "https://example.com/back"}))
        .await;
    assert_eq!(r.body["success"], "pending", "{}", r.body);
    let cid = r.str("correlationId");
    let auth = r.str("authToken");
    let s = srv.unify_status(&token, &cid).await;
    assert_eq!(
        s.body,
        json!({"success": "pending", "clientRequestId": "r1"})
    );
    let otp = srv
        .send(
            srv.http
                .post(format!("{}/sandbox/otp", srv.base))
                .json(&json!({"authToken": auth, "otp": "1234"})),
        )
        .await;
    // Desktop flows wait for the link, not an OTP: the OTP is a step out of
    // order, and `next` names what the Unify flow allows now.
    assert_eq!(
        (otp.status, otp.body.clone()),
        (
            403,
            json!({"code": 8003, "message": "step called out of order", "next": {"v3-unify-status": "/v3/unify-status"}})
        ),
        "desktop flows wait for the link, not an OTP"
    );
    let click = srv
        .send(
            srv.http
                .post(format!("{}/sandbox/instant-link", srv.base))
                .json(&json!({"authToken": auth})),
        )
        .await;
    assert_eq!(
        click.body,
        json!({"success": true, "redirectUrl": "https://example.com/back"})
    );
    let s = srv.unify_status(&token, &cid).await;
    assert_eq!(s.body["success"], "true");
    assert!(s.body["proveId"].is_string());
    assert!(s.body.get("deviceId").is_none(), "no Prove Key on desktop");
    let again = srv.unify_status(&token, &cid).await;
    assert_eq!(again.body["code"], 8008);
    let identity = srv
        .get(&format!("/v3/identity/{}", s.str("proveId")), &token)
        .await;
    assert_eq!(identity.body["firstName"], "Lorant");
    srv.stop().await;
}

#[tokio::test]
async fn mobile_unify_otp_binds_a_key_and_a_revoked_key_gets_8019() {
    let srv = TestServer::start().await;
    let token = srv.token_for("unify").await;
    let start = |retry: bool| json!({"possessionType": "mobile", "clientRequestId": "r", "phoneNumber": LORANT, "allowOTPRetry": retry});
    // Without allowOTPRetry one wrong code fails possession.
    let r = srv.post("/v3/unify", &token, start(false)).await;
    let otp = |auth: String, code: &'static str| {
        srv.send(
            srv.http
                .post(format!("{}/sandbox/otp", srv.base))
                .json(&json!({"authToken": auth, "otp": code})),
        )
    };
    let wrong = otp(r.str("authToken"), "0000").await;
    assert_eq!(
        wrong.body,
        json!({"success": false, "remainingAttempts": 0})
    );
    let s = srv.unify_status(&token, &r.str("correlationId")).await;
    assert_eq!(s.body["success"], "false");
    // With it, three re-entries are allowed.
    let r = srv.post("/v3/unify", &token, start(true)).await;
    for left in [3, 2, 1] {
        assert_eq!(
            otp(r.str("authToken"), "9999").await.body["remainingAttempts"],
            left
        );
    }
    assert_eq!(
        otp(r.str("authToken"), "1234").await.body,
        json!({"success": true})
    );
    let s = srv.unify_status(&token, &r.str("correlationId")).await;
    assert_eq!(s.body["success"], "true");
    let device = s.str("deviceId");
    let prove_id = s.str("proveId");
    // The bound key is the possession check of the next Unify.
    let r = srv.post("/v3/unify", &token, json!({"possessionType": "mobile", "clientRequestId": "r2", "phoneNumber": LORANT, "deviceId": device})).await;
    let s = srv.unify_status(&token, &r.str("correlationId")).await;
    assert_eq!(
        (s.str("success"), s.str("proveId"), s.str("deviceId")),
        ("true".into(), prove_id, device.clone())
    );
    // Revoke it: a session started before sees 8019 at status, a new one at unify.
    let pending = srv.post("/v3/unify", &token, json!({"possessionType": "mobile", "clientRequestId": "r3", "phoneNumber": LORANT, "deviceId": device})).await;
    let rv = srv
        .post(
            "/v3/device/revoke",
            &token,
            json!({"deviceId": device, "clientRequestId": "r4"}),
        )
        .await;
    assert_eq!(rv.body, json!({"success": true}));
    let s = srv
        .unify_status(&token, &pending.str("correlationId"))
        .await;
    assert_eq!(
        (s.status, s.body.clone()),
        (
            403,
            json!({"code": 8019, "message": "Device has been revoked"})
        )
    );
    let r = srv.post("/v3/unify", &token, json!({"possessionType": "mobile", "clientRequestId": "r5", "phoneNumber": LORANT, "deviceId": device})).await;
    assert_eq!(r.body["code"], 8019);
    let again = srv
        .post(
            "/v3/device/revoke",
            &token,
            json!({"deviceId": device, "clientRequestId": "r6"}),
        )
        .await;
    assert_eq!(again.body, json!({"success": false}));
    srv.stop().await;
}

#[tokio::test]
async fn mobile_auth_short_term_and_customer_supplied_possession() {
    let srv = TestServer::start().await;
    let token = srv.token_for("unify").await;
    let r = srv
        .post(
            "/v3/unify",
            &token,
            json!({"possessionType": "mobile", "clientRequestId": "a", "phoneNumber": INGE}),
        )
        .await;
    let s = srv.unify_status(&token, &r.str("correlationId")).await;
    assert_eq!(s.body["success"], "true");
    assert!(
        s.body["deviceId"].is_string(),
        "mobile auth users get a key"
    );
    let r = srv
        .post(
            "/v3/unify",
            &token,
            json!({"possessionType": "mobile", "clientRequestId": "b", "phoneNumber": BARBARAANNE}),
        )
        .await;
    let s = srv.unify_status(&token, &r.str("correlationId")).await;
    assert_eq!(s.body["success"], "true");
    assert!(
        s.body.get("deviceId").is_none(),
        "short-term users get no key"
    );
    let r = srv
        .post(
            "/v3/unify",
            &token,
            json!({"possessionType": "none", "clientRequestId": "c", "phoneNumber": LORANT}),
        )
        .await;
    let cid = r.str("correlationId");
    let s = srv.unify_status(&token, &cid).await;
    assert_eq!(s.body["success"], "possession_required");
    let wrong = srv
        .post(
            "/v3/unify-bind",
            &token,
            json!({"correlationId": cid, "phoneNumber": INGE}),
        )
        .await;
    assert_eq!(wrong.status, 400);
    let b = srv
        .post(
            "/v3/unify-bind",
            &token,
            json!({"correlationId": cid, "phoneNumber": LORANT, "clientRequestId": "c"}),
        )
        .await;
    assert_eq!(b.body["success"], "true");
    assert!(b.body["deviceId"].is_string() && b.body["proveId"].is_string());
    let replay = srv
        .post(
            "/v3/unify-bind",
            &token,
            json!({"correlationId": cid, "phoneNumber": LORANT}),
        )
        .await;
    assert_eq!(replay.body["code"], 8008);
    // Bind is out of order when possession is not customer-supplied.
    let r = srv
        .post(
            "/v3/unify",
            &token,
            json!({"possessionType": "mobile", "clientRequestId": "d", "phoneNumber": LORANT}),
        )
        .await;
    let b = srv
        .post(
            "/v3/unify-bind",
            &token,
            json!({"correlationId": r.str("correlationId"), "phoneNumber": LORANT}),
        )
        .await;
    assert_eq!(
        b.body,
        json!({"code": 8003, "message": "step called out of order", "next": {"v3-unify-status": "/v3/unify-status"}})
    );
    // Unify correlation ids are not valid in a Pre-Fill step, and the reverse.
    let v = srv
        .post(
            "/v3/validate",
            &token,
            json!({"correlationId": r.str("correlationId")}),
        )
        .await;
    assert_eq!(v.body["code"], 8008);
    // Test users of other solutions get 8009.
    let tod = srv.post("/v3/unify", &token, json!({"possessionType": "mobile", "clientRequestId": "e", "phoneNumber": "2001001695"})).await;
    assert_eq!(tod.body["code"], 8009);
    srv.stop().await;
}

#[tokio::test]
async fn otp_and_instant_link_expire_and_status_is_never_replayed_from_a_key() {
    let srv = TestServer::start().await;
    let token = srv.token_for("unify").await;
    let link = srv
        .post("/v3/unify", &token, json!({"possessionType": "desktop", "clientRequestId": "a", "phoneNumber": LORANT, "finalTargetUrl": "https://example.com"}))
        .await;
    let otp = srv
        .post(
            "/v3/unify",
            &token,
            json!({"possessionType": "mobile", "clientRequestId": "b", "phoneNumber": LORANT}),
        )
        .await;
    // Twins started at the same moment, used just before the lifetimes end.
    let link_in_time = srv
        .post("/v3/unify", &token, json!({"possessionType": "desktop", "clientRequestId": "c", "phoneNumber": LORANT, "finalTargetUrl": "https://example.com"}))
        .await;
    let otp_in_time = srv
        .post(
            "/v3/unify",
            &token,
            json!({"possessionType": "mobile", "clientRequestId": "d", "phoneNumber": LORANT}),
        )
        .await;
    let sandbox = |path: &'static str, body: serde_json::Value| {
        srv.send(srv.http.post(format!("{}{path}", srv.base)).json(&body))
    };
    // A status poll with an Idempotency-Key is still a live read.
    let poll = |cid: String| {
        srv.send(
            srv.http
                .post(format!("{}/v3/unify-status", srv.base))
                .bearer_auth(&token)
                .header("idempotency-key", "poll")
                .json(&json!({"correlationId": cid})),
        )
    };
    assert_eq!(
        poll(otp.str("correlationId")).await.body["success"],
        "pending"
    );
    srv.state.clock.advance(119);
    let in_time = sandbox(
        "/sandbox/otp",
        json!({"authToken": otp_in_time.str("authToken"), "otp": "1234"}),
    )
    .await;
    assert_eq!(
        in_time.body,
        json!({"success": true}),
        "at 119 s the OTP works"
    );
    srv.state.clock.advance(2);
    let late = srv
        .send(
            srv.http
                .post(format!("{}/sandbox/otp", srv.base))
                .json(&json!({"authToken": otp.str("authToken"), "otp": "1234"})),
        )
        .await;
    assert_eq!(
        late.body,
        json!({"success": false, "expired": true}),
        "an OTP lives 2 minutes"
    );
    assert_eq!(
        poll(otp.str("correlationId")).await.body["success"],
        "false"
    );
    srv.state.clock.advance(57);
    let in_time = sandbox(
        "/sandbox/instant-link",
        json!({"authToken": link_in_time.str("authToken")}),
    )
    .await;
    assert_eq!(
        in_time.body["success"], true,
        "at 178 s the Instant Link works: {}",
        in_time.body
    );
    srv.state.clock.advance(3);
    let late = srv
        .send(
            srv.http
                .post(format!("{}/sandbox/instant-link", srv.base))
                .json(&json!({"authToken": link.str("authToken")})),
        )
        .await;
    assert_eq!(
        late.body,
        json!({"success": false, "expired": true}),
        "an Instant Link lives 3 minutes"
    );
    srv.stop().await;
}

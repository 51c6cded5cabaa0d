//! Several instances on one database (SQLite always; PostgreSQL when
//! `IDV_TEST_DATABASE_URL` is set). Each instance starts a flow step from its
//! own copy of the flow as it last wrote it, without reading the row; these
//! tests check that a copy another instance has made stale never decides an
//! answer.

use crate::harness::{Db, TestServer};
use idv_server::config::{Region, Tier};
use serde_json::json;

#[tokio::test]
async fn a_flow_moved_on_by_another_instance_is_judged_on_the_stored_row_on_every_backend() {
    for db in Db::all("a_flow_moved_on_by_another_instance_is_judged_on_the_stored_row") {
        let name = db.name();
        let a = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let b = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let token = a.token_for("prefill").await;
        // A starts the flow (and keeps its copy), B validates it.
        let cid = a.start_mobile(&token).await;
        let v = b
            .post("/v3/validate", &token, json!({"correlationId": cid}))
            .await;
        assert_eq!(v.status, 200, "{name}: {}", v.body);

        // A's copy still says "started", where validate would succeed; the
        // stored flow is validated, so A answers what the row says.
        let again = a
            .post("/v3/validate", &token, json!({"correlationId": cid}))
            .await;
        assert_eq!(
            (again.status, &again.body),
            (
                403,
                &json!({"code": 8003, "message": "step called out of order", "next": {"v3-challenge": "/v3/challenge"}})
            ),
            "{name}"
        );
        let c = a
            .post(
                "/v3/challenge",
                &token,
                json!({"correlationId": cid, "dob": "1981-01", "ssn": "0596"}),
            )
            .await;
        assert_eq!(c.status, 200, "{name}: {}", c.body);

        // B's copy says "validated", where complete is out of order; the row
        // is challenged, so B completes it.
        let individual = c.body["individual"].clone();
        let done = b
            .post(
                "/v3/complete",
                &token,
                json!({"correlationId": cid, "individual": individual}),
            )
            .await;
        assert_eq!(done.status, 200, "{name}: {}", done.body);
        assert_eq!(done.body["success"], true, "{name}");
        let identity = done.str("identityId");

        // A's copy says "challenged"; the flow is done, so A refuses it and
        // writes no second identity.
        let late = a
            .post(
                "/v3/complete",
                &token,
                json!({"correlationId": cid, "individual": individual}),
            )
            .await;
        assert_eq!(
            (late.status, &late.body),
            (
                403,
                &json!({"code": 8008, "message": "correlation ID is expired or invalid"})
            ),
            "{name}"
        );
        assert_eq!(
            a.get(&format!("/v3/identity/{identity}"), &token)
                .await
                .status,
            200,
            "{name}"
        );
        a.stop().await;
        b.stop().await;
        db.cleanup().await;
    }
}

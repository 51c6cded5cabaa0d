//! One story over every backend (SQLite always; PostgreSQL when
//! `IDV_TEST_DATABASE_URL` is set): the Store contract, concurrent duplicates,
//! and a restart in the middle of a flow.

use crate::harness::{Db, TOD, TestServer, prefill_flow};
use idv_server::config::{Region, Tier};
use idv_server::provision::{ClientOptions, create_client};
use idv_server::store::{FlowRecord, IdempotencyRecord, IdentityRecord, SideEffect};
use serde_json::json;

#[tokio::test]
async fn store_story_on_every_backend() {
    for db in Db::all("store_story_on_every_backend") {
        let store = db.open().await;
        let name = db.name();
        assert_eq!(store.backend(), name);
        assert_eq!(store.count_projects().await.unwrap(), 0, "{name}");
        let c = create_client(
            store.as_ref(),
            &ClientOptions::sandbox(Region::Us, Tier::Sandbox),
            100,
        )
        .await
        .unwrap();
        assert_eq!(store.count_projects().await.unwrap(), 1);
        let project = store.get_project(&c.project_id).await.unwrap().unwrap();
        assert_eq!(project.countries, vec!["US", "CA"]);
        let rec = store.get_client(&c.client_id).await.unwrap().unwrap();
        assert_ne!(
            rec.secret_hash, c.client_secret,
            "{name}: secrets are stored hashed"
        );
        assert!(idv_server::domain::secrets::verify(
            &c.client_secret,
            &rec.secret_hash
        ));

        store
            .insert_token("h1", &c.client_id, 500, 100)
            .await
            .unwrap();
        let t = store.get_token("h1").await.unwrap().unwrap();
        assert_eq!(
            (t.project_id.as_str(), t.expires_at, t.client_revoked),
            (c.project_id.as_str(), 500, false)
        );

        let flow = FlowRecord {
            correlation_id: uuid::Uuid::new_v4().to_string(),
            project_id: c.project_id.clone(),
            kind: "prefill".into(),
            state: "started".into(),
            version: 0,
            data: "{}".into(),
            auth_token_hash: "a1".into(),
            created_at: 100,
            expires_at: 1000,
        };
        store.insert_flow(&flow).await.unwrap();
        assert_eq!(
            store.get_flow_by_auth_token("a1").await.unwrap().unwrap(),
            flow
        );
        let identity = IdentityRecord {
            identity_id: "i1".into(),
            project_id: c.project_id.clone(),
            correlation_id: flow.correlation_id.clone(),
            data: "{}".into(),
            created_at: 100,
        };
        assert!(
            store
                .update_flow(
                    &flow.correlation_id,
                    0,
                    "done",
                    "{\"x\":1}",
                    &[SideEffect::Identity(identity.clone())]
                )
                .await
                .unwrap()
        );
        // A stale version changes nothing, side effects included.
        let other = IdentityRecord {
            identity_id: "i2".into(),
            ..identity.clone()
        };
        assert!(
            !store
                .update_flow(
                    &flow.correlation_id,
                    0,
                    "started",
                    "{}",
                    &[SideEffect::Identity(other)]
                )
                .await
                .unwrap()
        );
        let now = store.get_flow(&flow.correlation_id).await.unwrap().unwrap();
        assert_eq!(
            (now.state.as_str(), now.version, now.data.as_str()),
            ("done", 1, "{\"x\":1}")
        );
        assert_eq!(
            store.get_identity(&c.project_id, "i1").await.unwrap(),
            Some(identity)
        );
        assert_eq!(store.get_identity(&c.project_id, "i2").await.unwrap(), None);
        assert_eq!(store.get_identity("other", "i1").await.unwrap(), None);

        let idem = IdempotencyRecord {
            project_id: c.project_id.clone(),
            key: "k".into(),
            request_hash: "r1".into(),
            status: 200,
            body: "{}".into(),
            expires_at: 200,
        };
        store.put_idempotency(&idem, 100).await.unwrap();
        store
            .put_idempotency(
                &IdempotencyRecord {
                    request_hash: "r2".into(),
                    ..idem.clone()
                },
                150,
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .get_idempotency(&c.project_id, "k", 150)
                .await
                .unwrap(),
            Some(idem.clone()),
            "{name}: an unexpired key is kept"
        );
        assert_eq!(
            store
                .get_idempotency(&c.project_id, "k", 200)
                .await
                .unwrap(),
            None
        );
        store
            .put_idempotency(
                &IdempotencyRecord {
                    request_hash: "r3".into(),
                    expires_at: 400,
                    ..idem.clone()
                },
                250,
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .get_idempotency(&c.project_id, "k", 250)
                .await
                .unwrap()
                .unwrap()
                .request_hash,
            "r3"
        );

        // The revocation mark moves with every revocation, and only then.
        let before = store.revocation_mark().await.unwrap();
        assert!(store.revoke_client(&c.client_id, 300).await.unwrap());
        assert!(!store.revoke_client(&c.client_id, 300).await.unwrap());
        assert!(store.get_token("h1").await.unwrap().unwrap().client_revoked);
        let after = store.revocation_mark().await.unwrap();
        assert_eq!(
            (after.revoked, after.latest),
            (before.revoked + 1, 300),
            "{name}"
        );
        assert_eq!(store.revocation_mark().await.unwrap(), after);
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn fifty_concurrent_identical_steps_yield_exactly_one_200_on_every_backend() {
    for db in Db::all("fifty_concurrent_identical_steps") {
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        // Three clients of one project, so the 25-per-second limit per client
        // does not hide the race (each client gets at most 17 of the 50).
        let first = create_client(
            srv.state.store.as_ref(),
            &ClientOptions::sandbox(Region::Us, Tier::Sandbox),
            0,
        )
        .await
        .unwrap();
        let mut tokens = vec![srv.token(&first.client_id, &first.client_secret).await];
        for _ in 0..2 {
            let opts = ClientOptions {
                project: Some(first.project_id.clone()),
                ..ClientOptions::sandbox(Region::Us, Tier::Sandbox)
            };
            let c = create_client(srv.state.store.as_ref(), &opts, 0)
                .await
                .unwrap();
            tokens.push(srv.token(&c.client_id, &c.client_secret).await);
        }
        for (path, body_of) in [(
            "/v3/validate",
            (|cid: &str| json!({"correlationId": cid})) as fn(&str) -> serde_json::Value,
        )] {
            let cid = srv
                .post(
                    "/v3/start",
                    &tokens[0],
                    json!({"flowType": "mobile", "phoneNumber": TOD}),
                )
                .await
                .str("correlationId");
            let mut tasks = Vec::new();
            for i in 0..50 {
                let req = srv
                    .http
                    .post(format!("{}{path}", srv.base))
                    .bearer_auth(&tokens[i % 3])
                    .json(&body_of(&cid));
                tasks.push(tokio::spawn(async move {
                    let r = req.send().await.unwrap();
                    let status = r.status().as_u16();
                    (status, r.json::<serde_json::Value>().await.unwrap())
                }));
            }
            let mut ok = 0;
            for t in tasks {
                let (status, body) = t.await.unwrap();
                match status {
                    200 => ok += 1,
                    403 => assert_eq!(body["code"], 8003, "{}: {body}", db.name()),
                    other => panic!("{}: unexpected {other}: {body}", db.name()),
                }
            }
            assert_eq!(
                ok,
                1,
                "{}: exactly one of 50 identical {path} calls succeeds",
                db.name()
            );
        }
        srv.stop().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn flows_keys_and_tokens_survive_a_restart_on_every_backend() {
    for db in Db::all("flows_keys_and_tokens_survive_a_restart") {
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let token = srv.token_for("prefill").await;
        let unify = srv.token_for("unify").await;
        let id_before = prefill_flow(&srv, &token).await;
        let cid = srv.start_mobile(&token).await;
        assert_eq!(
            srv.post("/v3/validate", &token, json!({"correlationId": cid}))
                .await
                .status,
            200
        );
        let u = srv.post("/v3/unify", &unify, json!({"possessionType": "mobile", "clientRequestId": "r", "phoneNumber": "2001004016"})).await;
        let device = srv
            .unify_status(&unify, &u.str("correlationId"))
            .await
            .str("deviceId");
        srv.stop().await;

        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let c = srv
            .post(
                "/v3/challenge",
                &token,
                json!({"correlationId": cid, "ssn": "0596"}),
            )
            .await;
        assert_eq!(
            c.status,
            200,
            "{}: the flow continues after a restart: {}",
            db.name(),
            c.body
        );
        let done = srv
            .post(
                "/v3/complete",
                &token,
                json!({"correlationId": cid, "individual": c.body["individual"]}),
            )
            .await;
        assert_eq!(done.body["success"], true);
        assert_eq!(
            srv.get(&format!("/v3/identity/{id_before}"), &token)
                .await
                .status,
            200
        );
        let u = srv.post("/v3/unify", &unify, json!({"possessionType": "mobile", "clientRequestId": "r2", "phoneNumber": "2001004016", "deviceId": device})).await;
        assert_eq!(u.status, 200, "{}", u.body);
        srv.stop().await;
        db.cleanup().await;
    }
}

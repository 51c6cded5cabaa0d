//! One story over every backend (SQLite always; PostgreSQL when
//! `IDV_TEST_DATABASE_URL` is set): the Store contract, concurrent duplicates,
//! and a restart in the middle of a flow. Migrations have their own file
//! (`migrations.rs`).

use crate::harness::{Db, TOD, TestServer, prefill_flow};
use idv_server::config::{Region, Tier};
use idv_server::provision::{ClientOptions, create_client};
use idv_server::store::{
    Claim, DeviceRecord, FlowRecord, IdempotencyEntry, IdempotencyRecord, IdentityRecord,
    SideEffect,
};
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

        // Idempotency-Keys: one claim wins, the others see it in progress; the
        // winner's answer is then what everyone reads; an expired entry is taken over.
        let p = c.project_id.as_str();
        assert_eq!(
            store
                .claim_idempotency(p, "k", "r1", "c1", 160, 100)
                .await
                .unwrap(),
            Claim::Won,
            "{name}"
        );
        let held = IdempotencyEntry::InProgress {
            request_hash: "r1".into(),
            lease_until: 160,
        };
        assert_eq!(
            store
                .claim_idempotency(p, "k", "r1", "c2", 170, 110)
                .await
                .unwrap(),
            Claim::Taken(held.clone()),
            "{name}: a second claim loses"
        );
        assert_eq!(
            store.get_idempotency(p, "k", 110).await.unwrap(),
            Some(held)
        );
        let idem = IdempotencyRecord {
            project_id: c.project_id.clone(),
            key: "k".into(),
            request_hash: "r1".into(),
            status: 200,
            body: "{}".into(),
            expires_at: 200,
        };
        assert!(
            !store.complete_idempotency(&idem, "c2").await.unwrap(),
            "{name}: only the claim's owner completes it"
        );
        store.release_idempotency(p, "k", "c2").await.unwrap();
        assert!(store.complete_idempotency(&idem, "c1").await.unwrap());
        assert_eq!(
            store
                .claim_idempotency(p, "k", "r2", "c3", 210, 150)
                .await
                .unwrap(),
            Claim::Taken(IdempotencyEntry::Done(idem.clone())),
            "{name}: an unexpired answer is kept"
        );
        store.release_idempotency(p, "k", "c1").await.unwrap();
        assert_eq!(
            store.get_idempotency(p, "k", 150).await.unwrap(),
            Some(IdempotencyEntry::Done(idem.clone())),
            "{name}: a completed key is not released"
        );
        assert_eq!(store.get_idempotency(p, "k", 200).await.unwrap(), None);
        assert_eq!(
            store
                .claim_idempotency(p, "k", "r3", "c4", 260, 200)
                .await
                .unwrap(),
            Claim::Won,
            "{name}: an expired answer is taken over"
        );
        // A released claim frees the key at once; a lapsed one at its lease.
        store.release_idempotency(p, "k", "c4").await.unwrap();
        assert_eq!(store.get_idempotency(p, "k", 200).await.unwrap(), None);
        assert_eq!(
            store
                .claim_idempotency(p, "k", "r4", "c5", 230, 200)
                .await
                .unwrap(),
            Claim::Won
        );
        assert_eq!(
            store
                .claim_idempotency(p, "k", "r4", "c6", 290, 230)
                .await
                .unwrap(),
            Claim::Won,
            "{name}: a lapsed claim is taken over"
        );
        assert!(!store.complete_idempotency(&idem, "c5").await.unwrap());

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

/// Fifty concurrent changes of one flow from the same version, each writing an
/// identity and a device with it (the store's one-statement and one-transaction
/// forms of a change with side effects): exactly one succeeds, and only its rows
/// exist.
#[tokio::test]
async fn concurrent_flow_changes_with_side_effects_write_exactly_one_on_every_backend() {
    for db in Db::all("concurrent_flow_changes_with_side_effects") {
        let store = db.open().await;
        let name = db.name();
        let c = create_client(
            store.as_ref(),
            &ClientOptions::sandbox(Region::Us, Tier::Sandbox),
            100,
        )
        .await
        .unwrap();
        let flow = FlowRecord {
            correlation_id: uuid::Uuid::new_v4().to_string(),
            project_id: c.project_id.clone(),
            kind: "prefill".into(),
            state: "started".into(),
            version: 0,
            data: "{}".into(),
            auth_token_hash: "race".into(),
            created_at: 100,
            expires_at: 1000,
        };
        store.insert_flow(&flow).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..50 {
            let store = store.clone();
            let (cid, project) = (flow.correlation_id.clone(), c.project_id.clone());
            tasks.push(tokio::spawn(async move {
                let effects = [
                    SideEffect::Identity(IdentityRecord {
                        identity_id: format!("identity-{i}"),
                        project_id: project.clone(),
                        correlation_id: cid.clone(),
                        data: format!("{{\"n\":{i}}}"),
                        created_at: 100,
                    }),
                    SideEffect::Device(DeviceRecord {
                        device_id: format!("device-{i}"),
                        project_id: project,
                        phone_number: "+12001001695".into(),
                        prove_id: format!("identity-{i}"),
                        created_at: 100,
                        revoked_at: None,
                    }),
                ];
                let won = store
                    .update_flow(&cid, 0, "done", &format!("{{\"winner\":{i}}}"), &effects)
                    .await
                    .unwrap();
                (i, won)
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            let (i, won) = t.await.unwrap();
            if won {
                winners.push(i);
            }
        }
        assert_eq!(winners.len(), 1, "{name}: winners {winners:?}");
        let w = winners[0];
        let after = store.get_flow(&flow.correlation_id).await.unwrap().unwrap();
        assert_eq!(
            (after.version, after.state.as_str(), after.data),
            (1, "done", format!("{{\"winner\":{w}}}")),
            "{name}"
        );
        for i in 0..50 {
            let identity = store
                .get_identity(&c.project_id, &format!("identity-{i}"))
                .await
                .unwrap();
            let device = store.get_device(&format!("device-{i}")).await.unwrap();
            assert_eq!(
                (identity.is_some(), device.is_some()),
                (i == w, i == w),
                "{name}: the rows of change {i} (winner {w})"
            );
        }
        db.cleanup().await;
    }
}

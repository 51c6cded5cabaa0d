//! One story over every backend (SQLite always; PostgreSQL when
//! `IDV_TEST_DATABASE_URL` is set): the Store contract, concurrent duplicates,
//! a restart in the middle of a flow, and migrations (a database of the old
//! runner upgrades with its data, an edited migration is refused, several
//! instances start on one fresh PostgreSQL schema at once).

use crate::harness::{Db, TOD, TestServer, prefill_flow};
use idv_server::config::{Region, Tier};
use idv_server::provision::{ClientOptions, create_client};
use idv_server::store::{
    Claim, DeviceRecord, DynStore, FlowRecord, IdempotencyEntry, IdempotencyRecord, IdentityRecord,
    OpenError, PgStore, SideEffect, SqliteStore,
};
use serde_json::json;
use sqlx::Connection;
use std::sync::Arc;

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

/// A direct connection to a test's database, beside the store: to lay out a
/// database as an older idv left it, and to look at what migrating wrote.
enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

impl Raw {
    async fn connect(db: &Db) -> Raw {
        match db {
            Db::Sqlite(dir) => {
                let url = format!("sqlite://{}/idv.db?mode=rwc", dir.path().display());
                Raw::Sqlite(sqlx::SqliteConnection::connect(&url).await.unwrap())
            }
            Db::Postgres(url, schema) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::raw_sql(&format!(
                    "CREATE SCHEMA IF NOT EXISTS \"{schema}\"; SET search_path TO \"{schema}\""
                ))
                .execute(&mut c)
                .await
                .unwrap();
                Raw::Pg(c)
            }
        }
    }

    async fn exec(&mut self, sql: &str) {
        match self {
            Raw::Sqlite(c) => {
                sqlx::raw_sql(sql).execute(c).await.unwrap();
            }
            Raw::Pg(c) => {
                sqlx::raw_sql(sql).execute(c).await.unwrap();
            }
        }
    }

    /// The versions `_sqlx_migrations` records as applied successfully.
    async fn applied(&mut self) -> Vec<i64> {
        let sql = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";
        match self {
            Raw::Sqlite(c) => sqlx::query_scalar(sql).fetch_all(c).await.unwrap(),
            Raw::Pg(c) => sqlx::query_scalar(sql).fetch_all(c).await.unwrap(),
        }
    }

    /// Whether the index of migration 2 exists.
    async fn has_revocation_index(&mut self) -> bool {
        let n: i64 = match self {
            Raw::Sqlite(c) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'clients_revoked_at'",
            )
            .fetch_one(c)
            .await
            .unwrap(),
            Raw::Pg(c) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'clients_revoked_at'",
            )
            .fetch_one(c)
            .await
            .unwrap(),
        };
        n == 1
    }

    async fn close(self) {
        match self {
            Raw::Sqlite(c) => c.close().await.unwrap(),
            Raw::Pg(c) => c.close().await.unwrap(),
        }
    }
}

/// The versions of this build's migrations for `db`'s backend (the files of
/// `crates/server/migrations/<backend>/`), all of which a migrated database has
/// applied.
fn build_versions(db: &Db) -> Vec<i64> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(db.name());
    let mut v: Vec<i64> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.split('_').next()?.parse().ok()
        })
        .collect();
    v.sort_unstable();
    assert!(v.starts_with(&[1, 2]), "{v:?}");
    v
}

/// Opens the store of `db`, returning the error instead of panicking.
async fn try_open(db: &Db) -> Result<DynStore, OpenError> {
    Ok(match db {
        Db::Sqlite(dir) => {
            Arc::new(SqliteStore::open(&format!("sqlite://{}/idv.db", dir.path().display())).await?)
        }
        Db::Postgres(url, schema) => Arc::new(PgStore::open(url, Some(schema)).await?),
    })
}

/// The migrations of idv's first releases, as files of this repository.
fn old_migrations(db: &Db) -> [&'static str; 2] {
    match db {
        Db::Sqlite(_) => [
            include_str!("../../migrations/sqlite/0001_initial.sql"),
            include_str!("../../migrations/sqlite/0002_revocation_index.sql"),
        ],
        Db::Postgres(..) => [
            include_str!("../../migrations/postgres/0001_initial.sql"),
            include_str!("../../migrations/postgres/0002_revocation_index.sql"),
        ],
    }
}

/// Lays `db` out as idv's own migration runner left it after applying the
/// first `applied` migrations, with a project, a client, a token and a flow.
async fn old_runner_database(db: &Db, applied: usize) {
    let mut raw = Raw::connect(db).await;
    raw.exec(
        "CREATE TABLE idv_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await;
    let names = ["initial", "revocation index"];
    for (i, sql) in old_migrations(db).iter().take(applied).enumerate() {
        raw.exec(sql).await;
        raw.exec(&format!(
            "INSERT INTO idv_migrations (version, name, applied_at) VALUES ({}, '{}', 100)",
            i + 1,
            names[i]
        ))
        .await;
    }
    raw.exec(
        "INSERT INTO projects (id, name, region, tier, solution, countries, created_at) VALUES ('prj_old', 'old', 'us', 'sandbox', 'prefill', 'US,CA', 100)",
    )
    .await;
    raw.exec(
        "INSERT INTO clients (client_id, project_id, secret_hash, created_at, revoked_at) VALUES ('idv_old', 'prj_old', 'hash', 100, NULL)",
    )
    .await;
    raw.exec(
        "INSERT INTO access_tokens (token_hash, client_id, expires_at, created_at) VALUES ('t_old', 'idv_old', 9999999999, 100)",
    )
    .await;
    raw.exec(
        "INSERT INTO flows (correlation_id, project_id, kind, state, version, data, auth_token_hash, created_at, expires_at) VALUES ('c_old', 'prj_old', 'prefill', 'started', 3, '{}', 'a_old', 100, 9999999999)",
    )
    .await;
    raw.exec(
        "INSERT INTO idempotency_keys (project_id, idem_key, request_hash, status, body, expires_at) VALUES ('prj_old', 'k_old', 'h_old', 200, '{\"old\":true}', 9999999999)",
    )
    .await;
    raw.close().await;
}

#[tokio::test]
async fn a_database_of_the_old_migration_runner_upgrades_keeping_its_data() {
    // Fully migrated by the old runner, and stopped between its two migrations.
    for applied in [2, 1] {
        for db in Db::all("a_database_of_the_old_migration_runner_upgrades") {
            let name = db.name();
            old_runner_database(&db, applied).await;
            for open in ["first", "second"] {
                let store = try_open(&db)
                    .await
                    .unwrap_or_else(|e| panic!("{name}, {applied} applied, {open} open: {e}"));
                let project = store.get_project("prj_old").await.unwrap().unwrap();
                assert_eq!(project.countries, vec!["US", "CA"], "{name}");
                assert!(store.get_client("idv_old").await.unwrap().is_some());
                assert_eq!(
                    store.get_token("t_old").await.unwrap().unwrap().project_id,
                    "prj_old"
                );
                let flow = store.get_flow("c_old").await.unwrap().unwrap();
                assert_eq!((flow.state.as_str(), flow.version), ("started", 3));
                assert_eq!(
                    store
                        .get_idempotency("prj_old", "k_old", 100)
                        .await
                        .unwrap(),
                    Some(IdempotencyEntry::Done(IdempotencyRecord {
                        project_id: "prj_old".into(),
                        key: "k_old".into(),
                        request_hash: "h_old".into(),
                        status: 200,
                        body: "{\"old\":true}".into(),
                        expires_at: 9999999999,
                    })),
                    "{name}: a stored response of an older idv is a completed one"
                );
                store.close().await;
                let mut raw = Raw::connect(&db).await;
                assert_eq!(
                    raw.applied().await,
                    build_versions(&db),
                    "{name}, {applied} applied"
                );
                assert!(raw.has_revocation_index().await, "{name}");
                raw.close().await;
            }
            db.cleanup().await;
        }
    }
}

#[tokio::test]
async fn an_edited_migration_is_refused_with_a_clear_error() {
    for db in Db::all("an_edited_migration_is_refused") {
        let name = db.name();
        db.open().await.close().await;
        // What the database holds when migration 1 was applied from a file
        // whose contents differ from this build's.
        let mut raw = Raw::connect(&db).await;
        raw.exec(
            "UPDATE _sqlx_migrations SET checksum = (SELECT checksum FROM _sqlx_migrations WHERE version = 2) WHERE version = 1",
        )
        .await;
        raw.close().await;
        let err = match try_open(&db).await {
            Ok(_) => panic!("{name}: a changed migration must be refused"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains("migration 1 was applied with different contents than this build's")
                && err.contains("append-only"),
            "{name}: {err}"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn several_instances_start_on_one_fresh_postgres_schema_at_once() {
    let Some(db) = Db::postgres("several_instances_start_on_one_fresh_postgres_schema") else {
        return;
    };
    let opens = (0..4).map(|_| try_open(&db));
    let stores = futures_util::future::join_all(opens).await;
    for store in stores {
        let store = store.unwrap_or_else(|e| panic!("a concurrent start failed: {e}"));
        assert_eq!(store.count_projects().await.unwrap(), 0);
        store.close().await;
    }
    let mut raw = Raw::connect(&db).await;
    assert_eq!(raw.applied().await, build_versions(&db));
    raw.close().await;
    db.cleanup().await;
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

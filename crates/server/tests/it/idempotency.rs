//! Idempotency-Key: a completed request repeated with the same key and body gets
//! the stored response; another body gets idempotency_key_reused; concurrent
//! duplicates run once (SQLite and PostgreSQL); a duplicate of a request in
//! progress waits, then gets the 409; stored answers are sealed at rest.

use crate::harness::{Db, TOD, TestServer};
use idv_server::config::{Region, Tier};
use idv_server::guard::idempotency;
use idv_server::provision::{ClientOptions, create_client};
use idv_server::store::Claim;
use serde_json::json;

#[tokio::test]
async fn same_key_same_body_returns_the_stored_response() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    let post = |path: &'static str, key: &'static str, body: serde_json::Value| {
        let req = srv
            .http
            .post(format!("{}{path}", srv.base))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .json(&body);
        srv.send(req)
    };
    let first = post(
        "/v3/start",
        "k-start",
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    assert_eq!(first.status, 200);
    let again = post(
        "/v3/start",
        "k-start",
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    assert_eq!(
        (again.status, &again.body),
        (200, &first.body),
        "same correlation id, no second flow"
    );
    let cid = first.str("correlationId");
    let v1 = post("/v3/validate", "k-validate", json!({"correlationId": cid})).await;
    assert_eq!(v1.status, 200);
    let v2 = post("/v3/validate", "k-validate", json!({"correlationId": cid})).await;
    assert_eq!((v2.status, &v2.body), (200, &v1.body));
    // Without the key, the replay rule applies.
    let plain = srv
        .post("/v3/validate", &token, json!({"correlationId": cid}))
        .await;
    assert_eq!(plain.body["code"], 8003);
    // The same key with another body.
    let reused = post(
        "/v3/validate",
        "k-validate",
        json!({"correlationId": uuid::Uuid::new_v4().to_string()}),
    )
    .await;
    assert_eq!(reused.status, 422);
    assert_eq!(
        reused.body,
        json!({"message": "Idempotency-Key k-validate was already used with a different request body"})
    );
    // Failed requests are not stored: a corrected retry with the same key runs.
    let bad = post("/v3/start", "k-fix", json!({"flowType": "mobile"})).await;
    assert_eq!(bad.status, 400);
    let fixed = post(
        "/v3/start",
        "k-fix",
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    assert_eq!(fixed.status, 200);
    // Keys are scoped per project.
    let other = srv.token_for("prefill").await;
    let theirs = srv
        .send(
            srv.http
                .post(format!("{}/v3/start", srv.base))
                .bearer_auth(&other)
                .header("idempotency-key", "k-start")
                .json(&json!({"flowType": "mobile", "phoneNumber": TOD})),
        )
        .await;
    assert_eq!(theirs.status, 200);
    assert_ne!(theirs.body["correlationId"], first.body["correlationId"]);
    // Keys expire with the correlation id.
    srv.state.clock.advance(901);
    let expired = post(
        "/v3/start",
        "k-start",
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    assert_eq!(expired.status, 200);
    assert_ne!(expired.body["correlationId"], first.body["correlationId"]);
    srv.stop().await;
}

/// A user of the unify sandbox whose mobile possession binds a key at once.
const INGE: &str = "2001004016";
/// A user of the unify sandbox whose possession the caller supplies (bind).
const LORANT: &str = "2001004014";

/// A keyed POST whose body is sent as these exact bytes; the status and the
/// body as text, to compare answers byte for byte.
async fn keyed(
    http: &reqwest::Client,
    url: String,
    token: &str,
    key: &str,
    body: &str,
) -> (u16, String, Option<String>) {
    let r = http
        .post(url)
        .bearer_auth(token)
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, r.text().await.expect("body"), retry_after)
}

/// A direct connection to a test's database, to count rows and read
/// everything stored beside the server.
enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection, String),
}

impl Raw {
    async fn connect(db: &Db) -> Raw {
        use sqlx::Connection;
        match db {
            Db::Sqlite(dir) => {
                let url = format!("sqlite://{}/idv.db", dir.path().display());
                Raw::Sqlite(sqlx::SqliteConnection::connect(&url).await.unwrap())
            }
            Db::Postgres(url, schema) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::raw_sql(&format!("SET search_path TO \"{schema}\""))
                    .execute(&mut c)
                    .await
                    .unwrap();
                Raw::Pg(c, schema.clone())
            }
        }
    }

    /// `SELECT COUNT(*) FROM {table} WHERE project_id = $1`.
    async fn count(&mut self, table: &str, project_id: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE project_id = $1");
        match self {
            Raw::Sqlite(c) => sqlx::query_scalar(&sql)
                .bind(project_id)
                .fetch_one(c)
                .await
                .unwrap(),
            Raw::Pg(c, _) => sqlx::query_scalar(&sql)
                .bind(project_id)
                .fetch_one(c)
                .await
                .unwrap(),
        }
    }

    /// Stores a row as an idv before sealed responses did.
    async fn insert_plain_response(&mut self, project_id: &str, key: &str, hash: &str, body: &str) {
        let sql = "INSERT INTO idempotency_keys (project_id, idem_key, request_hash, status, body, expires_at) VALUES ($1, $2, $3, 200, $4, $5)";
        let expires = idv_server::clock::unix_now() + 900;
        match self {
            Raw::Sqlite(c) => {
                sqlx::query(sql)
                    .bind(project_id)
                    .bind(key)
                    .bind(hash)
                    .bind(body)
                    .bind(expires)
                    .execute(c)
                    .await
                    .unwrap();
            }
            Raw::Pg(c, _) => {
                sqlx::query(sql)
                    .bind(project_id)
                    .bind(key)
                    .bind(hash)
                    .bind(body)
                    .bind(expires)
                    .execute(c)
                    .await
                    .unwrap();
            }
        }
    }

    /// Every row of every table of a PostgreSQL test schema, as text (what a
    /// dump of the schema holds).
    async fn pg_dump_text(&mut self) -> String {
        let Raw::Pg(c, schema) = self else {
            panic!("PostgreSQL only")
        };
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1",
        )
        .bind(schema.as_str())
        .fetch_all(&mut *c)
        .await
        .unwrap();
        assert!(tables.iter().any(|t| t == "idempotency_keys"), "{tables:?}");
        let mut all = String::new();
        for t in tables {
            let rows: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT CAST(t AS text) FROM \"{schema}\".\"{t}\" AS t"
            ))
            .fetch_all(&mut *c)
            .await
            .unwrap();
            for r in rows {
                all.push_str(&r);
                all.push('\n');
            }
        }
        all
    }

    async fn close(self) {
        use sqlx::Connection;
        match self {
            Raw::Sqlite(c) => c.close().await.unwrap(),
            Raw::Pg(c, _) => c.close().await.unwrap(),
        }
    }
}

/// What the guard hashes: the path, a zero byte, the body.
fn request_hash(path: &str, body: &str) -> String {
    idv_server::domain::secrets::hash_bytes(format!("{path}\0{body}").as_bytes())
}

/// Sends 50 identical keyed requests at once, from 10 clients of the
/// project (5 each, well within the per-client rate limit), and checks the 50
/// answers are one 200 body, byte for byte; returns it.
async fn fifty(srv: &TestServer, project: &str, path: &str, body: &str) -> serde_json::Value {
    let mut tokens = Vec::new();
    for _ in 0..10 {
        let opts = ClientOptions {
            project: Some(project.to_string()),
            ..ClientOptions::sandbox(srv.state.region, srv.state.tier)
        };
        let c = create_client(srv.state.store.as_ref(), &opts, 0)
            .await
            .unwrap();
        tokens.push(srv.token(&c.client_id, &c.client_secret).await);
    }
    let key = uuid::Uuid::new_v4().to_string();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (http, url) = (srv.http.clone(), format!("{}{path}", srv.base));
            let (token, key, body) = (tokens[i % 10].clone(), key.clone(), body.to_string());
            tokio::spawn(async move { keyed(&http, url, &token, &key, &body).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let first = answers[0].clone();
    assert_eq!(first.0, 200, "{path}: {}", first.1);
    for a in &answers {
        assert_eq!(
            (a.0, &a.1),
            (first.0, &first.1),
            "{path}: 50 identical keyed requests get one answer"
        );
    }
    serde_json::from_str(&first.1).unwrap()
}

#[tokio::test]
async fn fifty_concurrent_identical_keyed_requests_run_once_on_every_backend() {
    for db in Db::all("fifty_concurrent_identical_keyed_requests_run_once") {
        let name = db.name();
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let mut raw = Raw::connect(&db).await;
        let store = srv.state.store.clone();
        let version = |cid: String| {
            let store = store.clone();
            async move { store.get_flow(&cid).await.unwrap().unwrap().version }
        };

        // Pre-Fill: start creates one flow; each step moves it by one version.
        let prefill = create_client(
            store.as_ref(),
            &ClientOptions {
                solution: "prefill".into(),
                ..ClientOptions::sandbox(Region::Us, Tier::Sandbox)
            },
            0,
        )
        .await
        .unwrap();
        let p = prefill.project_id.as_str();
        let start = fifty(
            &srv,
            p,
            "/v3/start",
            &json!({"flowType": "mobile", "phoneNumber": TOD}).to_string(),
        )
        .await;
        assert_eq!(raw.count("flows", p).await, 1, "{name}: one flow created");
        let cid = start["correlationId"].as_str().unwrap().to_string();
        assert_eq!(version(cid.clone()).await, 0);
        fifty(
            &srv,
            p,
            "/v3/validate",
            &json!({"correlationId": cid}).to_string(),
        )
        .await;
        assert_eq!(
            version(cid.clone()).await,
            1,
            "{name}: validate applied once"
        );
        let challenge = fifty(
            &srv,
            p,
            "/v3/challenge",
            &json!({"correlationId": cid, "dob": "1981-01", "ssn": "0596"}).to_string(),
        )
        .await;
        assert_eq!(
            version(cid.clone()).await,
            2,
            "{name}: challenge applied once"
        );
        let done = fifty(
            &srv,
            p,
            "/v3/complete",
            &json!({"correlationId": cid, "individual": challenge["individual"]}).to_string(),
        )
        .await;
        assert_eq!(done["success"], true);
        assert_eq!(
            version(cid.clone()).await,
            3,
            "{name}: complete applied once"
        );
        assert_eq!(raw.count("identities", p).await, 1, "{name}: one identity");

        // Unify: one flow; bind applied once; a device revoked once (a second
        // run would answer success: false).
        let unify = create_client(
            store.as_ref(),
            &ClientOptions {
                solution: "unify".into(),
                ..ClientOptions::sandbox(Region::Us, Tier::Sandbox)
            },
            0,
        )
        .await
        .unwrap();
        let u = unify.project_id.as_str();
        let utoken = srv.token(&unify.client_id, &unify.client_secret).await;
        let started = fifty(
            &srv,
            u,
            "/v3/unify",
            &json!({"possessionType": "mobile", "clientRequestId": "r", "phoneNumber": INGE})
                .to_string(),
        )
        .await;
        assert!(started["authToken"].is_string(), "{started}");
        assert_eq!(raw.count("flows", u).await, 1, "{name}: one unify flow");
        let device = srv
            .unify_status(&utoken, started["correlationId"].as_str().unwrap())
            .await
            .str("deviceId");
        let r = srv
            .post(
                "/v3/unify",
                &utoken,
                json!({"possessionType": "none", "clientRequestId": "c", "phoneNumber": LORANT}),
            )
            .await;
        let bind_cid = r.str("correlationId");
        assert_eq!(
            srv.unify_status(&utoken, &bind_cid).await.body["success"],
            "possession_required"
        );
        let before = version(bind_cid.clone()).await;
        let bound = fifty(
            &srv,
            u,
            "/v3/unify-bind",
            &json!({"correlationId": bind_cid, "phoneNumber": LORANT, "clientRequestId": "c"})
                .to_string(),
        )
        .await;
        assert_eq!(bound["success"], "true", "{bound}");
        assert_eq!(
            version(bind_cid.clone()).await,
            before + 1,
            "{name}: bind applied once"
        );
        let revoked = fifty(
            &srv,
            u,
            "/v3/device/revoke",
            &json!({"deviceId": device, "clientRequestId": "r"}).to_string(),
        )
        .await;
        assert_eq!(revoked, json!({"success": true}), "{name}");
        raw.close().await;
        srv.stop().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_request_in_progress_is_waited_for_then_answered_409_and_a_lapsed_claim_frees_the_key() {
    let srv = TestServer::start().await;
    let (id, secret) = srv.client("prefill", None).await;
    let token = srv.token(&id, &secret).await;
    let project = srv
        .state
        .store
        .get_client(&id)
        .await
        .unwrap()
        .unwrap()
        .project_id;
    let body = json!({"flowType": "mobile", "phoneNumber": TOD}).to_string();
    let url = format!("{}/v3/start", srv.base);
    // Another instance claimed the key for the same request and has not answered.
    let now = srv.state.clock.now();
    let claim = srv
        .state
        .store
        .claim_idempotency(
            &project,
            "k-held",
            &request_hash("/v3/start", &body),
            "elsewhere",
            now + idempotency::CLAIM_LEASE_SECONDS,
            now,
        )
        .await
        .unwrap();
    assert_eq!(claim, Claim::Won);
    let began = std::time::Instant::now();
    let (status, text, retry_after) = keyed(&srv.http, url.clone(), &token, "k-held", &body).await;
    let waited = began.elapsed();
    assert_eq!(status, 409, "{text}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!({"message": "A request with Idempotency-Key k-held is still in progress"})
    );
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert!(
        waited >= idempotency::WAIT - std::time::Duration::from_millis(150)
            && waited < idempotency::WAIT + std::time::Duration::from_secs(3),
        "waited {waited:?}"
    );
    // Another body with the key is a reuse, in progress or not.
    let other = json!({"flowType": "mobile", "phoneNumber": "2001004014"}).to_string();
    let (status, _, _) = keyed(&srv.http, url.clone(), &token, "k-held", &other).await;
    assert_eq!(status, 422);
    // The claim's owner never answers: once its lease has run out, the request runs.
    srv.state
        .clock
        .advance(idempotency::CLAIM_LEASE_SECONDS + 1);
    let (status, first, _) = keyed(&srv.http, url.clone(), &token, "k-held", &body).await;
    assert_eq!(status, 200, "{first}");
    let (status, again, _) = keyed(&srv.http, url.clone(), &token, "k-held", &body).await;
    assert_eq!((status, &again), (200, &first));

    // A duplicate arriving while the first request runs gets its answer: here
    // the "first request" is a claim released after 300 ms (it failed), so the
    // waiting duplicate runs it itself, once.
    let now = srv.state.clock.now();
    srv.state
        .store
        .claim_idempotency(
            &project,
            "k-fails",
            &request_hash("/v3/start", &body),
            "first",
            now + idempotency::CLAIM_LEASE_SECONDS,
            now,
        )
        .await
        .unwrap();
    let store = srv.state.store.clone();
    let p = project.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        store
            .release_idempotency(&p, "k-fails", "first")
            .await
            .unwrap();
    });
    let (status, ran, _) = keyed(&srv.http, url.clone(), &token, "k-fails", &body).await;
    assert_eq!(status, 200, "{ran}");
    assert_ne!(ran, first, "a flow of its own");
    srv.stop().await;
}

#[tokio::test]
async fn stored_answers_are_sealed_at_rest_and_replay_byte_for_byte_on_every_backend() {
    for db in Db::all("stored_answers_are_sealed_at_rest") {
        let name = db.name();
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let (id, secret) = srv.client("prefill", None).await;
        let token = srv.token(&id, &secret).await;
        let url = format!("{}/v3/start", srv.base);
        let body = json!({"flowType": "mobile", "phoneNumber": TOD}).to_string();
        let (status, first, _) = keyed(&srv.http, url.clone(), &token, "k-sealed", &body).await;
        assert_eq!(status, 200, "{first}");
        let auth_token = serde_json::from_str::<serde_json::Value>(&first).unwrap()["authToken"]
            .as_str()
            .expect("start returns an authToken")
            .to_string();
        let (status, replay, _) = keyed(&srv.http, url.clone(), &token, "k-sealed", &body).await;
        assert_eq!((status, &replay), (200, &first), "{name}: byte for byte");
        assert!(replay.contains(&auth_token));

        let mut raw = Raw::connect(&db).await;
        match &db {
            Db::Sqlite(dir) => {
                let mut found = Vec::new();
                for file in ["idv.db", "idv.db-wal"] {
                    let path = dir.path().join(file);
                    if let Ok(bytes) = std::fs::read(&path) {
                        if bytes
                            .windows(auth_token.len())
                            .any(|w| w == auth_token.as_bytes())
                        {
                            found.push(file);
                        }
                    }
                }
                assert!(
                    dir.path().join("idv.db").exists(),
                    "the SQLite file is where the test looks"
                );
                assert!(found.is_empty(), "the authToken is in clear in {found:?}");
            }
            Db::Postgres(..) => {
                let dump = raw.pg_dump_text().await;
                assert!(dump.contains("k-sealed"), "the dump holds the stored row");
                assert!(
                    !dump.contains(&auth_token),
                    "{name}: the authToken is in clear in the database"
                );
            }
        }

        // A response stored by an idv before sealing (plain JSON) still replays.
        let project = srv
            .state
            .store
            .get_client(&id)
            .await
            .unwrap()
            .unwrap()
            .project_id;
        let legacy = r#"{"authToken":"old","correlationId":"c"}"#;
        raw.insert_plain_response(
            &project,
            "k-legacy",
            &request_hash("/v3/start", &body),
            legacy,
        )
        .await;
        let (status, old, _) = keyed(&srv.http, url.clone(), &token, "k-legacy", &body).await;
        assert_eq!((status, old.as_str()), (200, legacy), "{name}");
        raw.close().await;
        srv.stop().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_handler_that_panics_gives_its_key_back_so_the_retry_runs() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    async fn flaky() -> axum::response::Response {
        let n = CALLS.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            panic!("the first attempt dies halfway");
        }
        idv_server::http::ok(json!({"attempt": n + 1}))
    }
    let db = Db::sqlite();
    let store = db.open().await;
    // The guard as possession's routes add it, over the same database.
    let guard_state = idv_server::app::AppState::new(store.clone(), Region::Us, Tier::Sandbox);
    let extra = axum::Router::new().route(
        "/v3/flaky",
        axum::routing::post(flaky).route_layer(axum::middleware::from_fn_with_state(
            guard_state,
            idempotency::guard::<idv_core::PossessionError>,
        )),
    );
    let srv = TestServer::with_routes(store, Region::Us, Tier::Sandbox, extra).await;
    let token = srv.token_for("prefill").await;
    let url = format!("{}/v3/flaky", srv.base);
    let (status, died, _) = keyed(&srv.http, url.clone(), &token, "k-flaky", "{}").await;
    assert_eq!(
        (status, died.as_str()),
        (500, r#"{"code":8000,"message":"internal error"}"#)
    );
    let began = std::time::Instant::now();
    let (status, ran, _) = keyed(&srv.http, url.clone(), &token, "k-flaky", "{}").await;
    assert_eq!((status, ran.as_str()), (200, r#"{"attempt":2}"#));
    assert!(
        began.elapsed() < idempotency::WAIT,
        "the retry ran without waiting for a lease"
    );
    let (status, again, _) = keyed(&srv.http, url.clone(), &token, "k-flaky", "{}").await;
    assert_eq!((status, again.as_str()), (200, r#"{"attempt":2}"#));
    assert_eq!(CALLS.load(Ordering::SeqCst), 2);
    srv.stop().await;
}

/// A request's answer is written with the change it answers, in one
/// transaction (`SideEffect::Answer`), so no crash between the two can leave a
/// change whose key is still claimed: the key is completed exactly when the
/// flow is created or moved, and a change that loses its race (a stale
/// version) stores no answer either. On SQLite and PostgreSQL.
#[tokio::test]
async fn an_answer_is_stored_only_with_the_change_it_answers() {
    use idv_server::store::{FlowRecord, IdempotencyEntry, SideEffect, StoredAnswer};
    for db in Db::all("an_answer_is_stored_only_with_the_change_it_answers") {
        let store = db.open().await;
        let c = create_client(
            store.as_ref(),
            &ClientOptions::sandbox(Region::Us, Tier::Sandbox),
            100,
        )
        .await
        .unwrap();
        let p = c.project_id.as_str();
        let answer = |key: &str, body: &str| {
            SideEffect::Answer(StoredAnswer {
                project_id: p.to_string(),
                key: key.to_string(),
                status: 200,
                body: body.to_string(),
                expires_at: 1000,
                claim: format!("claim-{key}"),
            })
        };
        for key in ["start", "step", "stale"] {
            let won = store
                .claim_idempotency(p, key, "h", &format!("claim-{key}"), 160, 100)
                .await
                .unwrap();
            assert_eq!(won, Claim::Won, "{}", db.name());
        }
        let flow = FlowRecord {
            correlation_id: uuid::Uuid::new_v4().to_string(),
            project_id: p.to_string(),
            kind: "prefill".into(),
            state: "started".into(),
            version: 0,
            data: "{}".into(),
            auth_token_hash: format!("a-{}", db.name()),
            created_at: 100,
            expires_at: 1000,
        };
        store
            .insert_flow_with(&flow, &[answer("start", "started")])
            .await
            .unwrap();
        let cid = flow.correlation_id.as_str();
        assert!(
            store
                .update_flow(cid, 0, "validated", "{}", &[answer("step", "validated")])
                .await
                .unwrap()
        );
        // The same version again: the update changes no row, so the answer
        // of the request that lost is not stored and its key stays claimed.
        assert!(
            !store
                .update_flow(cid, 0, "validated", "{}", &[answer("stale", "lost")])
                .await
                .unwrap()
        );
        let entry = |key: &'static str| {
            let store = store.clone();
            async move { store.get_idempotency(p, key, 101).await.unwrap() }
        };
        for (key, body) in [("start", "started"), ("step", "validated")] {
            match entry(key).await {
                Some(IdempotencyEntry::Done(r)) => {
                    assert_eq!((r.status, r.body.as_str()), (200, body), "{}", db.name())
                }
                other => panic!("{}: {key}: {other:?}", db.name()),
            }
        }
        assert!(
            matches!(
                entry("stale").await,
                Some(IdempotencyEntry::InProgress { .. })
            ),
            "{}",
            db.name()
        );
        let now = store.get_flow(cid).await.unwrap().unwrap();
        assert_eq!((now.state.as_str(), now.version), ("validated", 1));
        store.close().await;
        db.cleanup().await;
    }
}

//! Personal data and secrets at rest, and the retention sweeper (issue 9,
//! defect 3): after flows of every kind (Pre-Fill with a date of birth and a
//! full SSN at start and at challenge, Unify, keyed and unkeyed), some
//! completed and some left to expire, and a sweep, no SSN, date of birth or
//! token the test sent or received is in the database in clear: not in the
//! SQLite file (nor its -wal / -shm), not in a PostgreSQL dump of the test's
//! schema, not in any text column of any table.

use crate::harness::{Db, TOD, TestServer};
use idv_server::config::{Region, Tier};
use idv_server::retention::{Swept, sweep};
use serde_json::{Value, json};
use sqlx::Connection;

/// What the test sent or received that must never be at rest in clear. Short
/// values are searched in their JSON form (quoted), so that four digits cannot
/// match by chance inside a hex digest or sealed base64.
#[derive(Default)]
struct Secrets(Vec<(String, &'static str)>);

impl Secrets {
    fn add(&mut self, v: impl Into<String>, what: &'static str) {
        self.0.push((v.into(), what));
    }
    fn add_json(&mut self, v: &Value, what: &'static str) {
        if let Some(s) = v.as_str() {
            self.add(format!("\"{s}\""), what);
        }
    }
    /// The values found in `hay`.
    fn found_in(&self, hay: &[u8]) -> Vec<(String, &'static str)> {
        self.0
            .iter()
            .filter(|(v, _)| hay.windows(v.len()).any(|w| w == v.as_bytes()))
            .cloned()
            .collect()
    }
}

/// POST with an optional Idempotency-Key.
async fn post(srv: &TestServer, path: &str, token: &str, key: Option<&str>, body: Value) -> Value {
    let mut req = srv
        .http
        .post(format!("{}{path}", srv.base))
        .bearer_auth(token)
        .json(&body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let r = srv.send(req).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

/// Runs the flows, adding to `s` what must not be at rest; returns the
/// identity created and the Pre-Fill client (id, secret).
async fn run_flows(srv: &TestServer, s: &mut Secrets) -> (String, String, String) {
    let (id, secret) = srv.client("prefill", None).await;
    s.add(&secret, "client secret");
    let token = srv.token(&id, &secret).await;
    s.add(&token, "access token");
    let (uid, usecret) = srv.client("unify", None).await;
    s.add(&usecret, "client secret");
    let utoken = srv.token(&uid, &usecret).await;
    s.add(&utoken, "access token");

    // Sent: full SSNs and dates of birth, at start and at challenge.
    for (v, what) in [
        ("123450596", "ssn sent at start"),
        ("987650596", "ssn sent at challenge"),
        ("555660000", "wrong ssn sent at challenge"),
        ("444330596", "ssn sent at start of the expiring flow"),
        ("1981-01-17", "dob sent at start"),
        ("1981-01-23", "dob sent at challenge"),
        ("1981-01-29", "dob sent at start of the expiring flow"),
    ] {
        s.add(v, what);
    }

    // A: Pre-Fill, keyed, completed.
    let a = post(
        srv,
        "/v3/start",
        &token,
        Some("k-a-start"),
        json!({"flowType": "mobile", "phoneNumber": TOD, "dob": "1981-01-17", "ssn": "123450596"}),
    )
    .await;
    s.add(a["authToken"].as_str().unwrap(), "flow auth token");
    let cid = a["correlationId"].as_str().unwrap().to_string();
    let v = post(
        srv,
        "/v3/validate",
        &token,
        Some("k-a-validate"),
        json!({"correlationId": cid}),
    )
    .await;
    assert_eq!(v["challengeMissing"], false, "{v}");
    let c = post(
        srv,
        "/v3/challenge",
        &token,
        Some("k-a-challenge"),
        json!({"correlationId": cid, "dob": "1981-01-23", "ssn": "987650596"}),
    )
    .await;
    assert_eq!(c["success"], true, "{c}");
    let individual = c["individual"].clone();
    s.add_json(&individual["ssn"], "ssn received from challenge");
    s.add_json(&individual["dob"], "dob received from challenge");
    let mut sent = individual.clone();
    sent["ssn"] = json!("123450596");
    let done = post(
        srv,
        "/v3/complete",
        &token,
        Some("k-a-complete"),
        json!({"correlationId": cid, "individual": sent}),
    )
    .await;
    assert_eq!(done["success"], true, "{done}");
    let identity = done["identityId"].as_str().unwrap().to_string();

    // B: Pre-Fill, unkeyed, challenged and left to expire before complete.
    let b = post(
        srv,
        "/v3/start",
        &token,
        None,
        json!({"flowType": "mobile", "phoneNumber": TOD, "dob": "1981-01-29", "ssn": "444330596"}),
    )
    .await;
    s.add(b["authToken"].as_str().unwrap(), "flow auth token");
    let cid = b["correlationId"].as_str().unwrap().to_string();
    post(
        srv,
        "/v3/validate",
        &token,
        None,
        json!({"correlationId": cid}),
    )
    .await;
    let c = post(
        srv,
        "/v3/challenge",
        &token,
        None,
        json!({"correlationId": cid}),
    )
    .await;
    assert_eq!(
        c["success"], true,
        "the SSN and dob given at start still decide: {c}"
    );

    // C: Pre-Fill, keyed, a wrong SSN at challenge ends it.
    let f = post(
        srv,
        "/v3/start",
        &token,
        Some("k-c-start"),
        json!({"flowType": "mobile", "phoneNumber": TOD}),
    )
    .await;
    s.add(f["authToken"].as_str().unwrap(), "flow auth token");
    let cid = f["correlationId"].as_str().unwrap().to_string();
    post(
        srv,
        "/v3/validate",
        &token,
        None,
        json!({"correlationId": cid}),
    )
    .await;
    let c = post(
        srv,
        "/v3/challenge",
        &token,
        Some("k-c-challenge"),
        json!({"correlationId": cid, "ssn": "555660000"}),
    )
    .await;
    assert_eq!(c["success"], false, "{c}");

    // D: Unify, keyed, completed with a Prove Key.
    let u = post(
        srv,
        "/v3/unify",
        &utoken,
        Some("k-d-unify"),
        json!({"possessionType": "mobile", "clientRequestId": "r1", "phoneNumber": "2001004016"}),
    )
    .await;
    s.add(u["authToken"].as_str().unwrap(), "flow auth token");
    let st = srv
        .unify_status(&utoken, u["correlationId"].as_str().unwrap())
        .await;
    assert_eq!(st.body["success"], "true", "{}", st.body);

    // E: Unify, unkeyed, left pending to expire.
    let u = post(
        srv,
        "/v3/unify",
        &utoken,
        None,
        json!({"possessionType": "mobile", "clientRequestId": "r2", "phoneNumber": "2001004014"}),
    )
    .await;
    s.add(u["authToken"].as_str().unwrap(), "flow auth token");
    (identity, id, secret)
}

/// Every column of every table of the store as `table.column: value` lines:
/// those of every table but `idempotency_keys`, and those of `idempotency_keys`.
async fn table_text(db: &Db) -> (Vec<u8>, Vec<u8>) {
    let mut others = Vec::new();
    let mut idem = Vec::new();
    match db {
        Db::Sqlite(dir) => {
            let url = format!("sqlite://{}/idv.db", dir.path().display());
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&mut c)
            .await
            .unwrap();
            for t in tables {
                let cols: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
                        .fetch_all(&mut c)
                        .await
                        .unwrap();
                for col in cols {
                    // As bytes: `_sqlx_migrations.checksum` is a BLOB.
                    let vals: Vec<Option<Vec<u8>>> =
                        sqlx::query_scalar(&format!("SELECT CAST(\"{col}\" AS BLOB) FROM \"{t}\""))
                            .fetch_all(&mut c)
                            .await
                            .unwrap();
                    for v in vals.into_iter().flatten() {
                        let line = format!("{t}.{col}: {}\n", String::from_utf8_lossy(&v));
                        if t == "idempotency_keys" {
                            idem.extend_from_slice(line.as_bytes());
                        } else {
                            others.extend_from_slice(line.as_bytes());
                        }
                    }
                }
            }
            c.close().await.unwrap();
        }
        Db::Postgres(url, schema) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let cols: Vec<(String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema::text = $1",
            )
            .bind(schema)
            .fetch_all(&mut c)
            .await
            .unwrap();
            for (t, col) in cols {
                let vals: Vec<Option<String>> = sqlx::query_scalar(&format!(
                    "SELECT \"{col}\"::text FROM \"{schema}\".\"{t}\""
                ))
                .fetch_all(&mut c)
                .await
                .unwrap();
                for v in vals.into_iter().flatten() {
                    let line = format!("{t}.{col}: {v}\n");
                    if t == "idempotency_keys" {
                        idem.extend_from_slice(line.as_bytes());
                    } else {
                        others.extend_from_slice(line.as_bytes());
                    }
                }
            }
            c.close().await.unwrap();
        }
    }
    (others, idem)
}

/// The raw bytes of the database: the SQLite file with its -wal and -shm
/// (checkpointed first), or `pg_dump` of the test's schema.
async fn raw_bytes(db: &Db) -> Option<Vec<u8>> {
    match db {
        Db::Sqlite(dir) => {
            let path = dir.path().join("idv.db");
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut c)
                .await
                .unwrap();
            let mut bytes = std::fs::read(&path).unwrap();
            assert!(bytes.len() > 4096, "the database file was read");
            for ext in ["idv.db-wal", "idv.db-shm"] {
                if let Ok(b) = std::fs::read(dir.path().join(ext)) {
                    bytes.extend(b);
                }
            }
            c.close().await.unwrap();
            Some(bytes)
        }
        Db::Postgres(url, schema) => {
            let out = std::process::Command::new("pg_dump")
                .arg("--dbname")
                .arg(url)
                .arg("--schema")
                .arg(schema)
                .output();
            match out {
                Ok(o) if o.status.success() => {
                    assert!(
                        String::from_utf8_lossy(&o.stdout).contains("flows"),
                        "the dump holds the schema"
                    );
                    Some(o.stdout)
                }
                Ok(o) => panic!("pg_dump failed: {}", String::from_utf8_lossy(&o.stderr)),
                Err(e) => {
                    eprintln!("pg_dump is not installed ({e}): checking the tables' text only");
                    None
                }
            }
        }
    }
}

/// Asserts that nothing of `s` is in `hay`, except what is in `allowed`.
fn assert_clean(s: &Secrets, hay: &[u8], allowed: &[(String, &'static str)], what: &str) {
    let leaked: Vec<_> = s
        .found_in(hay)
        .into_iter()
        .filter(|f| !allowed.contains(f))
        .collect();
    assert!(leaked.is_empty(), "{what} holds in clear: {leaked:?}");
}

#[tokio::test]
async fn no_ssn_dob_or_token_is_at_rest_after_flows_and_a_sweep() {
    for db in Db::all("no_ssn_dob_or_token_is_at_rest") {
        let name = db.name();
        let srv = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
        let mut s = Secrets::default();
        let (identity, id, secret) = run_flows(&srv, &mut s).await;

        // Live rows first: flows (sealed, no SSN or dob at all), identities
        // (sealed), token and secret digests.
        let (text, idem) = table_text(&db).await;
        // Stored idempotent responses are sealed with the server key, so they
        // hold none of it in clear either (not even the authTokens they replay).
        let pending = s.found_in(&idem);
        assert_clean(&s, &text, &[], &format!("{name}: a table"));
        assert!(
            pending.is_empty(),
            "{name}: stored responses hold in clear: {pending:?}"
        );
        let identity_row = String::from_utf8_lossy(&text)
            .lines()
            .find(|l| l.starts_with("identities.data: "))
            .map(str::to_string)
            .unwrap_or_default();
        assert!(
            identity_row.starts_with("identities.data: v1."),
            "{name}: the identity is sealed: {identity_row}"
        );

        // Everything expires: flows (900 s, plus the 1 h grace), access tokens
        // (1 h), stored responses (with their flows).
        srv.state.clock.advance(2 * 86_400);
        let swept = sweep(srv.state.store.as_ref(), srv.state.clock.now(), 3600)
            .await
            .unwrap();
        assert_eq!(
            swept,
            Swept {
                flows: 5,
                tokens: 2,
                idempotency: 7,
                one_click_requests: 0,
                jobs: 0,
            },
            "{name}"
        );
        let again = sweep(srv.state.store.as_ref(), srv.state.clock.now(), 3600)
            .await
            .unwrap();
        assert_eq!(
            again,
            Swept::default(),
            "{name}: a second sweep finds nothing"
        );

        // Identities are the customer's results: kept, and readable with the
        // server key; the SSN was checked, never kept.
        let token = srv.token(&id, &secret).await;
        s.add(&token, "access token");
        let r = srv.get(&format!("/v3/identity/{identity}"), &token).await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        assert_eq!(r.body["firstName"], "Tod", "{name}: {}", r.body);
        assert!(r.body["ssn"].is_null(), "{name}: {}", r.body);
        srv.stop().await;

        let (text, idem) = table_text(&db).await;
        assert!(idem.is_empty(), "{name}: expired stored responses are gone");
        let text_lines = String::from_utf8_lossy(&text).to_string();
        let flows_left: Vec<&str> = text_lines
            .lines()
            .filter(|l| l.starts_with("flows."))
            .collect();
        assert!(flows_left.is_empty(), "{name}: flows swept: {flows_left:?}");
        assert!(
            String::from_utf8_lossy(&text).contains("identities.data: v1."),
            "{name}: the identity is kept"
        );
        assert_clean(&s, &text, &[], &format!("{name}: a table after the sweep"));
        if let Some(bytes) = raw_bytes(&db).await {
            // Rows deleted by the sweep may linger in SQLite's free pages, but
            // every row held only digests and sealed values.
            assert_clean(&s, &bytes, &[], &format!("{name}: the database bytes"));
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_sweeper_job_deletes_expired_flows_on_its_schedule_and_keeps_open_ones() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    let old = srv.start_mobile(&token).await;
    srv.state.clock.advance(900 + 60);
    let open = srv.start_mobile(&token).await;
    let cfg = idv_server::config::Retention {
        sweep_interval: std::time::Duration::from_millis(50),
        flow_grace: std::time::Duration::from_secs(30),
    };
    // What `idv serve` does: register the sweeper, schedule its job, start workers.
    let mut registry = idv_server::jobs::Registry::default();
    idv_server::retention::register(
        &mut registry,
        srv.state.store.clone(),
        srv.state.clock.clone(),
        cfg,
    );
    idv_server::retention::schedule(srv.state.store.as_ref(), idv_server::clock::unix_now_ms())
        .await
        .unwrap();
    let settings = idv_server::jobs::Settings {
        poll: std::time::Duration::from_millis(20),
        ..Default::default()
    };
    let workers = idv_server::jobs::start(srv.state.store.clone(), registry, settings);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while srv.state.store.get_flow(&old).await.unwrap().is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sweeper deleted the expired flow within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    workers.shutdown().await;
    assert!(
        srv.state.store.get_flow(&open).await.unwrap().is_some(),
        "an open flow is kept"
    );
    let r = srv
        .post("/v3/validate", &token, json!({"correlationId": open}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    srv.stop().await;
}

#[tokio::test]
async fn instances_sharing_a_database_share_one_sweeper_job_and_take_turns() {
    for db in Db::all("one sweeper job") {
        let (a, b) = (db.open().await, db.open().await);
        let cfg = idv_server::config::Retention {
            sweep_interval: std::time::Duration::from_millis(100),
            flow_grace: std::time::Duration::from_secs(30),
        };
        let clock = idv_server::clock::Clock::default();
        let mut workers = Vec::new();
        for store in [&a, &b] {
            // Each instance schedules the job at start and runs two workers.
            idv_server::retention::schedule(store.as_ref(), idv_server::clock::unix_now_ms())
                .await
                .unwrap();
            let mut registry = idv_server::jobs::Registry::default();
            idv_server::retention::register(&mut registry, store.clone(), clock.clone(), cfg);
            let settings = idv_server::jobs::Settings {
                poll: std::time::Duration::from_millis(20),
                ..Default::default()
            };
            workers.push(idv_server::jobs::start(store.clone(), registry, settings));
        }
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        for w in workers {
            w.shutdown().await;
        }
        let jobs = a
            .jobs_of_kind(idv_server::retention::KIND, 10)
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1, "{}: one sweeper job: {jobs:?}", db.name());
        let job = &jobs[0];
        assert_eq!(
            job.state,
            idv_server::jobs::JobState::Queued,
            "{}",
            db.name()
        );
        assert!(
            job.run_at > job.created_at,
            "{}: it ran and scheduled its next sweep: {job:?}",
            db.name()
        );
        a.close().await;
        b.close().await;
        db.cleanup().await;
    }
}

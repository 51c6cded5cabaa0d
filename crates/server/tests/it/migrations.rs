//! Migrations on every backend (SQLite always; PostgreSQL when
//! `IDV_TEST_DATABASE_URL` is set): a database of the old runner upgrades with
//! its data, an edited migration is refused, several instances start on one
//! fresh PostgreSQL schema at once.

use crate::harness::Db;
use idv_server::store::{
    DynStore, IdempotencyEntry, IdempotencyRecord, OpenError, PgStore, SqliteStore,
};
use sqlx::Connection;
use std::sync::Arc;

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

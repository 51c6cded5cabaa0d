//! The SQL behind the store traits, written once for both backends.
//!
//! The queries use `$1`-style placeholders, which SQLite and PostgreSQL both
//! accept, and only `TEXT` and `BIGINT` columns, so one body of code per trait
//! (`auth.rs`, `idempotency.rs`, `possession.rs`, each a macro expanded for both
//! pool types) serves both, and one `#[derive(sqlx::FromRow)]` row type per
//! query maps either backend's rows. This file opens the pools; `migrate.rs`
//! brings their schema up to date.

mod auth;
mod idempotency;
mod migrate;
mod possession;

use super::OpenError;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// The embedded default store: one SQLite file.
///
/// SQLite lets one connection write at a time; the others get `SQLITE_BUSY` and
/// wait in its busy handler, which sleeps 1, 2, 5, 10, … 100 ms between tries
/// instead of waking when the lock is free. With every connection of one pool
/// writing, that sleeping was the flows benchmark's p99 (bench/README.md). So
/// every write goes through `writer`, a pool of one connection whose waiters
/// queue in Rust, first come first served, and never meet the lock held by
/// another connection of this process; reads go through `pool`, whose
/// connections (WAL mode) read beside the writer without waiting for it. The
/// busy timeout stays for writers in other processes (`idv admin`).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Readers (`PRAGMA query_only`).
    pool: SqlitePool,
    /// The one writing connection.
    writer: SqlitePool,
}

/// The PostgreSQL store. PostgreSQL locks rows, not the database, so reads and
/// writes share one pool; `writer` is the same pool, named so that the SQL
/// written once for both backends can say which kind of connection it wants.
#[derive(Debug, Clone)]
pub struct PgStore {
    /// Every connection.
    pool: PgPool,
    /// The same pool.
    writer: PgPool,
}

fn connect_error(url: &str, source: sqlx::Error) -> OpenError {
    OpenError::Connect {
        url: crate::config::redact_url(url),
        source,
    }
}

impl SqliteStore {
    /// Opens `sqlite://PATH`, creating the file (and its folder) if needed, and migrates it.
    pub async fn open(url: &str) -> Result<SqliteStore, OpenError> {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or_default();
        if !path.is_empty() && path != ":memory:" {
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| connect_error(url, sqlx::Error::Io(e)))?;
                }
            }
        }
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| connect_error(url, e))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        // The writer opens (creates) the file and migrates it before any reader
        // connects.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(|e| connect_error(url, e))?;
        let mut store = SqliteStore {
            pool: writer.clone(),
            writer,
        };
        store
            .migrate()
            .await
            .map_err(|e| migrate::migrate_error(url, e))?;
        // An in-memory database exists only in its one connection, so there the
        // writer reads too.
        if !path.is_empty() && path != ":memory:" && !url.contains("mode=memory") {
            store.pool = SqlitePoolOptions::new()
                .max_connections(READERS)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts.pragma("query_only", "ON"))
                .await
                .map_err(|e| connect_error(url, e))?;
        }
        Ok(store)
    }
}

/// Reading connections of an SQLite store. Reads are short and the machine's
/// cores few; more connections would only add threads (sqlx runs each SQLite
/// connection on a thread of its own).
const READERS: u32 = 4;

impl PgStore {
    /// Connects to `postgres://…` and migrates. With `schema`, every table lives
    /// in that schema (created if missing): tests use one per run.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<PgStore, OpenError> {
        let mut opts = PgConnectOptions::from_str(url).map_err(|e| connect_error(url, e))?;
        // One direct connection first: a wrong host, port, user or database fails
        // here at once with the driver's own reason, not a pool timeout.
        let mut probe = PgConnection::connect_with(&opts)
            .await
            .map_err(|e| connect_error(url, e))?;
        if let Some(schema) = schema {
            // The schema must exist before connections use it as their search
            // path. Two instances creating it at once can both find it missing,
            // and the later one then fails on the catalogue's unique index (or
            // as a duplicate): for that one, it exists.
            if let Err(e) = sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                .execute(&mut probe)
                .await
            {
                let created_meanwhile = e
                    .as_database_error()
                    .and_then(|d| d.code())
                    .is_some_and(|code| code == "23505" || code == "42P06");
                if !created_meanwhile {
                    return Err(connect_error(url, e));
                }
            }
            opts = opts.options([("search_path", schema)]);
        }
        probe.close().await.map_err(|e| connect_error(url, e))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(|e| connect_error(url, e))?;
        let store = PgStore {
            writer: pool.clone(),
            pool,
        };
        store
            .migrate()
            .await
            .map_err(|e| migrate::migrate_error(url, e))?;
        Ok(store)
    }
}

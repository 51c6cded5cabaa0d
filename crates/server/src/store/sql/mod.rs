//! The SQL behind the store traits, written once for both backends.
//!
//! The queries use `$1`-style placeholders, which SQLite and PostgreSQL both
//! accept, and only `TEXT` and `BIGINT` columns, so one body of code per trait
//! (`auth.rs`, `idempotency.rs`, `jobs.rs`, `possession.rs`, `signup.rs`, `verification.rs`, `documents.rs`, each a macro expanded for both
//! pool types) serves both, and one `#[derive(sqlx::FromRow)]` row type per
//! query maps either backend's rows. This file opens the pools; `migrate.rs`
//! brings their schema up to date.

mod auth;
mod documents;
mod idempotency;
mod jobs;
mod migrate;
mod possession;
mod signup;
mod verification;

use super::OpenError;
use sqlx::Connection;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

/// The embedded default store: one SQLite file.
///
/// SQLite lets one connection write at a time; the others get `SQLITE_BUSY` and
/// wait in its busy handler, which sleeps 1, 2, 5, 10, … 100 ms between tries
/// instead of waking when the lock is free. With every connection of one pool
/// writing, that sleeping was the flows benchmark's p99 (bench/README.md). So
/// every write goes through `writer`, one connection behind a fair (first come,
/// first served) async mutex: writers queue in Rust and never meet the lock held
/// by another connection of this process. It is a bare connection, not a pool
/// of one, because a pool pings the connection on every acquire and hands it
/// back through a spawned task, which for a single connection would put two
/// more thread hops in front of every write. Reads go through `pool`, whose
/// connections (WAL mode) read beside the writer without waiting for it. The
/// busy timeout stays for writers in other processes (`idv admin`).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Readers (`PRAGMA query_only`).
    pool: SqlitePool,
    /// The one writing connection; `None` once the store is closed.
    writer: Arc<Mutex<Option<SqliteConnection>>>,
    /// The connection that copies the WAL into the database file
    /// ([`checkpoints`]); `None` once the store is closed.
    checkpointer: Arc<Mutex<Option<SqliteConnection>>>,
}

/// The PostgreSQL store. PostgreSQL locks rows, not the database, so reads and
/// writes share one pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
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
        // It never checkpoints: a checkpoint syncs the database file, and every
        // write queued behind the one writer would wait for that sync.
        let writer_opts = opts.clone().pragma("wal_autocheckpoint", "0");
        let mut writer = SqliteConnection::connect_with(&writer_opts)
            .await
            .map_err(|e| connect_error(url, e))?;
        SqliteStore::migrate(&mut writer)
            .await
            .map_err(|e| migrate::migrate_error(url, e))?;
        let readers = SqlitePoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            // A local file cannot drop the connection; a ping per acquire
            // would be one more round trip to the connection's thread.
            .test_before_acquire(false);
        // sqlx opens `sqlite::memory:` as one shared-cache database per options
        // value, so the readers see the writer's in-memory database too.
        let pool = readers
            .max_connections(READERS)
            .connect_with(opts.clone().pragma("query_only", "ON"))
            .await
            .map_err(|e| connect_error(url, e))?;
        let checkpointer = SqliteConnection::connect_with(&opts)
            .await
            .map_err(|e| connect_error(url, e))?;
        let checkpointer = Arc::new(Mutex::new(Some(checkpointer)));
        tokio::spawn(checkpoints(Arc::downgrade(&checkpointer)));
        Ok(SqliteStore {
            pool,
            writer: Arc::new(Mutex::new(Some(writer))),
            checkpointer,
        })
    }

    /// The writing connection, once the writers before have finished; an error
    /// once the store is closed.
    async fn write(&self) -> Result<MappedMutexGuard<'_, SqliteConnection>, sqlx::Error> {
        MutexGuard::try_map(self.writer.lock().await, Option::as_mut)
            .map_err(|_| sqlx::Error::PoolClosed)
    }

    /// Closes the readers, then the writer once the writes under way are done,
    /// then the checkpointer, whose close copies the WAL into the database.
    async fn close_all(&self) {
        self.pool.close().await;
        if let Some(w) = self.writer.lock().await.take() {
            let _ = w.close().await;
        }
        if let Some(c) = self.checkpointer.lock().await.take() {
            let _ = c.close().await;
        }
    }
}

/// How often an SQLite store's checkpointer runs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Copies the WAL into the database file every [`CHECKPOINT_EVERY`] on a
/// connection of its own, in place of the automatic checkpoint, which would run
/// on the writer (the connection that commits) and hold up every write queued
/// behind it while it syncs. `PASSIVE` neither waits for nor blocks the writer
/// and readers. Ends when the store is closed or dropped.
async fn checkpoints(conn: Weak<Mutex<Option<SqliteConnection>>>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(conn) = conn.upgrade() else { return };
        let mut conn = conn.lock().await;
        let Some(conn) = conn.as_mut() else { return };
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(conn)
            .await
        {
            tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries");
        }
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
            // sqlx pings a connection when it goes back to the pool (a broken
            // one is closed there); a second ping on every acquire would be
            // one more round trip in front of every query (bench/README.md).
            // A connection that breaks while idle fails the one query that
            // next uses it, and is closed when it is given back.
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .map_err(|e| connect_error(url, e))?;
        let mut conn = pool.acquire().await.map_err(|e| connect_error(url, e))?;
        let migrated = PgStore::migrate(&mut conn).await;
        if migrated.is_err() {
            // A failed run may leave the migration lock taken: closing the
            // session releases it, where pooling the connection would keep it.
            let _ = conn.detach().close().await;
        }
        migrated.map_err(|e| migrate::migrate_error(url, e))?;
        Ok(PgStore { pool })
    }

    /// A connection for a write (any of the pool's).
    async fn write(&self) -> Result<PoolConnection<Postgres>, sqlx::Error> {
        self.pool.acquire().await
    }

    async fn close_all(&self) {
        self.pool.close().await;
    }
}

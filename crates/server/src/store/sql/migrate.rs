//! Brings a database's schema up to date with sqlx's `Migrator`, from the
//! append-only files under `crates/server/migrations/<backend>/` (embedded at
//! build time; `build.rs` rebuilds when they change).
//!
//! The `Migrator` records each applied migration with a checksum in
//! `_sqlx_migrations`, so a released migration edited afterwards is refused
//! ([`OpenError::MigrationChanged`]) instead of silently diverging, and on
//! PostgreSQL it holds an advisory lock while it works, so several instances can
//! start on one database at once.
//!
//! Databases made before idv used it record their migrations in `idv_migrations`
//! (version, name, time). On such a database the applied versions are written to
//! `_sqlx_migrations` first, with the checksums of this build's files (the old
//! runner applied the same files, which never change), and the `Migrator` then
//! applies only what is missing: no data is touched. `idv_migrations` is left as
//! it was.

use super::{PgStore, SqliteStore};
use crate::store::OpenError;
use sqlx::Connection;
use sqlx::migrate::{Migrate, MigrateError, Migrator};

/// The SQLite migrations.
static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
/// The PostgreSQL migrations.
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The table in which idv's own runner (before sqlx's `Migrator`) recorded the
/// versions it applied.
const OLD_RUNNER_TABLE: &str = "idv_migrations";

/// The `OpenError` for a failed migration: an edited migration gets its own
/// message, which says what to do.
pub(super) fn migrate_error(url: &str, source: MigrateError) -> OpenError {
    let url = crate::config::redact_url(url);
    match source {
        MigrateError::VersionMismatch(version) => OpenError::MigrationChanged { url, version },
        source => OpenError::Migrate { url, source },
    }
}

/// Adds `migrate` (and the adoption of an old runner's database) to a store.
/// `$table_exists` counts the tables named `$1` in the schema the store uses.
macro_rules! migrate_store {
    ($store:ty, $conn:ty, $migrator:expr, $table_exists:literal) => {
        impl $store {
            /// Applies every migration the database lacks, under the migration
            /// lock (an advisory lock on PostgreSQL), after adopting a database
            /// of the old runner. After a failure the caller closes `conn`
            /// rather than reusing it: the lock may still be held.
            pub(super) async fn migrate(conn: &mut $conn) -> Result<(), MigrateError> {
                conn.lock().await?;
                let result = async {
                    Self::adopt_old_runner(conn).await?;
                    // The lock is held by this session, so the Migrator's own
                    // (re-entrant) lock is granted at once.
                    $migrator.run(&mut *conn).await
                }
                .await;
                match result {
                    Ok(()) => conn.unlock().await,
                    Err(e) => Err(e),
                }
            }

            /// Records in `_sqlx_migrations` the migrations that `idv_migrations`
            /// says were applied, when that table exists.
            async fn adopt_old_runner(conn: &mut $conn) -> Result<(), MigrateError> {
                let old: i64 = sqlx::query_scalar($table_exists)
                    .bind(OLD_RUNNER_TABLE)
                    .fetch_one(&mut *conn)
                    .await?;
                if old == 0 {
                    return Ok(());
                }
                let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM idv_migrations")
                    .fetch_all(&mut *conn)
                    .await?;
                conn.ensure_migrations_table().await?;
                let mut tx = conn.begin().await?;
                for m in $migrator.iter().filter(|m| applied.contains(&m.version)) {
                    sqlx::query(
                        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, $2, TRUE, $3, 0) ON CONFLICT (version) DO NOTHING",
                    )
                    .bind(m.version)
                    .bind(&*m.description)
                    .bind(&*m.checksum)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

migrate_store!(
    SqliteStore,
    sqlx::SqliteConnection,
    SQLITE,
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
);
migrate_store!(
    PgStore,
    sqlx::PgConnection,
    POSTGRES,
    "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1"
);

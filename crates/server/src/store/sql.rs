//! The SQL behind [`Store`], written once for both backends.
//!
//! The queries use `$1`-style placeholders, which SQLite and PostgreSQL both
//! accept, and only `TEXT` and `BIGINT` columns, so one body of code (expanded by
//! `sql_store!` for each pool type) serves both. Each backend keeps its own
//! migration files, applied in order and recorded in `idv_migrations`.

use super::{
    ClientRecord, DeviceRecord, FlowRecord, IdempotencyRecord, IdentityRecord, OpenError, Project,
    RevocationMark, SideEffect, Store, StoreResult, TokenRecord,
};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// One migration: version, name, SQL.
type Migration = (i64, &'static str, &'static str);

const SQLITE_MIGRATIONS: &[Migration] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "revocation index",
        include_str!("../../migrations/sqlite/0002_revocation_index.sql"),
    ),
];

const PG_MIGRATIONS: &[Migration] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "revocation index",
        include_str!("../../migrations/postgres/0002_revocation_index.sql"),
    ),
];

/// The embedded default store: one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// The PostgreSQL store.
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
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(|e| connect_error(url, e))?;
        let store = SqliteStore { pool };
        store
            .migrate(SQLITE_MIGRATIONS)
            .await
            .map_err(|e| connect_error(url, e))?;
        Ok(store)
    }
}

impl PgStore {
    /// Connects to `postgres://…` and migrates. With `schema`, every table lives
    /// in that schema (created if missing): tests use one per run.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<PgStore, OpenError> {
        let mut opts = PgConnectOptions::from_str(url).map_err(|e| connect_error(url, e))?;
        // One direct connection first: a wrong host, port, user or database fails
        // here at once with the driver's own reason, not a pool timeout.
        let probe = PgConnection::connect_with(&opts)
            .await
            .map_err(|e| connect_error(url, e))?;
        probe.close().await.map_err(|e| connect_error(url, e))?;
        if let Some(schema) = schema {
            // The schema must exist before connections use it as their search path.
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts.clone())
                .await
                .map_err(|e| connect_error(url, e))?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                .execute(&pool)
                .await
                .map_err(|e| connect_error(url, e))?;
            pool.close().await;
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(|e| connect_error(url, e))?;
        let store = PgStore { pool };
        store
            .migrate(PG_MIGRATIONS)
            .await
            .map_err(|e| connect_error(url, e))?;
        Ok(store)
    }
}

macro_rules! sql_store {
    ($store:ty, $backend:literal) => {
        impl $store {
            async fn migrate(&self, migrations: &[Migration]) -> Result<(), sqlx::Error> {
                sqlx::query(
                    "CREATE TABLE IF NOT EXISTS idv_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                )
                .execute(&self.pool)
                .await?;
                let applied: Vec<i64> = sqlx::query("SELECT version FROM idv_migrations")
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("version"))
                    .collect::<Result<_, _>>()?;
                for (version, name, sql) in migrations {
                    if applied.contains(version) {
                        continue;
                    }
                    let mut tx = self.pool.begin().await?;
                    sqlx::raw_sql(sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO idv_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                        .bind(version)
                        .bind(name)
                        .bind(crate::clock::unix_now())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn count_projects(&self) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM projects")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get::<i64, _>("n")?)
            }

            async fn insert_project(&self, p: &Project) -> StoreResult<()> {
                sqlx::query("INSERT INTO projects (id, name, region, tier, solution, countries, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&p.id)
                    .bind(&p.name)
                    .bind(&p.region)
                    .bind(&p.tier)
                    .bind(&p.solution)
                    .bind(p.countries.join(","))
                    .bind(p.created_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get_project(&self, id: &str) -> StoreResult<Option<Arc<Project>>> {
                let row = sqlx::query("SELECT id, name, region, tier, solution, countries, created_at FROM projects WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| -> Result<Project, sqlx::Error> {
                    let countries: String = r.try_get("countries")?;
                    Ok(Project {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        region: r.try_get("region")?,
                        tier: r.try_get("tier")?,
                        solution: r.try_get("solution")?,
                        countries: countries
                            .split(',')
                            .filter(|c| !c.is_empty())
                            .map(str::to_string)
                            .collect(),
                        created_at: r.try_get("created_at")?,
                    })
                })
                .transpose()
                .map(|p| p.map(Arc::new))
                .map_err(Into::into)
            }

            async fn insert_client(&self, c: &ClientRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO clients (client_id, project_id, secret_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&c.client_id)
                    .bind(&c.project_id)
                    .bind(&c.secret_hash)
                    .bind(c.created_at)
                    .bind(c.revoked_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
                let row = sqlx::query("SELECT client_id, project_id, secret_hash, created_at, revoked_at FROM clients WHERE client_id = $1")
                    .bind(client_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| -> Result<ClientRecord, sqlx::Error> {
                    Ok(ClientRecord {
                        client_id: r.try_get("client_id")?,
                        project_id: r.try_get("project_id")?,
                        secret_hash: r.try_get("secret_hash")?,
                        created_at: r.try_get("created_at")?,
                        revoked_at: r.try_get("revoked_at")?,
                    })
                })
                .transpose()
                .map_err(Into::into)
            }

            async fn revoke_client(&self, client_id: &str, now: i64) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE clients SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(client_id)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn revocation_mark(&self) -> StoreResult<RevocationMark> {
                let r = sqlx::query("SELECT COUNT(*) AS revoked, COALESCE(MAX(revoked_at), 0) AS latest FROM clients WHERE revoked_at IS NOT NULL")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(RevocationMark {
                    revoked: r.try_get("revoked")?,
                    latest: r.try_get("latest")?,
                })
            }

            async fn insert_token(
                &self,
                token_hash: &str,
                client_id: &str,
                expires_at: i64,
                now: i64,
            ) -> StoreResult<()> {
                sqlx::query("INSERT INTO access_tokens (token_hash, client_id, expires_at, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(client_id)
                    .bind(expires_at)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get_token(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenRecord>>> {
                let row = sqlx::query("SELECT t.client_id AS client_id, c.project_id AS project_id, t.expires_at AS expires_at, c.revoked_at AS revoked_at FROM access_tokens t JOIN clients c ON c.client_id = t.client_id WHERE t.token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| -> Result<TokenRecord, sqlx::Error> {
                    let revoked: Option<i64> = r.try_get("revoked_at")?;
                    Ok(TokenRecord {
                        client_id: r.try_get("client_id")?,
                        project_id: r.try_get("project_id")?,
                        expires_at: r.try_get("expires_at")?,
                        client_revoked: revoked.is_some(),
                    })
                })
                .transpose()
                .map(|t| t.map(Arc::new))
                .map_err(Into::into)
            }

            async fn insert_flow(&self, f: &FlowRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO flows (correlation_id, project_id, kind, state, version, data, auth_token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(&f.correlation_id)
                    .bind(&f.project_id)
                    .bind(&f.kind)
                    .bind(&f.state)
                    .bind(f.version)
                    .bind(&f.data)
                    .bind(&f.auth_token_hash)
                    .bind(f.created_at)
                    .bind(f.expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get_flow(&self, correlation_id: &str) -> StoreResult<Option<FlowRecord>> {
                let row = sqlx::query("SELECT correlation_id, project_id, kind, state, version, data, auth_token_hash, created_at, expires_at FROM flows WHERE correlation_id = $1")
                    .bind(correlation_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| flow_from_row(&r)).transpose().map_err(Into::into)
            }

            async fn get_flow_by_auth_token(
                &self,
                token_hash: &str,
            ) -> StoreResult<Option<FlowRecord>> {
                let row = sqlx::query("SELECT correlation_id, project_id, kind, state, version, data, auth_token_hash, created_at, expires_at FROM flows WHERE auth_token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| flow_from_row(&r)).transpose().map_err(Into::into)
            }

            async fn update_flow(
                &self,
                correlation_id: &str,
                expected_version: i64,
                state: &str,
                data: &str,
                effects: &[SideEffect],
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let r = sqlx::query("UPDATE flows SET state = $1, data = $2, version = version + 1 WHERE correlation_id = $3 AND version = $4")
                    .bind(state)
                    .bind(data)
                    .bind(correlation_id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                for effect in effects {
                    match effect {
                        SideEffect::Identity(i) => {
                            sqlx::query("INSERT INTO identities (identity_id, project_id, correlation_id, data, created_at) VALUES ($1, $2, $3, $4, $5)")
                                .bind(&i.identity_id)
                                .bind(&i.project_id)
                                .bind(&i.correlation_id)
                                .bind(&i.data)
                                .bind(i.created_at)
                                .execute(&mut *tx)
                                .await?;
                        }
                        SideEffect::Device(d) => {
                            sqlx::query("INSERT INTO devices (device_id, project_id, phone_number, prove_id, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)")
                                .bind(&d.device_id)
                                .bind(&d.project_id)
                                .bind(&d.phone_number)
                                .bind(&d.prove_id)
                                .bind(d.created_at)
                                .bind(d.revoked_at)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn get_identity(
                &self,
                project_id: &str,
                identity_id: &str,
            ) -> StoreResult<Option<IdentityRecord>> {
                let row = sqlx::query("SELECT identity_id, project_id, correlation_id, data, created_at FROM identities WHERE identity_id = $1 AND project_id = $2")
                    .bind(identity_id)
                    .bind(project_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| -> Result<IdentityRecord, sqlx::Error> {
                    Ok(IdentityRecord {
                        identity_id: r.try_get("identity_id")?,
                        project_id: r.try_get("project_id")?,
                        correlation_id: r.try_get("correlation_id")?,
                        data: r.try_get("data")?,
                        created_at: r.try_get("created_at")?,
                    })
                })
                .transpose()
                .map_err(Into::into)
            }

            async fn get_device(&self, device_id: &str) -> StoreResult<Option<DeviceRecord>> {
                let row = sqlx::query("SELECT device_id, project_id, phone_number, prove_id, created_at, revoked_at FROM devices WHERE device_id = $1")
                    .bind(device_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| -> Result<DeviceRecord, sqlx::Error> {
                    Ok(DeviceRecord {
                        device_id: r.try_get("device_id")?,
                        project_id: r.try_get("project_id")?,
                        phone_number: r.try_get("phone_number")?,
                        prove_id: r.try_get("prove_id")?,
                        created_at: r.try_get("created_at")?,
                        revoked_at: r.try_get("revoked_at")?,
                    })
                })
                .transpose()
                .map_err(Into::into)
            }

            async fn revoke_device(
                &self,
                project_id: &str,
                device_id: &str,
                now: i64,
            ) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE devices SET revoked_at = $1 WHERE device_id = $2 AND project_id = $3 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(device_id)
                    .bind(project_id)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn get_idempotency(
                &self,
                project_id: &str,
                key: &str,
                now: i64,
            ) -> StoreResult<Option<IdempotencyRecord>> {
                let row = sqlx::query("SELECT project_id, idem_key, request_hash, status, body, expires_at FROM idempotency_keys WHERE project_id = $1 AND idem_key = $2 AND expires_at > $3")
                    .bind(project_id)
                    .bind(key)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| -> Result<IdempotencyRecord, sqlx::Error> {
                    Ok(IdempotencyRecord {
                        project_id: r.try_get("project_id")?,
                        key: r.try_get("idem_key")?,
                        request_hash: r.try_get("request_hash")?,
                        status: r.try_get("status")?,
                        body: r.try_get("body")?,
                        expires_at: r.try_get("expires_at")?,
                    })
                })
                .transpose()
                .map_err(Into::into)
            }

            async fn put_idempotency(&self, r: &IdempotencyRecord, now: i64) -> StoreResult<()> {
                sqlx::query("INSERT INTO idempotency_keys (project_id, idem_key, request_hash, status, body, expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, idem_key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, expires_at = excluded.expires_at WHERE idempotency_keys.expires_at <= $7")
                    .bind(&r.project_id)
                    .bind(&r.key)
                    .bind(&r.request_hash)
                    .bind(r.status)
                    .bind(&r.body)
                    .bind(r.expires_at)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

fn flow_from_row<R>(r: &R) -> Result<FlowRecord, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(FlowRecord {
        correlation_id: r.try_get("correlation_id")?,
        project_id: r.try_get("project_id")?,
        kind: r.try_get("kind")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        data: r.try_get("data")?,
        auth_token_hash: r.try_get("auth_token_hash")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

sql_store!(SqliteStore, "sqlite");
sql_store!(PgStore, "postgres");

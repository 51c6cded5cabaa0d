//! [`PossessionStore`] in SQL, for both backends: flows, identities and devices.
//! Every flow change is one transaction that starts with the conditional update
//! on the flow's version.
//!
//! That transaction is as short as each backend allows, since it is the one
//! write of every flow step. A change without side effects is the conditional
//! `UPDATE` alone (one statement is one transaction). With side effects,
//! PostgreSQL gets one statement too: the inserts are data-modifying `WITH`
//! clauses that select from the update's `RETURNING`, so they write a row only
//! when the update did, in one round trip instead of `BEGIN`, the update, each
//! insert and `COMMIT`. SQLite has no data-modifying `WITH`, so there it is a
//! `BEGIN IMMEDIATE` transaction on the store's one writing connection (in
//! process, so its statements cost no network round trip). A new flow with side
//! effects (its request's stored answer) is written the same way, the insert in
//! place of the update.

use super::{PgStore, SqliteStore};
use crate::store::{
    DeviceRecord, FlowRecord, IdentityRecord, PossessionStore, SideEffect, StoreResult,
};
use sqlx::Connection;
use std::fmt::Write as _;

/// A `flows` row.
#[derive(sqlx::FromRow)]
struct FlowRow {
    correlation_id: String,
    project_id: String,
    kind: String,
    state: String,
    version: i64,
    data: String,
    auth_token_hash: String,
    created_at: i64,
    expires_at: i64,
}

impl From<FlowRow> for FlowRecord {
    fn from(r: FlowRow) -> FlowRecord {
        FlowRecord {
            correlation_id: r.correlation_id,
            project_id: r.project_id,
            kind: r.kind,
            state: r.state,
            version: r.version,
            data: r.data,
            auth_token_hash: r.auth_token_hash,
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

/// An `identities` row.
#[derive(sqlx::FromRow)]
struct IdentityRow {
    identity_id: String,
    project_id: String,
    correlation_id: String,
    data: String,
    created_at: i64,
}

impl From<IdentityRow> for IdentityRecord {
    fn from(r: IdentityRow) -> IdentityRecord {
        IdentityRecord {
            identity_id: r.identity_id,
            project_id: r.project_id,
            correlation_id: r.correlation_id,
            data: r.data,
            created_at: r.created_at,
        }
    }
}

/// A `devices` row.
#[derive(sqlx::FromRow)]
struct DeviceRow {
    device_id: String,
    project_id: String,
    phone_number: String,
    prove_id: String,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl From<DeviceRow> for DeviceRecord {
    fn from(r: DeviceRow) -> DeviceRecord {
        DeviceRecord {
            device_id: r.device_id,
            project_id: r.project_id,
            phone_number: r.phone_number,
            prove_id: r.prove_id,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// A flow row selected by the condition `$where` (one column list for every
/// lookup of a flow).
macro_rules! select_flow {
    ($where:literal) => {
        concat!(
            "SELECT correlation_id, project_id, kind, state, version, data, auth_token_hash, created_at, expires_at FROM flows WHERE ",
            $where
        )
    };
}

macro_rules! possession_sql {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl PossessionStore for $store {
            async fn insert_flow_with(
                &self,
                f: &FlowRecord,
                effects: &[SideEffect],
            ) -> StoreResult<()> {
                self.insert_flow_sql(f, effects).await
            }

            async fn get_flow(&self, correlation_id: &str) -> StoreResult<Option<FlowRecord>> {
                let row: Option<FlowRow> = sqlx::query_as(select_flow!("correlation_id = $1"))
                    .bind(correlation_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn get_flow_by_auth_token(
                &self,
                token_hash: &str,
            ) -> StoreResult<Option<FlowRecord>> {
                let row: Option<FlowRow> = sqlx::query_as(select_flow!("auth_token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn update_flow(
                &self,
                correlation_id: &str,
                expected_version: i64,
                state: &str,
                data: &str,
                effects: &[SideEffect],
            ) -> StoreResult<bool> {
                self.update_flow_sql(correlation_id, expected_version, state, data, effects)
                    .await
            }

            async fn get_identity(
                &self,
                project_id: &str,
                identity_id: &str,
            ) -> StoreResult<Option<IdentityRecord>> {
                let row: Option<IdentityRow> = sqlx::query_as("SELECT identity_id, project_id, correlation_id, data, created_at FROM identities WHERE identity_id = $1 AND project_id = $2")
                    .bind(identity_id)
                    .bind(project_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn get_device(&self, device_id: &str) -> StoreResult<Option<DeviceRecord>> {
                let row: Option<DeviceRow> = sqlx::query_as("SELECT device_id, project_id, phone_number, prove_id, created_at, revoked_at FROM devices WHERE device_id = $1")
                    .bind(device_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
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
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_expired_flows(&self, before: i64, limit: i64) -> StoreResult<u64> {
                // In batches, so a backlog never holds SQLite's one writer for long;
                // safe for several instances at once (a row is deleted once).
                let r = sqlx::query("DELETE FROM flows WHERE correlation_id IN (SELECT correlation_id FROM flows WHERE expires_at < $1 LIMIT $2)")
                    .bind(before)
                    .bind(limit)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected())
            }
        }
    };
}

possession_sql!(SqliteStore);
possession_sql!(PgStore);

/// A new flow (nine parameters).
const INSERT_FLOW: &str = "INSERT INTO flows (correlation_id, project_id, kind, state, version, data, auth_token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The conditional update that starts every flow change: it changes the row only
/// if the version is still the one the caller read.
const UPDATE_FLOW: &str = "UPDATE flows SET state = $1, data = $2, version = version + 1 WHERE correlation_id = $3 AND version = $4";

const INSERT_IDENTITY: &str = "INSERT INTO identities (identity_id, project_id, correlation_id, data, created_at) VALUES ($1, $2, $3, $4, $5)";

const INSERT_DEVICE: &str = "INSERT INTO devices (device_id, project_id, phone_number, prove_id, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// Binds a new flow's nine values to `q`, in [`INSERT_FLOW`]'s order.
macro_rules! bind_flow {
    ($q:expr, $f:expr) => {
        $q.bind(&$f.correlation_id)
            .bind(&$f.project_id)
            .bind(&$f.kind)
            .bind(&$f.state)
            .bind($f.version)
            .bind(&$f.data)
            .bind(&$f.auth_token_hash)
            .bind($f.created_at)
            .bind($f.expires_at)
    };
}

impl SqliteStore {
    /// [`PossessionStore::update_flow`]: the update alone, or with side effects
    /// a `BEGIN IMMEDIATE` transaction, which takes the write lock at once.
    async fn update_flow_sql(
        &self,
        correlation_id: &str,
        expected_version: i64,
        state: &str,
        data: &str,
        effects: &[SideEffect],
    ) -> StoreResult<bool> {
        let update = sqlx::query(UPDATE_FLOW)
            .bind(state)
            .bind(data)
            .bind(correlation_id)
            .bind(expected_version);
        if effects.is_empty() {
            return Ok(update
                .execute(&mut *self.write().await?)
                .await?
                .rows_affected()
                == 1);
        }
        let mut writer = self.write().await?;
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        if update.execute(&mut *tx).await?.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for effect in effects {
            sqlite_effect(&mut tx, effect).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// [`PossessionStore::insert_flow_with`]: the insert alone, or with side
    /// effects a `BEGIN IMMEDIATE` transaction.
    async fn insert_flow_sql(&self, f: &FlowRecord, effects: &[SideEffect]) -> StoreResult<()> {
        let insert = bind_flow!(sqlx::query(INSERT_FLOW), f);
        let mut writer = self.write().await?;
        if effects.is_empty() {
            insert.execute(&mut *writer).await?;
            return Ok(());
        }
        let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        insert.execute(&mut *tx).await?;
        for effect in effects {
            sqlite_effect(&mut tx, effect).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Writes one side effect inside an SQLite transaction.
async fn sqlite_effect(
    tx: &mut sqlx::SqliteConnection,
    effect: &SideEffect,
) -> Result<(), sqlx::Error> {
    match effect {
        SideEffect::Identity(i) => {
            sqlx::query(INSERT_IDENTITY)
                .bind(&i.identity_id)
                .bind(&i.project_id)
                .bind(&i.correlation_id)
                .bind(&i.data)
                .bind(i.created_at)
                .execute(tx)
                .await?;
        }
        SideEffect::Device(d) => {
            sqlx::query(INSERT_DEVICE)
                .bind(&d.device_id)
                .bind(&d.project_id)
                .bind(&d.phone_number)
                .bind(&d.prove_id)
                .bind(d.created_at)
                .bind(d.revoked_at)
                .execute(tx)
                .await?;
        }
        SideEffect::Answer(a) => {
            super::idempotency::complete(a).execute(tx).await?;
        }
        SideEffect::Enqueue(j) => {
            super::jobs::enqueue_query(j).execute(tx).await?;
        }
    }
    Ok(())
}

/// The one PostgreSQL statement of a flow change with `effects`: the update as
/// `u`, then one insert per effect that selects its values from `u` (so it
/// inserts nothing when the update changed no row), and how many rows `u`
/// changed. Parameters `$1`–`$4` are the update's, then each effect's in order.
fn pg_update_with_effects(effects: &[SideEffect]) -> String {
    pg_with_effects(UPDATE_FLOW, 4, effects)
}

/// `head` (a statement with `head_params` parameters) as `u`, then each effect
/// written only if `u` wrote a row, then how many rows `u` wrote.
fn pg_with_effects(head: &str, head_params: usize, effects: &[SideEffect]) -> String {
    let mut sql = format!("WITH u AS ({head} RETURNING 1)");
    let mut n = head_params;
    for (i, effect) in effects.iter().enumerate() {
        let (table, columns) = match effect {
            SideEffect::Identity(_) => (
                "identities",
                "identity_id, project_id, correlation_id, data, created_at",
            ),
            SideEffect::Device(_) => (
                "devices",
                "device_id, project_id, phone_number, prove_id, created_at, revoked_at",
            ),
            SideEffect::Answer(_) => {
                let _ = write!(
                    sql,
                    ", e{i} AS (UPDATE idempotency_keys SET status = ${}, body = ${}, expires_at = ${}, claim = NULL \
                     WHERE project_id = ${} AND idem_key = ${} AND claim = ${} AND EXISTS (SELECT 1 FROM u))",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6
                );
                n += 6;
                continue;
            }
            SideEffect::Enqueue(_) => {
                let _ = write!(
                    sql,
                    ", e{i} AS (INSERT INTO jobs (kind, payload, ordering_key, unique_key, run_at, max_attempts, created_at, state, attempts) \
                     SELECT ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'queued', 0 FROM u {})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6,
                    n + 7,
                    super::jobs::ON_UNIQUE_CONFLICT
                );
                n += 7;
                continue;
            }
        };
        let _ = write!(sql, ", e{i} AS (INSERT INTO {table} ({columns}) SELECT ");
        for c in 0..columns.split(',').count() {
            n += 1;
            let _ = write!(sql, "{}${n}", if c == 0 { "" } else { ", " });
        }
        sql.push_str(" FROM u)");
    }
    sql.push_str(" SELECT COUNT(*) FROM u");
    sql
}

/// Binds each effect's values after the head's, in [`pg_with_effects`]' order.
fn bind_pg_effects<'q>(
    mut q: sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>,
    effects: &'q [SideEffect],
) -> sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments> {
    for effect in effects {
        q = match effect {
            SideEffect::Identity(i) => q
                .bind(&i.identity_id)
                .bind(&i.project_id)
                .bind(&i.correlation_id)
                .bind(&i.data)
                .bind(i.created_at),
            SideEffect::Device(d) => q
                .bind(&d.device_id)
                .bind(&d.project_id)
                .bind(&d.phone_number)
                .bind(&d.prove_id)
                .bind(d.created_at)
                .bind(d.revoked_at),
            SideEffect::Answer(a) => q
                .bind(a.status)
                .bind(&a.body)
                .bind(a.expires_at)
                .bind(&a.project_id)
                .bind(&a.key)
                .bind(&a.claim),
            SideEffect::Enqueue(j) => q
                .bind(&j.kind)
                .bind(&j.payload)
                .bind(&j.ordering_key)
                .bind(&j.unique_key)
                .bind(j.run_at)
                .bind(j.max_attempts)
                .bind(j.created_at),
        };
    }
    q
}

impl PgStore {
    /// [`PossessionStore::update_flow`] in one statement, so one round trip.
    async fn update_flow_sql(
        &self,
        correlation_id: &str,
        expected_version: i64,
        state: &str,
        data: &str,
        effects: &[SideEffect],
    ) -> StoreResult<bool> {
        if effects.is_empty() {
            let r = sqlx::query(UPDATE_FLOW)
                .bind(state)
                .bind(data)
                .bind(correlation_id)
                .bind(expected_version)
                .execute(&self.pool)
                .await?;
            return Ok(r.rows_affected() == 1);
        }
        let sql = pg_update_with_effects(effects);
        let q = sqlx::query_scalar::<_, i64>(&sql)
            .bind(state)
            .bind(data)
            .bind(correlation_id)
            .bind(expected_version);
        let q = bind_pg_effects(q, effects);
        Ok(q.fetch_one(&self.pool).await? == 1)
    }

    /// [`PossessionStore::insert_flow_with`] in one statement.
    async fn insert_flow_sql(&self, f: &FlowRecord, effects: &[SideEffect]) -> StoreResult<()> {
        let sql = pg_with_effects(INSERT_FLOW, 9, effects);
        let q = bind_flow!(sqlx::query_scalar::<_, i64>(&sql), f);
        bind_pg_effects(q, effects).fetch_one(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postgres_flow_change_numbers_each_effect_s_parameters_after_the_update_s() {
        let identity = SideEffect::Identity(IdentityRecord {
            identity_id: String::new(),
            project_id: String::new(),
            correlation_id: String::new(),
            data: String::new(),
            created_at: 0,
        });
        let device = SideEffect::Device(DeviceRecord {
            device_id: String::new(),
            project_id: String::new(),
            phone_number: String::new(),
            prove_id: String::new(),
            created_at: 0,
            revoked_at: None,
        });
        assert_eq!(
            pg_update_with_effects(&[identity, device]),
            "WITH u AS (UPDATE flows SET state = $1, data = $2, version = version + 1 WHERE correlation_id = $3 AND version = $4 RETURNING 1), \
             e0 AS (INSERT INTO identities (identity_id, project_id, correlation_id, data, created_at) SELECT $5, $6, $7, $8, $9 FROM u), \
             e1 AS (INSERT INTO devices (device_id, project_id, phone_number, prove_id, created_at, revoked_at) SELECT $10, $11, $12, $13, $14, $15 FROM u) \
             SELECT COUNT(*) FROM u"
        );
    }
}

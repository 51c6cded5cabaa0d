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
//! `BEGIN IMMEDIATE` transaction on the store's one writing connection, its
//! statements sent as one query: one hand-over to the connection's thread
//! instead of one per statement (bench/README.md).

use super::{PgStore, SqliteStore};
use crate::store::{
    DeviceRecord, FlowRecord, IdentityRecord, PossessionStore, SideEffect, StoreResult,
};
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
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
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

/// The conditional update that starts every flow change: it changes the row only
/// if the version is still the one the caller read.
const UPDATE_FLOW: &str = "UPDATE flows SET state = $1, data = $2, version = version + 1 WHERE correlation_id = $3 AND version = $4";

impl SqliteStore {
    /// [`PossessionStore::update_flow`]: the update alone, or with side effects
    /// a `BEGIN IMMEDIATE` transaction sent to the writer as one command
    /// ([`sqlite_update_with_effects`]).
    async fn update_flow_sql(
        &self,
        correlation_id: &str,
        expected_version: i64,
        state: &str,
        data: &str,
        effects: &[SideEffect],
    ) -> StoreResult<bool> {
        if effects.is_empty() {
            return Ok(sqlx::query(UPDATE_FLOW)
                .bind(state)
                .bind(data)
                .bind(correlation_id)
                .bind(expected_version)
                .execute(&mut *self.write().await?)
                .await?
                .rows_affected()
                == 1);
        }
        let sql = sqlite_update_with_effects(effects);
        let q = bind_change(&sql, state, data, correlation_id, expected_version, effects);
        let mut writer = self.write().await?;
        match q.fetch_all(&mut *writer).await {
            // The update's RETURNING gives one row when it changed the flow.
            Ok(rows) => Ok(rows.len() == 1),
            Err(e) => {
                // A statement failed inside the transaction: end it, so the
                // writer is not left in it for the next write.
                if let Err(r) = sqlx::query("ROLLBACK").execute(&mut *writer).await {
                    tracing::debug!(error = %r, "ROLLBACK after a failed flow change");
                }
                Err(e.into())
            }
        }
    }
}

/// The columns of a side effect's table.
fn effect_columns(effect: &SideEffect) -> (&'static str, &'static str) {
    match effect {
        SideEffect::Identity(_) => (
            "identities",
            "identity_id, project_id, correlation_id, data, created_at",
        ),
        SideEffect::Device(_) => (
            "devices",
            "device_id, project_id, phone_number, prove_id, created_at, revoked_at",
        ),
    }
}

/// The query `sql` of a flow change with side effects (either backend's form),
/// bound to the update's four values, then each effect's, in order.
fn bind_change<'q, DB>(
    sql: &'q str,
    state: &'q str,
    data: &'q str,
    correlation_id: &'q str,
    expected_version: i64,
    effects: &'q [SideEffect],
) -> sqlx::query::QueryScalar<'q, DB, i64, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    usize: sqlx::ColumnIndex<DB::Row>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut q = sqlx::query_scalar::<DB, i64>(sql)
        .bind(state)
        .bind(data)
        .bind(correlation_id)
        .bind(expected_version);
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
        };
    }
    q
}

/// The `$n, $n+1, …` placeholders of one effect's values, `n` counting on
/// from the parameters before it.
fn placeholders(sql: &mut String, columns: &str, n: &mut usize) {
    for c in 0..columns.split(',').count() {
        *n += 1;
        let _ = write!(sql, "{}${n}", if c == 0 { "" } else { ", " });
    }
}

/// The SQLite flow change with `effects`, as one command to the store's one
/// writing connection (sqlx runs the statements of one query in turn, each
/// bound to the numbered parameters it names): `BEGIN IMMEDIATE`, the update
/// returning the new version, one insert per effect that writes its row only
/// when the statement before it changed one (`changes() = 1`: the update, then
/// each insert), and `COMMIT`. Parameters as [`pg_update_with_effects`]. One
/// round trip to the connection's thread instead of four.
fn sqlite_update_with_effects(effects: &[SideEffect]) -> String {
    let mut sql = format!("BEGIN IMMEDIATE; {UPDATE_FLOW} RETURNING version;");
    let mut n = 4;
    for effect in effects {
        let (table, columns) = effect_columns(effect);
        let _ = write!(sql, " INSERT INTO {table} ({columns}) SELECT ");
        placeholders(&mut sql, columns, &mut n);
        sql.push_str(" WHERE changes() = 1;");
    }
    sql.push_str(" COMMIT");
    sql
}

/// The one PostgreSQL statement of a flow change with `effects`: the update as
/// `u`, then one insert per effect that selects its values from `u` (so it
/// inserts nothing when the update changed no row), and how many rows `u`
/// changed. Parameters `$1`–`$4` are the update's, then each effect's in order.
fn pg_update_with_effects(effects: &[SideEffect]) -> String {
    let mut sql = format!("WITH u AS ({UPDATE_FLOW} RETURNING 1)");
    let mut n = 4;
    for (i, effect) in effects.iter().enumerate() {
        let (table, columns) = effect_columns(effect);
        let _ = write!(sql, ", e{i} AS (INSERT INTO {table} ({columns}) SELECT ");
        placeholders(&mut sql, columns, &mut n);
        sql.push_str(" FROM u)");
    }
    sql.push_str(" SELECT COUNT(*) FROM u");
    sql
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
        let q = bind_change(&sql, state, data, correlation_id, expected_version, effects);
        Ok(q.fetch_one(&self.pool).await? == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_change_numbers_each_effect_s_parameters_after_the_update_s_on_both_backends() {
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
            pg_update_with_effects(&[identity.clone(), device.clone()]),
            "WITH u AS (UPDATE flows SET state = $1, data = $2, version = version + 1 WHERE correlation_id = $3 AND version = $4 RETURNING 1), \
             e0 AS (INSERT INTO identities (identity_id, project_id, correlation_id, data, created_at) SELECT $5, $6, $7, $8, $9 FROM u), \
             e1 AS (INSERT INTO devices (device_id, project_id, phone_number, prove_id, created_at, revoked_at) SELECT $10, $11, $12, $13, $14, $15 FROM u) \
             SELECT COUNT(*) FROM u"
        );
        assert_eq!(
            sqlite_update_with_effects(&[identity, device]),
            "BEGIN IMMEDIATE; UPDATE flows SET state = $1, data = $2, version = version + 1 WHERE correlation_id = $3 AND version = $4 RETURNING version; \
             INSERT INTO identities (identity_id, project_id, correlation_id, data, created_at) SELECT $5, $6, $7, $8, $9 WHERE changes() = 1; \
             INSERT INTO devices (device_id, project_id, phone_number, prove_id, created_at, revoked_at) SELECT $10, $11, $12, $13, $14, $15 WHERE changes() = 1; \
             COMMIT"
        );
    }
}

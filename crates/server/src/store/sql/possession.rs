//! [`PossessionStore`] in SQL, for both backends: flows, identities and devices.
//! Every flow change is one transaction that starts with the conditional update
//! on the flow's version.

use super::{PgStore, SqliteStore};
use crate::store::{
    DeviceRecord, FlowRecord, IdentityRecord, PossessionStore, SideEffect, StoreResult,
};

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
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn get_flow(&self, correlation_id: &str) -> StoreResult<Option<FlowRecord>> {
                let row: Option<FlowRow> = sqlx::query_as("SELECT correlation_id, project_id, kind, state, version, data, auth_token_hash, created_at, expires_at FROM flows WHERE correlation_id = $1")
                    .bind(correlation_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn get_flow_by_auth_token(
                &self,
                token_hash: &str,
            ) -> StoreResult<Option<FlowRecord>> {
                let row: Option<FlowRow> = sqlx::query_as("SELECT correlation_id, project_id, kind, state, version, data, auth_token_hash, created_at, expires_at FROM flows WHERE auth_token_hash = $1")
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
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_expired_flows(&self, before: i64, limit: i64) -> StoreResult<u64> {
                // In batches, so a backlog never holds SQLite's one writer for long;
                // safe for several instances at once (a row is deleted once).
                let r = sqlx::query("DELETE FROM flows WHERE correlation_id IN (SELECT correlation_id FROM flows WHERE expires_at < $1 LIMIT $2)")
                    .bind(before)
                    .bind(limit)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected())
            }
        }
    };
}

possession_sql!(SqliteStore);
possession_sql!(PgStore);

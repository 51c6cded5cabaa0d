//! [`IdempotencyStore`] in SQL, for both backends.

use super::{PgStore, SqliteStore};
use crate::store::{IdempotencyRecord, IdempotencyStore, StoreResult};

/// An `idempotency_keys` row.
#[derive(sqlx::FromRow)]
struct IdempotencyRow {
    project_id: String,
    idem_key: String,
    request_hash: String,
    status: i64,
    body: String,
    expires_at: i64,
}

impl From<IdempotencyRow> for IdempotencyRecord {
    fn from(r: IdempotencyRow) -> IdempotencyRecord {
        IdempotencyRecord {
            project_id: r.project_id,
            key: r.idem_key,
            request_hash: r.request_hash,
            status: r.status,
            body: r.body,
            expires_at: r.expires_at,
        }
    }
}

macro_rules! idempotency_sql {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl IdempotencyStore for $store {
            async fn get_idempotency(
                &self,
                project_id: &str,
                key: &str,
                now: i64,
            ) -> StoreResult<Option<IdempotencyRecord>> {
                let row: Option<IdempotencyRow> = sqlx::query_as("SELECT project_id, idem_key, request_hash, status, body, expires_at FROM idempotency_keys WHERE project_id = $1 AND idem_key = $2 AND expires_at > $3")
                    .bind(project_id)
                    .bind(key)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
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
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }
        }
    };
}

idempotency_sql!(SqliteStore);
idempotency_sql!(PgStore);

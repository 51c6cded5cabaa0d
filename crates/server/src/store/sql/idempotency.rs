//! [`IdempotencyStore`] in SQL, for both backends.
//!
//! A row with a `claim` is in progress and its `expires_at` is the claim's
//! lease; a row without one is a completed response (migration 3 added the
//! column, so rows written before it read as completed). Claiming is one
//! `INSERT … ON CONFLICT DO UPDATE … WHERE expires_at <= now`: both databases
//! serialize it on the primary key, so of concurrent claims one inserts (or
//! takes over an expired row) and every other one changes no row.

use super::{PgStore, SqliteStore};
use crate::store::{
    Claim, IdempotencyEntry, IdempotencyRecord, IdempotencyStore, StoreError, StoreResult,
    StoredAnswer,
};

/// An `idempotency_keys` row.
#[derive(sqlx::FromRow)]
struct IdempotencyRow {
    project_id: String,
    idem_key: String,
    request_hash: String,
    status: i64,
    body: String,
    expires_at: i64,
    claim: Option<String>,
}

impl From<IdempotencyRow> for IdempotencyEntry {
    fn from(r: IdempotencyRow) -> IdempotencyEntry {
        match r.claim {
            Some(_) => IdempotencyEntry::InProgress {
                request_hash: r.request_hash,
                lease_until: r.expires_at,
            },
            None => IdempotencyEntry::Done(IdempotencyRecord {
                project_id: r.project_id,
                key: r.idem_key,
                request_hash: r.request_hash,
                status: r.status,
                body: r.body,
                expires_at: r.expires_at,
            }),
        }
    }
}

/// How often a claim retries when the entry that blocked it is gone before it
/// could be read (released or expired in between); each retry is progress
/// made by another request, so a few are plenty.
const CLAIM_ATTEMPTS: usize = 8;

/// Completes the row of `a`'s project and key with its answer if its claim
/// still holds it (`complete_idempotency`, and `SideEffect::Answer` with a flow
/// change).
pub(super) fn complete<'q, DB: sqlx::Database>(
    a: &'q StoredAnswer,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE idempotency_keys SET status = $1, body = $2, expires_at = $3, claim = NULL WHERE project_id = $4 AND idem_key = $5 AND claim = $6")
        .bind(a.status)
        .bind(a.body.as_str())
        .bind(a.expires_at)
        .bind(a.project_id.as_str())
        .bind(a.key.as_str())
        .bind(a.claim.as_str())
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
            ) -> StoreResult<Option<IdempotencyEntry>> {
                let row: Option<IdempotencyRow> = sqlx::query_as("SELECT project_id, idem_key, request_hash, status, body, expires_at, claim FROM idempotency_keys WHERE project_id = $1 AND idem_key = $2 AND expires_at > $3")
                    .bind(project_id)
                    .bind(key)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn claim_idempotency(
                &self,
                project_id: &str,
                key: &str,
                request_hash: &str,
                claim: &str,
                lease_until: i64,
                now: i64,
            ) -> StoreResult<Claim> {
                for _ in 0..CLAIM_ATTEMPTS {
                    let inserted = sqlx::query("INSERT INTO idempotency_keys (project_id, idem_key, request_hash, status, body, expires_at, claim) VALUES ($1, $2, $3, 0, '', $4, $5) ON CONFLICT (project_id, idem_key) DO UPDATE SET request_hash = excluded.request_hash, status = 0, body = '', expires_at = excluded.expires_at, claim = excluded.claim WHERE idempotency_keys.expires_at <= $6")
                        .bind(project_id)
                        .bind(key)
                        .bind(request_hash)
                        .bind(lease_until)
                        .bind(claim)
                        .bind(now)
                        .execute(&mut *self.write().await?)
                        .await?
                        .rows_affected();
                    if inserted == 1 {
                        return Ok(Claim::Won);
                    }
                    if let Some(entry) = self.get_idempotency(project_id, key, now).await? {
                        return Ok(Claim::Taken(entry));
                    }
                }
                Err(StoreError(sqlx::Error::Protocol(format!(
                    "Idempotency-Key claim: the key changed hands {CLAIM_ATTEMPTS} times in a row"
                ))))
            }

            async fn complete_idempotency(
                &self,
                r: &IdempotencyRecord,
                claim: &str,
            ) -> StoreResult<bool> {
                let answer = StoredAnswer {
                    project_id: r.project_id.clone(),
                    key: r.key.clone(),
                    status: r.status,
                    body: r.body.clone(),
                    expires_at: r.expires_at,
                    claim: claim.to_string(),
                };
                let done = complete(&answer)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn release_idempotency(
                &self,
                project_id: &str,
                key: &str,
                claim: &str,
            ) -> StoreResult<()> {
                sqlx::query("DELETE FROM idempotency_keys WHERE project_id = $1 AND idem_key = $2 AND claim = $3")
                    .bind(project_id)
                    .bind(key)
                    .bind(claim)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn delete_expired_idempotency(
                &self,
                before: i64,
                limit: i64,
            ) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM idempotency_keys WHERE (project_id, idem_key) IN (SELECT project_id, idem_key FROM idempotency_keys WHERE expires_at < $1 LIMIT $2)")
                    .bind(before)
                    .bind(limit)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected())
            }
        }
    };
}

idempotency_sql!(SqliteStore);
idempotency_sql!(PgStore);

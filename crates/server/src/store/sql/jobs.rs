//! [`JobStore`] in SQL, for both backends (migration 0030).
//!
//! A claim is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING`: on
//! PostgreSQL the inner select takes the row `FOR UPDATE SKIP LOCKED`, so
//! concurrent workers each get a different job without waiting for each other;
//! on SQLite the statement runs on the store's one writing connection, and
//! SQLite's database lock serializes it against other processes. Every later
//! change of a claimed job names its `lease_owner` (a token fresh for each
//! claim), so a worker whose lease lapsed and whose job was claimed again
//! writes nothing.

use super::{PgStore, SqliteStore};
use crate::jobs::store::{Finish, JobRecord, JobSpec, JobState, JobStore};
use crate::store::StoreResult;
use std::fmt::Write as _;

/// A `jobs` row.
#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    payload: String,
    ordering_key: Option<String>,
    state: String,
    run_at: i64,
    attempts: i64,
    max_attempts: i64,
    lease_until: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
}

impl From<JobRow> for JobRecord {
    fn from(r: JobRow) -> JobRecord {
        JobRecord {
            id: r.id,
            kind: r.kind,
            payload: r.payload,
            ordering_key: r.ordering_key,
            state: JobState::parse(&r.state),
            run_at: r.run_at,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            lease_until: r.lease_until,
            last_error: r.last_error,
            created_at: r.created_at,
            finished_at: r.finished_at,
        }
    }
}

/// The columns of [`JobRow`].
const COLUMNS: &str = "id, kind, payload, ordering_key, state, run_at, attempts, max_attempts, lease_until, last_error, created_at, finished_at";

macro_rules! on_unique_conflict {
    () => {
        "ON CONFLICT (unique_key) DO UPDATE SET run_at = excluded.run_at \
         WHERE jobs.state = 'queued' AND jobs.run_at > excluded.run_at"
    };
}

/// A new job (seven parameters); a second one with the same unique key brings
/// a queued one's `run_at` forward instead.
pub(super) const INSERT_JOB: &str = concat!(
    "INSERT INTO jobs (kind, payload, ordering_key, unique_key, run_at, max_attempts, created_at, state, attempts) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0) ",
    on_unique_conflict!()
);

/// What enqueueing a job whose unique key exists does (also in a flow
/// change's statement on PostgreSQL).
pub(super) const ON_UNIQUE_CONFLICT: &str = on_unique_conflict!();

/// Binds a job's seven values to `q`, in [`INSERT_JOB`]'s order.
macro_rules! bind_job {
    ($q:expr, $j:expr) => {
        $q.bind($j.kind.as_str())
            .bind($j.payload.as_str())
            .bind($j.ordering_key.as_deref())
            .bind($j.unique_key.as_deref())
            .bind($j.run_at)
            .bind($j.max_attempts)
            .bind($j.created_at)
    };
}

/// [`INSERT_JOB`] for a job that joins a flow change (`SideEffect::Enqueue`).
pub(super) fn enqueue_query<'q, DB: sqlx::Database>(
    j: &'q JobSpec,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    bind_job!(sqlx::query(INSERT_JOB), j)
}

/// The claim statement for `kinds` kinds (parameters `$4…`), with `lock` after
/// the inner select (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
fn claim_sql(kinds: usize, lock: &str) -> String {
    let mut list = String::new();
    for i in 0..kinds {
        let _ = write!(list, "{}${}", if i == 0 { "" } else { ", " }, i + 4);
    }
    format!(
        "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT j.id FROM jobs j WHERE j.kind IN ({list}) \
         AND ((j.state = 'queued' AND j.run_at <= $3) OR (j.state = 'running' AND j.lease_until < $3)) \
         AND (j.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs e WHERE e.ordering_key = j.ordering_key \
         AND e.id < j.id AND e.state IN ('queued', 'running'))) \
         ORDER BY j.run_at, j.id LIMIT 1{lock}) \
         RETURNING {COLUMNS}"
    )
}

/// One `finish_job` update: `$1` the id, `$2` the owner, `$3` a time, then
/// the error when there is one.
macro_rules! finish {
    ($set:literal) => {
        concat!(
            "UPDATE jobs SET ",
            $set,
            ", lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'running'"
        )
    };
}

/// The statement that records `how` at `now`, the time it binds as `$3` and
/// the error it binds as `$4`, if any.
fn finish_sql(how: &Finish, now: i64) -> (&'static str, i64, Option<&str>) {
    match how {
        Finish::Done => (finish!("state = 'done', finished_at = $3"), now, None),
        Finish::Again { run_at } => (
            finish!("state = 'queued', run_at = $3, attempts = 0, last_error = NULL"),
            *run_at,
            None,
        ),
        Finish::Retry { run_at, error } => (
            finish!("state = 'queued', run_at = $3, last_error = $4"),
            *run_at,
            Some(error),
        ),
        Finish::Dead { error } => (
            finish!("state = 'dead', finished_at = $3, last_error = $4"),
            now,
            Some(error),
        ),
        Finish::Release => (
            finish!("state = 'queued', run_at = $3, attempts = attempts - 1"),
            now,
            None,
        ),
    }
}

macro_rules! jobs_sql {
    ($store:ty, $lock:literal) => {
        #[async_trait::async_trait]
        impl JobStore for $store {
            async fn enqueue(&self, job: &JobSpec) -> StoreResult<Option<i64>> {
                let sql = format!("{INSERT_JOB} RETURNING id");
                let id: Option<i64> = bind_job!(sqlx::query_scalar(&sql), job)
                    .fetch_optional(&mut *self.write().await?)
                    .await?;
                Ok(id)
            }

            async fn claim(
                &self,
                kinds: &[String],
                owner: &str,
                now: i64,
                lease_until: i64,
            ) -> StoreResult<Option<JobRecord>> {
                if kinds.is_empty() {
                    return Ok(None);
                }
                let sql = claim_sql(kinds.len(), $lock);
                let mut q = sqlx::query_as::<_, JobRow>(&sql)
                    .bind(owner)
                    .bind(lease_until)
                    .bind(now);
                for k in kinds {
                    q = q.bind(k);
                }
                let row = q.fetch_optional(&mut *self.write().await?).await?;
                Ok(row.map(Into::into))
            }

            async fn renew_lease(
                &self,
                id: i64,
                owner: &str,
                lease_until: i64,
            ) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'")
                    .bind(lease_until)
                    .bind(id)
                    .bind(owner)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn finish_job(
                &self,
                id: i64,
                owner: &str,
                now: i64,
                how: &Finish,
            ) -> StoreResult<bool> {
                let (sql, at, error) = finish_sql(how, now);
                let mut q = sqlx::query(sql).bind(id).bind(owner).bind(at);
                if let Some(e) = error {
                    q = q.bind(e);
                }
                let r = q.execute(&mut *self.write().await?).await?;
                Ok(r.rows_affected() == 1)
            }

            async fn get_job(&self, id: i64) -> StoreResult<Option<JobRecord>> {
                let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
                let row: Option<JobRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn jobs_of_kind(&self, kind: &str, limit: i64) -> StoreResult<Vec<JobRecord>> {
                let sql = format!("SELECT {COLUMNS} FROM jobs WHERE kind = $1 ORDER BY id LIMIT $2");
                let rows: Vec<JobRow> = sqlx::query_as(&sql)
                    .bind(kind)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn delete_done_jobs(&self, before: i64, limit: i64) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'done' AND finished_at < $1 LIMIT $2)")
                    .bind(before)
                    .bind(limit)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected())
            }
        }
    };
}

jobs_sql!(SqliteStore, "");
jobs_sql!(PgStore, " FOR UPDATE SKIP LOCKED");

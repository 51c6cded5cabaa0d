//! The [`JobStore`] trait and its plain records: what the queue needs from the
//! database, implemented for SQLite and PostgreSQL in `store/sql/jobs.rs`.
//!
//! A job is enqueued either on its own ([`JobStore::enqueue`]) or inside the
//! transaction of the change that makes it necessary (a flow change's
//! `SideEffect::Enqueue`), so a crash can never keep the change and lose its job.

use crate::domain::SealKey;
use crate::store::StoreResult;

/// A job to enqueue. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    /// The handler that runs it (registered with `jobs::Registry`).
    pub kind: String,
    /// Its input, opaque to the store. A kind whose payload may carry personal
    /// data seals it with the server key first (`domain::SealKey`).
    pub payload: String,
    /// Jobs with one ordering key run one at a time in the order they were
    /// enqueued: a later one waits for every earlier one to be done or dead.
    pub ordering_key: Option<String>,
    /// A job that exists once under this name (a recurring job): enqueueing it
    /// again while it exists only brings a queued one's `run_at` forward.
    pub unique_key: Option<String>,
    /// Not before.
    pub run_at: i64,
    /// Attempts before it is dead.
    pub max_attempts: i64,
    /// When it was enqueued.
    pub created_at: i64,
}

/// Attempts a job gets unless its [`JobSpec`] says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 10;

impl JobSpec {
    /// A job of `kind` with `payload`, to run at `now_ms`.
    pub fn new(kind: &str, payload: impl Into<String>, now_ms: i64) -> JobSpec {
        JobSpec {
            kind: kind.to_string(),
            payload: payload.into(),
            ordering_key: None,
            unique_key: None,
            run_at: now_ms,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            created_at: now_ms,
        }
    }
    /// A job whose payload may carry personal data: sealed with the server
    /// key, bound to its kind ([`JobRecord::open_payload`] reads it).
    pub fn sealed(kind: &str, key: &SealKey, payload: &[u8], now_ms: i64) -> JobSpec {
        JobSpec::new(kind, key.seal(payload, &seal_context(kind)), now_ms)
    }
    /// The same job, run in order with the other jobs of `key`.
    pub fn ordered_by(mut self, key: impl Into<String>) -> JobSpec {
        self.ordering_key = Some(key.into());
        self
    }
    /// The same job, existing once under `key`.
    pub fn unique(mut self, key: impl Into<String>) -> JobSpec {
        self.unique_key = Some(key.into());
        self
    }
    /// The same job, not before `run_at_ms`.
    pub fn at(mut self, run_at_ms: i64) -> JobSpec {
        self.run_at = run_at_ms;
        self
    }
    /// The same job, dead after `n` failed attempts.
    pub fn max_attempts(mut self, n: i64) -> JobSpec {
        self.max_attempts = n.max(1);
        self
    }
}

/// What a sealed payload is bound to.
fn seal_context(kind: &str) -> String {
    format!("job:{kind}")
}

impl JobRecord {
    /// The payload of a job made with [`JobSpec::sealed`]; `None` when another
    /// key sealed it, it was made for another kind, or it was altered.
    pub fn open_payload(&self, key: &SealKey) -> Option<Vec<u8>> {
        key.open(&self.payload, &seal_context(&self.kind))
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its `run_at` (or its turn under its ordering key).
    Queued,
    /// Claimed by a worker until its lease ends.
    Running,
    /// Finished.
    Done,
    /// Failed its last attempt; kept with its last error.
    Dead,
}

impl JobState {
    /// The `state` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
    /// From the `state` column (an unknown value reads as dead, so it never runs).
    pub fn parse(s: &str) -> JobState {
        match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            _ => JobState::Dead,
        }
    }
}

/// A job as stored. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    /// Its id, increasing in the order jobs were enqueued.
    pub id: i64,
    /// Its kind.
    pub kind: String,
    /// Its payload.
    pub payload: String,
    /// Its ordering key.
    pub ordering_key: Option<String>,
    /// Where it is.
    pub state: JobState,
    /// Not before.
    pub run_at: i64,
    /// Attempts started so far (a claim counts one).
    pub attempts: i64,
    /// Attempts before it is dead.
    pub max_attempts: i64,
    /// The end of the current claim's lease.
    pub lease_until: Option<i64>,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: i64,
    /// When it became done or dead.
    pub finished_at: Option<i64>,
}

/// How a claimed attempt ended, as recorded by [`JobStore::finish_job`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// It succeeded: done.
    Done,
    /// It succeeded and runs again at `run_at` (a recurring job): queued, with
    /// its attempts and last error cleared.
    Again {
        /// Next run.
        run_at: i64,
    },
    /// It failed and is tried again at `run_at`.
    Retry {
        /// Next attempt.
        run_at: i64,
        /// Why it failed.
        error: String,
    },
    /// It failed its last attempt: dead.
    Dead {
        /// Why it failed.
        error: String,
    },
    /// It was not finished (the worker is shutting down): queued again at
    /// once, the attempt not counted.
    Release,
}

/// The durable job queue's storage.
#[async_trait::async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// Enqueues `job`. The id of the job written: the new one, or the existing
    /// job of its unique key, queued, whose `run_at` it brought forward; `None`
    /// when that job was left as it was (running, or due sooner).
    async fn enqueue(&self, job: &JobSpec) -> StoreResult<Option<i64>>;
    /// Claims the next job of one of `kinds` that is due at `now`, or whose
    /// lease lapsed before `now`, and is first under its ordering key: it is
    /// running under `owner` until `lease_until`, one attempt more. Of
    /// concurrent claims (any number of workers and instances) at most one gets
    /// a given job.
    async fn claim(
        &self,
        kinds: &[String],
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> StoreResult<Option<JobRecord>>;
    /// Moves the lease of job `id` to `lease_until` if `owner` still holds it.
    async fn renew_lease(&self, id: i64, owner: &str, lease_until: i64) -> StoreResult<bool>;
    /// Records how `owner`'s attempt at job `id` ended, at `now`; false (nothing
    /// written) when its lease lapsed and another worker claimed the job.
    async fn finish_job(&self, id: i64, owner: &str, now: i64, how: &Finish) -> StoreResult<bool>;
    /// A job by id.
    async fn get_job(&self, id: i64) -> StoreResult<Option<JobRecord>>;
    /// The jobs of `kind`, oldest first, at most `limit`.
    async fn jobs_of_kind(&self, kind: &str, limit: i64) -> StoreResult<Vec<JobRecord>>;
    /// Deletes at most `limit` done jobs that finished before `before` (Unix
    /// milliseconds); dead jobs are kept. Used only by the retention sweeper.
    async fn delete_done_jobs(&self, before: i64, limit: i64) -> StoreResult<u64>;
}

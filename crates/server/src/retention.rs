//! The retention sweeper: what idv keeps only while it is useful is deleted on a
//! schedule, so a copy of the database holds no more than the live data.
//!
//! Each sweep deletes, in batches of [`BATCH`] rows:
//! - flows whose correlation id expired more than the flow grace ago
//!   (`retention_flow_grace`, default 1 hour), finished or not;
//! - access tokens past their expiry;
//! - stored idempotent responses past their expiry;
//! - 1-Click requests whose 60 minutes ended more than the same grace ago
//!   (until then they answer OCE014, after it OCE015);
//! - done jobs of the job queue finished more than [`DONE_JOBS_KEPT_SECS`] ago
//!   (dead jobs are kept with their last error until the operator deletes them).
//!
//! Identities and Prove Keys (devices) are the customer's results and are kept
//! until deleted. The sweeper is a recurring job on the durable queue
//! (`jobs/`): `idv serve` registers its handler ([`register`]) and makes sure
//! the one `retention.sweep` job exists and is due at start ([`schedule`]); each
//! sweep that ends schedules the next after `retention_sweep_interval` (default
//! 5 minutes), and a failed one is tried again after the same interval. Since
//! the job exists once per database and a claim is exclusive, instances that
//! share a database take turns instead of sweeping at once. Each delete is a
//! plain `DELETE … WHERE expires_at < $1` anyway, so a row goes once and a sweep
//! that finds nothing costs one indexed read (migration 0004).
//! A sweep logs what it deleted at `info`, as counts only.

use crate::clock::Clock;
use crate::config::Retention;
use crate::jobs::{JobError, JobSpec, JobStore, Next, Registry, Schedule};
use crate::store::{DynStore, Store, StoreResult};

/// Rows deleted per statement: small enough that a backlog never holds
/// SQLite's single writer for long.
pub const BATCH: i64 = 1000;

/// How long a done job is kept after it finished: a week, to look into what
/// ran recently (seconds).
pub const DONE_JOBS_KEPT_SECS: i64 = 7 * 86_400;

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Flows (past their expiry plus the grace).
    pub flows: u64,
    /// Access tokens.
    pub tokens: u64,
    /// Stored idempotent responses.
    pub idempotency: u64,
    /// 1-Click requests (past their 60 minutes plus the grace).
    pub one_click_requests: u64,
    /// Done jobs.
    pub jobs: u64,
}

/// Deletes in batches until a batch comes back short.
async fn drain<F, Fut>(mut batch: F) -> StoreResult<u64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = StoreResult<u64>>,
{
    let mut total = 0;
    loop {
        let n = batch().await?;
        total += n;
        if n < BATCH as u64 {
            return Ok(total);
        }
    }
}

/// One sweep at `now` (Unix seconds): see the module docs.
pub async fn sweep(store: &dyn Store, now: i64, flow_grace_secs: i64) -> StoreResult<Swept> {
    let flows = drain(|| store.delete_expired_flows(now - flow_grace_secs, BATCH)).await?;
    let tokens = drain(|| store.delete_expired_tokens(now, BATCH)).await?;
    let idempotency = drain(|| store.delete_expired_idempotency(now, BATCH)).await?;
    let one_click_requests =
        drain(|| store.delete_expired_requests(now - flow_grace_secs, BATCH)).await?;
    let done_before = (now - DONE_JOBS_KEPT_SECS).saturating_mul(1000);
    let jobs = drain(|| store.delete_done_jobs(done_before, BATCH)).await?;
    Ok(Swept {
        flows,
        tokens,
        idempotency,
        one_click_requests,
        jobs,
    })
}

/// The sweeper's job kind, and the unique key of its one job.
pub const KIND: &str = "retention.sweep";

/// Registers the sweeper's handler: a sweep at the clock's time, then the next
/// one after `cfg.sweep_interval`; a failed sweep is logged at `warn` by the
/// queue and tried again after the same interval.
pub fn register(registry: &mut Registry, store: DynStore, clock: Clock, cfg: Retention) {
    let grace = i64::try_from(cfg.flow_grace.as_secs()).unwrap_or(i64::MAX / 2);
    let interval = cfg.sweep_interval;
    registry.register(KIND, Schedule::Fixed(vec![interval]), move |_job| {
        let (store, clock) = (store.clone(), clock.clone());
        async move {
            match sweep(store.as_ref(), clock.now(), grace).await {
                Ok(s) if s == Swept::default() => {
                    tracing::debug!("retention sweep: nothing expired")
                }
                Ok(s) => tracing::info!(
                    flows = s.flows,
                    access_tokens = s.tokens,
                    idempotency_records = s.idempotency,
                    one_click_requests = s.one_click_requests,
                    done_jobs = s.jobs,
                    "retention sweep: deleted expired rows"
                ),
                Err(e) => return Err(JobError::new(format!("retention sweep failed: {e}"))),
            }
            Ok(Next::Again(interval))
        }
    });
}

/// Makes sure the sweeper's one job exists and is due now (`idv serve` calls
/// this at start, so the first sweep runs at start, as before the queue).
pub async fn schedule(store: &dyn JobStore, now_ms: i64) -> StoreResult<()> {
    let job = JobSpec::new(KIND, "", now_ms)
        .unique(KIND)
        .max_attempts(i64::MAX);
    store.enqueue(&job).await.map(|_| ())
}

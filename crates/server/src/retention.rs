//! The retention sweeper: what idv keeps only while it is useful is deleted on a
//! schedule, so a copy of the database holds no more than the live data.
//!
//! Each sweep deletes, in batches of [`BATCH`] rows:
//! - flows whose correlation id expired more than the flow grace ago
//!   (`retention_flow_grace`, default 1 hour), finished or not;
//! - access tokens past their expiry;
//! - stored idempotent responses past their expiry;
//! - 1-Click requests whose 60 minutes ended more than the same grace ago
//!   (until then they answer OCE014, after it OCE015).
//!
//! Identities and Prove Keys (devices) are the customer's results and are kept
//! until deleted. `idv serve` starts the sweeper ([`spawn`]) with the
//! `retention_sweep_interval` (default 5 minutes); the first sweep runs at start.
//! Several instances on one PostgreSQL database may sweep at once: each delete
//! is a plain `DELETE … WHERE expires_at < $1`, so a row goes once and a sweep
//! that finds nothing costs one indexed read (migration 0004).
//! A sweep logs what it deleted at `info`, as counts only.

use crate::clock::Clock;
use crate::config::Retention;
use crate::store::{DynStore, Store, StoreResult};
use tokio::task::JoinHandle;

/// Rows deleted per statement: small enough that a backlog never holds
/// SQLite's single writer for long.
pub const BATCH: i64 = 1000;

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
    Ok(Swept {
        flows,
        tokens,
        idempotency,
        one_click_requests,
    })
}

/// Starts the sweeper: a sweep now and then every `cfg.sweep_interval`, until
/// the task is aborted. A failed sweep is logged at `warn` and tried again at
/// the next tick.
pub fn spawn(store: DynStore, clock: Clock, cfg: Retention) -> JoinHandle<()> {
    let grace = i64::try_from(cfg.flow_grace.as_secs()).unwrap_or(i64::MAX / 2);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(cfg.sweep_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep(store.as_ref(), clock.now(), grace).await {
                Ok(s) if s == Swept::default() => {
                    tracing::debug!("retention sweep: nothing expired")
                }
                Ok(s) => tracing::info!(
                    flows = s.flows,
                    access_tokens = s.tokens,
                    idempotency_records = s.idempotency,
                    one_click_requests = s.one_click_requests,
                    "retention sweep: deleted expired rows"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "retention sweep failed; trying again at the next interval")
                }
            }
        }
    })
}

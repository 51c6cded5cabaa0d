//! The worker pool: each worker claims a job, runs its handler as a task of
//! its own (so a panic is a failed attempt, not a dead worker) while renewing
//! the lease, and records how the attempt ended.

use super::{Finish, JobError, JobRecord, JobStore, Next, Registry, Settings};
use crate::clock::unix_now_ms;
use crate::domain::secrets::random_hex;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running pool of workers ([`start`]).
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Stops claiming; a running job gets the pool's shutdown time to finish,
    /// after which it is stopped and put back in the queue. Returns when every
    /// worker has ended.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }

    /// Ends every worker at once, recording nothing and renewing no lease: to
    /// the queue, what a crash does (a claimed job stays claimed until its
    /// lease lapses). A handler already running is left to itself. For tests.
    pub fn abort(self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts `settings.workers` workers over `store` for the kinds of `registry`.
pub fn start(store: Arc<dyn JobStore>, registry: Registry, settings: Settings) -> Workers {
    let (stop, stopped) = watch::channel(false);
    let registry = Arc::new(registry);
    let tasks = (0..settings.workers.max(1))
        .map(|_| {
            tokio::spawn(work(
                store.clone(),
                registry.clone(),
                settings,
                stopped.clone(),
            ))
        })
        .collect();
    Workers { stop, tasks }
}

/// Milliseconds in `d`, as the store counts time.
fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// One worker: claim, run, record, until told to stop.
async fn work(
    store: Arc<dyn JobStore>,
    registry: Arc<Registry>,
    settings: Settings,
    mut stop: watch::Receiver<bool>,
) {
    let kinds = registry.names();
    loop {
        // Told to stop, or the pool dropped without a word: either way, stop.
        if *stop.borrow() || stop.has_changed().is_err() {
            return;
        }
        // A fresh owner token per claim: a lapsed claim's late answer can
        // never be taken for the new claim's.
        let owner = random_hex(12);
        let now = unix_now_ms();
        match store
            .claim(&kinds, &owner, now, now + ms(settings.lease))
            .await
        {
            Ok(Some(job)) => run(&*store, &registry, settings, &mut stop, job, &owner).await,
            Ok(None) => idle(&mut stop, settings.poll).await,
            Err(e) => {
                tracing::warn!(error = %e, "job queue: claiming failed; trying again");
                idle(&mut stop, settings.poll).await;
            }
        }
    }
}

/// Waits `poll`, or less when told to stop.
async fn idle(stop: &mut watch::Receiver<bool>, poll: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(poll) => {}
        _ = stop.changed() => {}
    }
}

/// Runs one claimed job to its end (or to the shutdown deadline) and records
/// the outcome under `owner`.
async fn run(
    store: &dyn JobStore,
    registry: &Registry,
    settings: Settings,
    stop: &mut watch::Receiver<bool>,
    job: JobRecord,
    owner: &str,
) {
    let Some(kind) = registry.kinds.get(&job.kind).cloned() else {
        return; // Unreachable: only registered kinds are claimed.
    };
    let (id, attempt, max_attempts) = (job.id, job.attempts, job.max_attempts);
    let kind_name = job.kind.clone();
    if attempt > max_attempts {
        // Its last attempt's worker died (the claim lapsed): that was the last.
        let error = "its worker stopped during the last attempt (the lease lapsed)".to_string();
        tracing::warn!(job = id, kind = %kind_name, error = %error, "job queue: the job is dead");
        record(store, id, owner, &kind_name, &Finish::Dead { error }).await;
        return;
    }
    let mut handler = tokio::spawn((kind.handler)(job));
    let mut beat = tokio::time::interval((settings.lease / 3).max(Duration::from_millis(10)));
    beat.tick().await;
    let mut deadline: Option<tokio::time::Instant> = None;
    let result = loop {
        tokio::select! {
            r = &mut handler => break r,
            _ = beat.tick() => {
                match store.renew_lease(id, owner, unix_now_ms() + ms(settings.lease)).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job = id, kind = %kind_name, "job queue: the lease lapsed and another worker claimed the job; this attempt's outcome will not be recorded"),
                    Err(e) => tracing::warn!(job = id, kind = %kind_name, error = %e, "job queue: renewing the lease failed"),
                }
            }
            _ = stop.changed(), if deadline.is_none() => {
                deadline = Some(tokio::time::Instant::now() + settings.shutdown);
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                handler.abort();
                tracing::warn!(job = id, kind = %kind_name, "job queue: shutting down; the running job did not finish in time and goes back to the queue");
                record(store, id, owner, &kind_name, &Finish::Release).await;
                return;
            }
        }
    };
    let now = unix_now_ms();
    let how = match result {
        Ok(Ok(Next::Done)) => Finish::Done,
        Ok(Ok(Next::Again(after))) => Finish::Again {
            run_at: now + ms(after),
        },
        Ok(Err(e)) => failed(&kind.schedule, attempt, max_attempts, now, e),
        Err(_) => failed(
            &kind.schedule,
            attempt,
            max_attempts,
            now,
            JobError::new("the handler panicked"),
        ),
    };
    match &how {
        Finish::Retry { run_at, error } => {
            tracing::warn!(job = id, kind = %kind_name, attempt, error = %error, retry_in_ms = run_at - now, "job queue: attempt failed; retrying")
        }
        Finish::Dead { error } => {
            tracing::warn!(job = id, kind = %kind_name, attempt, error = %error, "job queue: last attempt failed; the job is dead")
        }
        _ => tracing::debug!(job = id, kind = %kind_name, "job queue: job finished"),
    }
    record(store, id, owner, &kind_name, &how).await;
}

/// A failed attempt: retried on the kind's schedule, or dead after the last.
fn failed(
    schedule: &super::Schedule,
    attempt: i64,
    max_attempts: i64,
    now: i64,
    e: JobError,
) -> Finish {
    if attempt >= max_attempts {
        Finish::Dead { error: e.message }
    } else {
        Finish::Retry {
            run_at: now + ms(schedule.delay(attempt, e.retry_after)),
            error: e.message,
        }
    }
}

/// Records `how`; a lapsed claim records nothing (the job's new owner will).
async fn record(store: &dyn JobStore, id: i64, owner: &str, kind: &str, how: &Finish) {
    match store.finish_job(id, owner, unix_now_ms(), how).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            job = id,
            kind,
            "job queue: the lease lapsed before the attempt ended; its outcome is not recorded"
        ),
        Err(e) => {
            tracing::warn!(job = id, kind, error = %e, "job queue: recording the outcome failed; the job runs again after its lease")
        }
    }
}

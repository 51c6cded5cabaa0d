//! The durable job queue (DESIGN section 5): work that must happen after a
//! request and survive a crash (the document pipeline, webhook delivery,
//! sweepers) is a row in the database, not a task in memory.
//!
//! A job is enqueued in the transaction of the change that makes it necessary
//! (a flow change's `SideEffect::Enqueue`, or [`JobStore::enqueue`] alone),
//! claimed by one worker with a lease ([`JobStore::claim`]: `FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, the single writer on SQLite), kept claimed while its
//! handler runs (the worker renews the lease every third of it), retried on
//! its kind's [`Schedule`] when the handler fails, and dead, with its last
//! error kept, after its last attempt. A worker that dies leaves its job
//! claimed until the lease lapses; then any worker claims it again (a claim
//! counts as an attempt, so a job whose workers keep dying ends dead too).
//! A payload that may carry personal data is sealed ([`JobSpec::sealed`]). Jobs with
//! one ordering key run one at a time, in the order they were enqueued.
//!
//! `idv serve` starts [`Settings::workers`] workers ([`start`]) over a
//! [`Registry`] of handlers, one per job kind. On shutdown a running job has
//! until [`Settings::shutdown`] to finish; after that it is stopped and put
//! back in the queue, the attempt not counted.
//!
//! apalis 1.0 was evaluated first and not used: see ARCHITECTURE.md.

pub mod store;
mod worker;

pub use store::{Finish, JobRecord, JobSpec, JobState, JobStore};
pub use worker::{Workers, start};

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// The worker pool's settings (`jobs_workers`, `jobs_lease`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Workers, each running one job at a time (`jobs_workers`, default 2).
    pub workers: usize,
    /// How long a claim holds a job before another worker may take it
    /// (`jobs_lease`, default 30 s); renewed every third of it while the
    /// handler runs, so it only lapses when the worker is gone.
    pub lease: Duration,
    /// How long an idle worker waits before it looks for a job again.
    pub poll: Duration,
    /// How long a running job may take to finish once shutdown begins
    /// (`idv serve` uses its `shutdown_timeout`).
    pub shutdown: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            workers: 2,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            shutdown: Duration::from_secs(10),
        }
    }
}

/// What a handler that succeeded asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The job is done.
    Done,
    /// Run the job again after this delay (a recurring job).
    Again(Duration),
}

/// Why an attempt failed. The message is stored with the job and logged, so it
/// must carry no personal data or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    /// What went wrong.
    pub message: String,
    /// The delay the failing party asked for (an HTTP `Retry-After`), honoured
    /// up to twice the scheduled delay.
    pub retry_after: Option<Duration>,
}

impl JobError {
    /// A failure with `message`.
    pub fn new(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// When a kind's failed attempts are tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `first`, then doubling up to `max`, each delay drawn between half and
    /// all of it (jitter, so failures of many jobs at once do not retry at
    /// once).
    Exponential {
        /// Delay after the first failure.
        first: Duration,
        /// Longest delay.
        max: Duration,
    },
    /// These delays after the first, second, … failure; the last repeats.
    Fixed(Vec<Duration>),
}

impl Schedule {
    /// The delay before the attempt after failed attempt `attempt` (1 for the
    /// first), `retry_after` honoured up to twice the scheduled delay.
    pub fn delay(&self, attempt: i64, retry_after: Option<Duration>) -> Duration {
        let n = usize::try_from(attempt.max(1) - 1).unwrap_or(usize::MAX);
        let scheduled = match self {
            Schedule::Exponential { first, max } => {
                let full = first
                    .checked_mul(1u32 << n.min(30))
                    .unwrap_or(*max)
                    .min(*max);
                let half = full / 2;
                let spread = (full - half).as_millis() as u64;
                half + Duration::from_millis(rand::random_range(0..=spread))
            }
            Schedule::Fixed(delays) => delays.get(n).or(delays.last()).copied().unwrap_or_default(),
        };
        match retry_after {
            Some(asked) => asked.min(scheduled * 2),
            None => scheduled,
        }
    }
}

/// A handler's future.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<Next, JobError>> + Send>>;

/// A registered kind: its handler and retry schedule.
struct Kind {
    handler: Box<dyn Fn(JobRecord) -> JobFuture + Send + Sync>,
    schedule: Schedule,
}

/// The handlers of every job kind this instance runs. A worker claims only
/// the kinds registered here.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: HashMap<String, Arc<Kind>>,
}

impl Registry {
    /// Registers `handler` for jobs of `kind`, retried on `schedule`.
    pub fn register<F, Fut>(&mut self, kind: &str, schedule: Schedule, handler: F)
    where
        F: Fn(JobRecord) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Next, JobError>> + Send + 'static,
    {
        let kind_entry = Kind {
            handler: Box::new(move |job| Box::pin(handler(job))),
            schedule,
        };
        self.kinds.insert(kind.to_string(), Arc::new(kind_entry));
    }

    /// The registered kinds' names.
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.kinds.keys().cloned().collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_delays_double_up_to_the_cap_with_jitter_in_the_upper_half() {
        let s = Schedule::Exponential {
            first: Duration::from_secs(1),
            max: Duration::from_secs(10),
        };
        for (attempt, full) in [
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (5, 10_000),
            (60, 10_000),
        ] {
            for _ in 0..50 {
                let d = s.delay(attempt, None).as_millis() as u64;
                assert!(
                    (full / 2..=full).contains(&d),
                    "attempt {attempt}: {d} ms within [{}, {full}]",
                    full / 2
                );
            }
        }
    }

    #[test]
    fn fixed_delays_follow_the_list_and_retry_after_is_honoured_up_to_twice_the_delay() {
        let s = Schedule::Fixed(vec![Duration::from_secs(5), Duration::from_secs(300)]);
        assert_eq!(s.delay(1, None), Duration::from_secs(5));
        assert_eq!(s.delay(2, None), Duration::from_secs(300));
        assert_eq!(s.delay(7, None), Duration::from_secs(300));
        assert_eq!(
            s.delay(1, Some(Duration::from_secs(8))),
            Duration::from_secs(8)
        );
        assert_eq!(
            s.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(10)
        );
        assert_eq!(
            s.delay(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
    }
}

//! The durable job queue (`jobs/`) on real SQLite and PostgreSQL: exclusive
//! claims, a dead worker's job claimed again after its lease, retries on the
//! kind's schedule, dead jobs with their last error, enqueueing inside a flow
//! change's transaction, per-key order and graceful shutdown.
//!
//! The handlers here are test job kinds registered by the tests. A handler
//! that fails on purpose stands for a provider failure (an extraction service
//! or a webhook receiver that is down), which no real component can be made
//! to produce on demand.

use crate::harness::Db;
use idv_server::clock::unix_now_ms;
use idv_server::jobs::{
    JobError, JobRecord, JobSpec, JobState, Next, Registry, Schedule, Settings, Workers, start,
};
use idv_server::store::{DynStore, FlowRecord, Project, SideEffect};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod claims;
mod outcomes;

/// Settings for tests: a short lease and a quick poll.
pub fn fast(workers: usize) -> Settings {
    Settings {
        workers,
        lease: Duration::from_millis(1000),
        poll: Duration::from_millis(20),
        shutdown: Duration::from_secs(2),
    }
}

/// Waits (at most `secs`) until job `id` satisfies `done`, and returns it.
pub async fn wait_for(
    store: &DynStore,
    id: i64,
    secs: u64,
    what: &str,
    done: impl Fn(&JobRecord) -> bool,
) -> JobRecord {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let job = store.get_job(id).await.unwrap().expect("the job exists");
        if done(&job) {
            return job;
        }
        assert!(Instant::now() < deadline, "{what} within {secs} s: {job:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Enqueues `spec`, returning its id.
pub async fn enqueue(store: &DynStore, spec: JobSpec) -> i64 {
    store.enqueue(&spec).await.unwrap().expect("a new job")
}

/// Counts the runs of each job id.
#[derive(Clone, Default)]
pub struct Runs(Arc<Mutex<HashMap<i64, u32>>>);

impl Runs {
    pub fn add(&self, id: i64) {
        *self.0.lock().unwrap().entry(id).or_default() += 1;
    }
    pub fn of(&self, id: i64) -> u32 {
        self.0.lock().unwrap().get(&id).copied().unwrap_or(0)
    }
}

/// A registry with one kind whose handler counts its runs, taking `hold` each.
pub fn counting(kind: &str, runs: &Runs, hold: Duration) -> Registry {
    let mut r = Registry::default();
    let runs = runs.clone();
    r.register(
        kind,
        Schedule::Fixed(vec![Duration::from_millis(50)]),
        move |job: JobRecord| {
            let runs = runs.clone();
            async move {
                tokio::time::sleep(hold).await;
                runs.add(job.id);
                Ok(Next::Done)
            }
        },
    );
    r
}

/// A handler that fails its first `failures` attempts (a provider that is
/// down), recording when each attempt started.
pub fn flaky(
    kind: &str,
    failures: u32,
    schedule: Schedule,
    times: Arc<Mutex<Vec<Instant>>>,
) -> Registry {
    let mut r = Registry::default();
    r.register(kind, schedule, move |_| {
        let times = times.clone();
        async move {
            let n = {
                let mut t = times.lock().unwrap();
                t.push(Instant::now());
                t.len() as u32
            };
            if n <= failures {
                Err(JobError::new(format!("provider unavailable (attempt {n})")))
            } else {
                Ok(Next::Done)
            }
        }
    });
    r
}

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

/// Settings for tests: a short lease and a quick poll.
fn fast(workers: usize) -> Settings {
    Settings {
        workers,
        lease: Duration::from_millis(1000),
        poll: Duration::from_millis(20),
        shutdown: Duration::from_secs(2),
    }
}

/// Waits (at most `secs`) until job `id` satisfies `done`, and returns it.
async fn wait_for(
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
async fn enqueue(store: &DynStore, spec: JobSpec) -> i64 {
    store.enqueue(&spec).await.unwrap().expect("a new job")
}

/// Counts the runs of each job id.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<HashMap<i64, u32>>>);

impl Runs {
    fn add(&self, id: i64) {
        *self.0.lock().unwrap().entry(id).or_default() += 1;
    }
    fn of(&self, id: i64) -> u32 {
        self.0.lock().unwrap().get(&id).copied().unwrap_or(0)
    }
}

/// A registry with one kind whose handler counts its runs, taking `hold` each.
fn counting(kind: &str, runs: &Runs, hold: Duration) -> Registry {
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

#[tokio::test]
async fn workers_of_two_instances_racing_for_jobs_run_each_exactly_once() {
    for db in Db::all("jobs race") {
        // Two stores on one database: two instances, four workers in all.
        let (a, b) = (db.open().await, db.open().await);
        let runs = Runs::default();
        let mut ids = Vec::new();
        for i in 0..20 {
            ids.push(enqueue(&a, JobSpec::new("test.race", format!("{i}"), unix_now_ms())).await);
        }
        let hold = Duration::from_millis(30);
        let wa = start(a.clone(), counting("test.race", &runs, hold), fast(2));
        let wb = start(b.clone(), counting("test.race", &runs, hold), fast(2));
        for &id in &ids {
            let job = wait_for(&a, id, 30, "the job is done", |j| j.state == JobState::Done).await;
            assert_eq!(job.attempts, 1, "{}: one claim of job {id}", db.name());
        }
        wa.shutdown().await;
        wb.shutdown().await;
        for &id in &ids {
            assert_eq!(runs.of(id), 1, "{}: job {id} ran exactly once", db.name());
        }
        a.close().await;
        b.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_dead_worker_s_job_is_claimed_again_after_its_lease_and_runs_once_to_completion() {
    for db in Db::all("jobs dead worker") {
        let store = db.open().await;
        let id = enqueue(&store, JobSpec::new("test.crash", "", unix_now_ms())).await;
        // The first instance starts the job and dies in the middle of it.
        let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
        let started_tx = Arc::new(Mutex::new(Some(started_tx)));
        let mut dying = Registry::default();
        dying.register("test.crash", Schedule::Fixed(vec![]), move |_| {
            let tx = started_tx.lock().unwrap().take();
            async move {
                if let Some(tx) = tx {
                    let _ = tx.send(());
                }
                std::future::pending::<Result<Next, JobError>>().await
            }
        });
        let first = start(store.clone(), dying, fast(1));
        started.await.expect("the first worker started the job");
        first.abort();
        let died_at = Instant::now();
        let claimed = store.get_job(id).await.unwrap().unwrap();
        assert_eq!(claimed.state, JobState::Running, "{}", db.name());
        // A second instance's worker finds it once the lease has lapsed.
        let runs = Runs::default();
        let second = start(
            store.clone(),
            counting("test.crash", &runs, Duration::ZERO),
            fast(1),
        );
        let job = wait_for(&store, id, 10, "the job is done", |j| {
            j.state == JobState::Done
        })
        .await;
        let waited = died_at.elapsed();
        second.shutdown().await;
        assert!(
            waited >= Duration::from_millis(600),
            "{}: not claimed again before the lease lapsed ({waited:?})",
            db.name()
        );
        assert_eq!(runs.of(id), 1, "{}: ran to completion once", db.name());
        assert_eq!(
            job.attempts,
            2,
            "{}: the dead worker's attempt counts",
            db.name()
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_job_whose_worker_dies_during_its_last_attempt_is_dead_not_run_again() {
    for db in Db::all("jobs dead worker, last attempt") {
        let store = db.open().await;
        let spec = JobSpec::new("test.crash", "", unix_now_ms()).max_attempts(1);
        let id = enqueue(&store, spec).await;
        let mut dying = Registry::default();
        dying.register("test.crash", Schedule::Fixed(vec![]), |_| {
            std::future::pending::<Result<Next, JobError>>()
        });
        let first = start(store.clone(), dying, fast(1));
        wait_for(&store, id, 5, "the job is claimed", |j| {
            j.state == JobState::Running
        })
        .await;
        first.abort();
        let runs = Runs::default();
        let second = start(
            store.clone(),
            counting("test.crash", &runs, Duration::ZERO),
            fast(1),
        );
        let job = wait_for(&store, id, 10, "the job is dead", |j| {
            j.state == JobState::Dead
        })
        .await;
        second.shutdown().await;
        assert_eq!(
            runs.of(id),
            0,
            "{}: not run past its last attempt",
            db.name()
        );
        assert_eq!(
            job.last_error.as_deref(),
            Some("its worker stopped during the last attempt (the lease lapsed)"),
            "{}",
            db.name()
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_sealed_payload_is_not_at_rest_in_clear_and_its_handler_reads_it() {
    for db in Db::all("jobs sealed payload") {
        let store = db.open().await;
        let key = crate::harness::test_key();
        let secret = b"Jane Roe, 123-45-6789";
        let id = enqueue(
            &store,
            JobSpec::sealed("test.sealed", &key, secret, unix_now_ms()),
        )
        .await;
        let stored = store.get_job(id).await.unwrap().unwrap();
        assert!(
            !stored.payload.contains("123-45-6789"),
            "{}: {}",
            db.name(),
            stored.payload
        );
        let seen = Arc::new(Mutex::new(None));
        let mut r = Registry::default();
        let (seen2, key2) = (seen.clone(), key.clone());
        r.register(
            "test.sealed",
            Schedule::Fixed(vec![]),
            move |job: JobRecord| {
                *seen2.lock().unwrap() = job.open_payload(&key2);
                async { Ok(Next::Done) }
            },
        );
        let w = start(store.clone(), r, fast(1));
        wait_for(&store, id, 5, "the job is done", |j| {
            j.state == JobState::Done
        })
        .await;
        w.shutdown().await;
        assert_eq!(
            seen.lock().unwrap().as_deref(),
            Some(&secret[..]),
            "{}",
            db.name()
        );
        // Another key, or the payload moved to another kind, opens nothing.
        assert_eq!(
            stored.open_payload(&idv_server::domain::SealKey::random()),
            None
        );
        let moved = JobRecord {
            kind: "test.other".into(),
            ..stored
        };
        assert_eq!(moved.open_payload(&key), None);
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_retention_sweep_deletes_done_jobs_after_a_week_and_keeps_dead_ones() {
    for db in Db::all("jobs swept") {
        let store = db.open().await;
        let done = enqueue(&store, JobSpec::new("test.swept", "", unix_now_ms())).await;
        let dead = enqueue(
            &store,
            JobSpec::new("test.dead", "", unix_now_ms()).max_attempts(1),
        )
        .await;
        let mut registry = counting("test.swept", &Runs::default(), Duration::ZERO);
        registry.register("test.dead", Schedule::Fixed(vec![]), |_| async {
            Err(JobError::new("provider unavailable"))
        });
        let w = start(store.clone(), registry, fast(1));
        wait_for(&store, done, 5, "done", |j| j.state == JobState::Done).await;
        wait_for(&store, dead, 5, "dead", |j| j.state == JobState::Dead).await;
        w.shutdown().await;
        let now = idv_server::clock::unix_now();
        let sweep = |at| idv_server::retention::sweep(store.as_ref(), at, 3600);
        assert_eq!(
            sweep(now + 6 * 86_400).await.unwrap().jobs,
            0,
            "{}: kept for a week",
            db.name()
        );
        assert_eq!(
            sweep(now + 8 * 86_400).await.unwrap().jobs,
            1,
            "{}",
            db.name()
        );
        assert_eq!(store.get_job(done).await.unwrap(), None, "{}", db.name());
        let kept = store
            .get_job(dead)
            .await
            .unwrap()
            .expect("the dead job is kept");
        assert_eq!(kept.state, JobState::Dead, "{}", db.name());
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_job_running_longer_than_its_lease_keeps_it_while_its_worker_lives() {
    for db in Db::all("jobs heartbeat") {
        let (a, b) = (db.open().await, db.open().await);
        let id = enqueue(&a, JobSpec::new("test.long", "", unix_now_ms())).await;
        let runs = Runs::default();
        // 2.5 leases long; the other instance's worker polls all the while.
        let wa = start(
            a.clone(),
            counting("test.long", &runs, Duration::from_millis(2500)),
            fast(1),
        );
        wait_for(&a, id, 5, "the job is claimed", |j| {
            j.state == JobState::Running
        })
        .await;
        let wb = start(
            b.clone(),
            counting("test.long", &runs, Duration::ZERO),
            fast(1),
        );
        let job = wait_for(&a, id, 10, "the job is done", |j| j.state == JobState::Done).await;
        wa.shutdown().await;
        wb.shutdown().await;
        assert_eq!(runs.of(id), 1, "{}: nobody else ran it", db.name());
        assert_eq!(job.attempts, 1, "{}: one claim", db.name());
        a.close().await;
        b.close().await;
        db.cleanup().await;
    }
}

/// A handler that fails its first `failures` attempts (a provider that is
/// down), recording when each attempt started.
fn flaky(
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

#[tokio::test]
async fn a_failed_attempt_is_retried_with_backoff_until_it_succeeds() {
    for db in Db::all("jobs retry") {
        let store = db.open().await;
        let id = enqueue(&store, JobSpec::new("test.flaky", "", unix_now_ms())).await;
        let times = Arc::new(Mutex::new(Vec::new()));
        let schedule = Schedule::Exponential {
            first: Duration::from_millis(300),
            max: Duration::from_secs(5),
        };
        let w = start(
            store.clone(),
            flaky("test.flaky", 2, schedule, times.clone()),
            fast(2),
        );
        let job = wait_for(&store, id, 15, "the job is done", |j| {
            j.state == JobState::Done
        })
        .await;
        w.shutdown().await;
        let t = times.lock().unwrap().clone();
        assert_eq!(t.len(), 3, "{}: two failures, then success", db.name());
        assert_eq!(job.attempts, 3, "{}", db.name());
        // Backoff with jitter: at least half of 300 ms, then of 600 ms.
        assert!(
            t[1] - t[0] >= Duration::from_millis(150),
            "{}: {:?}",
            db.name(),
            t[1] - t[0]
        );
        assert!(
            t[2] - t[1] >= Duration::from_millis(300),
            "{}: {:?}",
            db.name(),
            t[2] - t[1]
        );
        assert!(
            t[2] - t[1] > t[1] - t[0] || t[2] - t[1] >= Duration::from_millis(300),
            "{}: the delay grows",
            db.name()
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_job_that_fails_every_attempt_is_dead_after_its_last_with_the_error_kept() {
    for db in Db::all("jobs dead") {
        let store = db.open().await;
        let spec = JobSpec::new("test.down", "", unix_now_ms()).max_attempts(3);
        let id = enqueue(&store, spec).await;
        let times = Arc::new(Mutex::new(Vec::new()));
        let schedule = Schedule::Fixed(vec![Duration::from_millis(50)]);
        let w = start(
            store.clone(),
            flaky("test.down", u32::MAX, schedule, times.clone()),
            fast(2),
        );
        let job = wait_for(&store, id, 10, "the job is dead", |j| {
            j.state == JobState::Dead
        })
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        w.shutdown().await;
        assert_eq!(
            times.lock().unwrap().len(),
            3,
            "{}: three attempts, no more",
            db.name()
        );
        assert_eq!(job.attempts, 3, "{}", db.name());
        assert_eq!(
            job.last_error.as_deref(),
            Some("provider unavailable (attempt 3)"),
            "{}",
            db.name()
        );
        assert!(job.finished_at.is_some(), "{}", db.name());
        store.close().await;
        db.cleanup().await;
    }
}

/// A flow to change, in a project of its own.
async fn a_flow(store: &DynStore) -> FlowRecord {
    let now = idv_server::clock::unix_now();
    store
        .insert_project(&Project {
            id: "prj_jobs".into(),
            name: "jobs".into(),
            region: "us".into(),
            tier: "sandbox".into(),
            solution: "prefill".into(),
            countries: vec!["*".into()],
            created_at: now,
        })
        .await
        .unwrap();
    let f = FlowRecord {
        correlation_id: "cid-jobs".into(),
        project_id: "prj_jobs".into(),
        kind: "prefill".into(),
        state: "started".into(),
        version: 1,
        data: "{}".into(),
        auth_token_hash: "hash-jobs".into(),
        created_at: now,
        expires_at: now + 900,
    };
    store.insert_flow(&f).await.unwrap();
    f
}

#[tokio::test]
async fn a_job_enqueued_in_a_change_that_does_not_commit_does_not_exist() {
    for db in Db::all("jobs rollback") {
        let store = db.open().await;
        let f = a_flow(&store).await;
        let job = || SideEffect::Enqueue(JobSpec::new("test.pipeline", "v1", unix_now_ms()));
        // Another request moved the flow first: the change writes nothing.
        let moved = store
            .update_flow(&f.correlation_id, f.version + 7, "done", "{}", &[job()])
            .await
            .unwrap();
        assert!(!moved, "{}", db.name());
        // The insert fails (the correlation id exists): its transaction rolls back.
        assert!(
            store.insert_flow_with(&f, &[job()]).await.is_err(),
            "{}",
            db.name()
        );
        let jobs = store.jobs_of_kind("test.pipeline", 10).await.unwrap();
        assert!(
            jobs.is_empty(),
            "{}: no job without its change: {jobs:?}",
            db.name()
        );
        // The change that commits brings its job.
        let moved = store
            .update_flow(&f.correlation_id, f.version, "done", "{}", &[job()])
            .await
            .unwrap();
        assert!(moved, "{}", db.name());
        let jobs = store.jobs_of_kind("test.pipeline", 10).await.unwrap();
        assert_eq!(jobs.len(), 1, "{}", db.name());
        assert_eq!(
            (jobs[0].payload.as_str(), jobs[0].state),
            ("v1", JobState::Queued)
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn jobs_with_one_ordering_key_run_one_at_a_time_in_order_even_through_a_retry() {
    for db in Db::all("jobs order") {
        let store = db.open().await;
        // Runs: (key, seq, started, ended) of each successful attempt.
        type Log = Arc<Mutex<Vec<(String, u32, Instant, Instant)>>>;
        let log: Log = Arc::default();
        let failed_once = Arc::new(Mutex::new(false));
        let mut r = Registry::default();
        let (log2, failed2) = (log.clone(), failed_once.clone());
        r.register(
            "test.ordered",
            Schedule::Fixed(vec![Duration::from_millis(200)]),
            move |job: JobRecord| {
                let (log, failed) = (log2.clone(), failed2.clone());
                async move {
                    let started = Instant::now();
                    let seq: u32 = job.payload.parse().unwrap();
                    let key = job.ordering_key.clone().unwrap();
                    // The second job of v1 fails once (its provider is down).
                    if key == "v1"
                        && seq == 1
                        && !std::mem::replace(&mut *failed.lock().unwrap(), true)
                    {
                        return Err(JobError::new("provider unavailable"));
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    log.lock()
                        .unwrap()
                        .push((key, seq, started, Instant::now()));
                    Ok(Next::Done)
                }
            },
        );
        let mut ids = Vec::new();
        for seq in 0..5 {
            for key in ["v1", "v2"] {
                let spec =
                    JobSpec::new("test.ordered", seq.to_string(), unix_now_ms()).ordered_by(key);
                ids.push(enqueue(&store, spec).await);
            }
        }
        let w = start(store.clone(), r, fast(4));
        for &id in &ids {
            wait_for(&store, id, 20, "the job is done", |j| {
                j.state == JobState::Done
            })
            .await;
        }
        w.shutdown().await;
        let log = log.lock().unwrap().clone();
        for key in ["v1", "v2"] {
            let runs: Vec<_> = log.iter().filter(|r| r.0 == key).collect();
            let seqs: Vec<u32> = runs.iter().map(|r| r.1).collect();
            assert_eq!(seqs, vec![0, 1, 2, 3, 4], "{}: {key} in order", db.name());
            for pair in runs.windows(2) {
                assert!(
                    pair[1].2 >= pair[0].3,
                    "{}: {key}: one at a time",
                    db.name()
                );
            }
        }
        assert!(
            *failed_once.lock().unwrap(),
            "{}: the retry happened",
            db.name()
        );
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn shutdown_lets_a_short_job_finish_and_puts_a_long_one_back_in_the_queue() {
    for db in Db::all("jobs shutdown") {
        let store = db.open().await;
        let runs = Runs::default();
        let settings = Settings {
            shutdown: Duration::from_millis(500),
            ..fast(1)
        };
        // A job that finishes within the deadline is done.
        let short = enqueue(&store, JobSpec::new("test.short", "", unix_now_ms())).await;
        let w: Workers = start(
            store.clone(),
            counting("test.short", &runs, Duration::from_millis(200)),
            settings,
        );
        wait_for(&store, short, 5, "the job is claimed", |j| {
            j.state == JobState::Running
        })
        .await;
        w.shutdown().await;
        let job = store.get_job(short).await.unwrap().unwrap();
        assert_eq!(job.state, JobState::Done, "{}", db.name());
        // One that would outlast it goes back to the queue, the attempt not counted.
        let long = enqueue(&store, JobSpec::new("test.long", "", unix_now_ms())).await;
        let w = start(
            store.clone(),
            counting("test.long", &runs, Duration::from_secs(30)),
            settings,
        );
        wait_for(&store, long, 5, "the job is claimed", |j| {
            j.state == JobState::Running
        })
        .await;
        let t = Instant::now();
        w.shutdown().await;
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "{}: {:?}",
            db.name(),
            t.elapsed()
        );
        let job = store.get_job(long).await.unwrap().unwrap();
        assert_eq!(
            (job.state, job.attempts),
            (JobState::Queued, 0),
            "{}",
            db.name()
        );
        assert_eq!(runs.of(long), 0, "{}", db.name());
        // And the next instance runs it.
        let w = start(
            store.clone(),
            counting("test.long", &runs, Duration::ZERO),
            fast(1),
        );
        wait_for(&store, long, 5, "the job is done", |j| {
            j.state == JobState::Done
        })
        .await;
        w.shutdown().await;
        assert_eq!(runs.of(long), 1, "{}", db.name());
        store.close().await;
        db.cleanup().await;
    }
}

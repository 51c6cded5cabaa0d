//! Who runs a job: exclusive claims, leases and their renewal, a dead
//! worker's job, per-key order, shutdown.

use super::*;

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

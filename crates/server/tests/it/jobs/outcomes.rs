//! What becomes of a job: retries, dead jobs, enqueueing in a transaction,
//! sealed payloads, done jobs swept.

use super::*;

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

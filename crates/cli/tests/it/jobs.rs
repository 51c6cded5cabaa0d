//! The job queue across a crash of the real binary: kill -9 `idv serve` in the
//! middle of a job (a retention sweep with a large backlog, the one job kind
//! the binary runs today), start it again, and the job is claimed again once
//! its lease lapses and runs to completion once.

use sqlx::Connection;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Expired stored responses put in the database before the sweep: enough
/// that the sweep (batches of 1,000) is still running when it is killed.
const BACKLOG: i64 = 100_000;

/// A running `idv serve`, killed if the test fails before it stops it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts `idv serve` on `db`, its stderr lines collected in the returned log.
fn serve(db: &str, dir: &std::path::Path) -> (Server, Arc<Mutex<Vec<String>>>) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idv"));
    for (k, _) in std::env::vars() {
        if k.starts_with("IDV__") || k == "RUST_LOG" {
            c.env_remove(k);
        }
    }
    let mut child = c
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .env("IDV__SECRET_KEY_FILE", dir.join("server.key"))
        .env("IDV__LOG", "info")
        .env("IDV__JOBS_LEASE", "1")
        .env("IDV__RETENTION_SWEEP_INTERVAL", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (stderr, log2) = (child.stderr.take().unwrap(), log.clone());
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            log2.lock().unwrap().push(line);
        }
    });
    (Server(child), log)
}

/// The sweeper job's (state, attempts, run_at, created_at) and the stored
/// responses left; `None` until the server has created them.
async fn look(db: &str) -> Option<(String, i64, i64, i64, i64)> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("{db}?mode=ro"))
        .await
        .ok()?;
    let job: (String, i64, i64, i64) = sqlx::query_as(
        "SELECT state, attempts, run_at, created_at FROM jobs WHERE unique_key = 'retention.sweep'",
    )
    .fetch_one(&mut conn)
    .await
    .ok()?;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM idempotency_keys")
        .fetch_one(&mut conn)
        .await
        .ok()?;
    let _ = conn.close().await;
    Some((job.0, job.1, job.2, job.3, left))
}

/// Waits up to `secs` until `done` holds for [`look`]'s answer.
async fn until(
    db: &str,
    secs: u64,
    what: &str,
    done: impl Fn(&(String, i64, i64, i64, i64)) -> bool,
) -> (String, i64, i64, i64, i64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let seen = look(db).await;
        if let Some(seen) = seen.as_ref().filter(|s| done(s)) {
            return seen.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{what} within {secs} s: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn kill(server: &mut Server, signal: &str) {
    assert!(
        Command::new("kill")
            .args([signal, &server.0.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
}

#[tokio::test]
async fn kill_9_in_the_middle_of_a_job_and_the_next_start_runs_it_to_completion_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    // A first start creates the database and the sweeper's job, and sweeps.
    let (mut first, _) = serve(&db, dir.path());
    until(&db, 30, "the first sweep", |s| s.0 == "queued" && s.2 > s.3).await;
    kill(&mut first, "-TERM");
    assert!(first.0.wait().unwrap().success());
    // A backlog of expired stored responses.
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO idempotency_keys (project_id, idem_key, request_hash, status, body, expires_at) \
         SELECT 'prj', 'key-' || i, 'h', 200, '{}', 1 FROM n",
    )
    .bind(BACKLOG)
    .execute(&mut conn)
    .await
    .unwrap();
    let _ = conn.close().await;
    // The second start sweeps at once; kill -9 it in the middle of the sweep.
    let (mut second, _) = serve(&db, dir.path());
    until(&db, 30, "the sweep under way", |s| {
        s.0 == "running" && s.4 < BACKLOG
    })
    .await;
    kill(&mut second, "-KILL");
    let _ = second.0.wait();
    let killed = look(&db).await.expect("the database");
    eprintln!(
        "killed with {} of {BACKLOG} stored responses left",
        killed.4
    );
    assert_eq!(killed.0, "running", "killed mid-sweep: {killed:?}");
    assert!(
        killed.4 > 0,
        "the sweep had not finished when it was killed: {killed:?}"
    );
    // The third start claims it again once the lease has lapsed and finishes it.
    let (mut third, log) = serve(&db, dir.path());
    let done = until(&db, 60, "the sweep finished", |s| {
        s.0 == "queued" && s.4 == 0
    })
    .await;
    assert_eq!(
        done.1, 0,
        "a finished recurring job starts its next run afresh: {done:?}"
    );
    kill(&mut third, "-TERM");
    assert!(third.0.wait().unwrap().success());
    let log = log.lock().unwrap().clone();
    let sweeps: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("retention sweep: deleted expired rows"))
        .collect();
    assert_eq!(sweeps.len(), 1, "one sweep finished the job: {log:#?}");
    assert!(
        sweeps[0].contains(&format!("idempotency_records={}", killed.4)),
        "{sweeps:?}"
    );
}

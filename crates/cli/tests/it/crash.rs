//! `kill -9` under load: 16 clients run Pre-Fill flows against the real `idv
//! serve`, each sending every POST with an Idempotency-Key and journaling every
//! answer it received (2xx: acknowledged). About 2 s in, the server gets
//! SIGKILL; it is restarted on the same database and every acknowledged write
//! is checked: each access token still works, each journaled request sent again
//! with its key gets the same stored answer byte for byte, and each flow's next
//! step is accepted where the journal says the flow is. The request each client
//! had in flight at the kill (unacknowledged) is retried with its key, as a
//! client would: it gets its stored answer (it had committed), runs now, or
//! gets the 409 while the dead process's claim lasts, and then it has not taken
//! effect (its change and its stored answer are one transaction). On SQLite, and on PostgreSQL when
//! `IDV_TEST_DATABASE_URL` is set (in a schema of its own).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const WORKERS: usize = 16;
const LOAD: Duration = Duration::from_secs(2);
/// Acknowledged writes the load must reach before the kill (a busy machine
/// takes longer than `LOAD` to get there).
const MIN_ACKED: usize = 8 * WORKERS;
/// The longest the load runs before the kill, whatever it reached.
const LOAD_MAX: Duration = Duration::from_secs(60);
/// The documented Pre-Fill example user.
const TOD: &str = "2001001695";

/// `idv` with the caller's `IDV__*` settings removed, on `db`, with the server
/// key in `key_file`.
fn idv(db: &str, key_file: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idv"));
    for (k, _) in std::env::vars() {
        if k.starts_with("IDV__") || k == "RUST_LOG" {
            c.env_remove(k);
        }
    }
    c.env("IDV__DATABASE", db)
        .env("IDV__SECRET_KEY_FILE", key_file);
    c
}

/// Starts `idv serve`; the child and the address it logged.
fn serve(db: &str, key_file: &std::path::Path) -> (Child, String) {
    let mut child = idv(db, key_file)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("IDV__LOG", "warn,idv_server::serve=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if line.contains("listening")
                && let Some(a) = line
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("addr="))
            {
                let _ = tx.send(a.to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("idv serve logs its address");
    (child, format!("http://{addr}"))
}

/// One request as sent: path, Idempotency-Key and body bytes.
#[derive(Debug, Clone)]
struct Sent {
    path: &'static str,
    key: String,
    body: String,
}

/// An acknowledged request and its answer.
#[derive(Debug, Clone)]
struct Acked {
    sent: Sent,
    status: u16,
    answer: String,
}

/// The steps of a Pre-Fill flow, in order.
const STEPS: [&str; 4] = ["/v3/start", "/v3/validate", "/v3/challenge", "/v3/complete"];

/// One flow as the client saw it.
#[derive(Debug, Default, Clone)]
struct Flow {
    cid: Option<String>,
    /// How many of `STEPS` were acknowledged.
    acked: usize,
    individual: Value,
    identity: Option<String>,
    /// The request in flight when the server died.
    in_flight: Option<Sent>,
}

/// One client's journal.
#[derive(Debug, Default)]
struct Journal {
    token: String,
    acked: Vec<Acked>,
    flows: Vec<Flow>,
}

/// The body of `step` for `flow`.
fn body_of(step: &str, flow: &Flow) -> String {
    let cid = flow.cid.clone().unwrap_or_default();
    match step {
        "/v3/start" => json!({"flowType": "mobile", "phoneNumber": TOD}),
        "/v3/validate" => json!({"correlationId": cid}),
        "/v3/challenge" => json!({"correlationId": cid, "dob": "1981-01", "ssn": "0596"}),
        _ => json!({"correlationId": cid, "individual": flow.individual}),
    }
    .to_string()
}

/// Sends `sent`; `None` when the server did not answer. A 429 is waited out
/// and sent again (the edge refused it before anything ran).
async fn send(http: &reqwest::Client, base: &str, token: &str, s: &Sent) -> Option<(u16, String)> {
    loop {
        let r = http
            .post(format!("{base}{}", s.path))
            .bearer_auth(token)
            .header("idempotency-key", &s.key)
            .header("content-type", "application/json")
            .body(s.body.clone())
            .send()
            .await
            .ok()?;
        let status = r.status().as_u16();
        let text = r.text().await.ok()?;
        if status != 429 {
            return Some((status, text));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `GET path` with `token`, waiting out 429s; the status.
async fn get(http: &reqwest::Client, base: &str, token: &str, path: &str) -> u16 {
    loop {
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("the restarted server answers");
        if r.status() != 429 {
            return r.status().as_u16();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Runs flows until the server stops answering; the client's journal.
async fn client(
    base: String,
    id: String,
    secret: String,
    n: usize,
    acks: Arc<AtomicUsize>,
) -> Journal {
    let http = reqwest::Client::new();
    let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let r = http
        .post(format!("{base}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("the server is up");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let mut j = Journal {
        token: v["access_token"].as_str().unwrap().to_string(),
        ..Journal::default()
    };
    for f in 0.. {
        let mut flow = Flow::default();
        for (i, step) in STEPS.iter().enumerate() {
            let sent = Sent {
                path: step,
                key: format!("crash-{n}-{f}-{i}"),
                body: body_of(step, &flow),
            };
            let Some((status, answer)) = send(&http, &base, &j.token, &sent).await else {
                flow.in_flight = Some(sent);
                j.flows.push(flow);
                return j;
            };
            assert_eq!(status, 200, "{step} under load: {answer}");
            let v: Value = serde_json::from_str(&answer).unwrap();
            match *step {
                "/v3/start" => flow.cid = v["correlationId"].as_str().map(String::from),
                "/v3/challenge" => flow.individual = v["individual"].clone(),
                "/v3/complete" => flow.identity = v["identityId"].as_str().map(String::from),
                _ => {}
            }
            flow.acked = i + 1;
            acks.fetch_add(1, Ordering::Relaxed);
            j.acked.push(Acked {
                sent,
                status,
                answer,
            });
        }
        j.flows.push(flow);
    }
    unreachable!()
}

/// What the check after the restart counted.
#[derive(Debug, Default)]
struct Counts {
    acknowledged: usize,
    verified: usize,
    lost: Vec<String>,
    in_flight_stored_or_ran: usize,
    in_flight_still_claimed: usize,
    in_flight_took_effect: usize,
}

/// Checks one client's journal against the restarted server at `base`.
async fn verify(base: String, mut j: Journal) -> Counts {
    let http = reqwest::Client::new();
    let mut c = Counts::default();
    // The token (an acknowledged write) still authenticates.
    c.acknowledged += 1;
    let probe = get(&http, &base, &j.token, &format!("/v3/identity/{NOBODY}")).await;
    if probe == 404 {
        c.verified += 1;
    } else {
        c.lost.push(format!("access token: {probe}"));
    }
    // Every acknowledged request, sent again with its key: the stored answer.
    for a in &j.acked {
        c.acknowledged += 1;
        match send(&http, &base, &j.token, &a.sent).await {
            Some((status, answer)) if status == a.status && answer == a.answer => c.verified += 1,
            other => c
                .lost
                .push(format!("{} {}: {other:?}", a.sent.path, a.sent.key)),
        }
    }
    // The request in flight at the kill, retried with its key as a client
    // would: its stored answer or a first run (200), or 409 while the dead
    // process's claim holds the key (its lease, 60 s).
    for flow in &mut j.flows {
        let Some(sent) = flow.in_flight.clone() else {
            continue;
        };
        match send(&http, &base, &j.token, &sent).await {
            Some((200, answer)) => {
                c.in_flight_stored_or_ran += 1;
                let v: Value = serde_json::from_str(&answer).unwrap();
                match sent.path {
                    "/v3/start" => flow.cid = v["correlationId"].as_str().map(String::from),
                    "/v3/challenge" => flow.individual = v["individual"].clone(),
                    "/v3/complete" => flow.identity = v["identityId"].as_str().map(String::from),
                    _ => {}
                }
                flow.acked += 1;
                flow.in_flight = None;
            }
            Some((409, _)) => c.in_flight_still_claimed += 1,
            other => c.lost.push(format!("in flight {}: {other:?}", sent.path)),
        }
    }
    // Each flow is where the journal says (or one step further, when the
    // request in flight took effect): its next step is accepted.
    for flow in &j.flows {
        let Some(cid) = &flow.cid else { continue };
        if flow.acked == STEPS.len() {
            let id = flow.identity.as_deref().unwrap_or_default();
            let status = get(&http, &base, &j.token, &format!("/v3/identity/{id}")).await;
            if status != 200 {
                c.lost.push(format!("identity {id} of {cid}: {status}"));
            }
            continue;
        }
        let step = STEPS[flow.acked];
        let sent = Sent {
            path: step,
            key: format!("check-{cid}"),
            body: body_of(step, flow),
        };
        let (status, answer) = send(&http, &base, &j.token, &sent)
            .await
            .expect("the restarted server answers");
        let v: Value = serde_json::from_str(&answer).unwrap_or_default();
        let after = STEPS
            .get(flow.acked + 1)
            .map(|s| s.trim_start_matches('/').replace('/', "-"));
        let in_flight = flow.in_flight.as_ref().is_some_and(|s| s.path == step);
        let took_effect = in_flight
            && match (status, v["code"].as_i64(), &after) {
                (403, Some(8003), Some(next)) => v["next"].get(next).is_some(),
                (403, Some(8008), None) => true,
                _ => false,
            };
        if status == 200 {
            continue;
        } else if took_effect {
            c.in_flight_took_effect += 1;
        } else {
            c.lost.push(format!("{cid} next {step}: {status} {answer}"));
        }
    }
    c
}

/// A well-formed identity id that names nothing.
const NOBODY: &str = "00000000-0000-4000-8000-000000000000";

/// The whole test on `db`: load, kill, restart, verify; the counts.
async fn crash_and_check(db: &str, dir: &std::path::Path) -> Counts {
    let key_file = dir.join("server.key");
    let out = idv(db, &key_file)
        .args([
            "admin",
            "client",
            "create",
            "--database",
            db,
            "--json",
            "--count",
        ])
        .arg(WORKERS.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clients: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (s("client_id"), s("client_secret"))
        })
        .collect();
    let (mut child, base) = serve(db, &key_file);
    let started = Instant::now();
    let acks = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(n, (id, secret))| tokio::spawn(client(base.clone(), id, secret, n, acks.clone())))
        .collect();
    // At least LOAD of load, and enough acknowledged writes to mean something
    // however busy the machine is (bounded by LOAD_MAX).
    tokio::time::sleep(LOAD).await;
    while acks.load(Ordering::Relaxed) < MIN_ACKED && started.elapsed() < LOAD_MAX {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let mut journals = Vec::new();
    for h in load {
        journals.push(h.await.expect("a client"));
    }
    let (mut child, base) = serve(db, &key_file);
    let checks: Vec<_> = journals
        .into_iter()
        .map(|j| tokio::spawn(verify(base.clone(), j)))
        .collect();
    let mut total = Counts::default();
    for h in checks {
        let c = h.await.expect("a check");
        total.acknowledged += c.acknowledged;
        total.verified += c.verified;
        total.lost.extend(c.lost);
        total.in_flight_stored_or_ran += c.in_flight_stored_or_ran;
        total.in_flight_still_claimed += c.in_flight_still_claimed;
        total.in_flight_took_effect += c.in_flight_took_effect;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!(
        "crash test on {}: {} acknowledged writes, {} verified, {} lost; in flight at the kill: \
         {} stored or ran on retry, {} still claimed (409), {} had taken effect; {:?} in all",
        db.split(':').next().unwrap_or_default(),
        total.acknowledged,
        total.verified,
        total.lost.len(),
        total.in_flight_stored_or_ran,
        total.in_flight_still_claimed,
        total.in_flight_took_effect,
        started.elapsed()
    );
    total
}

fn assert_nothing_lost(c: &Counts) {
    assert!(c.lost.is_empty(), "lost acknowledged writes: {:#?}", c.lost);
    assert_eq!(c.verified, c.acknowledged);
    // A change and its stored answer are one transaction: a request whose key
    // is still claimed after the crash never took effect.
    assert_eq!(c.in_flight_took_effect, 0, "{c:?}");
    // Enough load to mean something: a token and some flows per client.
    assert!(c.acknowledged > 4 * WORKERS, "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_write_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let c = crash_and_check(&db, dir.path()).await;
    assert_nothing_lost(&c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_write_on_postgres() {
    use sqlx::Connection;
    let url = match std::env::var("IDV_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            eprintln!(
                "skipping the PostgreSQL crash test: IDV_TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)"
            );
            return;
        }
    };
    let schema = format!("idv_crash_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("IDV_TEST_DATABASE_URL is set but PostgreSQL is unusable: {e}"));
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&mut admin)
        .await
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let db = format!("{url}{sep}options[search_path]={schema}");
    let dir = tempfile::tempdir().unwrap();
    let c = crash_and_check(&db, dir.path()).await;
    sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
    assert_nothing_lost(&c);
}

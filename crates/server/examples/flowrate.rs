//! An open-loop load of complete Pre-Fill flows, for `bench/flows-rate.sh`.
//!
//! wrk and hey keep a fixed number of requests in flight (a closed loop): when
//! the server stalls, they stop sending, so a stall shows up as one slow request
//! instead of all the requests that should have been sent meanwhile. This starts
//! a new flow (start → validate → challenge → complete, each step sent when the
//! previous one is answered) every 1/RATE seconds whatever the server does, and
//! measures every request. The first request of a flow is timed from when it was
//! due, not from when it was sent, so a late generator counts against the
//! server's latency rather than hiding it.
//!
//! ```text
//! flowrate BASE_URL TOKENS_FILE FLOWS_PER_SECOND SECONDS
//! ```
//!
//! It prints one line, `RESULT offered=… flows=… p50=… p90=… p99=… max=… sent=…
//! errors=… late=…` (latencies in milliseconds; `flows` is completed flows per
//! second; `late` counts flows whose start was sent more than 1 ms after it was
//! due, a sign that the generator itself could not keep up).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What every flow shares.
struct Shared {
    http: reqwest::Client,
    base: String,
    tokens: Vec<String>,
    next_token: AtomicUsize,
    /// Latency of every answered request, microseconds.
    latencies: Mutex<Vec<u64>>,
    errors: AtomicUsize,
    completed: AtomicUsize,
    late: AtomicUsize,
}

impl Shared {
    /// Sends one step; its latency counts from `since`. The answer's JSON, or
    /// `None` (counted as an error) for anything but a 200.
    async fn step(&self, path: &str, body: Value, since: Instant) -> Option<Value> {
        let i = self.next_token.fetch_add(1, Ordering::Relaxed);
        let token = &self.tokens[i % self.tokens.len()];
        let sent = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await;
        let answer = match sent {
            Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
            Ok(r) => {
                let _ = r.bytes().await;
                None
            }
            Err(_) => None,
        };
        let micros = since.elapsed().as_micros() as u64;
        self.latencies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(micros);
        if answer.is_none() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        answer
    }

    /// One complete Pre-Fill flow, its start due at `due`.
    async fn flow(&self, due: Instant) {
        if due.elapsed() > Duration::from_millis(1) {
            self.late.fetch_add(1, Ordering::Relaxed);
        }
        let Some(started) = self
            .step(
                "/v3/start",
                json!({"flowType": "mobile", "phoneNumber": "2001001695"}),
                due,
            )
            .await
        else {
            return;
        };
        let Some(cid) = started["correlationId"].as_str().map(str::to_string) else {
            return;
        };
        let steps = [
            ("/v3/validate", json!({"correlationId": cid})),
            (
                "/v3/challenge",
                json!({"correlationId": cid, "dob": "1981-01", "ssn": "0596"}),
            ),
            (
                "/v3/complete",
                json!({"correlationId": cid,
                       "individual": {"firstName": "Tod", "lastName": "Weedall"}}),
            ),
        ];
        for (path, body) in steps {
            if self.step(path, body, Instant::now()).await.is_none() {
                return;
            }
        }
        self.completed.fetch_add(1, Ordering::Relaxed);
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, tokens, rate, seconds] = args.as_slice() else {
        eprintln!("usage: flowrate BASE_URL TOKENS_FILE FLOWS_PER_SECOND SECONDS");
        std::process::exit(2);
    };
    let tokens: Vec<String> = std::fs::read_to_string(tokens)
        .expect("read the tokens file")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert!(!tokens.is_empty(), "the tokens file is empty");
    let rate: f64 = rate.parse().expect("FLOWS_PER_SECOND is a number");
    let seconds: f64 = seconds.parse().expect("SECONDS is a number");
    let shared = Arc::new(Shared {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()
            .expect("HTTP client"),
        base: base.trim_end_matches('/').to_string(),
        tokens,
        next_token: AtomicUsize::new(0),
        latencies: Mutex::new(Vec::new()),
        errors: AtomicUsize::new(0),
        completed: AtomicUsize::new(0),
        late: AtomicUsize::new(0),
    });
    // One thread: the generator shares the machine with the server and should
    // take as little of it as it can.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let total = (rate * seconds).round() as u64;
    rt.block_on(async {
        let begin = Instant::now();
        let mut flows = Vec::with_capacity(total as usize);
        for n in 0..total {
            let due = begin + Duration::from_secs_f64(n as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
            let shared = shared.clone();
            flows.push(tokio::spawn(async move { shared.flow(due).await }));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for f in flows {
            let _ = tokio::time::timeout_at(deadline.into(), f).await;
        }
    });
    let mut lat = std::mem::take(&mut *shared.latencies.lock().unwrap_or_else(|e| e.into_inner()));
    lat.sort_unstable();
    println!(
        "RESULT offered={rate} flows={:.1} p50={:.2} p90={:.2} p99={:.2} max={:.2} sent={} errors={} late={}",
        shared.completed.load(Ordering::Relaxed) as f64 / seconds,
        percentile(&lat, 50.0),
        percentile(&lat, 90.0),
        percentile(&lat, 99.0),
        percentile(&lat, 100.0),
        lat.len(),
        shared.errors.load(Ordering::Relaxed),
        shared.late.load(Ordering::Relaxed),
    );
}

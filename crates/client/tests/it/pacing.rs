//! 200 concurrent calls through one client against the real server (25 requests
//! per second per OAuth client): with pacing, none meets a 429 and they take about
//! 8 s; without, they all still succeed through `Retry-After` handling.

use crate::real::RealServer;
use idv_client::{Client, Pacing, RetryPolicy};
use std::time::{Duration, Instant};

const CALLS: usize = 200;

/// Enrols an identity through a Pre-Fill flow, then reads it 200 times at once;
/// returns the time the 200 reads took.
async fn run(c: &Client) -> Duration {
    let id = crate::server::prefill(c).await;
    // The flow spent part of the client's burst; let it refill, so the reads
    // start with the whole burst as the margin for scheduling jitter.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let t = Instant::now();
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let c = c.clone();
            let id = id.clone();
            tokio::spawn(async move { c.possession().identity(&id).await })
        })
        .collect();
    for call in calls {
        let identity = call
            .await
            .expect("join")
            .expect("no error reaches the caller");
        assert_eq!(identity.identity_id.as_deref(), Some(id.as_str()));
    }
    t.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_calls_never_meet_429_and_take_the_advertised_time() {
    let srv = RealServer::start().await;
    let c = Client::builder()
        .base_url(&srv.url)
        .credentials(srv.credentials("prefill").await)
        .pacing(Pacing::Advertised)
        .build()
        .expect("client");
    let elapsed = run(&c).await;
    assert_eq!(c.stats().rate_limited, 0, "the server sent no 429");
    // 200 calls, 40 ms apart: 8 s ± 10 %.
    assert!(
        elapsed >= Duration::from_millis(7200) && elapsed <= Duration::from_millis(8800),
        "{elapsed:?}"
    );
    eprintln!("paced: {CALLS} calls in {elapsed:?}, 0 × 429");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaced_calls_all_succeed_through_retry_after() {
    let srv = RealServer::start().await;
    let c = Client::builder()
        .base_url(&srv.url)
        .credentials(srv.credentials("prefill").await)
        .retry(RetryPolicy::default())
        .build()
        .expect("client");
    let elapsed = run(&c).await;
    let sent = c.stats().rate_limited;
    assert!(
        sent > 0,
        "the server sent 429s and the client waited them out"
    );
    eprintln!("unpaced: {CALLS} calls in {elapsed:?}; the server sent {sent} × 429");
}

//! Slow and stalled clients against the real accept loop on a loopback port:
//! the head, body and idle timeouts close their connections (with timeouts of
//! about a second, set as `idv serve` would from its configuration), and
//! thousands of stalled connections do not keep a well-behaved client waiting.

use crate::harness::TestServer;
use idv_server::conn::{ConnLimits, open_file_limit};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn limits(header: f64, body: f64, idle: f64) -> ConnLimits {
    ConnLimits {
        header_timeout: Duration::from_secs_f64(header),
        body_timeout: Duration::from_secs_f64(body),
        idle_timeout: Duration::from_secs_f64(idle),
        ..ConnLimits::default()
    }
}

fn addr(srv: &TestServer) -> SocketAddr {
    srv.base.trim_start_matches("http://").parse().unwrap()
}

/// Reads until the server closes the connection (or `within` passes, which
/// fails the test); returns what was read and when the close came.
async fn read_until_closed(s: &mut TcpStream, within: Duration) -> (Vec<u8>, Instant) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let end = Instant::now() + within;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, Instant::now()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "the server did not close the connection within {within:?}; read {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
}

/// Reads one whole response (head and `Content-Length` body) from a
/// kept-alive connection.
async fn read_response(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("a response in time")
            .expect("read");
        assert!(n > 0, "closed before a whole response: {got:?}");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .expect("a Content-Length");
            if got.len() >= end + 4 + len {
                return text;
            }
        }
    }
}

const GET_MISSING: &[u8] = b"GET /no-such-path HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test]
async fn a_head_sent_one_byte_at_a_time_is_cut_off_at_the_head_timeout() {
    let srv = TestServer::with_limits(limits(1.0, 30.0, 30.0)).await;
    let s = TcpStream::connect(addr(&srv)).await.unwrap();
    let (mut r, mut w) = s.into_split();
    let started = Instant::now();
    // Four bytes a second: the head would take over ten seconds.
    let trickle = tokio::spawn(async move {
        for b in b"GET /openapi.json HTTP/1.1\r\nHost: example\r\n\r\n" {
            if w.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    let mut got = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), r.read_to_end(&mut got)).await;
    let elapsed = started.elapsed();
    assert!(closed.is_ok(), "not closed within 5 s");
    assert!(
        got.is_empty(),
        "no answer: {:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "closed after {elapsed:?}, expected about 1 s"
    );
    trickle.abort();
    srv.stop().await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_head_timeout() {
    let srv = TestServer::with_limits(limits(1.0, 30.0, 30.0)).await;
    let mut s = TcpStream::connect(addr(&srv)).await.unwrap();
    let started = Instant::now();
    let (got, at) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(got.is_empty());
    let elapsed = at - started;
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    srv.stop().await;
}

/// Sends `head`, then one byte of body every `every`, until the server
/// closes the connection; asserts it closed without an answer within 5 s and
/// returns how long after the head it did.
async fn trickle_until_cut(srv: &TestServer, head: &[u8], every: Duration) -> Duration {
    let s = TcpStream::connect(addr(srv)).await.unwrap();
    let (mut r, mut w) = s.into_split();
    w.write_all(head).await.unwrap();
    let started = Instant::now();
    let trickle = tokio::spawn(async move {
        loop {
            if w.write_all(b"x").await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
    let mut got = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), r.read_to_end(&mut got)).await;
    let elapsed = started.elapsed();
    trickle.abort();
    assert!(closed.is_ok(), "not closed within 5 s");
    assert!(
        got.is_empty(),
        "closed without an answer: {:?}",
        String::from_utf8_lossy(&got)
    );
    elapsed
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_at_the_body_timeout() {
    let srv = TestServer::with_limits(limits(5.0, 1.0, 30.0)).await;
    // POST /token reads its form body at the edge, so the server is waiting
    // for all 4,000 announced bytes; ten bytes a second is above no minimum
    // rate here (the window, 5 s, is longer than the body timeout).
    let elapsed = trickle_until_cut(&srv, &token_head(4000), Duration::from_millis(100)).await;
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "closed after {elapsed:?}, expected about 1 s"
    );
    // A prompt client is still served.
    let resp = srv
        .http
        .get(format!("{}/openapi.json", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    srv.stop().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_at_the_idle_timeout() {
    // The idle allowance (1.5 s) is longer than the head's (0.6 s): waiting
    // between requests is not sending a head slowly.
    let srv = TestServer::with_limits(limits(0.6, 30.0, 1.5)).await;
    let mut s = TcpStream::connect(addr(&srv)).await.unwrap();
    s.write_all(GET_MISSING).await.unwrap();
    let first = read_response(&mut s).await;
    assert!(first.starts_with("HTTP/1.1 404"), "{first}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    s.write_all(GET_MISSING).await.unwrap();
    let second = read_response(&mut s).await;
    assert!(
        second.starts_with("HTTP/1.1 404"),
        "still open after 1 s idle: {second}"
    );
    let answered = Instant::now();
    let (got, at) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(got.is_empty());
    let idle = at - answered;
    assert!(
        idle >= Duration::from_millis(1400) && idle < Duration::from_secs(3),
        "closed after {idle:?} idle, expected about 1.5 s"
    );
    srv.stop().await;
}

/// Opens a connection from `local` (another loopback address, so the
/// stalled connections have a peer address of their own) and sends half a
/// request head.
async fn stalled(local: std::net::IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    sock.bind(SocketAddr::new(local, 0))?;
    let mut s = sock.connect(to).await?;
    s.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: ex")
        .await?;
    Ok(s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_stalled_connections_do_not_delay_a_prompt_client() {
    // Both ends live in this process: two descriptors per stalled connection.
    let wanted = 2_000usize;
    let count = match open_file_limit() {
        Some(limit) if (limit as usize) < 2 * wanted + 200 => {
            let n = (limit as usize).saturating_sub(200) / 2;
            eprintln!(
                "the open-file limit is {limit}: using {n} stalled connections instead of {wanted} (raise it with `ulimit -n 4400` for the full test)"
            );
            n
        }
        _ => wanted,
    };
    let srv = TestServer::with_limits(ConnLimits {
        header_timeout: Duration::from_secs(30),
        max_connections: count + 100,
        max_connections_per_peer: count + 100,
        ..ConnLimits::default()
    })
    .await;
    let to = addr(&srv);
    let other = "127.0.0.2".parse().unwrap();
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        held.push(stalled(other, to).await.expect("a stalled connection"));
    }
    // Let the server accept the last of them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let resp = srv
        .http
        .get(format!("{}/openapi.json", srv.base))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let _ = resp.bytes().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(status, 200);
    assert!(
        elapsed < Duration::from_secs(1),
        "a prompt client waited {elapsed:?} behind {count} stalled connections"
    );
    // The stalled connections were held (not shed): the server is still
    // waiting for the rest of their heads.
    let mut buf = [0u8; 1];
    for s in held.iter_mut().step_by(100) {
        assert!(
            tokio::time::timeout(Duration::from_millis(10), s.read(&mut buf))
                .await
                .is_err(),
            "a stalled connection was closed early"
        );
    }
    drop(held);
    srv.stop().await;
}

#[tokio::test]
async fn connections_over_the_per_peer_cap_are_closed_at_once() {
    let srv = TestServer::with_limits(ConnLimits {
        max_connections_per_peer: 3,
        ..ConnLimits::default()
    })
    .await;
    let to = addr(&srv);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(stalled("127.0.0.2".parse().unwrap(), to).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let mut over = stalled("127.0.0.2".parse().unwrap(), to).await.unwrap();
    let (got, at) = read_until_closed(&mut over, Duration::from_secs(2)).await;
    assert!(got.is_empty());
    assert!(at - started < Duration::from_millis(500));
    // Another address is not affected.
    let resp = srv
        .http
        .get(format!("{}/openapi.json", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A slot given back is usable again.
    held.pop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = stalled("127.0.0.2".parse().unwrap(), to).await.unwrap();
    let mut buf = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), again.read(&mut buf))
            .await
            .is_err(),
        "admitted again once a connection closed"
    );
    // Hung up, the stalled connections do not hold up the shutdown.
    drop((held, again));
    tokio::time::timeout(Duration::from_secs(3), srv.stop())
        .await
        .expect("stopped at once");
}

#[tokio::test]
async fn shutdown_closes_a_stalled_connection_at_the_deadline() {
    let srv = TestServer::with_limits(ConnLimits {
        header_timeout: Duration::from_secs(30),
        shutdown_timeout: Duration::from_secs(1),
        ..ConnLimits::default()
    })
    .await;
    let to = addr(&srv);
    let mut s = stalled("127.0.0.1".parse().unwrap(), to).await.unwrap();
    // An idle kept-alive connection closes at once on shutdown.
    let mut idle = TcpStream::connect(to).await.unwrap();
    idle.write_all(GET_MISSING).await.unwrap();
    read_response(&mut idle).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let stop = tokio::spawn(srv.stop());
    let (_, idle_at) = read_until_closed(&mut idle, Duration::from_secs(3)).await;
    assert!(idle_at - started < Duration::from_millis(500));
    let (got, at) = read_until_closed(&mut s, Duration::from_secs(3)).await;
    assert!(got.is_empty());
    let elapsed = at - started;
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    tokio::time::timeout(Duration::from_secs(2), stop)
        .await
        .expect("serve returned")
        .unwrap();
}

#[tokio::test]
async fn each_request_carries_its_connection_peer_address() {
    // Requests without a token are rate-limited per peer address, which the
    // edge reads from the connection info this layer puts on each request: a
    // burst from 127.0.0.2 spends 127.0.0.2's budget, not 127.0.0.1's.
    let srv = TestServer::start().await;
    let from = |ip: &str| {
        reqwest::Client::builder()
            .local_address(ip.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let url = format!("{}/openapi.json", srv.base);
    let burst = |client: reqwest::Client, n: usize| {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let req = client.get(&url);
                tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
            })
            .collect();
        async move {
            let mut limited = 0;
            for t in tasks {
                if t.await.unwrap() == 429 {
                    limited += 1;
                }
            }
            limited
        }
    };
    let limited = burst(from("127.0.0.2"), 60).await;
    assert!(limited > 0, "a burst of 60 from one address is limited");
    // The budget refills one request per 40 ms: had both addresses shared it,
    // most of these 20 would be limited.
    let limited = burst(from("127.0.0.1"), 20).await;
    assert_eq!(limited, 0, "another address has a budget of its own");
    srv.stop().await;
}

/// Limits with a minimum body rate of `rate` bytes a second over `window`
/// seconds, and a body timeout far longer.
fn rate_limits(rate: u64, window: f64) -> ConnLimits {
    ConnLimits {
        min_body_rate: rate,
        min_body_rate_window: Duration::from_secs_f64(window),
        ..limits(5.0, 30.0, 30.0)
    }
}

/// The head of a `POST /token` whose form body of `len` bytes follows (the
/// edge reads that body whole, so the server waits for every byte).
fn token_head(len: usize) -> Vec<u8> {
    format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\n\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_body_trickled_a_byte_a_second_is_cut_after_one_rate_window() {
    // 100 bytes a second over 1 s; the body timeout (30 s) is far away.
    let srv = TestServer::with_limits(rate_limits(100, 1.0)).await;
    let elapsed = trickle_until_cut(&srv, &token_head(4000), Duration::from_secs(1)).await;
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "closed after {elapsed:?}, expected about one 1 s window (not the 30 s body timeout)"
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_slow_but_steady_body_is_received_whole_over_many_rate_windows() {
    // 100 bytes a second over 1 s windows; the client sends 250 bytes a
    // second (50 every 200 ms) for about 4 s: slow, but never below the rate.
    let srv = TestServer::with_limits(rate_limits(100, 1.0)).await;
    let mut s = TcpStream::connect(addr(&srv)).await.unwrap();
    let mut body = b"grant_type=client_credentials&client_id=nobody&client_secret=".to_vec();
    body.resize(1000, b'a');
    s.write_all(&token_head(body.len())).await.unwrap();
    let started = Instant::now();
    for chunk in body.chunks(50) {
        s.write_all(chunk).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let answer = read_response(&mut s).await;
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "the body took several windows"
    );
    // An answer about the credentials, not a closed connection.
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("\"code\":8002"), "{answer}");
    srv.stop().await;
}

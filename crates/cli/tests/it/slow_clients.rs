//! `idv serve` against stalled clients, as an operator sees it: connections
//! over the per-address cap are closed and the log says so in one line per
//! 10 s (not once per connection), and SIGTERM with a stalled client connected exits at the
//! shutdown deadline instead of waiting for that client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `idv serve`, its address and its log lines so far.
struct Served {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

fn serve(env: &[(&str, &str)]) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let mut c = Command::new(env!("CARGO_BIN_EXE_idv"));
    for k in [
        "IDV__LISTEN",
        "IDV__DATABASE",
        "IDV__CONFIG",
        "IDV__HEADER_TIMEOUT",
        "IDV__BODY_TIMEOUT",
        "IDV__IDLE_TIMEOUT",
        "IDV__SHUTDOWN_TIMEOUT",
        "IDV__MAX_CONNECTIONS",
        "IDV__MAX_CONNECTIONS_PER_PEER",
        "RUST_LOG",
    ] {
        c.env_remove(k);
    }
    c.args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .env("IDV__LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = log.clone();
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
            sink.lock().unwrap().push(line);
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("idv serve logs its address");
    Served {
        child,
        addr,
        log,
        _dir: dir,
    }
}

impl Served {
    /// Half a request head, then nothing.
    fn stalled(&self) -> TcpStream {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: ex")
            .unwrap();
        s
    }

    fn terminate(&self) {
        assert!(
            Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
    }

    /// Waits (at most `within`) for the process to exit: its status and when.
    fn exit(&mut self, within: Duration) -> (std::process::ExitStatus, Instant) {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, Instant::now());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("idv serve did not exit within {within:?}");
    }

    /// The log lines, once the process has exited and its stderr is drained.
    fn log_lines(&self, containing: &str) -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log.lock().unwrap();
            if log.iter().any(|l| l.contains("stopped")) || Instant::now() > end {
                return log
                    .iter()
                    .filter(|l| l.contains(containing))
                    .cloned()
                    .collect();
            }
            drop(log);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether the server closed `s` within `within` (EOF or reset).
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

fn get_openapi(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn connections_over_the_per_address_cap_are_shed_and_reported_not_one_by_one() {
    let mut srv = serve(&[("IDV__MAX_CONNECTIONS_PER_PEER", "4")]);
    let mut held: Vec<TcpStream> = (0..4).map(|_| srv.stalled()).collect();
    std::thread::sleep(Duration::from_millis(200));
    for i in 0..20 {
        let mut s = srv.stalled();
        assert!(
            closed_within(&mut s, Duration::from_secs(1)),
            "connection {} over the cap of 4 was kept",
            i + 5
        );
    }
    for s in &mut held {
        assert!(
            !closed_within(s, Duration::from_millis(20)),
            "a connection under the cap was closed"
        );
    }
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let resp = get_openapi(&srv.addr);
    assert!(
        resp.starts_with("HTTP/1.1 200"),
        "served again once under the cap: {resp}"
    );
    srv.terminate();
    let (status, _) = srv.exit(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    // The first shed connection is reported at once; the other 19, shed
    // within the 10 s that follow, in one more line (here at shutdown).
    let shed = srv.log_lines("shedding connections");
    assert_eq!(
        shed.len(),
        2,
        "two reports for 20 shed connections: {shed:?}"
    );
    let counted: u64 = shed
        .iter()
        .map(|l| {
            assert!(
                l.contains("WARN")
                    && l.contains("max_connections_per_peer=4")
                    && l.contains("latest_peer=127.0.0.1"),
                "{l}"
            );
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("over_per_peer_cap="))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("a count in {l}"))
        })
        .sum();
    assert_eq!(counted, 20, "{shed:?}");
}

#[test]
fn sigterm_with_a_stalled_client_exits_at_the_shutdown_deadline() {
    let mut srv = serve(&[
        ("IDV__SHUTDOWN_TIMEOUT", "1"),
        ("IDV__HEADER_TIMEOUT", "60"),
    ]);
    let mut s = srv.stalled();
    assert!(get_openapi(&srv.addr).starts_with("HTTP/1.1 200"));
    std::thread::sleep(Duration::from_millis(100));
    let signalled = Instant::now();
    srv.terminate();
    let (status, at) = srv.exit(Duration::from_secs(10));
    let took = at - signalled;
    assert!(status.success(), "{status:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "exited {took:?} after SIGTERM; the shutdown deadline is 1 s"
    );
    assert!(closed_within(&mut s, Duration::from_secs(1)));
    assert_eq!(srv.log_lines("shutdown deadline passed").len(), 1);
    assert_eq!(srv.log_lines("stopped").len(), 1);
}

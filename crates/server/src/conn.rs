//! The connection layer of `idv serve`: the accept loop, per-connection
//! timeouts, connection caps and the graceful-shutdown deadline.
//!
//! It exists because `axum::serve` has none of these: a client sending its
//! headers one byte a second, trickling a body or idling on a kept-alive
//! connection held its socket forever, enough of them exhausted the process's
//! file descriptors (and every other client with them), and one stalled client
//! kept a SIGTERM'd server up. Here every connection is served by hyper's
//! HTTP/1 connection inside a task that also watches one deadline, moved by
//! what the connection is doing ([`Phase`]):
//!
//! - *head*: from the first byte of a request (or the connection's opening,
//!   for its first request) to the end of its headers: `header_timeout`;
//! - *body*: from the end of the headers to the end of the body: `body_timeout`
//!   in total, and at least `min_body_rate` bytes a second over every window of
//!   `min_body_rate_window` (so a body trickled a byte a second is cut after one
//!   window, while a slow but steady client has the whole `body_timeout`);
//! - *busy*: the handler runs and the answer is written: no deadline here
//!   (the per-request `handler_timeout` belongs to the edge, which answers it
//!   with the surface's catalogued 503; it is carried in [`ConnLimits`] only
//!   because it is configured with the other limits);
//! - *idle*: from the end of an answer to the first byte of the next request:
//!   `idle_timeout`.
//!
//! When the deadline passes, the connection is closed without an answer: a
//! client still sending its request is not reading, and whatever it was
//! sending is cut off (its handler's body read fails, and its answer goes
//! nowhere). Connections over the total or per-address cap are closed as soon
//! as they are accepted, before any byte is read; the server logs that it is
//! shedding at most once every [`SHED_LOG_INTERVAL`].
//!
//! Each request gets its connection's peer address as
//! `ConnectInfo<SocketAddr>` in its extensions (the edge rate-limits requests
//! without a client by it), exactly as `into_make_service_with_connect_info`
//! gave it.

use crate::app::App;
use axum::body::Body;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use idv_core::limits::{
    CONNECTION_BODY_TIMEOUT_SECONDS, CONNECTION_HEADER_TIMEOUT_SECONDS,
    CONNECTION_IDLE_TIMEOUT_SECONDS, CONNECTION_MIN_BODY_RATE_BYTES_PER_SECOND,
    CONNECTION_MIN_BODY_RATE_WINDOW_SECONDS, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_PEER,
    REQUEST_HANDLER_TIMEOUT_SECONDS, SHUTDOWN_TIMEOUT_SECONDS,
};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower_service::Service;

/// The connection limits, each a setting (`config`) with its default from the
/// catalogue (`catalog/limits.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Time to receive a request's line and headers.
    pub header_timeout: Duration,
    /// Time to receive a request's body, from the end of its headers.
    pub body_timeout: Duration,
    /// The slowest a body may arrive, bytes a second over each
    /// `min_body_rate_window` (0: no minimum).
    pub min_body_rate: u64,
    /// The window the minimum body rate is measured over.
    pub min_body_rate_window: Duration,
    /// Time a kept-alive connection may stay silent between requests.
    pub idle_timeout: Duration,
    /// Most connections open at once (lowered at start to stay below the
    /// process's open-file limit, see [`effective_max_connections`]).
    pub max_connections: usize,
    /// Most connections open at once from one IP address.
    pub max_connections_per_peer: usize,
    /// Time in-flight requests get to finish after a shutdown signal.
    pub shutdown_timeout: Duration,
    /// Time the edge waits for a handler's answer after the request body
    /// (`AppState::handler_timeout`, which `serve::serve_on` sets from it).
    pub handler_timeout: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: Duration::from_secs(CONNECTION_HEADER_TIMEOUT_SECONDS),
            body_timeout: Duration::from_secs(CONNECTION_BODY_TIMEOUT_SECONDS),
            min_body_rate: CONNECTION_MIN_BODY_RATE_BYTES_PER_SECOND,
            min_body_rate_window: Duration::from_secs(CONNECTION_MIN_BODY_RATE_WINDOW_SECONDS),
            idle_timeout: Duration::from_secs(CONNECTION_IDLE_TIMEOUT_SECONDS),
            max_connections: MAX_CONNECTIONS as usize,
            max_connections_per_peer: MAX_CONNECTIONS_PER_PEER as usize,
            shutdown_timeout: Duration::from_secs(SHUTDOWN_TIMEOUT_SECONDS),
            handler_timeout: Duration::from_secs(REQUEST_HANDLER_TIMEOUT_SECONDS),
        }
    }
}

/// The shortest time between two "shedding connections" (or accept error)
/// log lines; the line counts what happened since the previous one.
pub const SHED_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// File descriptors kept free for everything that is not a client connection
/// (the listener, database connections, log files, the runtime's own).
const FD_RESERVE: u64 = 64;

/// Serves `app` on `listener` with `limits` until `shutdown` resolves; then
/// stops accepting, lets in-flight requests finish (idle connections close at
/// once), and after `limits.shutdown_timeout` closes whatever is still open.
pub async fn serve(
    listener: TcpListener,
    app: App,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let max_total = effective_max_connections(limits.max_connections, open_file_limit());
    tracing::info!(
        header_timeout_s = limits.header_timeout.as_secs_f64(),
        body_timeout_s = limits.body_timeout.as_secs_f64(),
        min_body_rate = limits.min_body_rate,
        min_body_rate_window_s = limits.min_body_rate_window.as_secs_f64(),
        handler_timeout_s = limits.handler_timeout.as_secs_f64(),
        idle_timeout_s = limits.idle_timeout.as_secs_f64(),
        max_connections = max_total,
        max_connections_per_peer = limits.max_connections_per_peer,
        shutdown_timeout_s = limits.shutdown_timeout.as_secs_f64(),
        "connection limits"
    );
    let caps = Arc::new(Caps {
        open: Mutex::new(Open::default()),
        max_total,
        max_per_peer: limits.max_connections_per_peer.max(1),
    });
    let mut shed = ShedLog::default();
    let (grace_tx, grace_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match caps.admit(peer.ip()) {
                    Ok(slot) => {
                        let conn = Connection {
                            peer,
                            app: app.clone(),
                            limits,
                            grace: grace_rx.clone(),
                            _slot: slot,
                        };
                        tasks.spawn(conn.run(stream));
                    }
                    Err(over) => {
                        // Closed before any byte is read: the cheapest answer.
                        drop(stream);
                        shed.shed(over, peer.ip(), &caps);
                    }
                },
                Err(e) if is_connection_error(&e) => {}
                Err(e) => {
                    // Out of file descriptors (or another resource): wait a
                    // little for connections to close instead of spinning.
                    shed.accept_error(&e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    drop(listener);
    shed.flush(&caps);
    let _ = grace_tx.send(true);
    if !tasks.is_empty() {
        tracing::info!(
            open = tasks.len(),
            deadline_s = limits.shutdown_timeout.as_secs_f64(),
            "no longer accepting connections; waiting for in-flight requests"
        );
    }
    let drained = tokio::time::timeout(limits.shutdown_timeout, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            closed = tasks.len(),
            deadline_s = limits.shutdown_timeout.as_secs_f64(),
            "shutdown deadline passed: closing the connections still open"
        );
        tasks.shutdown().await;
    }
    Ok(())
}

/// Errors of one connection that never reached us (it was reset while
/// queued): nothing to do but accept the next.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// The process's soft limit on open files, read from `/proc/self/limits`
/// (Linux); `None` where that file does not exist or says `unlimited`.
pub fn open_file_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `configured`, lowered (with a warning) so that client connections leave
/// [`FD_RESERVE`] descriptors of `fd_limit` free: accepting until the process
/// runs out of descriptors is what stopped the server serving everyone.
pub fn effective_max_connections(configured: usize, fd_limit: Option<u64>) -> usize {
    let Some(limit) = fd_limit else {
        return configured.max(1);
    };
    let room = usize::try_from(limit.saturating_sub(FD_RESERVE).max(1)).unwrap_or(usize::MAX);
    if configured > room {
        tracing::warn!(
            configured,
            open_file_limit = limit,
            max_connections = room,
            "max_connections is above what the open-file limit allows; lowering it \
             (raise the limit with `ulimit -n` or LimitNOFILE= to allow more)"
        );
        room
    } else {
        configured.max(1)
    }
}

/// Which cap a shed connection was over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Over {
    Total,
    PerPeer,
}

/// Open connections, in total and per peer address.
#[derive(Default)]
struct Open {
    total: usize,
    per_peer: HashMap<IpAddr, usize>,
}

struct Caps {
    open: Mutex<Open>,
    max_total: usize,
    max_per_peer: usize,
}

impl Caps {
    fn lock(&self) -> MutexGuard<'_, Open> {
        // The counts stay consistent even if a holder panicked: every update
        // is a single increment or decrement.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a new connection from `ip`, or says which cap it is over.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Over> {
        let mut open = self.lock();
        if open.total >= self.max_total {
            return Err(Over::Total);
        }
        let n = open.per_peer.entry(ip).or_insert(0);
        if *n >= self.max_per_peer {
            return Err(Over::PerPeer);
        }
        *n += 1;
        open.total += 1;
        Ok(Slot {
            caps: self.clone(),
            ip,
        })
    }
}

/// One admitted connection's place under the caps, given back when dropped
/// (the connection ended, timed out, or was aborted at shutdown).
struct Slot {
    caps: Arc<Caps>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.caps.lock();
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_peer.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.per_peer.remove(&self.ip);
            }
        }
    }
}

/// Rate-limited warnings: a flood of refused connections is one line every
/// [`SHED_LOG_INTERVAL`] at most, not one per connection.
#[derive(Default)]
struct ShedLog {
    last_shed: Option<Instant>,
    last_accept_error: Option<Instant>,
    over_total: u64,
    over_per_peer: u64,
    latest: Option<IpAddr>,
    accept_errors: u64,
}

impl ShedLog {
    /// Whether a report is due, given the time of the previous one (updated).
    fn due(last: &mut Option<Instant>) -> bool {
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < SHED_LOG_INTERVAL) {
            return false;
        }
        *last = Some(now);
        true
    }

    fn shed(&mut self, over: Over, ip: IpAddr, caps: &Caps) {
        match over {
            Over::Total => self.over_total += 1,
            Over::PerPeer => self.over_per_peer += 1,
        }
        self.latest = Some(ip);
        if Self::due(&mut self.last_shed) {
            self.report(caps);
        }
    }

    /// Reports what was shed since the last report, if anything (at shutdown,
    /// so the last counts are not lost).
    fn flush(&mut self, caps: &Caps) {
        if self.over_total + self.over_per_peer > 0 {
            self.report(caps);
        }
    }

    fn report(&mut self, caps: &Caps) {
        let ip = self.latest.map(|ip| ip.to_string()).unwrap_or_default();
        tracing::warn!(
            over_total_cap = self.over_total,
            over_per_peer_cap = self.over_per_peer,
            max_connections = caps.max_total,
            max_connections_per_peer = caps.max_per_peer,
            latest_peer = %ip,
            "shedding connections: closed new connections over the connection caps \
             (counts since the previous report; at most one report every {} s)",
            SHED_LOG_INTERVAL.as_secs()
        );
        self.over_total = 0;
        self.over_per_peer = 0;
    }

    fn accept_error(&mut self, e: &io::Error) {
        self.accept_errors += 1;
        if Self::due(&mut self.last_accept_error) {
            tracing::warn!(
                errors = self.accept_errors,
                error = %e,
                "cannot accept connections (counts since the previous report)"
            );
            self.accept_errors = 0;
        }
    }
}

/// What a connection is doing, which decides its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Receiving a request's line and headers.
    Head,
    /// Receiving a request's body.
    Body,
    /// Running the handler and writing the answer.
    Busy,
    /// Waiting for the next request on a kept-alive connection.
    Idle,
}

/// One connection's phase and deadline; while a body arrives, also the body's
/// total deadline and the bytes of the current rate window.
#[derive(Debug, Clone, Copy)]
struct State {
    phase: Phase,
    deadline: Option<Instant>,
    /// The body's own deadline (`body_timeout` after the headers).
    body_until: Instant,
    /// When the current minimum-rate window ends.
    window_end: Instant,
    /// Bytes read in the current window.
    window_bytes: u64,
}

/// One connection's phase and deadline, moved by its socket reads, its
/// request and response bodies; the connection task sleeps until the deadline
/// and is woken when it changes.
struct Tracker {
    state: Mutex<State>,
    changed: Notify,
    limits: ConnLimits,
}

impl Tracker {
    fn new(limits: ConnLimits) -> Tracker {
        let now = Instant::now();
        Tracker {
            // The first request's head is due `header_timeout` after the
            // connection opens: a client that connects and says nothing is
            // the cheapest way to hold a socket.
            state: Mutex::new(State {
                phase: Phase::Head,
                deadline: Some(now + limits.header_timeout),
                body_until: now,
                window_end: now,
                window_bytes: 0,
            }),
            changed: Notify::new(),
            limits,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, phase: Phase, timeout: Option<Duration>) {
        {
            let mut s = self.lock();
            s.phase = phase;
            s.deadline = timeout.map(|t| Instant::now() + t);
        }
        self.changed.notify_one();
    }

    /// Whether the minimum body rate is checked.
    fn rate_checked(&self) -> bool {
        self.limits.min_body_rate > 0 && !self.limits.min_body_rate_window.is_zero()
    }

    /// `n` bytes arrived: on an idle connection, the next request has begun;
    /// during a body, they count towards the window's minimum.
    fn bytes_read(&self, n: usize) {
        let mut s = self.lock();
        match s.phase {
            Phase::Idle => {
                s.phase = Phase::Head;
                s.deadline = Some(Instant::now() + self.limits.header_timeout);
                drop(s);
                self.changed.notify_one();
            }
            Phase::Body => s.window_bytes += n as u64,
            Phase::Head | Phase::Busy => {}
        }
    }

    /// A request's headers are in: its body is due, or the handler runs.
    fn head_done(&self, has_body: bool) {
        if !has_body {
            return self.set(Phase::Busy, None);
        }
        {
            let now = Instant::now();
            let mut s = self.lock();
            s.phase = Phase::Body;
            s.body_until = now + self.limits.body_timeout;
            s.window_end = now + self.limits.min_body_rate_window;
            s.window_bytes = 0;
            s.deadline = Some(if self.rate_checked() {
                s.body_until.min(s.window_end)
            } else {
                s.body_until
            });
        }
        self.changed.notify_one();
    }

    /// The request body ended, failed or was dropped unread.
    fn body_done(&self) {
        let mut s = self.lock();
        if s.phase == Phase::Body {
            s.phase = Phase::Busy;
            s.deadline = None;
        }
    }

    /// The answer was handed to the socket: the connection idles until the
    /// next request (the idle time also bounds writing the answer's last bytes
    /// to a client that does not read them).
    fn response_done(&self) {
        self.set(Phase::Idle, Some(self.limits.idle_timeout));
    }

    fn deadline(&self) -> Option<Instant> {
        self.lock().deadline
    }

    /// Why the connection must close, if its deadline has passed. A body whose
    /// rate window ended with enough bytes starts the next window instead.
    fn expired(&self, now: Instant) -> Option<String> {
        let mut s = self.lock();
        if s.deadline.is_none_or(|d| d > now) {
            return None;
        }
        let l = &self.limits;
        Some(match s.phase {
            Phase::Head => format!(
                "request head not received within {} s",
                l.header_timeout.as_secs_f64()
            ),
            Phase::Body if now >= s.body_until => format!(
                "request body not received within {} s",
                l.body_timeout.as_secs_f64()
            ),
            Phase::Body => {
                let window = l.min_body_rate_window.as_secs_f64();
                let needed = (l.min_body_rate as f64 * window).ceil() as u64;
                if s.window_bytes < needed {
                    return Some(format!(
                        "request body slower than {} bytes/s: {} bytes in {window} s",
                        l.min_body_rate, s.window_bytes
                    ));
                }
                s.window_end = now + l.min_body_rate_window;
                s.window_bytes = 0;
                s.deadline = Some(s.body_until.min(s.window_end));
                return None;
            }
            Phase::Idle => format!("idle for {} s", l.idle_timeout.as_secs_f64()),
            Phase::Busy => return None,
        })
    }
}

/// An accepted connection and what it needs to serve requests.
struct Connection {
    peer: SocketAddr,
    app: App,
    limits: ConnLimits,
    grace: watch::Receiver<bool>,
    _slot: Slot,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        // Answers are small and written whole: do not let Nagle hold them back.
        let _ = stream.set_nodelay(true);
        let tracker = Arc::new(Tracker::new(self.limits));
        let io = TokioIo::new(TrackedIo {
            io: stream,
            tracker: tracker.clone(),
        });
        let peer = self.peer;
        let app = self.app.clone();
        let t = tracker.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let has_body = !http_body::Body::is_end_stream(req.body());
            t.head_done(has_body);
            let (mut parts, body) = req.into_parts();
            parts.extensions.insert(ConnectInfo(peer));
            let body = Body::new(RequestBody {
                inner: body,
                tracker: t.clone(),
                done: false,
            });
            let fut = app
                .clone()
                .call(axum::http::Request::from_parts(parts, body));
            let t = t.clone();
            async move {
                let resp = match fut.await {
                    Ok(resp) => resp,
                    Err(never) => match never {},
                };
                Ok::<_, Infallible>(resp.map(|inner| ResponseBody {
                    inner,
                    tracker: t,
                    done: false,
                }))
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        // Our own deadlines replace hyper's header-read timer, which would
        // also run while a kept-alive connection idles.
        builder.header_read_timeout(None).keep_alive(true);
        let conn = builder.serve_connection(io, service);
        tokio::pin!(conn);
        let mut graceful = false;
        loop {
            let deadline = tracker.deadline();
            let sleep = async move {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                done = conn.as_mut() => {
                    if let Err(e) = done {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    return;
                }
                _ = self.grace.changed(), if !graceful => {
                    // Finish the request in flight, close when idle.
                    conn.as_mut().graceful_shutdown();
                    graceful = true;
                }
                () = tracker.changed.notified() => {}
                () = sleep => {
                    if let Some(why) = tracker.expired(Instant::now()) {
                        tracing::debug!(%peer, "closing connection: {why}");
                        return;
                    }
                }
            }
        }
    }
}

/// The socket, telling the tracker when bytes arrive.
struct TrackedIo {
    io: TcpStream,
    tracker: Arc<Tracker>,
}

impl AsyncRead for TrackedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.tracker.bytes_read(buf.filled().len() - before);
        }
        r
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// A request body that tells the tracker when it ends.
struct RequestBody {
    inner: Incoming,
    tracker: Arc<Tracker>,
    done: bool,
}

impl RequestBody {
    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.tracker.body_done();
        }
    }
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) || this.inner.is_end_stream()
        {
            this.finish();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A response body that tells the tracker when it has been handed over.
struct ResponseBody {
    inner: Body,
    tracker: Arc<Tracker>,
    done: bool,
}

impl ResponseBody {
    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.tracker.response_done();
        }
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            this.finish();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_file_limit() {
        assert_eq!(effective_max_connections(4096, None), 4096);
        assert_eq!(effective_max_connections(4096, Some(1024)), 1024 - 64);
        assert_eq!(effective_max_connections(100, Some(1024)), 100);
        assert_eq!(effective_max_connections(4096, Some(10)), 1);
        assert_eq!(effective_max_connections(0, None), 1);
    }

    #[test]
    fn slots_count_per_peer_and_in_total_and_are_given_back() {
        let caps = Arc::new(Caps {
            open: Mutex::new(Open::default()),
            max_total: 3,
            max_per_peer: 2,
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = caps.admit(a).unwrap();
        let _a2 = caps.admit(a).unwrap();
        assert_eq!(caps.admit(a).err(), Some(Over::PerPeer));
        let _b1 = caps.admit(b).unwrap();
        assert_eq!(caps.admit(b).err(), Some(Over::Total));
        drop(a1);
        let _a3 = caps.admit(a).unwrap();
        drop((_a2, _a3, _b1));
        let open = caps.lock();
        assert_eq!(open.total, 0);
        assert!(open.per_peer.is_empty());
    }
}

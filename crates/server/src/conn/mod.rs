//! The connection layer of `idv serve`: the accept loop, per-connection
//! timeouts, connection caps and the graceful-shutdown deadline.
//!
//! It exists because `axum::serve` has none of these: a client sending its
//! headers one byte a second, trickling a body or idling on a kept-alive
//! connection held its socket forever, enough of them exhausted the process's
//! file descriptors (and every other client with them), and one stalled client
//! kept a SIGTERM'd server up. Here every connection is served by hyper's
//! HTTP/1 connection inside a task that also watches one deadline, moved by
//! what the connection is doing (`tracker::Phase`):
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
//!
//! Files: this one (the limits and the accept loop), `caps.rs` (the caps and
//! the shedding log), `tracker.rs` (a connection's phase and deadline),
//! `connection.rs` (one connection's task, socket and bodies).

mod caps;
mod connection;
mod tracker;

pub use caps::{SHED_LOG_INTERVAL, effective_max_connections, open_file_limit};

use crate::app::App;
use caps::{Caps, ShedLog};
use connection::Connection;
use idv_core::limits::{
    CONNECTION_BODY_TIMEOUT_SECONDS, CONNECTION_HEADER_TIMEOUT_SECONDS,
    CONNECTION_IDLE_TIMEOUT_SECONDS, CONNECTION_MIN_BODY_RATE_BYTES_PER_SECOND,
    CONNECTION_MIN_BODY_RATE_WINDOW_SECONDS, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_PEER,
    REQUEST_HANDLER_TIMEOUT_SECONDS, SHUTDOWN_TIMEOUT_SECONDS,
};
use std::future::Future;
use std::io;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

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
    let caps = Caps::new(max_total, limits.max_connections_per_peer.max(1));
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

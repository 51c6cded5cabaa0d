//! One connection's phase and deadline ([`Tracker`]): head, body (with the
//! minimum body rate's windows), busy, idle; moved by the socket and the
//! request and response bodies, watched by the connection task.

use super::ConnLimits;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// What a connection is doing, which decides its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
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
pub(super) struct Tracker {
    state: Mutex<State>,
    pub(super) changed: Notify,
    limits: ConnLimits,
}

impl Tracker {
    pub(super) fn new(limits: ConnLimits) -> Tracker {
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
    pub(super) fn bytes_read(&self, n: usize) {
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
    pub(super) fn head_done(&self, has_body: bool) {
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
    pub(super) fn body_done(&self) {
        let mut s = self.lock();
        if s.phase == Phase::Body {
            s.phase = Phase::Busy;
            s.deadline = None;
        }
    }

    /// The answer was handed to the socket: the connection idles until the
    /// next request (the idle time also bounds writing the answer's last bytes
    /// to a client that does not read them).
    pub(super) fn response_done(&self) {
        self.set(Phase::Idle, Some(self.limits.idle_timeout));
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        self.lock().deadline
    }

    /// Why the connection must close, if its deadline has passed. A body whose
    /// rate window ended with enough bytes starts the next window instead.
    pub(super) fn expired(&self, now: Instant) -> Option<String> {
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

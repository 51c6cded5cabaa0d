//! The connection caps (in total and per peer address, the total kept below
//! the process's open-file limit) and the rate-limited log of what they shed.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// The shortest time between two "shedding connections" (or accept error)
/// log lines; the line counts what happened since the previous one.
pub const SHED_LOG_INTERVAL: Duration = Duration::from_secs(10);
/// File descriptors kept free for everything that is not a client connection
/// (the listener, database connections, log files, the runtime's own).
const FD_RESERVE: u64 = 64;
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
pub(super) enum Over {
    Total,
    PerPeer,
}

/// Open connections, in total and per peer address.
#[derive(Default)]
struct Open {
    total: usize,
    per_peer: HashMap<IpAddr, usize>,
}

pub(super) struct Caps {
    open: Mutex<Open>,
    max_total: usize,
    max_per_peer: usize,
}

impl Caps {
    /// Caps of `max_total` connections, `max_per_peer` from one address.
    pub(super) fn new(max_total: usize, max_per_peer: usize) -> Arc<Caps> {
        Arc::new(Caps {
            open: Mutex::new(Open::default()),
            max_total,
            max_per_peer,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Open> {
        // The counts stay consistent even if a holder panicked: every update
        // is a single increment or decrement.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a new connection from `ip`, or says which cap it is over.
    pub(super) fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Over> {
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
pub(super) struct Slot {
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
pub(super) struct ShedLog {
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

    pub(super) fn shed(&mut self, over: Over, ip: IpAddr, caps: &Caps) {
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
    pub(super) fn flush(&mut self, caps: &Caps) {
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

    pub(super) fn accept_error(&mut self, e: &io::Error) {
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
        let caps = Caps::new(3, 2);
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

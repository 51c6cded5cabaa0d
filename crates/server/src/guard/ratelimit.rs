//! Rate limiting behind a trait, so several instances can later share a Redis
//! limiter; this crate ships the in-process one.
//!
//! [`Gcra`] is the generic cell rate algorithm: each key has a "theoretical
//! arrival time"; a request is allowed while that time stays within the burst
//! window of now. With the catalogue's 25 requests per second and a burst of 25,
//! a client can send 25 requests at once and then one every 40 ms.
//!
//! [`FailureBudgets`] is the second, smaller budget every credential kind
//! shares: failed authentications (a wrong client secret, an unknown client, an
//! unknown or expired Bearer token) are counted per peer address and per
//! claimed identity (the client id), and once a budget is spent further
//! attempts are refused with the surface's 429 *before* the credential is
//! looked up. A caller's ordinary budget is spent only once its credential
//! is verified, so nobody can spend another client's budget by naming it.

use axum::http::{HeaderMap, HeaderValue};
use idv_core::limits::headers::{X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING, X_RATELIMIT_RESET};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Whose budget a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKey<'a> {
    /// An OAuth client, by id (authenticated requests, and `POST /token` by the
    /// `client_id` of its form), or a workspace of the verification surface, by
    /// its `ws_…` id (the two kinds of id never collide).
    Client(&'a str),
    /// The peer address of a request that names no client (`None` when the
    /// listener did not record one).
    Peer(Option<IpAddr>),
}

impl std::fmt::Display for LimitKey<'_> {
    /// The key as text (`client:<id>`, `ip:<address>`), for limiters that store
    /// keys as strings.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitKey::Client(id) => write!(f, "client:{id}"),
            LimitKey::Peer(Some(ip)) => write!(f, "ip:{ip}"),
            LimitKey::Peer(None) => f.write_str("ip:unknown"),
        }
    }
}

/// The verdict on one request, with the values of the rate-limit headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// `X-RateLimit-Limit`.
    pub limit: u64,
    /// `X-RateLimit-Remaining`.
    pub remaining: u64,
    /// `X-RateLimit-Reset`: Unix seconds when the quota is full again.
    pub reset: u64,
    /// `Retry-After` seconds (meaningful when not allowed).
    pub retry_after: u64,
}

/// A rate limiter keyed by the OAuth client, or the peer address.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one request of `key` at `now_ms` (Unix milliseconds).
    async fn check(&self, key: LimitKey<'_>, now_ms: i64) -> Decision;

    /// The same, answered at once by a limiter that keeps its state in memory;
    /// `None` (the default) means: call [`RateLimiter::check`]. The edge asks
    /// this first, so the in-process limiter costs no future per request.
    fn check_now(&self, key: LimitKey<'_>, now_ms: i64) -> Option<Decision> {
        let _ = (key, now_ms);
        None
    }

    /// What `key`'s quota stands at, without counting a request, when the
    /// limiter can tell at once (for the headers of an answer that spends
    /// another key's quota); `None` (the default) when it cannot.
    fn peek_now(&self, key: LimitKey<'_>, now_ms: i64) -> Option<Decision> {
        let _ = (key, now_ms);
        None
    }
}

/// Theoretical arrival times, per client and per peer address. Looking a key
/// up allocates nothing; only a key's first request stores an owned copy.
#[derive(Debug, Default)]
struct Tats {
    clients: HashMap<Box<str>, i64>,
    peers: HashMap<Option<IpAddr>, i64>,
}

impl Tats {
    fn len(&self) -> usize {
        self.clients.len() + self.peers.len()
    }

    fn retain_after(&mut self, now_ms: i64) {
        self.clients.retain(|_, tat| *tat > now_ms);
        self.peers.retain(|_, tat| *tat > now_ms);
    }

    fn get(&self, key: LimitKey<'_>) -> Option<i64> {
        match key {
            LimitKey::Client(id) => self.clients.get(id).copied(),
            LimitKey::Peer(ip) => self.peers.get(&ip).copied(),
        }
    }

    fn set(&mut self, key: LimitKey<'_>, tat: i64) {
        match key {
            LimitKey::Client(id) => match self.clients.get_mut(id) {
                Some(slot) => *slot = tat,
                None => {
                    self.clients.insert(id.into(), tat);
                }
            },
            LimitKey::Peer(ip) => {
                self.peers.insert(ip, tat);
            }
        }
    }
}

/// The in-process GCRA limiter.
#[derive(Debug)]
pub struct Gcra {
    /// What `X-RateLimit-Limit` reports.
    limit: u64,
    /// Milliseconds one request costs (the refill interval).
    interval_ms: i64,
    burst: u64,
    tats: Mutex<Tats>,
}

impl Gcra {
    /// `rate` requests per second, bursts of up to `burst`.
    pub fn new(rate: u64, burst: u64) -> Gcra {
        let rate = rate.max(1);
        Gcra::per_interval(rate, 1000 / rate as i64, burst)
    }

    /// Bursts of up to `burst`, refilled one every `interval_ms`; `limit` is
    /// what the decisions report as `X-RateLimit-Limit`.
    pub fn per_interval(limit: u64, interval_ms: i64, burst: u64) -> Gcra {
        Gcra {
            limit,
            interval_ms: interval_ms.max(1),
            burst: burst.max(1),
            tats: Mutex::new(Tats::default()),
        }
    }

    /// Decides synchronously (the trait method wraps this).
    pub fn decide(&self, key: LimitKey<'_>, now_ms: i64) -> Decision {
        self.judge(key, now_ms, true)
    }

    /// What [`Gcra::decide`] would answer, without spending anything.
    pub fn peek(&self, key: LimitKey<'_>, now_ms: i64) -> Decision {
        self.judge(key, now_ms, false)
    }

    /// Whether `key` has spent part of its budget that has not refilled yet.
    pub fn owes(&self, key: LimitKey<'_>, now_ms: i64) -> bool {
        let tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        tats.get(key).is_some_and(|tat| tat > now_ms)
    }

    /// Gives back one unit `key` spent (a request that turned out not to
    /// count).
    pub fn refund(&self, key: LimitKey<'_>, now_ms: i64) {
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tat) = tats.get(key) {
            tats.set(key, (tat - self.interval_ms).max(now_ms));
        }
    }

    fn judge(&self, key: LimitKey<'_>, now_ms: i64, spend: bool) -> Decision {
        let interval = self.interval_ms;
        let window = interval * self.burst as i64;
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        if tats.len() > 100_000 {
            tats.retain_after(now_ms);
        }
        let tat = tats.get(key).unwrap_or(now_ms).max(now_ms);
        let new_tat = tat + interval;
        let ceil_secs = |ms: i64| ((ms + 999) / 1000).max(0) as u64;
        if new_tat - now_ms > window {
            let wait = new_tat - now_ms - window;
            return Decision {
                allowed: false,
                limit: self.limit,
                remaining: 0,
                reset: ceil_secs(tat),
                retry_after: ceil_secs(wait).max(1),
            };
        }
        if spend {
            tats.set(key, new_tat);
        }
        Decision {
            allowed: true,
            limit: self.limit,
            remaining: ((window - (new_tat - now_ms)) / interval).max(0) as u64,
            reset: ceil_secs(new_tat),
            retry_after: 0,
        }
    }
}

/// The budgets of failed authentications, shared by every credential kind
/// (see the module documentation and docs/guides/server.md).
///
/// - Per peer address: [`AUTH_FAILURES_PER_PEER_BURST`] failures, refilled at
///   [`AUTH_FAILURES_PER_PEER_PER_MINUTE`]; once spent, every attempt from that
///   address that carries a credential is refused before it is looked up.
/// - Per claimed identity (a client id): [`AUTH_FAILURES_PER_CLIENT_BURST`],
///   refilled at [`AUTH_FAILURES_PER_CLIENT_PER_MINUTE`]; once spent, attempts
///   naming that identity are refused, but only from addresses that have
///   failed recently themselves: the real client, whose address has not
///   failed, keeps getting in while an attacker elsewhere guesses.
///
/// [`AUTH_FAILURES_PER_PEER_BURST`]: idv_core::limits::AUTH_FAILURES_PER_PEER_BURST
/// [`AUTH_FAILURES_PER_PEER_PER_MINUTE`]: idv_core::limits::AUTH_FAILURES_PER_PEER_PER_MINUTE
/// [`AUTH_FAILURES_PER_CLIENT_BURST`]: idv_core::limits::AUTH_FAILURES_PER_CLIENT_BURST
/// [`AUTH_FAILURES_PER_CLIENT_PER_MINUTE`]: idv_core::limits::AUTH_FAILURES_PER_CLIENT_PER_MINUTE
#[derive(Debug)]
pub struct FailureBudgets {
    per_peer: Gcra,
    per_subject: Gcra,
}

impl Default for FailureBudgets {
    /// The catalogued budgets.
    fn default() -> Self {
        use idv_core::limits::{
            AUTH_FAILURES_PER_CLIENT_BURST, AUTH_FAILURES_PER_CLIENT_PER_MINUTE,
            AUTH_FAILURES_PER_PEER_BURST, AUTH_FAILURES_PER_PEER_PER_MINUTE,
        };
        FailureBudgets::new(
            (
                AUTH_FAILURES_PER_PEER_BURST,
                AUTH_FAILURES_PER_PEER_PER_MINUTE,
            ),
            (
                AUTH_FAILURES_PER_CLIENT_BURST,
                AUTH_FAILURES_PER_CLIENT_PER_MINUTE,
            ),
        )
    }
}

impl FailureBudgets {
    /// Budgets of `(burst, refilled per minute)` per peer and per identity.
    pub fn new(per_peer: (u64, u64), per_subject: (u64, u64)) -> FailureBudgets {
        let gcra = |(burst, per_minute): (u64, u64)| {
            Gcra::per_interval(burst, 60_000 / per_minute.max(1) as i64, burst)
        };
        FailureBudgets {
            per_peer: gcra(per_peer),
            per_subject: gcra(per_subject),
        }
    }

    /// Before a credential is looked up: `Some(retry_after seconds)` when the
    /// attempt must be refused without a lookup: the peer address has spent its
    /// failure budget, or it has failed recently and the budget of `subject`,
    /// the identity it claims, is spent. Nothing is spent here, so a client
    /// with many requests in flight is never refused for succeeding; a burst of
    /// concurrent bad attempts can pass this check together at most as many
    /// times as the peer has connections (the per-peer connection cap), and
    /// each of them then counts as a failure.
    pub fn attempt(&self, peer: Option<IpAddr>, subject: Option<&str>, now_ms: i64) -> Option<u64> {
        let key = LimitKey::Peer(peer);
        if let Some(subject) = subject {
            if self.per_peer.owes(key, now_ms) {
                let by_subject = self.per_subject.peek(LimitKey::Client(subject), now_ms);
                if !by_subject.allowed {
                    return Some(by_subject.retry_after);
                }
            }
        }
        let by_peer = self.per_peer.peek(key, now_ms);
        (!by_peer.allowed).then_some(by_peer.retry_after)
    }

    /// A credential from `peer` claiming `subject` failed: counts it against
    /// both budgets.
    pub fn failed(&self, peer: Option<IpAddr>, subject: Option<&str>, now_ms: i64) {
        self.per_peer.decide(LimitKey::Peer(peer), now_ms);
        if let Some(subject) = subject {
            self.per_subject.decide(LimitKey::Client(subject), now_ms);
        }
    }
}

#[async_trait::async_trait]
impl RateLimiter for Gcra {
    async fn check(&self, key: LimitKey<'_>, now_ms: i64) -> Decision {
        self.decide(key, now_ms)
    }

    fn check_now(&self, key: LimitKey<'_>, now_ms: i64) -> Option<Decision> {
        Some(self.decide(key, now_ms))
    }

    fn peek_now(&self, key: LimitKey<'_>, now_ms: i64) -> Option<Decision> {
        Some(self.peek(key, now_ms))
    }
}

/// Puts the `X-RateLimit-*` headers of `d` on a response.
pub fn put_headers(h: &mut HeaderMap, d: &Decision) {
    // The names come from the catalogue (idv_core::limits::headers); the values
    // are numbers, made once and shared (see `header_number`).
    h.insert(X_RATELIMIT_LIMIT, header_number(d.limit));
    h.insert(X_RATELIMIT_REMAINING, header_number(d.remaining));
    h.insert(X_RATELIMIT_RESET, header_number(d.reset));
}

/// A header value for `n` without an allocation per response: values up to 255
/// (limits, remaining quota, `Retry-After`) come from a table of static texts
/// made once (cloning one copies a pointer, with no shared counter for the cores
/// to contend on), and the last large value each thread wrote (the reset time,
/// which changes once a second) is kept per thread.
pub fn header_number(n: u64) -> HeaderValue {
    use std::cell::RefCell;
    use std::sync::OnceLock;
    static SMALL: OnceLock<Vec<HeaderValue>> = OnceLock::new();
    thread_local! {
        static LAST: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
    }
    if n <= 255 {
        let small = SMALL.get_or_init(|| {
            // 256 short strings, leaked once for the life of the process.
            (0..=255u64)
                .map(|i| HeaderValue::from_static(Box::leak(i.to_string().into_boxed_str())))
                .collect()
        });
        return small[n as usize].clone();
    }
    LAST.with_borrow_mut(|last| match last {
        Some((m, v)) if *m == n => v.clone(),
        _ => {
            let v = HeaderValue::from(n);
            *last = Some((n, v.clone()));
            v
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_of_25_then_one_every_40_ms() {
        let g = Gcra::new(25, 25);
        let t = 1_767_225_600_000;
        let a = LimitKey::Client("a");
        for i in 0..25 {
            let d = g.decide(a, t);
            assert!(d.allowed, "request {i}");
            assert_eq!(d.remaining, 24 - i);
        }
        let d = g.decide(a, t);
        assert!(!d.allowed);
        assert_eq!((d.remaining, d.retry_after, d.limit), (0, 1, 25));
        assert!(
            g.decide(LimitKey::Client("b"), t).allowed,
            "keys are independent"
        );
        let peer = LimitKey::Peer(Some(IpAddr::from([127, 0, 0, 1])));
        assert!(g.decide(peer, t).allowed, "a peer is not a client");
        assert!(g.decide(a, t + 40).allowed);
        assert!(!g.decide(a, t + 40).allowed);
        assert!(g.decide(a, t + 1000).allowed);
        assert_eq!(peer.to_string(), "ip:127.0.0.1");
        assert_eq!(a.to_string(), "client:a");
    }

    #[test]
    fn numbers_are_written_as_decimal_whether_shared_or_new() {
        for n in [
            0,
            1,
            25,
            255,
            256,
            1_767_225_600,
            1_767_225_600,
            1_767_225_601,
            7,
        ] {
            assert_eq!(header_number(n).to_str().unwrap(), n.to_string());
        }
    }

    #[test]
    fn failures_are_refused_per_peer_and_per_claimed_client_from_failing_peers() {
        let f = FailureBudgets::new((3, 60), (2, 6));
        let t = 1_767_225_600_000;
        let attacker = Some(IpAddr::from([127, 0, 0, 2]));
        let real = Some(IpAddr::from([127, 0, 0, 1]));
        let fail = |peer, subject| {
            let refused = f.attempt(peer, subject, t);
            if refused.is_none() {
                f.failed(peer, subject, t);
            }
            refused
        };
        assert_eq!(fail(attacker, Some("victim")), None);
        assert_eq!(fail(attacker, Some("victim")), None);
        // The victim's failure budget is spent: the attacker, who has failed,
        // is refused; the real client, whose address has not, is not (and
        // succeeding spends nothing).
        assert_eq!(f.attempt(attacker, Some("victim"), t), Some(10));
        for _ in 0..5 {
            assert_eq!(f.attempt(real, Some("victim"), t), None);
        }
        // Another id from the attacker still counts against its address.
        assert_eq!(fail(attacker, Some("other")), None);
        assert_eq!(f.attempt(attacker, Some("third"), t), Some(1));
        assert_eq!(f.attempt(attacker, None, t), Some(1));
        assert_eq!(f.attempt(real, None, t), None);
        // One failure refills per second per peer.
        assert_eq!(f.attempt(attacker, Some("third"), t + 1000), None);
    }
}

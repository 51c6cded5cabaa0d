//! Rate limiting behind a trait, so several instances can later share a Redis
//! limiter; this crate ships the in-process one.
//!
//! [`Gcra`] is the generic cell rate algorithm: each key has a "theoretical
//! arrival time"; a request is allowed while that time stays within the burst
//! window of now. With the catalogue's 25 requests per second and a burst of 25,
//! a client can send 25 requests at once and then one every 40 ms.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Whose budget a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKey<'a> {
    /// An OAuth client, by id (authenticated requests, and `POST /token` by the
    /// `client_id` of its form).
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
    rate: u64,
    burst: u64,
    tats: Mutex<Tats>,
}

impl Gcra {
    /// `rate` requests per second, bursts of up to `burst`.
    pub fn new(rate: u64, burst: u64) -> Gcra {
        Gcra {
            rate: rate.max(1),
            burst: burst.max(1),
            tats: Mutex::new(Tats::default()),
        }
    }

    /// Decides synchronously (the trait method wraps this).
    pub fn decide(&self, key: LimitKey<'_>, now_ms: i64) -> Decision {
        let interval = 1000 / self.rate as i64;
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
                limit: self.rate,
                remaining: 0,
                reset: ceil_secs(tat),
                retry_after: ceil_secs(wait).max(1),
            };
        }
        tats.set(key, new_tat);
        Decision {
            allowed: true,
            limit: self.rate,
            remaining: ((window - (new_tat - now_ms)) / interval).max(0) as u64,
            reset: ceil_secs(new_tat),
            retry_after: 0,
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
}

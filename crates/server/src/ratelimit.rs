//! Rate limiting behind a trait, so several instances can later share a Redis
//! limiter; this crate ships the in-process one.
//!
//! [`Gcra`] is the generic cell rate algorithm: each key has a "theoretical
//! arrival time"; a request is allowed while that time stays within the burst
//! window of now. With the catalogue's 25 requests per second and a burst of 25,
//! a client can send 25 requests at once and then one every 40 ms.

use std::collections::HashMap;
use std::sync::Mutex;

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

/// A rate limiter keyed by a string (the OAuth client, or the peer address).
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one request of `key` at `now_ms` (Unix milliseconds).
    async fn check(&self, key: &str, now_ms: i64) -> Decision;
}

/// The in-process GCRA limiter.
#[derive(Debug)]
pub struct Gcra {
    rate: u64,
    burst: u64,
    tats: Mutex<HashMap<String, i64>>,
}

impl Gcra {
    /// `rate` requests per second, bursts of up to `burst`.
    pub fn new(rate: u64, burst: u64) -> Gcra {
        Gcra {
            rate: rate.max(1),
            burst: burst.max(1),
            tats: Mutex::new(HashMap::new()),
        }
    }

    /// Decides synchronously (the trait method wraps this).
    pub fn decide(&self, key: &str, now_ms: i64) -> Decision {
        let interval = 1000 / self.rate as i64;
        let window = interval * self.burst as i64;
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        if tats.len() > 100_000 {
            tats.retain(|_, tat| *tat > now_ms);
        }
        let tat = tats.get(key).copied().unwrap_or(now_ms).max(now_ms);
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
        tats.insert(key.to_string(), new_tat);
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
    async fn check(&self, key: &str, now_ms: i64) -> Decision {
        self.decide(key, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_of_25_then_one_every_40_ms() {
        let g = Gcra::new(25, 25);
        let t = 1_767_225_600_000;
        for i in 0..25 {
            let d = g.decide("a", t);
            assert!(d.allowed, "request {i}");
            assert_eq!(d.remaining, 24 - i);
        }
        let d = g.decide("a", t);
        assert!(!d.allowed);
        assert_eq!((d.remaining, d.retry_after, d.limit), (0, 1, 25));
        assert!(g.decide("b", t).allowed, "keys are independent");
        assert!(g.decide("a", t + 40).allowed);
        assert!(!g.decide("a", t + 40).allowed);
        assert!(g.decide("a", t + 1000).allowed);
    }
}

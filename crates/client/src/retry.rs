//! When to send a request again, and how long to wait first.
//!
//! The decision starts from the catalogue's retry class of the decoded error
//! (`never`, `after_fix`, `after_retry_after`, `with_backoff`), so the client and
//! the server's documentation cannot disagree. The waiting follows the server's
//! `Retry-After` when it gave one; otherwise it is full-jitter exponential backoff
//! (a random delay between zero and `min(cap, base × 2^retry)`), and backoff retries
//! draw from a [`RetryBudget`] shared by every call of a client, so a server that
//! keeps failing sees a trickle of retries rather than a multiple of the traffic.

use std::sync::Mutex;
use std::time::Duration;

/// The retry settings of a client. The defaults suit an interactive flow: a few
/// quick backoff retries, and patience for `Retry-After`.
///
/// ```
/// use std::time::Duration;
/// use idv_client::RetryPolicy;
///
/// let policy = RetryPolicy {
///     max_attempts: 2,
///     ..RetryPolicy::default()
/// };
/// assert_eq!(policy.max_retry_after, Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call for errors that back off (5xx, transport failures,
    /// timeouts), the first included. 1 disables those retries.
    pub max_attempts: u32,
    /// Attempts per call for errors that wait for `Retry-After` (429), the first
    /// included.
    pub max_rate_limited_attempts: u32,
    /// The first backoff step; step `n` is `base_delay × 2^n` before jitter.
    pub base_delay: Duration,
    /// The largest backoff step.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits for inside a call; a longer one
    /// returns the error at once, so the caller can decide (its
    /// [`retry_after`](crate::Error::retry_after) says how long).
    pub max_retry_after: Duration,
    /// Up to this much random delay is added to each `Retry-After` wait, so callers
    /// told the same second do not all come back at once.
    pub retry_after_jitter: Duration,
    /// The budget shared by the client's backoff retries.
    pub budget: BudgetConfig,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            max_rate_limited_attempts: 16,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
            retry_after_jitter: Duration::from_millis(500),
            budget: BudgetConfig::default(),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            max_rate_limited_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The full-jitter backoff before retry number `retry` (0 for the first retry):
    /// uniform in `[0, min(max_delay, base_delay × 2^retry)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::random_range(0..=nanos))
    }

    /// The upper bound of [`backoff`](Self::backoff) for retry number `retry`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait before retrying after a `Retry-After` of `after`: the delay plus
    /// jitter, or `None` when it exceeds [`max_retry_after`](Self::max_retry_after).
    pub fn retry_after_wait(&self, after: Duration) -> Option<Duration> {
        if after > self.max_retry_after {
            return None;
        }
        let jitter = u64::try_from(self.retry_after_jitter.as_millis()).unwrap_or(0);
        Some(after + Duration::from_millis(rand::random_range(0..=jitter)))
    }
}

/// The size of a [`RetryBudget`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetConfig {
    /// Retries the budget holds when full (and at start).
    pub max_tokens: f64,
    /// Tokens each successful response puts back: 0.1 lets one retry through per
    /// ten successes once the budget is spent.
    pub per_success: f64,
}

impl Default for BudgetConfig {
    fn default() -> BudgetConfig {
        BudgetConfig {
            max_tokens: 20.0,
            per_success: 0.1,
        }
    }
}

/// A token bucket of retries shared by all calls of one client: each backoff retry
/// takes a token, each success returns a fraction of one. When it is empty,
/// failing calls return their error at once instead of retrying.
///
/// ```
/// use idv_client::{BudgetConfig, RetryBudget};
///
/// let budget = RetryBudget::new(BudgetConfig { max_tokens: 1.0, per_success: 0.5 });
/// assert!(budget.withdraw());
/// assert!(!budget.withdraw(), "spent");
/// budget.deposit();
/// budget.deposit();
/// assert!(budget.withdraw(), "two successes paid for one retry");
/// ```
#[derive(Debug)]
pub struct RetryBudget {
    config: BudgetConfig,
    tokens: Mutex<f64>,
}

impl RetryBudget {
    /// A full budget.
    pub fn new(config: BudgetConfig) -> RetryBudget {
        RetryBudget {
            config,
            tokens: Mutex::new(config.max_tokens),
        }
    }

    /// Takes one retry from the budget; `false` when none is left.
    pub fn withdraw(&self) -> bool {
        let mut t = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if *t >= 1.0 {
            *t -= 1.0;
            true
        } else {
            false
        }
    }

    /// Records a success.
    pub fn deposit(&self) {
        let mut t = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        *t = (*t + self.config.per_success).min(self.config.max_tokens);
    }

    /// Retries left.
    pub fn remaining(&self) -> f64 {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_full_jitter_under_a_capped_exponential_ceiling() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ceiling(0), Duration::from_millis(100));
        assert_eq!(p.backoff_ceiling(3), Duration::from_millis(800));
        assert_eq!(p.backoff_ceiling(10), Duration::from_secs(5));
        assert_eq!(p.backoff_ceiling(40), Duration::from_secs(5));
        for retry in 0..8 {
            for _ in 0..50 {
                assert!(p.backoff(retry) <= p.backoff_ceiling(retry));
            }
        }
    }

    #[test]
    fn retry_after_is_capped() {
        let p = RetryPolicy::default();
        let w = p
            .retry_after_wait(Duration::from_secs(2))
            .expect("under cap");
        assert!(w >= Duration::from_secs(2) && w <= Duration::from_millis(2500));
        assert_eq!(p.retry_after_wait(Duration::from_secs(1800)), None);
    }

    #[test]
    fn budget_empties_and_refills_with_successes() {
        let b = RetryBudget::new(BudgetConfig {
            max_tokens: 2.0,
            per_success: 0.5,
        });
        assert!(b.withdraw() && b.withdraw());
        assert!(!b.withdraw());
        b.deposit();
        assert!(!b.withdraw());
        b.deposit();
        assert!(b.withdraw());
        for _ in 0..10 {
            b.deposit();
        }
        assert_eq!(b.remaining(), 2.0);
    }
}

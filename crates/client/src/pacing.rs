//! Pacing: spreading a client's requests below the server's advertised rate limit,
//! so a burst of calls queues in the client instead of meeting 429 at the server.
//!
//! The pacer hands out send times one interval apart (`1 s / rate`), shared by every
//! task of the client. With [`Pacing::Advertised`] the rate follows the latest
//! `X-RateLimit-Limit` the server sent (starting from the catalogue's figure).
//!
//! Whatever the setting, retries after a 429 go through a pacer of their own at the
//! advertised limit once their `Retry-After` has passed: calls told to come back at
//! the same second return one interval apart instead of all at once, so a burst
//! costs about one 429 per call rather than one per call per second of waiting.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Whether and how the client paces its requests.
///
/// ```
/// use idv_client::{Client, Pacing};
///
/// // At most 10 requests per second, whatever the server allows.
/// let client = Client::builder()
///     .base_url("http://127.0.0.1:8080")
///     .pacing(Pacing::Fixed(10.0))
///     .build()
///     .unwrap();
/// # drop(client);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Pacing {
    /// Send at once; rely on `Retry-After` handling when the server says 429.
    #[default]
    Off,
    /// Send at most this many requests per second.
    Fixed(f64),
    /// Follow the server's `X-RateLimit-Limit` (per second), starting from the
    /// catalogue's possession limit until the first response says otherwise.
    Advertised,
}

#[derive(Debug)]
pub(crate) struct Pacer {
    follow_server: bool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    interval: Duration,
    next: Option<Instant>,
}

fn interval_of(rate: f64) -> Duration {
    Duration::from_secs_f64(1.0 / rate.max(0.001))
}

impl Pacer {
    pub(crate) fn new(pacing: Pacing) -> Option<Pacer> {
        match pacing {
            Pacing::Off => None,
            Pacing::Fixed(rate) => Some(Pacer::with(rate, false)),
            Pacing::Advertised => Some(Pacer::advertised()),
        }
    }

    /// Follows the server's advertised limit, starting from the catalogue's.
    pub(crate) fn advertised() -> Pacer {
        Pacer::with(
            idv_core::limits::POSSESSION_RATE_LIMIT_PER_SECOND as f64,
            true,
        )
    }

    fn with(rate: f64, follow_server: bool) -> Pacer {
        Pacer {
            follow_server,
            state: Mutex::new(State {
                interval: interval_of(rate),
                next: None,
            }),
        }
    }

    /// Waits for this request's turn.
    pub(crate) async fn wait(&self) {
        let at = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let at = s.next.map_or(now, |n| n.max(now));
            s.next = Some(at + s.interval);
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Takes the limit a response advertised (requests per window of one second).
    pub(crate) fn observe_limit(&self, limit: u64) {
        if self.follow_server && limit > 0 {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.interval = interval_of(limit as f64);
        }
    }
}

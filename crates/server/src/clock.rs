//! Time, with an offset tests can advance (correlation ids expire after 15
//! minutes; tests do not wait that long).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock Unix seconds.
pub fn unix_now() -> i64 {
    unix_now_ms() / 1000
}

/// Wall-clock Unix milliseconds.
pub fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The server's clock: wall time plus an offset (zero outside tests). A test
/// that checks a lifetime to the second freezes it ([`Clock::freeze`]), so a
/// second boundary passing between two requests cannot move "one second
/// before the end" past it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    /// The wall time the clock stands still at (0: it runs).
    frozen_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Unix seconds.
    pub fn now(&self) -> i64 {
        self.now_ms() / 1000
    }
    /// Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let frozen = self.frozen_ms.load(Ordering::Relaxed);
        let base = if frozen == 0 { unix_now_ms() } else { frozen };
        base + self.offset_ms.load(Ordering::Relaxed)
    }
    /// Stops the clock at the current time; only [`Clock::advance`] moves it
    /// from then on (tests).
    pub fn freeze(&self) {
        self.frozen_ms.store(unix_now_ms(), Ordering::Relaxed);
    }
    /// Moves the clock forward by `secs` seconds.
    pub fn advance(&self, secs: i64) {
        self.offset_ms.fetch_add(secs * 1000, Ordering::Relaxed);
    }
}

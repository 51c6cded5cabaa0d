//! Request timeouts without a timer per request.
//!
//! A per-request tokio timer costs about 10 µs on a quiet runtime: registering a
//! deadline earlier than anything the timer driver waits for unparks the driver
//! thread, every time. That alone was most of the SDK's overhead over a raw
//! reqwest call (see `benches/client.rs`). Every request of a client has the same
//! timeout, so deadlines arrive in order: one watchdog task per client sleeps
//! until the earliest deadline in flight and cancels what has expired. A request
//! only takes a short lock to register; the watchdog wakes at most once per
//! timeout period while requests flow, and waits on a notification once no
//! request has come for a whole timeout period.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Deadlines {
    timeout: Duration,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    wake: Notify,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    /// In flight, by id; ids and deadlines grow together, so the first is the
    /// earliest.
    inflight: BTreeMap<u64, (Instant, Arc<Notify>)>,
    /// The deadline of the latest request. While it lies ahead the watchdog keeps
    /// sleeping towards it even with nothing in flight, so a steady stream of quick
    /// requests never has to wake it.
    last_deadline: Option<Instant>,
    /// Whether the watchdog is waiting for `wake` (no deadline to sleep until).
    idle: bool,
    closed: bool,
    task: Option<JoinHandle<()>>,
}

impl Deadlines {
    pub(crate) fn new(timeout: Duration) -> Deadlines {
        Deadlines {
            timeout,
            shared: Arc::new(Shared::default()),
        }
    }

    /// Runs `fut`; `None` when the timeout ran out first (the future is dropped).
    pub(crate) async fn run<F: Future>(&self, fut: F) -> Option<F::Output> {
        let cancel = Arc::new(Notify::new());
        let (id, wake) = {
            let mut s = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            let id = s.next_id;
            s.next_id += 1;
            let deadline = Instant::now() + self.timeout;
            s.inflight.insert(id, (deadline, cancel.clone()));
            s.last_deadline = Some(deadline);
            // A watchdog on another runtime that has shut down is gone: start anew.
            if s.task.as_ref().is_none_or(JoinHandle::is_finished) {
                s.idle = false;
                s.task = Some(tokio::spawn(watchdog(self.shared.clone())));
                (id, false)
            } else {
                (id, std::mem::take(&mut s.idle))
            }
        };
        if wake {
            self.shared.wake.notify_one();
        }
        let out = tokio::select! {
            biased;
            out = fut => Some(out),
            () = cancel.notified() => None,
        };
        self.shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .inflight
            .remove(&id);
        out
    }
}

impl Drop for Deadlines {
    fn drop(&mut self) {
        let mut s = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        s.closed = true;
        if let Some(task) = s.task.take() {
            task.abort();
        }
    }
}

async fn watchdog(shared: Arc<Shared>) {
    loop {
        let next = {
            let mut s = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            if s.closed {
                return;
            }
            let now = Instant::now();
            while let Some(entry) = s.inflight.first_entry() {
                if entry.get().0 > now {
                    break;
                }
                entry.remove().1.notify_one();
            }
            let next = s
                .inflight
                .first_key_value()
                .map(|(_, (d, _))| *d)
                .or(s.last_deadline.filter(|d| *d > now));
            s.idle = next.is_none();
            next
        };
        match next {
            Some(deadline) => tokio::time::sleep_until(deadline).await,
            None => shared.wake.notified().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fast_futures_finish_and_slow_ones_are_cancelled() {
        let d = Deadlines::new(Duration::from_millis(100));
        assert_eq!(d.run(async { 1 }).await, Some(1));
        let t = std::time::Instant::now();
        let slow = d.run(tokio::time::sleep(Duration::from_secs(5))).await;
        assert_eq!(slow, None);
        assert!(t.elapsed() < Duration::from_secs(1));
        // After an idle spell the watchdog is woken again.
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(
            d.run(tokio::time::sleep(Duration::from_secs(5))).await,
            None
        );
        let many = (0..50).map(|i| d.run(async move { i }));
        for (i, f) in many.enumerate() {
            assert_eq!(f.await, Some(i));
        }
        assert!(
            d.shared.state.lock().unwrap().inflight.is_empty(),
            "finished requests leave no entry"
        );
    }
}

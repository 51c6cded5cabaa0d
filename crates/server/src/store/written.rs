//! The flows this process wrote last, kept by [`CachedStore`](super::CachedStore)
//! so that a flow step usually starts without reading its flow
//! ([`PossessionStore::flow_as_written`](super::PossessionStore::flow_as_written)).
//!
//! A copy is a hint, not a read: another instance on the same database may
//! have changed the flow since. It is safe because every flow change is
//! conditional on the version the step started from: a step that started from
//! a stale copy changes nothing, and it reads the row and decides again before
//! it answers anything (`possession::flow::step`). A copy is refreshed by every
//! write and read of its flow through this store, and dropped when a change
//! based on it is refused.
//!
//! Copies hold the row as stored: the flow's data sealed with the server key,
//! the hash of its auth token. At most [`FlowCopies::MAX`] are kept; past that,
//! expired flows are dropped, and all of them if that is not enough (the next
//! steps read their flows again).

use super::FlowRecord;
use std::collections::HashMap;
use std::sync::Mutex;

/// Copies of flows by correlation id.
#[derive(Default)]
pub(super) struct FlowCopies(Mutex<HashMap<String, FlowRecord>>);

impl FlowCopies {
    /// The most copies kept (about 1 KB each).
    pub(super) const MAX: usize = 10_000;

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, FlowRecord>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The copy of a flow, if there is one.
    pub(super) fn get(&self, correlation_id: &str) -> Option<FlowRecord> {
        self.lock().get(correlation_id).cloned()
    }

    /// Keeps `f` as the flow's copy (it was just written or read).
    pub(super) fn keep(&self, f: &FlowRecord) {
        let mut copies = self.lock();
        if let Some(c) = copies.get_mut(&f.correlation_id) {
            c.clone_from(f);
            return;
        }
        if copies.len() >= Self::MAX {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            copies.retain(|_, c| c.expires_at > now);
            if copies.len() >= Self::MAX {
                copies.clear();
            }
        }
        copies.insert(f.correlation_id.clone(), f.clone());
    }

    /// The flow was read and is not there.
    pub(super) fn forget(&self, correlation_id: &str) {
        self.lock().remove(correlation_id);
    }

    /// A change of the flow from `expected_version` was accepted (`changed`) or
    /// refused: the copy follows the change, or is dropped when it was not the
    /// version changed (or the change was refused: the copy is stale).
    pub(super) fn changed(
        &self,
        correlation_id: &str,
        expected_version: i64,
        state: &str,
        data: &str,
        changed: bool,
    ) {
        let mut copies = self.lock();
        match copies.get_mut(correlation_id) {
            Some(c) if changed && c.version == expected_version => {
                c.version += 1;
                c.state.clear();
                c.state.push_str(state);
                c.data.clear();
                c.data.push_str(data);
            }
            Some(_) => {
                copies.remove(correlation_id);
            }
            None => {}
        }
    }
}

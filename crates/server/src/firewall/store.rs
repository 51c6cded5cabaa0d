//! What the firewall records: each time it saw an API key used client side
//! (a request with browser signals, or a CORS preflight asking to send
//! `Authorization`), and the mark it leaves on the key.
//!
//! The firewall owns this trait; `crate::store::sql` implements it for both
//! backends. Only the key's digest reaches the store, never the key.

use crate::store::StoreResult;

/// One client-side use of a key, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallEvent {
    /// Event id.
    pub id: String,
    /// `client_side` (a request with a key and browser signals, answered 418)
    /// or `preflight` (a CORS preflight asking to send `Authorization`).
    pub kind: String,
    /// The key's public id, when the request carried a key idv knows.
    pub key_id: Option<String>,
    /// The key's brand, likewise.
    pub brand_id: Option<String>,
    /// The `Origin` the browser sent, if any.
    pub origin: Option<String>,
    /// When, Unix seconds.
    pub created_at: i64,
}

/// The key a client-side use was recorded against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedKey {
    /// The key's public id.
    pub key_id: String,
    /// Its brand.
    pub brand_id: String,
}

/// The firewall's record.
#[async_trait::async_trait]
pub trait FirewallStore: Send + Sync + 'static {
    /// In one transaction: records `event` and, when `key_digest` names a
    /// known key, flags that key (first time kept) and counts the use; the
    /// event then names the key. Returns the flagged key, if any.
    async fn record_client_side(
        &self,
        event: &FirewallEvent,
        key_digest: Option<&str>,
    ) -> StoreResult<Option<FlaggedKey>>;
    /// The latest `limit` events, newest first.
    async fn firewall_events(&self, limit: i64) -> StoreResult<Vec<FirewallEvent>>;
}

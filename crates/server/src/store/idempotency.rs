//! The responses stored for `Idempotency-Key`s, which the idempotency guard
//! replays to a retried request.
//!
//! A trait of its own because the guard serves every surface that accepts the
//! header, and because these reads must never be cached: a replay has to see
//! the response the first request stored, from whichever instance stored it.

use super::StoreResult;

/// A stored response for an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The project that sent the key (keys are scoped per project).
    pub project_id: String,
    /// The key.
    pub key: String,
    /// SHA-256 of method, path and body, hex.
    pub request_hash: String,
    /// Stored HTTP status.
    pub status: i64,
    /// Stored body.
    pub body: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

/// Stored responses, keyed by project and `Idempotency-Key`.
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync + 'static {
    /// The stored response for a key, if it has not expired.
    async fn get_idempotency(
        &self,
        project_id: &str,
        key: &str,
        now: i64,
    ) -> StoreResult<Option<IdempotencyRecord>>;
    /// Stores a response for a key (keeps an unexpired earlier one).
    async fn put_idempotency(&self, r: &IdempotencyRecord, now: i64) -> StoreResult<()>;
    /// Deletes at most `limit` stored responses that expired before `before`;
    /// returns how many (the retention sweeper).
    async fn delete_expired_idempotency(&self, before: i64, limit: i64) -> StoreResult<u64>;
}

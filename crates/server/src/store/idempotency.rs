//! The `Idempotency-Key`s requests have claimed, and the responses stored for
//! them, which the idempotency guard replays to a retried request.
//!
//! A trait of its own because the guard serves every surface that accepts the
//! header, and because these reads must never be cached: a replay has to see
//! the response the first request stored, from whichever instance stored it.
//!
//! A key is claimed before its request runs ([`IdempotencyStore::claim_idempotency`],
//! one conditional insert, so of any number of concurrent requests on any
//! number of instances exactly one wins); the winner then stores its response
//! ([`IdempotencyStore::complete_idempotency`]) or gives the key back
//! ([`IdempotencyStore::release_idempotency`]). A claim is a lease: when its
//! owner never comes back (a crashed process), the key can be claimed again
//! once the lease has run out.

use super::StoreResult;

/// A completed request's stored response for an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The project that sent the key (keys are scoped per project).
    pub project_id: String,
    /// The key.
    pub key: String,
    /// SHA-256 of path and body, hex.
    pub request_hash: String,
    /// Stored HTTP status.
    pub status: i64,
    /// Stored body, as the guard gave it (sealed with the server key; rows
    /// written before sealing hold the JSON text).
    pub body: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

/// What is stored for a key that has not expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyEntry {
    /// A request holds the key and has not finished.
    InProgress {
        /// The request hash of the request that holds it.
        request_hash: String,
        /// When its lease runs out, Unix seconds.
        lease_until: i64,
    },
    /// The request finished and this is its response.
    Done(IdempotencyRecord),
}

impl IdempotencyEntry {
    /// The request hash of the request that claimed the key.
    pub fn request_hash(&self) -> &str {
        match self {
            IdempotencyEntry::InProgress { request_hash, .. } => request_hash,
            IdempotencyEntry::Done(r) => &r.request_hash,
        }
    }
}

/// What claiming a key gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller holds the key now, under the claim token it gave: it runs
    /// the request, then completes or releases the key with that token.
    Won,
    /// The key is held or was completed by another request.
    Taken(IdempotencyEntry),
}

/// Claimed keys and stored responses, keyed by project and `Idempotency-Key`.
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync + 'static {
    /// What is stored for a key, if it has not expired (an in-progress claim
    /// whose lease ran out reads as nothing).
    async fn get_idempotency(
        &self,
        project_id: &str,
        key: &str,
        now: i64,
    ) -> StoreResult<Option<IdempotencyEntry>>;

    /// Claims a key for the request whose hash is `request_hash`, under the
    /// caller's random `claim` token, until `lease_until`, unless an unexpired
    /// entry holds it: one conditional insert (an expired entry is taken over),
    /// so exactly one of any number of concurrent claims wins.
    async fn claim_idempotency(
        &self,
        project_id: &str,
        key: &str,
        request_hash: &str,
        claim: &str,
        lease_until: i64,
        now: i64,
    ) -> StoreResult<Claim>;

    /// Stores the response of the request that holds the key under `claim`
    /// (`r.request_hash` is ignored: the claim's stays). False when the claim
    /// is no longer held (its lease ran out and another request took the key).
    async fn complete_idempotency(&self, r: &IdempotencyRecord, claim: &str) -> StoreResult<bool>;

    /// Gives a claimed key back (its request failed and took no effect), so a
    /// retry can run. Does nothing when the claim is no longer held.
    async fn release_idempotency(
        &self,
        project_id: &str,
        key: &str,
        claim: &str,
    ) -> StoreResult<()>;

    /// Deletes at most `limit` stored responses that expired before `before`;
    /// returns how many (the retention sweeper).
    async fn delete_expired_idempotency(&self, before: i64, limit: i64) -> StoreResult<u64>;
}

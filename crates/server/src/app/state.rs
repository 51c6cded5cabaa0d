//! What every handler shares: the store, the rate limiter and the budgets of
//! failed authentications, the clock, the instance's region and tier, the
//! handler timeout, the server key, and what derives from it: the encrypted
//! object store of document images and the signer of their file URLs.

use crate::clock::Clock;
use crate::config::{Region, Tier};
use crate::domain::SealKey;
use crate::domain::signed::UrlSigner;
use crate::firewall::Firewall;
use crate::guard::ratelimit::{FailureBudgets, Gcra, RateLimiter};
use crate::possession;
use crate::store::objects::Objects;
use crate::store::{CachedStore, DynStore};
use idv_core::limits::REQUEST_HANDLER_TIMEOUT_SECONDS;
use std::sync::Arc;
use std::time::Duration;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Persistent state.
    pub store: DynStore,
    /// The rate limiter.
    pub limiter: Arc<dyn RateLimiter>,
    /// The budgets of failed authentications (per peer address and per
    /// claimed client id), shared by every credential kind.
    pub auth_failures: Arc<FailureBudgets>,
    /// The clock (tests move it forward).
    pub clock: Clock,
    /// The instance's region.
    pub region: Region,
    /// The instance's tier.
    pub tier: Tier,
    /// The server key that seals data at rest (`domain::crypto`).
    pub key: SealKey,
    /// The URL callers reach this instance at (`servers` of `/openapi.json`).
    pub public_url: Arc<str>,
    /// The firewall in front of the signup surface (its settings and volume limiter).
    pub firewall: Arc<Firewall>,
    /// How long the edge waits for a handler's answer, counted from the end of
    /// the request body, before it answers the surface's `timed_out` (the
    /// handler runs on; `handler_timeout`, below the Idempotency-Key lease).
    pub handler_timeout: Duration,
    /// Document images, encrypted with a key derived from [`AppState::key`].
    pub objects: Objects,
    /// Signs and checks `/api/v1/files/{signed}` URLs with a key derived from
    /// [`AppState::key`].
    pub urls: UrlSigner,
}

impl AppState {
    /// State with the in-process rate limiter at the possession surface's quota
    /// (25 requests per second, burst 25) and the authentication lookups cached
    /// in front of `store` ([`CachedStore`]), and a random server key (data it
    /// seals cannot be read by another process: `idv serve` uses [`AppState::with_key`]),
    /// and objects kept in memory (`idv serve` uses [`AppState::with_objects`]).
    pub fn new(store: DynStore, region: Region, tier: Tier) -> AppState {
        let quota = possession::EDGE.quota_per_second;
        let key = SealKey::random();
        AppState {
            store: Arc::new(CachedStore::new(store)),
            limiter: Arc::new(Gcra::new(quota, quota)),
            auth_failures: Arc::new(FailureBudgets::default()),
            clock: Clock::default(),
            region,
            tier,
            objects: Objects::in_memory(&key),
            urls: UrlSigner::new(&key),
            key,
            public_url: format!("http://{}", crate::config::DEFAULT_LISTEN).into(),
            firewall: Arc::new(Firewall::default()),
            handler_timeout: Duration::from_secs(REQUEST_HANDLER_TIMEOUT_SECONDS),
        }
    }

    /// The same state with the server key `key` (and the object key and URL
    /// signer derived from it).
    pub fn with_key(mut self, key: SealKey) -> AppState {
        self.objects = self.objects.rekeyed(&key);
        self.urls = UrlSigner::new(&key);
        self.key = key;
        self
    }

    /// The same state storing document images in `objects`.
    pub fn with_objects(mut self, objects: Objects) -> AppState {
        self.objects = objects;
        self
    }
}

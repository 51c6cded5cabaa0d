//! A short-lived cache of the two reads every authenticated request makes (the
//! access token, then its project), in front of any [`Store`].
//!
//! Without it, each request pays one or two database round trips before the rate
//! limiter can even decide, so a client over its limit, or a caller with an unknown
//! token, costs the database as much as real work (bench/README.md). Entries live
//! [`CachedStore::TTL`]; unknown tokens are cached too, so random tokens cannot
//! reach the database faster than once per TTL each, and the cache is bounded.
//!
//! Invariant: a revocation made through this store (the server's own) takes effect
//! at once, because `revoke_client` drops the client's cached tokens; one made by
//! another process on the same database (`idv admin client revoke`) takes effect
//! within the TTL. Expiry needs no invalidation: callers compare `expires_at` with
//! the clock on every request.

use super::*;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A [`Store`] that caches token and project lookups for a short time.
pub struct CachedStore {
    inner: DynStore,
    tokens: Mutex<HashMap<String, (Instant, Option<TokenRecord>)>>,
    projects: Mutex<HashMap<String, (Instant, Project)>>,
}

impl CachedStore {
    /// How long a lookup is reused.
    pub const TTL: Duration = Duration::from_secs(1);
    /// Past this many entries, expired ones are dropped (and all of them if that is
    /// not enough).
    pub const MAX_ENTRIES: usize = 50_000;

    /// Wraps `inner`.
    pub fn new(inner: DynStore) -> CachedStore {
        CachedStore {
            inner,
            tokens: Mutex::new(HashMap::new()),
            projects: Mutex::new(HashMap::new()),
        }
    }
}

fn fresh<V: Clone>(map: &Mutex<HashMap<String, (Instant, V)>>, key: &str) -> Option<V> {
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.get(key)
        .filter(|(at, _)| at.elapsed() < CachedStore::TTL)
        .map(|(_, v)| v.clone())
}

fn remember<V>(map: &Mutex<HashMap<String, (Instant, V)>>, key: &str, value: V) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= CachedStore::MAX_ENTRIES {
        map.retain(|_, (at, _)| at.elapsed() < CachedStore::TTL);
        if map.len() >= CachedStore::MAX_ENTRIES {
            map.clear();
        }
    }
    map.insert(key.to_string(), (Instant::now(), value));
}

#[async_trait::async_trait]
impl Store for CachedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn close(&self) {
        self.inner.close().await
    }
    async fn count_projects(&self) -> StoreResult<i64> {
        self.inner.count_projects().await
    }
    async fn insert_project(&self, p: &Project) -> StoreResult<()> {
        self.inner.insert_project(p).await
    }
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>> {
        if let Some(p) = fresh(&self.projects, id) {
            return Ok(Some(p));
        }
        let p = self.inner.get_project(id).await?;
        if let Some(p) = &p {
            remember(&self.projects, id, p.clone());
        }
        Ok(p)
    }
    async fn insert_client(&self, c: &ClientRecord) -> StoreResult<()> {
        self.inner.insert_client(c).await
    }
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
        self.inner.get_client(client_id).await
    }
    async fn revoke_client(&self, client_id: &str, now: i64) -> StoreResult<bool> {
        let revoked = self.inner.revoke_client(client_id, now).await?;
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (_, t)| t.as_ref().is_none_or(|t| t.client_id != client_id));
        Ok(revoked)
    }
    async fn insert_token(
        &self,
        token_hash: &str,
        client_id: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        self.inner
            .insert_token(token_hash, client_id, expires_at, now)
            .await?;
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(token_hash);
        Ok(())
    }
    async fn get_token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        if let Some(t) = fresh(&self.tokens, token_hash) {
            return Ok(t);
        }
        let t = self.inner.get_token(token_hash).await?;
        remember(&self.tokens, token_hash, t.clone());
        Ok(t)
    }
    async fn insert_flow(&self, f: &FlowRecord) -> StoreResult<()> {
        self.inner.insert_flow(f).await
    }
    async fn get_flow(&self, correlation_id: &str) -> StoreResult<Option<FlowRecord>> {
        self.inner.get_flow(correlation_id).await
    }
    async fn get_flow_by_auth_token(&self, token_hash: &str) -> StoreResult<Option<FlowRecord>> {
        self.inner.get_flow_by_auth_token(token_hash).await
    }
    async fn update_flow(
        &self,
        correlation_id: &str,
        expected_version: i64,
        state: &str,
        data: &str,
        effects: &[SideEffect],
    ) -> StoreResult<bool> {
        self.inner
            .update_flow(correlation_id, expected_version, state, data, effects)
            .await
    }
    async fn get_identity(
        &self,
        project_id: &str,
        identity_id: &str,
    ) -> StoreResult<Option<IdentityRecord>> {
        self.inner.get_identity(project_id, identity_id).await
    }
    async fn get_device(&self, device_id: &str) -> StoreResult<Option<DeviceRecord>> {
        self.inner.get_device(device_id).await
    }
    async fn revoke_device(
        &self,
        project_id: &str,
        device_id: &str,
        now: i64,
    ) -> StoreResult<bool> {
        self.inner.revoke_device(project_id, device_id, now).await
    }
    async fn get_idempotency(
        &self,
        project_id: &str,
        key: &str,
        now: i64,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        self.inner.get_idempotency(project_id, key, now).await
    }
    async fn put_idempotency(&self, r: &IdempotencyRecord, now: i64) -> StoreResult<()> {
        self.inner.put_idempotency(r, now).await
    }
}

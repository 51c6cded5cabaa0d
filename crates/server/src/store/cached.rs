//! A cache of what every authenticated request reads (the access token and its
//! project, [`AuthStore::get_caller`]; the API token and its workspace,
//! [`AuthStore::get_api_caller`]), in front of any [`Store`](super::Store).
//!
//! Only the [`AuthStore`] part is cached as such; [`IdempotencyStore`] and
//! [`PossessionStore`] calls go straight to the wrapped store, since their rows
//! change under every request and must be read where they are written. The one
//! exception is a hint: the copy of each flow as this process last wrote or
//! read it ([`PossessionStore::flow_as_written`], `written.rs`), which a flow
//! step starts from instead of reading the row, and which is safe because the
//! step's change is refused unless the row's version is still the copy's.
//!
//! Without it, each request pays one or two database round trips before the rate
//! limiter can even decide, so a client over its limit, or a caller with an unknown
//! token, costs the database as much as real work (bench/README.md).
//!
//! What can change under a cached entry, and how the cache follows:
//! - expiry: nothing to do, callers compare `expires_at` with the clock on every
//!   request;
//! - a revocation through this store (the server's own): `revoke_client` drops
//!   the client's cached tokens at once, `revoke_api_token` the API token;
//! - a revocation by another process on the same database (`idv admin client
//!   revoke`, another instance): once per [`CachedStore::TTL`] the first lookup
//!   reads the [`RevocationMark`] (one indexed query, whatever the number of
//!   tokens), and when it moved, every cached token is dropped. So such a
//!   revocation takes effect within the TTL, and a busy server with thousands of
//!   clients makes one query per second for it instead of one per token;
//! - projects and workspaces are never changed or deleted (a workspace's flow
//!   overrides are read by the verification store, not from here).
//!
//! When the mark cannot be read, authentication fails closed (the request gets
//! 8000: a revocation may have been missed). The failure is remembered for a TTL,
//! so during an outage requests fail at once instead of each trying the database
//! in turn behind the others, and the first lookup after it reads the mark again.
//!
//! Unknown tokens are cached too, so random tokens cannot reach the database
//! more than once each. Entries older than [`CachedStore::MAX_AGE`] are read again
//! anyway, and the maps are bounded by [`CachedStore::MAX_ENTRIES`].

use super::written::FlowCopies;
use super::{
    ApiCaller, ApiKeyRecord, ApiTokenRecord, AuthStore, BrandRecord, Caller, Claim, ClientRecord,
    DeviceRecord, DynStore, Finish, FirewallEvent, FirewallStore, FlaggedKey, FlowRecord,
    IdempotencyEntry, IdempotencyRecord, IdempotencyStore, IdentityRecord, JobRecord, JobSpec,
    JobStore, PossessionStore, Project, RequestRecord, RevocationMark, SideEffect, SignupStore,
    StoreError, StoreResult, TokenRecord, Workspace,
};
use crate::store::{
    BlacklistEntry, CommentRecord, HistoryRecord, Page, VerificationChange, VerificationRecord,
    VerificationStore,
};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the last reads of the revocation mark gave.
#[derive(Default)]
struct MarkState {
    /// The last mark read.
    last: Option<RevocationMark>,
    /// Until when (milliseconds after `born`) a failed read is answered again
    /// without trying, and its cause.
    failed: Option<(u64, String)>,
}

/// Cached lookups by key, each with the time it was read.
type Entries<K, V> = Mutex<HashMap<K, (Instant, V)>>;

/// A token's cache key: its 64 hex digits, held inline (no pointer to chase on
/// a lookup). Hashes of another length (none that idv writes) are not cached.
fn token_key(token_hash: &str) -> Option<TokenKey> {
    token_hash.as_bytes().try_into().ok().map(TokenKey)
}

/// The hex SHA-256 of a token. Equality compares all 64 digits; the map's
/// (keyed, per-process) hasher only reads the first 16, which is 64 bits of a
/// digest and so as good a spread as the whole, at a quarter of the hashing.
#[derive(Clone, Copy, PartialEq, Eq)]
struct TokenKey([u8; 64]);

impl Hash for TokenKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(&self.0[..16]);
    }
}

/// A [`Store`](super::Store) that caches token and project lookups. Both are kept as `Arc`s,
/// so a hit costs a map lookup and a reference count, no copy.
pub struct CachedStore {
    inner: DynStore,
    tokens: Entries<TokenKey, Option<Caller>>,
    projects: Entries<String, Arc<Project>>,
    api_tokens: Entries<String, Option<ApiCaller>>,
    workspaces: Entries<String, Arc<Workspace>>,
    /// When the cache was made: the origin of `mark_fresh_until`.
    born: Instant,
    /// Until when (milliseconds after `born`) the last revocation mark read is
    /// recent enough to serve cached tokens without reading it again.
    mark_fresh_until: AtomicU64,
    /// The last mark read (and the last failure to read it); held while reading
    /// a new one, so one lookup reads it and the others wait for its answer
    /// instead of all querying.
    mark: tokio::sync::Mutex<MarkState>,
    /// Bumped whenever tokens are dropped for a revocation: a lookup that read
    /// the database before the bump does not put its (maybe stale) answer back.
    generation: AtomicU64,
    /// The flows as last written or read here.
    flows: FlowCopies,
}

impl CachedStore {
    /// How often the revocation mark is read: a client revoked by another process
    /// loses access within this time.
    pub const TTL: Duration = Duration::from_secs(1);
    /// How long an entry is used at most before it is read again.
    pub const MAX_AGE: Duration = Duration::from_secs(60);
    /// Past this many entries, old ones are dropped (and all of them if that is
    /// not enough).
    pub const MAX_ENTRIES: usize = 50_000;

    /// Wraps `inner`.
    pub fn new(inner: DynStore) -> CachedStore {
        CachedStore {
            inner,
            tokens: Mutex::new(HashMap::new()),
            projects: Mutex::new(HashMap::new()),
            api_tokens: Mutex::new(HashMap::new()),
            workspaces: Mutex::new(HashMap::new()),
            born: Instant::now(),
            mark_fresh_until: AtomicU64::new(0),
            mark: tokio::sync::Mutex::new(MarkState::default()),
            generation: AtomicU64::new(0),
            flows: FlowCopies::default(),
        }
    }

    /// Drops cached tokens (those `keep` refuses) after a revocation.
    fn drop_tokens(&self, keep: impl FnMut(&TokenKey, &mut (Instant, Option<Caller>)) -> bool) {
        let mut tokens = lock(&self.tokens);
        self.generation.fetch_add(1, Ordering::AcqRel);
        tokens.retain(keep);
    }

    fn ms_since_born(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.born).as_millis() as u64
    }

    /// Reads the revocation mark when the last reading is older than the TTL;
    /// drops every cached token when it moved.
    async fn follow_revocations(&self, now: Instant) -> StoreResult<()> {
        if self.ms_since_born(now) < self.mark_fresh_until.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut state = self.mark.lock().await;
        // Another lookup may have read it while this one waited.
        let read_at = self.ms_since_born(Instant::now());
        if read_at < self.mark_fresh_until.load(Ordering::Acquire) {
            return Ok(());
        }
        // The last read failed less than a TTL ago: fail at once (closed: a
        // revocation may have been missed) instead of every waiting request
        // trying the database in turn, each up to its timeout.
        if let Some((until, cause)) = &state.failed
            && read_at < *until
        {
            return Err(StoreError(sqlx::Error::Protocol(cause.clone())));
        }
        let mark = match self.inner.revocation_mark().await {
            Ok(mark) => mark,
            Err(e) => {
                let cause = format!("reading the revocation mark: {}", e.0);
                state.failed = Some((read_at + Self::TTL.as_millis() as u64, cause));
                return Err(e);
            }
        };
        state.failed = None;
        if state.last != Some(mark) {
            if state.last.is_some() {
                self.drop_tokens(|_, _| false);
                lock(&self.api_tokens).clear();
            }
            state.last = Some(mark);
        }
        self.mark_fresh_until
            .store(read_at + Self::TTL.as_millis() as u64, Ordering::Release);
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn fresh<K, Q, V>(map: &Entries<K, V>, key: &Q, now: Instant) -> Option<V>
where
    K: Borrow<Q> + Hash + Eq,
    Q: Hash + Eq + ?Sized,
    V: Clone,
{
    lock(map)
        .get(key)
        .filter(|(at, _)| now.saturating_duration_since(*at) < CachedStore::MAX_AGE)
        .map(|(_, v)| v.clone())
}

fn remember<K, Q, V>(map: &mut HashMap<K, (Instant, V)>, key: &Q, value: V)
where
    K: Borrow<Q> + Hash + Eq,
    Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
{
    if let Some(slot) = map.get_mut(key) {
        *slot = (Instant::now(), value);
        return;
    }
    if map.len() >= CachedStore::MAX_ENTRIES {
        map.retain(|_, (at, _)| at.elapsed() < CachedStore::MAX_AGE);
        if map.len() >= CachedStore::MAX_ENTRIES {
            map.clear();
        }
    }
    map.insert(key.to_owned(), (Instant::now(), value));
}

#[async_trait::async_trait]
impl AuthStore for CachedStore {
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
    async fn get_project(&self, id: &str) -> StoreResult<Option<Arc<Project>>> {
        if let Some(p) = fresh(&self.projects, id, Instant::now()) {
            return Ok(Some(p));
        }
        let p = self.inner.get_project(id).await?;
        if let Some(p) = &p {
            remember(&mut lock(&self.projects), id, p.clone());
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
        self.drop_tokens(|_, (_, c)| c.as_ref().is_none_or(|(t, _)| t.client_id != client_id));
        Ok(revoked)
    }
    async fn count_workspaces(&self) -> StoreResult<i64> {
        self.inner.count_workspaces().await
    }
    async fn insert_workspace(&self, w: &Workspace) -> StoreResult<()> {
        self.inner.insert_workspace(w).await
    }
    async fn get_workspace(&self, id: &str) -> StoreResult<Option<Arc<Workspace>>> {
        if let Some(w) = fresh(&self.workspaces, id, Instant::now()) {
            return Ok(Some(w));
        }
        let w = self.inner.get_workspace(id).await?;
        if let Some(w) = &w {
            remember(&mut lock(&self.workspaces), id, w.clone());
        }
        Ok(w)
    }
    async fn insert_api_token(&self, t: &ApiTokenRecord) -> StoreResult<()> {
        self.inner.insert_api_token(t).await?;
        lock(&self.api_tokens).remove(t.id.as_str());
        Ok(())
    }
    async fn get_api_token(&self, id: &str) -> StoreResult<Option<Arc<ApiTokenRecord>>> {
        // Authentication reads through get_api_caller; this one is not cached.
        self.inner.get_api_token(id).await
    }
    async fn list_api_tokens(&self, workspace_id: &str) -> StoreResult<Vec<ApiTokenRecord>> {
        self.inner.list_api_tokens(workspace_id).await
    }
    async fn revoke_api_token(&self, id: &str, now: i64) -> StoreResult<bool> {
        let revoked = self.inner.revoke_api_token(id, now).await?;
        // Bumping the generation keeps a lookup that read the token before the
        // revocation from putting it back.
        self.generation.fetch_add(1, Ordering::AcqRel);
        lock(&self.api_tokens).remove(id);
        Ok(revoked)
    }
    async fn touch_api_token(&self, id: &str, now: i64) -> StoreResult<()> {
        self.inner.touch_api_token(id, now).await
    }
    async fn get_api_caller(&self, id: &str) -> StoreResult<Option<ApiCaller>> {
        let now = Instant::now();
        self.follow_revocations(now).await?;
        if let Some(c) = fresh(&self.api_tokens, id, now) {
            return Ok(c);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let caller = match self.inner.get_api_token(id).await? {
            Some(token) => self
                .get_workspace(&token.workspace_id)
                .await?
                .map(|w| (token, w)),
            None => None,
        };
        let mut tokens = lock(&self.api_tokens);
        if self.generation.load(Ordering::Acquire) == generation {
            remember(&mut tokens, id, caller.clone());
        }
        Ok(caller)
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
        if let Some(key) = token_key(token_hash) {
            lock(&self.tokens).remove(&key);
        }
        Ok(())
    }
    async fn revocation_mark(&self) -> StoreResult<RevocationMark> {
        self.inner.revocation_mark().await
    }
    async fn delete_expired_tokens(&self, before: i64, limit: i64) -> StoreResult<u64> {
        // A cached token carries its expiry, which authentication checks, so a
        // deleted expired token needs no cache change.
        self.inner.delete_expired_tokens(before, limit).await
    }
    async fn get_token(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenRecord>>> {
        // Authentication reads through get_caller; this one is not cached.
        self.inner.get_token(token_hash).await
    }
    async fn get_caller(&self, token_hash: &str) -> StoreResult<Option<Caller>> {
        let Some(key) = token_key(token_hash) else {
            return self.inner.get_caller(token_hash).await;
        };
        let now = Instant::now();
        self.follow_revocations(now).await?;
        if let Some(c) = fresh(&self.tokens, &key, now) {
            return Ok(c);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let caller = match self.inner.get_token(token_hash).await? {
            Some(token) => self
                .get_project(&token.project_id)
                .await?
                .map(|project| (token, project)),
            None => None,
        };
        let mut tokens = lock(&self.tokens);
        if self.generation.load(Ordering::Acquire) == generation {
            remember(&mut tokens, &key, caller.clone());
        }
        Ok(caller)
    }
}

#[async_trait::async_trait]
impl PossessionStore for CachedStore {
    async fn insert_flow_with(&self, f: &FlowRecord, effects: &[SideEffect]) -> StoreResult<()> {
        self.inner.insert_flow_with(f, effects).await?;
        self.flows.keep(f);
        Ok(())
    }
    async fn get_flow(&self, correlation_id: &str) -> StoreResult<Option<FlowRecord>> {
        let found = self.inner.get_flow(correlation_id).await?;
        match &found {
            Some(f) => self.flows.keep(f),
            None => self.flows.forget(correlation_id),
        }
        Ok(found)
    }
    fn flow_as_written(&self, correlation_id: &str) -> Option<FlowRecord> {
        self.flows.get(correlation_id)
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
        let changed = self
            .inner
            .update_flow(correlation_id, expected_version, state, data, effects)
            .await?;
        self.flows
            .changed(correlation_id, expected_version, state, data, changed);
        Ok(changed)
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
    async fn delete_expired_flows(&self, before: i64, limit: i64) -> StoreResult<u64> {
        self.inner.delete_expired_flows(before, limit).await
    }
}

#[async_trait::async_trait]
impl IdempotencyStore for CachedStore {
    async fn get_idempotency(
        &self,
        project_id: &str,
        key: &str,
        now: i64,
    ) -> StoreResult<Option<IdempotencyEntry>> {
        self.inner.get_idempotency(project_id, key, now).await
    }
    async fn claim_idempotency(
        &self,
        project_id: &str,
        key: &str,
        request_hash: &str,
        claim: &str,
        lease_until: i64,
        now: i64,
    ) -> StoreResult<Claim> {
        self.inner
            .claim_idempotency(project_id, key, request_hash, claim, lease_until, now)
            .await
    }
    async fn complete_idempotency(&self, r: &IdempotencyRecord, claim: &str) -> StoreResult<bool> {
        self.inner.complete_idempotency(r, claim).await
    }
    async fn release_idempotency(
        &self,
        project_id: &str,
        key: &str,
        claim: &str,
    ) -> StoreResult<()> {
        self.inner.release_idempotency(project_id, key, claim).await
    }
    async fn delete_expired_idempotency(&self, before: i64, limit: i64) -> StoreResult<u64> {
        self.inner.delete_expired_idempotency(before, limit).await
    }
}

/// Brands and API keys pass through: a revoked key stops working at once.
#[async_trait::async_trait]
impl SignupStore for CachedStore {
    async fn count_brands(&self) -> StoreResult<i64> {
        self.inner.count_brands().await
    }
    async fn insert_brand(&self, b: &BrandRecord) -> StoreResult<()> {
        self.inner.insert_brand(b).await
    }
    async fn get_brand(&self, id: &str) -> StoreResult<Option<BrandRecord>> {
        self.inner.get_brand(id).await
    }
    async fn insert_api_key(&self, k: &ApiKeyRecord) -> StoreResult<()> {
        self.inner.insert_api_key(k).await
    }
    async fn get_api_key(
        &self,
        key_digest: &str,
    ) -> StoreResult<Option<(ApiKeyRecord, BrandRecord)>> {
        self.inner.get_api_key(key_digest).await
    }
    async fn get_api_key_by_id(&self, key_id: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.inner.get_api_key_by_id(key_id).await
    }
    async fn revoke_api_key(&self, key_id: &str, now: i64) -> StoreResult<bool> {
        self.inner.revoke_api_key(key_id, now).await
    }
    async fn insert_request(&self, r: &RequestRecord) -> StoreResult<()> {
        self.inner.insert_request(r).await
    }
    async fn get_request(&self, brand_id: &str, uuid: &str) -> StoreResult<Option<RequestRecord>> {
        self.inner.get_request(brand_id, uuid).await
    }
    async fn delete_expired_requests(&self, before: i64, limit: i64) -> StoreResult<u64> {
        self.inner.delete_expired_requests(before, limit).await
    }
}

#[async_trait::async_trait]
impl VerificationStore for CachedStore {
    async fn insert_verification(
        &self,
        v: &VerificationRecord,
        created: &HistoryRecord,
    ) -> StoreResult<()> {
        self.inner.insert_verification(v, created).await
    }
    async fn get_verification(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> StoreResult<Option<VerificationRecord>> {
        self.inner.get_verification(workspace_id, id).await
    }
    async fn get_verification_by_capture(
        &self,
        capture_hash: &str,
    ) -> StoreResult<Option<VerificationRecord>> {
        self.inner.get_verification_by_capture(capture_hash).await
    }
    async fn list_verifications(
        &self,
        workspace_id: &str,
        flow: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Page<VerificationRecord>> {
        self.inner
            .list_verifications(workspace_id, flow, offset, limit)
            .await
    }
    async fn change_verification(&self, change: &VerificationChange) -> StoreResult<bool> {
        self.inner.change_verification(change).await
    }
    async fn verification_history(&self, id: &str) -> StoreResult<Vec<HistoryRecord>> {
        self.inner.verification_history(id).await
    }
    async fn insert_comment(&self, c: &CommentRecord) -> StoreResult<bool> {
        self.inner.insert_comment(c).await
    }
    async fn verification_comments(&self, id: &str) -> StoreResult<Vec<CommentRecord>> {
        self.inner.verification_comments(id).await
    }
    async fn insert_blacklist_entry(&self, e: &BlacklistEntry) -> StoreResult<()> {
        self.inner.insert_blacklist_entry(e).await
    }
    async fn list_blacklist(&self, workspace_id: &str) -> StoreResult<Vec<BlacklistEntry>> {
        self.inner.list_blacklist(workspace_id).await
    }
    async fn delete_blacklist_entry(&self, workspace_id: &str, id: &str) -> StoreResult<bool> {
        self.inner.delete_blacklist_entry(workspace_id, id).await
    }
}

#[async_trait::async_trait]
impl FirewallStore for CachedStore {
    async fn record_client_side(
        &self,
        event: &FirewallEvent,
        key_digest: Option<&str>,
    ) -> StoreResult<Option<FlaggedKey>> {
        self.inner.record_client_side(event, key_digest).await
    }
    async fn firewall_events(&self, limit: i64) -> StoreResult<Vec<FirewallEvent>> {
        self.inner.firewall_events(limit).await
    }
}

#[async_trait::async_trait]
impl JobStore for CachedStore {
    async fn enqueue(&self, job: &JobSpec) -> StoreResult<Option<i64>> {
        self.inner.enqueue(job).await
    }
    async fn claim(
        &self,
        kinds: &[String],
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> StoreResult<Option<JobRecord>> {
        self.inner.claim(kinds, owner, now, lease_until).await
    }
    async fn renew_lease(&self, id: i64, owner: &str, lease_until: i64) -> StoreResult<bool> {
        self.inner.renew_lease(id, owner, lease_until).await
    }
    async fn finish_job(&self, id: i64, owner: &str, now: i64, how: &Finish) -> StoreResult<bool> {
        self.inner.finish_job(id, owner, now, how).await
    }
    async fn get_job(&self, id: i64) -> StoreResult<Option<JobRecord>> {
        self.inner.get_job(id).await
    }
    async fn jobs_of_kind(&self, kind: &str, limit: i64) -> StoreResult<Vec<JobRecord>> {
        self.inner.jobs_of_kind(kind, limit).await
    }
    async fn delete_done_jobs(&self, before: i64, limit: i64) -> StoreResult<u64> {
        self.inner.delete_done_jobs(before, limit).await
    }
}

// Documents are never cached: the delegation of the documents' store.
#[async_trait::async_trait]
impl crate::store::DocumentStore for CachedStore {
    async fn change_documents(
        &self,
        change: &crate::store::DocumentChange,
    ) -> StoreResult<crate::store::ChangeOutcome> {
        self.inner.change_documents(change).await
    }
    async fn get_document(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> StoreResult<Option<crate::store::DocumentRecord>> {
        self.inner.get_document(workspace_id, id).await
    }
    async fn verification_documents(
        &self,
        verification_id: &str,
    ) -> StoreResult<Vec<crate::store::DocumentRecord>> {
        self.inner.verification_documents(verification_id).await
    }
    async fn document_images(
        &self,
        document_id: &str,
    ) -> StoreResult<Vec<crate::store::ImageRecord>> {
        self.inner.document_images(document_id).await
    }
    async fn document_decisions(
        &self,
        document_id: &str,
    ) -> StoreResult<Vec<crate::store::DecisionRecord>> {
        self.inner.document_decisions(document_id).await
    }
    async fn verification_image_keys(&self, verification_id: &str) -> StoreResult<Vec<String>> {
        self.inner.verification_image_keys(verification_id).await
    }
    async fn delete_verification_images(&self, verification_id: &str) -> StoreResult<()> {
        self.inner.delete_verification_images(verification_id).await
    }
}

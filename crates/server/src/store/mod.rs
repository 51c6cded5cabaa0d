//! Persistent state behind one trait, so the surfaces never see which database
//! holds it.
//!
//! [`Store`] has two implementations, [`SqliteStore`] (the embedded default) and
//! [`PgStore`] (for several instances behind a load balancer). Both are written
//! once, in `sql.rs`, with runtime queries whose placeholders both databases
//! accept; each backend has its own append-only migrations under
//! `crates/server/migrations/<backend>/`.
//!
//! Invariant: every change of a flow is a single transaction that starts with a
//! conditional update on the flow's version ([`Store::update_flow`]), so two
//! concurrent identical step calls can never both succeed.

mod cached;
mod sql;

pub use cached::CachedStore;
pub use sql::{PgStore, SqliteStore};

use std::sync::Arc;

/// A failure of the database; the surfaces answer it with 8000 and log the cause.
#[derive(Debug, thiserror::Error)]
#[error("database error: {0}")]
pub struct StoreError(#[from] pub sqlx::Error);

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A project (tenant): the owner of OAuth clients, flows, identities and keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Project id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `us` or `eu`: the region whose endpoint the project's credentials work on.
    pub region: String,
    /// `sandbox` or `production`.
    pub tier: String,
    /// The Prove solution the project is for (`prefill`, `identity`, `unify`, …).
    pub solution: String,
    /// ISO 3166-1 alpha-2 countries the project may verify numbers of; `*` for any.
    pub countries: Vec<String>,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// An OAuth client of a project. The secret is stored only as a hash.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientRecord {
    /// The public client id.
    pub client_id: String,
    /// Its project.
    pub project_id: String,
    /// SHA-256 of the client secret, hex.
    pub secret_hash: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

impl std::fmt::Debug for ClientRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRecord")
            .field("client_id", &self.client_id)
            .field("project_id", &self.project_id)
            .field("secret_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// What an access token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The client it was issued to.
    pub client_id: String,
    /// The client's project.
    pub project_id: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// Whether the client has been revoked since.
    pub client_revoked: bool,
}

/// An access token and its client's project, as [`Store::get_caller`] returns
/// them.
pub type Caller = (Arc<TokenRecord>, Arc<Project>);

/// How many clients are revoked, and the latest revocation time. Revocation is
/// permanent and clients are never deleted, so any revocation changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RevocationMark {
    /// Revoked clients.
    pub revoked: i64,
    /// The latest `revoked_at`, Unix seconds (0 when none).
    pub latest: i64,
}

/// One flow (Pre-Fill, Prove Identity or Unify), keyed by its correlation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRecord {
    /// The correlation id.
    pub correlation_id: String,
    /// The project that started it.
    pub project_id: String,
    /// `prefill`, `identity` or `unify`.
    pub kind: String,
    /// Where the flow stands.
    pub state: String,
    /// Bumped by every change; the conditional update compares it.
    pub version: i64,
    /// The flow's data, as JSON.
    pub data: String,
    /// SHA-256 of the flow's client auth token, hex.
    pub auth_token_hash: String,
    /// Start time, Unix seconds.
    pub created_at: i64,
    /// Expiry of the correlation id, Unix seconds.
    pub expires_at: i64,
}

/// An identity created by a completed flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    /// Identity id (also the Unify `proveId`).
    pub identity_id: String,
    /// Its project.
    pub project_id: String,
    /// The flow that created it.
    pub correlation_id: String,
    /// Its data, as JSON.
    pub data: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// A Prove Key bound to a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The device (key) id.
    pub device_id: String,
    /// Its project.
    pub project_id: String,
    /// The E.164 number it was bound to.
    pub phone_number: String,
    /// The identity it authenticates.
    pub prove_id: String,
    /// Bind time, Unix seconds.
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

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

/// A row written in the same transaction as a flow change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideEffect {
    /// Enrol an identity.
    Identity(IdentityRecord),
    /// Bind a Prove Key.
    Device(DeviceRecord),
}

/// Everything idv-server keeps. See the module docs for the invariant.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Closes the pool once in-flight queries finish, so everything committed is on disk.
    async fn close(&self);
    /// Number of projects (0 on a fresh database).
    async fn count_projects(&self) -> StoreResult<i64>;
    /// Creates a project.
    async fn insert_project(&self, p: &Project) -> StoreResult<()>;
    /// A project by id.
    async fn get_project(&self, id: &str) -> StoreResult<Option<Arc<Project>>>;
    /// Creates an OAuth client.
    async fn insert_client(&self, c: &ClientRecord) -> StoreResult<()>;
    /// An OAuth client by id.
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>>;
    /// Revokes a client; false when it does not exist or was already revoked.
    async fn revoke_client(&self, client_id: &str, now: i64) -> StoreResult<bool>;
    /// A mark that changes whenever a client is revoked, by this process or any
    /// other on the same database. [`CachedStore`] reads it once per
    /// [`CachedStore::TTL`] instead of reading every cached token again.
    async fn revocation_mark(&self) -> StoreResult<RevocationMark>;
    /// Stores an access token's hash.
    async fn insert_token(
        &self,
        token_hash: &str,
        client_id: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()>;
    /// Looks up an access token by hash.
    async fn get_token(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenRecord>>>;
    /// An access token with its client's project: the one read that
    /// authenticating a request makes ([`CachedStore`] answers it from memory).
    async fn get_caller(&self, token_hash: &str) -> StoreResult<Option<Caller>> {
        let Some(token) = self.get_token(token_hash).await? else {
            return Ok(None);
        };
        Ok(self
            .get_project(&token.project_id)
            .await?
            .map(|project| (token, project)))
    }
    /// Creates a flow.
    async fn insert_flow(&self, f: &FlowRecord) -> StoreResult<()>;
    /// A flow by correlation id.
    async fn get_flow(&self, correlation_id: &str) -> StoreResult<Option<FlowRecord>>;
    /// A flow by the hash of its client auth token.
    async fn get_flow_by_auth_token(&self, token_hash: &str) -> StoreResult<Option<FlowRecord>>;
    /// In one transaction: moves the flow to `state` with `data` if its version is
    /// still `expected_version`, and writes `effects`. False (nothing written) when
    /// another request changed the flow first.
    async fn update_flow(
        &self,
        correlation_id: &str,
        expected_version: i64,
        state: &str,
        data: &str,
        effects: &[SideEffect],
    ) -> StoreResult<bool>;
    /// An identity of a project.
    async fn get_identity(
        &self,
        project_id: &str,
        identity_id: &str,
    ) -> StoreResult<Option<IdentityRecord>>;
    /// A device by id.
    async fn get_device(&self, device_id: &str) -> StoreResult<Option<DeviceRecord>>;
    /// Revokes a device of a project; false when unknown or already revoked.
    async fn revoke_device(&self, project_id: &str, device_id: &str, now: i64)
    -> StoreResult<bool>;
    /// The stored response for a key, if it has not expired.
    async fn get_idempotency(
        &self,
        project_id: &str,
        key: &str,
        now: i64,
    ) -> StoreResult<Option<IdempotencyRecord>>;
    /// Stores a response for a key (keeps an unexpired earlier one).
    async fn put_idempotency(&self, r: &IdempotencyRecord, now: i64) -> StoreResult<()>;
}

/// A shared store.
pub type DynStore = Arc<dyn Store>;

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL names no supported database.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    Unsupported(String),
    /// Connecting or migrating failed.
    #[error("cannot open database {url}: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The cause.
        source: sqlx::Error,
    },
}

/// Opens (creating and migrating) the database at `url`.
pub async fn open(url: &str) -> Result<DynStore, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::open(url, None).await?))
    } else {
        Err(OpenError::Unsupported(crate::config::redact_url(url)))
    }
}

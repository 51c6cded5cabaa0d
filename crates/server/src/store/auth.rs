//! What authenticating a caller reads and writes: projects, OAuth clients, access
//! tokens, workspaces and their API tokens, and the revocation mark.
//!
//! It is a trait of its own because it is the one part of the store that every
//! surface's guard reads on every request, so the server puts [`CachedStore`]
//! in front of it (and of nothing else). The record types here are plain Rust:
//! the SQL side maps rows into them.
//!
//! [`CachedStore`]: super::CachedStore

use super::StoreResult;
use std::sync::Arc;

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

/// An access token and its client's project, as [`AuthStore::get_caller`]
/// returns them.
pub type Caller = (Arc<TokenRecord>, Arc<Project>);

/// A workspace (tenant of the verification surface): the owner of API tokens,
/// verifications and the address blacklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// `ws_…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `sandbox` or `production`.
    pub tier: String,
    /// The workspace's overrides of the flow defaults, as a JSON object keyed by
    /// flow (`{}` when it keeps the defaults).
    pub flows: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// A personal access token of a workspace, `<id>|<secret>` on the wire. The
/// secret is stored only as its SHA-256 digest.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// The public part before `|` (`tok_…`): what history rows name as the actor.
    pub id: String,
    /// Its workspace.
    pub workspace_id: String,
    /// A label (`ci`, `default`).
    pub name: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When it last authenticated a request (written at most once a minute).
    pub last_used_at: Option<i64>,
}

impl std::fmt::Debug for ApiTokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiTokenRecord")
            .field("id", &self.id)
            .field("workspace_id", &self.workspace_id)
            .field("name", &self.name)
            .field("secret_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .field("last_used_at", &self.last_used_at)
            .finish()
    }
}

/// An API token with its workspace, as [`AuthStore::get_api_caller`] returns them.
pub type ApiCaller = (Arc<ApiTokenRecord>, Arc<Workspace>);

/// How many clients and API tokens are revoked, and the latest revocation
/// time. Revocation is permanent and neither clients nor API tokens are ever
/// deleted, so any revocation changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RevocationMark {
    /// Revoked clients.
    pub revoked: i64,
    /// The latest `revoked_at`, Unix seconds (0 when none).
    pub latest: i64,
}

/// Projects, clients and tokens: everything authentication needs. It also
/// names the database behind every part of the store (`backend`, `close`),
/// since the server always holds this part.
#[async_trait::async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Closes the pool (shared by every part of the store) once in-flight
    /// queries finish, so everything committed is on disk.
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
    /// A mark that changes whenever a client or an API token is revoked, by this process or any
    /// other on the same database. [`CachedStore`] reads it once per
    /// [`CachedStore::TTL`] instead of reading every cached token again.
    ///
    /// [`CachedStore`]: super::CachedStore
    /// [`CachedStore::TTL`]: super::CachedStore::TTL
    async fn revocation_mark(&self) -> StoreResult<RevocationMark>;
    /// Number of workspaces (0 on a fresh database).
    async fn count_workspaces(&self) -> StoreResult<i64>;
    /// Creates a workspace.
    async fn insert_workspace(&self, w: &Workspace) -> StoreResult<()>;
    /// A workspace by id.
    async fn get_workspace(&self, id: &str) -> StoreResult<Option<Arc<Workspace>>>;
    /// Creates an API token.
    async fn insert_api_token(&self, t: &ApiTokenRecord) -> StoreResult<()>;
    /// An API token by id (revoked and expired ones included).
    async fn get_api_token(&self, id: &str) -> StoreResult<Option<Arc<ApiTokenRecord>>>;
    /// The API tokens of a workspace, oldest first.
    async fn list_api_tokens(&self, workspace_id: &str) -> StoreResult<Vec<ApiTokenRecord>>;
    /// Revokes an API token; false when it does not exist or was already revoked.
    async fn revoke_api_token(&self, id: &str, now: i64) -> StoreResult<bool>;
    /// Records that the token authenticated a request at `now`.
    async fn touch_api_token(&self, id: &str, now: i64) -> StoreResult<()>;
    /// An API token with its workspace: the one read that authenticating a
    /// verification request makes ([`CachedStore`] answers it from memory).
    ///
    /// [`CachedStore`]: super::CachedStore
    async fn get_api_caller(&self, id: &str) -> StoreResult<Option<ApiCaller>> {
        let Some(token) = self.get_api_token(id).await? else {
            return Ok(None);
        };
        Ok(self
            .get_workspace(&token.workspace_id)
            .await?
            .map(|w| (token, w)))
    }
    /// Stores an access token's hash.
    async fn insert_token(
        &self,
        token_hash: &str,
        client_id: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()>;
    /// Deletes at most `limit` access tokens that expired before `before`;
    /// returns how many (the retention sweeper).
    async fn delete_expired_tokens(&self, before: i64, limit: i64) -> StoreResult<u64>;
    /// Looks up an access token by hash.
    async fn get_token(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenRecord>>>;
    /// An access token with its client's project: the one read that
    /// authenticating a request makes ([`CachedStore`] answers it from memory).
    ///
    /// [`CachedStore`]: super::CachedStore
    async fn get_caller(&self, token_hash: &str) -> StoreResult<Option<Caller>> {
        let Some(token) = self.get_token(token_hash).await? else {
            return Ok(None);
        };
        Ok(self
            .get_project(&token.project_id)
            .await?
            .map(|project| (token, project)))
    }
}

//! What the verification surface keeps, as a trait of plain records: the
//! address blacklist of a workspace (and, as the surface grows, its
//! verifications). Implemented for SQLite and PostgreSQL in
//! `store/sql/verification.rs`; workspaces and API tokens are the
//! `AuthStore`'s, since every request reads them.

use crate::store::StoreResult;

/// An entry of a workspace's address blacklist: a full address or some of its
/// components (every component given must match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistEntry {
    /// `bl_…`.
    pub id: String,
    /// Its workspace.
    pub workspace_id: String,
    /// Street line.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-3 country.
    pub country: Option<String>,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// The verification surface's persistent state.
#[async_trait::async_trait]
pub trait VerificationStore: Send + Sync + 'static {
    /// Adds an entry to a workspace's blacklist.
    async fn insert_blacklist_entry(&self, e: &BlacklistEntry) -> StoreResult<()>;
    /// A workspace's blacklist, newest first.
    async fn list_blacklist(&self, workspace_id: &str) -> StoreResult<Vec<BlacklistEntry>>;
    /// Deletes an entry of the workspace; false when it has no such entry.
    async fn delete_blacklist_entry(&self, workspace_id: &str, id: &str) -> StoreResult<bool>;
}

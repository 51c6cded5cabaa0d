//! What the verification surface keeps, as a trait of plain records: the
//! verifications of a workspace with their history and comments, and its
//! address blacklist. Sealed columns (`expected_data`, comment bodies, the
//! capture token) are opaque text here: the handlers seal and open them. Implemented for SQLite and PostgreSQL in
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

/// A verification as stored. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRecord {
    /// `ver_…`.
    pub id: String,
    /// Its workspace.
    pub workspace_id: String,
    /// The flow's path segment (`usps1583`).
    pub flow: String,
    /// The status's number (1–8).
    pub status: i64,
    /// Bumped by every change: the conditional update compares it.
    pub version: i64,
    /// While on hold: the status the hold interrupted.
    pub held_from: Option<i64>,
    /// `expected_data`, sealed; `None` once erased.
    pub expected_data: Option<String>,
    /// The caller's reference; `None` once erased.
    pub vendor_reference: Option<String>,
    /// The caller's state code; `None` once erased.
    pub vendor_state: Option<String>,
    /// The end-user page's token, sealed.
    pub capture_token: String,
    /// SHA-256 of the capture token (lookup).
    pub capture_hash: String,
    /// When it was first submitted.
    pub submitted_at: Option<i64>,
    /// Creation.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// When its personal data was erased.
    pub erased_at: Option<i64>,
}

/// One history row: every change of a verification, numbered by the version
/// it produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    /// The verification.
    pub verification_id: String,
    /// The version the change produced (1 for the creation).
    pub version: i64,
    /// `create`, a lifecycle action, `erase`.
    pub action: String,
    /// The API token id (or user) that acted.
    pub actor: String,
    /// The status before, when it changed.
    pub from_status: Option<i64>,
    /// The status after, when it changed.
    pub to_status: Option<i64>,
    /// When.
    pub created_at: i64,
}

/// A comment; its body is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    /// `com_…`.
    pub id: String,
    /// The verification.
    pub verification_id: String,
    /// The text, sealed.
    pub body: String,
    /// Kept from the detail view.
    pub private: bool,
    /// Who wrote it.
    pub actor: String,
    /// When.
    pub created_at: i64,
}

/// A change of a verification, applied only if its version is still
/// `expected_version`: the new status (and what goes with it) and the history
/// row, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationChange {
    /// The verification.
    pub id: String,
    /// The version the change was decided on.
    pub expected_version: i64,
    /// The new status.
    pub status: i64,
    /// The new `held_from`.
    pub held_from: Option<i64>,
    /// Set `submitted_at` to this when it has none.
    pub submitted_at: Option<i64>,
    /// Erase the personal data (expected data, vendor fields, comments).
    pub erase: bool,
    /// The history row (its `version` is `expected_version + 1`).
    pub history: HistoryRecord,
    /// A comment written with the change (a rejection's reason).
    pub comment: Option<CommentRecord>,
}

/// A page of a list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows of the page.
    pub rows: Vec<T>,
    /// Rows in the whole list.
    pub total: i64,
}

/// The verification surface's persistent state.
#[async_trait::async_trait]
pub trait VerificationStore: Send + Sync + 'static {
    /// Creates a verification with its `create` history row, in one transaction.
    async fn insert_verification(
        &self,
        v: &VerificationRecord,
        created: &HistoryRecord,
    ) -> StoreResult<()>;
    /// A verification of the workspace (any flow); `None` for an unknown id
    /// and for another workspace's alike.
    async fn get_verification(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> StoreResult<Option<VerificationRecord>>;
    /// The verification whose capture token hashes to `capture_hash`.
    async fn get_verification_by_capture(
        &self,
        capture_hash: &str,
    ) -> StoreResult<Option<VerificationRecord>>;
    /// A page of the workspace's verifications (of one flow, or all), newest
    /// first.
    async fn list_verifications(
        &self,
        workspace_id: &str,
        flow: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Page<VerificationRecord>>;
    /// Applies `change` if the verification's version is still the expected
    /// one; false when another change came first (nothing is written).
    async fn change_verification(&self, change: &VerificationChange) -> StoreResult<bool>;
    /// A verification's history, oldest first.
    async fn verification_history(&self, id: &str) -> StoreResult<Vec<HistoryRecord>>;
    /// Adds a comment if its verification exists and is not erased; false
    /// (nothing written) otherwise. The check and the insert are one
    /// statement, after a row lock that waits for a concurrent erasure, so a
    /// comment never outlives the erasure of its verification.
    async fn insert_comment(&self, c: &CommentRecord) -> StoreResult<bool>;
    /// A verification's comments, newest first.
    async fn verification_comments(&self, id: &str) -> StoreResult<Vec<CommentRecord>>;
    /// Adds an entry to a workspace's blacklist.
    async fn insert_blacklist_entry(&self, e: &BlacklistEntry) -> StoreResult<()>;
    /// A workspace's blacklist, newest first.
    async fn list_blacklist(&self, workspace_id: &str) -> StoreResult<Vec<BlacklistEntry>>;
    /// Deletes an entry of the workspace; false when it has no such entry.
    async fn delete_blacklist_entry(&self, workspace_id: &str, id: &str) -> StoreResult<bool>;
}

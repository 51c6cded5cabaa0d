//! What the verification surface keeps of documents, as a trait of plain
//! records: a verification's documents, what is known of their images (never
//! the images: those are encrypted in the object store) and their decisions.
//! Implemented for SQLite and PostgreSQL in `store/sql/documents.rs`;
//! re-exported by [`super::store`], where the rest of the surface's store is.
//!
//! Every change of a document (upload, deletion, decision) is also a change of
//! its verification: the verification's version is compared and bumped and a
//! history row written in the same transaction, so documents and lifecycle
//! actions (a submit checking that every document is there) never race.

use super::store::HistoryRecord;
use crate::store::StoreResult;

/// A document as stored. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    /// `doc_…`.
    pub id: String,
    /// Its verification.
    pub verification_id: String,
    /// Its workspace (every lookup is by it).
    pub workspace_id: String,
    /// `PHOTO_ID`, `PROOF_OF_ADDRESS` or `SELFIE`.
    pub context_type: String,
    /// The canonical document type.
    pub document_type: String,
    /// ISO 3166-1 alpha-3 issuing country.
    pub country: Option<String>,
    /// The document status (1–7).
    pub status: i64,
    /// Upload.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

/// What the database keeps of one image of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecord {
    /// `front` (`document.image`) or `back` (`back_side_data`).
    pub side: String,
    /// Where the encrypted image is, in the object store.
    pub object_key: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// SHA-256 of the plaintext image, lowercase hex.
    pub sha256: String,
}

/// A decision on a document; its reason is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    /// `dec_…`.
    pub id: String,
    /// The document.
    pub document_id: String,
    /// 1–4.
    pub status: i64,
    /// `Manual`, `Automatic`, or what the caller named.
    pub validation_workflow: String,
    /// The reason, sealed.
    pub reason: Option<String>,
    /// The API token id that decided.
    pub actor: String,
    /// When.
    pub created_at: i64,
}

/// What a [`DocumentChange`] does to the documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentOp {
    /// Adds a document with its images.
    Insert(DocumentRecord, Vec<ImageRecord>),
    /// Deletes a document, its images' rows and its decisions.
    Delete(String),
    /// Records a decision and the document's new status.
    Decide {
        /// The document's new status.
        status: i64,
        /// The decision.
        decision: DecisionRecord,
    },
}

/// A change of a verification's documents, applied only if the verification's
/// version is still `expected_version`, with the verification's new status and
/// its history row (version `expected_version + 1`), in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentChange {
    /// The verification.
    pub verification_id: String,
    /// The version the change was decided on.
    pub expected_version: i64,
    /// The verification's status after the change.
    pub status: i64,
    /// The history row.
    pub history: HistoryRecord,
    /// What happens to the documents.
    pub op: DocumentOp,
}

/// What became of a [`DocumentChange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Written.
    Applied,
    /// Another change came first: nothing was written, decide again.
    Stale,
    /// The verification already has a document of this context that is not
    /// canceled: nothing was written.
    Duplicate,
}

/// The documents part of the verification surface's persistent state.
#[async_trait::async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    /// Applies `change` (see [`DocumentChange`]).
    async fn change_documents(&self, change: &DocumentChange) -> StoreResult<ChangeOutcome>;
    /// A document of the workspace; `None` for an unknown id and for another
    /// workspace's alike.
    async fn get_document(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> StoreResult<Option<DocumentRecord>>;
    /// A verification's documents, oldest first.
    async fn verification_documents(
        &self,
        verification_id: &str,
    ) -> StoreResult<Vec<DocumentRecord>>;
    /// A document's images (front first).
    async fn document_images(&self, document_id: &str) -> StoreResult<Vec<ImageRecord>>;
    /// A document's decisions, oldest first.
    async fn document_decisions(&self, document_id: &str) -> StoreResult<Vec<DecisionRecord>>;
    /// The object keys of every image of a verification's documents.
    async fn verification_image_keys(&self, verification_id: &str) -> StoreResult<Vec<String>>;
    /// Forgets every image of a verification's documents (after the objects
    /// were deleted).
    async fn delete_verification_images(&self, verification_id: &str) -> StoreResult<()>;
}

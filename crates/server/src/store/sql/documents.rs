//! [`DocumentStore`] in SQL, for both backends: documents, the rows of their
//! images and their decisions. A change starts with the conditional update of
//! the verification's version and writes its history row, then the document
//! statement, in one transaction: of concurrent changes decided on the same
//! version exactly one is written. The partial unique index
//! `documents_one_per_context` refuses a second active document of a context
//! even so (`ChangeOutcome::Duplicate`). Documents and decisions carry the
//! verification version they were written with (`seq`), their order.

use super::{PgStore, SqliteStore};
use crate::store::{
    ChangeOutcome, DecisionRecord, DocumentChange, DocumentOp, DocumentRecord, DocumentStore,
    ImageRecord, StoreResult,
};
use sqlx::Connection;

/// A `documents` row.
#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: String,
    verification_id: String,
    workspace_id: String,
    context_type: String,
    document_type: String,
    country: Option<String>,
    status: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<DocumentRow> for DocumentRecord {
    fn from(r: DocumentRow) -> DocumentRecord {
        DocumentRecord {
            id: r.id,
            verification_id: r.verification_id,
            workspace_id: r.workspace_id,
            context_type: r.context_type,
            document_type: r.document_type,
            country: r.country,
            status: r.status,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A `document_images` row.
#[derive(sqlx::FromRow)]
struct ImageRow {
    side: String,
    object_key: String,
    content_type: String,
    width: i64,
    height: i64,
    sha256: String,
}

impl From<ImageRow> for ImageRecord {
    fn from(r: ImageRow) -> ImageRecord {
        ImageRecord {
            side: r.side,
            object_key: r.object_key,
            content_type: r.content_type,
            width: r.width,
            height: r.height,
            sha256: r.sha256,
        }
    }
}

/// A `document_decisions` row.
#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: String,
    document_id: String,
    status: i64,
    validation_workflow: String,
    reason: Option<String>,
    actor: String,
    created_at: i64,
}

impl From<DecisionRow> for DecisionRecord {
    fn from(r: DecisionRow) -> DecisionRecord {
        DecisionRecord {
            id: r.id,
            document_id: r.document_id,
            status: r.status,
            validation_workflow: r.validation_workflow,
            reason: r.reason,
            actor: r.actor,
            created_at: r.created_at,
        }
    }
}

const SELECT_DOCUMENT: &str = "SELECT id, verification_id, workspace_id, context_type, document_type, country, status, created_at, updated_at FROM documents";

/// The conditional update of the verification a document change belongs to.
const BUMP: &str = "UPDATE verifications SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4";
const INSERT_HISTORY: &str = "INSERT INTO verification_history (verification_id, version, action, actor, from_status, to_status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const INSERT_DOCUMENT: &str = "INSERT INTO documents (id, verification_id, workspace_id, context_type, document_type, country, status, created_at, updated_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const INSERT_IMAGE: &str = "INSERT INTO document_images (document_id, side, object_key, content_type, width, height, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const INSERT_DECISION: &str = "INSERT INTO document_decisions (id, document_id, status, validation_workflow, reason, actor, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

macro_rules! documents_sql {
    ($store:ty, $begin:literal) => {
        #[async_trait::async_trait]
        impl DocumentStore for $store {
            async fn change_documents(&self, c: &DocumentChange) -> StoreResult<ChangeOutcome> {
                let mut conn = self.write().await?;
                let mut tx = conn.begin_with($begin).await?;
                let h = &c.history;
                let matched = sqlx::query(BUMP)
                    .bind(c.status)
                    .bind(h.created_at)
                    .bind(&c.verification_id)
                    .bind(c.expected_version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !matched {
                    tx.rollback().await?;
                    return Ok(ChangeOutcome::Stale);
                }
                sqlx::query(INSERT_HISTORY)
                    .bind(&h.verification_id)
                    .bind(h.version)
                    .bind(&h.action)
                    .bind(&h.actor)
                    .bind(h.from_status)
                    .bind(h.to_status)
                    .bind(h.created_at)
                    .execute(&mut *tx)
                    .await?;
                match &c.op {
                    DocumentOp::Insert(d, images) => {
                        let inserted = sqlx::query(INSERT_DOCUMENT)
                            .bind(&d.id)
                            .bind(&d.verification_id)
                            .bind(&d.workspace_id)
                            .bind(&d.context_type)
                            .bind(&d.document_type)
                            .bind(&d.country)
                            .bind(d.status)
                            .bind(d.created_at)
                            .bind(d.updated_at)
                            .bind(h.version)
                            .execute(&mut *tx)
                            .await;
                        match inserted {
                            Err(e) if unique_violation(&e) => {
                                tx.rollback().await?;
                                return Ok(ChangeOutcome::Duplicate);
                            }
                            other => other?,
                        };
                        for i in images {
                            sqlx::query(INSERT_IMAGE)
                                .bind(&d.id)
                                .bind(&i.side)
                                .bind(&i.object_key)
                                .bind(&i.content_type)
                                .bind(i.width)
                                .bind(i.height)
                                .bind(&i.sha256)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    DocumentOp::Delete(id) => {
                        sqlx::query("DELETE FROM documents WHERE id = $1 AND verification_id = $2")
                            .bind(id)
                            .bind(&c.verification_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    DocumentOp::Decide { status, decision } => {
                        sqlx::query("UPDATE documents SET status = $1, updated_at = $2 WHERE id = $3")
                            .bind(status)
                            .bind(decision.created_at)
                            .bind(&decision.document_id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(INSERT_DECISION)
                            .bind(&decision.id)
                            .bind(&decision.document_id)
                            .bind(decision.status)
                            .bind(&decision.validation_workflow)
                            .bind(&decision.reason)
                            .bind(&decision.actor)
                            .bind(decision.created_at)
                            .bind(h.version)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(ChangeOutcome::Applied)
            }

            async fn get_document(
                &self,
                workspace_id: &str,
                id: &str,
            ) -> StoreResult<Option<DocumentRecord>> {
                let row: Option<DocumentRow> =
                    sqlx::query_as(&format!("{SELECT_DOCUMENT} WHERE id = $1 AND workspace_id = $2"))
                        .bind(id)
                        .bind(workspace_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn verification_documents(
                &self,
                verification_id: &str,
            ) -> StoreResult<Vec<DocumentRecord>> {
                let rows: Vec<DocumentRow> = sqlx::query_as(&format!(
                    "{SELECT_DOCUMENT} WHERE verification_id = $1 ORDER BY seq"
                ))
                .bind(verification_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn document_images(&self, document_id: &str) -> StoreResult<Vec<ImageRecord>> {
                let rows: Vec<ImageRow> = sqlx::query_as("SELECT side, object_key, content_type, width, height, sha256 FROM document_images WHERE document_id = $1 ORDER BY side DESC")
                    .bind(document_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn document_decisions(
                &self,
                document_id: &str,
            ) -> StoreResult<Vec<DecisionRecord>> {
                let rows: Vec<DecisionRow> = sqlx::query_as("SELECT id, document_id, status, validation_workflow, reason, actor, created_at FROM document_decisions WHERE document_id = $1 ORDER BY seq")
                    .bind(document_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn verification_image_keys(
                &self,
                verification_id: &str,
            ) -> StoreResult<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT i.object_key FROM document_images i JOIN documents d ON d.id = i.document_id WHERE d.verification_id = $1")
                    .bind(verification_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn delete_verification_images(&self, verification_id: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM document_images WHERE document_id IN (SELECT id FROM documents WHERE verification_id = $1)")
                    .bind(verification_id)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }
        }
    };
}

// SQLite takes the write lock when the transaction begins (IMMEDIATE), on
// the store's one writing connection.
documents_sql!(SqliteStore, "BEGIN IMMEDIATE");
documents_sql!(PgStore, "BEGIN");

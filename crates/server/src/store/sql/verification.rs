//! [`VerificationStore`] in SQL, for both backends: verifications, their
//! history and comments, and the address blacklist. A verification changes
//! by one transaction that starts with the conditional update on its version
//! and writes the history row (and, for an erasure, deletes the comments), so
//! of concurrent changes decided on the same version exactly one is written.

use super::{PgStore, SqliteStore};
use crate::store::{
    BlacklistEntry, CommentRecord, HistoryRecord, Page, StoreResult, VerificationChange,
    VerificationRecord, VerificationStore,
};
use sqlx::Connection;

/// A `verifications` row.
#[derive(sqlx::FromRow)]
struct VerificationRow {
    id: String,
    workspace_id: String,
    flow: String,
    status: i64,
    version: i64,
    held_from: Option<i64>,
    expected_data: Option<String>,
    vendor_reference: Option<String>,
    vendor_state: Option<String>,
    capture_token: String,
    capture_hash: String,
    submitted_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    erased_at: Option<i64>,
}

impl From<VerificationRow> for VerificationRecord {
    fn from(r: VerificationRow) -> VerificationRecord {
        VerificationRecord {
            id: r.id,
            workspace_id: r.workspace_id,
            flow: r.flow,
            status: r.status,
            version: r.version,
            held_from: r.held_from,
            expected_data: r.expected_data,
            vendor_reference: r.vendor_reference,
            vendor_state: r.vendor_state,
            capture_token: r.capture_token,
            capture_hash: r.capture_hash,
            submitted_at: r.submitted_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            erased_at: r.erased_at,
        }
    }
}

/// A `verification_history` row.
#[derive(sqlx::FromRow)]
struct HistoryRow {
    verification_id: String,
    version: i64,
    action: String,
    actor: String,
    from_status: Option<i64>,
    to_status: Option<i64>,
    created_at: i64,
}

impl From<HistoryRow> for HistoryRecord {
    fn from(r: HistoryRow) -> HistoryRecord {
        HistoryRecord {
            verification_id: r.verification_id,
            version: r.version,
            action: r.action,
            actor: r.actor,
            from_status: r.from_status,
            to_status: r.to_status,
            created_at: r.created_at,
        }
    }
}

/// A `verification_comments` row.
#[derive(sqlx::FromRow)]
struct CommentRow {
    id: String,
    verification_id: String,
    body: String,
    private: i64,
    actor: String,
    created_at: i64,
}

impl From<CommentRow> for CommentRecord {
    fn from(r: CommentRow) -> CommentRecord {
        CommentRecord {
            id: r.id,
            verification_id: r.verification_id,
            body: r.body,
            private: r.private != 0,
            actor: r.actor,
            created_at: r.created_at,
        }
    }
}

macro_rules! select_verification {
    ($rest:literal) => {
        concat!(
            "SELECT id, workspace_id, flow, status, version, held_from, expected_data, vendor_reference, vendor_state, capture_token, capture_hash, submitted_at, created_at, updated_at, erased_at FROM verifications ",
            $rest
        )
    };
}

const INSERT_VERIFICATION: &str = "INSERT INTO verifications (id, workspace_id, flow, status, version, held_from, expected_data, vendor_reference, vendor_state, capture_token, capture_hash, submitted_at, created_at, updated_at, erased_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";

const INSERT_HISTORY: &str = "INSERT INTO verification_history (verification_id, version, action, actor, from_status, to_status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// The conditional update of a change; an erasure also clears the personal data.
const CHANGE: &str = "UPDATE verifications SET status = $1, held_from = $2, submitted_at = COALESCE(submitted_at, $3), updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6";
/// The capture hash becomes a value no token hashes to (hashes are hex), so
/// the end-user page and QR code of an erased verification answer 404.
const ERASE: &str = "UPDATE verifications SET expected_data = NULL, vendor_reference = NULL, vendor_state = NULL, capture_hash = 'erased:' || id, erased_at = $1 WHERE id = $2";
const DELETE_COMMENTS: &str = "DELETE FROM verification_comments WHERE verification_id = $1";

/// Runs the statements of a change inside the open transaction `$tx`; the
/// value is whether the conditional update matched (the transaction is to be
/// committed only then).
macro_rules! apply_change {
    ($tx:expr, $c:expr) => {{
        let c = $c;
        let matched = sqlx::query(CHANGE)
            .bind(c.status)
            .bind(c.held_from)
            .bind(c.submitted_at)
            .bind(c.history.created_at)
            .bind(&c.id)
            .bind(c.expected_version)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
            == 1;
        if matched {
            if c.erase {
                sqlx::query(ERASE)
                    .bind(c.history.created_at)
                    .bind(&c.id)
                    .execute(&mut *$tx)
                    .await?;
                sqlx::query(DELETE_COMMENTS)
                    .bind(&c.id)
                    .execute(&mut *$tx)
                    .await?;
            }
            insert_history!($tx, &c.history);
            if let Some(comment) = &c.comment {
                insert_comment!($tx, comment);
            }
        }
        matched
    }};
}

const INSERT_COMMENT: &str = "INSERT INTO verification_comments (id, verification_id, body, private, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// Locks a verification that is not erased (no column changes).
const LOCK_LIVE: &str =
    "UPDATE verifications SET erased_at = erased_at WHERE id = $1 AND erased_at IS NULL";
/// A comment, written only while its verification is not erased.
const INSERT_COMMENT_IF_LIVE: &str = "INSERT INTO verification_comments (id, verification_id, body, private, actor, created_at) SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM verifications WHERE id = $2 AND erased_at IS NULL)";

macro_rules! insert_comment {
    ($conn:expr, $c:expr) => {{
        let c = $c;
        sqlx::query(INSERT_COMMENT)
            .bind(&c.id)
            .bind(&c.verification_id)
            .bind(&c.body)
            .bind(i64::from(c.private))
            .bind(&c.actor)
            .bind(c.created_at)
            .execute(&mut *$conn)
            .await?;
    }};
}

macro_rules! insert_history {
    ($tx:expr, $h:expr) => {{
        let h = $h;
        sqlx::query(INSERT_HISTORY)
            .bind(&h.verification_id)
            .bind(h.version)
            .bind(&h.action)
            .bind(&h.actor)
            .bind(h.from_status)
            .bind(h.to_status)
            .bind(h.created_at)
            .execute(&mut *$tx)
            .await?;
    }};
}

macro_rules! insert_verification_row {
    ($tx:expr, $v:expr) => {{
        let v = $v;
        sqlx::query(INSERT_VERIFICATION)
            .bind(&v.id)
            .bind(&v.workspace_id)
            .bind(&v.flow)
            .bind(v.status)
            .bind(v.version)
            .bind(v.held_from)
            .bind(&v.expected_data)
            .bind(&v.vendor_reference)
            .bind(&v.vendor_state)
            .bind(&v.capture_token)
            .bind(&v.capture_hash)
            .bind(v.submitted_at)
            .bind(v.created_at)
            .bind(v.updated_at)
            .bind(v.erased_at)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// An `address_blacklist` row.
#[derive(sqlx::FromRow)]
struct BlacklistRow {
    id: String,
    workspace_id: String,
    street: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    created_at: i64,
}

impl From<BlacklistRow> for BlacklistEntry {
    fn from(r: BlacklistRow) -> BlacklistEntry {
        BlacklistEntry {
            id: r.id,
            workspace_id: r.workspace_id,
            street: r.street,
            city: r.city,
            state: r.state,
            postal_code: r.postal_code,
            country: r.country,
            created_at: r.created_at,
        }
    }
}

macro_rules! verification_sql {
    ($store:ty, $begin:literal) => {
        #[async_trait::async_trait]
        impl VerificationStore for $store {
            async fn insert_verification(
                &self,
                v: &VerificationRecord,
                created: &HistoryRecord,
            ) -> StoreResult<()> {
                let mut conn = self.write().await?;
                let mut tx = conn.begin_with($begin).await?;
                insert_verification_row!(tx, v);
                insert_history!(tx, created);
                tx.commit().await?;
                Ok(())
            }

            async fn get_verification(
                &self,
                workspace_id: &str,
                id: &str,
            ) -> StoreResult<Option<VerificationRecord>> {
                let row: Option<VerificationRow> =
                    sqlx::query_as(select_verification!("WHERE id = $1 AND workspace_id = $2"))
                        .bind(id)
                        .bind(workspace_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn get_verification_by_capture(
                &self,
                capture_hash: &str,
            ) -> StoreResult<Option<VerificationRecord>> {
                let row: Option<VerificationRow> =
                    sqlx::query_as(select_verification!("WHERE capture_hash = $1"))
                        .bind(capture_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn list_verifications(
                &self,
                workspace_id: &str,
                flow: Option<&str>,
                offset: i64,
                limit: i64,
            ) -> StoreResult<Page<VerificationRecord>> {
                // `$2` is the flow, or NULL for every flow.
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM verifications WHERE workspace_id = $1 AND ($2 IS NULL OR flow = $2)")
                    .bind(workspace_id)
                    .bind(flow)
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<VerificationRow> = sqlx::query_as(select_verification!(
                    "WHERE workspace_id = $1 AND ($2 IS NULL OR flow = $2) ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
                ))
                .bind(workspace_id)
                .bind(flow)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(Page {
                    rows: rows.into_iter().map(Into::into).collect(),
                    total,
                })
            }

            async fn change_verification(&self, change: &VerificationChange) -> StoreResult<bool> {
                let mut conn = self.write().await?;
                let mut tx = conn.begin_with($begin).await?;
                let matched = apply_change!(tx, change);
                if matched {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                Ok(matched)
            }

            async fn verification_history(&self, id: &str) -> StoreResult<Vec<HistoryRecord>> {
                let rows: Vec<HistoryRow> = sqlx::query_as("SELECT verification_id, version, action, actor, from_status, to_status, created_at FROM verification_history WHERE verification_id = $1 ORDER BY version")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn insert_comment(&self, c: &CommentRecord) -> StoreResult<bool> {
                let mut conn = self.write().await?;
                let mut tx = conn.begin_with($begin).await?;
                // The no-op update locks the row (PostgreSQL waits for an
                // erasure in flight and re-reads `erased_at` after it), so the
                // erasure's delete of the comments cannot miss this one.
                let live = sqlx::query(LOCK_LIVE)
                    .bind(&c.verification_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                let inserted = live
                    && sqlx::query(INSERT_COMMENT_IF_LIVE)
                        .bind(&c.id)
                        .bind(&c.verification_id)
                        .bind(&c.body)
                        .bind(i64::from(c.private))
                        .bind(&c.actor)
                        .bind(c.created_at)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        == 1;
                if inserted {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                Ok(inserted)
            }

            async fn verification_comments(&self, id: &str) -> StoreResult<Vec<CommentRecord>> {
                let rows: Vec<CommentRow> = sqlx::query_as("SELECT id, verification_id, body, private, actor, created_at FROM verification_comments WHERE verification_id = $1 ORDER BY created_at DESC, id DESC")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn insert_blacklist_entry(&self, e: &BlacklistEntry) -> StoreResult<()> {
                sqlx::query("INSERT INTO address_blacklist (id, workspace_id, street, city, state, postal_code, country, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(&e.id)
                    .bind(&e.workspace_id)
                    .bind(&e.street)
                    .bind(&e.city)
                    .bind(&e.state)
                    .bind(&e.postal_code)
                    .bind(&e.country)
                    .bind(e.created_at)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn list_blacklist(&self, workspace_id: &str) -> StoreResult<Vec<BlacklistEntry>> {
                let rows: Vec<BlacklistRow> = sqlx::query_as("SELECT id, workspace_id, street, city, state, postal_code, country, created_at FROM address_blacklist WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC")
                    .bind(workspace_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn delete_blacklist_entry(&self, workspace_id: &str, id: &str) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM address_blacklist WHERE id = $1 AND workspace_id = $2")
                    .bind(id)
                    .bind(workspace_id)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

// SQLite takes the write lock when the transaction begins (IMMEDIATE), on
// the store's one writing connection.
verification_sql!(SqliteStore, "BEGIN IMMEDIATE");
verification_sql!(PgStore, "BEGIN");

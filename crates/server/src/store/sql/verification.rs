//! [`VerificationStore`] in SQL, for both backends: the address blacklist.

use super::{PgStore, SqliteStore};
use crate::store::{BlacklistEntry, StoreResult, VerificationStore};

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
    ($store:ty) => {
        #[async_trait::async_trait]
        impl VerificationStore for $store {
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

verification_sql!(SqliteStore);
verification_sql!(PgStore);

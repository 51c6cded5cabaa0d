//! [`AuthStore`] in SQL, for both backends: projects, clients, access tokens and
//! the revocation mark.

use super::{PgStore, SqliteStore};
use crate::store::{AuthStore, ClientRecord, Project, RevocationMark, StoreResult, TokenRecord};
use std::sync::Arc;

/// A `projects` row; `countries` is stored comma-separated.
#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: String,
    name: String,
    region: String,
    tier: String,
    solution: String,
    countries: String,
    created_at: i64,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Project {
        Project {
            id: r.id,
            name: r.name,
            region: r.region,
            tier: r.tier,
            solution: r.solution,
            countries: r
                .countries
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            created_at: r.created_at,
        }
    }
}

/// A `clients` row.
#[derive(sqlx::FromRow)]
struct ClientRow {
    client_id: String,
    project_id: String,
    secret_hash: String,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl From<ClientRow> for ClientRecord {
    fn from(r: ClientRow) -> ClientRecord {
        ClientRecord {
            client_id: r.client_id,
            project_id: r.project_id,
            secret_hash: r.secret_hash,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// An `access_tokens` row joined with its client.
#[derive(sqlx::FromRow)]
struct TokenRow {
    client_id: String,
    project_id: String,
    expires_at: i64,
    revoked_at: Option<i64>,
}

impl From<TokenRow> for TokenRecord {
    fn from(r: TokenRow) -> TokenRecord {
        TokenRecord {
            client_id: r.client_id,
            project_id: r.project_id,
            expires_at: r.expires_at,
            client_revoked: r.revoked_at.is_some(),
        }
    }
}

/// The revocation mark, as its query returns it.
#[derive(sqlx::FromRow)]
struct MarkRow {
    revoked: i64,
    latest: i64,
}

macro_rules! auth_sql {
    ($store:ty, $backend:literal) => {
        #[async_trait::async_trait]
        impl AuthStore for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn close(&self) {
                self.close_all().await;
            }

            async fn count_projects(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM projects")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn insert_project(&self, p: &Project) -> StoreResult<()> {
                sqlx::query("INSERT INTO projects (id, name, region, tier, solution, countries, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&p.id)
                    .bind(&p.name)
                    .bind(&p.region)
                    .bind(&p.tier)
                    .bind(&p.solution)
                    .bind(p.countries.join(","))
                    .bind(p.created_at)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn get_project(&self, id: &str) -> StoreResult<Option<Arc<Project>>> {
                let row: Option<ProjectRow> = sqlx::query_as("SELECT id, name, region, tier, solution, countries, created_at FROM projects WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| Arc::new(r.into())))
            }

            async fn insert_client(&self, c: &ClientRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO clients (client_id, project_id, secret_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&c.client_id)
                    .bind(&c.project_id)
                    .bind(&c.secret_hash)
                    .bind(c.created_at)
                    .bind(c.revoked_at)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
                let row: Option<ClientRow> = sqlx::query_as("SELECT client_id, project_id, secret_hash, created_at, revoked_at FROM clients WHERE client_id = $1")
                    .bind(client_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn revoke_client(&self, client_id: &str, now: i64) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE clients SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(client_id)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn revocation_mark(&self) -> StoreResult<RevocationMark> {
                let r: MarkRow = sqlx::query_as("SELECT COUNT(*) AS revoked, COALESCE(MAX(revoked_at), 0) AS latest FROM clients WHERE revoked_at IS NOT NULL")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(RevocationMark {
                    revoked: r.revoked,
                    latest: r.latest,
                })
            }

            async fn insert_token(
                &self,
                token_hash: &str,
                client_id: &str,
                expires_at: i64,
                now: i64,
            ) -> StoreResult<()> {
                sqlx::query("INSERT INTO access_tokens (token_hash, client_id, expires_at, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(client_id)
                    .bind(expires_at)
                    .bind(now)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn delete_expired_tokens(&self, before: i64, limit: i64) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM access_tokens WHERE token_hash IN (SELECT token_hash FROM access_tokens WHERE expires_at < $1 LIMIT $2)")
                    .bind(before)
                    .bind(limit)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected())
            }

            async fn get_token(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenRecord>>> {
                let row: Option<TokenRow> = sqlx::query_as("SELECT t.client_id AS client_id, c.project_id AS project_id, t.expires_at AS expires_at, c.revoked_at AS revoked_at FROM access_tokens t JOIN clients c ON c.client_id = t.client_id WHERE t.token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| Arc::new(r.into())))
            }
        }
    };
}

auth_sql!(SqliteStore, "sqlite");
auth_sql!(PgStore, "postgres");

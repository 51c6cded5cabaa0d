//! [`AuthStore`] in SQL, for both backends: projects, clients, access tokens,
//! workspaces, API tokens and the revocation mark.

use super::{PgStore, SqliteStore};
use crate::store::{
    ApiTokenRecord, AuthStore, ClientRecord, Project, RevocationMark, StoreResult, TokenRecord,
    Workspace,
};
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

/// A `workspaces` row.
#[derive(sqlx::FromRow)]
struct WorkspaceRow {
    id: String,
    name: String,
    tier: String,
    flows: String,
    created_at: i64,
}

impl From<WorkspaceRow> for Workspace {
    fn from(r: WorkspaceRow) -> Workspace {
        Workspace {
            id: r.id,
            name: r.name,
            tier: r.tier,
            flows: r.flows,
            created_at: r.created_at,
        }
    }
}

/// An `api_tokens` row.
#[derive(sqlx::FromRow)]
struct ApiTokenRow {
    id: String,
    workspace_id: String,
    name: String,
    secret_hash: String,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl From<ApiTokenRow> for ApiTokenRecord {
    fn from(r: ApiTokenRow) -> ApiTokenRecord {
        ApiTokenRecord {
            id: r.id,
            workspace_id: r.workspace_id,
            name: r.name,
            secret_hash: r.secret_hash,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
        }
    }
}

const SELECT_API_TOKEN: &str = "SELECT id, workspace_id, name, secret_hash, created_at, expires_at, revoked_at, last_used_at FROM api_tokens";

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
                // Clients and API tokens together: either kind's revocation moves it.
                let r: MarkRow = sqlx::query_as("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS revoked, CAST(COALESCE(MAX(latest), 0) AS BIGINT) AS latest FROM (SELECT COUNT(*) AS n, MAX(revoked_at) AS latest FROM clients WHERE revoked_at IS NOT NULL UNION ALL SELECT COUNT(*) AS n, MAX(revoked_at) AS latest FROM api_tokens WHERE revoked_at IS NOT NULL) m")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(RevocationMark {
                    revoked: r.revoked,
                    latest: r.latest,
                })
            }

            async fn count_workspaces(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM workspaces")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn insert_workspace(&self, w: &Workspace) -> StoreResult<()> {
                sqlx::query("INSERT INTO workspaces (id, name, tier, flows, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&w.id)
                    .bind(&w.name)
                    .bind(&w.tier)
                    .bind(&w.flows)
                    .bind(w.created_at)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn get_workspace(&self, id: &str) -> StoreResult<Option<Arc<Workspace>>> {
                let row: Option<WorkspaceRow> = sqlx::query_as("SELECT id, name, tier, flows, created_at FROM workspaces WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| Arc::new(r.into())))
            }

            async fn insert_api_token(&self, t: &ApiTokenRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO api_tokens (id, workspace_id, name, secret_hash, created_at, expires_at, revoked_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(&t.id)
                    .bind(&t.workspace_id)
                    .bind(&t.name)
                    .bind(&t.secret_hash)
                    .bind(t.created_at)
                    .bind(t.expires_at)
                    .bind(t.revoked_at)
                    .bind(t.last_used_at)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn get_api_token(&self, id: &str) -> StoreResult<Option<Arc<ApiTokenRecord>>> {
                let row: Option<ApiTokenRow> = sqlx::query_as(&format!("{SELECT_API_TOKEN} WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| Arc::new(r.into())))
            }

            async fn list_api_tokens(&self, workspace_id: &str) -> StoreResult<Vec<ApiTokenRecord>> {
                let rows: Vec<ApiTokenRow> = sqlx::query_as(&format!("{SELECT_API_TOKEN} WHERE workspace_id = $1 ORDER BY created_at, id"))
                    .bind(workspace_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn revoke_api_token(&self, id: &str, now: i64) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn touch_api_token(&self, id: &str, now: i64) -> StoreResult<()> {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
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

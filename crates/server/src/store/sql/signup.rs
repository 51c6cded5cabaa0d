//! [`SignupStore`] and [`FirewallStore`] in SQL, for both backends: brands,
//! their API keys (digests only), and the firewall's record of client-side
//! key use, which flags the key in the same transaction.

use super::{PgStore, SqliteStore};
use crate::store::{
    ApiKeyRecord, BrandRecord, FirewallEvent, FirewallStore, FlaggedKey, RequestRecord,
    SignupStore, StoreResult,
};

/// A `signup_brands` row; `add_ons` is stored comma-separated.
#[derive(sqlx::FromRow)]
struct BrandRow {
    id: String,
    name: String,
    integration: String,
    add_ons: String,
    redirect_url: Option<String>,
    environment: String,
    created_at: i64,
}

impl From<BrandRow> for BrandRecord {
    fn from(r: BrandRow) -> BrandRecord {
        BrandRecord {
            id: r.id,
            name: r.name,
            integration: r.integration,
            add_ons: r
                .add_ons
                .split(',')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            redirect_url: r.redirect_url,
            environment: r.environment,
            created_at: r.created_at,
        }
    }
}

/// A `signup_api_keys` row.
#[derive(sqlx::FromRow)]
struct KeyRow {
    key_id: String,
    brand_id: String,
    key_digest: String,
    environment: String,
    created_at: i64,
    revoked_at: Option<i64>,
    flagged_at: Option<i64>,
    client_side_uses: i64,
}

impl From<KeyRow> for ApiKeyRecord {
    fn from(r: KeyRow) -> ApiKeyRecord {
        ApiKeyRecord {
            key_id: r.key_id,
            brand_id: r.brand_id,
            key_digest: r.key_digest,
            environment: r.environment,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            flagged_at: r.flagged_at,
            client_side_uses: r.client_side_uses,
        }
    }
}

/// A `signup_requests` row.
#[derive(sqlx::FromRow)]
struct RequestRow {
    uuid: String,
    brand_id: String,
    phone_hash: String,
    data: String,
    created_at: i64,
    expires_at: i64,
}

/// A `firewall_events` row.
#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    kind: String,
    key_id: Option<String>,
    brand_id: Option<String>,
    origin: Option<String>,
    created_at: i64,
}

/// The key a digest names, as the flagging update returns it.
#[derive(sqlx::FromRow)]
struct FlagRow {
    key_id: String,
    brand_id: String,
}

const BRAND_COLUMNS: &str = "id, name, integration, add_ons, redirect_url, environment, created_at";
const KEY_COLUMNS: &str = "key_id, brand_id, key_digest, environment, created_at, revoked_at, flagged_at, client_side_uses";

macro_rules! signup_sql {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl SignupStore for $store {
            async fn count_brands(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM signup_brands")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn insert_brand(&self, b: &BrandRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO signup_brands (id, name, integration, add_ons, redirect_url, environment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&b.id)
                    .bind(&b.name)
                    .bind(&b.integration)
                    .bind(b.add_ons.join(","))
                    .bind(&b.redirect_url)
                    .bind(&b.environment)
                    .bind(b.created_at)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn get_brand(&self, id: &str) -> StoreResult<Option<BrandRecord>> {
                let row: Option<BrandRow> =
                    sqlx::query_as(&format!("SELECT {BRAND_COLUMNS} FROM signup_brands WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn insert_api_key(&self, k: &ApiKeyRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO signup_api_keys (key_id, brand_id, key_digest, environment, created_at, revoked_at, flagged_at, client_side_uses) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(&k.key_id)
                    .bind(&k.brand_id)
                    .bind(&k.key_digest)
                    .bind(&k.environment)
                    .bind(k.created_at)
                    .bind(k.revoked_at)
                    .bind(k.flagged_at)
                    .bind(k.client_side_uses)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn get_api_key(
                &self,
                key_digest: &str,
            ) -> StoreResult<Option<(ApiKeyRecord, BrandRecord)>> {
                let key: Option<KeyRow> = sqlx::query_as(&format!(
                    "SELECT {KEY_COLUMNS} FROM signup_api_keys WHERE key_digest = $1"
                ))
                .bind(key_digest)
                .fetch_optional(&self.pool)
                .await?;
                let Some(key) = key else { return Ok(None) };
                Ok(self
                    .get_brand(&key.brand_id)
                    .await?
                    .map(|b| (key.into(), b)))
            }

            async fn get_api_key_by_id(&self, key_id: &str) -> StoreResult<Option<ApiKeyRecord>> {
                let key: Option<KeyRow> = sqlx::query_as(&format!(
                    "SELECT {KEY_COLUMNS} FROM signup_api_keys WHERE key_id = $1"
                ))
                .bind(key_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(key.map(Into::into))
            }

            async fn revoke_api_key(&self, key_id: &str, now: i64) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE signup_api_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(key_id)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_request(&self, r: &RequestRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO signup_requests (uuid, brand_id, phone_hash, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&r.uuid)
                    .bind(&r.brand_id)
                    .bind(&r.phone_hash)
                    .bind(&r.data)
                    .bind(r.created_at)
                    .bind(r.expires_at)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(())
            }

            async fn get_request(
                &self,
                brand_id: &str,
                uuid: &str,
            ) -> StoreResult<Option<RequestRecord>> {
                let row: Option<RequestRow> = sqlx::query_as("SELECT uuid, brand_id, phone_hash, data, created_at, expires_at FROM signup_requests WHERE uuid = $1 AND brand_id = $2")
                    .bind(uuid)
                    .bind(brand_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| RequestRecord {
                    uuid: r.uuid,
                    brand_id: r.brand_id,
                    phone_hash: r.phone_hash,
                    data: r.data,
                    created_at: r.created_at,
                    expires_at: r.expires_at,
                }))
            }

            async fn delete_expired_requests(&self, before: i64, limit: i64) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM signup_requests WHERE uuid IN (SELECT uuid FROM signup_requests WHERE expires_at < $1 LIMIT $2)")
                    .bind(before)
                    .bind(limit)
                    .execute(&mut *self.write().await?)
                    .await?;
                Ok(r.rows_affected())
            }
        }

        #[async_trait::async_trait]
        impl FirewallStore for $store {
            async fn record_client_side(
                &self,
                event: &FirewallEvent,
                key_digest: Option<&str>,
            ) -> StoreResult<Option<FlaggedKey>> {
                let mut conn = self.write().await?;
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                let flagged: Option<FlagRow> = match key_digest {
                    Some(d) => sqlx::query_as("UPDATE signup_api_keys SET flagged_at = COALESCE(flagged_at, $1), client_side_uses = client_side_uses + 1 WHERE key_digest = $2 RETURNING key_id, brand_id")
                        .bind(event.created_at)
                        .bind(d)
                        .fetch_optional(&mut *tx)
                        .await?,
                    None => None,
                };
                sqlx::query("INSERT INTO firewall_events (id, kind, key_id, brand_id, origin, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&event.id)
                    .bind(&event.kind)
                    .bind(flagged.as_ref().map(|f| f.key_id.as_str()).or(event.key_id.as_deref()))
                    .bind(flagged.as_ref().map(|f| f.brand_id.as_str()).or(event.brand_id.as_deref()))
                    .bind(&event.origin)
                    .bind(event.created_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(flagged.map(|f| FlaggedKey {
                    key_id: f.key_id,
                    brand_id: f.brand_id,
                }))
            }

            async fn firewall_events(&self, limit: i64) -> StoreResult<Vec<FirewallEvent>> {
                let rows: Vec<EventRow> = sqlx::query_as("SELECT id, kind, key_id, brand_id, origin, created_at FROM firewall_events ORDER BY created_at DESC, id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| FirewallEvent {
                        id: r.id,
                        kind: r.kind,
                        key_id: r.key_id,
                        brand_id: r.brand_id,
                        origin: r.origin,
                        created_at: r.created_at,
                    })
                    .collect())
            }
        }
    };
}

signup_sql!(SqliteStore);
signup_sql!(PgStore);

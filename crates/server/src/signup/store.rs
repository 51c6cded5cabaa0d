//! What the signup surface keeps: brands (the tenant of 1-Click Signup) and
//! their API keys.
//!
//! The surface owns its store trait (DESIGN section 4); this file holds only the
//! trait and its records, with no SQL. The SQLite and PostgreSQL implementations
//! are in `crate::store::sql`.
//!
//! Invariant: an API key is stored only as the SHA-256 digest of the key; the
//! key itself is shown once, when it is created. A 1-Click request keeps its
//! phone number only as a digest and its identity sealed with the server key.

use crate::store::StoreResult;

/// A brand: who calls the 1-Click Signup API, and how it is integrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandRecord {
    /// Brand id (`brd_…`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// `hosted`, `semi-hosted` or `non-hosted`.
    pub integration: String,
    /// The add-ons enabled for the brand (`reason-codes`, `phone`, `email`).
    pub add_ons: Vec<String>,
    /// Where the Hosted flow sends the user when the request names no `redirectUrl`.
    pub redirect_url: Option<String>,
    /// `sandbox` or `production`: the tier of the servers its keys work on.
    pub environment: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// An API key of a brand. The key itself is never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The key's public id (`key_…`), what logs and `idv admin key revoke` name.
    pub key_id: String,
    /// Its brand.
    pub brand_id: String,
    /// SHA-256 of the key, hex.
    pub key_digest: String,
    /// `sandbox` or `production`.
    pub environment: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When the firewall first saw it used client side, if it did.
    pub flagged_at: Option<i64>,
    /// How many times the firewall saw it used client side.
    pub client_side_uses: i64,
}

impl std::fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyRecord")
            .field("key_id", &self.key_id)
            .field("brand_id", &self.brand_id)
            .field("key_digest", &"<redacted>")
            .field("environment", &self.environment)
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .field("flagged_at", &self.flagged_at)
            .field("client_side_uses", &self.client_side_uses)
            .finish()
    }
}

/// A 1-Click request: what `POST /1-click` found, for `GET` and `PATCH`
/// `/1-click/{uuid}` during its 60 minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The request's uuid.
    pub uuid: String,
    /// The brand that made it.
    pub brand_id: String,
    /// SHA-256 of the phone number, hex.
    pub phone_hash: String,
    /// The identity as JSON, sealed with the server key and bound to the uuid.
    pub data: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// End of its life, Unix seconds.
    pub expires_at: i64,
}

/// Brands, API keys and 1-Click requests.
#[async_trait::async_trait]
pub trait SignupStore: Send + Sync + 'static {
    /// Number of brands (0 on a fresh database).
    async fn count_brands(&self) -> StoreResult<i64>;
    /// Creates a brand.
    async fn insert_brand(&self, b: &BrandRecord) -> StoreResult<()>;
    /// A brand by id.
    async fn get_brand(&self, id: &str) -> StoreResult<Option<BrandRecord>>;
    /// Stores a new API key (its digest).
    async fn insert_api_key(&self, k: &ApiKeyRecord) -> StoreResult<()>;
    /// The key whose digest is `key_digest`, with its brand.
    async fn get_api_key(
        &self,
        key_digest: &str,
    ) -> StoreResult<Option<(ApiKeyRecord, BrandRecord)>>;
    /// A key by its public id.
    async fn get_api_key_by_id(&self, key_id: &str) -> StoreResult<Option<ApiKeyRecord>>;
    /// Revokes a key; false when it does not exist or was already revoked.
    async fn revoke_api_key(&self, key_id: &str, now: i64) -> StoreResult<bool>;
    /// Stores a 1-Click request.
    async fn insert_request(&self, r: &RequestRecord) -> StoreResult<()>;
    /// A 1-Click request of the brand `brand_id` (another brand's is `None`).
    async fn get_request(&self, brand_id: &str, uuid: &str) -> StoreResult<Option<RequestRecord>>;
    /// Deletes at most `limit` 1-Click requests that expired before `before`
    /// (the retention sweeper); returns how many.
    async fn delete_expired_requests(&self, before: i64, limit: i64) -> StoreResult<u64>;
}

//! What the possession surface keeps: flows (Pre-Fill, Prove Identity, Unify),
//! the identities they enrol and the Prove Keys they bind.
//!
//! The surface owns its store trait (DESIGN section 4); this file holds only the
//! trait and its records, with no SQL. The SQLite and PostgreSQL implementations
//! are in `crate::store::sql`.
//!
//! Invariant: every change of a flow is a single transaction that starts with a
//! conditional update on the flow's version ([`PossessionStore::update_flow`]),
//! so two concurrent identical step calls can never both succeed.

use crate::jobs::JobSpec;
use crate::store::StoreResult;

/// One flow (Pre-Fill, Prove Identity or Unify), keyed by its correlation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRecord {
    /// The correlation id.
    pub correlation_id: String,
    /// The project that started it.
    pub project_id: String,
    /// `prefill`, `identity` or `unify`.
    pub kind: String,
    /// Where the flow stands.
    pub state: String,
    /// Bumped by every change; the conditional update compares it.
    pub version: i64,
    /// The flow's data, as JSON.
    pub data: String,
    /// SHA-256 of the flow's client auth token, hex.
    pub auth_token_hash: String,
    /// Start time, Unix seconds.
    pub created_at: i64,
    /// Expiry of the correlation id, Unix seconds.
    pub expires_at: i64,
}

/// An identity created by a completed flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    /// Identity id (also the Unify `proveId`).
    pub identity_id: String,
    /// Its project.
    pub project_id: String,
    /// The flow that created it.
    pub correlation_id: String,
    /// Its data, as JSON.
    pub data: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// A Prove Key bound to a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The device (key) id.
    pub device_id: String,
    /// Its project.
    pub project_id: String,
    /// The E.164 number it was bound to.
    pub phone_number: String,
    /// The identity it authenticates.
    pub prove_id: String,
    /// Bind time, Unix seconds.
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A row written in the same transaction as a flow change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideEffect {
    /// Enrol an identity.
    Identity(IdentityRecord),
    /// Bind a Prove Key.
    Device(DeviceRecord),
    /// The request's own answer, stored for its Idempotency-Key with the change
    /// it answers, so no crash can leave one without the other: the key's row
    /// is completed if the guard's `claim` still holds it (a lapsed claim
    /// writes nothing; the change still commits).
    Answer(StoredAnswer),
    /// A job for the durable queue (`jobs/`), enqueued only if the change is
    /// written, so no crash can keep the change and lose its job.
    Enqueue(JobSpec),
}

/// An answer to store for an Idempotency-Key ([`SideEffect::Answer`]), as the
/// guard gives it (`guard::idempotency::HeldKey::answer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The project that sent the key.
    pub project_id: String,
    /// The key.
    pub key: String,
    /// The HTTP status.
    pub status: i64,
    /// The body, sealed by the guard.
    pub body: String,
    /// When the stored answer expires, Unix seconds.
    pub expires_at: i64,
    /// The claim the request holds the key under.
    pub claim: String,
}

/// Flows, identities and devices. See the module docs for the invariant.
#[async_trait::async_trait]
pub trait PossessionStore: Send + Sync + 'static {
    /// Creates a flow.
    async fn insert_flow(&self, f: &FlowRecord) -> StoreResult<()> {
        self.insert_flow_with(f, &[]).await
    }
    /// In one transaction: creates a flow and writes `effects`.
    async fn insert_flow_with(&self, f: &FlowRecord, effects: &[SideEffect]) -> StoreResult<()>;
    /// A flow by correlation id.
    async fn get_flow(&self, correlation_id: &str) -> StoreResult<Option<FlowRecord>>;
    /// The flow as this process last wrote or read it, if the store keeps such
    /// copies (the cache in front of the database does), without reading it.
    /// It may be older than the row: only a change through [`update_flow`],
    /// which is refused unless the version is still the copy's, may be based on
    /// it, and anything else is decided again on [`get_flow`].
    ///
    /// [`update_flow`]: PossessionStore::update_flow
    /// [`get_flow`]: PossessionStore::get_flow
    fn flow_as_written(&self, correlation_id: &str) -> Option<FlowRecord> {
        let _ = correlation_id;
        None
    }
    /// A flow by the hash of its client auth token.
    async fn get_flow_by_auth_token(&self, token_hash: &str) -> StoreResult<Option<FlowRecord>>;
    /// In one transaction: moves the flow to `state` with `data` if its version is
    /// still `expected_version`, and writes `effects`. False (nothing written) when
    /// another request changed the flow first.
    async fn update_flow(
        &self,
        correlation_id: &str,
        expected_version: i64,
        state: &str,
        data: &str,
        effects: &[SideEffect],
    ) -> StoreResult<bool>;
    /// An identity of a project.
    async fn get_identity(
        &self,
        project_id: &str,
        identity_id: &str,
    ) -> StoreResult<Option<IdentityRecord>>;
    /// A device by id.
    async fn get_device(&self, device_id: &str) -> StoreResult<Option<DeviceRecord>>;
    /// Revokes a device of a project; false when unknown or already revoked.
    async fn revoke_device(&self, project_id: &str, device_id: &str, now: i64)
    -> StoreResult<bool>;
    /// Deletes at most `limit` flows whose correlation id expired before
    /// `before` (the retention sweeper passes its clock minus the grace);
    /// returns how many. Identities and devices are kept.
    async fn delete_expired_flows(&self, before: i64, limit: i64) -> StoreResult<u64>;
}

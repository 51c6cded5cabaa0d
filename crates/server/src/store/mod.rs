//! Persistent state behind traits, so the surfaces never see which database
//! holds it.
//!
//! The store is split by who uses it: [`AuthStore`] (projects, clients, tokens,
//! the revocation mark: what every authenticated request reads, and the part
//! [`CachedStore`] caches; workspaces and API tokens too; it also keeps a copy of
//! each flow it wrote, which a flow step may start from, `written.rs`),
//! [`IdempotencyStore`] (claimed keys and stored responses for `Idempotency-Key`),
//! [`PossessionStore`] (flows, identities, devices),
//! [`VerificationStore`] (verifications, the address blacklist), [`JobStore`]
//! (the durable job queue, `jobs/store.rs`), [`SignupStore`] (brands and their API keys,
//! stored as digests) and [`FirewallStore`] (the firewall's record of client-side key use).
//! [`Store`] is all of them at once, implemented for anything that implements them,
//! and [`DynStore`] is what the server holds.
//!
//! Each trait has two implementations, [`SqliteStore`] (the embedded default) and
//! [`PgStore`] (for several instances behind a load balancer), written once in
//! `sql/` with runtime queries whose placeholders both databases accept, and
//! rows mapped with `sqlx::FromRow`. Each backend has its own append-only
//! migrations under `crates/server/migrations/<backend>/`, applied by sqlx's
//! `Migrator` (`sql/migrate.rs`).
//!
//! Document images are not in the database: [`objects`] keeps them, encrypted,
//! in a directory or an S3-compatible bucket.
//!
//! Only this module names `sqlx`: the trait files (`auth.rs`, `idempotency.rs`,
//! `possession.rs`) hold plain records and no SQL.

mod auth;
mod cached;
mod idempotency;
pub mod objects;
mod sql;
mod written;

pub use crate::firewall::store::{FirewallEvent, FirewallStore, FlaggedKey};
pub use crate::jobs::store::{Finish, JobRecord, JobSpec, JobState, JobStore};

pub use crate::possession::store::{
    DeviceRecord, FlowRecord, IdentityRecord, PossessionStore, SideEffect, StoredAnswer,
};
pub use crate::signup::store::{ApiKeyRecord, BrandRecord, RequestRecord, SignupStore};
pub use crate::verification::store::{
    BlacklistEntry, CommentRecord, HistoryRecord, Page, VerificationChange, VerificationRecord,
    VerificationStore,
};
pub use crate::verification::store::{
    ChangeOutcome, DecisionRecord, DocumentChange, DocumentOp, DocumentRecord, DocumentStore,
    ImageRecord,
};
pub use auth::{
    ApiCaller, ApiTokenRecord, AuthStore, Caller, ClientRecord, Project, RevocationMark,
    TokenRecord, Workspace,
};
pub use cached::CachedStore;
pub use idempotency::{Claim, IdempotencyEntry, IdempotencyRecord, IdempotencyStore};
pub use sql::{PgStore, SqliteStore};

use std::sync::Arc;

/// A failure of the database; the surfaces answer it with 8000 and log the cause.
#[derive(Debug, thiserror::Error)]
#[error("database error: {0}")]
pub struct StoreError(#[from] pub sqlx::Error);

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Every part of the store at once: what [`open`] returns and the server holds.
/// Implemented for every type that implements all the parts.
pub trait Store:
    AuthStore
    + IdempotencyStore
    + PossessionStore
    + VerificationStore
    + JobStore
    + DocumentStore
    + SignupStore
    + FirewallStore
{
}

impl<
    T: AuthStore
        + IdempotencyStore
        + PossessionStore
        + VerificationStore
        + JobStore
        + DocumentStore
        + SignupStore
        + FirewallStore
        + ?Sized,
> Store for T
{
}

/// A shared store.
pub type DynStore = Arc<dyn Store>;

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL names no supported database.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    Unsupported(String),
    /// Connecting failed.
    #[error("cannot open database {url}: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The cause.
        source: sqlx::Error,
    },
    /// Applying the migrations failed.
    #[error("cannot migrate database {url}: {source}")]
    Migrate {
        /// The URL, password redacted.
        url: String,
        /// The cause.
        source: sqlx::migrate::MigrateError,
    },
    /// A migration the database already applied differs from this build's
    /// (its checksum changed): someone edited a released migration.
    #[error(
        "cannot migrate database {url}: migration {version} was applied with different contents \
         than this build's; migrations are append-only, so a released migration must never be \
         edited (add a new one instead)"
    )]
    MigrationChanged {
        /// The URL, password redacted.
        url: String,
        /// The migration's version.
        version: i64,
    },
}

/// Opens (creating and migrating) the database at `url`.
pub async fn open(url: &str) -> Result<DynStore, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::open(url, None).await?))
    } else {
        Err(OpenError::Unsupported(crate::config::redact_url(url)))
    }
}

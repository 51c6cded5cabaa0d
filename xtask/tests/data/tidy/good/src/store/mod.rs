//! Fixture: store/ names sqlx and implements each surface's store trait.

use crate::possession::store::PossessionStore;
use crate::verification::store::{VerificationStore, VerificationRow};
use sqlx::SqlitePool;

pub struct Sql(sqlx::PgPool);

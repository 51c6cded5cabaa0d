//! Value types parsed at the edge, so handlers hold checked values instead of
//! strings: phone numbers, regions and tiers, correlation ids, dates of birth,
//! social security numbers, and the secrets helpers.
//!
//! Boundary: no axum, no sqlx, no surface. A parser returns the reason in the
//! words an error message uses (`must be a UUID`); the surface puts the field
//! name in front and turns it into its own error.

pub mod country;
pub mod crypto;
pub mod date;
pub mod dob;
pub mod ids;
pub mod phone;
pub mod secrets;
pub mod ssn;

pub use crate::config::{Region, Tier};
pub use crypto::SealKey;
pub use dob::Dob;
pub use ids::CorrelationId;
pub use phone::Phone;
pub use ssn::Ssn;

//! The verification surface (compatible with the Colleckt document verification
//! API): `/api/v1/{flow}/…` for the `usps1583` and `identity` flows.
//!
//! This file declares the surface's modules; the pure domain is here today:
//! [`flows`] (what each flow accepts) and [`status`] (statuses, the lifecycle
//! table, the decision cascade).
//!
//! Boundary: imports `http`, `guard`, `domain`, `app`, its store and idv-core;
//! never another surface. Renders only `VerificationError`.

pub mod flows;
pub mod status;

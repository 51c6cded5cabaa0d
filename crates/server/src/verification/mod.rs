//! The verification surface (compatible with the Colleckt document verification
//! API): `/api/v1/{flow}/…` for the `usps1583` and `identity` flows.
//!
//! This file declares the surface's modules; the pure domain is here today:
//! [`flows`] (what each flow accepts), [`expected`] (the create body and its
//! field-by-field 422 validation, with [`fields`], the 422 collector),
//! [`status`] (statuses, the lifecycle table, the decision cascade) and
//! [`model`] (the wire types).
//!
//! Boundary: imports `http`, `guard`, `domain`, `app`, its store and idv-core;
//! never another surface. Renders only `VerificationError`.

pub mod expected;
pub mod fields;
pub mod flows;
pub mod model;
pub mod status;

//! The guards a request passes on its way to a handler: who is calling
//! ([`auth`]), whether they are within their rate limit ([`ratelimit`]), and
//! whether a repeated `Idempotency-Key` must be answered from the stored
//! response ([`idempotency`]).
//!
//! Boundary: names no surface; a guard answers with the surface's own error,
//! through the `SurfaceEdge` the edge picked or the surface's error enum.

pub mod auth;
pub mod idempotency;
pub mod ratelimit;

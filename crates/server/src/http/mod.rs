//! Surface-generic HTTP plumbing: how any surface's catalogued error becomes a
//! response ([`error`]), how bodies are read within the surface's limits
//! ([`input`]), how successful answers are written ([`respond`]), and what the
//! edge needs to know of a surface ([`surface`]).
//!
//! Boundary: names no surface; each surface supplies its error enum and limits
//! through the traits and the [`SurfaceEdge`] defined here.

pub mod error;
pub mod input;
pub mod respond;
pub mod surface;

pub use error::{Failure, SurfaceError};
pub use input::{Fields, Json, ParseJson, SurfaceInput};
pub use respond::{json_bytes, ok};
pub use surface::{RateKey, SurfaceEdge};

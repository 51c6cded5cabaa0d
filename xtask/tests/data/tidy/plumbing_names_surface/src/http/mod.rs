//! Fixture: http re-exporting a surface's error.

pub use crate::possession::PossessionError;

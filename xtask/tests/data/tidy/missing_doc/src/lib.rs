//! Fixture: modules without a `//!` doc.

mod possession;
mod serve;

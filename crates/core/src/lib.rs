//! idv-core: the types every part of idv shares.
//!
//! Most of it is generated from `catalog/` by `cargo xtask regen` (the
//! [`generated`] module): the error ids, the per-surface error enums, their
//! metadata, the limits and the outcomes. The hand-written modules around it
//! render those errors to each surface's wire dialect and parse them back, format
//! rate-limit headers, and apply the omit-empty JSON convention.
//!
//! This crate does no I/O and depends on neither tokio, reqwest, sqlx, axum nor
//! `idv-catalog`, so both the server and the client can use it, and a broken
//! generated file can never stop regeneration.

#[rustfmt::skip]
pub mod generated;
pub mod json;
pub mod meta;
pub mod operation;
pub mod ratelimit;
pub mod template;
pub mod wire;

pub use generated::errors::*;
pub use generated::limits;
pub use generated::operations;
pub use generated::outcomes;
pub use meta::{
    Dialect, EntryMeta, ExampleMeta, ParamMeta, ParamType, Retry, StatusMeta, WireCode,
};
pub use wire::{ApiError, CatalogError, Params, ParseError};

//! The verification surface (compatible with the document verification API).
//!
//! On this branch only its image files module exists; the surface's `mod.rs`
//! (routes, `OPERATIONS`, `EDGE`) comes with the tenancy work, which declares
//! `pub mod files;` and routes [`files::get`] at [`files::PATH`].

pub mod files;

//! Integration tests of the project tooling: generated files are in sync with the
//! catalogue, drift is caught and named, the crate graph follows DESIGN section 2,
//! the server's modules follow the rules of DESIGN section 4,
//! and the reference covers every token of the seed documents.

mod modules;
mod regen;
mod seeds;
mod tidy;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

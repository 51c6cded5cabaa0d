//! idv-catalog: the error catalogue as data.
//!
//! It loads `catalog/*.yaml` (errors, statuses, limits, outcomes, troubleshooting
//! and the operations of each surface) into a typed [`Catalog`], validates it (every failure
//! is a [`Diagnostic`] that names `file:line:col`, what is wrong and what to do),
//! and renders every generated output: the Rust code of `idv-core` (error types,
//! limits, outcomes, operations tables), the Markdown reference with the endpoint
//! reference, `catalog.json` and `codes.lock`. It is used by `xtask` only; the
//! runtime crates read the generated code, never the YAML.

mod cache;
mod load;
pub mod lock;
pub mod model;
pub mod render;
mod sync;
pub mod validate;
mod yaml;

/// Message templates, shared with `idv-core` by source so both read them alike.
#[path = "../../core/src/template.rs"]
pub mod template;

pub use cache::ParseCache;
use model::*;
use std::fmt;
pub use sync::{GENERATED_DIRS, Output, SyncReport, generate, sync};
pub use yaml::Pos;
use yaml::Positions;

/// A problem in the catalogue, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File path relative to the repository root, e.g. `catalog/errors/possession.yaml`.
    pub file: String,
    /// Position in the file.
    pub pos: Pos,
    /// `what is wrong; what to do`.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.pos.line, self.pos.col, self.message
        )
    }
}

/// A source file of the catalogue.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the repository root.
    pub path: String,
    positions: Positions,
}

/// The whole catalogue, loaded.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Every file read, in reading order.
    pub files: Vec<SourceFile>,
    /// Surfaces, in documentation order.
    pub surfaces: Vec<Surface>,
    /// HTTP statuses, in file order.
    pub statuses: Vec<Status>,
    /// Errors, grouped by surface in surface order, then file order.
    pub errors: Vec<ErrorEntry>,
    /// Retired codes with their surface.
    pub retired: Vec<(String, Retired, Origin)>,
    /// Outcomes.
    pub outcomes: Outcomes,
    /// Troubleshooting.
    pub troubleshooting: Troubleshooting,
    /// Limits, headers and conventions.
    pub limits: LimitsFile,
    /// Operations, grouped by surface in surface order, then file order.
    pub operations: Vec<Operation>,
    /// The surfaces that have an `operations/<surface>.yaml` (their errors' `endpoints`
    /// must name their operations).
    pub operation_surfaces: Vec<String>,
    /// `catalog/codes.lock` as committed (empty if absent).
    pub lock_text: String,
    file_index: FileIndex,
}

#[derive(Debug, Clone, Default)]
struct FileIndex {
    surfaces: usize,
    statuses: usize,
    outcomes: usize,
    troubleshooting: usize,
    limits: usize,
}

impl Catalog {
    /// A diagnostic at `path` (dotted, e.g. `errors.3.message`) of file `file`.
    pub fn diag(&self, file: usize, path: &str, message: impl Into<String>) -> Diagnostic {
        let f = &self.files[file];
        Diagnostic {
            file: f.path.clone(),
            pos: f.positions.get(path),
            message: message.into(),
        }
    }

    /// A diagnostic at `field` of the item read from `origin`.
    pub fn diag_at(&self, origin: &Origin, field: &str, message: impl Into<String>) -> Diagnostic {
        let path = if field.is_empty() {
            origin.path.clone()
        } else {
            format!("{}.{field}", origin.path)
        };
        self.diag(origin.file, &path, message)
    }

    /// A diagnostic in `surfaces.yaml`.
    pub fn diag_surfaces(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.surfaces, path, message)
    }
    /// A diagnostic in `statuses.yaml`.
    pub fn diag_statuses(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.statuses, path, message)
    }
    /// A diagnostic in `outcomes.yaml`.
    pub fn diag_outcomes(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.outcomes, path, message)
    }
    /// A diagnostic in `troubleshooting.yaml`.
    pub fn diag_troubleshooting(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.troubleshooting, path, message)
    }
    /// A diagnostic in `limits.yaml`.
    pub fn diag_limits(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.limits, path, message)
    }

    /// The surface named `name`.
    pub fn surface(&self, name: &str) -> Option<&Surface> {
        self.surfaces.iter().find(|s| s.name == name)
    }

    /// The status `code`.
    pub fn status(&self, code: u16) -> Option<&Status> {
        self.statuses.iter().find(|s| s.status == code)
    }

    /// The error with `id`.
    pub fn error(&self, id: &str) -> Option<&ErrorEntry> {
        self.errors.iter().find(|e| e.id == id)
    }

    /// The errors of a surface, in catalogue order.
    pub fn errors_of<'a>(&'a self, surface: &'a str) -> impl Iterator<Item = &'a ErrorEntry> + 'a {
        self.errors.iter().filter(move |e| e.surface == surface)
    }

    /// The operations of a surface, in catalogue order.
    pub fn operations_of<'a>(
        &'a self,
        surface: &'a str,
    ) -> impl Iterator<Item = &'a Operation> + 'a {
        self.operations.iter().filter(move |o| o.surface == surface)
    }

    /// The errors whose `endpoints` name `op`, in catalogue order.
    pub fn errors_of_operation<'a>(
        &'a self,
        op: &'a Operation,
    ) -> impl Iterator<Item = &'a ErrorEntry> + 'a {
        let endpoint = op.endpoint();
        self.errors
            .iter()
            .filter(move |e| e.surface == op.surface && e.endpoints.contains(&endpoint))
    }

    /// The header with `id`.
    pub fn header(&self, id: &str) -> Option<&Header> {
        self.limits.headers.iter().find(|h| h.id == id)
    }
}

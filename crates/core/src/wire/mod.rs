//! Rendering catalogued errors to each surface's wire dialect, and parsing them back.
//!
//! Every body idv sends is produced here from an entry and its parameters, and the
//! client decodes every body with [`parse`]. The catalogue's examples are the test
//! data: each one, rendered here, must equal its example and parse back to the same
//! entry and parameters (`tests/it/roundtrip.rs`).
//!
//! `render.rs` writes bodies, `parse.rs` reads them back, `params.rs` converts
//! parameters between Rust values and JSON; the trait every surface's error enum
//! implements and the untyped [`ApiError`] are here.

mod params;
mod parse;
mod render;

pub use params::{ParamValue, put, take, take_opt};
pub use parse::{effective_surface, parse, wire_code};
pub use render::{render, render_message, render_validation};

use crate::meta::{EntryMeta, Retry, WireCode};
use crate::{ErrorId, Surface};
use serde_json::{Map, Value};

/// Parameter values of an error, keyed by param name.
pub type Params = Map<String, Value>;

/// The fixed `error` member of every firewall body (seed 002).
pub const FIREWALL_ERROR: &str = "Request blocked by firewall";

/// Why a body could not be decoded into a catalogued error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// The body is not a JSON object.
    #[error("the error body is not a JSON object")]
    NotAnObject,
    /// The body has no `message` string.
    #[error("the error body has no message")]
    MissingMessage,
    /// The code is not in this version of the catalogue.
    #[error("unknown error code {code}: {message}")]
    UnknownCode {
        /// The code as sent.
        code: String,
        /// The message as sent.
        message: String,
    },
    /// No codeless entry of the surface has this status and message.
    #[error("unknown error (HTTP {status}): {message}")]
    UnknownMessage {
        /// HTTP status.
        status: u16,
        /// The message as sent.
        message: String,
    },
    /// The entry belongs to another surface than the enum asked for.
    #[error("{id} is not an error of the {} surface", expected.name())]
    WrongSurface {
        /// The entry found.
        id: ErrorId,
        /// The surface asked for.
        expected: Surface,
    },
    /// A required parameter is missing or has the wrong type.
    #[error("{id}: parameter `{name}` is missing or has the wrong type")]
    BadParam {
        /// The entry.
        id: ErrorId,
        /// The parameter.
        name: &'static str,
    },
}

/// A catalogued error with its parameters: implemented by every generated
/// per-surface enum and by the surface-independent [`ApiError`].
pub trait CatalogError: Sized {
    /// The entry.
    fn id(&self) -> ErrorId;
    /// The parameter values, keyed by name.
    fn params(&self) -> Params;
    /// Builds the error from an entry and its parameters.
    fn from_parts(id: ErrorId, params: &Params) -> Result<Self, ParseError>;

    /// Everything the catalogue says about the entry.
    fn meta(&self) -> &'static EntryMeta {
        self.id().meta()
    }
    /// HTTP status.
    fn status(&self) -> u16 {
        self.meta().status
    }
    /// Wire code, if any.
    fn code(&self) -> Option<WireCode> {
        self.meta().code
    }
    /// Retry class.
    fn retry(&self) -> Retry {
        self.meta().retry
    }
    /// What the caller should do.
    fn resolution(&self) -> &'static str {
        self.meta().resolution
    }
    /// Path of the entry's section in the reference docs.
    fn docs_url(&self) -> &'static str {
        self.meta().docs
    }
    /// The rendered wire message.
    fn message(&self) -> String {
        render_message(self.meta(), &self.params())
    }
    /// The full wire body in the surface's dialect, omit-empty applied.
    fn body(&self) -> Value {
        render(self.meta(), &self.params())
    }
    /// Decodes a body of `surface` into this type.
    fn from_body(surface: Surface, status: u16, body: &Value) -> Result<Self, ParseError> {
        let e = parse(surface, status, body)?;
        Self::from_parts(e.id, &e.params)
    }
}

/// Any catalogued error, on any surface: an id and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The entry.
    pub id: ErrorId,
    /// Its parameter values.
    pub params: Params,
}

impl ApiError {
    /// An error without parameters (or with all of them to be added later).
    pub fn new(id: ErrorId) -> ApiError {
        ApiError {
            id,
            params: Params::new(),
        }
    }
    /// Adds a parameter.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> ApiError {
        self.params.insert(name.to_string(), value.into());
        self
    }
}

impl CatalogError for ApiError {
    fn id(&self) -> ErrorId {
        self.id
    }
    fn params(&self) -> Params {
        self.params.clone()
    }
    fn from_parts(id: ErrorId, params: &Params) -> Result<Self, ParseError> {
        Ok(ApiError {
            id,
            params: params.clone(),
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        display(self, f)
    }
}

impl std::error::Error for ApiError {}

/// `8003: step called out of order`, or `HTTP 404: Not Found.` for codeless entries.
pub fn display(e: &impl CatalogError, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    match e.code() {
        Some(c) => write!(f, "{c}: {}", e.message()),
        None => write!(f, "HTTP {}: {}", e.status(), e.message()),
    }
}

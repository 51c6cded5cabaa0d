//! The typed model of the catalogue, exactly as the YAML files spell it.
//!
//! Every struct denies unknown fields, so a typo in a key is an error with a
//! position rather than a silently ignored line.
//!
//! One file per catalogue file kind; every type is re-exported here, so
//! `model::ErrorEntry` names it wherever it lives.

mod errors;
mod limits;
mod operations;
mod outcomes;

pub use errors::{
    Code, Deprecated, ErrorEntry, ErrorFile, Example, Param, ParamType, Retired, Retry,
};
pub use limits::{Convention, Header, Limit, LimitValue, LimitsFile};
pub use operations::{Auth, Body, Field, FieldKind, HttpMethod, Operation, OperationsFile};
pub use outcomes::{
    Outcomes, ReasonCode, Recommendation, RejectionReason, RiskLevel, Symptom, TroubleSection,
    Troubleshooting, ValueLabel, WebhookEvent,
};

use serde::{Deserialize, Serialize};

/// Where an item was read from: the index of its file in [`crate::Catalog::files`]
/// and its dotted path inside that file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// Index into `Catalog::files`.
    pub file: usize,
    /// Dotted YAML path of the item, e.g. `errors.3`.
    pub path: String,
}

/// `surfaces.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SurfacesFile {
    /// The surfaces, in documentation order.
    pub surfaces: Vec<Surface>,
}

/// One API surface.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Surface {
    /// Stable name: `possession`, `verification`, `accounts`, `signup`, `firewall`.
    pub name: String,
    /// Human title.
    pub title: String,
    /// The seed document that describes it.
    pub seed: String,
    /// Documented base path.
    pub base_path: String,
    /// How callers authenticate.
    pub auth: String,
    /// The wire dialect of its error bodies.
    pub dialect: Dialect,
    /// A paragraph for the reference page.
    pub description: String,
    /// Ids of the headers (limits.yaml) the surface documents.
    #[serde(default)]
    pub headers: Vec<String>,
    /// The statuses of the surface's status table.
    #[serde(default)]
    pub statuses: Vec<u16>,
    /// The error type schema, as Markdown.
    #[serde(default)]
    pub schema: String,
}

/// How a surface renders an error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// `{"code": 8003, "message": "…", …}`
    CodeMessage,
    /// `{"message": "…", "errors": {"field": ["…"]}}`
    MessageErrors,
    /// `{"name", "message", "code", "className", "data": {"errorCode", …}}`
    Feathers,
    /// `{"error": "Request blocked by firewall", "message": "…"}`
    Firewall,
}

/// `statuses.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatusesFile {
    /// Every HTTP status idv uses.
    pub statuses: Vec<Status>,
}

/// One HTTP status.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    /// The numeric status.
    pub status: u16,
    /// Reason phrase.
    pub definition: String,
    /// What it means for a caller.
    pub description: String,
    /// Typical causes (empty only for 2xx).
    #[serde(default)]
    pub causes: Vec<String>,
    /// What to do (empty only for 2xx).
    #[serde(default)]
    pub resolution: String,
    /// The Feathers `name`/`className` pair used by the `signup` dialect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feathers: Option<Feathers>,
}

/// A Feathers error class.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Feathers {
    /// PascalCase name, e.g. `BadRequest`.
    pub name: String,
    /// kebab-case class, e.g. `bad-request`.
    pub class_name: String,
}

//! `limits.yaml`: numeric limits, headers and conventions.

use serde::{Deserialize, Serialize};

/// `limits.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// Numeric limits.
    pub limits: Vec<Limit>,
    /// Documented headers.
    pub headers: Vec<Header>,
    /// Conventions.
    pub conventions: Vec<Convention>,
}

/// A numeric limit, read by the server from generated constants.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// snake_case id; the constant is its SCREAMING_CASE.
    pub id: String,
    /// A number or a list of numbers.
    pub value: LimitValue,
    /// Unit.
    pub unit: String,
    /// Surface, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<String>,
    /// Title.
    pub title: String,
    /// Meaning.
    pub description: String,
    /// Where it comes from.
    pub source: String,
}

/// A limit's value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum LimitValue {
    /// One number.
    One(u64),
    /// A list (e.g. a retry schedule).
    List(Vec<u64>),
}

/// A documented header.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// snake_case id.
    pub id: String,
    /// Wire name.
    pub name: String,
    /// Meaning.
    pub description: String,
    /// Value format.
    #[serde(default)]
    pub format: String,
}

/// A convention of the API.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Convention {
    /// snake_case id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Text.
    pub description: String,
}

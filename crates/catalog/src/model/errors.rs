//! `errors/<surface>.yaml`: error entries, their params, retry class and examples,
//! and retired codes.

use super::Origin;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// `errors/<surface>.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorFile {
    /// The surface every entry of the file belongs to.
    pub surface: String,
    /// The entries.
    pub errors: Vec<ErrorEntry>,
    /// Codes no longer in use; they stay reserved.
    #[serde(default)]
    pub retired: Vec<Retired>,
}

/// A code taken out of use. It stays in `codes.lock` and can never be reused.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Retired {
    /// The code.
    pub code: Code,
    /// The status it had.
    pub status: u16,
    /// Why it was retired.
    pub reason: String,
}

/// A wire code: a number (possession) or a string (signup).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Code {
    /// Numeric code, e.g. 8003.
    Int(u32),
    /// Alphanumeric code, e.g. `OCE011`.
    Str(String),
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Code::Int(n) => write!(f, "{n}"),
            Code::Str(s) => f.write_str(s),
        }
    }
}

/// One catalogued error.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorEntry {
    /// Stable snake_case id, unique across surfaces.
    pub id: String,
    /// Filled in by the loader from the file's `surface`.
    #[serde(default)]
    pub surface: String,
    /// The wire code, if the surface has codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// HTTP status.
    pub status: u16,
    /// Short title.
    pub title: String,
    /// Wire message template with `{param}` placeholders.
    pub message: String,
    /// Typed parameters, in declaration order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub params: IndexMap<String, Param>,
    /// What the error means.
    pub description: String,
    /// Why it happens.
    #[serde(default)]
    pub causes: Vec<String>,
    /// What to do.
    pub resolution: String,
    /// Retry class.
    pub retry: Retry,
    /// Operations that can return it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
    /// Ids of headers the response carries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// Version that introduced it.
    pub since: String,
    /// Set when the entry is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<Deprecated>,
    /// Decisions and remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Explicit permission to change a released code's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_override: Option<String>,
    /// Full example responses.
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Where the entry was read from.
    #[serde(skip)]
    pub origin: Origin,
}

/// A typed error parameter.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Its type.
    #[serde(rename = "type")]
    pub ty: ParamType,
    /// What it holds.
    #[serde(default)]
    pub description: String,
    /// The body member it is also emitted as, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<String>,
    /// Whether it may be absent.
    #[serde(default)]
    pub optional: bool,
}

/// The type of an error parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// A list of strings, joined with ", " in messages.
    StringList,
    /// A map of string to string (e.g. `next`).
    StringMap,
    /// Any JSON value (e.g. `riskSignals`).
    Json,
    /// The name of the request field a validation error is about.
    Field,
}

impl ParamType {
    /// Whether a value of this type can be written into a message.
    pub fn in_message(self) -> bool {
        matches!(
            self,
            ParamType::String | ParamType::Integer | ParamType::StringList | ParamType::Field
        )
    }
}

/// Retry class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Retry {
    /// Retrying cannot help.
    Never,
    /// Retry only after changing the request.
    AfterFix,
    /// Retry after the `Retry-After` delay.
    AfterRetryAfter,
    /// Retry with exponential backoff.
    WithBackoff,
}

/// Deprecation record.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deprecated {
    /// The entry to use instead.
    pub replacement: String,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// A full example response.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Optional label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Parameter values.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Response headers shown with the example.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// The exact JSON body.
    pub body: serde_json::Value,
}

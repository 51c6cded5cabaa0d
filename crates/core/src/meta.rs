//! The shape of the generated metadata: what the catalogue knows about each entry.

use crate::{ErrorId, Surface};

/// How a surface renders error bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `{"code": 8003, "message": "…", <data members>}` (possession).
    CodeMessage,
    /// `{"message": "…"}` and `{"message": "…", "errors": {"field": ["…"]}}` (verification, accounts).
    MessageErrors,
    /// `{"name", "message", "code", "className", "data": {"errorCode", …}}` (signup).
    Feathers,
    /// `{"error": "Request blocked by firewall", "message": "…"}` (firewall).
    Firewall,
}

/// What a client should do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// A wire code: numeric on possession, `ABC123` on signup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireCode {
    /// e.g. 8003.
    Int(u32),
    /// e.g. `OCE011`.
    Str(&'static str),
}

impl std::fmt::Display for WireCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireCode::Int(n) => write!(f, "{n}"),
            WireCode::Str(s) => f.write_str(s),
        }
    }
}

/// The type of an error parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// A list of strings, joined with ", " in messages.
    StringList,
    /// A map of string to string.
    StringMap,
    /// Any JSON value.
    Json,
    /// The request field a validation error is about.
    Field,
}

/// A declared parameter of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamMeta {
    /// Its name in the message template.
    pub name: &'static str,
    /// Its type.
    pub ty: ParamType,
    /// The body member it is also sent as.
    pub wire: Option<&'static str>,
    /// Whether it may be absent.
    pub optional: bool,
    /// What it holds.
    pub description: &'static str,
}

/// A catalogued example response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExampleMeta {
    /// Label (may be empty).
    pub name: &'static str,
    /// Parameter values, as a JSON object.
    pub params: &'static str,
    /// Response headers shown with it.
    pub headers: &'static [(&'static str, &'static str)],
    /// The exact body, as JSON.
    pub body: &'static str,
}

/// Everything the catalogue says about one error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryMeta {
    /// Its id.
    pub id: ErrorId,
    /// Its snake_case id.
    pub name: &'static str,
    /// The surface that returns it.
    pub surface: Surface,
    /// HTTP status.
    pub status: u16,
    /// Wire code, if the surface has codes.
    pub code: Option<WireCode>,
    /// Short title.
    pub title: &'static str,
    /// Wire message template.
    pub message: &'static str,
    /// Declared parameters.
    pub params: &'static [ParamMeta],
    /// What it means.
    pub description: &'static str,
    /// Why it happens.
    pub causes: &'static [&'static str],
    /// What to do.
    pub resolution: &'static str,
    /// Retry class.
    pub retry: Retry,
    /// Operations that return it.
    pub endpoints: &'static [&'static str],
    /// Header names the response carries.
    pub headers: &'static [&'static str],
    /// Version that introduced it.
    pub since: &'static str,
    /// Replacement, when deprecated.
    pub deprecated: Option<ErrorId>,
    /// Path of its section in the reference docs.
    pub docs: &'static str,
    /// Example responses.
    pub examples: &'static [ExampleMeta],
}

impl EntryMeta {
    /// The declared param named `name`.
    pub fn param(&self, name: &str) -> Option<&'static ParamMeta> {
        self.params.iter().find(|p| p.name == name)
    }
}

impl ErrorId {
    /// The id with this snake_case name.
    pub fn from_name(name: &str) -> Option<ErrorId> {
        ErrorId::ALL
            .iter()
            .copied()
            .find(|id| id.meta().name == name)
    }

    /// The entry of `surface` with wire code `code` (compared as text, so `8003`
    /// and `"OCE011"` both work).
    pub fn from_code(surface: Surface, code: &str) -> Option<ErrorId> {
        ErrorId::ALL.iter().copied().find(|id| {
            id.meta().surface == surface && id.meta().code.is_some_and(|c| c.to_string() == code)
        })
    }

    /// Every entry, on any surface, whose code is `code`.
    pub fn with_code(code: &str) -> Vec<ErrorId> {
        ErrorId::ALL
            .iter()
            .copied()
            .filter(|id| {
                id.meta()
                    .code
                    .is_some_and(|c| c.to_string().eq_ignore_ascii_case(code))
            })
            .collect()
    }

    /// Every entry with this HTTP status.
    pub fn with_status(status: u16) -> Vec<ErrorId> {
        ErrorId::ALL
            .iter()
            .copied()
            .filter(|id| id.meta().status == status)
            .collect()
    }

    /// The snake_case name.
    pub fn name(self) -> &'static str {
        self.meta().name
    }
}

impl std::fmt::Display for ErrorId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.meta().name)
    }
}

/// Everything the catalogue says about an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMeta {
    /// The status.
    pub status: u16,
    /// Reason phrase.
    pub definition: &'static str,
    /// What it means.
    pub description: &'static str,
    /// Typical causes.
    pub causes: &'static [&'static str],
    /// What to do.
    pub resolution: &'static str,
    /// Feathers `name` and `className` (signup dialect).
    pub feathers: Option<(&'static str, &'static str)>,
}

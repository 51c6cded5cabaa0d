//! `operations/<surface>.yaml`: the routes of a surface, their bodies and fields.

use super::Origin;
use serde::{Deserialize, Serialize};

/// `operations/<surface>.yaml`: the operations (routes) of one surface.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OperationsFile {
    /// The surface every operation of the file belongs to.
    pub surface: String,
    /// The operations, in documentation order.
    pub operations: Vec<Operation>,
}

/// One operation: a method and path with its request, response and errors.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// lowerCamelCase id, unique across surfaces (`prefillStart`); OpenAPI's operationId.
    pub id: String,
    /// Filled in by the loader from the file's `surface`.
    #[serde(default)]
    pub surface: String,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path with `{param}` placeholders, starting with `/`.
    pub path: String,
    /// Who may call it.
    pub auth: Auth,
    /// Whether it accepts an `Idempotency-Key`.
    #[serde(default)]
    pub idempotent: bool,
    /// Whether it exists only on a sandbox instance.
    #[serde(default)]
    pub sandbox_only: bool,
    /// One line.
    pub summary: String,
    /// A paragraph.
    pub description: String,
    /// One field per `{param}` of the path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path_params: Vec<Field>,
    /// The request body, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Body>,
    /// The status of a successful answer (200, or 201 for a creation).
    #[serde(default = "default_success_status")]
    pub status: u16,
    /// The successful response body.
    pub response: Body,
    /// Where the entry was read from.
    #[serde(skip)]
    pub origin: Origin,
}

fn default_success_status() -> u16 {
    200
}

impl Operation {
    /// `POST /v3/start`, as the errors' `endpoints` spell it.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl HttpMethod {
    /// As HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// Who may call an operation (`idv_core::operation::AuthKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// Anyone; credentials, if any, are in the request itself.
    Public,
    /// A Bearer access token from `POST /token`.
    AccessToken,
    /// A flow's client auth token in the body.
    FlowAuthToken,
    /// A personal access token of a workspace.
    PersonalAccessToken,
    /// A dashboard session cookie.
    Session,
    /// A raw API key.
    ApiKey,
}

impl Auth {
    /// How the reference describes it.
    pub fn describe(self) -> &'static str {
        match self {
            Auth::Public => "none (public)",
            Auth::AccessToken => "`Authorization: Bearer <access_token>` from `POST /token`",
            Auth::FlowAuthToken => "the flow's `authToken` in the body (no `Authorization` header)",
            Auth::PersonalAccessToken => {
                "`Authorization: Bearer <id>|<secret>` (personal access token)"
            }
            Auth::Session => "a dashboard session cookie",
            Auth::ApiKey => "an API key in `Authorization`",
        }
    }
}

/// A request or response body.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Media type; `application/json` when omitted.
    #[serde(default = "json_content_type")]
    pub content_type: String,
    /// Its members.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// A complete example as JSON text (a form body as JSON of its pairs).
    pub example: String,
}

fn json_content_type() -> String {
    "application/json".into()
}

/// One field of a body or path.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Wire name.
    pub name: String,
    /// JSON type.
    #[serde(rename = "type")]
    pub ty: FieldKind,
    /// Format of a string (`uuid`, `e164`, `phone`, `uri`, `partial-date`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub format: String,
    /// Allowed values of a string.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// A regular expression a string matches.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pattern: String,
    /// Longest accepted string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Required in a request; always present in a response.
    #[serde(default)]
    pub required: bool,
    /// What it holds.
    pub description: String,
    /// An example value.
    pub example: serde_json::Value,
    /// Members of an object, or of each object of an array.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

/// The JSON type of a field (`idv_core::operation::FieldType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A string.
    String,
    /// A whole number.
    Integer,
    /// true or false.
    Boolean,
    /// An object with `fields`.
    Object,
    /// An object of string to string.
    StringMap,
    /// An array of strings.
    StringArray,
    /// An array of objects with `fields`.
    ObjectArray,
}

impl FieldKind {
    /// Whether `v` is a value of this type.
    pub fn accepts(self, v: &serde_json::Value) -> bool {
        match self {
            FieldKind::String => v.is_string(),
            FieldKind::Integer => v.is_i64() || v.is_u64(),
            FieldKind::Boolean => v.is_boolean(),
            FieldKind::Object => v.is_object(),
            FieldKind::StringMap => v
                .as_object()
                .is_some_and(|m| m.values().all(|x| x.is_string())),
            FieldKind::StringArray => v
                .as_array()
                .is_some_and(|a| a.iter().all(|x| x.is_string())),
            FieldKind::ObjectArray => v
                .as_array()
                .is_some_and(|a| a.iter().all(|x| x.is_object())),
        }
    }

    /// How the reference names it.
    pub fn describe(self) -> &'static str {
        match self {
            FieldKind::String => "string",
            FieldKind::Integer => "integer",
            FieldKind::Boolean => "boolean",
            FieldKind::Object => "object",
            FieldKind::StringMap => "object (string → string)",
            FieldKind::StringArray => "array of strings",
            FieldKind::ObjectArray => "array of objects",
        }
    }
}

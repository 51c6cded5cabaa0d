//! The typed model of the catalogue, exactly as the YAML files spell it.
//!
//! Every struct denies unknown fields, so a typo in a key is an error with a
//! position rather than a silently ignored line.

use indexmap::IndexMap;
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

/// `outcomes.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// Verification statuses.
    pub verification_statuses: Vec<ValueLabel>,
    /// Document statuses.
    pub document_statuses: Vec<ValueLabel>,
    /// Decision statuses.
    pub decision_statuses: Vec<ValueLabel>,
    /// Document context types.
    pub context_types: Vec<ValueLabel>,
    /// Document rejection reasons.
    pub rejection_reasons: Vec<RejectionReason>,
    /// Risk levels and their score buckets.
    pub risk_levels: Vec<RiskLevel>,
    /// Recommendations.
    pub recommendations: Vec<Recommendation>,
    /// `OCR…` reason codes.
    pub reason_codes: Vec<ReasonCode>,
    /// Webhook events.
    pub webhook_events: Vec<WebhookEvent>,
}

/// A numbered status with a label.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ValueLabel {
    /// Wire number.
    pub value: i64,
    /// Display label.
    pub label: String,
    /// Wire token, where the API uses one (e.g. `APPROVED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<String>,
    /// Meaning.
    #[serde(default)]
    pub description: String,
}

/// A document rejection reason.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RejectionReason {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Meaning.
    pub description: String,
    /// What to do.
    pub resolution: String,
}

/// A risk level bucket.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RiskLevel {
    /// Wire level, e.g. `medium-low`.
    pub level: String,
    /// Lowest score, inclusive.
    pub min: u32,
    /// Highest score, inclusive.
    pub max: u32,
    /// Recommendation for the bucket.
    pub recommendation: String,
    /// Meaning.
    #[serde(default)]
    pub description: String,
}

/// A recommendation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// Wire value.
    pub recommendation: String,
    /// Meaning.
    pub description: String,
}

/// An `OCR…` reason code.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonCode {
    /// The code.
    pub code: String,
    /// Group.
    pub group: String,
    /// `risk`, `trust` or `neutral`.
    pub indicator: String,
    /// Meaning.
    pub description: String,
}

/// A webhook event.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEvent {
    /// Wire code, e.g. `verification.started`.
    pub code: String,
    /// Title.
    pub title: String,
    /// When it fires.
    pub when: String,
}

/// `troubleshooting.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Troubleshooting {
    /// Sections in documentation order.
    pub sections: Vec<TroubleSection>,
}

/// A troubleshooting section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TroubleSection {
    /// Heading.
    pub title: String,
    /// Surface it concerns, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<String>,
    /// Symptoms.
    pub symptoms: Vec<Symptom>,
}

/// Symptom → causes → solutions.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Symptom {
    /// Stable id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// What the user sees.
    pub symptom: String,
    /// Why.
    #[serde(default)]
    pub causes: Vec<String>,
    /// What to do.
    #[serde(default)]
    pub solutions: Vec<String>,
    /// Error ids concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Outcome refs `kind:key` concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
}

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

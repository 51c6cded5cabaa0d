//! The OpenAPI 3.1 document served at `GET /openapi.json`.
//!
//! It is derived, never written by hand: the paths, parameters, request and
//! response bodies, examples and security come from the surface's `OPERATIONS`
//! table ([`idv_core::operations`]), and the error responses from the
//! catalogue entries each operation lists, with their catalogued examples. So
//! the document cannot disagree with the router or with the bodies the server
//! sends. Components are created only when an operation refers to them, so the
//! document carries none that is unused. A golden test
//! (`tests/it/openapi.rs`) keeps every change reviewed, and an independent
//! linter (`tools/openapi-lint`) checks it.

use crate::app::AppState;
use crate::http::json_bytes;
use crate::http::surface::method_filter;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::on;
use idv_core::limits::headers::{
    IDEMPOTENCY_KEY, RETRY_AFTER, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING, X_RATELIMIT_RESET,
    X_REQUEST_ID,
};
use idv_core::limits::{ACCESS_TOKEN_LIFETIME_SECONDS, IDEMPOTENCY_KEY_MAX_LENGTH};
use idv_core::operation::{AuthKind, Body, Field, FieldType, Operation};
use idv_core::{ErrorId, ExampleMeta, STATUSES, Surface};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// The document of every surface with operations (possession, verification),
/// with `server_url` (the instance's public URL, for example
/// `https://idv.example.com`) as its one server.
pub fn document(server_url: &str) -> Value {
    build(
        &[
            (Surface::Possession, idv_core::operations::POSSESSION),
            (Surface::Verification, idv_core::operations::VERIFICATION),
        ],
        server_url,
    )
}

/// `GET /openapi.json`. The document never changes while the server runs, so
/// it is built and serialized once per public URL (one per running instance).
pub async fn serve(State(st): State<AppState>) -> Response {
    static BODIES: OnceLock<Mutex<HashMap<Arc<str>, Bytes>>> = OnceLock::new();
    let mut bodies = BODIES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let body = bodies
        .entry(st.public_url.clone())
        .or_insert_with(|| document(&st.public_url).to_string().into())
        .clone();
    drop(bodies);
    json_bytes(StatusCode::OK, body)
}

/// The document for the operations of each surface (`(surface, its operations)`).
fn build(surfaces: &[(Surface, &[Operation])], server_url: &str) -> Value {
    let server_url = server_url.trim_end_matches('/');
    let mut c = Components::new(server_url);
    let mut paths = Map::new();
    for (surface, ops) in surfaces {
        for op in *ops {
            let operation = c.operation(*surface, op);
            let item = paths
                .entry(op.path.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            item[op.method.as_str().to_ascii_lowercase()] = operation;
        }
    }
    let title = match surfaces {
        [(surface, _)] => format!("idv {} API", surface.name()),
        _ => "idv API".to_string(),
    };
    let description = surfaces
        .iter()
        .map(|(s, _)| introduction(*s))
        .collect::<Vec<_>>()
        .join("\n\n");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": env!("CARGO_PKG_VERSION"),
            "description": description,
            "license": {"name": "Apache License 2.0", "identifier": env!("CARGO_PKG_LICENSE")},
        },
        "externalDocs": {
            "description": "The idv reference: every error with its causes and resolution, limits, outcomes.",
            "url": format!("{server_url}/docs/"),
        },
        "servers": [{"url": server_url, "description": "This idv instance"}],
        "paths": paths,
        "components": c.finish(),
    })
}

/// The introduction of a surface's document.
fn introduction(surface: Surface) -> String {
    match surface {
        Surface::Possession => format!(
            "Phone possession and identity flows (Pre-Fill, Prove Identity, Unify), compatible with Prove's v3 API. \
             A server exchanges its client id and secret for a {}-minute access token at POST /token, then starts a flow \
             with POST /v3/start or POST /v3/unify; every successful step answers with `next`, the calls allowed after it. \
             Every response carries the rate-limit headers and an X-Request-Id. Error responses come from the idv error \
             catalogue: each lists the catalogued errors of its status, with their exact bodies.",
            ACCESS_TOKEN_LIFETIME_SECONDS / 60
        ),
        Surface::Verification => format!(
            "Document verification (`/api/v1/…`), compatible with the Colleckt API: a workspace's personal access token \
             `<id>|<secret>` creates verifications in a flow (`usps1583` or `identity`) with the data their documents are \
             expected to show, and moves them through their lifecycle. Successful answers are wrapped in `{{\"data\": …}}`, \
             lists add `links` and `meta`; errors carry a `message`, plus `errors` per field on 422. Requests are limited to \
             {} a second per workspace.",
            idv_core::limits::VERIFICATION_RATE_LIMIT_PER_SECOND
        ),
        other => other.title().to_string(),
    }
}

/// The components the operations refer to, each added on its first use.
struct Components {
    server_url: String,
    schemas: Map<String, Value>,
    examples: Map<String, Value>,
    headers: Map<String, Value>,
    parameters: Map<String, Value>,
    security_schemes: Map<String, Value>,
}

fn reference(kind: &str, name: &str) -> Value {
    json!({"$ref": format!("#/components/{kind}/{name}")})
}

impl Components {
    fn new(server_url: &str) -> Components {
        Components {
            server_url: server_url.to_string(),
            schemas: Map::new(),
            examples: Map::new(),
            headers: Map::new(),
            parameters: Map::new(),
            security_schemes: Map::new(),
        }
    }

    /// The `components` object, without the empty kinds.
    fn finish(self) -> Value {
        let mut out = Map::new();
        for (kind, map) in [
            ("schemas", self.schemas),
            ("examples", self.examples),
            ("headers", self.headers),
            ("parameters", self.parameters),
            ("securitySchemes", self.security_schemes),
        ] {
            if !map.is_empty() {
                out.insert(kind.into(), Value::Object(map));
            }
        }
        Value::Object(out)
    }

    /// One operation object.
    fn operation(&mut self, surface: Surface, op: &Operation) -> Value {
        let mut description = op.description.to_string();
        let security = self.security(op.auth);
        if op.auth == AuthKind::FlowAuthToken {
            push_sentence(
                &mut description,
                "Authentication: no Authorization header; the body carries the flow's `authToken`, returned by the call that started the flow (POST /v3/start or POST /v3/unify).",
            );
        }
        let mut operation = Map::new();
        operation.insert("operationId".into(), op.id.into());
        operation.insert("summary".into(), op.summary.into());
        if !description.is_empty() {
            operation.insert("description".into(), description.into());
        }
        let page = format!("{}-endpoints", surface.name());
        if crate::docs::has_page(&page) {
            operation.insert(
                "externalDocs".into(),
                json!({
                    "description": "The operation in the endpoint reference",
                    "url": format!("{}/docs/{page}#{}", self.server_url, op.id),
                }),
            );
        }
        let mut parameters: Vec<Value> = op.path_params.iter().map(path_parameter).collect();
        if op.idempotent {
            parameters.push(self.idempotency_key());
        }
        if !parameters.is_empty() {
            operation.insert("parameters".into(), parameters.into());
        }
        if let Some(body) = &op.request {
            let mut request = Map::new();
            request.insert("required".into(), true.into());
            let mut content = media(body);
            if body.content_type == "application/json" {
                // The JSON readers take a member sent as `null` for one left out
                // (`http::input`), so the document lets every optional one be null.
                null_optional_members(&mut content[body.content_type]["schema"]);
            }
            request.insert("content".into(), content);
            operation.insert("requestBody".into(), request.into());
        }
        let mut responses = Map::new();
        let mut ok = Map::new();
        ok.insert(
            "description".into(),
            format!("{}: {}", status_definition(op.status), op.summary).into(),
        );
        ok.insert("headers".into(), self.response_headers(false));
        ok.insert("content".into(), media(&op.response));
        responses.insert(op.status.to_string(), ok.into());
        for (status, ids) in errors_by_status(surface, op) {
            let response = self.error_response(surface, status, &ids);
            responses.insert(status.to_string(), response);
        }
        operation.insert("responses".into(), responses.into());
        operation.insert("security".into(), security);
        operation.into()
    }

    /// The security requirements of an auth kind, adding its scheme on first use.
    fn security(&mut self, auth: AuthKind) -> Value {
        let (name, scheme) = match auth {
            AuthKind::Public | AuthKind::FlowAuthToken => return json!([]),
            AuthKind::AccessToken => (
                "oauth2",
                json!({
                    "type": "oauth2",
                    "description": format!(
                        "OAuth2 client credentials: POST /token with grant_type=client_credentials, client_id and client_secret \
                         (as form fields, or client_id and client_secret as HTTP Basic credentials) returns an access token valid \
                         {} minutes; send it as `Authorization: Bearer <token>`.",
                        ACCESS_TOKEN_LIFETIME_SECONDS / 60
                    ),
                    "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {}}},
                }),
            ),
            AuthKind::PersonalAccessToken => (
                "personalAccessToken",
                json!({
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "<id>|<secret>",
                    "description": "A personal access token of a workspace, created in the dashboard.",
                }),
            ),
            AuthKind::Session => (
                "session",
                json!({
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The dashboard session cookie set after sign-in.",
                }),
            ),
            AuthKind::ApiKey => (
                "apiKey",
                json!({
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The raw API key as the Authorization header value (no Bearer prefix).",
                }),
            ),
        };
        self.security_schemes
            .entry(name.to_string())
            .or_insert(scheme);
        json!([{ name: [] }])
    }

    /// The `Idempotency-Key` header parameter.
    fn idempotency_key(&mut self) -> Value {
        self.parameters
            .entry("Idempotency-Key".to_string())
            .or_insert_with(|| {
                json!({
                    "name": IDEMPOTENCY_KEY,
                    "in": "header",
                    "required": false,
                    "description": "A key chosen by the caller. Repeating a completed request with the same key and body returns \
                                    the stored response instead of running it again; the same key with another body gets \
                                    `idempotency_key_reused`.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH, "pattern": "^[!-~]+$"},
                    "example": "3f1c2a9e-7b4d-4c1e-9a51-0d2f6b8e4c11",
                })
            });
        reference("parameters", "Idempotency-Key")
    }

    /// The headers every response carries, plus `Retry-After` on a 429.
    fn response_headers(&mut self, retry_after: bool) -> Value {
        let mut headers = Map::new();
        let mut names = vec![
            X_RATELIMIT_LIMIT,
            X_RATELIMIT_REMAINING,
            X_RATELIMIT_RESET,
            X_REQUEST_ID,
        ];
        if retry_after {
            names.push(RETRY_AFTER);
        }
        for name in names {
            let (description, schema) = match name {
                X_RATELIMIT_LIMIT => (
                    "The most requests allowed in the current window (one second).",
                    json!({"type": "integer"}),
                ),
                X_RATELIMIT_REMAINING => (
                    "Requests still allowed in the current window.",
                    json!({"type": "integer"}),
                ),
                X_RATELIMIT_RESET => (
                    "When the current window ends and the quota refills, in Unix epoch seconds.",
                    json!({"type": "integer"}),
                ),
                RETRY_AFTER => (
                    "Seconds to wait before sending another request.",
                    json!({"type": "integer"}),
                ),
                _ => (
                    "The request's id, also written to the server log; quote it when contacting support. \
                     A sane id sent by the caller in the same header is kept.",
                    json!({"type": "string"}),
                ),
            };
            self.headers
                .entry(name.to_string())
                .or_insert_with(|| json!({"description": description, "schema": schema}));
            headers.insert(name.into(), reference("headers", name));
        }
        headers.into()
    }

    /// The response of one status: every catalogued entry of that status the
    /// operation can return, each with its examples.
    fn error_response(&mut self, surface: Surface, status: u16, ids: &[ErrorId]) -> Value {
        let mut examples = Map::new();
        let mut titles = Vec::new();
        for id in ids {
            let meta = id.meta();
            titles.push(match meta.code {
                Some(c) => format!("{c} {}", meta.title),
                None => meta.title.to_string(),
            });
            for ex in meta.examples {
                let name = example_name(*id, ex);
                examples.insert(name.clone(), reference("examples", &name));
                if !self.examples.contains_key(&name) {
                    let example = self.error_example(*id, ex);
                    self.examples.insert(name, example);
                }
            }
        }
        let (schema, make): (&str, fn() -> Value) = match surface {
            Surface::Verification | Surface::Accounts => ("MessageError", message_error_schema),
            _ => ("Error", error_schema),
        };
        self.schemas.entry(schema.to_string()).or_insert_with(make);
        json!({
            "description": format!("{}: {}", status_definition(status), titles.join("; ")),
            "headers": self.response_headers(status == 429),
            "content": {"application/json": {
                "schema": reference("schemas", schema),
                "examples": examples,
            }},
        })
    }

    /// A catalogued example body, with what it means and where it is documented.
    fn error_example(&self, id: ErrorId, ex: &ExampleMeta) -> Value {
        let meta = id.meta();
        let summary = match meta.code {
            Some(c) => format!("{c} {}", meta.title),
            None => meta.title.to_string(),
        };
        let page = meta
            .docs
            .strip_prefix("docs/reference/")
            .unwrap_or(meta.docs)
            .replace(".md", "");
        json!({
            "summary": summary,
            "description": format!(
                "{} {} Reference: {}/docs/{page}",
                meta.description, meta.resolution, self.server_url
            ),
            "value": parse_example(ex.body),
        })
    }
}

/// The key of a catalogued example: the entry's name, and the example's own
/// name when the entry has several.
fn example_name(id: ErrorId, ex: &ExampleMeta) -> String {
    let meta = id.meta();
    if meta.examples.len() == 1 || ex.name.is_empty() || ex.name == "default" {
        meta.name.to_string()
    } else {
        // Component names allow only letters, digits, `.`, `-` and `_`
        // (an example may be named in words: "country code").
        let name: String = ex
            .name
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => c,
                _ => '_',
            })
            .collect();
        format!("{}_{name}", meta.name)
    }
}

/// The catalogued errors of `op` by status: the ones its row lists, and the
/// surface's 429, which the edge can answer to any request before routing.
fn errors_by_status(surface: Surface, op: &Operation) -> BTreeMap<u16, Vec<ErrorId>> {
    let mut by_status: BTreeMap<u16, Vec<ErrorId>> = BTreeMap::new();
    let rate_limited = ErrorId::ALL
        .iter()
        .filter(|id| id.meta().surface == surface && id.meta().status == 429);
    for id in op.errors.iter().chain(rate_limited) {
        let ids = by_status.entry(id.meta().status).or_default();
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    by_status
}

/// The error body of the possession dialect (`CodeMessage`). A surface of
/// another dialect adds its own schema here when it gets its document.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "A catalogued error. Look it up by its code (or, for the entries without one, its message) in the reference.",
        "required": ["message"],
        "properties": {
            "code": {"type": "integer", "description": "The catalogued error code; absent for the entries that have none.", "examples": [8003]},
            "message": {"type": "string", "description": "What went wrong, in words.", "examples": ["step called out of order"]},
            "next": {
                "type": "object",
                "description": "On a step called out of order: the calls allowed instead, step key to path.",
                "additionalProperties": {"type": "string"},
                "examples": [{"v3-validate": "/v3/validate"}],
            },
        },
    })
}

/// The error body of the `message_errors` dialect (verification, accounts).
fn message_error_schema() -> Value {
    json!({
        "type": "object",
        "description": "A catalogued error: look it up by its message in the reference.",
        "required": ["message"],
        "properties": {
            "message": {"type": "string", "description": "What went wrong. On 422, the first field error and how many others follow.", "examples": ["The verification is canceled."]},
            "errors": {
                "type": "object",
                "description": "Only on 422: for each request field at fault, its messages.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "examples": [{"expected_data.person.first_name": ["The expected_data.person.first_name field is required."]}],
            },
        },
    })
}

fn status_definition(status: u16) -> &'static str {
    STATUSES
        .iter()
        .find(|s| s.status == status)
        .map_or("Response", |s| s.definition)
}

/// Appends `sentence` to a description, separated by a space.
fn push_sentence(description: &mut String, sentence: &str) {
    if !description.is_empty() {
        description.push(' ');
    }
    description.push_str(sentence);
}

/// An example given as JSON text. A table's examples are checked to be JSON by
/// a test; text that is not is shown as the string it is.
fn parse_example(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// Lets every member of `schema` that is not required (at any depth, through
/// arrays of objects too) be `null` as well: `"type": ["string", "null"]`, and
/// `null` added to its `enum` when it has one.
fn null_optional_members(schema: &mut Value) {
    let required: Vec<Value> = schema["required"].as_array().cloned().unwrap_or_default();
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for (name, member) in props.iter_mut() {
            if !required.iter().any(|r| r == name.as_str()) {
                if let Some(Value::String(ty)) = member.get("type") {
                    member["type"] = json!([ty.clone(), "null"]);
                }
                if let Some(Value::Array(values)) = member.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            null_optional_members(member);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        null_optional_members(items);
    }
}

/// The `content` of a request or response body.
fn media(body: &Body) -> Value {
    let mut m = Map::new();
    m.insert("schema".into(), object_schema(body.fields));
    if !body.example.is_empty() {
        m.insert("example".into(), parse_example(body.example));
    }
    json!({ body.content_type: m })
}

/// A path parameter.
fn path_parameter(f: &Field) -> Value {
    let mut p = Map::new();
    p.insert("name".into(), f.name.into());
    p.insert("in".into(), "path".into());
    p.insert("required".into(), true.into());
    if !f.description.is_empty() {
        p.insert("description".into(), f.description.into());
    }
    let mut schema = schema(f);
    if let Value::Object(s) = &mut schema {
        s.remove("description");
        s.remove("examples");
    }
    p.insert("schema".into(), schema);
    if !f.example.is_empty() {
        p.insert("example".into(), parse_example(f.example));
    }
    p.into()
}

/// An object whose members are `fields`.
fn object_schema(fields: &[Field]) -> Value {
    let mut s = Map::new();
    s.insert("type".into(), "object".into());
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    if !required.is_empty() {
        s.insert("required".into(), required.into());
    }
    if !fields.is_empty() {
        let properties: Map<String, Value> = fields
            .iter()
            .map(|f| (f.name.to_string(), schema(f)))
            .collect();
        s.insert("properties".into(), properties.into());
    }
    s.into()
}

/// The constraints of a string: format, values, pattern, length.
fn string_schema(f: &Field) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("type".into(), "string".into());
    if !f.format.is_empty() {
        s.insert("format".into(), f.format.into());
    }
    if !f.values.is_empty() {
        s.insert("enum".into(), f.values.into());
    }
    if !f.pattern.is_empty() {
        s.insert("pattern".into(), f.pattern.into());
    }
    if f.max_length > 0 {
        s.insert("maxLength".into(), f.max_length.into());
    }
    s
}

/// The schema of one field, with its description and example.
fn schema(f: &Field) -> Value {
    let mut s = match f.ty {
        FieldType::String => string_schema(f),
        FieldType::Integer => json_object(json!({"type": "integer"})),
        FieldType::Boolean => json_object(json!({"type": "boolean"})),
        FieldType::Object => json_object(object_schema(f.fields)),
        FieldType::StringMap => {
            json_object(json!({"type": "object", "additionalProperties": {"type": "string"}}))
        }
        FieldType::StringArray => {
            json_object(json!({"type": "array", "items": Value::Object(string_schema(f))}))
        }
        FieldType::ObjectArray => {
            json_object(json!({"type": "array", "items": object_schema(f.fields)}))
        }
    };
    if matches!(f.ty, FieldType::StringArray) {
        // The string constraints are the items'.
        for k in ["format", "enum", "pattern", "maxLength"] {
            s.remove(k);
        }
    }
    if !f.description.is_empty() {
        s.insert("description".into(), f.description.into());
    }
    if !f.example.is_empty() {
        s.insert("examples".into(), json!([parse_example(f.example)]));
    }
    s.into()
}

fn json_object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The route of the document, at the path and method of the `getOpenApi` row
/// of the possession table.
pub fn routes() -> Router<AppState> {
    let op = idv_core::operations::POSSESSION
        .iter()
        .find(|op| op.id == "getOpenApi")
        .expect("the possession table has a getOpenApi row");
    Router::new().route(op.path, on(method_filter(op.method), serve))
}

#[cfg(test)]
mod tests {
    use super::*;
    use idv_core::operation::Method;

    const FIELDS: &[Field] = &[
        Field {
            name: "phoneNumber",
            ty: FieldType::String,
            format: "e164",
            values: &[],
            pattern: "^\\+?[0-9]{10,15}$",
            max_length: 16,
            required: true,
            description: "The phone number.",
            example: "\"+12065550100\"",
            fields: &[],
        },
        Field {
            name: "emailAddresses",
            ty: FieldType::StringArray,
            format: "email",
            values: &[],
            pattern: "",
            max_length: 0,
            required: false,
            description: "Email addresses.",
            example: "[\"a@example.com\"]",
            fields: &[],
        },
        Field {
            name: "addresses",
            ty: FieldType::ObjectArray,
            format: "",
            values: &[],
            pattern: "",
            max_length: 0,
            required: false,
            description: "Postal addresses.",
            example: "",
            fields: &[Field {
                name: "city",
                ty: FieldType::String,
                format: "",
                values: &[],
                pattern: "",
                max_length: 0,
                required: true,
                description: "The city.",
                example: "\"Seattle\"",
                fields: &[],
            }],
        },
    ];

    const OPS: &[Operation] = &[
        Operation {
            surface: Surface::Possession,
            id: "getThing",
            method: Method::Get,
            path: "/v3/thing/{thingId}",
            auth: AuthKind::AccessToken,
            idempotent: false,
            sandbox_only: false,
            summary: "Get a thing",
            description: "Returns the thing.",
            path_params: &[Field {
                name: "thingId",
                ty: FieldType::String,
                format: "uuid",
                values: &[],
                pattern: "",
                max_length: 0,
                required: true,
                description: "The thing's id.",
                example: "\"7d0c0b4e-3c2a-4f7e-9a51-0d2f6b8e4c11\"",
                fields: &[],
            }],
            request: None,
            status: 200,
            response: Body {
                content_type: "application/json",
                fields: FIELDS,
                example: "{\"phoneNumber\": \"+12065550100\"}",
            },
            errors: &[ErrorId::IdentityNotFound],
        },
        Operation {
            surface: Surface::Possession,
            id: "sandboxThing",
            method: Method::Post,
            path: "/sandbox/thing",
            auth: AuthKind::FlowAuthToken,
            idempotent: true,
            sandbox_only: true,
            summary: "Touch a thing",
            description: "",
            path_params: &[],
            request: Some(Body {
                content_type: "application/json",
                fields: FIELDS,
                example: "{\"phoneNumber\": \"+12065550100\"}",
            }),
            status: 200,
            response: Body {
                content_type: "application/json",
                fields: &[],
                example: "{}",
            },
            errors: &[],
        },
    ];

    #[test]
    fn a_table_row_becomes_an_operation_with_its_fields_security_and_errors() {
        let doc = build(&[(Surface::Possession, OPS)], "https://idv.example.com/");
        assert_eq!(doc["servers"][0]["url"], "https://idv.example.com");
        let get = &doc["paths"]["/v3/thing/{thingId}"]["get"];
        assert_eq!(get["operationId"], "getThing");
        assert_eq!(get["security"], json!([{"oauth2": []}]));
        assert_eq!(get["parameters"][0]["name"], "thingId");
        assert_eq!(get["parameters"][0]["schema"]["format"], "uuid");
        let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(schema["required"], json!(["phoneNumber"]));
        let phone = &schema["properties"]["phoneNumber"];
        assert_eq!(phone["maxLength"], 16);
        assert_eq!(phone["pattern"], "^\\+?[0-9]{10,15}$");
        assert_eq!(phone["examples"], json!(["+12065550100"]));
        assert_eq!(
            schema["properties"]["emailAddresses"]["items"]["format"],
            "email"
        );
        assert_eq!(
            schema["properties"]["addresses"]["items"]["properties"]["city"]["type"],
            "string"
        );
        let not_found = &get["responses"]["404"]["content"]["application/json"]["examples"];
        assert_eq!(
            not_found["identity_not_found"]["$ref"],
            "#/components/examples/identity_not_found"
        );
        assert!(get["responses"]["429"]["headers"][RETRY_AFTER].is_object());
        let example = &doc["components"]["examples"]["identity_not_found"];
        assert_eq!(example["value"]["code"], 8011);
        assert!(
            example["description"]
                .as_str()
                .unwrap()
                .ends_with("https://idv.example.com/docs/possession#identity_not_found")
        );

        let post = &doc["paths"]["/sandbox/thing"]["post"];
        assert_eq!(post["security"], json!([]));
        assert!(post["description"].as_str().unwrap().contains("authToken"));
        assert_eq!(
            post["parameters"][0]["$ref"],
            "#/components/parameters/Idempotency-Key"
        );
        assert!(post["responses"]["429"].is_object());
        assert!(post["requestBody"]["content"]["application/json"]["example"].is_object());
        // Only the scheme that is used.
        assert_eq!(
            doc["components"]["securitySchemes"]
                .as_object()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn every_example_of_the_possession_table_is_json() {
        fn check(at: &str, fields: &[Field]) {
            for f in fields {
                if !f.example.is_empty() {
                    assert!(
                        serde_json::from_str::<Value>(f.example).is_ok(),
                        "{at}.{}: example {:?} is not JSON",
                        f.name,
                        f.example
                    );
                }
                check(&format!("{at}.{}", f.name), f.fields);
            }
        }
        for op in idv_core::operations::POSSESSION {
            let bodies = op.request.iter().chain(std::iter::once(&op.response));
            for body in bodies {
                assert!(
                    serde_json::from_str::<Value>(body.example).is_ok(),
                    "{}: body example is not JSON",
                    op.id
                );
                check(op.id, body.fields);
            }
            check(op.id, op.path_params);
        }
    }
}

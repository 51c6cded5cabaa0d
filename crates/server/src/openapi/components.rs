//! The operation objects of the document and the components they refer to
//! (schemas, examples, headers, parameters, security schemes), each added on its
//! first use so the document carries none that is unused.

use super::schema::{media, null_optional_members, parse_example, path_parameter, push_sentence};
use idv_core::limits::headers::{
    IDEMPOTENCY_KEY, RETRY_AFTER, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING, X_RATELIMIT_RESET,
    X_REQUEST_ID,
};
use idv_core::limits::{ACCESS_TOKEN_LIFETIME_SECONDS, IDEMPOTENCY_KEY_MAX_LENGTH};
use idv_core::operation::{AuthKind, Operation};
use idv_core::{ErrorId, ExampleMeta, STATUSES, Surface};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The components the operations refer to, each added on its first use.
pub(super) struct Components {
    server_url: String,
    schemas: Map<String, Value>,
    examples: Map<String, Value>,
    headers: Map<String, Value>,
    parameters: Map<String, Value>,
    security_schemes: Map<String, Value>,
}

pub(super) fn reference(kind: &str, name: &str) -> Value {
    json!({"$ref": format!("#/components/{kind}/{name}")})
}

impl Components {
    pub(super) fn new(server_url: &str) -> Components {
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
    pub(super) fn finish(self) -> Value {
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
    pub(super) fn operation(&mut self, surface: Surface, op: &Operation) -> Value {
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

    /// The headers every response carries, plus `Retry-After` when `retry_after`
    /// (a status one of whose catalogued entries carries it).
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
                    "Seconds to wait before sending the request again.",
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
        // The 429 and the 409 of a request in progress say when to try again.
        let retry_after = ids
            .iter()
            .any(|id| id.meta().headers.contains(&RETRY_AFTER));
        json!({
            "description": format!("{}: {}", status_definition(status), titles.join("; ")),
            "headers": self.response_headers(retry_after),
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
pub(super) fn example_name(id: ErrorId, ex: &ExampleMeta) -> String {
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
pub(super) fn errors_by_status(surface: Surface, op: &Operation) -> BTreeMap<u16, Vec<ErrorId>> {
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
pub(super) fn error_schema() -> Value {
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

pub(super) fn status_definition(status: u16) -> &'static str {
    STATUSES
        .iter()
        .find(|s| s.status == status)
        .map_or("Response", |s| s.definition)
}

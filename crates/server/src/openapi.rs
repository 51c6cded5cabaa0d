//! The OpenAPI 3.1 document served at `GET /openapi.json`.
//!
//! Operations are listed here; their error responses come from the catalogue
//! (every possession entry whose `endpoints` names the operation, with its
//! examples), so the document cannot disagree with what the server sends. A
//! golden test (`tests/it/openapi.rs`) keeps changes reviewed.

use crate::app::AppState;
use crate::http::json_bytes;
use crate::http::surface::method_filter;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::on;
use idv_core::{ErrorId, STATUSES, Surface};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

struct Op {
    method: &'static str,
    path: &'static str,
    /// The operation as the catalogue's `endpoints` spell it.
    catalog: &'static str,
    summary: &'static str,
    auth: bool,
    request: Option<Value>,
    response: Value,
}

fn string() -> Value {
    json!({"type": "string"})
}

fn obj(required: &[&str], props: Value) -> Value {
    json!({"type": "object", "required": required, "properties": props})
}

fn next_map() -> Value {
    json!({"type": "object", "additionalProperties": {"type": "string"}, "description": "The calls allowed next, step key to path; {\"done\": \"done\"} when the flow is over."})
}

fn individual() -> Value {
    obj(
        &["firstName", "lastName"],
        json!({
            "firstName": string(), "lastName": string(), "dob": string(), "ssn": string(),
            "emailAddresses": {"type": "array", "items": string()},
            "addresses": {"type": "array", "items": obj(&[], json!({
                "address": string(), "extendedAddress": string(), "city": string(),
                "region": string(), "postalCode": string()
            }))}
        }),
    )
}

fn ops() -> Vec<Op> {
    let cid = || {
        obj(
            &["correlationId"],
            json!({"correlationId": {"type": "string", "format": "uuid"}}),
        )
    };
    vec![
        Op {
            method: "post",
            path: "/token",
            catalog: "POST /token",
            summary: "Get an access token (OAuth2 client credentials, 60 minutes)",
            auth: false,
            request: Some(
                json!({"application/x-www-form-urlencoded": {"schema": obj(&["grant_type", "client_id", "client_secret"], json!({
                    "grant_type": {"const": "client_credentials"}, "client_id": string(), "client_secret": string()
                }))}}),
            ),
            response: obj(
                &["access_token", "token_type", "expires_in"],
                json!({
                    "access_token": string(), "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer"}
                }),
            ),
        },
        Op {
            method: "post",
            path: "/v3/start",
            catalog: "POST /v3/start",
            summary: "Start a Pre-Fill or Prove Identity flow",
            auth: true,
            request: Some(
                json!({"application/json": {"schema": obj(&["flowType", "phoneNumber"], json!({
                    "flowType": {"enum": ["desktop", "mobile"]}, "phoneNumber": string(),
                    "finalTargetUrl": {"type": "string", "maxLength": idv_core::limits::FINAL_TARGET_URL_MAX_LENGTH},
                    "smsMessage": string(), "emailAddress": string(), "ipAddress": string(),
                    "dob": string(), "ssn": string(), "allowOTPRetry": {"type": "boolean"}
                }))}}),
            ),
            response: obj(
                &["authToken", "correlationId", "next"],
                json!({
                    "authToken": string(), "correlationId": string(), "next": next_map()
                }),
            ),
        },
        Op {
            method: "post",
            path: "/v3/validate",
            catalog: "POST /v3/validate",
            summary: "Validate the phone number (possession result)",
            auth: true,
            request: Some(json!({"application/json": {"schema": cid()}})),
            response: obj(
                &["success", "next"],
                json!({
                    "success": {"type": "boolean"}, "challengeMissing": {"type": "boolean"},
                    "phoneNumber": string(), "next": next_map()
                }),
            ),
        },
        Op {
            method: "post",
            path: "/v3/challenge",
            catalog: "POST /v3/challenge",
            summary: "Submit the challenge (date of birth or SSN); Pre-Fill only",
            auth: true,
            request: Some(
                json!({"application/json": {"schema": obj(&["correlationId"], json!({
                    "correlationId": string(), "dob": string(), "ssn": string()
                }))}}),
            ),
            response: obj(
                &["success", "next"],
                json!({
                    "success": {"type": "boolean"}, "individual": individual(), "next": next_map()
                }),
            ),
        },
        Op {
            method: "post",
            path: "/v3/complete",
            catalog: "POST /v3/complete",
            summary: "Complete the flow (verify the individual)",
            auth: true,
            request: Some(
                json!({"application/json": {"schema": obj(&["correlationId", "individual"], json!({
                    "correlationId": string(), "individual": individual()
                }))}}),
            ),
            response: obj(
                &["success", "next"],
                json!({
                    "success": {"type": "boolean"}, "changeDetected": {"type": "boolean"},
                    "identityId": string(), "next": next_map()
                }),
            ),
        },
        Op {
            method: "post",
            path: "/v3/unify",
            catalog: "POST /v3/unify",
            summary: "Start a Unified Authentication possession check",
            auth: true,
            request: Some(
                json!({"application/json": {"schema": obj(&["possessionType", "clientRequestId", "phoneNumber"], json!({
                    "possessionType": {"enum": ["desktop", "mobile", "none"]}, "clientRequestId": string(),
                    "phoneNumber": string(), "finalTargetUrl": string(), "deviceId": string(), "proveId": string(),
                    "clientCustomerId": string(), "clientHumanId": string(), "emailAddress": string(),
                    "ipAddress": string(), "smsMessage": string(), "allowOTPRetry": {"type": "boolean"},
                    "checkReputation": {"type": "boolean"}, "rebind": {"type": "boolean"}
                }))}}),
            ),
            response: obj(
                &["success", "correlationId", "authToken"],
                json!({
                    "success": {"const": "pending"}, "correlationId": string(), "authToken": string()
                }),
            ),
        },
        Op {
            method: "post",
            path: "/v3/unify-status",
            catalog: "POST /v3/unify-status",
            summary: "Check the status of a Unify flow",
            auth: true,
            request: Some(
                json!({"application/json": {"schema": obj(&["correlationId"], json!({
                    "correlationId": string(), "clientRequestId": string()
                }))}}),
            ),
            response: obj(
                &["success"],
                json!({
                    "success": {"enum": ["true", "false", "pending", "possession_required"]},
                    "proveId": string(), "deviceId": string(), "phoneNumber": string(),
                    "clientHumanId": string(), "clientRequestId": string()
                }),
            ),
        },
        Op {
            method: "post",
            path: "/v3/unify-bind",
            catalog: "POST /v3/unify-bind",
            summary: "Bind a Prove Key after customer-supplied possession",
            auth: true,
            request: Some(
                json!({"application/json": {"schema": obj(&["correlationId", "phoneNumber"], json!({
                    "correlationId": string(), "phoneNumber": string(), "clientRequestId": string()
                }))}}),
            ),
            response: obj(
                &["success"],
                json!({
                    "success": {"type": "string"}, "proveId": string(), "deviceId": string(),
                    "phoneNumber": string(), "clientRequestId": string()
                }),
            ),
        },
        Op {
            method: "post",
            path: "/v3/device/revoke",
            catalog: "POST /v3/device/revoke",
            summary: "Revoke a device's Prove Key",
            auth: true,
            request: Some(
                json!({"application/json": {"schema": obj(&["deviceId", "clientRequestId"], json!({
                    "deviceId": string(), "clientRequestId": string()
                }))}}),
            ),
            response: obj(&["success"], json!({"success": {"type": "boolean"}})),
        },
        Op {
            method: "post",
            path: "/sandbox/otp",
            catalog: "POST /sandbox/otp",
            summary: "Sandbox only: the user enters the SMS OTP (1234 passes)",
            auth: false,
            request: Some(
                json!({"application/json": {"schema": obj(&["authToken", "otp"], json!({
                    "authToken": string(), "otp": string()
                }))}}),
            ),
            response: obj(
                &["success"],
                json!({
                    "success": {"type": "boolean"}, "remainingAttempts": {"type": "integer"}
                }),
            ),
        },
        Op {
            method: "post",
            path: "/sandbox/instant-link",
            catalog: "POST /sandbox/instant-link",
            summary: "Sandbox only: stands for the user's click on the Instant Link",
            auth: false,
            request: Some(
                json!({"application/json": {"schema": obj(&["authToken"], json!({
                    "authToken": string()
                }))}}),
            ),
            response: obj(
                &["success"],
                json!({
                    "success": {"type": "boolean"}, "redirectUrl": string()
                }),
            ),
        },
        Op {
            method: "get",
            path: "/openapi.json",
            catalog: "GET /openapi.json",
            summary: "This document",
            auth: false,
            request: None,
            response: json!({"type": "object"}),
        },
        Op {
            method: "get",
            path: "/v3/identity/{identityId}",
            catalog: "GET /v3/identity/{identityId}",
            summary: "Get an identity enrolled by a completed flow",
            auth: true,
            request: None,
            response: obj(
                &["identityId"],
                json!({
                    "identityId": string(), "phoneNumber": string(), "firstName": string(), "lastName": string(),
                    "dob": string(), "emailAddresses": {"type": "array", "items": string()},
                    "addresses": {"type": "array", "items": {"type": "object"}}
                }),
            ),
        },
    ]
}

fn error_responses(op: &Op) -> BTreeMap<String, Value> {
    let mut by_status: BTreeMap<u16, Vec<ErrorId>> = BTreeMap::new();
    for id in ErrorId::ALL {
        let meta = id.meta();
        if meta.surface != Surface::Possession {
            continue;
        }
        if meta.endpoints.contains(&op.catalog) {
            by_status.entry(meta.status).or_default().push(*id);
        }
    }
    let mut out = BTreeMap::new();
    for (status, ids) in by_status {
        let definition = STATUSES
            .iter()
            .find(|s| s.status == status)
            .map(|s| s.definition)
            .unwrap_or("Error");
        let mut examples = Map::new();
        let mut titles = Vec::new();
        for id in ids {
            let meta = id.meta();
            titles.push(match meta.code {
                Some(c) => format!("{c} {}", meta.title),
                None => meta.title.to_string(),
            });
            for ex in meta.examples {
                let body: Value = serde_json::from_str(ex.body).unwrap_or(Value::Null);
                let name = if ex.name.is_empty() {
                    meta.name.to_string()
                } else {
                    format!("{}_{}", meta.name, ex.name)
                };
                examples.insert(
                    name,
                    json!({"summary": meta.title, "description": meta.resolution, "value": body}),
                );
            }
        }
        let mut resp = json!({
            "description": format!("{definition}: {}", titles.join("; ")),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "examples": examples}},
        });
        if status == 429 {
            resp["headers"] = json!({"Retry-After": {"$ref": "#/components/headers/Retry-After"}});
        }
        out.insert(status.to_string(), resp);
    }
    out
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let rl_headers = json!({
        "X-RateLimit-Limit": {"$ref": "#/components/headers/X-RateLimit-Limit"},
        "X-RateLimit-Remaining": {"$ref": "#/components/headers/X-RateLimit-Remaining"},
        "X-RateLimit-Reset": {"$ref": "#/components/headers/X-RateLimit-Reset"},
        "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
    });
    for op in ops() {
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "OK", "headers": rl_headers, "content": {"application/json": {"schema": op.response}}}),
        );
        for (status, r) in error_responses(&op) {
            responses.insert(status, r);
        }
        let mut operation = json!({
            "summary": op.summary,
            "operationId": format!("{}{}", op.method, op.path.replace(['/', '-', '{', '}'], "_")),
            "responses": responses,
        });
        if let Some(body) = op.request {
            operation["requestBody"] = json!({"required": true, "content": body});
        }
        if op.auth {
            operation["security"] = json!([{"bearer": []}]);
            if op.method == "post" && op.path != "/v3/unify-status" {
                operation["parameters"] =
                    json!([{"$ref": "#/components/parameters/Idempotency-Key"}]);
            }
        }
        if op.path.contains("{identityId}") {
            operation["parameters"] = json!([{"name": "identityId", "in": "path", "required": true, "schema": {"type": "string"}}]);
        }
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method] = operation;
    }
    let mut components = Map::new();
    for id in ErrorId::ALL
        .iter()
        .filter(|id| id.meta().surface == Surface::Possession)
    {
        let meta = id.meta();
        let mut examples = Map::new();
        for ex in meta.examples {
            let body: Value = serde_json::from_str(ex.body).unwrap_or(Value::Null);
            let name = if ex.name.is_empty() {
                "default"
            } else {
                ex.name
            };
            examples.insert(name.into(), json!({"value": body}));
        }
        components.insert(
            meta.name.to_string(),
            json!({
                "description": format!("HTTP {} {}: {} {}", meta.status, meta.title, meta.description, meta.resolution),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "examples": examples}},
            }),
        );
    }
    let header = |d: &str| json!({"description": d, "schema": {"type": "integer"}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "idv possession API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Phone possession and identity flows (Pre-Fill, Prove Identity, Unify). Error responses come from the idv error catalogue."
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "paths": paths,
        "components": {
            "responses": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "Access token from POST /token"}},
            "parameters": {"Idempotency-Key": {"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": idv_core::limits::IDEMPOTENCY_KEY_MAX_LENGTH}, "description": "Repeating a completed request with the same key and body returns the stored response."}},
            "headers": {
                "X-RateLimit-Limit": header("Requests allowed per second."),
                "X-RateLimit-Remaining": header("Requests left in the current window."),
                "X-RateLimit-Reset": header("Unix epoch seconds when the quota is full again."),
                "Retry-After": header("Seconds to wait before another request."),
                "X-Request-Id": {"description": "The request's id; quote it to support.", "schema": {"type": "string"}}
            },
            "schemas": {"Error": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "code": {"type": "integer", "description": "The catalogued error code (absent for codeless entries)."},
                    "message": {"type": "string"},
                    "next": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            }}
        }
    })
}

/// `GET /openapi.json`. The document never changes while the server runs, so
/// it is built and serialized once.
pub async fn serve() -> Response {
    static BODY: std::sync::OnceLock<axum::body::Bytes> = std::sync::OnceLock::new();
    // Sent as built: omit-empty would drop `"bearer": []` from the security requirements.
    let body = BODY.get_or_init(|| document().to_string().into());
    json_bytes(StatusCode::OK, body.clone())
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

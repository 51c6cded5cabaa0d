//! Writing successful answers: JSON bodies with the omit-empty convention, and
//! bodies already serialized (cached error bodies, stored Idempotency-Key
//! responses).

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// A JSON response; the body is sent as given (callers apply omit-empty).
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    json_bytes(status, body.to_string())
}

/// A response whose body is JSON text already serialized (a cached error body, or
/// a response stored for an Idempotency-Key).
pub fn json_bytes(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut resp = (status, body.into()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A 200 JSON response with the omit-empty convention applied.
pub fn ok(mut body: Value) -> Response {
    idv_core::json::omit_empty(&mut body);
    json_response(StatusCode::OK, &body)
}

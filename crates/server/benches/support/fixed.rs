//! The answer of the bare baseline (`examples/bare.rs`, `benches/edge.rs`): the
//! status, body and headers `idv serve` sends on one error path, with fixed
//! values. `MODE` is `401` (8002), `8001` (the over-size body) or `429` (8018).
//! The body comes from idv-core's catalogue, as in the server; the headers are
//! the server's (`Content-Type`, `X-RateLimit-*`, an `X-Request-Id` of the same
//! length, and `Retry-After` with 429).

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use idv_core::limits::POSSESSION_MAX_BODY_BYTES;
use idv_core::{CatalogError, PossessionError};

/// One fixed answer.
pub struct Fixed {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

impl Fixed {
    pub fn for_mode(mode: &str) -> Option<Fixed> {
        let (error, retry_after) = match mode {
            "401" => (PossessionError::UnauthorizedRequest, false),
            "8001" => (
                PossessionError::MalformedRequest {
                    reasons: format!("body: must be at most {POSSESSION_MAX_BODY_BYTES} bytes"),
                },
                false,
            ),
            "429" => (PossessionError::RateLimitExceeded, true),
            _ => return None,
        };
        let status = StatusCode::from_u16(error.status()).ok()?;
        let mut headers = vec![
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                HeaderName::from_static("x-request-id"),
                HeaderValue::from_static("00000000000000000000000000000000"),
            ),
            (
                HeaderName::from_static("x-ratelimit-limit"),
                HeaderValue::from_static("25"),
            ),
            (
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderValue::from_static("0"),
            ),
            (
                HeaderName::from_static("x-ratelimit-reset"),
                HeaderValue::from_static("1767225600"),
            ),
        ];
        if retry_after {
            headers.push((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        Some(Fixed {
            status,
            headers,
            body: Bytes::from(error.body().to_string()),
        })
    }

    pub fn respond(&self) -> Response {
        let mut resp = (self.status, self.body.clone()).into_response();
        for (name, value) in &self.headers {
            resp.headers_mut().insert(name.clone(), value.clone());
        }
        resp
    }
}

//! A bare axum app for `bench/run.sh`: it answers every request, whatever its
//! method, path or body, with the bytes `idv serve` sends on one error path, so
//! the benchmark can compare the server with the cheapest possible handler.
//!
//! ```sh
//! cargo run --release -p idv-server --example bare -- PORT MODE
//! ```
//!
//! `MODE` is `401` (8002), `8001` (the over-size body) or `429` (8018). The
//! body comes from idv-core's catalogue, as in the server; the headers are the
//! server's (`Content-Type`, `X-RateLimit-*`, `X-Request-Id` of the same length,
//! and `Retry-After` with 429) with fixed values. The runtime is built like the
//! CLI's (multi-threaded, one worker per core).

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use idv_core::limits::POSSESSION_MAX_BODY_BYTES;
use idv_core::{CatalogError, PossessionError};
use std::net::SocketAddr;
use std::process::ExitCode;

struct Fixed {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

impl Fixed {
    fn for_mode(mode: &str) -> Option<Fixed> {
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
                HeaderValue::from_static("00000000-0000-4000-8000-000000000000"),
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

    fn respond(&self) -> Response {
        let mut resp = (self.status, self.body.clone()).into_response();
        for (name, value) in &self.headers {
            resp.headers_mut().insert(name.clone(), value.clone());
        }
        resp
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(port), Some(fixed)) = (
        args.first().and_then(|p| p.parse::<u16>().ok()),
        args.get(1).and_then(|m| Fixed::for_mode(m)),
    ) else {
        eprintln!("usage: bare PORT 401|8001|429");
        return ExitCode::FAILURE;
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bare: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        // One shared copy: a request costs a reference count, not a copy of the
        // header list, so the baseline is as cheap as a handler can be.
        let fixed = std::sync::Arc::new(fixed);
        let app = Router::new().fallback(move || {
            let fixed = fixed.clone();
            async move { fixed.respond() }
        });
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        axum::serve(listener, app).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bare: {e}");
            ExitCode::FAILURE
        }
    }
}

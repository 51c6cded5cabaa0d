//! The axum application: shared state, routes, and the guards that every
//! request of the possession surface passes through.
//!
//! Order, outermost first (DESIGN section 4): request id and tracing span →
//! authentication lookup and rate limit (headers on every response) → body
//! limit (a declared `Content-Length` over 4 KB) → panic catcher → routing
//! (unknown path 404, wrong method or wrong prefix 403) → authentication
//! required (v3 routes) → Idempotency-Key → handler. A body sent without a
//! length is capped at 4 KB while the extractors of `input.rs` read it; they also
//! check the content type and the JSON.
//!
//! The first four are one hand-written tower `Service`, [`App`], wrapped around
//! the whole `Router`: every request pays for them, the rejected ones included,
//! so they cost one boxed future and no allocation of their own on the 401 and
//! 429 paths (bench/README.md). The two guards behind routing are one
//! `from_fn` layer per route.

use crate::clock::Clock;
use crate::config::{Region, Tier};
use crate::error::{Failure, InternalCause, json_bytes, render};
use crate::input::{declared_too_long, over_limit_response, parse_form, read_limited};
use crate::ratelimit::{LimitKey, RateLimiter};
use crate::store::{DynStore, IdempotencyRecord, Project, TokenRecord};
use crate::{openapi, possession, secrets};
use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use idv_core::PossessionError;
use idv_core::limits::headers::{
    IDEMPOTENCY_KEY, RETRY_AFTER, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING, X_RATELIMIT_RESET,
    X_REQUEST_ID,
};
use idv_core::limits::{CORRELATION_ID_LIFETIME_SECONDS, IDEMPOTENCY_KEY_MAX_LENGTH};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;
use tracing::Instrument;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Persistent state.
    pub store: DynStore,
    /// The rate limiter.
    pub limiter: Arc<dyn RateLimiter>,
    /// The clock (tests move it forward).
    pub clock: Clock,
    /// The instance's region.
    pub region: Region,
    /// The instance's tier.
    pub tier: Tier,
    /// The URL callers reach this instance at (`servers` of `/openapi.json`).
    pub public_url: Arc<str>,
}

/// The authenticated caller: an OAuth client of a project. Both parts are the
/// store's shared records, so handing the caller to a handler copies nothing.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The access token's record: the client, its project id, the expiry.
    pub token: Arc<TokenRecord>,
    /// The client's project.
    pub project: Arc<Project>,
}

impl Principal {
    /// The OAuth client's id.
    pub fn client_id(&self) -> &str {
        &self.token.client_id
    }
}

/// The result of the authentication lookup, put in the request's extensions.
#[derive(Debug, Clone)]
struct Authenticated(Option<Principal>);

/// When an Idempotency-Key stored for a response expires: handlers set it on
/// their response to the expiry of the flow's correlation id.
#[derive(Debug, Clone, Copy)]
pub struct KeyExpiry(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Failure> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(p))) => Ok(p.clone()),
            _ => Err(PossessionError::UnauthorizedRequest.into()),
        }
    }
}

/// The whole application: the routes behind the edge guards (request id and
/// span, authentication lookup and rate limit, body limit, panic catcher). Serve it with
/// [`App::into_make_service_with_connect_info`]; cloning it is one reference
/// count.
#[derive(Clone)]
pub struct App(Arc<Edge>);

struct Edge {
    routes: Router,
    st: AppState,
}

impl App {
    /// The state the routes share.
    pub fn state(&self) -> &AppState {
        &self.0.st
    }

    /// The service `axum::serve` takes, recording each connection's peer
    /// address (requests without a client are rate-limited by it).
    pub fn into_make_service_with_connect_info<C>(self) -> IntoMakeServiceWithConnectInfo<App, C> {
        axum::ServiceExt::<Request>::into_make_service_with_connect_info(self)
    }
}

impl Service<Request> for App {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The router behind is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let edge = self.0.clone();
        Box::pin(async move { Ok(edge.handle(req).await) })
    }
}

/// The application with every route and guard.
pub fn router(state: AppState) -> App {
    build_router(state, Router::new())
}

/// The application plus `extra` routes (tests add a panicking one), behind the
/// same guards.
pub fn build_router(state: AppState, extra: Router<AppState>) -> App {
    // Idempotency-Key applies to the operations that change state; the status
    // poll and the identity lookup are reads (a stored "pending" must not be
    // replayed forever).
    let changing = Router::new()
        .route("/v3/start", post(possession::start))
        .route("/v3/validate", post(possession::validate))
        .route("/v3/challenge", post(possession::challenge))
        .route("/v3/complete", post(possession::complete))
        .route("/v3/unify", post(possession::unify))
        .route("/v3/unify-bind", post(possession::unify_bind))
        .route("/v3/device/revoke", post(possession::device_revoke))
        .route_layer(from_fn_with_state(state.clone(), auth_then_idempotency));
    let reads = Router::new()
        .route("/v3/unify-status", post(possession::unify_status))
        .route("/v3/identity/{identity_id}", get(possession::get_identity))
        .route_layer(from_fn(require_auth));
    let routes = Router::new()
        .route("/token", post(possession::token))
        .route("/openapi.json", get(openapi::serve))
        .route("/sandbox/otp", post(possession::sandbox_otp))
        .route(
            "/sandbox/instant-link",
            post(possession::sandbox_instant_link),
        )
        .merge(changing)
        .merge(reads)
        .merge(crate::docs::routes())
        .merge(extra)
        .fallback(fallback)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state.clone());
    App(Arc::new(Edge { routes, st: state }))
}

fn valid_request_id(v: &HeaderValue) -> bool {
    !v.is_empty() && v.len() <= 128 && v.as_bytes().iter().all(u8::is_ascii_graphic)
}

/// A new request id: 32 hex digits, a random prefix drawn once per process
/// followed by a counter, so ids are unique without a random draw per request.
fn new_request_id() -> HeaderValue {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(rand::random::<u64>);
    let n = u128::from(prefix) << 64 | u128::from(COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut id = [0u8; 32];
    secrets::hex_into(&n.to_be_bytes(), &mut id);
    HeaderValue::from_bytes(&id).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

const X_REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

impl Edge {
    /// Gives every request an id (kept from the caller's `X-Request-Id` when
    /// sane), runs it inside a tracing span carrying that id, and returns the id
    /// in the response.
    async fn handle(&self, req: Request) -> Response {
        let id = req
            .headers()
            .get(X_REQUEST_ID)
            .filter(|v| valid_request_id(v))
            .cloned()
            .unwrap_or_else(new_request_id);
        let span = tracing::info_span!(
            "request",
            request_id = id.to_str().unwrap_or_default(),
            method = %req.method(),
            path = req.uri().path(),
        );
        // The clock is read only when the response line will be logged.
        let started = tracing::enabled!(tracing::Level::INFO).then(std::time::Instant::now);
        let mut resp = self.surface(req).instrument(span.clone()).await;
        if let Some(InternalCause(cause)) = resp.extensions_mut().remove::<InternalCause>() {
            // Outside the span, with the id as a field: the span is at INFO, and
            // the cause must reach the log with its id at any level.
            tracing::error!(
                request_id = id.to_str().unwrap_or_default(),
                %cause,
                "internal error"
            );
        }
        span.in_scope(|| {
            tracing::info!(
                status = resp.status().as_u16(),
                elapsed_ms = started.map_or(0, |t| t.elapsed().as_millis() as u64),
                "response"
            );
        });
        resp.headers_mut().insert(X_REQUEST_ID_HEADER, id);
        resp
    }

    /// Looks up the caller, applies the rate limit (per OAuth client; per peer
    /// address for requests without one) and the body limit, puts the rate-limit
    /// headers on every response, and runs the routes with panics caught.
    async fn surface(&self, req: Request) -> Response {
        let st = &self.st;
        let (mut parts, mut body) = req.into_parts();
        let now_ms = st.clock.now_ms();
        let principal = match bearer(&parts.headers) {
            Some(token) => match authenticate(st, token, now_ms / 1000).await {
                Ok(p) => p,
                Err(f) => return f.into_response(),
            },
            None => None,
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let mut early: Option<Response> = None;
        let mut form_client: Option<String> = None;
        if principal.is_none() && parts.method == Method::POST && parts.uri.path() == "/token" {
            // The token endpoint is counted per client_id too, read from the form.
            match read_limited(body).await {
                Ok(bytes) => {
                    form_client = parse_form(&bytes)
                        .into_iter()
                        .find(|(k, v)| k == "client_id" && !v.is_empty())
                        .map(|(_, v)| v);
                    body = Body::from(bytes);
                }
                Err(f) => {
                    early = Some(f.into_response());
                    body = Body::empty();
                }
            }
        }
        let key = match (&principal, &form_client) {
            (Some(p), _) => LimitKey::Client(p.client_id()),
            (None, Some(id)) => LimitKey::Client(id),
            (None, None) => LimitKey::Peer(peer),
        };
        let d = match st.limiter.check_now(key, now_ms) {
            Some(d) => d,
            None => st.limiter.check(key, now_ms).await,
        };
        let mut resp = if let Some(r) = early {
            r
        } else if !d.allowed {
            let mut r = render(&PossessionError::RateLimitExceeded);
            r.headers_mut().insert(RETRY_AFTER, number(d.retry_after));
            r
        } else if declared_too_long(&parts.headers) {
            // The body limit, before routing and authentication (DESIGN
            // section 4), so an over-size body costs no handler work.
            over_limit_response()
        } else {
            parts.extensions.insert(Authenticated(principal));
            let call = self.routes.clone().call(Request::from_parts(parts, body));
            // The routes run as their own task: a caller who hangs up does not
            // cancel a handler halfway through its store calls (sqlx 0.8 can
            // leave a PostgreSQL connection inside a transaction when a `begin`
            // is cancelled, bench/README.md), and a panic comes back as the
            // task's error.
            match tokio::spawn(call.instrument(tracing::Span::current())).await {
                Ok(Ok(r)) => r,
                Ok(Err(never)) => match never {},
                Err(e) if e.is_panic() => panicked(e.into_panic()),
                Err(e) => Failure::Internal(format!("request task: {e}")).into_response(),
            }
        };
        // The names come from the catalogue (idv_core::limits::headers); the values
        // are numbers, made once and shared (see `number`).
        let h = resp.headers_mut();
        h.insert(X_RATELIMIT_LIMIT, number(d.limit));
        h.insert(X_RATELIMIT_REMAINING, number(d.remaining));
        h.insert(X_RATELIMIT_RESET, number(d.reset));
        resp
    }
}

/// A header value for `n` without an allocation per response: values up to 255
/// (limits, remaining quota, `Retry-After`) come from a table of static texts
/// made once (cloning one copies a pointer, with no shared counter for the cores
/// to contend on), and the last large value each thread wrote (the reset time,
/// which changes once a second) is kept per thread.
fn number(n: u64) -> HeaderValue {
    use std::cell::RefCell;
    use std::sync::OnceLock;
    static SMALL: OnceLock<Vec<HeaderValue>> = OnceLock::new();
    thread_local! {
        static LAST: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
    }
    if n <= 255 {
        let small = SMALL.get_or_init(|| {
            // 256 short strings, leaked once for the life of the process.
            (0..=255u64)
                .map(|i| HeaderValue::from_static(Box::leak(i.to_string().into_boxed_str())))
                .collect()
        });
        return small[n as usize].clone();
    }
    LAST.with_borrow_mut(|last| match last {
        Some((m, v)) if *m == n => v.clone(),
        _ => {
            let v = HeaderValue::from(n);
            *last = Some((n, v.clone()));
            v
        }
    })
}

/// The catalogued 8000 for a panic in a handler; the panic message goes to the
/// log with the request id.
fn panicked(payload: Box<dyn std::any::Any + Send>) -> Response {
    let cause = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".to_string());
    Failure::Internal(format!("panic: {cause}")).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

async fn authenticate(st: &AppState, token: &str, now: i64) -> Result<Option<Principal>, Failure> {
    let Some((token, project)) = st.store.get_caller(secrets::digest(token).as_str()).await? else {
        return Ok(None);
    };
    if token.client_revoked || token.expires_at <= now {
        return Ok(None);
    }
    if project.region != st.region.as_str() || project.tier != st.tier.as_str() {
        return Ok(None);
    }
    Ok(Some(Principal { token, project }))
}

/// 401 / 8002 unless the edge authenticated the caller.
async fn require_auth(req: Request, next: Next) -> Response {
    match req.extensions().get::<Authenticated>() {
        Some(Authenticated(Some(_))) => next.run(req).await,
        _ => render(&PossessionError::UnauthorizedRequest),
    }
}

/// The operations' paths, as segment patterns (`*` is a path parameter): a
/// request whose path ends with one of them under another prefix (`/v3/token`,
/// `/v2/start`) gets the 403 of the seed's "incorrect URL"; any other unknown
/// path the 404.
const OPERATION_SUFFIXES: &[&[&str]] = &[
    &["token"],
    &["start"],
    &["validate"],
    &["challenge"],
    &["complete"],
    &["unify"],
    &["unify-status"],
    &["unify-bind"],
    &["device", "revoke"],
    &["identity", "*"],
];

/// Whether `path` names a documented operation under the wrong prefix.
pub fn wrong_prefix(path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    OPERATION_SUFFIXES.iter().any(|suffix| {
        segs.len() >= suffix.len()
            && segs[segs.len() - suffix.len()..]
                .iter()
                .zip(suffix.iter())
                .all(|(s, p)| *p == "*" || s == p)
    })
}

async fn fallback(uri: Uri) -> Response {
    if wrong_prefix(uri.path()) {
        render(&PossessionError::WrongUrlOrMethod)
    } else {
        render(&PossessionError::UnknownPath)
    }
}

async fn wrong_method() -> Response {
    render(&PossessionError::WrongUrlOrMethod)
}

/// For the operations that change state: 401 / 8002 unless the edge
/// authenticated the caller; then answers a repeated `Idempotency-Key` with the
/// stored response (same body) or `idempotency_key_reused` (another body), and
/// stores 2xx responses of new keys.
async fn auth_then_idempotency(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let project = match req.extensions().get::<Authenticated>() {
        Some(Authenticated(Some(p))) => p.project.clone(),
        _ => return render(&PossessionError::UnauthorizedRequest),
    };
    let Some(key) = req.headers().get(IDEMPOTENCY_KEY) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k)
            if !k.is_empty()
                && k.len() <= IDEMPOTENCY_KEY_MAX_LENGTH as usize
                && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            k.to_string()
        }
        _ => {
            return Failure::malformed(format!(
                "Idempotency-Key: must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters"
            ))
            .into_response();
        }
    };
    let (parts, body) = req.into_parts();
    let bytes = match read_limited(body).await {
        Ok(b) => b,
        Err(f) => return f.into_response(),
    };
    let mut material = Vec::with_capacity(bytes.len() + 64);
    material.extend_from_slice(parts.uri.path().as_bytes());
    material.push(0);
    material.extend_from_slice(&bytes);
    let request_hash = secrets::hash_bytes(&material);
    let now = st.clock.now();
    match st.store.get_idempotency(&project.id, &key, now).await {
        Err(e) => return Failure::from(e).into_response(),
        Ok(Some(rec)) if rec.request_hash == request_hash => {
            // The stored bytes are sent again as they were, not re-encoded.
            let status = StatusCode::from_u16(rec.status as u16).unwrap_or(StatusCode::OK);
            return json_bytes(status, rec.body);
        }
        Ok(Some(_)) => return render(&PossessionError::IdempotencyKeyReused { key }),
        Ok(None) => {}
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !resp.status().is_success() {
        return resp;
    }
    let expires_at = resp
        .extensions()
        .get::<KeyExpiry>()
        .map(|k| k.0)
        .unwrap_or(now + CORRELATION_ID_LIFETIME_SECONDS as i64);
    let (rparts, rbody) = resp.into_parts();
    let rbytes = match axum::body::to_bytes(rbody, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return Failure::Internal(format!("reading response body: {e}")).into_response(),
    };
    let rec = IdempotencyRecord {
        project_id: project.id.clone(),
        key,
        request_hash,
        status: i64::from(rparts.status.as_u16()),
        body: String::from_utf8_lossy(&rbytes).into_owned(),
        expires_at,
    };
    if let Err(e) = st.store.put_idempotency(&rec, now).await {
        // The step itself is committed; losing the stored copy only costs a later replay.
        tracing::warn!(error = %e, "could not store the Idempotency-Key response");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_decimal_whether_shared_or_new() {
        for n in [
            0,
            1,
            25,
            255,
            256,
            1_767_225_600,
            1_767_225_600,
            1_767_225_601,
            7,
        ] {
            assert_eq!(number(n).to_str().unwrap(), n.to_string());
        }
    }

    #[test]
    fn wrong_prefix_detection() {
        for p in [
            "/v3/token",
            "/v2/start",
            "/v3/start/",
            "/api/v3/device/revoke",
            "/v1/identity/abc",
        ] {
            assert!(wrong_prefix(p), "{p}");
        }
        for p in [
            "/",
            "/v3/foo",
            "/v3/identity",
            "/v3/identity/a/b",
            "/tokens",
        ] {
            assert!(!wrong_prefix(p), "{p}");
        }
    }
}

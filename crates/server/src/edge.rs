//! The edge: the one hand-written tower `Service` ([`App`]) in front of every
//! surface's routes.
//!
//! Order, outermost first (DESIGN section 4): request id, tracing span and the
//! security headers (`X-Content-Type-Options: nosniff`, `Cache-Control:
//! no-store`) → the failed-authentication budgets (per peer address, and per
//! client id named on the token endpoint: `guard::ratelimit::FailureBudgets`)
//! → authentication lookup and rate limit (per verified client, else per peer;
//! headers on every response) → body limit (a declared `Content-Length` over
//! the surface's limit) → path parameters that do not decode (the surface's
//! malformed-request error) → panic catcher → the routes (routing with the
//! surface's 404/403 fallbacks, then the guards each operation's table row asks
//! for, then the handler). A body sent without a length is capped at the same
//! limit while it is read (`http::input`). Malformed HTTP never gets here: hyper
//! answers it in `conn/` with a bare status (docs/guides/server.md).
//!
//! Which surface a request belongs to is decided here, once, by path prefix:
//! `App` holds a static table of `(prefix, &SurfaceEdge)` rows (built by `app`)
//! and compares with `starts_with`, so picking costs no allocation. The surface
//! gives the body limit, whose budget the request spends, and every error the
//! edge sends. Every request pays for the edge, the rejected ones included, so
//! it allocates nothing of its own on the 401 and 429 paths: the token digest is
//! inline (`secrets::HexDigest`), the caller is two `Arc`s from the cache
//! (`Principal`), and the limiter is keyed by `LimitKey` without building a
//! string (bench/README.md).
//!
//! Boundary: names no surface; everything surface-specific comes from the
//! `SurfaceEdge` rows.

use crate::app::AppState;
use crate::domain::secrets;
use crate::guard::auth::{
    Authenticated, authenticate, authenticate_api_token, basic_credentials, bearer,
};
use crate::guard::ratelimit::{Decision, LimitKey, header_number, put_headers};
use crate::http::error::InternalCause;
use crate::http::input::{declared_too_long, parse_form, read_at_most};
use crate::http::{RateKey, SurfaceEdge};
use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use idv_core::limits::headers::{RETRY_AFTER, X_RATELIMIT_LIMIT, X_REQUEST_ID};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::oneshot;
use tower_service::Service;
use tracing::Instrument;

/// The surfaces by path prefix: the first row whose prefix starts the path wins.
pub type SurfaceTable = &'static [(&'static str, &'static SurfaceEdge)];

/// The whole application: the routes behind the edge guards (request id and
/// span, authentication lookup and rate limit, body limit, panic catcher). Serve it with
/// [`App::into_make_service_with_connect_info`]; cloning it is one reference
/// count.
#[derive(Clone)]
pub struct App(Arc<Edge>);

struct Edge {
    routes: Router,
    st: AppState,
    surfaces: SurfaceTable,
    fallback: &'static SurfaceEdge,
}

impl App {
    /// The edge in front of `routes`: `surfaces` picks a request's surface by
    /// path prefix, `fallback` answers paths no row claims.
    pub fn new(
        routes: Router,
        st: AppState,
        surfaces: SurfaceTable,
        fallback: &'static SurfaceEdge,
    ) -> App {
        App(Arc::new(Edge {
            routes,
            st,
            surfaces,
            fallback,
        }))
    }

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

/// The surface of `path`: the first row of `surfaces` whose prefix starts it,
/// else `fallback`. Compares bytes; allocates nothing.
pub fn pick(
    surfaces: SurfaceTable,
    fallback: &'static SurfaceEdge,
    path: &str,
) -> &'static SurfaceEdge {
    surfaces
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or(fallback, |(_, edge)| edge)
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
        let mut resp = self.surface(req, &id).instrument(span.clone()).await;
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
        let h = resp.headers_mut();
        h.insert(X_REQUEST_ID_HEADER, id);
        // Security headers on every answer (docs/guides/server.md): no content
        // sniffing, and no caching anywhere: answers carry access tokens, flow
        // auth tokens and personal data, and none is meant to be reused.
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        resp
    }

    /// Picks the surface, checks the failed-authentication budgets, looks up
    /// the caller, applies the surface's rate limit and body limit, puts the
    /// rate-limit headers on every response, and runs the routes with panics
    /// caught.
    async fn surface(&self, req: Request, id: &HeaderValue) -> Response {
        let st = &self.st;
        let (mut parts, mut body) = req.into_parts();
        let surface = pick(self.surfaces, self.fallback, parts.uri.path());
        let now_ms = st.clock.now_ms();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let mut early: Option<Response> = None;
        // The client a token request names: not yet verified, so it is used
        // only to check the budget of failures naming it, never to spend the
        // client's own rate limit (the handler does that once the secret is
        // verified, `guard::auth::verified`).
        let mut named_client: Option<String> = None;
        let token = bearer(&parts.headers);
        match surface.rate_key {
            RateKey::OAuthClient { token_path } => {
                if token.is_none() && parts.method == Method::POST && parts.uri.path() == token_path
                {
                    match read_at_most(body, surface.max_body).await {
                        Ok(bytes) => {
                            named_client = match basic_credentials(&parts.headers) {
                                Some(Ok(c)) => Some(c.client_id),
                                _ => parse_form(&bytes)
                                    .into_iter()
                                    .find(|(k, v)| k == "client_id" && !v.is_empty())
                                    .map(|(_, v)| v),
                            };
                            body = Body::from(bytes);
                        }
                        Err(()) => {
                            early = Some((surface.too_large)());
                            body = Body::empty();
                        }
                    }
                }
            }
            RateKey::Firewall | RateKey::Workspace => {}
        }
        // Failed authentications, before any credential is looked up: an
        // address (or, from an address that has failed, a client id) over its
        // failure budget gets the 429 without a store call. Only failures spend
        // it, so a busy client is never refused for the requests it has in flight.
        let mut refused = None;
        if token.is_some() || named_client.is_some() {
            refused = st
                .auth_failures
                .attempt(peer, named_client.as_deref(), now_ms);
        }
        let (mut principal, mut workspace) = (None, None);
        if let Some(token) = token.filter(|_| refused.is_none()) {
            let now = now_ms / 1000;
            let found = match surface.rate_key {
                RateKey::OAuthClient { .. } | RateKey::Firewall => authenticate(st, token, now)
                    .await
                    .map(|p| p.map(|p| principal = Some(p))),
                RateKey::Workspace => authenticate_api_token(st, token, now)
                    .await
                    .map(|w| w.map(|w| workspace = Some(w))),
            };
            match found {
                Ok(Some(())) => {}
                Ok(None) => {
                    // An unknown, expired or revoked token: a failure of this address.
                    st.auth_failures.failed(peer, None, now_ms);
                }
                // The store failed, not the credential: nothing is counted.
                Err(e) => return (surface.internal)(e.to_string()),
            }
        }
        let key = match (&principal, &workspace) {
            (Some(p), _) => LimitKey::Client(p.client_id()),
            (None, Some(w)) => LimitKey::Client(w.workspace_id()),
            (None, None) => LimitKey::Peer(peer),
        };
        let d = if surface.rate_key == RateKey::Firewall {
            // The surface's firewall limits the volume; nothing is spent here.
            Decision {
                allowed: true,
                limit: 0,
                remaining: 0,
                reset: 0,
                retry_after: 0,
            }
        } else if principal.is_none() && named_client.is_some() {
            // POST /token naming a client: that client's own quota is spent
            // once its secret is verified (the handler), and a failure spends
            // the failure budgets above, so the address's request quota is
            // only reported here, never spent or enforced.
            let reported = st.limiter.peek_now(key, now_ms);
            Decision {
                allowed: true,
                ..reported.unwrap_or(Decision {
                    allowed: true,
                    limit: surface.quota_per_second,
                    remaining: surface.quota_per_second,
                    reset: (now_ms / 1000 + 1) as u64,
                    retry_after: 0,
                })
            }
        } else {
            match st.limiter.check_now(key, now_ms) {
                Some(d) => d,
                None => st.limiter.check(key, now_ms).await,
            }
        };
        let mut resp = if let Some(r) = early {
            r
        } else if let Some(retry_after) = refused {
            let mut r = (surface.rate_limited)();
            r.headers_mut()
                .insert(RETRY_AFTER, header_number(retry_after));
            r
        } else if !d.allowed {
            let mut r = (surface.rate_limited)();
            r.headers_mut()
                .insert(RETRY_AFTER, header_number(d.retry_after));
            r
        } else if declared_too_long(&parts.headers, surface.max_body) {
            // The body limit, before routing and authentication (DESIGN
            // section 4), so an over-size body costs no handler work.
            (surface.too_large)()
        } else if let Some(reasons) = surface.undecodable_param(
            parts.method.as_str(),
            parts.uri.path(),
            principal.is_some() || workspace.is_some(),
        ) {
            // A path parameter that does not percent-decode to UTF-8 gets the
            // surface's malformed-request error naming it, not the router's
            // plain-text 400.
            (surface.malformed)(reasons)
        } else {
            parts.extensions.insert(Authenticated {
                principal,
                workspace,
                edge: surface,
                peer,
            });
            let (body, received) = watch_end(body);
            let call = self.routes.clone().call(Request::from_parts(parts, body));
            // The routes run as their own task: a caller who hangs up does not
            // cancel a handler halfway through its store calls (sqlx 0.8 can
            // leave a PostgreSQL connection inside a transaction when a `begin`
            // is cancelled, bench/README.md), and a panic comes back as the
            // task's error.
            let mut task = tokio::spawn(call.instrument(tracing::Span::current()));
            // The handler timeout counts from the end of the body: receiving
            // it is bounded by the connection's body timeout and minimum rate.
            let timeout = st.handler_timeout;
            let timer = async move {
                if let Some(received) = received {
                    let _ = received.await;
                }
                tokio::time::sleep(timeout).await;
            };
            tokio::select! {
                biased;
                joined = &mut task => finished(surface, joined),
                () = timer => timed_out(surface, task, timeout, id.clone()),
            }
        };
        // A handler that spent a verified client's budget (the token endpoint)
        // has put that budget's headers on its answer; every other answer
        // carries the budget the edge spent.
        if surface.rate_key != RateKey::Firewall && !resp.headers().contains_key(X_RATELIMIT_LIMIT)
        {
            put_headers(resp.headers_mut(), &d);
        }
        resp
    }
}

/// The answer of a routes task that finished.
fn finished(
    surface: &SurfaceEdge,
    joined: Result<Result<Response, Infallible>, tokio::task::JoinError>,
) -> Response {
    match joined {
        Ok(Ok(r)) => r,
        Ok(Err(never)) => match never {},
        Err(e) if e.is_panic() => (surface.internal)(panic_cause(e.into_panic())),
        Err(e) => (surface.internal)(format!("request task: {e}")),
    }
}

/// The surface's `timed_out` answer (with `Retry-After`) to a request whose
/// routes task did not answer within `timeout` of the end of its body. The
/// task is not cancelled: it runs to its end, as for a caller who hung up, so
/// no request stops between two store calls, and an Idempotency-Key it holds
/// is settled by its own guard (the stored answer, or the key given back).
/// Both the timeout and, later, how the request ended are logged at warn
/// with the request id.
fn timed_out(
    surface: &SurfaceEdge,
    task: tokio::task::JoinHandle<Result<Response, Infallible>>,
    timeout: std::time::Duration,
    id: HeaderValue,
) -> Response {
    let request_id = id.to_str().unwrap_or_default().to_string();
    tracing::warn!(
        request_id,
        timeout_s = timeout.as_secs_f64(),
        "handler timeout: answered 503; the request goes on running"
    );
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let (status, cause) = match task.await {
            Ok(Ok(mut r)) => (
                r.status().as_u16(),
                r.extensions_mut()
                    .remove::<InternalCause>()
                    .map(|InternalCause(c)| c),
            ),
            Ok(Err(never)) => match never {},
            Err(e) if e.is_panic() => (500, Some(panic_cause(e.into_panic()))),
            Err(e) => (500, Some(format!("request task: {e}"))),
        };
        tracing::warn!(
            request_id,
            status,
            cause = cause.unwrap_or_default(),
            late_ms = started.elapsed().as_millis() as u64,
            "a request answered with the handler timeout has ended"
        );
    });
    let mut r = (surface.timed_out)();
    r.headers_mut()
        .insert(RETRY_AFTER, header_number(TIMED_OUT_RETRY_AFTER_SECONDS));
    r
}

/// The `Retry-After` of the handler-timeout answer, seconds: a retry with the
/// same Idempotency-Key then waits in the guard for the first answer.
const TIMED_OUT_RETRY_AFTER_SECONDS: u64 = 1;

/// `body`, and a receiver that resolves when the body has been read to its
/// end, failed, or was dropped (`None` for a request without a body).
fn watch_end(body: Body) -> (Body, Option<oneshot::Receiver<()>>) {
    if http_body::Body::is_end_stream(&body) {
        return (body, None);
    }
    let (tx, rx) = oneshot::channel();
    (
        Body::new(EndWatched {
            inner: body,
            end: Some(tx),
        }),
        Some(rx),
    )
}

/// A request body that drops `end` (waking the receiver) once it is over.
struct EndWatched {
    inner: Body,
    end: Option<oneshot::Sender<()>>,
}

impl http_body::Body for EndWatched {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) || self.inner.is_end_stream()
        {
            self.end.take();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The log text of a panic in a handler (answered with the surface's internal
/// error; the text goes to the log with the request id).
fn panic_cause(payload: Box<dyn std::any::Any + Send>) -> String {
    let cause = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".to_string());
    format!("panic: {cause}")
}

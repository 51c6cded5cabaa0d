//! Authentication: reading the credentials of a request, and the extractor a
//! handler takes to name its caller.
//!
//! The edge looks a Bearer token up once per request ([`authenticate`]) and
//! puts the result, with the surface it picked, in the request's extensions
//! ([`Authenticated`]). [`Principal`] is the extractor whose rejection is that
//! surface's "unauthorized" error; [`require_principal`] is the same check as
//! a route layer, applied to every operation whose table row asks for an
//! access token. [`basic_credentials`] reads HTTP Basic client authentication
//! (RFC 6749 section 2.3.1) for the token endpoint.
//!
//! The verification surface's caller is a workspace, named by a personal
//! access token `<id>|<secret>` ([`WorkspacePrincipal`], looked up by
//! [`authenticate_api_token`] through the same cached store, so a token
//! revoked through this process is refused at once and one revoked by another
//! process within `CachedStore::TTL`); [`require_workspace`] is its route
//! layer.
//!
//! Every credential kind follows one rule ([`FailureBudgets`]): a failed
//! authentication is counted per peer address and per claimed identity, and an
//! attempt over those budgets is refused with the surface's 429 before the
//! credential is looked up (the edge does this for Bearer tokens and for the
//! client named on the token endpoint); a caller's ordinary rate limit is spent
//! only once its credential is verified ([`verified`]), and a failure is
//! counted with [`failed`]. A surface that verifies a credential itself calls
//! those two.
//!
//! [`FailureBudgets`]: crate::guard::ratelimit::FailureBudgets

use crate::app::AppState;
use crate::domain::secrets;
use crate::guard::ratelimit::{Decision, LimitKey, put_headers};
use crate::http::SurfaceEdge;
use crate::http::input::decode_component;
use crate::store::{ApiTokenRecord, Project, TokenRecord, Workspace};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use idv_core::limits::headers::RETRY_AFTER;
use std::net::IpAddr;
use std::sync::Arc;

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

/// The authenticated caller of the verification surface: a workspace, through
/// one of its personal access tokens. Both parts are the store's shared records.
#[derive(Debug, Clone)]
pub struct WorkspacePrincipal {
    /// The API token's record (its id is the actor of history rows).
    pub token: Arc<ApiTokenRecord>,
    /// The token's workspace.
    pub workspace: Arc<Workspace>,
}

impl WorkspacePrincipal {
    /// The workspace's id: whose rate limit the request spends.
    pub fn workspace_id(&self) -> &str {
        &self.workspace.id
    }
}

/// What the edge found, put in the request's extensions: the caller, if the
/// request carried a valid Bearer token, and the surface the path belongs to.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The caller (an OAuth client: possession).
    pub principal: Option<Principal>,
    /// The caller (a workspace's API token: verification).
    pub workspace: Option<WorkspacePrincipal>,
    /// The surface whose errors the guards behind the edge answer with.
    pub edge: &'static SurfaceEdge,
    /// The peer address of the connection (`None` when the listener did not
    /// record one): whose budget a failed authentication spends.
    pub peer: Option<IpAddr>,
}

/// A credential the surface verified itself (a client secret) as `subject`:
/// spends the subject's ordinary rate limit, which nobody could spend before
/// the credential was verified. `Err` is the surface's 429 (with
/// `Retry-After` and the rate-limit headers) when that limit is spent; `Ok`
/// the decision whose headers the answer carries ([`put_headers`]).
pub async fn verified(
    st: &AppState,
    auth: &Authenticated,
    subject: &str,
) -> Result<Decision, Response> {
    let now_ms = st.clock.now_ms();
    let key = LimitKey::Client(subject);
    let d = match st.limiter.check_now(key, now_ms) {
        Some(d) => d,
        None => st.limiter.check(key, now_ms).await,
    };
    if d.allowed {
        return Ok(d);
    }
    let mut r = (auth.edge.rate_limited)();
    put_headers(r.headers_mut(), &d);
    r.headers_mut().insert(
        RETRY_AFTER,
        crate::guard::ratelimit::header_number(d.retry_after),
    );
    Err(r)
}

/// A credential that failed to verify, claiming `subject` (a client id, when
/// the request named one): counts the failure against the peer address and the
/// subject, and returns the surface's "unauthorized" answer.
pub fn failed(st: &AppState, auth: &Authenticated, subject: Option<&str>) -> Response {
    st.auth_failures
        .failed(auth.peer, subject, st.clock.now_ms());
    (auth.edge.unauthorized)()
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated {
                principal: Some(p), ..
            }) => Ok(p.clone()),
            Some(a) => Err((a.edge.unauthorized)()),
            None => outside_the_edge(),
        }
    }
}

/// The route layer of operations that need a caller: the surface's
/// "unauthorized" error unless the edge authenticated one.
pub async fn require_principal(req: Request, next: Next) -> Response {
    match req.extensions().get::<Authenticated>() {
        Some(Authenticated {
            principal: Some(_), ..
        }) => next.run(req).await,
        Some(a) => (a.edge.unauthorized)(),
        None => outside_the_edge(),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WorkspacePrincipal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated {
                workspace: Some(w), ..
            }) => Ok(w.clone()),
            Some(a) => Err((a.edge.unauthorized)()),
            None => outside_the_edge(),
        }
    }
}

/// The route layer of operations that need a workspace's API token: the
/// surface's "unauthorized" error unless the edge authenticated one.
pub async fn require_workspace(req: Request, next: Next) -> Response {
    match req.extensions().get::<Authenticated>() {
        Some(Authenticated {
            workspace: Some(_), ..
        }) => next.run(req).await,
        Some(a) => (a.edge.unauthorized)(),
        None => outside_the_edge(),
    }
}

/// The routes are reachable only through `edge::App`, which puts
/// [`Authenticated`] on every request; a route run another way is a bug in the
/// server, and the panic is answered by the edge's catcher (the surface's
/// catalogued internal error) in any build that serves requests.
fn outside_the_edge() -> ! {
    panic!("a route ran outside edge::App: no Authenticated in the request's extensions")
}

/// The Bearer token of `Authorization`, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Client credentials sent with HTTP Basic.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

impl std::fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Why a Basic `Authorization` header could not be read, as an 8001 reason says it.
pub const BASIC_RULE: &str =
    "must be Basic followed by base64 of client_id:client_secret (each form-urlencoded)";

/// The client credentials of an `Authorization: Basic …` header (RFC 6749
/// section 2.3.1: `base64(urlencode(client_id) ":" urlencode(client_secret))`):
/// `None` when the request has no Basic header, `Some(Err(reason))` when it has
/// one that does not decode to a non-empty id and secret.
pub fn basic_credentials(headers: &HeaderMap) -> Option<Result<BasicCredentials, &'static str>> {
    let v = headers.get(header::AUTHORIZATION)?;
    let v = v.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    Some(decode_basic(rest.trim()).ok_or(BASIC_RULE))
}

fn decode_basic(encoded: &str) -> Option<BasicCredentials> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let colon = raw.iter().position(|b| *b == b':')?;
    let client_id = decode_component(&raw[..colon]);
    let client_secret = decode_component(&raw[colon + 1..]);
    (!client_id.is_empty() && !client_secret.is_empty()).then_some(BasicCredentials {
        client_id,
        client_secret,
    })
}

/// The caller of a Bearer `token` at `now` (Unix seconds): `None` when the token
/// is unknown, expired, of a revoked client, or of a project of another region
/// or tier.
pub async fn authenticate(
    st: &AppState,
    token: &str,
    now: i64,
) -> Result<Option<Principal>, crate::store::StoreError> {
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

/// The prefix of an API token's id.
pub const API_TOKEN_ID_PREFIX: &str = "tok_";
/// Hex digits after [`API_TOKEN_ID_PREFIX`].
pub const API_TOKEN_ID_HEX: usize = 16;
/// Hex digits of an API token's secret (256 bits).
pub const API_TOKEN_SECRET_HEX: usize = 64;

/// The id and secret of an API token `<id>|<secret>`, when it has that shape
/// (`tok_` and 16 lowercase hex digits, `|`, 64 lowercase hex digits); `None`
/// for anything else, which is never looked up.
pub fn split_api_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('|')?;
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let digits = id.strip_prefix(API_TOKEN_ID_PREFIX)?;
    (hex(digits, API_TOKEN_ID_HEX) && hex(secret, API_TOKEN_SECRET_HEX)).then_some((id, secret))
}

/// The workspace of an API `token` (`<id>|<secret>`) at `now` (Unix seconds):
/// `None` when it is malformed, unknown, of another secret (compared in
/// constant time with the stored digest), expired or revoked. Records when the
/// token was last used, at most once a minute per token and process, without
/// holding up the request.
pub async fn authenticate_api_token(
    st: &AppState,
    token: &str,
    now: i64,
) -> Result<Option<WorkspacePrincipal>, crate::store::StoreError> {
    let Some((id, secret)) = split_api_token(token) else {
        return Ok(None);
    };
    let Some((token, workspace)) = st.store.get_api_caller(id).await? else {
        return Ok(None);
    };
    if !secrets::verify(secret, &token.secret_hash)
        || token.revoked_at.is_some()
        || token.expires_at <= now
    {
        return Ok(None);
    }
    if token.last_used_at.is_none_or(|t| now - t >= 60) && last_use_due(&token.id, now) {
        let store = st.store.clone();
        let id = token.id.clone();
        tokio::spawn(async move {
            if let Err(e) = store.touch_api_token(&id, now).await {
                tracing::warn!(error = %e, "recording an API token's last use failed");
            }
        });
    }
    Ok(Some(WorkspacePrincipal { token, workspace }))
}

/// Whether this process should record a use of token `id` at `now`: once a
/// minute per token (the cached record keeps the last use it was read with).
fn last_use_due(id: &str, now: i64) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static LAST: OnceLock<Mutex<HashMap<String, i64>>> = OnceLock::new();
    let mut last = LAST
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    match last.get(id) {
        Some(t) if now - *t < 60 => false,
        _ => {
            if last.len() >= 50_000 {
                last.retain(|_, t| now - *t < 60);
            }
            last.insert(id.to_string(), now);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn api_tokens_are_an_id_a_bar_and_a_secret() {
        let id = format!("tok_{}", "a1".repeat(8));
        let secret = "0f".repeat(32);
        let token = format!("{id}|{secret}");
        assert_eq!(
            split_api_token(&token),
            Some((id.as_str(), secret.as_str()))
        );
        for bad in [
            String::new(),
            "1|abc".to_string(),
            format!("{id}{secret}"),
            format!("{id}|{secret}0"),
            format!("{id}|{}", secret.to_uppercase()),
            format!("tok_{}|{secret}", "g".repeat(16)),
            format!("{id}|{secret}|x"),
        ] {
            assert_eq!(split_api_token(&bad), None, "{bad}");
        }
    }

    #[test]
    fn basic_credentials_are_base64_of_urlencoded_parts() {
        // "my%20id:s%3Acret" → id "my id", secret "s:cret".
        let enc = base64::engine::general_purpose::STANDARD.encode("my%20id:s%3Acret");
        let c = basic_credentials(&with(&format!("Basic {enc}")))
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.client_id.as_str(), c.client_secret.as_str()),
            ("my id", "s:cret")
        );
        assert_eq!(basic_credentials(&with("Bearer x")), None);
        assert_eq!(basic_credentials(&HeaderMap::new()), None);
        for bad in ["Basic", "Basic !!!", "basic Zm9v"] {
            assert_eq!(
                basic_credentials(&with(bad)),
                Some(Err(BASIC_RULE)),
                "{bad}"
            );
        }
        assert!(format!("{c:?}").contains("<redacted>"));
    }
}

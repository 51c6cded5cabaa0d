//! What the edge needs to know of a surface: its body limit, whose budget a
//! request spends and how large it is, and the catalogued answers it sends for
//! paths under the surface's prefix (wrong method or URL, unknown path, rate
//! limit, internal error, handler timeout, malformed or over-size request,
//! missing credentials).
//!
//! Each surface declares one `const EDGE: SurfaceEdge` in its `mod.rs`; the edge
//! (`edge.rs`) picks it by path prefix from a static table, without allocating.

use axum::response::Response;
use axum::routing::MethodFilter;
use idv_core::operation::{AuthKind, Method, Operation};

/// The axum method filter of an operation's method.
pub fn method_filter(m: Method) -> MethodFilter {
    match m {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Patch => MethodFilter::PATCH,
        Method::Delete => MethodFilter::DELETE,
    }
}

/// Whose rate-limit budget a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKey {
    /// The OAuth client: the Bearer token's client, or, on a `POST` to
    /// `token_path` without a token, the `client_id` of HTTP Basic or of the form;
    /// the peer address when the request names no client.
    OAuthClient {
        /// The token endpoint, whose body names the client.
        token_path: &'static str,
    },
    /// No budget of the edge's: the surface's own firewall limits the volume
    /// per client IP (signup), so the edge neither spends nor reports one.
    Firewall,
    /// The workspace of the request's personal access token `<id>|<secret>`
    /// (verification); the peer address when it carries no valid one.
    Workspace,
}

/// One surface as the edge sees it.
#[derive(Debug, Clone, Copy)]
pub struct SurfaceEdge {
    /// The surface's name (for logs and tests).
    pub name: &'static str,
    /// The largest request body, in bytes.
    pub max_body: u64,
    /// Whose budget a request spends.
    pub rate_key: RateKey,
    /// Requests per second (and burst) of one key.
    pub quota_per_second: u64,
    /// The surface's operations: the wrong-URL test is derived from their paths.
    pub operations: &'static [Operation],
    /// The answer to a known path called with another method, or to a documented
    /// operation's path under a wrong prefix (possession: 403 without a code;
    /// verification: its 404).
    pub wrong_url_or_method: fn() -> Response,
    /// The answer to any other unknown path (possession: 404).
    pub unknown_path: fn() -> Response,
    /// The answer to a request over the rate limit, before `Retry-After` is added
    /// (possession: 8018).
    pub rate_limited: fn() -> Response,
    /// The answer to an internal failure, before its cause is attached for the log
    /// (possession: 8000).
    pub internal: fn(String) -> Response,
    /// The answer to a request whose handler did not answer within the
    /// handler timeout, before `Retry-After` is added (possession: the 503
    /// `request_timed_out`). The handler goes on running: the answer must say
    /// the request may still take effect.
    pub timed_out: fn() -> Response,
    /// The answer to a body over `max_body` (possession: 8001).
    pub too_large: fn() -> Response,
    /// The answer to a malformed request, with its reasons (possession: 8001).
    pub malformed: fn(String) -> Response,
    /// The answer to missing or invalid credentials (possession: 8002).
    pub unauthorized: fn() -> Response,
}

impl SurfaceEdge {
    /// Whether `path` names one of the surface's operations under a wrong prefix
    /// (`/v3/token`, `/v2/start`): its last segments equal an operation's path
    /// (sandbox stand-ins excluded)
    /// without its version segment, a path parameter matching any one segment.
    pub fn wrong_prefix(&self, path: &str) -> bool {
        self.operations
            .iter()
            .filter(|op| !op.sandbox_only)
            .any(|op| ends_with_pattern(path, unversioned(op.path)))
    }

    /// The malformed-request reasons for a request to one of the surface's
    /// operations (`method` and `path` match its row) whose path parameter does
    /// not percent-decode to UTF-8 (`/v3/identity/%ff%fe`), naming the
    /// parameter as the operation's path spells it; `None` otherwise. Allocates
    /// only when it answers. An operation that needs an access token is
    /// checked only for an `authenticated` caller, so a caller without one gets
    /// the "unauthorized" answer first.
    pub fn undecodable_param(
        &self,
        method: &str,
        path: &str,
        authenticated: bool,
    ) -> Option<String> {
        let op = self
            .operations
            .iter()
            .find(|op| op.method.as_str() == method && matches_path(path, op.path))?;
        if matches!(
            op.auth,
            AuthKind::AccessToken | AuthKind::PersonalAccessToken
        ) && !authenticated
        {
            return None;
        }
        op.path
            .split('/')
            .zip(path.split('/'))
            .find(|(p, s)| p.starts_with('{') && p.ends_with('}') && !decodes_to_utf8(s))
            .map(|(p, _)| {
                format!(
                    "{}: must be valid UTF-8 once percent-decoded",
                    &p[1..p.len() - 1]
                )
            })
    }
}

/// Whether a path segment percent-decodes to valid UTF-8 (a `%` not followed
/// by two hex digits stands for itself, as the router reads it).
fn decodes_to_utf8(segment: &str) -> bool {
    if !segment.contains('%') {
        return true;
    }
    let s = segment.as_bytes();
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            s[i],
            s.get(i + 1).and_then(|b| hex(*b)),
            s.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&out).is_ok()
}

/// An operation's path without a leading version segment (`/v3/start` → `start`).
fn unversioned(path: &str) -> &str {
    let path = path.trim_start_matches('/');
    match path.split_once('/') {
        Some((first, rest))
            if first.len() > 1
                && first.starts_with('v')
                && first[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            rest
        }
        _ => path,
    }
}

/// Whether the non-empty segments of `path` end with the segments of `pattern`,
/// where a `{param}` segment matches any one segment. Allocates nothing.
fn ends_with_pattern(path: &str, pattern: &str) -> bool {
    let mut segs = path.split('/').filter(|s| !s.is_empty()).rev();
    let mut pats = pattern.split('/').filter(|s| !s.is_empty()).rev();
    loop {
        match (pats.next(), segs.next()) {
            (None, _) => return true,
            (Some(_), None) => return false,
            (Some(p), Some(s)) => {
                if !(p.starts_with('{') && p.ends_with('}')) && p != s {
                    return false;
                }
            }
        }
    }
}

/// Whether `path` is the operation path `pattern` exactly (a `{param}` segment
/// matching any one non-empty segment).
pub fn matches_path(path: &str, pattern: &str) -> bool {
    let mut segs = path.split('/');
    let mut pats = pattern.split('/');
    loop {
        match (pats.next(), segs.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) => {
                let param = p.starts_with('{') && p.ends_with('}');
                if (param && s.is_empty()) || (!param && p != s) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(unversioned("/v3/device/revoke"), "device/revoke");
        assert_eq!(unversioned("/token"), "token");
        assert_eq!(unversioned("/vx/start"), "vx/start");
        assert!(ends_with_pattern("/api/v3/device/revoke", "device/revoke"));
        assert!(ends_with_pattern(
            "/v1/identity/abc",
            "identity/{identityId}"
        ));
        assert!(!ends_with_pattern("/v3/identity", "identity/{identityId}"));
        assert!(matches_path("/v3/identity/x", "/v3/identity/{identityId}"));
        assert!(!matches_path("/v3/identity/", "/v3/identity/{identityId}"));
        assert!(!matches_path(
            "/v3/identity/a/b",
            "/v3/identity/{identityId}"
        ));
        assert!(matches_path("/token", "/token"));
        assert!(decodes_to_utf8("abc"));
        assert!(decodes_to_utf8("%C3%A9%2"));
        assert!(decodes_to_utf8("100%"));
        assert!(!decodes_to_utf8("%ff%fe"));
        assert!(!decodes_to_utf8("a%C3"));
    }
}

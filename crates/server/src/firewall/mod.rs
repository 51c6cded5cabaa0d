//! The firewall: the layer in front of the signup surface's routes, before the
//! API key is checked (DESIGN section 4, contract section 4). In order:
//!
//! 1. **403** for a denied client: its address is on the deny list (addresses
//!    and CIDR blocks) or a header rule matches ([`Settings`]);
//! 2. **429** for abnormal volume per client IP (100 requests a second, bursts
//!    of 200, configurable; `Retry-After`), with the in-process GCRA of
//!    `guard::ratelimit`, an instance of its own;
//! 3. **418** for an API key used client side: a request that carries
//!    `Authorization` together with a signal only browsers send (`Origin`,
//!    `Sec-Fetch-Mode`, `Sec-Fetch-Site`). The key is flagged and the event
//!    recorded in one transaction ([`FirewallStore`]) and logged by the key's
//!    public id, never the key.
//!
//! A CORS preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) that asks to send `Authorization` is recorded
//! and logged the same way. It is answered 204 with CORS headers rather than 418:
//! a preflight that fails makes the browser report a bare network error, and
//! then the script never learns why; let through, the real request follows and
//! gets the 418, whose body the script can read. Every answer of the firewall
//! carries `Access-Control-Allow-Origin: *` for the same reason.
//!
//! Boundary: renders only [`FirewallError`]; names no other surface (signup
//! names it, the designed exception).

pub mod settings;
pub mod store;

pub use settings::{Rule, Settings, SettingsLayer};

use crate::app::AppState;
use crate::domain::secrets;
use crate::guard::auth::Authenticated;
use crate::guard::ratelimit::{Gcra, LimitKey, header_number};
use crate::http::error::render;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use idv_core::FirewallError;
use idv_core::limits::headers::RETRY_AFTER;
use std::net::{IpAddr, SocketAddr};
use store::FirewallEvent;

/// The firewall's settings and the volume rule's limiter.
#[derive(Debug)]
pub struct Firewall {
    settings: Settings,
    volume: Gcra,
}

impl Default for Firewall {
    fn default() -> Self {
        Firewall::new(Settings::default())
    }
}

impl Firewall {
    /// A firewall with `settings`.
    pub fn new(settings: Settings) -> Firewall {
        let volume = Gcra::new(settings.rate_per_second, settings.burst);
        Firewall { settings, volume }
    }

    /// Its settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// What the firewall found in a request's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Let it through.
    Pass,
    /// A CORS preflight: answer it here.
    Preflight {
        /// It asks to send `Authorization`: record it.
        asks_for_key: bool,
    },
    /// A key used from a browser: 418.
    ClientSide,
}

/// Whether the request carries a signal only browsers send.
fn browser_signals(h: &HeaderMap) -> bool {
    h.contains_key(header::ORIGIN)
        || h.contains_key("sec-fetch-mode")
        || h.contains_key("sec-fetch-site")
}

/// The raw API key of `Authorization`, if the header is there and not blank.
fn api_key(h: &HeaderMap) -> Option<&str> {
    h.get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

fn judge(method: &Method, h: &HeaderMap) -> Verdict {
    if method == Method::OPTIONS
        && h.contains_key(header::ORIGIN)
        && h.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let asks_for_key = h
            .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|name| name.trim().eq_ignore_ascii_case("authorization"));
        return Verdict::Preflight { asks_for_key };
    }
    if api_key(h).is_some() && browser_signals(h) {
        return Verdict::ClientSide;
    }
    Verdict::Pass
}

/// The route layer in front of every signup route (`signup::routes`).
pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let fw = &st.firewall;
    let peer = peer_of(&req);
    if let Some(ip) = peer {
        if fw.settings.denies(ip) {
            tracing::debug!(%ip, "firewall: denied address");
            return with_cors(render(&FirewallError::FirewallBlocked));
        }
    }
    if fw.settings.rules.iter().any(|r| r.matches(req.headers())) {
        tracing::debug!("firewall: a rule denied the request");
        return with_cors(render(&FirewallError::FirewallBlocked));
    }
    let d = fw.volume.decide(LimitKey::Peer(peer), st.clock.now_ms());
    if !d.allowed {
        let mut r = render(&FirewallError::AbnormalRequestVolume);
        r.headers_mut()
            .insert(RETRY_AFTER, header_number(d.retry_after));
        return with_cors(r);
    }
    match judge(req.method(), req.headers()) {
        Verdict::Pass => next.run(req).await,
        Verdict::Preflight { asks_for_key } => {
            if asks_for_key {
                record(&st, "preflight", req.headers()).await;
            }
            preflight_ok()
        }
        Verdict::ClientSide => {
            record(&st, "client_side", req.headers()).await;
            with_cors(render(&FirewallError::ApiKeyUsedClientSide))
        }
    }
}

/// Records a client-side use (flagging the key the request carries, if idv
/// knows it) and logs it by the key's public id. A store failure is logged and
/// the request refused all the same: the block does not depend on the record.
async fn record(st: &AppState, kind: &str, h: &HeaderMap) {
    let origin = h
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.chars().take(256).collect::<String>());
    let event = FirewallEvent {
        id: format!("fwe_{}", secrets::random_hex(12)),
        kind: kind.to_string(),
        key_id: None,
        brand_id: None,
        origin,
        created_at: st.clock.now(),
    };
    let digest = api_key(h).map(secrets::digest);
    match st
        .store
        .record_client_side(&event, digest.as_ref().map(|d| d.as_str()))
        .await
    {
        Ok(flagged) => {
            tracing::warn!(
                kind,
                key_id = flagged.as_ref().map(|f| f.key_id.as_str()),
                brand_id = flagged.as_ref().map(|f| f.brand_id.as_str()),
                origin = event.origin.as_deref(),
                "firewall: API key used client side; the key is flagged"
            );
        }
        Err(e) => tracing::error!(
            kind,
            cause = %e,
            "firewall: could not record a client-side use of an API key"
        ),
    }
}

/// The peer address the edge recorded (or the listener's, outside the edge).
fn peer_of(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<Authenticated>()
        .and_then(|a| a.peer)
        .or_else(|| {
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| a.ip())
        })
}

/// The answer to a CORS preflight: the browser may send the request, which
/// the firewall then judges.
fn preflight_ok() -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PATCH"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    with_cors(r)
}

/// The CORS headers every firewall answer carries, so a script in a browser
/// can read why it was refused.
fn with_cors(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After, X-Request-Id"),
    );
    r
}

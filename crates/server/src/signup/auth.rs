//! The signup surface's principal: the brand whose API key the request
//! carries, raw, as the `Authorization` value (no `Bearer`).
//!
//! [`Caller`] is the extractor every `api_key` operation takes; its rejection is
//! the catalogued 401 (IDV001). The key is looked up by its SHA-256 digest and
//! the stored digest compared again in constant time; a revoked key, or a key of
//! the other environment (sandbox or production) than this server's tier, is
//! refused like an unknown one. Failures follow the rule of every credential
//! kind (`guard::auth`): counted against the peer address, and an address over
//! its budget is refused with the 429 before any lookup.

use crate::app::AppState;
use crate::domain::secrets;
use crate::guard::auth::{Authenticated, failed};
use crate::guard::ratelimit::header_number;
use crate::signup::store::BrandRecord;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;
use idv_core::limits::headers::RETRY_AFTER;
use subtle::ConstantTimeEq;

/// The authenticated caller: a brand, through one of its keys.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The brand.
    pub brand: BrandRecord,
    /// The public id of the key used.
    pub key_id: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let Some(auth) = parts.extensions.get::<Authenticated>().cloned() else {
            panic!("a signup route ran outside edge::App: no Authenticated in the request");
        };
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let Some(key) = key else {
            return Err((auth.edge.unauthorized)());
        };
        let now_ms = st.clock.now_ms();
        if let Some(retry_after) = st.auth_failures.attempt(auth.peer, None, now_ms) {
            let mut r = (auth.edge.rate_limited)();
            r.headers_mut()
                .insert(RETRY_AFTER, header_number(retry_after));
            return Err(r);
        }
        let digest = secrets::digest(key);
        let found = st
            .store
            .get_api_key(digest.as_str())
            .await
            .map_err(|e| (auth.edge.internal)(e.to_string()))?;
        match found {
            Some((k, brand))
                if bool::from(k.key_digest.as_bytes().ct_eq(digest.as_str().as_bytes()))
                    && k.revoked_at.is_none()
                    && k.environment == st.tier.as_str()
                    && brand.environment == st.tier.as_str() =>
            {
                Ok(Caller {
                    brand,
                    key_id: k.key_id,
                })
            }
            _ => Err(failed(st, &auth, None)),
        }
    }
}

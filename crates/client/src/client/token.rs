//! The cached access token: fetched on first use, refreshed shortly before
//! expiry by one request however many callers wait for it.

use super::{Body, Call, Inner};
use crate::error::Error;
use crate::ops;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// An access token and when to refresh it.
#[derive(Debug)]
pub(super) struct Token {
    pub(super) value: String,
    pub(super) refresh_at: Instant,
}

/// The cached access token. Readers take the fast path under a short lock; a
/// refresh holds an async lock, so concurrent callers wait for one request.
#[derive(Debug, Default)]
pub(super) struct TokenCache {
    current: Mutex<Option<Arc<Token>>>,
    refresh: tokio::sync::Mutex<()>,
}

impl TokenCache {
    pub(super) fn fresh(&self) -> Option<Arc<Token>> {
        let cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        cur.as_ref()
            .filter(|t| Instant::now() < t.refresh_at)
            .cloned()
    }
    pub(super) fn invalidate(&self, used: &Arc<Token>) {
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if cur.as_ref().is_some_and(|c| Arc::ptr_eq(c, used)) {
            *cur = None;
        }
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl Inner {
    pub(super) async fn token(&self) -> Result<Arc<Token>, Error> {
        if let Some(t) = self.token.fresh() {
            return Ok(t);
        }
        let _guard = self.token.refresh.lock().await;
        if let Some(t) = self.token.fresh() {
            return Ok(t);
        }
        let creds = self.credentials.as_ref().ok_or_else(|| {
            Error::Config("possession calls need credentials: call credentials()".into())
        })?;
        let op = ops::possession::TOKEN;
        let call = Call {
            op,
            path: ops::path(op, &[])?,
            body: Body::Form(vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", creds.client_id.clone()),
                ("client_secret", creds.client_secret.clone()),
            ]),
            repeatable: true,
        };
        self.counters.token_fetches.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let resp: TokenResponse = Box::pin(self.execute(call)).await?;
        let lifetime = Duration::from_secs(
            resp.expires_in
                .unwrap_or(idv_core::limits::ACCESS_TOKEN_LIFETIME_SECONDS),
        );
        let margin = self.token_refresh_margin.min(lifetime / 2);
        let token = Arc::new(Token {
            value: resp.access_token,
            refresh_at: started + lifetime - margin,
        });
        *self.token.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        Ok(token)
    }
}

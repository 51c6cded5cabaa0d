//! [`ClientBuilder`], the credentials, and the presets of the hosted regions and
//! tiers.

use super::token::TokenCache;
use super::{Client, Counters, Inner};
use crate::deadline::Deadlines;
use crate::error::Error;
use crate::pacing::{Pacer, Pacing};
use crate::retry::{RetryBudget, RetryPolicy};
use crate::verification::ApiToken;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// OAuth2 client credentials of the possession surface (`POST /token`).
/// `Debug` never shows the secret.
///
/// ```
/// let c = idv_client::Credentials::new("idv_123", "s3cret");
/// assert!(!format!("{c:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
}

impl Credentials {
    /// Credentials from an id and a secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Credentials {
        Credentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Where a deployment's API lives: US or EU numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// United States and Canada.
    Us,
    /// Europe and international numbers.
    Eu,
}

/// Sandbox (test users, fixed codes) or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// The sandbox tier.
    Sandbox,
    /// The production tier.
    Production,
}

/// The base URL of a hosted deployment under `domain`, following the documented
/// host scheme: `platform`, then `uat` for the sandbox tier, then `eu` for the EU
/// region (`https://platform.uat.eu.example.com`).
///
/// ```
/// use idv_client::{Region, Tier, preset_url};
///
/// assert_eq!(preset_url("example.com", Region::Us, Tier::Production), "https://platform.example.com");
/// assert_eq!(preset_url("example.com", Region::Eu, Tier::Sandbox), "https://platform.uat.eu.example.com");
/// ```
pub fn preset_url(domain: &str, region: Region, tier: Tier) -> String {
    let tier = match tier {
        Tier::Sandbox => ".uat",
        Tier::Production => "",
    };
    let region = match region {
        Region::Us => "",
        Region::Eu => ".eu",
    };
    format!("https://platform{tier}{region}.{domain}")
}

/// Builds a [`Client`]. Only the base URL (or a preset) and, for possession calls,
/// the credentials (for verification calls, the workspace API token) are required.
///
/// ```
/// use std::time::Duration;
/// use idv_client::{Client, Credentials, Pacing};
///
/// let client = Client::builder()
///     .base_url("http://127.0.0.1:8080")
///     .credentials(Credentials::new("client-id", "client-secret"))
///     .timeout(Duration::from_secs(10))
///     .pacing(Pacing::Advertised)
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    credentials: Option<Credentials>,
    api_token: Option<ApiToken>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    pacing: Pacing,
    idempotency_keys: bool,
    token_refresh_margin: Duration,
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            base_url: None,
            credentials: None,
            api_token: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            user_agent: concat!("idv-client/", env!("CARGO_PKG_VERSION")).to_string(),
            retry: RetryPolicy::default(),
            pacing: Pacing::Off,
            idempotency_keys: true,
            token_refresh_margin: Duration::from_secs(60),
        }
    }
}

impl ClientBuilder {
    /// The server's base URL, e.g. `http://127.0.0.1:8080` (a trailing `/` is dropped).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into().trim_end_matches('/').to_string());
        self
    }
    /// The base URL of a hosted deployment under `domain` for `region` and `tier`
    /// (see [`preset_url`]). `https` needs the `rustls` feature.
    pub fn preset(self, domain: &str, region: Region, tier: Tier) -> Self {
        self.base_url(preset_url(domain, region, tier))
    }
    /// OAuth2 client credentials for the possession surface.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
    /// A workspace API token `<id>|<secret>` for the verification surface
    /// (`client.verification()`), sent as `Authorization: Bearer <id>|<secret>`.
    pub fn api_token(mut self, token: ApiToken) -> Self {
        self.api_token = Some(token);
        self
    }
    /// The longest one attempt may take, from sending to the end of the body
    /// (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// The longest connecting may take (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// The `User-Agent` header (default `idv-client/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }
    /// The retry settings (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Pacing (default [`Pacing::Off`]).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }
    /// Whether each POST carries an automatic `Idempotency-Key` (default `true`).
    /// Without it, a POST that may have reached the server (a timeout, a broken
    /// connection, a 5xx) is never retried.
    pub fn idempotency_keys(mut self, on: bool) -> Self {
        self.idempotency_keys = on;
        self
    }
    /// How long before its expiry an access token is replaced (default 60 s; at most
    /// half the token's lifetime).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }
    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = self
            .base_url
            .ok_or_else(|| Error::Config("no base URL: call base_url() or preset()".into()))?;
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!(
                "base URL {base:?} must start with http:// or https://"
            )));
        }
        let http = reqwest::Client::builder()
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: base.into(),
                credentials: self.credentials,
                api_token: self.api_token,
                timeout: self.timeout,
                deadlines: Deadlines::new(self.timeout),
                budget: RetryBudget::new(self.retry.budget),
                retry: self.retry,
                pacer: Pacer::new(self.pacing),
                retry_pacer: Pacer::advertised(),
                idempotency_keys: self.idempotency_keys,
                token: TokenCache::default(),
                token_refresh_margin: self.token_refresh_margin,
                rate_limit: Mutex::new(None),
                counters: Counters::default(),
            }),
        })
    }
}

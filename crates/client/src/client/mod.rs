//! The client, its builder, and the one loop every call goes through: pace, attach
//! credentials and the idempotency key, send, decode, and decide whether to retry.
//!
//! The builder and the presets are in `builder.rs`, the access-token cache in
//! `token.rs`.

mod builder;
mod token;

pub use builder::{ClientBuilder, Credentials, Region, Tier, preset_url};

use crate::deadline::Deadlines;
use crate::error::{Error, ResponseInfo, Timeout, TransportError, decode, undecodable};
use crate::pacing::Pacer;
use crate::retry::{RetryBudget, RetryPolicy};
use bytes::Bytes;
use idv_core::Retry;
use idv_core::limits::headers;
use idv_core::operation::{AuthKind, Method, Operation};
use idv_core::ratelimit::RateLimit;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use token::TokenCache;

/// Counters of what a client has done, for tests and dashboards.
///
/// ```
/// let client = idv_client::Client::builder().base_url("http://127.0.0.1:8080").build().unwrap();
/// assert_eq!(client.stats(), idv_client::Stats::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// HTTP requests sent (every attempt and every token request counts).
    pub requests: u64,
    /// Retries made (after waiting).
    pub retries: u64,
    /// 429 responses received (whether or not they were retried).
    pub rate_limited: u64,
    /// Access tokens fetched from `POST /token`.
    pub token_fetches: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    token_fetches: AtomicU64,
}

/// The idv SDK client. Cheap to clone (one `Arc`), safe to share across tasks: all
/// clones share the connection pool, the access token, the retry budget, the
/// pacer and the rate-limit snapshot.
///
/// Each surface's calls are on a handle it hands out: [`Client::possession`]
/// (see the `possession` module) and [`Client::verification`] (the
/// `verification` module); each call returns the typed response or an
/// [`Error`].
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The latest `X-RateLimit-*` values any response of this client carried.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        *self
            .inner
            .rate_limit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// What the client has done so far.
    pub fn stats(&self) -> Stats {
        let c = &self.inner.counters;
        Stats {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            token_fetches: c.token_fetches.load(Ordering::Relaxed),
        }
    }

    /// Backoff retries left in the shared budget.
    pub fn retry_budget(&self) -> f64 {
        self.inner.budget.remaining()
    }

    /// The possession surface's calls (`client.possession().start(&req)`): a
    /// borrowed handle, free to make, sharing everything with this client.
    pub fn possession(&self) -> crate::possession::Possession<'_> {
        crate::possession::Possession::new(self)
    }

    /// The verification surface's calls (`client.verification().create(..)`),
    /// authenticated by the workspace API token of
    /// [`ClientBuilder::api_token`]: a borrowed handle, free to make.
    pub fn verification(&self) -> crate::verification::VerificationApi<'_> {
        crate::verification::VerificationApi::new(self)
    }

    /// A valid access token: the cached one, or a new one from `POST /token`
    /// (one request at a time however many tasks ask).
    pub async fn access_token(&self) -> Result<String, Error> {
        Ok(self.inner.token().await?.value.clone())
    }
}

#[derive(Debug)]
pub(crate) struct Inner {
    http: reqwest::Client,
    /// Shared with every [`crate::ApiFailure`] decoded here, for its `docs_url()`.
    base: Arc<str>,
    credentials: Option<Credentials>,
    /// The workspace API token of the verification surface.
    api_token: Option<crate::verification::ApiToken>,
    timeout: Duration,
    deadlines: Deadlines,
    retry: RetryPolicy,
    budget: RetryBudget,
    pacer: Option<Pacer>,
    /// Spaces retries after 429 at the advertised limit (see `pacing.rs`).
    retry_pacer: Pacer,
    idempotency_keys: bool,
    token: TokenCache,
    token_refresh_margin: Duration,
    rate_limit: Mutex<Option<RateLimit>>,
    counters: Counters,
}

#[derive(Debug, Clone)]
pub(crate) enum Body {
    None,
    /// Serialized once; each attempt sends the same shared bytes.
    Json(Bytes),
    Form(Vec<(&'static str, String)>),
}

/// One logical call: what the retry loop sends, perhaps several times. Its
/// surface, method and authentication are those of its row in the operations
/// table (see `ops.rs`).
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) op: &'static Operation,
    /// The operation's path with its parameters filled in.
    pub(crate) path: Cow<'static, str>,
    pub(crate) body: Body,
    /// Whether sending it twice is harmless without a key (reads, `/token`).
    pub(crate) repeatable: bool,
}

/// A random (v4) UUID from the thread-local generator: no system call per key.
fn new_idempotency_key() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}
impl Inner {
    /// Sends `call` until it succeeds or the retry policy gives up, and decodes the
    /// 2xx body as `T`.
    pub(crate) async fn execute<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let key = (call.op.method == Method::Post
            && !call.repeatable
            && self.idempotency_keys
            && accepts_key(call.op))
        .then(new_idempotency_key);
        // The workspace API token, for the rows that take one.
        let api_token = match call.op.auth {
            AuthKind::PersonalAccessToken => Some(
                self.api_token
                    .as_ref()
                    .ok_or_else(|| {
                        Error::Config(format!(
                            "{} needs a workspace API token: call api_token()",
                            call.op.endpoint()
                        ))
                    })?
                    .expose(),
            ),
            _ => None,
        };
        let repeatable = call.repeatable || key.is_some();
        let policy = &self.retry;
        let (mut backoffs, mut rate_limited, mut refreshed) = (0u32, 0u32, false);
        loop {
            let token = match call.op.auth {
                AuthKind::AccessToken => Some(self.token().await?),
                // The token request carries its credentials in its body; the
                // sandbox stand-ins carry the flow's auth token in theirs.
                // The API token does not change between attempts (see above).
                AuthKind::Public | AuthKind::FlowAuthToken | AuthKind::PersonalAccessToken => None,
                other => {
                    return Err(Error::Config(format!(
                        "{} needs {other:?} authentication, which this client does not support yet",
                        call.op.endpoint()
                    )));
                }
            };
            if let Some(p) = &self.pacer {
                p.wait().await;
            }
            let err = match self
                .send_once(
                    &call,
                    token.as_deref().map(|t| t.value.as_str()).or(api_token),
                    key.as_deref(),
                )
                .await
            {
                Ok((info, body)) if (200..300).contains(&info.status) => {
                    self.budget.deposit();
                    return serde_json::from_slice(&body).map_err(|e| {
                        undecodable(info, &body, format!("unexpected response body: {e}"))
                    });
                }
                Ok((info, body)) => decode(call.op.surface, info, &body, Some(&self.base)),
                Err(e) => e,
            };
            if err.status() == Some(401) && !refreshed {
                if let Some(used) = &token {
                    // The token may have been revoked or expired early: one fresh
                    // token, then give up.
                    refreshed = true;
                    self.token.invalidate(used);
                    continue;
                }
            }
            let retry_class = err.retry_class();
            let wait = match retry_class {
                Retry::Never | Retry::AfterFix => return Err(err),
                Retry::AfterRetryAfter => {
                    rate_limited += 1;
                    if rate_limited >= policy.max_rate_limited_attempts {
                        return Err(err);
                    }
                    let after = err
                        .retry_after()
                        .unwrap_or_else(|| policy.backoff_ceiling(rate_limited - 1));
                    match policy.retry_after_wait(after) {
                        Some(w) => w,
                        None => return Err(err),
                    }
                }
                Retry::WithBackoff => {
                    let not_sent = matches!(&err, Error::Transport(t) if t.connect);
                    if !(repeatable || not_sent) {
                        return Err(err);
                    }
                    backoffs += 1;
                    if backoffs >= policy.max_attempts || !self.budget.withdraw() {
                        return Err(err);
                    }
                    match err.retry_after() {
                        Some(after) => match policy.retry_after_wait(after) {
                            Some(w) => w,
                            None => return Err(err),
                        },
                        None => policy.backoff(backoffs - 1),
                    }
                }
            };
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
            if retry_class == Retry::AfterRetryAfter {
                self.retry_pacer.wait().await;
            }
        }
    }

    /// One attempt: the response's status, headers and body, or the transport failure.
    async fn send_once(
        &self,
        call: &Call,
        token: Option<&str>,
        key: Option<&str>,
    ) -> Result<(ResponseInfo, Bytes), Error> {
        let url = format!("{}{}", self.base, call.path);
        let mut req = self.http.request(http_method(call.op.method), url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header(headers::IDEMPOTENCY_KEY, k);
        }
        req = match &call.body {
            Body::None => req,
            Body::Json(s) => req
                .header("Content-Type", "application/json")
                .body(s.clone()),
            Body::Form(f) => req.form(f),
        };
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let exchange = async {
            let resp = req.send().await.map_err(|e| self.transport(e))?;
            let status = resp.status().as_u16();
            let h = resp.headers();
            let info = ResponseInfo::from_headers(status, |name| {
                h.get(name).and_then(|v| v.to_str().ok())
            });
            if status == 429 {
                self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(rl) = info.rate_limit {
                *self.rate_limit.lock().unwrap_or_else(|e| e.into_inner()) = Some(rl);
                if let Some(p) = &self.pacer {
                    p.observe_limit(rl.limit);
                }
                self.retry_pacer.observe_limit(rl.limit);
            }
            let body = resp.bytes().await.map_err(|e| self.transport(e))?;
            Ok((info, body))
        };
        match self.deadlines.run(exchange).await {
            Some(result) => result,
            None => Err(Error::Timeout(Timeout {
                after: self.timeout,
            })),
        }
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        if e.is_timeout() && !e.is_connect() {
            return Error::Timeout(Timeout {
                after: self.timeout,
            });
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Error::Transport(TransportError {
            message,
            connect: e.is_connect(),
        })
    }
}

/// Whether a POST of `op` carries an `Idempotency-Key`: where its row says the
/// server honours one, and on every possession step, as before. The
/// verification surface honours none, so its POSTs carry no key and are resent
/// only when the call says repeating it is harmless (`Call::repeatable`), or
/// when the request was certainly not processed (a 429, a refused connection).
fn accepts_key(op: &Operation) -> bool {
    op.idempotent || op.surface == idv_core::Surface::Possession
}

/// The reqwest method of an operation's method.
fn http_method(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

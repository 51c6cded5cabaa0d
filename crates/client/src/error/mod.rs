//! The one error type of the SDK.
//!
//! Integrators get error handling wrong in the same few ways: they fail to parse a
//! code they have never seen, they lose the message, or they cannot tell "fix your
//! request" from "try again later". [`Error`] keeps every failure whole: a
//! catalogued API error carries its catalogue entry (so `resolution()`,
//! `docs_url()` and the retry class come from the same source as the server's
//! behaviour), an unknown code is kept as sent, and transport failures, timeouts
//! and undecodable bodies are their own variants. `Display` always shows a code
//! and a message.
//!
//! [`ApiFailure`], the catalogued case with its entry's accessors, is in `api.rs`.

mod api;

pub use api::ApiFailure;

use idv_core::ratelimit::{RateLimit, parse_retry_after};
use idv_core::wire::ParseError;
use idv_core::{ErrorId, Retry, Surface};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many bytes of an undecodable body [`Undecodable::body_prefix`] keeps.
pub const BODY_PREFIX_BYTES: usize = 512;

/// What the response said besides its body: the values every error variant that
/// came from a response keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseInfo {
    /// HTTP status.
    pub status: u16,
    /// The `X-Request-Id` header, to quote when contacting support.
    pub request_id: Option<String>,
    /// The `X-RateLimit-*` headers, when all three were present.
    pub rate_limit: Option<RateLimit>,
    /// The `Retry-After` header (delta seconds or an HTTP date), as a delay.
    pub retry_after: Option<Duration>,
}

impl ResponseInfo {
    /// Reads the headers the SDK cares about through `get` (a case-insensitive lookup).
    pub fn from_headers<'a>(status: u16, get: impl Fn(&str) -> Option<&'a str>) -> ResponseInfo {
        use idv_core::limits::headers;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        ResponseInfo {
            status,
            request_id: get(headers::X_REQUEST_ID).map(str::to_string),
            rate_limit: RateLimit::from_headers(&get),
            retry_after: get(headers::RETRY_AFTER)
                .and_then(|v| parse_retry_after(v, now))
                .map(Duration::from_secs),
        }
    }
}

/// A failed call. Every variant that came from a response keeps its
/// [`ResponseInfo`]; `Display` always shows a code and a message.
///
/// ```
/// use idv_client::{Error, ErrorId, Surface};
///
/// let body = br#"{"code": 8003, "message": "step called out of order", "next": {"v3-validate": "/v3/validate"}}"#;
/// let err = Error::from_response(Surface::Possession, 403, &[("X-Request-Id", "req-1")], body);
/// assert_eq!(err.to_string(), "8003: step called out of order");
/// assert_eq!(err.id(), Some(ErrorId::StepCalledOutOfOrder));
/// let api = err.api().unwrap();
/// assert_eq!(api.next().unwrap()["v3-validate"], "/v3/validate");
/// assert_eq!(api.request_id(), Some("req-1"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A catalogued API error.
    Api(Box<ApiFailure>),
    /// An error response this version of the catalogue does not know: kept whole.
    Unknown(Box<UnknownFailure>),
    /// The request could not be sent, or the connection broke before a response.
    Transport(TransportError),
    /// No complete response within the configured timeout.
    Timeout(Timeout),
    /// A response whose body could not be decoded.
    Undecodable(Box<Undecodable>),
    /// The client was configured wrongly (no base URL, an invalid header value).
    Config(String),
}

impl Error {
    /// Decodes an error response of `surface`: `headers` are (name, value) pairs
    /// (names compared case-insensitively) and `body` the raw bytes.
    ///
    /// A `signup` response carrying the firewall's body is decoded as a
    /// `firewall` error, since the firewall stands in front of that surface.
    ///
    /// Such an error does not know which server sent it, so its
    /// [`ApiFailure::docs_url`] is the server-relative path
    /// (`/docs/possession#identity_not_found`); errors returned by a
    /// [`crate::Client`] call carry the client's base URL.
    pub fn from_response(
        surface: Surface,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Error {
        let info = ResponseInfo::from_headers(status, |name| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        });
        decode(surface, info, body, None)
    }

    /// The catalogued error, if this is one.
    pub fn api(&self) -> Option<&ApiFailure> {
        match self {
            Error::Api(a) => Some(a),
            _ => None,
        }
    }

    /// The catalogue entry, if this is a catalogued API error.
    pub fn id(&self) -> Option<ErrorId> {
        self.api().map(ApiFailure::id)
    }

    /// The response's details, if the error came from a response.
    pub fn response(&self) -> Option<&ResponseInfo> {
        match self {
            Error::Api(a) => Some(&a.info),
            Error::Unknown(u) => Some(&u.info),
            Error::Undecodable(u) => Some(&u.info),
            _ => None,
        }
    }

    /// HTTP status, if the error came from a response.
    pub fn status(&self) -> Option<u16> {
        self.response().map(|r| r.status)
    }

    /// The wire code as text (`8003`, `OCE011`), when the response had one.
    pub fn code(&self) -> Option<String> {
        match self {
            Error::Api(a) => a.code().map(|c| c.to_string()),
            Error::Unknown(u) => u.code.clone(),
            _ => None,
        }
    }

    /// The message: the wire message for responses, a description otherwise.
    pub fn message(&self) -> String {
        match self {
            Error::Api(a) => a.message.clone(),
            Error::Unknown(u) => u.message.clone(),
            Error::Transport(t) => t.message.clone(),
            Error::Timeout(t) => format!("no response within {:?}", t.after),
            Error::Undecodable(u) => format!("undecodable body: {}", u.body_prefix_lossy()),
            Error::Config(m) => m.clone(),
        }
    }

    /// The `X-Request-Id` of the response, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.response().and_then(|r| r.request_id.as_deref())
    }

    /// The `Retry-After` delay of the response, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.response().and_then(|r| r.retry_after)
    }

    /// The rate-limit snapshot of the response, if it had one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.response().and_then(|r| r.rate_limit)
    }

    /// The retry class: the catalogue's for a catalogued error; otherwise derived
    /// from the status (429 waits for `Retry-After`, 5xx backs off) or, for
    /// transport failures and timeouts, backoff.
    pub fn retry_class(&self) -> Retry {
        match self {
            Error::Api(a) => a.retry(),
            Error::Unknown(u) => class_of_status(u.info.status),
            Error::Undecodable(u) => class_of_status(u.info.status),
            Error::Transport(_) | Error::Timeout(_) => Retry::WithBackoff,
            Error::Config(_) => Retry::Never,
        }
    }

    /// Whether waiting and sending the same request again can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.retry_class(),
            Retry::AfterRetryAfter | Retry::WithBackoff
        )
    }
}

fn class_of_status(status: u16) -> Retry {
    match status {
        429 => Retry::AfterRetryAfter,
        500 | 502 | 503 | 504 => Retry::WithBackoff,
        _ => Retry::Never,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(a) => a.fmt(f),
            Error::Unknown(u) => u.fmt(f),
            Error::Transport(t) => write!(f, "transport: {}", t.message),
            Error::Timeout(_) => write!(f, "timeout: {}", self.message()),
            Error::Undecodable(u) => write!(f, "HTTP {}: {}", u.info.status, self.message()),
            Error::Config(m) => write!(f, "config: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Unknown(u) => Some(&u.cause),
            _ => None,
        }
    }
}

/// An error response whose code or message this version of the catalogue does
/// not know (a newer server, or a proxy in between). Never a parse failure.
///
/// ```
/// use idv_client::{Error, Surface};
///
/// let err = Error::from_response(Surface::Possession, 400, &[], br#"{"code": 8099, "message": "new"}"#);
/// let Error::Unknown(u) = &err else { panic!() };
/// assert_eq!(u.code.as_deref(), Some("8099"));
/// assert_eq!(err.to_string(), "8099: new (code not in the catalogue; HTTP 400)");
/// ```
#[derive(Debug, Clone)]
pub struct UnknownFailure {
    /// The surface the request went to.
    pub surface: Surface,
    /// The wire code as sent, if the body had one.
    pub code: Option<String>,
    /// The message as sent.
    pub message: String,
    /// The whole body.
    pub body: Value,
    /// Status and headers.
    pub info: ResponseInfo,
    /// Why the catalogue lookup failed.
    pub cause: ParseError,
}

impl fmt::Display for UnknownFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(c) => write!(
                f,
                "{c}: {} (code not in the catalogue; HTTP {})",
                self.message, self.info.status
            ),
            None => write!(
                f,
                "HTTP {}: {} (not in the catalogue)",
                self.info.status, self.message
            ),
        }
    }
}

/// A request that could not be sent or whose connection broke.
#[derive(Debug, Clone)]
pub struct TransportError {
    /// What went wrong, in words.
    pub message: String,
    /// Whether the failure happened while connecting, so the request was
    /// certainly not sent.
    pub connect: bool,
}

/// No complete response within the configured timeout.
#[derive(Debug, Clone, Copy)]
pub struct Timeout {
    /// The timeout that ran out.
    pub after: Duration,
}

/// A response whose body could not be decoded.
#[derive(Debug, Clone)]
pub struct Undecodable {
    /// Status and headers.
    pub info: ResponseInfo,
    /// The first [`BODY_PREFIX_BYTES`] bytes of the body.
    pub body_prefix: Vec<u8>,
    /// Why decoding failed.
    pub reason: String,
}

impl Undecodable {
    /// The kept bytes as text (invalid UTF-8 replaced).
    pub fn body_prefix_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body_prefix).into_owned()
    }
}

pub(crate) fn undecodable(info: ResponseInfo, body: &[u8], reason: String) -> Error {
    Error::Undecodable(Box::new(Undecodable {
        info,
        body_prefix: body[..body.len().min(BODY_PREFIX_BYTES)].to_vec(),
        reason,
    }))
}

/// Decodes an error body of `surface` into an [`Error`]; `base` is the base URL
/// of the server that sent it, when known (for [`ApiFailure::docs_url`]).
pub(crate) fn decode(
    surface: Surface,
    info: ResponseInfo,
    body: &[u8],
    base: Option<&Arc<str>>,
) -> Error {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return undecodable(info, body, format!("not JSON: {e}")),
    };
    let surface = idv_core::wire::effective_surface(surface, &value);
    // `parse` refuses a body without a message, so the two arms that keep the
    // body have one.
    let message = |v: &Value| v["message"].as_str().unwrap_or_default().to_string();
    match idv_core::wire::parse(surface, info.status, &value) {
        Ok(error) => Error::Api(Box::new(ApiFailure {
            error,
            surface,
            message: message(&value),
            body: value,
            info,
            docs_base: base.cloned(),
        })),
        Err(ParseError::NotAnObject) | Err(ParseError::MissingMessage) => {
            let reason = "not an error body of this surface (no message)".to_string();
            undecodable(info, body, reason)
        }
        Err(cause) => {
            let code = idv_core::wire::wire_code(surface, &value);
            Error::Unknown(Box::new(UnknownFailure {
                surface,
                code,
                message: message(&value),
                body: value,
                info,
                cause,
            }))
        }
    }
}

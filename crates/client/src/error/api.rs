//! [`ApiFailure`]: a catalogued API error, with its catalogue entry (title,
//! resolution, docs link, retry class) and what the response said.

use super::ResponseInfo;
use idv_core::ratelimit::RateLimit;
use idv_core::wire::{ParamValue, ParseError};
use idv_core::{ApiError, CatalogError, ErrorId, Params, Retry, Surface, WireCode};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A catalogued API error, with the catalogue's entry and what the response said.
#[derive(Debug, Clone)]
pub struct ApiFailure {
    pub(super) error: ApiError,
    pub(super) surface: Surface,
    pub(super) message: String,
    pub(super) body: Value,
    pub(super) info: ResponseInfo,
    /// The base URL of the server that answered, when known.
    pub(super) docs_base: Option<Arc<str>>,
}

impl ApiFailure {
    /// The catalogue entry.
    pub fn id(&self) -> ErrorId {
        self.error.id
    }
    /// The surface whose dialect the body was in.
    pub fn surface(&self) -> Surface {
        self.surface
    }
    /// HTTP status, as received.
    pub fn status(&self) -> u16 {
        self.info.status
    }
    /// The wire code (`8003`, `OCE011`), `None` on codeless surfaces.
    pub fn code(&self) -> Option<WireCode> {
        self.error.id.meta().code
    }
    /// The message exactly as the server sent it.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The entry's short title.
    pub fn title(&self) -> &'static str {
        self.error.id.meta().title
    }
    /// What the caller should do, from the catalogue.
    pub fn resolution(&self) -> &'static str {
        self.error.id.meta().resolution
    }
    /// Where the server that answered documents this entry:
    /// `{base_url}/docs/{surface}#{entry}`, for example
    /// `http://127.0.0.1:8080/docs/possession#identity_not_found` (`idv serve`
    /// serves its reference under `/docs/`). An error decoded with
    /// [`Error::from_response`] knows no server, so this is then
    /// [`ApiFailure::docs_path`].
    ///
    /// ```
    /// use idv_client::{Error, Surface};
    ///
    /// let body = br#"{"code": 8011, "message": "identity not found"}"#;
    /// let err = Error::from_response(Surface::Possession, 404, &[], body);
    /// assert_eq!(err.api().unwrap().docs_url(), "/docs/possession#identity_not_found");
    /// ```
    pub fn docs_url(&self) -> String {
        format!(
            "{}{}",
            self.docs_base.as_deref().unwrap_or_default(),
            self.docs_path()
        )
    }
    /// The server-relative path of the entry's section in the reference
    /// (`/docs/possession#identity_not_found`): the page of the entry's surface,
    /// the entry's id as the anchor.
    pub fn docs_path(&self) -> String {
        let meta = self.error.id.meta();
        format!("/docs/{}#{}", meta.surface.name(), meta.name)
    }
    /// The catalogue's retry class.
    pub fn retry(&self) -> Retry {
        self.error.id.meta().retry
    }
    /// The `Retry-After` delay, if the response had one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.info.retry_after
    }
    /// The `X-Request-Id` of the response.
    pub fn request_id(&self) -> Option<&str> {
        self.info.request_id.as_deref()
    }
    /// The `X-RateLimit-*` snapshot of the response.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.info.rate_limit
    }
    /// Everything the response said besides the body.
    pub fn response(&self) -> &ResponseInfo {
        &self.info
    }
    /// The decoded parameters, keyed by the catalogue's param names.
    pub fn params(&self) -> &Params {
        &self.error.params
    }
    /// The decoded id and parameters as idv-core's [`ApiError`].
    pub fn api_error(&self) -> &ApiError {
        &self.error
    }
    /// The raw body.
    pub fn body(&self) -> &Value {
        &self.body
    }
    /// The error as a per-surface generated enum with typed fields, e.g.
    /// [`idv_core::PossessionError`].
    ///
    /// ```
    /// use idv_client::{Error, Surface};
    /// use idv_core::PossessionError;
    ///
    /// let body = br#"{"code": 8010, "message": "unauthorized for country: the project is not authorized for CA"}"#;
    /// let err = Error::from_response(Surface::Possession, 403, &[], body);
    /// match err.api().unwrap().typed::<PossessionError>().unwrap() {
    ///     PossessionError::UnauthorizedForCountry { reason } => {
    ///         assert_eq!(reason, "the project is not authorized for CA")
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn typed<E: CatalogError>(&self) -> Result<E, ParseError> {
        E::from_parts(self.error.id, &self.error.params)
    }
    /// A data member by its wire name (`next`, `additionalInputs`, …).
    pub fn data(&self, wire_name: &str) -> Option<&Value> {
        let p = self
            .error
            .id
            .meta()
            .params
            .iter()
            .find(|p| p.wire == Some(wire_name))?;
        self.error.params.get(p.name)
    }
    /// `next`: the calls allowed now (possession, 8003).
    pub fn next(&self) -> Option<BTreeMap<String, String>> {
        BTreeMap::from_param(self.data("next")?)
    }
    /// `additionalInputs` (signup).
    pub fn additional_inputs(&self) -> Option<&Value> {
        self.data("additionalInputs")
    }
    /// `inputAttemptsExceeded` (signup).
    pub fn input_attempts_exceeded(&self) -> Option<&Value> {
        self.data("inputAttemptsExceeded")
    }
    /// `riskSignals` (signup).
    pub fn risk_signals(&self) -> Option<&Value> {
        self.data("riskSignals")
    }
    /// The per-field messages of a validation error (`errors` of a 422 body).
    pub fn field_errors(&self) -> BTreeMap<String, Vec<String>> {
        self.body
            .get("errors")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let msgs = v
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (k.clone(), msgs)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            Some(c) => write!(f, "{c}: {}", self.message),
            None => write!(f, "HTTP {}: {}", self.info.status, self.message),
        }
    }
}

//! Rendering catalogued errors to each surface's wire dialect, and parsing them back.
//!
//! Every body idv sends is produced here from an entry and its parameters, and the
//! client decodes every body with [`parse`]. The catalogue's examples are the test
//! data: each one, rendered here, must equal its example and parse back to the same
//! entry and parameters (`tests/it/roundtrip.rs`).

use crate::json::omit_empty;
use crate::meta::{Dialect, EntryMeta, ParamMeta, ParamType, Retry, WireCode};
use crate::{ErrorId, STATUSES, Surface, template};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Parameter values of an error, keyed by param name.
pub type Params = Map<String, Value>;

/// The fixed `error` member of every firewall body (seed 002).
pub const FIREWALL_ERROR: &str = "Request blocked by firewall";

/// Why a body could not be decoded into a catalogued error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// The body is not a JSON object.
    #[error("the error body is not a JSON object")]
    NotAnObject,
    /// The body has no `message` string.
    #[error("the error body has no message")]
    MissingMessage,
    /// The code is not in this version of the catalogue.
    #[error("unknown error code {code}: {message}")]
    UnknownCode {
        /// The code as sent.
        code: String,
        /// The message as sent.
        message: String,
    },
    /// No codeless entry of the surface has this status and message.
    #[error("unknown error (HTTP {status}): {message}")]
    UnknownMessage {
        /// HTTP status.
        status: u16,
        /// The message as sent.
        message: String,
    },
    /// The entry belongs to another surface than the enum asked for.
    #[error("{id} is not an error of the {} surface", expected.name())]
    WrongSurface {
        /// The entry found.
        id: ErrorId,
        /// The surface asked for.
        expected: Surface,
    },
    /// A required parameter is missing or has the wrong type.
    #[error("{id}: parameter `{name}` is missing or has the wrong type")]
    BadParam {
        /// The entry.
        id: ErrorId,
        /// The parameter.
        name: &'static str,
    },
}

/// A catalogued error with its parameters: implemented by every generated
/// per-surface enum and by the surface-independent [`ApiError`].
pub trait CatalogError: Sized {
    /// The entry.
    fn id(&self) -> ErrorId;
    /// The parameter values, keyed by name.
    fn params(&self) -> Params;
    /// Builds the error from an entry and its parameters.
    fn from_parts(id: ErrorId, params: &Params) -> Result<Self, ParseError>;

    /// Everything the catalogue says about the entry.
    fn meta(&self) -> &'static EntryMeta {
        self.id().meta()
    }
    /// HTTP status.
    fn status(&self) -> u16 {
        self.meta().status
    }
    /// Wire code, if any.
    fn code(&self) -> Option<WireCode> {
        self.meta().code
    }
    /// Retry class.
    fn retry(&self) -> Retry {
        self.meta().retry
    }
    /// What the caller should do.
    fn resolution(&self) -> &'static str {
        self.meta().resolution
    }
    /// Path of the entry's section in the reference docs.
    fn docs_url(&self) -> &'static str {
        self.meta().docs
    }
    /// The rendered wire message.
    fn message(&self) -> String {
        render_message(self.meta(), &self.params())
    }
    /// The full wire body in the surface's dialect, omit-empty applied.
    fn body(&self) -> Value {
        render(self.meta(), &self.params())
    }
    /// Decodes a body of `surface` into this type.
    fn from_body(surface: Surface, status: u16, body: &Value) -> Result<Self, ParseError> {
        let e = parse(surface, status, body)?;
        Self::from_parts(e.id, &e.params)
    }
}

/// Any catalogued error, on any surface: an id and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The entry.
    pub id: ErrorId,
    /// Its parameter values.
    pub params: Params,
}

impl ApiError {
    /// An error without parameters (or with all of them to be added later).
    pub fn new(id: ErrorId) -> ApiError {
        ApiError {
            id,
            params: Params::new(),
        }
    }
    /// Adds a parameter.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> ApiError {
        self.params.insert(name.to_string(), value.into());
        self
    }
}

impl CatalogError for ApiError {
    fn id(&self) -> ErrorId {
        self.id
    }
    fn params(&self) -> Params {
        self.params.clone()
    }
    fn from_parts(id: ErrorId, params: &Params) -> Result<Self, ParseError> {
        Ok(ApiError {
            id,
            params: params.clone(),
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        display(self, f)
    }
}

impl std::error::Error for ApiError {}

/// `8003: step called out of order`, or `HTTP 404: Not Found.` for codeless entries.
pub fn display(e: &impl CatalogError, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    match e.code() {
        Some(c) => write!(f, "{c}: {}", e.message()),
        None => write!(f, "HTTP {}: {}", e.status(), e.message()),
    }
}

/// The text a param value takes in a message (lists are joined with ", ").
fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| text(Some(x)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// Renders the wire message of `meta` with `params`.
pub fn render_message(meta: &EntryMeta, params: &Params) -> String {
    template::render(meta.message, |name| text(params.get(name)))
}

fn feathers(status: u16) -> (&'static str, &'static str) {
    STATUSES
        .iter()
        .find(|s| s.status == status)
        .and_then(|s| s.feathers)
        .unwrap_or(("GeneralError", "general-error"))
}

fn wire_members(meta: &EntryMeta, params: &Params, into: &mut Map<String, Value>) {
    for p in meta.params {
        if let (Some(w), Some(v)) = (p.wire, params.get(p.name)) {
            into.insert(w.to_string(), v.clone());
        }
    }
}

/// Renders the full body of `meta` with `params` in its surface's dialect.
pub fn render(meta: &EntryMeta, params: &Params) -> Value {
    let message = render_message(meta, params);
    let mut body = Map::new();
    match meta.surface.dialect() {
        Dialect::CodeMessage => {
            match meta.code {
                Some(WireCode::Int(n)) => body.insert("code".into(), n.into()),
                Some(WireCode::Str(s)) => body.insert("code".into(), s.into()),
                None => None,
            };
            body.insert("message".into(), message.into());
            wire_members(meta, params, &mut body);
        }
        Dialect::MessageErrors => {
            body.insert("message".into(), message.clone().into());
            if let Some(field) = field_of(meta, params) {
                let mut errors = Map::new();
                errors.insert(field, Value::Array(vec![message.into()]));
                body.insert("errors".into(), errors.into());
            }
        }
        Dialect::Feathers => {
            let (name, class) = feathers(meta.status);
            body.insert("name".into(), name.into());
            body.insert("message".into(), message.into());
            body.insert("code".into(), meta.status.into());
            body.insert("className".into(), class.into());
            let mut data = Map::new();
            if let Some(c) = meta.code {
                data.insert("errorCode".into(), c.to_string().into());
            }
            wire_members(meta, params, &mut data);
            body.insert("data".into(), data.into());
        }
        Dialect::Firewall => {
            body.insert("error".into(), FIREWALL_ERROR.into());
            body.insert("message".into(), message.into());
        }
    }
    let mut v = Value::Object(body);
    omit_empty(&mut v);
    v
}

fn field_of(meta: &EntryMeta, params: &Params) -> Option<String> {
    let p = meta.params.iter().find(|p| p.ty == ParamType::Field)?;
    params
        .get(p.name)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// Renders several validation errors (`message_errors` dialect) as one 422 body:
/// the first message followed by `(and N more errors)`, and every message under
/// its field.
pub fn render_validation(errors: &[ApiError]) -> Value {
    let mut fields: Map<String, Value> = Map::new();
    let mut first = None;
    let mut count = 0usize;
    for e in errors {
        let msg = e.message();
        first.get_or_insert_with(|| msg.clone());
        count += 1;
        if let Some(f) = field_of(e.meta(), &e.params) {
            match fields.entry(f).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(a) => a.push(msg.into()),
                _ => unreachable!("inserted as an array"),
            }
        }
    }
    let mut message = first.unwrap_or_default();
    match count.saturating_sub(1) {
        0 => {}
        1 => message.push_str(" (and 1 more error)"),
        n => message.push_str(&format!(" (and {n} more errors)")),
    }
    let mut body = Map::new();
    body.insert("message".into(), message.into());
    body.insert("errors".into(), fields.into());
    let mut v = Value::Object(body);
    omit_empty(&mut v);
    v
}

/// Converts the text a message captured back into a typed value.
fn from_text(ty: ParamType, s: &str) -> Option<Value> {
    match ty {
        ParamType::String | ParamType::Field => Some(s.into()),
        ParamType::Integer => s.parse::<i64>().ok().map(Value::from),
        ParamType::StringList => Some(Value::Array(
            s.split(", ")
                .filter(|x| !x.is_empty())
                .map(|x| Value::String(x.to_string()))
                .collect(),
        )),
        ParamType::StringMap | ParamType::Json => None,
    }
}

/// Tries `meta` against a message; returns its params when the template matches.
fn match_entry(
    meta: &EntryMeta,
    message: &str,
    members: Option<&Map<String, Value>>,
    field: Option<&str>,
) -> Option<Params> {
    let caps = template::capture(meta.message, message)?;
    let mut params = Params::new();
    for p in meta.params {
        let from_wire = p.wire.and_then(|w| members.and_then(|m| m.get(w))).cloned();
        let value = match (from_wire, p.ty) {
            (Some(v), _) => Some(v),
            (None, ParamType::Field) if field.is_some() => field.map(Value::from),
            (None, _) if members.is_some() && omitted_value(p).is_some() => omitted_value(p),
            (None, ty) => caps
                .iter()
                .find(|(n, _)| *n == p.name)
                .and_then(|(_, t)| from_text(ty, t)),
        };
        match value {
            Some(v) => {
                params.insert(p.name.to_string(), v);
            }
            None if p.optional || p.ty == ParamType::Field => {}
            None => return None,
        }
    }
    Some(params)
}

fn check_params(id: ErrorId, params: &Params) -> Result<(), ParseError> {
    let bad = |p: &ParamMeta| ParseError::BadParam { id, name: p.name };
    for p in id.meta().params {
        match params.get(p.name) {
            None if p.optional || p.ty == ParamType::Field => {}
            None => return Err(bad(p)),
            Some(v) => {
                let ok = match p.ty {
                    ParamType::String | ParamType::Field => v.is_string(),
                    ParamType::Integer => v.is_i64(),
                    ParamType::StringList => {
                        v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
                    }
                    ParamType::StringMap => v
                        .as_object()
                        .is_some_and(|m| m.values().all(Value::is_string)),
                    ParamType::Json => true,
                };
                if !ok {
                    return Err(bad(p));
                }
            }
        }
    }
    Ok(())
}

/// Decodes an error body that `surface` sent with `status`.
///
/// Coded dialects are looked up by code (an unknown code is [`ParseError::UnknownCode`],
/// carrying the code and message as sent); codeless ones by status and message template.
pub fn parse(surface: Surface, status: u16, body: &Value) -> Result<ApiError, ParseError> {
    let surface = effective_surface(surface, body);
    let obj = body.as_object().ok_or(ParseError::NotAnObject)?;
    let message = obj
        .get("message")
        .and_then(Value::as_str)
        .ok_or(ParseError::MissingMessage)?;
    let dialect = surface.dialect();
    let candidates = || {
        ErrorId::ALL
            .iter()
            .copied()
            .filter(move |id| id.meta().surface.dialect() == dialect)
    };
    let by_code =
        |code_text: String, members: Option<&Map<String, Value>>| -> Result<ApiError, ParseError> {
            let id = candidates()
                .find(|id| {
                    id.meta().surface == surface
                        && id.meta().code.is_some_and(|c| c.to_string() == code_text)
                })
                .ok_or_else(|| ParseError::UnknownCode {
                    code: code_text.clone(),
                    message: message.to_string(),
                })?;
            let meta = id.meta();
            // The message is ours; if it does not match (a newer server reworded it), the
            // entry still stands and params come from the data members alone.
            let params = match_entry(meta, message, members, None).unwrap_or_else(|| {
                let mut p = Params::new();
                wire_params(meta, members, &mut p);
                p
            });
            check_params(id, &params)?;
            Ok(ApiError { id, params })
        };
    let by_message = |field: Option<&str>,
                      message: &str,
                      members: Option<&Map<String, Value>>|
     -> Result<ApiError, ParseError> {
        // The caller's surface first, then the others of the same dialect.
        let mut ids: Vec<ErrorId> = candidates()
            .filter(|id| id.meta().code.is_none() && id.meta().status == status)
            .collect();
        ids.sort_by_key(|id| id.meta().surface != surface);
        for id in ids {
            let meta = id.meta();
            if field.is_some() && !meta.params.iter().any(|p| p.ty == ParamType::Field) {
                continue;
            }
            if let Some(params) = match_entry(meta, message, members, field) {
                return Ok(ApiError { id, params });
            }
        }
        Err(ParseError::UnknownMessage {
            status,
            message: message.to_string(),
        })
    };
    match dialect {
        Dialect::CodeMessage => match wire_code(surface, body) {
            Some(code) => by_code(code, Some(obj)),
            None => by_message(None, message, Some(obj)),
        },
        Dialect::Feathers => {
            let data = obj.get("data").and_then(Value::as_object);
            match wire_code(surface, body) {
                Some(code) => by_code(code, data),
                None => Err(ParseError::UnknownCode {
                    code: String::new(),
                    message: message.to_string(),
                }),
            }
        }
        Dialect::MessageErrors => {
            let first = obj
                .get("errors")
                .and_then(Value::as_object)
                .and_then(|m| m.iter().next())
                .and_then(|(f, msgs)| {
                    msgs.as_array()
                        .and_then(|a| a.first())
                        .and_then(Value::as_str)
                        .map(|m| (f.as_str(), m))
                });
            match first {
                Some((field, msg)) => by_message(Some(field), msg, None),
                None => by_message(None, message, None),
            }
        }
        Dialect::Firewall => by_message(None, message, None),
    }
}

/// The surface whose dialect `body` is in. The firewall stands in front of
/// `signup` and answers with its own body, so a signup caller can receive a
/// firewall body; every other body is in the dialect of the surface called.
pub fn effective_surface(surface: Surface, body: &Value) -> Surface {
    if surface == Surface::Signup
        && body.get("error").and_then(Value::as_str) == Some(FIREWALL_ERROR)
    {
        Surface::Firewall
    } else {
        surface
    }
}

/// The wire code a body of `surface` carries, as text (`8003`, `OCE011`): the
/// `code` member on possession, `data.errorCode` on signup; `None` for the
/// codeless dialects and for a missing, empty or non-scalar code.
pub fn wire_code(surface: Surface, body: &Value) -> Option<String> {
    let code = match surface.dialect() {
        Dialect::CodeMessage => body.get("code"),
        Dialect::Feathers => body.get("data").and_then(|d| d.get("errorCode")),
        Dialect::MessageErrors | Dialect::Firewall => None,
    }?;
    match code {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn wire_params(meta: &EntryMeta, members: Option<&Map<String, Value>>, into: &mut Params) {
    for p in meta.params {
        match p.wire.and_then(|w| members.and_then(|m| m.get(w))) {
            Some(v) => {
                into.insert(p.name.to_string(), v.clone());
            }
            None => {
                if let Some(empty) = omitted_value(p) {
                    into.insert(p.name.to_string(), empty);
                }
            }
        }
    }
}

/// The value of a required parameter sent as a body member that the body does
/// not have: the omit-empty convention ([`omit_empty`]) leaves out a member whose
/// value is `{}`, `[]` or `null`, so an absent map is the empty map, an absent
/// list the empty list, and absent JSON is `null`. `None` for the other types and
/// for parameters that are not body members or are optional.
fn omitted_value(p: &ParamMeta) -> Option<Value> {
    if p.optional || p.wire.is_none() {
        return None;
    }
    match p.ty {
        ParamType::StringMap => Some(Value::Object(Map::new())),
        ParamType::StringList => Some(Value::Array(Vec::new())),
        ParamType::Json => Some(Value::Null),
        ParamType::String | ParamType::Integer | ParamType::Field => None,
    }
}

/// A Rust value that can be an error parameter.
pub trait ParamValue: Sized {
    /// As JSON; `None` leaves the parameter out.
    fn to_param(&self) -> Option<Value>;
    /// From JSON.
    fn from_param(v: &Value) -> Option<Self>;
}

impl ParamValue for String {
    fn to_param(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
    fn from_param(v: &Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
}

impl ParamValue for i64 {
    fn to_param(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
    fn from_param(v: &Value) -> Option<Self> {
        v.as_i64()
    }
}

impl ParamValue for Vec<String> {
    fn to_param(&self) -> Option<Value> {
        Some(Value::Array(
            self.iter().cloned().map(Value::String).collect(),
        ))
    }
    fn from_param(v: &Value) -> Option<Self> {
        v.as_array()?
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect()
    }
}

impl ParamValue for BTreeMap<String, String> {
    fn to_param(&self) -> Option<Value> {
        Some(Value::Object(
            self.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ))
    }
    fn from_param(v: &Value) -> Option<Self> {
        v.as_object()?
            .iter()
            .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    }
}

impl ParamValue for Value {
    fn to_param(&self) -> Option<Value> {
        Some(self.clone())
    }
    fn from_param(v: &Value) -> Option<Self> {
        Some(v.clone())
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn to_param(&self) -> Option<Value> {
        self.as_ref().and_then(T::to_param)
    }
    fn from_param(v: &Value) -> Option<Self> {
        T::from_param(v).map(Some)
    }
}

/// Used by generated code: stores a parameter.
pub fn put<T: ParamValue>(p: &mut Params, name: &str, v: &T) {
    if let Some(v) = v.to_param() {
        p.insert(name.to_string(), v);
    }
}

/// Used by generated code: reads a required parameter.
pub fn take<T: ParamValue>(p: &Params, name: &'static str, id: ErrorId) -> Result<T, ParseError> {
    p.get(name)
        .and_then(T::from_param)
        .ok_or(ParseError::BadParam { id, name })
}

/// Used by generated code: reads an optional parameter.
pub fn take_opt<T: ParamValue>(
    p: &Params,
    name: &'static str,
    id: ErrorId,
) -> Result<Option<T>, ParseError> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::from_param(v)
            .map(Some)
            .ok_or(ParseError::BadParam { id, name }),
    }
}

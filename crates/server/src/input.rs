//! Reading request bodies at the edge: JSON for the v3 operations, a form for
//! POST /token. Every problem becomes 8001 with a message that names the
//! parameter and the reason in our own words, never a parser's internal text.
//! A declared length over 4 KB never reaches the extractors: the edge
//! (`app::App`) answers it first; they cap what they read at 4 KB.

use crate::error::{Failure, Rendered, render_once};
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use idv_core::PossessionError;
use idv_core::limits::POSSESSION_MAX_BODY_BYTES;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The 8001 of a body over the catalogue's 4 KB limit.
fn over_limit_error() -> PossessionError {
    PossessionError::MalformedRequest {
        reasons: format!("body: must be at most {POSSESSION_MAX_BODY_BYTES} bytes"),
    }
}

/// The response to a request whose declared `Content-Length` is over the 4 KB
/// limit, answered at the edge (`app::App`) before routing. Its body never
/// changes, so it is rendered once.
pub fn over_limit_response() -> Response {
    static RENDERED: Rendered = OnceLock::new();
    render_once(&RENDERED, over_limit_error)
}

/// Reads a body of at most 4 KB (the catalogue's limit), or 8001.
pub async fn read_limited(body: Body) -> Result<axum::body::Bytes, Failure> {
    axum::body::to_bytes(body, POSSESSION_MAX_BODY_BYTES as usize)
        .await
        .map_err(|_| over_limit_error().into())
}

/// Whether the declared Content-Length is over the limit (a body sent without
/// one is capped while it is read, by [`read_limited`]).
pub fn declared_too_long(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|len| len > POSSESSION_MAX_BODY_BYTES)
}

fn content_type_is(headers: &HeaderMap, want: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| v == want || (want == "application/json" && v.ends_with("+json")))
}

/// A JSON object body.
#[derive(Debug, Clone)]
pub struct JsonBody(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Failure;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Failure> {
        if !content_type_is(req.headers(), "application/json") {
            return Err(Failure::malformed("Content-Type: must be application/json"));
        }
        let bytes = read_limited(req.into_body()).await?;
        parse_json_object(&bytes).map(JsonBody)
    }
}

/// Parses a JSON object, or 8001 saying where the JSON breaks.
pub fn parse_json_object(bytes: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Failure::malformed("body: must be a JSON object")),
        Err(e) if e.is_eof() && bytes.iter().all(u8::is_ascii_whitespace) => {
            Err(Failure::malformed("body: is required (a JSON object)"))
        }
        Err(e) => Err(Failure::malformed(format!(
            "body: is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))),
    }
}

/// A form-encoded body (POST /token).
#[derive(Debug, Clone)]
pub struct FormBody(pub Vec<(String, String)>);

impl FormBody {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequest<S> for FormBody {
    type Rejection = Failure;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Failure> {
        if !content_type_is(req.headers(), "application/x-www-form-urlencoded") {
            return Err(Failure::malformed(
                "Content-Type: must be application/x-www-form-urlencoded",
            ));
        }
        let bytes = read_limited(req.into_body()).await?;
        Ok(FormBody(parse_form(&bytes)))
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    bytes
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let k = decode(it.next().unwrap_or_default());
            let v = decode(it.next().unwrap_or_default());
            (k, v)
        })
        .collect()
}

fn decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => {
                let hex = std::str::from_utf8(&s[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Typed access to the members of a JSON object, collecting every problem so
/// one 8001 names them all.
pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    reasons: Vec<String>,
}

impl<'a> Fields<'a> {
    /// Starts reading `obj`.
    pub fn new(obj: &'a Map<String, Value>) -> Fields<'a> {
        Fields {
            obj,
            reasons: Vec::new(),
        }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.obj.get(name).filter(|v| !v.is_null())
    }

    /// Records a problem with `name`.
    pub fn invalid(&mut self, name: &str, why: impl std::fmt::Display) {
        self.reasons.push(format!("{name}: {why}"));
    }

    /// An optional string.
    pub fn opt_str(&mut self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.invalid(name, "must be a string");
                None
            }
        }
    }

    /// A required, non-empty string.
    pub fn req_str(&mut self, name: &str) -> Option<String> {
        match self.get(name) {
            None => {
                self.invalid(name, "is required");
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.invalid(name, "is required");
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.invalid(name, "must be a string");
                None
            }
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.invalid(name, "must be true or false");
                None
            }
        }
    }

    /// An optional object.
    pub fn opt_object(&mut self, name: &str) -> Option<&'a Map<String, Value>> {
        match self.get(name)? {
            Value::Object(m) => Some(m),
            _ => {
                self.invalid(name, "must be an object");
                None
            }
        }
    }

    /// An optional array.
    pub fn opt_array(&mut self, name: &str) -> Option<&'a Vec<Value>> {
        match self.get(name)? {
            Value::Array(a) => Some(a),
            _ => {
                self.invalid(name, "must be an array");
                None
            }
        }
    }

    /// Whether a problem was recorded.
    pub fn has_errors(&self) -> bool {
        !self.reasons.is_empty()
    }

    /// Ok, or 8001 naming every problem.
    pub fn finish(self) -> Result<(), Failure> {
        if self.reasons.is_empty() {
            Ok(())
        } else {
            Err(Failure::malformed(self.reasons.join("; ")))
        }
    }

    /// Moves the problems of `other` (a nested object) into this one, prefixed.
    pub fn absorb(&mut self, prefix: &str, other: Fields<'_>) {
        for r in other.reasons {
            self.reasons.push(format!("{prefix}.{r}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(
            parse_form(b"a=b+c&d=%2Fx%3D&e"),
            vec![
                ("a".into(), "b c".into()),
                ("d".into(), "/x=".into()),
                ("e".into(), String::new())
            ]
        );
        assert_eq!(parse_form(b"a=%zz%")[0].1, "%zz%");
    }
}

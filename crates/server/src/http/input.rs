//! Reading request bodies within the surface's limits: JSON objects, and forms
//! (possession's POST /token). Every problem becomes the surface's "malformed
//! request" error ([`SurfaceInput::malformed`]) with a message that names the
//! parameter and the reason in our own words, never a parser's internal text.
//! A declared length over the limit never reaches the readers: the edge
//! (`edge::App`) answers it first; they cap what they read at the same limit.
//!
//! [`Json<T>`] is the typed extractor: it reads the object and hands it to
//! `T::parse` ([`ParseJson`]), which checks every field with [`Fields`] and
//! returns the operation's request struct, or one error naming every problem.

use crate::http::error::{Failure, SurfaceError};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// What the body readers need of a surface: its limit and its "malformed
/// request" error.
pub trait SurfaceInput: SurfaceError {
    /// The largest body, in bytes.
    const MAX_BODY: u64;
    /// The error naming why a request is malformed (possession: 8001).
    fn malformed(reasons: String) -> Self;
}

/// The surface's error for a body over its limit.
pub fn over_limit<E: SurfaceInput>() -> E {
    E::malformed(format!("body: must be at most {} bytes", E::MAX_BODY))
}

/// The malformed-request failure of surface `E`.
pub fn malformed<E: SurfaceInput>(reasons: impl Into<String>) -> Failure<E> {
    Failure::Api(E::malformed(reasons.into()))
}

/// Reads a body of at most `E::MAX_BODY` bytes, or the surface's over-limit error.
pub async fn read_limited<E: SurfaceInput>(body: Body) -> Result<Bytes, Failure<E>> {
    read_at_most(body, E::MAX_BODY)
        .await
        .map_err(|()| Failure::Api(over_limit::<E>()))
}

/// Reads a body of at most `limit` bytes (`Err` when it is longer or breaks off).
pub async fn read_at_most(body: Body, limit: u64) -> Result<Bytes, ()> {
    axum::body::to_bytes(body, limit as usize)
        .await
        .map_err(|_| ())
}

/// Whether the declared Content-Length is over `limit` (a body sent without one
/// is capped while it is read, by [`read_limited`]).
pub fn declared_too_long(headers: &HeaderMap, limit: u64) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|len| len > limit)
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

/// An operation's request, parsed from its JSON object body.
pub trait ParseJson: Sized {
    /// The surface's error enum.
    type Error: SurfaceInput;
    /// Checks every field, naming every problem in one malformed-request error.
    fn parse(body: &Map<String, Value>) -> Result<Self, Failure<Self::Error>>;
}

/// The typed JSON extractor: a JSON object body parsed into `T`.
#[derive(Debug, Clone)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: ParseJson> FromRequest<S> for Json<T> {
    type Rejection = Failure<T::Error>;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let body = read_json_object::<T::Error>(req).await?;
        T::parse(&body).map(Json)
    }
}

/// Reads a JSON object body of the right content type, or the surface's
/// malformed-request error.
pub async fn read_json_object<E: SurfaceInput>(
    req: Request,
) -> Result<Map<String, Value>, Failure<E>> {
    if !content_type_is(req.headers(), "application/json") {
        return Err(malformed("Content-Type: must be application/json"));
    }
    let bytes = read_limited::<E>(req.into_body()).await?;
    parse_json_object(&bytes)
}

/// Parses a JSON object, or the malformed-request error saying where the JSON breaks.
pub fn parse_json_object<E: SurfaceInput>(bytes: &[u8]) -> Result<Map<String, Value>, Failure<E>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(malformed("body: must be a JSON object")),
        Err(e) if e.is_eof() && bytes.iter().all(u8::is_ascii_whitespace) => {
            Err(malformed("body: is required (a JSON object)"))
        }
        Err(e) => Err(malformed(format!(
            "body: is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))),
    }
}

/// A form-encoded body's pairs, in order.
#[derive(Debug, Clone, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a form-encoded body of the right content type, or the surface's
/// malformed-request error.
pub async fn read_form<E: SurfaceInput>(
    body: Body,
    headers: &HeaderMap,
) -> Result<Form, Failure<E>> {
    if !content_type_is(headers, "application/x-www-form-urlencoded") {
        return Err(malformed(
            "Content-Type: must be application/x-www-form-urlencoded",
        ));
    }
    let bytes = read_limited::<E>(body).await?;
    Ok(Form(parse_form(&bytes)))
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    bytes
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let k = decode_component(it.next().unwrap_or_default());
            let v = decode_component(it.next().unwrap_or_default());
            (k, v)
        })
        .collect()
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space,
/// `%XX` a byte; a broken escape is kept as written).
pub fn decode_component(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            // Exactly two hex digits (`u8::from_str_radix` would also take a
            // sign, so `%+D` decoded to a byte: found by the `form` fuzz target).
            b'%' if i + 2 < s.len()
                && s[i + 1].is_ascii_hexdigit()
                && s[i + 2].is_ascii_hexdigit() =>
            {
                let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(s[i + 1]) << 4 | hex(s[i + 2]));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Typed access to the members of a JSON object, collecting every problem so
/// one malformed-request error names them all.
/// `E` is the surface's error enum, whose malformed-request error the
/// problems become.
pub struct Fields<'a, E> {
    obj: &'a Map<String, Value>,
    reasons: Vec<String>,
    surface: PhantomData<fn() -> E>,
}

impl<'a, E: SurfaceInput> Fields<'a, E> {
    /// Starts reading `obj`.
    pub fn new(obj: &'a Map<String, Value>) -> Fields<'a, E> {
        Fields {
            obj,
            reasons: Vec::new(),
            surface: PhantomData,
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

    /// Ok, or the surface's malformed-request error naming every problem.
    pub fn finish(self) -> Result<(), Failure<E>> {
        if self.reasons.is_empty() {
            Ok(())
        } else {
            Err(self.reject())
        }
    }

    /// The surface's malformed-request error naming every problem recorded.
    ///
    /// Every accessor that gives `None` for a required value has recorded why,
    /// so a request whose required values are not all there is rejected with its
    /// reasons: `let (Some(a), Some(b)) = (a, b) else { return Err(f.reject()) }`.
    pub fn reject(self) -> Failure<E> {
        malformed(self.reasons.join("; "))
    }

    /// Moves the problems of `other` (a nested object) into this one, prefixed.
    pub fn absorb(&mut self, prefix: &str, other: Fields<'_, E>) {
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
        // A sign is not a hex digit (found by fuzzing): `%+D` stays as it is,
        // its `+` a space, as every form decoder reads it.
        assert_eq!(parse_form(b"s=%+D")[0].1, "% D");
        assert_eq!(parse_form(b"s=%-1")[0].1, "%-1");
        assert_eq!(parse_form(b"s=%4a%4A")[0].1, "JJ");
    }
}

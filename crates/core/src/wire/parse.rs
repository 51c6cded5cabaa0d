//! Parsing a body of any dialect back to its catalogue entry and parameters.

use super::{ApiError, FIREWALL_ERROR, Params, ParseError};
use crate::meta::{Dialect, EntryMeta, ParamMeta, ParamType};
use crate::{ErrorId, Surface, template};
use serde_json::{Map, Value};

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

//! Rendering an entry and its parameters to the body of its surface's dialect.

use super::{ApiError, CatalogError, FIREWALL_ERROR, Params};
use crate::json::omit_empty;
use crate::meta::{Dialect, EntryMeta, ParamType, WireCode};
use crate::{STATUSES, template};
use serde_json::{Map, Value};

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

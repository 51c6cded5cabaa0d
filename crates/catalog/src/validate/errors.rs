//! Rules for error entries: ids, codes and statuses, templates, params and the
//! catalogued examples of each entry.

use super::is_snake;
use crate::model::*;
use crate::template;
use crate::{Catalog, Diagnostic};
use std::collections::HashMap;

pub(super) fn errors(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut ids: HashMap<&str, &ErrorEntry> = HashMap::new();
    let mut codes: HashMap<(&str, String), &ErrorEntry> = HashMap::new();
    for e in &cat.errors {
        let o = &e.origin;
        let first_at = |other: &ErrorEntry| {
            let f = &cat.files[other.origin.file];
            let p = cat.diag_at(&other.origin, "id", "");
            format!("{}:{}:{}", f.path, p.pos.line, p.pos.col)
        };
        if !is_snake(&e.id) {
            d.push(cat.diag_at(
                o,
                "id",
                format!(
                    "id `{}` is not snake_case; use lower_case_with_underscores",
                    e.id
                ),
            ));
        }
        if let Some(prev) = ids.insert(&e.id, e) {
            d.push(cat.diag_at(o, "id", format!(
                "duplicate id `{}` (first at {}); ids are unique across all surfaces, rename one",
                e.id,
                first_at(prev)
            )));
        }
        let Some(surface) = cat.surface(&e.surface) else {
            continue;
        };
        // Codes.
        match (&e.code, surface.dialect) {
            (Some(c), Dialect::MessageErrors | Dialect::Firewall) => d.push(cat.diag_at(o, "code", format!(
                "the {} surface has no wire codes but `{}` has code {c}; remove `code`",
                surface.name, e.id
            ))),
            (Some(Code::Str(c)), Dialect::CodeMessage) => d.push(cat.diag_at(o, "code", format!(
                "possession codes are numbers but `{c}` is text; write the number without quotes"
            ))),
            (Some(Code::Int(c)), Dialect::Feathers) => d.push(cat.diag_at(o, "code", format!(
                "signup codes are three letters and three digits but `{c}` is a number; write it like \"OCE011\""
            ))),
            (Some(Code::Str(c)), Dialect::Feathers)
                if !(c.len() == 6 && c[..3].chars().all(|x| x.is_ascii_uppercase()) && c[3..].chars().all(|x| x.is_ascii_digit())) =>
            {
                d.push(cat.diag_at(o, "code", format!("signup code `{c}` must be three capital letters and three digits, like OCE011")))
            }
            (None, Dialect::Feathers) => d.push(cat.diag_at(o, "id", format!(
                "signup entry `{}` has no code; the Feathers body needs data.errorCode, add `code:`",
                e.id
            ))),
            _ => {}
        }
        if let Some(c) = &e.code {
            if let Some(prev) = codes.insert((e.surface.as_str(), c.to_string()), e) {
                d.push(cat.diag_at(o, "code", format!(
                    "duplicate {} code {c}: `{}` (at {}) already uses it; codes are unique per surface, pick another",
                    e.surface,
                    prev.id,
                    first_at(prev)
                )));
            }
            if cat
                .retired
                .iter()
                .any(|(s, r, _)| s == &e.surface && &r.code == c)
            {
                d.push(cat.diag_at(
                    o,
                    "code",
                    format!("code {c} is retired and can never be reused; pick a new code"),
                ));
            }
        }
        // Status.
        match cat.status(e.status) {
            None => d.push(cat.diag_at(o, "status", format!(
                "status {} is not in catalog/statuses.yaml; add it there or use a listed status",
                e.status
            ))),
            Some(_) if e.status < 400 => d.push(cat.diag_at(o, "status", format!(
                "errors must have a 4xx or 5xx status, not {}; fix the status",
                e.status
            ))),
            Some(s) if surface.dialect == Dialect::Feathers && s.feathers.is_none() => d.push(cat.diag_at(o, "status", format!(
                "status {} has no `feathers:` name in catalog/statuses.yaml, which the signup body needs; add one",
                e.status
            ))),
            _ => {}
        }
        // Text.
        for (field, value) in [
            ("title", &e.title),
            ("message", &e.message),
            ("description", &e.description),
            ("resolution", &e.resolution),
            ("since", &e.since),
        ] {
            if value.trim().is_empty() {
                d.push(cat.diag_at(
                    o,
                    field,
                    format!("`{}` has an empty {field}; write it", e.id),
                ));
            }
        }
        if e.causes.is_empty() || e.causes.iter().any(|c| c.trim().is_empty()) {
            d.push(cat.diag_at(
                o,
                "causes",
                format!(
                    "`{}` needs at least one non-empty cause; list why it happens",
                    e.id
                ),
            ));
        }
        if e.examples.is_empty() {
            d.push(cat.diag_at(
                o,
                "id",
                format!(
                    "`{}` has no example; add an `examples:` item with the full body",
                    e.id
                ),
            ));
        }
        // Retry and headers.
        if e.status == 429 && e.retry != Retry::AfterRetryAfter {
            d.push(cat.diag_at(
                o,
                "retry",
                format!(
                    "`{}` is a 429, so its retry class must be after_retry_after",
                    e.id
                ),
            ));
        }
        if e.status == 429 && !e.headers.iter().any(|h| h == "retry_after") {
            d.push(cat.diag_at(
                o,
                "headers",
                format!(
                    "`{}` is a 429, so it must carry the retry_after header; add it to `headers:`",
                    e.id
                ),
            ));
        }
        for (j, h) in e.headers.iter().enumerate() {
            if cat.header(h).is_none() {
                d.push(cat.diag_at(
                    o,
                    &format!("headers.{j}"),
                    format!("header `{h}` is not in catalog/limits.yaml; add it or fix the id"),
                ));
            }
        }
        // Deprecation.
        if let Some(dep) = &e.deprecated
            && (dep.replacement == e.id || cat.error(&dep.replacement).is_none())
        {
            d.push(cat.diag_at(
                o,
                "deprecated.replacement",
                format!(
                    "deprecated `{}` must name an existing other entry as replacement, not `{}`",
                    e.id, dep.replacement
                ),
            ));
        }
        params(cat, e, surface, d);
        examples(cat, e, surface, d);
    }
}

fn params(cat: &Catalog, e: &ErrorEntry, surface: &Surface, d: &mut Vec<Diagnostic>) {
    let o = &e.origin;
    let used: Vec<&str> = template::params(&e.message);
    let segs = template::parse(&e.message);
    if segs.windows(2).any(|w| {
        matches!(
            w,
            [template::Segment::Param(_), template::Segment::Param(_)]
        )
    }) {
        d.push(cat.diag_at(o, "message", "two placeholders touch in the message, so they cannot be parsed back; put text between them"));
    }
    for p in &used {
        match e.params.get(*p) {
            None => d.push(cat.diag_at(o, "message", format!(
                "the message uses `{{{p}}}` but `{p}` is not declared; add it under `params:` with a type"
            ))),
            Some(param) if !param.ty.in_message() => d.push(cat.diag_at(o, &format!("params.{p}.type"), format!(
                "`{p}` is used in the message but its type cannot be written as text; use string, integer, string_list or field"
            ))),
            Some(param) if param.optional => d.push(cat.diag_at(o, &format!("params.{p}.optional"), format!(
                "`{p}` is used in the message, so it cannot be optional; remove `optional: true`"
            ))),
            _ => {}
        }
    }
    let mut fields = 0;
    for (name, p) in &e.params {
        let at = format!("params.{name}");
        if !is_snake(name) {
            d.push(cat.diag_at(
                o,
                &at,
                format!("param `{name}` is not snake_case; rename it"),
            ));
        }
        if !used.contains(&name.as_str()) && p.wire.is_none() && p.ty != ParamType::Field {
            d.push(cat.diag_at(o, &at, format!(
                "param `{name}` is declared but neither used in the message nor sent as data; use `{{{name}}}` in the message, add `wire:`, or remove it"
            )));
        }
        if p.ty == ParamType::Field {
            fields += 1;
            if surface.dialect != Dialect::MessageErrors {
                d.push(cat.diag_at(o, &format!("{at}.type"), format!(
                    "a `field` param only exists in the message_errors dialect, not on {}; use `string`",
                    surface.name
                )));
            }
        }
        if let Some(w) = &p.wire {
            let reserved: &[&str] = match surface.dialect {
                Dialect::CodeMessage => &["code", "message"],
                Dialect::Feathers => &["errorCode"],
                Dialect::MessageErrors => &["message", "errors"],
                Dialect::Firewall => &["error", "message"],
            };
            if reserved.contains(&w.as_str()) || w.is_empty() {
                d.push(cat.diag_at(
                    o,
                    &format!("{at}.wire"),
                    format!(
                        "`{w}` is a reserved member of the {} body; choose another wire name",
                        surface.name
                    ),
                ));
            }
            if surface.dialect == Dialect::Firewall || surface.dialect == Dialect::MessageErrors {
                d.push(cat.diag_at(
                    o,
                    &format!("{at}.wire"),
                    format!(
                        "the {} body has no data members; remove `wire:`",
                        surface.name
                    ),
                ));
            }
        }
    }
    if fields > 1 {
        d.push(cat.diag_at(
            o,
            "params",
            "an entry can name at most one `field` param; keep one",
        ));
    }
}

/// Checks each example against its entry: params declared and well typed, body code,
/// status and message agree with the entry. (The exact body is checked by idv-core's
/// round-trip test, which renders it with the runtime code.)
fn examples(cat: &Catalog, e: &ErrorEntry, surface: &Surface, d: &mut Vec<Diagnostic>) {
    for (i, ex) in e.examples.iter().enumerate() {
        let at = |f: &str| format!("examples.{i}.{f}");
        for (k, v) in &ex.params {
            match e.params.get(k) {
                None => d.push(cat.diag_at(
                    &e.origin,
                    &at(&format!("params.{k}")),
                    format!(
                        "example param `{k}` is not declared by `{}`; declare it or remove it",
                        e.id
                    ),
                )),
                Some(p) if !type_ok(p.ty, v) => d.push(cat.diag_at(
                    &e.origin,
                    &at(&format!("params.{k}")),
                    format!(
                        "example param `{k}` is not a valid {:?} value; fix the value",
                        p.ty
                    ),
                )),
                _ => {}
            }
        }
        for (k, p) in &e.params {
            if !p.optional && !ex.params.contains_key(k) {
                d.push(cat.diag_at(
                    &e.origin,
                    &at("params"),
                    format!("the example lacks the required param `{k}`; give it a value"),
                ));
            }
        }
        let rendered = template::render(&e.message, |p| {
            ex.params.get(p).map(text).unwrap_or_default()
        });
        let body = &ex.body;
        let got_message = body.get("message").and_then(|m| m.as_str());
        if got_message != Some(rendered.as_str()) {
            d.push(cat.diag_at(
                &e.origin,
                &at("body.message"),
                format!(
                    "the example message is {:?} but the template renders {:?}; make them equal",
                    got_message.unwrap_or("<missing>"),
                    rendered
                ),
            ));
        }
        let code_ok = match surface.dialect {
            Dialect::CodeMessage => match (&e.code, body.get("code")) {
                (Some(Code::Int(c)), Some(v)) => v.as_u64() == Some(u64::from(*c)),
                (None, None) => true,
                _ => false,
            },
            Dialect::Feathers => {
                body.get("code").and_then(|v| v.as_u64()) == Some(u64::from(e.status))
                    && body.pointer("/data/errorCode").and_then(|v| v.as_str())
                        == e.code.as_ref().map(|c| c.to_string()).as_deref()
            }
            _ => true,
        };
        if !code_ok {
            d.push(cat.diag_at(&e.origin, &at("body"), format!(
                "the example body's code does not agree with the entry (code {}, status {}); fix the body",
                e.code.as_ref().map(|c| c.to_string()).unwrap_or_else(|| "none".into()),
                e.status
            )));
        }
        if !body.is_object() {
            d.push(cat.diag_at(
                &e.origin,
                &at("body"),
                "the example body must be a JSON object",
            ));
        }
    }
}

fn type_ok(ty: ParamType, v: &serde_json::Value) -> bool {
    match ty {
        ParamType::String | ParamType::Field => v.is_string(),
        ParamType::Integer => v.is_i64() || v.is_u64(),
        ParamType::StringList => v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.is_string())),
        ParamType::StringMap => v
            .as_object()
            .is_some_and(|m| m.values().all(|x| x.is_string())),
        ParamType::Json => true,
    }
}

/// The message text of a param value (lists are joined with ", ").
pub fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

//! The catalogue's rules (DESIGN section 3). Each rule reports where the problem is
//! and what to do; `tests/it/validate.rs` has a small bad catalogue for every rule.

use crate::model::*;
use crate::template;
use crate::{Catalog, Diagnostic};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Runs every rule; an empty result means the catalogue is valid.
pub fn validate(cat: &Catalog) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    surfaces(cat, &mut d);
    statuses(cat, &mut d);
    limits(cat, &mut d);
    errors(cat, &mut d);
    retired(cat, &mut d);
    outcomes(cat, &mut d);
    troubleshooting(cat, &mut d);
    operations(cat, &mut d);
    endpoints(cat, &mut d);
    d
}

fn is_snake(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(x) if x.is_ascii_lowercase())
        && s.chars()
            .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
        && !s.contains("__")
        && !s.ends_with('_')
}

fn surfaces(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, s) in cat.surfaces.iter().enumerate() {
        let at = |f: &str| format!("surfaces.{i}.{f}");
        if !seen.insert(s.name.as_str()) {
            d.push(cat.diag_surfaces(
                &at("name"),
                format!("surface `{}` is declared twice; keep one", s.name),
            ));
        }
        for (j, st) in s.statuses.iter().enumerate() {
            if cat.status(*st).is_none() {
                d.push(cat.diag_surfaces(&at(&format!("statuses.{j}")), format!(
                    "status {st} is not in catalog/statuses.yaml; add it there or remove it here"
                )));
            }
        }
        for (j, h) in s.headers.iter().enumerate() {
            if cat.header(h).is_none() {
                d.push(cat.diag_surfaces(&at(&format!("headers.{j}")), format!(
                    "header `{h}` is not in catalog/limits.yaml; add it under `headers:` or fix the id"
                )));
            }
        }
        if s.description.trim().is_empty() {
            d.push(cat.diag_surfaces(
                &at("description"),
                "the description is empty; write a paragraph for the reference page",
            ));
        }
    }
}

fn statuses(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, s) in cat.statuses.iter().enumerate() {
        let at = |f: &str| format!("statuses.{i}.{f}");
        if !(100..=599).contains(&s.status) {
            d.push(cat.diag_statuses(
                &at("status"),
                format!("{} is not an HTTP status; use 100 to 599", s.status),
            ));
        }
        if !seen.insert(s.status) {
            d.push(cat.diag_statuses(
                &at("status"),
                format!("status {} is declared twice; keep one", s.status),
            ));
        }
        if s.status >= 400 {
            if s.causes.is_empty() {
                d.push(cat.diag_statuses(
                    &at("causes"),
                    format!("status {} has no causes; list at least one", s.status),
                ));
            }
            if s.resolution.trim().is_empty() {
                d.push(cat.diag_statuses(
                    &at("resolution"),
                    format!(
                        "status {} has an empty resolution; say what the caller should do",
                        s.status
                    ),
                ));
            }
        }
    }
}

fn limits(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, l) in cat.limits.limits.iter().enumerate() {
        if !is_snake(&l.id) {
            d.push(cat.diag_limits(
                &format!("limits.{i}.id"),
                format!("limit id `{}` is not snake_case; rename it", l.id),
            ));
        }
        if !seen.insert(l.id.as_str()) {
            d.push(cat.diag_limits(
                &format!("limits.{i}.id"),
                format!("limit `{}` is declared twice; keep one", l.id),
            ));
        }
        if let Some(s) = &l.surface
            && cat.surface(s).is_none()
        {
            d.push(cat.diag_limits(
                &format!("limits.{i}.surface"),
                format!("unknown surface `{s}`; use a name from catalog/surfaces.yaml"),
            ));
        }
    }
    let mut seen = HashSet::new();
    for (i, h) in cat.limits.headers.iter().enumerate() {
        if !is_snake(&h.id) || !seen.insert(h.id.as_str()) {
            d.push(cat.diag_limits(
                &format!("headers.{i}.id"),
                format!("header id `{}` must be unique snake_case; rename it", h.id),
            ));
        }
    }
    let mut seen = HashSet::new();
    for (i, c) in cat.limits.conventions.iter().enumerate() {
        if !is_snake(&c.id) || !seen.insert(c.id.as_str()) {
            d.push(cat.diag_limits(
                &format!("conventions.{i}.id"),
                format!(
                    "convention id `{}` must be unique snake_case; rename it",
                    c.id
                ),
            ));
        }
    }
}

fn errors(cat: &Catalog, d: &mut Vec<Diagnostic>) {
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

fn retired(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (s, r, o) in &cat.retired {
        if r.reason.trim().is_empty() {
            d.push(cat.diag_at(
                o,
                "reason",
                format!("retired code {} needs a reason; say why it left", r.code),
            ));
        }
        if !seen.insert((s.clone(), r.code.to_string())) {
            d.push(cat.diag_at(
                o,
                "code",
                format!("code {} is retired twice; keep one", r.code),
            ));
        }
    }
}

fn outcomes(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let o = &cat.outcomes;
    let lists: [(&str, &Vec<ValueLabel>); 4] = [
        ("verification_statuses", &o.verification_statuses),
        ("document_statuses", &o.document_statuses),
        ("decision_statuses", &o.decision_statuses),
        ("context_types", &o.context_types),
    ];
    for (name, list) in lists {
        let mut seen = HashSet::new();
        for (i, v) in list.iter().enumerate() {
            if !seen.insert(v.value) {
                d.push(cat.diag_outcomes(
                    &format!("{name}.{i}.value"),
                    format!("{name} value {} is declared twice; keep one", v.value),
                ));
            }
        }
    }
    let mut prev_max: Option<u32> = None;
    for (i, r) in o.risk_levels.iter().enumerate() {
        if r.min > r.max || prev_max.is_some_and(|p| r.min != p + 1) {
            d.push(cat.diag_outcomes(
                &format!("risk_levels.{i}.min"),
                "risk level buckets must be contiguous and ascending; fix min/max",
            ));
        }
        if !o
            .recommendations
            .iter()
            .any(|x| x.recommendation == r.recommendation)
        {
            d.push(cat.diag_outcomes(
                &format!("risk_levels.{i}.recommendation"),
                format!(
                    "unknown recommendation `{}`; declare it under recommendations",
                    r.recommendation
                ),
            ));
        }
        prev_max = Some(r.max);
    }
    let mut seen = HashSet::new();
    for (i, r) in o.reason_codes.iter().enumerate() {
        let ok = r.code.len() == 8
            && r.code.starts_with("OCR")
            && r.code[3..].chars().all(|c| c.is_ascii_digit());
        if !ok || !seen.insert(r.code.as_str()) {
            d.push(cat.diag_outcomes(
                &format!("reason_codes.{i}.code"),
                format!(
                    "reason code `{}` must be unique and look like OCR12345",
                    r.code
                ),
            ));
        }
        if !["risk", "trust", "neutral"].contains(&r.indicator.as_str()) {
            d.push(cat.diag_outcomes(
                &format!("reason_codes.{i}.indicator"),
                "indicator must be risk, trust or neutral",
            ));
        }
    }
}

/// The outcome keys that troubleshooting refs may name, as `kind:key`.
pub fn outcome_refs(o: &Outcomes) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (kind, list) in [
        ("verification_statuses", &o.verification_statuses),
        ("document_statuses", &o.document_statuses),
        ("decision_statuses", &o.decision_statuses),
        ("context_types", &o.context_types),
    ] {
        for v in list {
            m.insert(format!("{kind}:{}", v.value), v.label.clone());
        }
    }
    for r in &o.rejection_reasons {
        m.insert(format!("rejection_reasons:{}", r.id), r.title.clone());
    }
    for r in &o.risk_levels {
        m.insert(format!("risk_levels:{}", r.level), r.level.clone());
    }
    for r in &o.recommendations {
        m.insert(
            format!("recommendations:{}", r.recommendation),
            r.recommendation.clone(),
        );
    }
    for r in &o.reason_codes {
        m.insert(format!("reason_codes:{}", r.code), r.code.clone());
    }
    for r in &o.webhook_events {
        m.insert(format!("webhook_events:{}", r.code), r.code.clone());
    }
    m
}

fn troubleshooting(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let refs = outcome_refs(&cat.outcomes);
    let mut seen = HashSet::new();
    for (i, s) in cat.troubleshooting.sections.iter().enumerate() {
        if let Some(sf) = &s.surface
            && cat.surface(sf).is_none()
        {
            d.push(cat.diag_troubleshooting(
                &format!("sections.{i}.surface"),
                format!("unknown surface `{sf}`; use a name from catalog/surfaces.yaml"),
            ));
        }
        for (j, y) in s.symptoms.iter().enumerate() {
            let at = |f: &str| format!("sections.{i}.symptoms.{j}.{f}");
            if !is_snake(&y.id) || !seen.insert(y.id.as_str()) {
                d.push(cat.diag_troubleshooting(
                    &at("id"),
                    format!("symptom id `{}` must be unique snake_case; rename it", y.id),
                ));
            }
            if y.causes.is_empty() && y.solutions.is_empty() {
                d.push(cat.diag_troubleshooting(
                    &at("id"),
                    format!(
                        "symptom `{}` has neither causes nor solutions; add them",
                        y.id
                    ),
                ));
            }
            for (k, e) in y.errors.iter().enumerate() {
                if cat.error(e).is_none() {
                    d.push(cat.diag_troubleshooting(
                        &at(&format!("errors.{k}")),
                        format!("unknown error id `{e}`; use an id from catalog/errors/"),
                    ));
                }
            }
            for (k, r) in y.outcomes.iter().enumerate() {
                if !refs.contains_key(r) {
                    d.push(cat.diag_troubleshooting(&at(&format!("outcomes.{k}")), format!("unknown outcome `{r}`; write kind:key, e.g. rejection_reasons:name_mismatch")));
                }
            }
        }
    }
}

fn is_lower_camel(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(x) if x.is_ascii_lowercase()) && c.all(|x| x.is_ascii_alphanumeric())
}

/// The `{name}` placeholders of a path, or `None` when its braces do not pair up.
fn path_params(path: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return None;
        }
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return None;
        }
        out.push(name);
        rest = &after[close + 1..];
    }
    Some(out)
}

/// The rules of `operations/<surface>.yaml`: ids, paths, path parameters, fields and
/// examples.
fn operations(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut ids: HashMap<&str, &Operation> = HashMap::new();
    let mut endpoints: HashMap<(&str, String), &Operation> = HashMap::new();
    for op in &cat.operations {
        let o = &op.origin;
        let first_at = |other: &Operation| {
            let p = cat.diag_at(&other.origin, "id", "");
            format!("{}:{}:{}", p.file, p.pos.line, p.pos.col)
        };
        if !is_lower_camel(&op.id) {
            d.push(cat.diag_at(
                o,
                "id",
                format!(
                    "operation id `{}` is not lowerCamelCase; write it like `prefillStart` (letters and digits, first letter small)",
                    op.id
                ),
            ));
        }
        if let Some(prev) = ids.insert(&op.id, op) {
            d.push(cat.diag_at(
                o,
                "id",
                format!(
                    "duplicate operation id `{}` (first at {}); operation ids are unique across all surfaces, rename one",
                    op.id,
                    first_at(prev)
                ),
            ));
        }
        if let Some(prev) = endpoints.insert((op.surface.as_str(), op.endpoint()), op) {
            d.push(cat.diag_at(
                o,
                "path",
                format!(
                    "`{}` is already operation `{}` (at {}); a method and path belong to one operation, remove one",
                    op.endpoint(),
                    prev.id,
                    first_at(prev)
                ),
            ));
        }
        if !op.path.starts_with('/') || op.path.contains(char::is_whitespace) {
            d.push(cat.diag_at(
                o,
                "path",
                format!(
                    "path `{}` must start with `/` and hold no spaces; write it like `/v3/identity/{{identityId}}`",
                    op.path
                ),
            ));
        }
        match path_params(&op.path) {
            None => d.push(cat.diag_at(
                o,
                "path",
                format!(
                    "the braces of path `{}` do not pair up; write each parameter as `{{name}}`",
                    op.path
                ),
            )),
            Some(names) => {
                for n in &names {
                    if !op.path_params.iter().any(|p| p.name == *n) {
                        d.push(cat.diag_at(o, "path", format!(
                            "the path names `{{{n}}}` but `path_params` does not declare `{n}`; add it to `path_params`"
                        )));
                    }
                }
                for (j, p) in op.path_params.iter().enumerate() {
                    if !names.contains(&p.name.as_str()) {
                        d.push(cat.diag_at(o, &format!("path_params.{j}.name"), format!(
                            "path parameter `{}` is not in the path `{}`; put `{{{}}}` in the path or remove the parameter",
                            p.name, op.path, p.name
                        )));
                    } else if !p.required {
                        d.push(cat.diag_at(
                            o,
                            &format!("path_params.{j}.required"),
                            format!(
                                "path parameter `{}` is always present; set `required: true`",
                                p.name
                            ),
                        ));
                    }
                }
            }
        }
        for (field, value) in [("summary", &op.summary), ("description", &op.description)] {
            if value.trim().is_empty() {
                d.push(cat.diag_at(
                    o,
                    field,
                    format!("operation `{}` has an empty {field}; write it", op.id),
                ));
            }
        }
        fields(cat, o, "path_params", &op.path_params, d);
        if let Some(req) = &op.request {
            if op.method == HttpMethod::Get {
                d.push(cat.diag_at(
                    o,
                    "request",
                    format!(
                        "`{}` is a GET, which takes no body; remove `request` or change the method",
                        op.id
                    ),
                ));
            }
            body(cat, o, "request", req, d);
        }
        body(cat, o, "response", &op.response, d);
    }
}

/// A body: its fields and its example, which must be a JSON object that carries
/// every required field and nothing undeclared.
fn body(cat: &Catalog, o: &Origin, at: &str, b: &Body, d: &mut Vec<Diagnostic>) {
    if b.content_type.trim().is_empty() {
        d.push(cat.diag_at(
            o,
            &format!("{at}.content_type"),
            "the content type is empty; write a media type such as application/json",
        ));
    }
    fields(cat, o, &format!("{at}.fields"), &b.fields, d);
    let ex_at = format!("{at}.example");
    match serde_json::from_str::<serde_json::Value>(&b.example) {
        Err(e) => d.push(cat.diag_at(
            o,
            &ex_at,
            format!(
                "the example is not valid JSON ({e}); write the body as JSON text (a form body as a JSON object of its pairs)"
            ),
        )),
        Ok(v) => match v.as_object() {
            None => d.push(cat.diag_at(
                o,
                &ex_at,
                "the example must be a JSON object; write the whole body",
            )),
            Some(m) => example_members(cat, o, &ex_at, "", m, &b.fields, d),
        },
    }
}

/// Checks the members of an example object against `fields`, recursively.
fn example_members(
    cat: &Catalog,
    o: &Origin,
    at: &str,
    prefix: &str,
    m: &serde_json::Map<String, serde_json::Value>,
    fields: &[Field],
    d: &mut Vec<Diagnostic>,
) {
    for f in fields {
        let name = format!("{prefix}{}", f.name);
        match m.get(&f.name) {
            None if f.required => d.push(cat.diag_at(
                o,
                at,
                format!("the example lacks the required field `{name}`; add it with a value"),
            )),
            None => {}
            Some(v) if !f.ty.accepts(v) => d.push(cat.diag_at(
                o,
                at,
                format!(
                    "in the example, `{name}` is not a {}; fix the value",
                    f.ty.describe()
                ),
            )),
            Some(v) => {
                if !f.fields.is_empty() {
                    match v {
                        serde_json::Value::Object(inner) => {
                            example_members(cat, o, at, &format!("{name}."), inner, &f.fields, d)
                        }
                        serde_json::Value::Array(items) => {
                            for (k, item) in items.iter().enumerate() {
                                if let Some(inner) = item.as_object() {
                                    example_members(
                                        cat,
                                        o,
                                        at,
                                        &format!("{name}[{k}]."),
                                        inner,
                                        &f.fields,
                                        d,
                                    );
                                }
                            }
                        }
                        _ => {}
                    }
                }
                if !f.values.is_empty()
                    && v.as_str().is_some_and(|s| !f.values.iter().any(|x| x == s))
                {
                    d.push(cat.diag_at(o, at, format!(
                        "in the example, `{name}` is {v} but the field allows only {}; use one of them",
                        f.values.join(", ")
                    )));
                }
            }
        }
    }
    if fields.is_empty() {
        return; // An object without declared members (e.g. the OpenAPI `info`).
    }
    for k in m.keys() {
        if !fields.iter().any(|f| &f.name == k) {
            d.push(cat.diag_at(
                o,
                at,
                format!(
                    "the example has `{prefix}{k}`, which is not a declared field; declare it under `fields` or remove it"
                ),
            ));
        }
    }
}

/// The rules of one list of fields (and of their members, recursively).
fn fields(cat: &Catalog, o: &Origin, at: &str, list: &[Field], d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (j, f) in list.iter().enumerate() {
        let fat = |x: &str| format!("{at}.{j}.{x}");
        if f.name.trim().is_empty() || !seen.insert(f.name.as_str()) {
            d.push(cat.diag_at(
                o,
                &fat("name"),
                format!(
                    "field name `{}` must be non-empty and unique in its list; rename or remove it",
                    f.name
                ),
            ));
        }
        if f.description.trim().is_empty() {
            d.push(cat.diag_at(
                o,
                &fat("description"),
                format!(
                    "field `{}` has an empty description; say what it holds",
                    f.name
                ),
            ));
        }
        if !f.ty.accepts(&f.example) {
            d.push(cat.diag_at(
                o,
                &fat("example"),
                format!(
                    "the example of `{}` is not a {}; give a value of its type (quote numbers-as-text like \"0596\")",
                    f.name,
                    f.ty.describe()
                ),
            ));
        }
        let is_string = f.ty == FieldKind::String;
        if !is_string
            && (!f.values.is_empty()
                || f.max_length.is_some()
                || !f.pattern.is_empty()
                || !f.format.is_empty())
        {
            d.push(cat.diag_at(
                o,
                &fat("type"),
                format!(
                    "`{}` is a {} but has values, pattern, format or max_length, which only strings have; remove them or make it a string",
                    f.name,
                    f.ty.describe()
                ),
            ));
        }
        if let Some(s) = f.example.as_str() {
            if !f.values.is_empty() && !f.values.iter().any(|v| v == s) {
                d.push(cat.diag_at(
                    o,
                    &fat("example"),
                    format!(
                        "the example `{s}` of `{}` is not one of its values ({}); use one of them",
                        f.name,
                        f.values.join(", ")
                    ),
                ));
            }
            if let Some(max) = f.max_length
                && s.chars().count() > max as usize
            {
                d.push(cat.diag_at(
                    o,
                    &fat("example"),
                    format!(
                        "the example of `{}` is longer than its max_length {max}; shorten it",
                        f.name
                    ),
                ));
            }
        }
        let nests = matches!(f.ty, FieldKind::Object | FieldKind::ObjectArray);
        if !nests && !f.fields.is_empty() {
            d.push(cat.diag_at(
                o,
                &fat("fields"),
                format!(
                    "`{}` is a {}, which has no members; remove `fields` or make it an object",
                    f.name,
                    f.ty.describe()
                ),
            ));
        }
        fields(cat, o, &fat("fields"), &f.fields, d);
    }
}

/// Every endpoint an error names must be an operation of its surface once the
/// surface has an operations file. `* /{path}`-style entries (method `*`) are
/// catch-alls and are not checked.
fn endpoints(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    for e in &cat.errors {
        if !cat.operation_surfaces.contains(&e.surface) {
            continue;
        }
        for (j, ep) in e.endpoints.iter().enumerate() {
            if ep.starts_with("* ") {
                continue;
            }
            if cat.operations_of(&e.surface).any(|op| &op.endpoint() == ep) {
                continue;
            }
            // The closest operation: same method and the same path once parameter
            // names are ignored.
            let shape = |s: &str| {
                let mut out = String::new();
                let mut inside = false;
                for c in s.chars() {
                    match c {
                        '{' => {
                            inside = true;
                            out.push('{');
                        }
                        '}' => {
                            inside = false;
                            out.push('}');
                        }
                        _ if inside => {}
                        _ => out.push(c),
                    }
                }
                out
            };
            let hint = cat
                .operations_of(&e.surface)
                .find(|op| shape(&op.endpoint()) == shape(ep))
                .map(|op| format!("write `{}`", op.endpoint()))
                .unwrap_or_else(|| {
                    format!(
                        "name an operation of catalog/operations/{}.yaml (\"METHOD /path\"), add the operation, or write `* /{{path}}` for a catch-all",
                        e.surface
                    )
                });
            d.push(cat.diag_at(
                &e.origin,
                &format!("endpoints.{j}"),
                format!(
                    "`{ep}` is not an operation of the {} surface; {hint}",
                    e.surface
                ),
            ));
        }
    }
}

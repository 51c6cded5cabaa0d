//! Rules for `operations/<surface>.yaml` (ids, paths, path parameters, bodies,
//! fields and examples) and for the errors' `endpoints`, which name operations.

use crate::model::*;
use crate::{Catalog, Diagnostic};
use std::collections::{HashMap, HashSet};

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
pub(super) fn operations(cat: &Catalog, d: &mut Vec<Diagnostic>) {
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
pub(super) fn endpoints(cat: &Catalog, d: &mut Vec<Diagnostic>) {
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

//! Renderers: one function per generated file.

pub mod endpoints;
pub mod markdown;
pub mod operations;
pub mod rust;

use crate::{Catalog, Output};

/// Every generated output except `codes.lock`.
pub fn all(cat: &Catalog) -> Vec<Output> {
    let mut out = vec![
        Output {
            path: "crates/core/src/generated/mod.rs".into(),
            contents: rust::module(),
        },
        Output {
            path: "crates/core/src/generated/errors.rs".into(),
            contents: rust::errors(cat),
        },
        Output {
            path: "crates/core/src/generated/limits.rs".into(),
            contents: rust::limits(cat),
        },
        Output {
            path: "crates/core/src/generated/outcomes.rs".into(),
            contents: rust::outcomes(cat),
        },
        Output {
            path: "crates/core/src/generated/operations.rs".into(),
            contents: operations::rust(cat),
        },
        Output {
            path: "docs/reference/catalog.json".into(),
            contents: json(cat),
        },
    ];
    for (name, contents) in markdown::pages(cat) {
        out.push(Output {
            path: format!("docs/reference/{name}"),
            contents,
        });
    }
    for (name, contents) in endpoints::pages(cat) {
        out.push(Output {
            path: format!("docs/reference/{name}"),
            contents,
        });
    }
    out
}

/// `docs/reference/catalog.json`: the whole catalogue for SDKs in other languages.
pub fn json(cat: &Catalog) -> String {
    let v = serde_json::json!({
        "generated_by": "cargo xtask regen from catalog/; do not edit",
        "surfaces": cat.surfaces,
        "statuses": cat.statuses,
        "errors": cat.errors,
        "outcomes": cat.outcomes,
        "troubleshooting": cat.troubleshooting,
        "limits": cat.limits,
        "operations": cat.operations,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("catalogue serializes");
    s.push('\n');
    s
}

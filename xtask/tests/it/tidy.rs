//! Tidy: the crate graph of DESIGN section 2, read from the Cargo.toml files.
//!
//! - idv-core depends on none of tokio, reqwest, sqlx, axum, hyper, idv-catalog.
//! - idv-server and idv-client never depend on each other (dev-dependencies aside),
//!   nor on idv-catalog.
//! - only xtask depends on idv-catalog.
//! - no package is named `core`; every package under crates/ is `idv-*` (or `idv`).

use crate::root;
use std::collections::BTreeMap;

fn manifests() -> BTreeMap<String, toml::Table> {
    let mut out = BTreeMap::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("crates"))
        .expect("crates")
        .map(|e| e.expect("e").path())
        .collect();
    dirs.push(root().join("xtask"));
    for d in dirs {
        let Ok(text) = std::fs::read_to_string(d.join("Cargo.toml")) else {
            continue;
        };
        let t: toml::Table = text.parse().expect("Cargo.toml parses");
        let name = t["package"]["name"].as_str().expect("name").to_string();
        out.insert(name, t);
    }
    out
}

fn deps(t: &toml::Table, section: &str) -> Vec<String> {
    t.get(section)
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn crate_graph_follows_the_design() {
    let m = manifests();
    assert!(m.contains_key("idv-core") && m.contains_key("idv-catalog") && m.contains_key("xtask"));
    let mut problems = Vec::new();
    for (name, t) in &m {
        let normal = deps(t, "dependencies");
        let build = deps(t, "build-dependencies");
        let all: Vec<&String> = normal.iter().chain(build.iter()).collect();
        if name == "core" {
            problems.push("a package is named `core`, which shadows ::core".to_string());
        }
        if name != "xtask" && !name.starts_with("idv") {
            problems.push(format!("package `{name}` under crates/ is not named idv-*"));
        }
        if name == "idv-core" {
            for bad in [
                "tokio",
                "reqwest",
                "sqlx",
                "axum",
                "hyper",
                "idv-catalog",
                "idv-server",
                "idv-client",
            ] {
                if all.iter().any(|d| *d == bad) {
                    problems.push(format!("idv-core depends on {bad}"));
                }
            }
        }
        if name != "xtask" && all.iter().any(|d| *d == "idv-catalog") {
            problems.push(format!("{name} depends on idv-catalog; only xtask may"));
        }
        if name == "idv-server" && all.iter().any(|d| *d == "idv-client") {
            problems.push("idv-server depends on idv-client (only as a dev-dependency)".into());
        }
        if name == "idv-client" && all.iter().any(|d| *d == "idv-server") {
            problems.push("idv-client depends on idv-server".into());
        }
        if name == "idv-catalog" && all.iter().any(|d| d.starts_with("idv-")) {
            problems.push("idv-catalog depends on another idv crate".into());
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn generated_rust_is_never_formatted_by_rustfmt() {
    // rustfmt would reformat prettyplease's output and make `regen --check` fail.
    let lib = std::fs::read_to_string(root().join("crates/core/src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("#[rustfmt::skip]\npub mod generated;"));
}

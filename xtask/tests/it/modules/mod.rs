//! Tidy: the module rules of DESIGN section 4, read from the server's sources.
//!
//! The rules, checked on every `.rs` file under a crate's `src/`:
//! - a surface (`possession/`, `verification/`, `webhooks/`, `accounts/`,
//!   `dashboard/`, `signup/`, `firewall/`, `pipeline/`) imports only shared plumbing
//!   ([`PLUMBING`]), its own modules, `idv_core` and external crates; never another
//!   surface, except through the few published entry points of [`EXCEPTIONS`];
//! - only `store/` names `sqlx`, anywhere in its code (comments and strings aside);
//! - only `app/`, the composition root, names surfaces freely: `http/` and `domain/`
//!   name none, and every other module only through [`EXCEPTIONS`];
//! - every module file starts with a `//!` doc comment.
//!
//! A path counts wherever it is written: in a `use` (grouped, `pub`, multi-line) or
//! inline in code (`crate::verification::create(..)`, `super::super::signup::X`).
//!
//! The server is moving into the folder layout of DESIGN section 4 one folder at a
//! time, so the import rules apply to a module only once its folder exists
//! (`src/possession/`, with `src/possession.rs` or `src/possession/mod.rs` as its
//! root): on today's flat layout they pass, and they bite as each folder arrives.
//! The sqlx and `//!` rules apply to every file already. The checker is a function
//! of a crate directory, so the tests run it on fixture trees under
//! `xtask/tests/data/tidy/` that plant each kind of violation.
//!
//! The rules are here; `scan.rs` reads a source file into the tokens and paths
//! they judge.

mod scan;

use crate::root;
use scan::{paths, strip, tokenize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The API surfaces: folders that plug into the server and never import each other.
const SURFACES: &[&str] = &[
    "possession",
    "verification",
    "webhooks",
    "accounts",
    "dashboard",
    "signup",
    "firewall",
    "pipeline",
];

/// What a surface may import besides itself. `clock` and `config` are counted as
/// shared plumbing: every surface reads the time and its settings through them, and
/// neither knows any surface.
const PLUMBING: &[&str] = &["http", "guard", "domain", "jobs", "app", "clock", "config"];

/// Items of a non-plumbing module that every surface may name: the store's error
/// type, which every surface's store trait (in the surface's own `store` module)
/// returns.
const SHARED_ITEMS: &[(&str, &str)] = &[("store", "StoreResult"), ("store", "StoreError")];

/// Named exceptions to "a surface is named only by itself and `app/`".
struct Exception {
    /// The importing module (`*`: any).
    from: &'static str,
    /// The surface it names (`*`: any).
    to: &'static str,
    /// The item directly under that surface it may name (`None`: any).
    item: Option<&'static str>,
}

/// The whole list of exceptions; add a row here, with its reason, to allow another.
const EXCEPTIONS: &[Exception] = &[
    // Published entry point: any module enqueues a webhook event inside its own
    // transaction (DESIGN sections 4 and 5).
    Exception {
        from: "*",
        to: "webhooks",
        item: Some("outbox"),
    },
    // Signup sits behind the firewall: the designed exception of DESIGN section 4.
    Exception {
        from: "signup",
        to: "firewall",
        item: None,
    },
    // The configuration loader nests the firewall's `[firewall]` table: its
    // settings and their optional layer are read where every other setting is.
    Exception {
        from: "config",
        to: "firewall",
        item: Some("Settings"),
    },
    Exception {
        from: "config",
        to: "firewall",
        item: Some("SettingsLayer"),
    },
    // store/ holds the SQLite and PostgreSQL implementation of each surface's store
    // trait, which lives in the surface's own `store` module.
    Exception {
        from: "store",
        to: "*",
        item: Some("store"),
    },
];

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The file, relative to the crate directory (`src/possession/flow.rs`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Which rule, in words.
    pub why: String,
    /// The offending statement or line as written (a multi-line `use` on one line).
    pub text: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: `{}`",
            self.file, self.line, self.why, self.text
        )
    }
}

/// Checks every `.rs` file under `crate_dir/src` and returns what breaks the rules,
/// sorted by file and line.
pub fn check(crate_dir: &Path) -> Vec<Violation> {
    let src = crate_dir.join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    files.sort();
    let top: Vec<String> = std::fs::read_dir(&src)
        .expect("src/ is readable")
        .map(|e| e.expect("dir entry").path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            if p.is_dir() {
                Some(name.to_string())
            } else {
                name.strip_suffix(".rs").map(str::to_string)
            }
        })
        .collect();
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(&src).expect("under src");
        let text = std::fs::read_to_string(&path).expect("source is UTF-8");
        let file = format!("src/{}", rel.to_string_lossy().replace('\\', "/"));
        let module = module_path(rel);
        let folder = module
            .first()
            .filter(|m| src.join(m.as_str()).is_dir())
            .cloned();
        check_file(&file, &text, &module, folder.as_deref(), &top, &mut out);
    }
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out.dedup();
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable directory") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `lib.rs` → `[]`, `a.rs` and `a/mod.rs` → `[a]`, `a/b.rs` → `[a, b]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.strip_suffix(".rs").unwrap_or(&last);
    if parts.is_empty() && (stem == "lib" || stem == "main") {
        return parts;
    }
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

fn check_file(
    file: &str,
    text: &str,
    module: &[String],
    folder: Option<&str>,
    top: &[String],
    out: &mut Vec<Violation>,
) {
    let lines: Vec<&str> = text.lines().collect();
    let source_line = |n: usize| lines.get(n - 1).map_or("", |l| l.trim()).to_string();
    let first = lines.iter().find(|l| !l.trim().is_empty());
    if !first.is_some_and(|l| l.trim_start().starts_with("//!")) {
        out.push(Violation {
            file: file.into(),
            line: 1,
            why: "the module does not start with a `//!` doc comment saying why it exists".into(),
            text: first.map_or("", |l| l.trim()).to_string(),
        });
    }
    let owner = module.first().map_or("lib", String::as_str);
    let in_store = folder == Some("store");
    let tokens = tokenize(&strip(text));
    for t in &tokens {
        if t.text == "sqlx" && !in_store {
            out.push(Violation {
                file: file.into(),
                line: t.line,
                why: format!("`{owner}` names sqlx; only store/ does"),
                text: source_line(t.line),
            });
        }
    }
    let Some(folder) = folder else {
        return;
    };
    for path in paths(&tokens) {
        let Some(abs) = resolve(&path.segments, module, top) else {
            continue;
        };
        let Some(target) = abs.first() else {
            continue;
        };
        let item = abs.get(1).map(String::as_str);
        if let Some(why) = judge(folder, target, item) {
            let text = match path.statement {
                Some((from, to)) => one_line(&lines[from - 1..to]),
                None => source_line(path.line),
            };
            out.push(Violation {
                file: file.into(),
                line: path.line,
                why,
                text,
            });
        }
    }
}

/// Why `folder` may not name `crate::target::item`, or `None` when it may.
fn judge(folder: &str, target: &str, item: Option<&str>) -> Option<String> {
    if folder == "app" || target == folder {
        return None;
    }
    let excepted = EXCEPTIONS.iter().any(|e| {
        (e.from == "*" || e.from == folder)
            && (e.to == "*" || e.to == target)
            && (e.item.is_none() || e.item == item)
    });
    let is_surface = SURFACES.contains(&target);
    if is_surface && excepted {
        return None;
    }
    if SURFACES.contains(&folder) {
        if is_surface {
            return Some(format!(
                "surface `{folder}` imports another surface, `{target}`"
            ));
        }
        if PLUMBING.contains(&target) || item.is_some_and(|i| SHARED_ITEMS.contains(&(target, i))) {
            return None;
        }
        return Some(format!(
            "surface `{folder}` imports `crate::{target}`, which is neither shared plumbing ({}) nor its own",
            PLUMBING.join(", ")
        ));
    }
    if !is_surface {
        return None;
    }
    if folder == "http" || folder == "domain" {
        return Some(format!(
            "`{folder}` imports the surface `{target}`; http/ and domain/ import no surface"
        ));
    }
    Some(format!(
        "`{folder}` names the surface `{target}`; only app/ names surfaces"
    ))
}

/// `path` made absolute from the crate root, or `None` when it names something
/// outside the crate (an external crate, a local item) or cannot be resolved.
fn resolve(path: &[String], module: &[String], top: &[String]) -> Option<Vec<String>> {
    let mut segs = path.iter().map(String::as_str).peekable();
    let mut base: Vec<String> = match *segs.peek()? {
        "crate" => {
            segs.next();
            Vec::new()
        }
        "super" | "self" => module.to_vec(),
        // Uniform paths: in the crate root a top-level module is named bare.
        first if module.is_empty() && top.iter().any(|t| t == first) => Vec::new(),
        _ => return None,
    };
    while let Some(&s) = segs.peek() {
        match s {
            "super" => {
                base.pop()?;
            }
            "self" => {}
            _ => break,
        }
        segs.next();
    }
    base.extend(
        segs.filter(|s| *s != "self" && *s != "*")
            .map(str::to_string),
    );
    Some(base)
}

fn one_line(lines: &[&str]) -> String {
    let mut s = String::new();
    for l in lines {
        let l = l.trim();
        if !(s.is_empty() || s.ends_with('{') || l.starts_with('}')) {
            s.push(' ');
        }
        s.push_str(l);
    }
    s.replace(",}", "}")
}

fn fixture(case: &str) -> PathBuf {
    root().join("xtask/tests/data/tidy").join(case)
}

fn messages(case: &str) -> Vec<String> {
    check(&fixture(case))
        .iter()
        .map(|v| v.to_string())
        .collect()
}

/// The server today, and every folder of DESIGN section 4 once it exists.
#[test]
fn server_modules_follow_the_design() {
    let problems: Vec<String> = check(&root().join("crates/server"))
        .iter()
        .map(|v| format!("crates/server/{v}"))
        .collect();
    assert!(
        problems.is_empty(),
        "the module rules of DESIGN section 4 are broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_tree_that_follows_the_rules_passes() {
    // Grouped and multi-line imports, `pub use`, `webhooks::outbox` from a surface,
    // signup → firewall, store/ naming sqlx and each surface's store trait, and sqlx
    // written in http/'s comments and strings.
    assert_eq!(messages("good"), Vec::<String>::new());
}

#[test]
fn a_surface_importing_another_fails_naming_file_line_and_use() {
    assert_eq!(
        messages("cross_surface"),
        [
            "src/possession/flow.rs:4: surface `possession` imports another surface, `verification`: `use crate::verification::Decision;`",
            "src/possession/flow.rs:7: surface `possession` imports another surface, `verification`: `use super::super::verification::documents;`",
            "src/possession/flow.rs:9: surface `possession` imports another surface, `webhooks`: `pub use crate::webhooks::dispatcher::Dispatcher;`",
            "src/possession/flow.rs:13: surface `possession` imports another surface, `verification`: `let d = crate::verification::create(\"x\");`",
            "src/possession/mod.rs:5: surface `possession` imports `crate::store`, which is neither shared plumbing (http, guard, domain, jobs, app, clock, config) nor its own: `use crate::store::Pool;`",
        ]
    );
}

#[test]
fn a_grouped_multi_line_import_fails_on_the_line_of_the_other_surface() {
    assert_eq!(
        messages("grouped"),
        [
            "src/possession/mod.rs:6: surface `possession` imports another surface, `signup`: `use crate::{http::Failure, domain::Phone, signup::{self, OneClick}, webhooks::outbox};`",
            "src/verification/mod.rs:3: surface `verification` imports another surface, `possession`: `use crate::{possession, http};`",
        ]
    );
}

#[test]
fn sqlx_outside_store_fails() {
    assert_eq!(
        messages("sqlx_in_http"),
        [
            "src/http/mod.rs:5: `http` names sqlx; only store/ does: `use sqlx::Row;`",
            "src/http/mod.rs:9: `http` names sqlx; only store/ does: `let _ = sqlx::query(\"select 1\");`",
            "src/openapi.rs:7: `openapi` names sqlx; only store/ does: `pub fn pool() -> Option<sqlx::SqlitePool> {`",
        ]
    );
}

#[test]
fn plumbing_naming_a_surface_fails() {
    assert_eq!(
        messages("plumbing_names_surface"),
        [
            "src/domain/mod.rs:3: `domain` imports the surface `possession`; http/ and domain/ import no surface: `use crate::possession::FlowState;`",
            "src/guard/mod.rs:3: `guard` names the surface `accounts`; only app/ names surfaces: `use crate::accounts::Session;`",
            "src/http/mod.rs:3: `http` imports the surface `possession`; http/ and domain/ import no surface: `pub use crate::possession::PossessionError;`",
        ]
    );
}

#[test]
fn a_module_without_a_doc_comment_fails() {
    assert_eq!(
        messages("missing_doc"),
        [
            "src/possession/flow.rs:1: the module does not start with a `//!` doc comment saying why it exists: `/// The flow state machine.`",
            "src/serve.rs:1: the module does not start with a `//!` doc comment saying why it exists: `use std::net::SocketAddr;`",
        ]
    );
}

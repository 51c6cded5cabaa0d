//! Generating every output from the catalogue and writing (or, with `--check`,
//! comparing) them under the repository root.

use crate::{Catalog, Diagnostic, Pos, lock, render, validate};
use std::path::Path;

/// One generated file: its path relative to the repository root and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the repository root.
    pub path: String,
    /// Full contents.
    pub contents: String,
}

/// Loads, validates and renders every output, plus the lock reports (overrides and
/// retirements the check must show). `Err` carries every diagnostic.
pub fn generate(root: &Path) -> Result<(Vec<Output>, Vec<String>), Vec<Diagnostic>> {
    let cat = Catalog::load(root)?;
    let diags = validate::validate(&cat);
    if !diags.is_empty() {
        return Err(diags);
    }
    let (lock, reports) = lock::check(&cat).map_err(|d| vec![d])?;
    let mut outs = render::all(&cat);
    outs.push(Output {
        path: "catalog/codes.lock".into(),
        contents: lock,
    });
    outs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((outs, reports))
}

/// Directories whose every file is generated; a file there that the catalogue no
/// longer produces is stale too.
pub const GENERATED_DIRS: &[&str] = &["crates/core/src/generated", "docs/reference"];

/// What [`sync`] found.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Files that differ from what the catalogue generates (written unless checking).
    pub stale: Vec<String>,
    /// Generated-directory files the catalogue no longer produces (removed unless checking).
    pub extra: Vec<String>,
    /// Lock exceptions to show (overrides, retirements).
    pub lock_reports: Vec<String>,
    /// How many outputs were produced.
    pub outputs: usize,
}

/// Regenerates every output under `root`. With `check`, writes nothing and only
/// reports what is stale. I/O errors are returned as diagnostics on the file.
pub fn sync(root: &Path, check: bool) -> Result<SyncReport, Vec<Diagnostic>> {
    let (outs, lock_reports) = generate(root)?;
    let mut report = SyncReport {
        lock_reports,
        outputs: outs.len(),
        ..SyncReport::default()
    };
    let io = |path: &str, e: std::io::Error| {
        vec![Diagnostic {
            file: path.to_string(),
            pos: Pos { line: 1, col: 1 },
            message: format!("cannot write the file ({e}); check permissions"),
        }]
    };
    for o in &outs {
        let p = root.join(&o.path);
        let current = std::fs::read_to_string(&p).ok();
        if current.as_deref() != Some(o.contents.as_str()) {
            report.stale.push(o.path.clone());
            if !check {
                if let Some(dir) = p.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| io(&o.path, e))?;
                }
                std::fs::write(&p, &o.contents).map_err(|e| io(&o.path, e))?;
            }
        }
    }
    for dir in GENERATED_DIRS {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
            .collect();
        names.sort();
        for n in names {
            if !outs.iter().any(|o| o.path == n) {
                report.extra.push(n.clone());
                if !check {
                    std::fs::remove_file(root.join(&n)).map_err(|e| io(&n, e))?;
                }
            }
        }
    }
    Ok(report)
}

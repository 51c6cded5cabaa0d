//! Fuzzes the catalogue loader and validator (`idv_catalog::Catalog::from_texts`,
//! `validate::validate`, `lock::check`) and, for a catalogue that passes, every
//! renderer: arbitrary text as one catalogue file must give diagnostics that name a
//! real `file:line:col`, or valid outputs, and never a panic (a panic here is a
//! `cargo xtask regen` that crashes instead of telling the author what to fix).
//!
//! Input: a first line with the file's path (e.g. `catalog/errors/possession.yaml`;
//! an unknown path adds a file), then its text. The other files are the small base
//! catalogue of idv-catalog's tests (`crates/catalog/tests/data/base`).
//!
//! The catalogue is loaded through a `ParseCache` kept for the whole run, so the
//! base files, which are the same at every execution, are parsed once rather than
//! at every execution; the changed file goes through the whole parser each time.
//! (`idv-catalog`'s `load::a_parse_cache_changes_nothing_but_the_work` checks that
//! the cache changes no result.)

#![no_main]

use idv_catalog::{Catalog, Diagnostic, ParseCache, lock, render, validate};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

macro_rules! base {
    ($($rel:literal),* $(,)?) => {
        [$((
            $rel,
            include_str!(concat!("../../crates/catalog/tests/data/base/", $rel)),
        )),*]
    };
}

const BASE: [(&str, &str); 9] = base![
    "catalog/surfaces.yaml",
    "catalog/statuses.yaml",
    "catalog/outcomes.yaml",
    "catalog/troubleshooting.yaml",
    "catalog/limits.yaml",
    "catalog/errors/possession.yaml",
    "catalog/errors/signup.yaml",
    "catalog/errors/verification.yaml",
    "catalog/operations/possession.yaml",
];

thread_local! {
    static CACHE: ParseCache = ParseCache::new();
}

fn check(d: &Diagnostic, files: &BTreeMap<String, String>) {
    let shown = d.to_string();
    assert!(
        files.contains_key(&d.file) || d.file == "catalog/errors",
        "diagnostic names a file that is not in the catalogue: {shown}"
    );
    assert!(d.pos.line >= 1 && d.pos.col >= 1, "no position: {shown}");
    if let Some(text) = files.get(&d.file) {
        // The line exists (or is the one after a final newline).
        assert!(
            d.pos.line <= text.lines().count() + 1,
            "line past the end of the file: {shown}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let nl = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let path = String::from_utf8_lossy(&data[..nl]).trim().to_string();
    let text = String::from_utf8_lossy(data.get(nl + 1..).unwrap_or_default()).into_owned();
    let mut files: BTreeMap<String, String> = BASE
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    files.insert(path, text);

    let cat = match CACHE.with(|cache| Catalog::from_texts_cached(&files, cache)) {
        Ok(cat) => cat,
        Err(diags) => {
            assert!(!diags.is_empty(), "a failed load must say why");
            diags.iter().for_each(|d| check(d, &files));
            return;
        }
    };
    let diags = validate::validate(&cat);
    if !diags.is_empty() {
        diags.iter().for_each(|d| check(d, &files));
        return;
    }
    match lock::check(&cat) {
        Err(d) => check(&d, &files),
        Ok(_) => {
            let outs = render::all(&cat);
            assert!(!outs.is_empty());
        }
    }
});

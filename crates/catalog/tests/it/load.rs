//! The loader reads the same catalogue from disk and from text
//! (`Catalog::from_texts`, the entry point of the fuzz targets in `fuzz/`).

use crate::data;
use idv_catalog::Catalog;
use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `root/catalog`, keyed by its path relative to `root`.
fn texts(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, into);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                let rel = rel.to_string_lossy().replace('\\', "/");
                into.insert(rel, std::fs::read_to_string(&p).expect("read"));
            }
        }
    }
    let mut m = BTreeMap::new();
    walk(root, &root.join("catalog"), &mut m);
    m
}

#[test]
fn text_and_disk_load_the_same_catalogue() {
    for root in [data("base"), crate::repo_root()] {
        let disk = Catalog::load(&root).expect("loads from disk");
        let mem = Catalog::from_texts(&texts(&root)).expect("loads from text");
        let ids = |c: &Catalog| c.errors.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&mem), ids(&disk));
        assert_eq!(mem.operations.len(), disk.operations.len());
        assert_eq!(mem.lock_text, disk.lock_text);
        let paths = |c: &Catalog| c.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&mem), paths(&disk));
        assert!(idv_catalog::validate::validate(&mem).is_empty());
    }
}

#[test]
fn a_file_missing_from_the_texts_is_reported_like_a_missing_file() {
    let mut files = texts(&data("base"));
    files.remove("catalog/statuses.yaml");
    let diags = Catalog::from_texts(&files).expect_err("statuses are required");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].file, "catalog/statuses.yaml");
    assert!(
        diags[0]
            .to_string()
            .starts_with("catalog/statuses.yaml:1:1: cannot read the file ("),
        "{}",
        diags[0]
    );
}

/// What a load through a `ParseCache` (the `catalog` fuzz target's way) gives, as
/// text: the rendered `catalog.json` and the positions of a validation finding, or
/// the diagnostics.
fn outcome(result: Result<Catalog, Vec<idv_catalog::Diagnostic>>) -> String {
    match result {
        Ok(cat) => {
            let diags = idv_catalog::validate::validate(&cat);
            let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            format!("{}\n{}", idv_catalog::render::json(&cat), shown.join("\n"))
        }
        Err(diags) => diags
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn a_parse_cache_changes_nothing_but_the_work() {
    let cache = idv_catalog::ParseCache::new();
    let base = texts(&data("base"));
    let errors = "catalog/errors/possession.yaml";
    // The same file with a new error message (still valid), with a line added in
    // front (every position moves), and broken YAML.
    let mut reworded = base.clone();
    let text = &base[errors];
    let message = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("message: "))
        .expect("an error with a message");
    reworded.insert(
        errors.into(),
        text.replacen(message, "\"Reworded for the cache test.\"", 1),
    );
    let mut shifted = base.clone();
    shifted.insert(errors.into(), format!("# a new first line\n{text}"));
    let mut broken = base.clone();
    broken.insert(errors.into(), format!("{text}\n  - : [\n"));
    // A status that no longer exists, so validation points into the shifted file.
    let mut invalid = shifted.clone();
    invalid.insert(
        errors.into(),
        shifted[errors].replacen("status: 4", "status: 9", 1),
    );

    for files in [
        &base, &reworded, &base, &shifted, &broken, &invalid, &base, &shifted,
    ] {
        let cached = outcome(Catalog::from_texts_cached(files, &cache));
        assert_eq!(cached, outcome(Catalog::from_texts(files)));
    }
    assert!(
        outcome(Catalog::from_texts_cached(&reworded, &cache))
            .contains("Reworded for the cache test.")
    );
    assert!(Catalog::from_texts_cached(&broken, &cache).is_err());
    // The finding is on the status line, one line down in the shifted file.
    let found = outcome(Catalog::from_texts_cached(&invalid, &cache));
    assert!(
        found.contains("catalog/errors/possession.yaml:6:"),
        "{found}"
    );
}

/// Found by the `catalog` fuzz target (fuzz/README.md, finding 6): 128 carriage
/// returns inserted in `statuses.yaml` made the YAML parser report line 211 of a
/// 117-line file. A line break other than LF or CRLF is refused where it stands,
/// counted in LF lines.
#[test]
fn a_line_break_other_than_lf_is_refused_at_its_line() {
    let base = texts(&data("base"));
    let path = "catalog/statuses.yaml";
    for (odd, what) in [
        ("\r\r\r", "carriage return"),
        ("\u{85}", "U+0085"),
        ("\u{2028}", "U+2028"),
        ("\u{2029}", "U+2029"),
    ] {
        let mut files = base.clone();
        let text = &base[path];
        let third = text.match_indices('\n').nth(1).expect("three lines").0 + 1;
        files.insert(
            path.into(),
            format!("{}  {odd}{}", &text[..third], &text[third..]),
        );
        let diags = Catalog::from_texts(&files).expect_err("refused");
        assert_eq!(diags.len(), 1, "{diags:?}");
        let shown = diags[0].to_string();
        assert!(
            shown.starts_with("catalog/statuses.yaml:3:3: ") && shown.contains(what),
            "{shown}"
        );
    }
    // CRLF line endings are still read.
    let mut crlf = base.clone();
    crlf.insert(path.into(), base[path].replace('\n', "\r\n"));
    assert!(Catalog::from_texts(&crlf).is_ok());
}

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

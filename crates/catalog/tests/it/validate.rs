//! Every validation rule has a bad catalogue under `tests/data/bad/<case>/` (the base
//! catalogue with one file changed, written by `tests/data/make_bad.py`) and the
//! diagnostics it must produce in `expected.txt`, each `file:line:col: what; what to do`.
//! `IDV_BLESS=1 cargo test -p idv-catalog` rewrites the expected files for review.

use crate::{catalogue_with, data};
use idv_catalog::{Catalog, validate::validate};

fn diagnostics(case: Option<&std::path::Path>) -> Vec<String> {
    let root = catalogue_with(case);
    match Catalog::load(&root.0) {
        Err(d) => d.iter().map(|d| d.to_string()).collect(),
        Ok(cat) => {
            let mut d: Vec<String> = validate(&cat).iter().map(|d| d.to_string()).collect();
            if d.is_empty()
                && let Err(l) = idv_catalog::lock::check(&cat)
            {
                d.push(l.to_string());
            }
            d
        }
    }
}

#[test]
fn the_base_catalogue_is_valid() {
    assert_eq!(diagnostics(None), Vec::<String>::new());
}

#[test]
fn every_bad_catalogue_fails_with_its_expected_diagnostics() {
    let bless = std::env::var_os("IDV_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(data("bad"))
        .expect("bad cases")
        .map(|e| e.expect("entry").path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 25,
        "expected a bad catalogue per rule, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        if name.starts_with("lock_override") {
            continue; // Not an error: see lock.rs.
        }
        let got = diagnostics(Some(&case));
        let expected_path = case.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, got.join("\n") + "\n").expect("bless");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        let expected: Vec<String> = expected
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if got.is_empty() {
            failures.push(format!("{name}: the catalogue was accepted"));
        } else if got != expected {
            failures.push(format!("{name}:\n  expected {expected:#?}\n  got {got:#?}"));
        }
        // Every diagnostic names file:line:col.
        for d in &got {
            let mut parts = d.splitn(4, ':');
            let (file, line, col) = (parts.next(), parts.next(), parts.next());
            if !(file.is_some_and(|f| f.starts_with("catalog/"))
                && line.is_some_and(|l| l.parse::<usize>().is_ok())
                && col.is_some_and(|c| c.parse::<usize>().is_ok()))
            {
                failures.push(format!("{name}: `{d}` does not start with file:line:col"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_real_catalogue_is_valid() {
    let cat = Catalog::load(&crate::repo_root()).unwrap_or_else(|d| panic!("{d:#?}"));
    let d = validate(&cat);
    assert!(d.is_empty(), "{d:#?}");
}

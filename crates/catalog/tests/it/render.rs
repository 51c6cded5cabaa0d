//! Snapshots of the rendered reference, so wording changes are reviewed.

use idv_catalog::{Catalog, render};

#[test]
fn markdown_pages() {
    let cat = Catalog::load(&crate::repo_root()).expect("loads");
    for (name, contents) in render::markdown::pages(&cat) {
        insta::assert_snapshot!(name.trim_end_matches(".md").to_string(), contents);
    }
}

#[test]
fn generated_code_is_deterministic() {
    let a = idv_catalog::generate(&crate::repo_root()).expect("generates");
    let b = idv_catalog::generate(&crate::repo_root()).expect("generates");
    assert_eq!(a.0, b.0);
    for o in &a.0 {
        assert!(!o.contents.contains('\r'), "{} has CR", o.path);
        let head: String = o.contents.lines().take(3).collect();
        assert!(
            head.contains("cargo xtask regen") && head.contains("do not edit"),
            "{} lacks the do-not-edit header",
            o.path
        );
    }
}

#[test]
fn endpoint_reference_pages() {
    let cat = Catalog::load(&crate::repo_root()).expect("loads");
    let pages = render::endpoints::pages(&cat);
    assert!(
        pages.iter().any(|(n, _)| n == "possession-endpoints.md"),
        "the possession surface has an endpoint reference"
    );
    for (name, contents) in pages {
        insta::assert_snapshot!(name.trim_end_matches(".md").to_string(), contents);
    }
}

/// The operations table of the small test catalogue: every field of the Rust
/// rendering, and the errors linked through their `endpoints`.
#[test]
fn operations_table_of_the_test_catalogue() {
    let root = crate::catalogue_with(None);
    let cat = Catalog::load(&root.0).expect("loads");
    insta::assert_snapshot!("operations_rs_base", render::operations::rust(&cat));
}

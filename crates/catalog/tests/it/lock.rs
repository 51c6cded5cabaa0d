//! `codes.lock`: released codes are append-only.

use crate::{catalogue_with, data};
use idv_catalog::{Catalog, lock};

#[test]
fn a_new_catalogue_locks_every_code_and_keeps_retired_ones() {
    let root = catalogue_with(None);
    let cat = Catalog::load(&root.0).expect("base loads");
    let (text, reports) = lock::check(&cat).expect("no lock yet");
    assert!(reports.is_empty());
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            "possession 8001 400 malformed_request",
            "possession 8004 400 retired:-",
            "possession 8018 429 rate_limit_exceeded",
            "signup OCE011 400 additional_inputs_required"
        ]
    );
}

#[test]
fn a_status_change_with_lock_override_is_allowed_and_reported() {
    let root = catalogue_with(Some(&data("bad/lock_override_reported")));
    let cat = Catalog::load(&root.0).expect("loads");
    let (text, reports) = lock::check(&cat).expect("override accepted");
    assert!(text.contains("possession 8001 400 malformed_request"));
    assert!(
        reports.iter().any(|r| r.contains(
            "8001 changes from 401 malformed_request to 400 malformed_request (lock_override: "
        )),
        "{reports:?}"
    );
    assert!(
        reports.iter().any(|r| r.contains("8004 is retired")),
        "{reports:?}"
    );
}

#[test]
fn the_real_lock_matches_the_real_catalogue() {
    let cat = Catalog::load(&crate::repo_root()).expect("loads");
    let (text, _) = lock::check(&cat).expect("lock holds");
    assert_eq!(text, cat.lock_text, "run `cargo xtask regen`");
}

//! `idv explain`: every catalogue entry is explainable by code, id and status.

use std::process::Command;

fn idv(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_idv"))
        .args(args)
        .output()
        .expect("idv runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn explains_a_code_with_everything_a_reader_needs() {
    let (ok, out, _) = idv(&["explain", "8003"]);
    assert!(ok);
    for want in [
        "8003 Step Called Out of Order",
        "surface:     possession",
        "status:      403 Forbidden",
        "message:     step called out of order",
        "docs/reference/possession.md#step_called_out_of_order",
        "Causes:",
        "Resolution:",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn explains_signup_codes_ids_and_statuses() {
    let (ok, out, _) = idv(&["explain", "OCE011"]);
    assert!(
        ok && out.contains("Additional information is required to source data for user: {inputs}"),
        "{out}"
    );
    let (ok, out, _) = idv(&["explain", "step_called_out_of_order"]);
    assert!(ok && out.starts_with("8003 "), "{out}");
    let (ok, out, _) = idv(&["explain", "418"]);
    assert!(
        ok && out.contains("HTTP 418") && out.contains("api_key_used_client_side"),
        "{out}"
    );
}

#[test]
fn every_entry_is_explainable_and_listed() {
    let (ok, list, _) = idv(&["explain", "--list"]);
    assert!(ok);
    for id in idv_core::ErrorId::ALL {
        assert!(list.contains(id.name()), "{id} not listed");
    }
    assert!(list.lines().count() >= idv_core::ErrorId::ALL.len());
}

#[test]
fn an_unknown_code_says_so_and_suggests_the_closest() {
    let (ok, _, err) = idv(&["explain", "8013"]);
    assert!(!ok);
    assert!(err.contains("no error, code or status `8013`"), "{err}");
    assert!(err.contains("Closest known: 8003"), "{err}");
    let (ok, _, err) = idv(&["explain", "step_caled_out_of_order"]);
    assert!(!ok && err.contains("step_called_out_of_order"), "{err}");
}

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

fn idv_env(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idv"));
    c.args(args).env_remove("IDV_DOCS_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("idv runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn finds_an_error_by_its_exact_wire_message() {
    let (ok, out, _) = idv(&["explain", "correlation ID is expired or invalid"]);
    assert!(ok, "{out}");
    assert!(out.starts_with("8008 Invalid Correlation ID\n"), "{out}");
    // A message with its placeholders filled in, as a client received it.
    let (ok, out, _) = idv(&[
        "explain",
        "Additional information is required to source data for user: dob, ssn",
    ]);
    assert!(ok && out.starts_with("OCE011 "), "{out}");
}

#[test]
fn finds_errors_by_words_ranked_best_first_then_a_short_list() {
    let (ok, out, err) = idv(&["explain", "rate limit"]);
    assert!(ok, "{err}");
    // The best match in full…
    assert!(out.starts_with("8018 Rate Limit Exceeded\n"), "{out}");
    assert!(out.contains("Resolution:"), "{out}");
    // …and the others, one line each, the other 429 before weaker matches.
    let others = &out[out.find("Other matches:\n").expect("a list of others")..];
    let lines: Vec<&str> = others.lines().skip(1).collect();
    assert!(lines[0].contains("too_many_requests"), "{others}");
    assert!(
        !others.contains("Causes:"),
        "the others are not shown in full: {others}"
    );
    // Words match case-insensitively, and a word finds its longer forms.
    let (ok, out, _) = idv(&["explain", "Correlation EXPIRE"]);
    assert!(ok && out.starts_with("8008 "), "{out}");
}

#[test]
fn words_that_match_nothing_get_the_closest_suggestions_and_fail() {
    let (ok, out, err) = idv(&["explain", "rate limt exceded"]);
    assert!(!ok, "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("no message, title or description matches"),
        "{err}"
    );
    assert!(err.contains("Closest known: rate_limit_exceeded"), "{err}");
}

#[test]
fn prints_the_page_and_anchor_that_document_the_entry_and_they_exist() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    for id in idv_core::ErrorId::ALL {
        let (ok, out, _) = idv(&["explain", id.name()]);
        assert!(ok);
        let docs = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("docs:"))
            .unwrap_or_else(|| panic!("no docs line for {id}:\n{out}"))
            .trim();
        let (page, anchor) = docs.split_once('#').expect("page#anchor");
        assert!(page.starts_with("docs/reference/") && page.ends_with(".md"));
        let md = std::fs::read_to_string(format!("{root}{page}"))
            .unwrap_or_else(|e| panic!("{page} of {id}: {e}"));
        assert!(
            md.contains(&format!("<a id=\"{anchor}\"></a>")),
            "{page} has no anchor {anchor}"
        );
        assert!(!out.contains("url:"), "no URL without a base: {out}");
    }
}

#[test]
fn prints_the_full_url_given_a_docs_base_by_flag_or_environment() {
    let want = "url:         http://127.0.0.1:8080/docs/possession#identity_not_found";
    let (ok, out, _) = idv_env(
        &["explain", "8011", "--docs-url", "http://127.0.0.1:8080"],
        &[],
    );
    assert!(ok && out.contains(want), "{out}");
    let (ok, out, _) = idv_env(
        &["explain", "identity not found"],
        &[("IDV_DOCS_URL", "http://127.0.0.1:8080/docs/")],
    );
    assert!(ok && out.contains(want), "{out}");
    // The flag wins over the environment; a docs root elsewhere is kept as given.
    let (ok, out, _) = idv_env(
        &[
            "explain",
            "8011",
            "--docs-url",
            "https://idv.example/reference",
        ],
        &[("IDV_DOCS_URL", "http://127.0.0.1:8080")],
    );
    assert!(
        ok && out.contains("https://idv.example/reference/possession#identity_not_found"),
        "{out}"
    );
}

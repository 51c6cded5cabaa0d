//! `cargo xtask regen --check` as a test, so plain `cargo test` fails on drift.

use crate::root;
use std::path::Path;

#[test]
fn generated_files_are_up_to_date() {
    let report = idv_catalog::sync(&root(), true).unwrap_or_else(|d| {
        panic!(
            "the catalogue is invalid:\n{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(
        report.stale.is_empty() && report.extra.is_empty(),
        "generated files are out of date: stale {:?}, no longer generated {:?}; run `cargo xtask regen` and commit the result",
        report.stale,
        report.extra
    );
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        if e.path().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

/// A copy of the catalogue and its generated outputs in a fresh temp directory.
fn generated_tree(tag: &str) -> std::path::PathBuf {
    let tmp = std::env::temp_dir().join(format!("idv-xtask-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for dir in ["catalog", "crates/core/src/generated", "docs/reference"] {
        copy(&root().join(dir), &tmp.join(dir));
    }
    tmp
}

#[test]
fn changing_a_message_without_regenerating_names_the_stale_files() {
    let tmp = generated_tree("drift");
    let f = tmp.join("catalog/errors/possession.yaml");
    let text = std::fs::read_to_string(&f).expect("read");
    let changed = text.replace("step called out of order", "step called out of sequence");
    assert_ne!(text, changed);
    std::fs::write(&f, changed).expect("write");
    let report = idv_catalog::sync(&tmp, true).expect("still valid");
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        report
            .stale
            .contains(&"crates/core/src/generated/errors.rs".to_string()),
        "{:?}",
        report.stale
    );
    assert!(
        report
            .stale
            .contains(&"docs/reference/possession.md".to_string()),
        "{:?}",
        report.stale
    );
}

#[test]
fn a_generated_file_edited_by_hand_is_stale_until_regenerated() {
    // A copy with one generated file edited by hand.
    let tmp = generated_tree("check");
    std::fs::write(tmp.join("docs/reference/limits.md"), "edited by hand\n").expect("write");
    let report = idv_catalog::sync(&tmp, true).expect("valid");
    assert_eq!(report.stale, vec!["docs/reference/limits.md".to_string()]);
    // Regenerating repairs it, and the check then passes.
    idv_catalog::sync(&tmp, false).expect("writes");
    let after = idv_catalog::sync(&tmp, true).expect("valid");
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(after.stale.is_empty());
}

#[test]
fn regen_check_exits_non_zero_naming_the_file_and_the_command() {
    let tmp = generated_tree("exit");
    std::fs::write(tmp.join("docs/reference/outcomes.md"), "edited by hand\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["regen", "--check", "--root"])
        .arg(&tmp)
        .output()
        .expect("xtask runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success());
    assert!(
        stderr.contains("stale: docs/reference/outcomes.md"),
        "{stderr}"
    );
    assert!(stderr.contains("run `cargo xtask regen`"), "{stderr}");
    // A broken catalogue exits non-zero with file:line:col.
    let f = tmp.join("catalog/errors/possession.yaml");
    let text = std::fs::read_to_string(&f).expect("read");
    std::fs::write(
        &f,
        text.replacen(
            "    resolution:",
            "    resolution: \"\"\n    x_resolution:",
            1,
        ),
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["regen", "--check", "--root"])
        .arg(&tmp)
        .output()
        .expect("xtask runs");
    let _ = std::fs::remove_dir_all(&tmp);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success());
    assert!(
        stderr.starts_with("catalog/errors/possession.yaml:"),
        "{stderr}"
    );
}

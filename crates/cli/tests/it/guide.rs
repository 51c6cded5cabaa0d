//! The server guide's walk-through (`docs/guides/server.md`), executed verbatim:
//! the `sh` block after `<!-- walkthrough -->` runs in bash against a fresh
//! `idv serve`, with the address and client the server printed on its first
//! start, and what it prints must be the guide's `text` block that follows, once
//! the ids that differ on every run are replaced by the guide's placeholders.

use crate::walk;

const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/guides/server.md");

/// The walk-through and the output the guide says it prints.
fn walkthrough() -> (String, String) {
    let text = std::fs::read_to_string(GUIDE).expect("docs/guides/server.md");
    let start = text
        .find("<!-- walkthrough -->")
        .expect("the server guide marks its walkthrough");
    let (script, end) = walk::block(&text, start, "sh", GUIDE);
    let (output, _) = walk::block(&text, end, "text", GUIDE);
    (script, output)
}

/// Replaces the value of every `"key":"…"` member by `placeholder`.
fn placeholder(line: &str, key: &str, placeholder: &str) -> String {
    let pattern = format!("\"{key}\":\"");
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(&pattern) {
        let value = at + pattern.len();
        out.push_str(&rest[..value]);
        out.push_str(placeholder);
        let end = rest[value..].find('"').map_or(rest.len(), |n| value + n);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The ids that differ on every run, as the guide writes them.
fn normalize(stdout: &str) -> String {
    stdout
        .lines()
        .map(|l| {
            let l = placeholder(l, "identityId", "I");
            let l = placeholder(&l, "correlationId", "C");
            placeholder(&l, "authToken", "…")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn placeholders_replace_only_the_named_members() {
    assert_eq!(
        normalize(r#"{"success":true,"identityId":"3d7d-c3d1","next":{"done":"done"}}"#),
        r#"{"success":true,"identityId":"I","next":{"done":"done"}}"#
    );
    assert_eq!(normalize("x-request-id: guide-1"), "x-request-id: guide-1");
}

#[test]
fn the_server_guide_walkthrough_prints_what_the_guide_shows() {
    if let Some(why) = walk::missing_tools() {
        println!("{why}");
        return;
    }
    let (script, expected) = walkthrough();
    let stdout = walk::run(&script);
    assert_eq!(
        normalize(&stdout),
        expected.trim_end(),
        "docs/guides/server.md: the walkthrough's output differs from the guide"
    );
}

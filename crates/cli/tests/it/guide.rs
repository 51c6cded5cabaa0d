//! The server guide's walk-through (`docs/guides/server.md`), executed verbatim:
//! the `sh` block after `<!-- walkthrough -->` runs in bash against a fresh
//! `idv serve`, with the address and client the server printed on its first
//! start, and what it prints must be the guide's `text` block that follows, once
//! the ids that differ on every run are replaced by the guide's placeholders.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const GUIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/guides/server.md");

/// The body of the first fenced block of kind `lang` at or after `from`, and
/// where that block ends.
fn block(text: &str, from: usize, lang: &str) -> (String, usize) {
    let fence = format!("```{lang}\n");
    let open = from
        + text[from..]
            .find(&fence)
            .unwrap_or_else(|| panic!("a {lang} block follows in {GUIDE}"))
        + fence.len();
    let close = open + text[open..].find("```").expect("the block is closed");
    (text[open..close].to_string(), close + 3)
}

/// The walk-through and the output the guide says it prints.
fn walkthrough() -> (String, String) {
    let text = std::fs::read_to_string(GUIDE).expect("docs/guides/server.md");
    let start = text
        .find("<!-- walkthrough -->")
        .expect("the server guide marks its walkthrough");
    let (script, end) = block(&text, start, "sh");
    let (output, _) = block(&text, end, "text");
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

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
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
    if !(have("curl") && have("bash") && have("sed")) {
        println!("skipped: the walkthrough needs curl, bash and sed on PATH");
        return;
    }
    let (script, expected) = walkthrough();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_idv"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .env_remove("IDV__LISTEN")
        .env_remove("IDV__DATABASE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("idv serve starts");
    let (mut id, mut secret, mut url) = (String::new(), String::new(), String::new());
    for line in BufReader::new(server.stdout.take().expect("stdout")).lines() {
        let line = line.expect("line");
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["client_id:", v] => id = v.to_string(),
            ["client_secret:", v] => secret = v.to_string(),
            ["curl", ..] => {
                let u = words
                    .iter()
                    .find(|w| w.starts_with("http://"))
                    .expect("url");
                url = u.trim_end_matches("/token").to_string();
                break;
            }
            _ => {}
        }
    }
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("IDV", &url)
        .env("CLIENT_ID", &id)
        .env("CLIENT_SECRET", &secret)
        .output()
        .expect("bash runs");
    let _ = server.kill();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        normalize(&stdout),
        expected.trim_end(),
        "docs/guides/server.md: the walkthrough's output differs from the guide"
    );
}

//! The README's run command and its curl walk-through, executed verbatim: the block
//! after `<!-- walkthrough -->` runs in bash against a fresh `idv serve`, with the
//! address and client that the server printed on its first start.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md")
}

fn walkthrough() -> String {
    let text = readme();
    let start = text
        .find("<!-- walkthrough -->")
        .expect("the README marks its walkthrough");
    let rest = &text[start..];
    let open = rest.find("```sh\n").expect("a sh block follows the marker") + "```sh\n".len();
    let close = rest[open..].find("```").expect("the block is closed");
    rest[open..open + close].to_string()
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
fn the_readme_runs_the_server_with_idv_serve() {
    assert!(readme().contains("cargo run -p idv -- serve"));
    assert!(readme().contains("cargo test --workspace"));
}

#[test]
fn the_readme_walkthrough_runs_verbatim_against_idv_serve() {
    if !(have("curl") && have("bash") && have("sed")) {
        println!("skipped: the walkthrough needs curl, bash and sed on PATH");
        return;
    }
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
        .args(["-euo", "pipefail", "-c", &walkthrough()])
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
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    let expect = [
        "\"next\":{\"v3-validate\":\"/v3/validate\"}",
        "\"next\":{\"v3-challenge\":\"/v3/challenge\"}",
        "\"address\":\"39 South Trail\",\"city\":\"San Antonio\",\"region\":\"TX\",\"postalCode\":\"78285\"",
        "\"next\":{\"done\":\"done\"}",
        "\"firstName\":\"Tod\",\"lastName\":\"Weedall\"",
        "{\"code\":8008,\"message\":\"correlation ID is expired or invalid\"}",
    ];
    for (line, want) in lines.iter().zip(expect) {
        assert!(line.contains(want), "expected {want} in {line}");
    }
}

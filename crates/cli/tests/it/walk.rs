//! What the README's and the server guide's walk-through tests share: finding a
//! marked block in a document, and running a bash script against a fresh
//! `idv serve` with the address and client it printed on its first start.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The body of the first fenced block of kind `lang` at or after byte `from` of
/// `text` (`doc` names the document in the panic), and where that block ends.
pub fn block(text: &str, from: usize, lang: &str, doc: &str) -> (String, usize) {
    let fence = format!("```{lang}\n");
    let open = from
        + text[from..]
            .find(&fence)
            .unwrap_or_else(|| panic!("a {lang} block follows the marker in {doc}"))
        + fence.len();
    let close = open + text[open..].find("```").expect("the block is closed");
    (text[open..close].to_string(), close + 3)
}

/// Why the walk-throughs cannot run here (they need bash, curl and sed), if so.
pub fn missing_tools() -> Option<&'static str> {
    let have = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    (!(have("curl") && have("bash") && have("sed")))
        .then_some("skipped: the walkthrough needs curl, bash and sed on PATH")
}

/// Starts `idv serve` on a fresh database, runs `script` in bash with `IDV`,
/// `CLIENT_ID` and `CLIENT_SECRET` set from what the server printed, stops the
/// server, and returns what the script printed (it must succeed).
pub fn run(script: &str) -> String {
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
        .args(["-euo", "pipefail", "-c", script])
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
    stdout
}

//! `idv admin workspace|token` and the sandbox workspace of a first start, as
//! a user runs them.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};

fn idv() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idv"));
    for k in [
        "IDV__LISTEN",
        "IDV__DATABASE",
        "IDV__REGION",
        "IDV__TIER",
        "IDV__CONFIG",
        "IDV__LOG",
        "RUST_LOG",
    ] {
        c.env_remove(k);
    }
    c
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `GET path` with a Bearer token; the status line and body.
fn get(addr: &str, path: &str, token: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn admin_creates_workspaces_and_creates_lists_and_revokes_their_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let admin = |args: &[&str]| {
        let mut all = vec!["admin"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--database", &db]);
        idv().args(&all).output().unwrap()
    };
    let ws = &json_lines(&ok(&admin(&[
        "workspace",
        "create",
        "--name",
        "acme",
        "--json",
    ])))[0];
    let ws_id = ws["workspace_id"].as_str().unwrap();
    assert!(ws_id.starts_with("ws_"), "{ws}");
    assert_eq!(ws["tier"], "sandbox");
    let token = ws["token"].as_str().unwrap();
    let (id, secret) = token.split_once('|').unwrap();
    assert!(id.starts_with("tok_") && secret.len() == 64, "{token}");

    let prod = &json_lines(&ok(&admin(&[
        "workspace",
        "create",
        "--name",
        "live",
        "--tier",
        "production",
        "--json",
    ])))[0];
    assert_eq!(prod["tier"], "production");
    let bad = admin(&["workspace", "create", "--name", "x", "--tier", "gold"]);
    assert!(!bad.status.success());

    let ci = &json_lines(&ok(&admin(&[
        "token",
        "create",
        "--workspace",
        ws_id,
        "--name",
        "ci",
        "--expires-in-days",
        "30",
        "--json",
    ])))[0];
    assert_eq!(ci["name"], "ci");
    assert_eq!(ci["workspace_id"], ws_id);
    let ci_id = ci["token_id"].as_str().unwrap();
    let expires_in = ci["expires_at"].as_i64().unwrap() - idv_now();
    assert!(
        (30 * 86_400 - 60..=30 * 86_400).contains(&expires_in),
        "{ci}"
    );

    ok(&admin(&["token", "revoke", ci_id, "--json"]));
    let again = admin(&["token", "revoke", ci_id]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no active API token"));

    let list = json_lines(&ok(&admin(&[
        "token",
        "list",
        "--workspace",
        ws_id,
        "--json",
    ])));
    let mut states: Vec<(&str, &str)> = list
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["state"].as_str().unwrap()))
        .collect();
    states.sort();
    assert_eq!(states, [("ci", "revoked"), ("default", "active")]);
    assert!(
        list.iter().all(|t| t.get("token").is_none()),
        "no secret is listed"
    );
    for args in [
        &["token", "create", "--workspace", "ws_nope"][..],
        &["token", "list", "--workspace", "ws_nope"],
        &[
            "token",
            "create",
            "--workspace",
            ws_id,
            "--expires-in-days",
            "0",
        ],
    ] {
        let out = admin(args);
        assert!(!out.status.success(), "{args:?}");
    }
}

fn idv_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn the_first_start_prints_a_sandbox_workspace_token_that_works_and_later_starts_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let start = || {
        idv()
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let stop = |child: &mut std::process::Child| {
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(child.wait().unwrap().success());
    };
    let mut child = start();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut token, mut curl) = (String::new(), String::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        let line = line.trim();
        if let Some(t) = line.strip_prefix("token: ") {
            token = t.to_string();
        }
        if line.starts_with("curl ") && line.contains("/api/v1/") {
            curl = line.to_string();
            break;
        }
    }
    assert!(token.starts_with("tok_"), "{token}");
    assert!(curl.contains(&token), "{curl}");
    let url = curl
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap();
    let addr = url.trim_start_matches("http://").split('/').next().unwrap();
    let resp = get(addr, "/api/v1/verifications", &token);
    assert!(resp.contains("\"total\":0"), "{resp}");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let resp = get(addr, "/api/v1/address-blacklist", "tok_0|0");
    assert!(resp.starts_with("HTTP/1.1 401"), "{resp}");
    stop(&mut child);

    let mut child = start();
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in err.by_ref() {
        if line.unwrap().contains("listening") {
            break;
        }
    }
    stop(&mut child);
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(!out.contains("token: "), "no token again: {out}");
}

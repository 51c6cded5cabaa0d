//! `idv serve` and `idv admin` as a user runs them.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn idv() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idv"));
    c.env_remove("IDV__LISTEN")
        .env_remove("IDV__DATABASE")
        .env_remove("IDV__REGION")
        .env_remove("IDV__TIER")
        .env_remove("IDV__CONFIG")
        .env_remove("IDV__LOG")
        .env_remove("RUST_LOG");
    c
}

fn http(addr: &str, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn admin_creates_and_revokes_clients_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/nested/idv.db", dir.path().display());
    let out = idv()
        .args([
            "admin",
            "client",
            "create",
            "--database",
            &db,
            "--region",
            "eu",
            "--solution",
            "unify",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["region"].as_str(), v["solution"].as_str()),
        (Some("eu"), Some("unify"))
    );
    let id = v["client_id"].as_str().unwrap();
    assert_eq!(v["client_secret"].as_str().unwrap().len(), 64);
    let out = idv()
        .args(["admin", "client", "revoke", "--database", &db, id, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = idv()
        .args(["admin", "client", "revoke", "--database", &db, id])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no active client"));
}

/// `--count N` creates N clients of one project, one JSON line each (the
/// benchmark provisions thousands this way), and refuses 0.
#[test]
fn admin_creates_many_clients_of_one_project() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let create = |extra: &[&str]| {
        let mut args = vec!["admin", "client", "create", "--database", &db, "--json"];
        args.extend_from_slice(extra);
        idv().args(&args).output().unwrap()
    };
    let out = create(&["--count", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let project = lines[0]["project_id"].as_str().unwrap();
    assert!(
        lines
            .iter()
            .all(|c| c["project_id"].as_str() == Some(project))
    );
    let mut ids: Vec<&str> = lines
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "distinct clients");
    // More clients join an existing project the same way.
    let out = create(&["--project", project, "--count", "2"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let out = create(&["--count", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--count"));
}

#[test]
fn serve_fails_at_once_on_a_bad_database() {
    for db in [
        "postgres://postgres@127.0.0.1:1/none",
        "mysql://x",
        "sqlite:///proc/none/x.db",
    ] {
        let out = idv()
            .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("idv: ") && err.contains("database"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn serve_provisions_on_first_start_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let mut child = idv()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .env("IDV__LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut curl = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.trim_start().starts_with("curl ") {
            curl = line;
            break;
        }
    }
    // curl -s -X POST http://ADDR/token -d grant_type=… -d client_id=… -d client_secret=…
    let words: Vec<&str> = curl.split_whitespace().collect();
    let url = words.iter().find(|w| w.starts_with("http://")).unwrap();
    let addr = url.trim_start_matches("http://").trim_end_matches("/token");
    let form: Vec<&str> = words.iter().filter(|w| w.contains('=')).copied().collect();
    let body = form.join("&");
    let resp = http(
        addr,
        &format!(
            "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"token_type\":\"Bearer\""));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "exit {status:?}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("stopped"), "{err}");

    // A second start on the same database provisions nothing and prints no secret.
    let out = restart_output(&db);
    assert!(!out.contains("client_secret"), "{out}");
}

/// What `idv serve` prints on stdout when started on `db` and stopped with
/// SIGTERM once it listens.
fn restart_output(db: &str) -> String {
    let mut child = idv()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in err.by_ref() {
        if line.unwrap().contains("listening") {
            break;
        }
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[test]
fn configuration_layers_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("idv.toml");
    std::fs::write(&file, "database = \"mysql://from-file\"\nregion = \"eu\"\n").unwrap();
    let run = |env: Option<&str>, flag: Option<&str>| {
        let mut c = idv();
        c.args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            file.to_str().unwrap(),
        ]);
        if let Some(e) = env {
            c.env("IDV__DATABASE", e);
        }
        if let Some(f) = flag {
            c.args(["--database", f]);
        }
        let out = c.output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run(None, None).contains("mysql://from-file"));
    assert!(run(Some("mysql://from-env"), None).contains("mysql://from-env"));
    assert!(run(Some("mysql://from-env"), Some("mysql://from-flag")).contains("mysql://from-flag"));
    let out = idv()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("IDV__CONFIG", &file)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("mysql://from-file"),
        "IDV__CONFIG names the file"
    );
    std::fs::write(&file, "databse = \"sqlite://x\"\n").unwrap();
    assert!(
        run(None, None).contains("unknown field"),
        "a typo in the file is an error"
    );
    let out = idv()
        .args(["serve"])
        .env("IDV__DATABSE", "x")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown environment variable IDV__DATABSE")
    );
}

#[test]
fn serve_runs_the_retention_sweeper_on_its_interval_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let mut child = idv()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .env("IDV__LOG", "idv_server::retention=debug,info")
        .env("IDV__RETENTION_SWEEP_INTERVAL", "0.2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut sweeps = 0;
    for line in lines.by_ref() {
        if line.unwrap().contains("retention sweep: nothing expired") {
            sweeps += 1;
            if sweeps == 3 {
                break;
            }
        }
    }
    assert_eq!(sweeps, 3, "a sweep at start, then one per interval");
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(child.wait().unwrap().success());
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

#[test]
fn admin_creates_brands_and_keys_and_revokes_keys_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let run = |args: &[&str]| {
        let out = idv().args(args).args(["--database", &db]).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&[
        "admin",
        "brand",
        "create",
        "--name",
        "acme",
        "--integration",
        "semi-hosted",
        "--add-ons",
        "reason-codes,phone",
        "--redirect-url",
        "https://acme.example/done",
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["integration"], "semi-hosted");
    assert_eq!(v["add_ons"], serde_json::json!(["reason-codes", "phone"]));
    assert_eq!(v["environment"], "sandbox");
    assert_eq!(v["redirect_url"], "https://acme.example/done");
    let brand = v["brand_id"].as_str().unwrap().to_string();
    let first = v["api_key"].as_str().unwrap().to_string();
    assert!(first.starts_with("sk_sandbox_"), "{first}");

    let (ok, out, err) = run(&["admin", "key", "create", "--brand", &brand, "--json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["brand_id"], brand.as_str());
    assert_ne!(v["api_key"], first.as_str());
    let key_id = v["key_id"].as_str().unwrap().to_string();

    let (ok, out, err) = run(&["admin", "key", "revoke", &key_id, "--json"]);
    assert!(ok, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        serde_json::json!({"key_id": key_id, "revoked": true})
    );
    let (ok, _, err) = run(&["admin", "key", "revoke", &key_id, "--json"]);
    assert!(!ok && err.contains("no active key"), "{err}");
    let (ok, _, err) = run(&[
        "admin",
        "brand",
        "create",
        "--name",
        "x",
        "--integration",
        "sdk",
    ]);
    assert!(!ok && err.contains("unknown integration"), "{err}");
    let (ok, _, err) = run(&["admin", "key", "create", "--brand", "brd_nope"]);
    assert!(!ok && err.contains("no brand"), "{err}");
}

#[test]
fn the_first_start_prints_a_sandbox_brand_key_that_works_and_later_starts_do_not() {
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
    let mut child = start();
    let mut key = String::new();
    let mut addr = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["api_key:", k] => key = k.to_string(),
            ["curl", ..] if line.contains("/1-click") => {
                let url = words.iter().find(|w| w.starts_with("http://")).unwrap();
                addr = url
                    .trim_start_matches("http://")
                    .trim_end_matches("/1-click")
                    .to_string();
                break;
            }
            _ => {}
        }
    }
    assert!(key.starts_with("sk_sandbox_"), "{key}");
    let body = r#"{"phone": "+12125550010"}"#;
    let call = |key: &str| {
        http(
            &addr,
            &format!(
                "POST /1-click HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    // The printed key authenticates (the sandbox has no user with this number).
    let resp = call(&key);
    assert!(resp.contains("\"errorCode\":\"OCE004\""), "{resp}");
    let resp = call("sk_sandbox_wrong");
    assert!(resp.starts_with("HTTP/1.1 401"), "{resp}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());

    let out = restart_output(&db);
    assert!(!out.contains("api_key"), "{out}");
}

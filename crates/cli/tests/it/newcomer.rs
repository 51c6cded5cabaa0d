//! What a new user hit, run as they ran it: `RUST_LOG`, `--listen localhost:…`,
//! `sqlite://` without a path, an unwritable data directory, the help texts, and a
//! restart on a database that already has its sandbox client.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

fn idv() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idv"));
    for k in [
        "IDV__CONFIG",
        "IDV__LISTEN",
        "IDV__DATABASE",
        "IDV__REGION",
        "IDV__TIER",
        "IDV__LOG",
        "RUST_LOG",
    ] {
        c.env_remove(k);
    }
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A database `idv serve` cannot create: it logs "starting" at info, then stops.
const UNCREATABLE: &str = "sqlite:///proc/none/idv.db";

#[test]
fn rust_log_is_honoured_and_idv_log_wins_over_it() {
    let run = |env: &[(&str, &str)]| {
        let mut c = idv();
        c.args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            UNCREATABLE,
        ]);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(!out.status.success());
        stderr(&out)
    };
    let default = run(&[]);
    assert!(default.contains("starting"), "info by default: {default}");
    let quiet = run(&[("RUST_LOG", "warn")]);
    assert!(!quiet.contains("starting"), "RUST_LOG=warn: {quiet}");
    assert!(
        quiet.contains("idv: "),
        "the error itself is still printed: {quiet}"
    );
    let both = run(&[("RUST_LOG", "warn"), ("IDV__LOG", "info")]);
    assert!(both.contains("starting"), "IDV__LOG wins: {both}");
    let quiet = run(&[("IDV__LOG", "error")]);
    assert!(!quiet.contains("starting"), "IDV__LOG=error: {quiet}");
}

/// Reads the banner of a first start until its curl line; returns the
/// `HOST:PORT` the server printed.
fn served_addr(child: &mut Child) -> String {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.trim_start().starts_with("curl ") {
            let url = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .unwrap()
                .to_string();
            return url
                .trim_start_matches("http://")
                .trim_end_matches("/token")
                .to_string();
        }
    }
    panic!("no curl line on stdout");
}

fn stop(child: &mut Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn listen_accepts_a_host_name_and_serves_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let mut child = idv()
        .args(["serve", "--listen", "localhost:0", "--database", &db])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = served_addr(&mut child);
    assert!(addr.starts_with("127.0.0.1:"), "localhost resolved: {addr}");
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    stop(&mut child);

    let out = idv()
        .args(["serve", "--listen", "localhost"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("use HOST:PORT, e.g. 127.0.0.1:8080, localhost:8080"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sqlite_without_a_path_says_how_to_name_the_file() {
    for url in ["sqlite://", "sqlite:", "sqlite://?mode=rwc"] {
        for cmd in [
            &["serve", "--database", url][..],
            &["admin", "client", "create", "--database", url][..],
        ] {
            let out = idv().args(cmd).output().unwrap();
            assert!(!out.status.success(), "{cmd:?}");
            let err = stderr(&out);
            assert!(
                err.contains(&format!("idv: the database URL {url:?} names no file"))
                    && err.contains("use sqlite://PATH, e.g. sqlite://./idv-data/idv.db"),
                "{cmd:?}: {err}"
            );
            assert!(!err.contains("sqlx") && !err.contains("error returned from database"));
        }
    }
}

#[test]
fn an_unwritable_data_directory_says_what_to_do() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes through permissions: then a read-only system folder stands in.
    let mut dirs = Vec::new();
    for d in [ro.clone(), std::path::PathBuf::from("/sys")] {
        if d.is_dir() && std::fs::write(d.join(".idv-probe"), b"").is_err() {
            dirs.push(d);
        }
    }
    if dirs.is_empty() {
        println!("skipped: no unwritable directory here (running as root without /sys)");
        return;
    }
    for d in dirs {
        let db = format!("sqlite://{}/idv.db", d.display());
        for cmd in [
            &["serve", "--listen", "127.0.0.1:0", "--database", &db][..],
            &["admin", "client", "create", "--database", &db][..],
        ] {
            let out = idv().args(cmd).output().unwrap();
            assert!(!out.status.success(), "{cmd:?}");
            let err = stderr(&out);
            assert!(
                err.contains(&format!(
                    "idv: the data directory {} of the database {db} is not writable",
                    d.display()
                )) && err.contains(
                    "choose a writable place with --database sqlite://PATH (or IDV__DATABASE), or give this user write permission there"
                ),
                "{cmd:?}: {err}"
            );
        }
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn admin_help_has_no_listen_and_serve_help_names_the_environment() {
    for cmd in [
        &["admin", "client", "create", "--help"][..],
        &["admin", "client", "revoke", "--help"][..],
    ] {
        let out = idv().args(cmd).output().unwrap();
        assert!(out.status.success());
        let help = stdout(&out);
        assert!(help.contains("--database"), "{help}");
        assert!(
            !help.contains("--listen"),
            "{cmd:?} lists --listen:\n{help}"
        );
    }
    let out = idv()
        .args(["admin", "client", "create", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unexpected argument '--listen'"));

    let out = idv().args(["serve", "--help"]).output().unwrap();
    let help = stdout(&out);
    for var in [
        "IDV__CONFIG",
        "IDV__LISTEN",
        "IDV__DATABASE",
        "IDV__REGION",
        "IDV__TIER",
        "IDV__LOG",
        "RUST_LOG",
        "(IDV__LOG wins)",
        "--listen <HOST:PORT>",
        "localhost:8080",
    ] {
        assert!(help.contains(var), "serve --help lacks {var}:\n{help}");
    }
}

#[test]
fn a_restart_says_how_to_create_another_client_and_that_command_works() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let out = idv()
        .args(["admin", "client", "create", "--database", &db, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut child = idv()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .env("IDV__LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kept open until the server stopped: it logs its shutdown there.
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in err.by_ref() {
        if line.unwrap().contains("listening") {
            break;
        }
    }
    stop(&mut child);
    drop(err);
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(out.contains("the database already has a project"), "{out}");
    assert!(!out.contains("client_secret:"), "no secret again: {out}");
    let line = out
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("idv admin client create"))
        .unwrap_or_else(|| panic!("no command to run in:\n{out}"));
    assert_eq!(line, format!("idv admin client create --database {db}"));
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    let out = idv().args(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("client_secret: "), "{}", stdout(&out));
}

/// `idv serve 2>&1 | head`: once the log pipe is closed the server keeps serving
/// and still stops cleanly, instead of panicking on its next log line.
#[test]
fn serve_outlives_a_closed_log_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/idv.db", dir.path().display());
    let mut child = idv()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db])
        .env("IDV__LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = served_addr(&mut child);
    drop(child.stderr.take());
    for _ in 0..3 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        assert!(resp.starts_with("HTTP/1.1 404"), "{resp}");
    }
    stop(&mut child);
}

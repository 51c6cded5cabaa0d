//! Parsing and checking of single settings: durations, counts, the listen
//! address, SQLite paths, the data directory and key file, URL redaction.

use super::*;

/// The default key file for a database URL: beside a SQLite file, under
/// `./idv-data/` for PostgreSQL.
pub(super) fn key_file_for(database: &str) -> std::path::PathBuf {
    data_dir_for(database).join("server.key")
}

/// The data directory of a database URL: a SQLite file's folder, `./idv-data/`
/// for PostgreSQL (the server key and the local objects are kept there).
pub fn data_dir_for(database: &str) -> std::path::PathBuf {
    sqlite_path(database)
        .and_then(|p| std::path::Path::new(p).parent())
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| std::path::PathBuf::from("./idv-data"), Path::to_path_buf)
}

/// The longest timeout accepted (a day): anything longer is a typo, and
/// `Duration::from_secs_f64` must not overflow.
pub(super) const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

/// Seconds, decimals allowed (`10`, `0.5`), above 0 and at most a day.
pub(super) fn parse_seconds(name: &str, v: &str) -> Result<std::time::Duration, String> {
    match v.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= MAX_TIMEOUT_SECONDS => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err(format!(
            "invalid {name} {v:?}: use a number of seconds above 0 and at most {MAX_TIMEOUT_SECONDS}, e.g. 10 or 0.5"
        )),
    }
}

/// `handler_timeout` must end before the lease of the Idempotency-Key claim
/// its request holds, so a retry with the key finds the claim still held, never
/// free for a second run while the first may still be answering.
pub(super) fn check_handler_timeout(t: std::time::Duration) -> Result<(), String> {
    let lease = crate::guard::idempotency::CLAIM_LEASE_SECONDS as f64;
    if t.as_secs_f64() >= lease {
        return Err(format!(
            "invalid handler_timeout {} s: it must be below the Idempotency-Key lease of {lease} s \
             (a retry after a timed-out request must find its key still held); use e.g. 30",
            t.as_secs_f64()
        ));
    }
    Ok(())
}

/// A whole number of at least 1.
pub(super) fn parse_count(name: &str, v: &str) -> Result<usize, String> {
    match v.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "invalid {name} {v:?}: use a whole number of at least 1"
        )),
    }
}

/// `HOST:PORT` as a socket address: an IP literal as it is, a host name
/// (`localhost:8080`) resolved, preferring its IPv4 address.
pub(super) fn resolve_listen(v: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = v.parse() {
        return Ok(a);
    }
    let hint = "use HOST:PORT, e.g. 127.0.0.1:8080, localhost:8080 or [::1]:8080";
    let addrs: Vec<SocketAddr> = v
        .to_socket_addrs()
        .map_err(|e| format!("invalid listen address {v:?} ({e}): {hint}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("listen address {v:?} resolves to no address: {hint}"))
}

/// The file of an `sqlite:` URL (`None` when it names none); `:memory:` is
/// returned as is.
pub(super) fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty()).then_some(path)
}

/// For an SQLite database, checks (before sqlx opens it) that its folder exists
/// or can be created and that this user can write there, since SQLite creates
/// its journal files beside the database; the error says what to do. Other
/// databases pass.
pub fn check_sqlite_location(url: &str) -> Result<(), String> {
    if !url.starts_with("sqlite:") {
        return Ok(());
    }
    let Some(path) = sqlite_path(url) else {
        return Ok(());
    };
    if path == ":memory:" {
        return Ok(());
    }
    let what_to_do = "choose a writable place with --database sqlite://PATH (or IDV__DATABASE), \
                      or give this user write permission there";
    let file = Path::new(path);
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).map_err(|e| {
            format!(
                "cannot create the data directory {} for the database {url}: {e}; {what_to_do}",
                dir.display()
            )
        })?;
    }
    let probe = dir.join(format!(".idv-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => {
            return Err(format!(
                "the data directory {} of the database {url} is not writable ({e}); SQLite \
                 writes the database and its journal files there: {what_to_do}",
                dir.display()
            ));
        }
    }
    if file.exists()
        && let Err(e) = std::fs::OpenOptions::new().write(true).open(file)
    {
        return Err(format!(
            "the database file {} is not writable ({e}): {what_to_do}",
            file.display()
        ));
    }
    Ok(())
}

/// The URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.split_once('@') {
        Some(x) => x,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

//! Server configuration: typed, and layered as defaults < TOML file < `IDV__…`
//! environment < command-line flags.
//!
//! Every layer is a [`ConfigLayer`] of optional values; [`Config::resolve`] applies
//! them in order. The database URL may hold a password, so `Debug` shows it
//! redacted.
//!
//! The connection limits (`header_timeout`, `body_timeout`, `idle_timeout`,
//! `shutdown_timeout`, `min_body_rate_window` in seconds; `min_body_rate` in
//! bytes a second; `max_connections`, `max_connections_per_peer`) default to the
//! catalogue's values (`idv_core::limits`) and are enforced by [`crate::conn`];
//! `handler_timeout` (seconds, below the Idempotency-Key lease) by the edge.

use crate::conn::ConnLimits;
use serde::{Deserialize, Deserializer};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

/// The instance's region: which phone numbers it serves (seed 000, code 8010).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// The North American Numbering Plan countries (`+1`), per `data/regions.toml`.
    Us,
    /// The EU and EEA states, the UK and Switzerland, per `data/regions.toml`.
    Eu,
}

impl Region {
    /// `us` or `eu`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }
}

impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            other => Err(format!("unknown region {other:?}: use us or eu")),
        }
    }
}

/// The instance's tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Sandbox: the documented test users, no real carriers.
    Sandbox,
    /// Production: real providers (none ship with idv yet).
    Production,
}

impl Tier {
    /// `sandbox` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Sandbox => "sandbox",
            Tier::Production => "production",
        }
    }
}

impl std::str::FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Tier::Sandbox),
            "production" => Ok(Tier::Production),
            other => Err(format!("unknown tier {other:?}: use sandbox or production")),
        }
    }
}

/// The default database: an SQLite file under `./idv-data/`.
pub const DEFAULT_DATABASE: &str = "sqlite://./idv-data/idv.db";
/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The resolved configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`.
    pub database: String,
    /// The instance's region.
    pub region: Region,
    /// The instance's tier.
    pub tier: Tier,
    /// A tracing filter, e.g. `info` or `idv_server=debug`.
    pub log: String,
    /// Connection timeouts and caps.
    pub connections: ConnLimits,
    /// The server key (base64 of 32 bytes) that seals data at rest, when given
    /// by `IDV__SECRET_KEY` or `secret_key`; otherwise it is read from (or, on the
    /// first start, written to) [`Config::secret_key_file`].
    pub secret_key: Option<String>,
    /// Where the server key is kept when not given directly: `server.key` beside
    /// a SQLite database, `./idv-data/server.key` for PostgreSQL, or `secret_key_file`.
    pub secret_key_file: std::path::PathBuf,
    /// The URL callers reach this instance at, for `servers` in `/openapi.json`
    /// and the reference links (default: `http://` and the listen address).
    pub public_url: Option<String>,
    /// What the retention sweeper deletes, and how often.
    pub retention: Retention,
    /// The firewall in front of the signup surface (the `[firewall]` table).
    pub firewall: crate::firewall::Settings,
    /// The job queue's workers (`jobs_workers`, `jobs_lease`).
    pub jobs: crate::jobs::Settings,
    /// Where document images are stored (`[objects]`, `IDV__OBJECTS__…`).
    pub objects: crate::store::objects::ObjectSettings,
}

/// The retention sweeper's schedule (`crate::retention`): expired flows,
/// access tokens and stored idempotent responses are deleted; identities and
/// Prove Keys are the customer's results and kept until deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Time between sweeps (`retention_sweep_interval`); default 5 minutes.
    pub sweep_interval: std::time::Duration,
    /// How long a flow is kept after its correlation id expired
    /// (`retention_flow_grace`); default 1 hour.
    pub flow_grace: std::time::Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            sweep_interval: std::time::Duration::from_secs(300),
            flow_grace: std::time::Duration::from_secs(3600),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database", &redact_url(&self.database))
            .field("region", &self.region)
            .field("tier", &self.tier)
            .field("log", &self.log)
            .field("connections", &self.connections)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("secret_key_file", &self.secret_key_file)
            .field("public_url", &self.public_url)
            .field("retention", &self.retention)
            .field("firewall", &self.firewall)
            .field("jobs", &self.jobs)
            .field("objects", &self.objects)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN.parse().expect("valid default address"),
            database: DEFAULT_DATABASE.to_string(),
            region: Region::Us,
            tier: Tier::Sandbox,
            log: "info".to_string(),
            connections: ConnLimits::default(),
            secret_key: None,
            secret_key_file: key_file_for(DEFAULT_DATABASE),
            public_url: None,
            retention: Retention::default(),
            firewall: crate::firewall::Settings::default(),
            jobs: crate::jobs::Settings::default(),
            objects: crate::store::objects::ObjectSettings::Local {
                path: data_dir_for(DEFAULT_DATABASE).join("objects"),
            },
        }
    }
}

/// One layer of configuration: every value optional.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigLayer {
    /// Address to listen on.
    pub listen: Option<String>,
    /// Database URL.
    pub database: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Tier.
    pub tier: Option<String>,
    /// Log filter.
    pub log: Option<String>,
    /// Seconds to receive a request's line and headers.
    #[serde(default, deserialize_with = "number_or_text")]
    pub header_timeout: Option<String>,
    /// Seconds to receive a request's body after its headers.
    #[serde(default, deserialize_with = "number_or_text")]
    pub body_timeout: Option<String>,
    /// Seconds a kept-alive connection may idle between requests.
    #[serde(default, deserialize_with = "number_or_text")]
    pub idle_timeout: Option<String>,
    /// Seconds in-flight requests get after a shutdown signal.
    #[serde(default, deserialize_with = "number_or_text")]
    pub shutdown_timeout: Option<String>,
    /// Seconds a handler may take after the request body (`handler_timeout`).
    #[serde(default, deserialize_with = "number_or_text")]
    pub handler_timeout: Option<String>,
    /// Slowest request body, bytes a second (`min_body_rate`; 0 = none).
    #[serde(default, deserialize_with = "number_or_text")]
    pub min_body_rate: Option<String>,
    /// Seconds the minimum body rate is measured over.
    #[serde(default, deserialize_with = "number_or_text")]
    pub min_body_rate_window: Option<String>,
    /// Most connections open at once.
    #[serde(default, deserialize_with = "number_or_text")]
    pub max_connections: Option<String>,
    /// Most connections open at once from one IP address.
    #[serde(default, deserialize_with = "number_or_text")]
    pub max_connections_per_peer: Option<String>,
    /// The server key, base64 of 32 bytes.
    pub secret_key: Option<String>,
    /// The file that holds the server key.
    pub secret_key_file: Option<String>,
    /// The URL callers reach this instance at.
    pub public_url: Option<String>,
    /// Seconds between retention sweeps.
    #[serde(default, deserialize_with = "number_or_text")]
    pub retention_sweep_interval: Option<String>,
    /// Seconds a flow is kept after its correlation id expired.
    #[serde(default, deserialize_with = "number_or_text")]
    pub retention_flow_grace: Option<String>,
    /// The `[firewall]` table (config file only).
    pub firewall: Option<crate::firewall::SettingsLayer>,
    /// Job queue workers.
    #[serde(default, deserialize_with = "number_or_text")]
    pub jobs_workers: Option<String>,
    /// Seconds a job's claim lasts without renewal.
    #[serde(default, deserialize_with = "number_or_text")]
    pub jobs_lease: Option<String>,
    /// The `[objects]` table: where document images are stored.
    #[serde(default)]
    pub objects: crate::store::objects::ObjectsLayer,
}

/// A TOML number (`header_timeout = 10`, `= 0.5`) or string, kept as text and
/// parsed with the environment's values in [`Config::resolve`].
fn number_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Integer(i64),
        Float(f64),
        Text(String),
    }
    Ok(Some(match NumberOrText::deserialize(d)? {
        NumberOrText::Integer(i) => i.to_string(),
        NumberOrText::Float(f) => f.to_string(),
        NumberOrText::Text(t) => t,
    }))
}

impl std::fmt::Debug for ConfigLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigLayer")
            .field("listen", &self.listen)
            .field("database", &self.database.as_deref().map(redact_url))
            .field("region", &self.region)
            .field("tier", &self.tier)
            .field("log", &self.log)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("handler_timeout", &self.handler_timeout)
            .field("min_body_rate", &self.min_body_rate)
            .field("min_body_rate_window", &self.min_body_rate_window)
            .field("max_connections", &self.max_connections)
            .field("max_connections_per_peer", &self.max_connections_per_peer)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("secret_key_file", &self.secret_key_file)
            .field("public_url", &self.public_url)
            .field("retention_sweep_interval", &self.retention_sweep_interval)
            .field("retention_flow_grace", &self.retention_flow_grace)
            .field("firewall", &self.firewall)
            .field("jobs_workers", &self.jobs_workers)
            .field("jobs_lease", &self.jobs_lease)
            .field("objects", &self.objects)
            .finish()
    }
}

impl ConfigLayer {
    /// Reads a TOML file (keys: listen, database, region, tier, log, and the
    /// connection limits header_timeout, body_timeout, idle_timeout,
    /// shutdown_timeout, handler_timeout, min_body_rate, min_body_rate_window,
    /// max_connections, max_connections_per_peer).
    pub fn from_file(path: &Path) -> Result<ConfigLayer, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("invalid config file {}: {e}", path.display()))
    }

    /// Reads `IDV__LISTEN`, `IDV__DATABASE`, `IDV__REGION`, `IDV__TIER`, `IDV__LOG`
    /// and the connection limits (`IDV__HEADER_TIMEOUT`, `IDV__BODY_TIMEOUT`,
    /// `IDV__IDLE_TIMEOUT`, `IDV__SHUTDOWN_TIMEOUT`, `IDV__HANDLER_TIMEOUT`,
    /// `IDV__MIN_BODY_RATE`, `IDV__MIN_BODY_RATE_WINDOW`, `IDV__MAX_CONNECTIONS`,
    /// `IDV__MAX_CONNECTIONS_PER_PEER`), the server key (`IDV__SECRET_KEY`,
    /// `IDV__SECRET_KEY_FILE`) and retention (`IDV__RETENTION_SWEEP_INTERVAL`,
    /// `IDV__RETENTION_FLOW_GRACE`) from `vars`; any other `IDV__` variable is an error, so a typo does not pass silently.
    /// `RUST_LOG`, the filter every Rust service reads, is the log filter when
    /// `IDV__LOG` is not set (so both beat the config file's `log`).
    pub fn from_env(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<ConfigLayer, String> {
        let mut layer = ConfigLayer::default();
        let mut rust_log = None;
        for (k, v) in vars {
            if k == "RUST_LOG" {
                rust_log = Some(v).filter(|v| !v.trim().is_empty());
                continue;
            }
            let Some(key) = k.strip_prefix("IDV__") else {
                continue;
            };
            if let Some(name) = key.to_ascii_lowercase().strip_prefix("objects__") {
                layer.objects.set_env(name, v)?;
                continue;
            }
            let slot = match key.to_ascii_lowercase().as_str() {
                "listen" => &mut layer.listen,
                "database" => &mut layer.database,
                "region" => &mut layer.region,
                "tier" => &mut layer.tier,
                "log" => &mut layer.log,
                "header_timeout" => &mut layer.header_timeout,
                "body_timeout" => &mut layer.body_timeout,
                "idle_timeout" => &mut layer.idle_timeout,
                "shutdown_timeout" => &mut layer.shutdown_timeout,
                "handler_timeout" => &mut layer.handler_timeout,
                "min_body_rate" => &mut layer.min_body_rate,
                "min_body_rate_window" => &mut layer.min_body_rate_window,
                "max_connections" => &mut layer.max_connections,
                "max_connections_per_peer" => &mut layer.max_connections_per_peer,
                "secret_key" => &mut layer.secret_key,
                "secret_key_file" => &mut layer.secret_key_file,
                "public_url" => &mut layer.public_url,
                "retention_sweep_interval" => &mut layer.retention_sweep_interval,
                "retention_flow_grace" => &mut layer.retention_flow_grace,
                "jobs_workers" => &mut layer.jobs_workers,
                "jobs_lease" => &mut layer.jobs_lease,
                // The config file's path, read by the command line before the layers.
                "config" => continue,
                _ => {
                    return Err(format!(
                        "unknown environment variable {k}: use IDV__CONFIG, IDV__LISTEN, IDV__DATABASE, IDV__REGION, IDV__TIER, IDV__LOG, \
                         IDV__HEADER_TIMEOUT, IDV__BODY_TIMEOUT, IDV__IDLE_TIMEOUT, IDV__SHUTDOWN_TIMEOUT, \
                         IDV__HANDLER_TIMEOUT, IDV__MIN_BODY_RATE, IDV__MIN_BODY_RATE_WINDOW, \
                         IDV__MAX_CONNECTIONS, IDV__MAX_CONNECTIONS_PER_PEER, IDV__SECRET_KEY, IDV__SECRET_KEY_FILE, \
                         IDV__PUBLIC_URL, IDV__RETENTION_SWEEP_INTERVAL, IDV__RETENTION_FLOW_GRACE, \
                         IDV__JOBS_WORKERS, IDV__JOBS_LEASE or IDV__OBJECTS__…"
                    ));
                }
            };
            *slot = Some(v);
        }
        if layer.log.is_none() {
            layer.log = rust_log;
        }
        Ok(layer)
    }
}

impl Config {
    /// Applies `layers` over the defaults, later layers winning. Values are
    /// checked after merging, so a bad value in a lower layer that a higher one
    /// overrides does no harm.
    pub fn resolve(layers: &[ConfigLayer]) -> Result<Config, String> {
        let mut l = ConfigLayer::default();
        for layer in layers {
            let pick = |mine: &mut Option<String>, theirs: &Option<String>| {
                if theirs.is_some() {
                    mine.clone_from(theirs);
                }
            };
            pick(&mut l.listen, &layer.listen);
            pick(&mut l.database, &layer.database);
            pick(&mut l.region, &layer.region);
            pick(&mut l.tier, &layer.tier);
            pick(&mut l.log, &layer.log);
            pick(&mut l.header_timeout, &layer.header_timeout);
            pick(&mut l.body_timeout, &layer.body_timeout);
            pick(&mut l.idle_timeout, &layer.idle_timeout);
            pick(&mut l.shutdown_timeout, &layer.shutdown_timeout);
            pick(&mut l.handler_timeout, &layer.handler_timeout);
            pick(&mut l.min_body_rate, &layer.min_body_rate);
            pick(&mut l.min_body_rate_window, &layer.min_body_rate_window);
            pick(&mut l.max_connections, &layer.max_connections);
            pick(
                &mut l.max_connections_per_peer,
                &layer.max_connections_per_peer,
            );
            pick(&mut l.secret_key, &layer.secret_key);
            pick(&mut l.secret_key_file, &layer.secret_key_file);
            pick(&mut l.public_url, &layer.public_url);
            pick(
                &mut l.retention_sweep_interval,
                &layer.retention_sweep_interval,
            );
            pick(&mut l.retention_flow_grace, &layer.retention_flow_grace);
            if layer.firewall.is_some() {
                l.firewall.clone_from(&layer.firewall);
            }
            pick(&mut l.jobs_workers, &layer.jobs_workers);
            pick(&mut l.jobs_lease, &layer.jobs_lease);
            l.objects.merge(&layer.objects);
        }
        let mut c = Config::default();
        if let Some(v) = &l.listen {
            c.listen = resolve_listen(v)?;
        }
        if let Some(v) = &l.database {
            if !(v.starts_with("sqlite:")
                || v.starts_with("postgres:")
                || v.starts_with("postgresql:"))
            {
                return Err(format!(
                    "invalid database URL {:?}: use sqlite://PATH or postgres://USER@HOST/DB",
                    redact_url(v)
                ));
            }
            if v.starts_with("sqlite:") && sqlite_path(v).is_none() {
                return Err(format!(
                    "the database URL {v:?} names no file: use sqlite://PATH, e.g. \
                     sqlite://./idv-data/idv.db (relative to the working directory) or \
                     sqlite:///var/lib/idv/idv.db (absolute)"
                ));
            }
            c.database = v.clone();
            c.secret_key_file = key_file_for(v);
        }
        if let Some(v) = &l.secret_key_file {
            c.secret_key_file = v.into();
        }
        c.objects = l.objects.resolve(&data_dir_for(&c.database))?;
        if let Some(v) = &l.public_url {
            let v = v.trim().trim_end_matches('/');
            if !(v.starts_with("http://") || v.starts_with("https://"))
                || v.contains(char::is_whitespace)
            {
                return Err(format!(
                    "invalid public_url {v:?}: use the URL callers reach this server at, e.g. https://idv.example.com"
                ));
            }
            c.public_url = Some(v.to_string());
        }
        if let Some(v) = &l.secret_key {
            crate::domain::SealKey::from_base64(v)
                .map_err(|e| format!("invalid secret_key: {e}"))?;
            c.secret_key = Some(v.clone());
        }
        if let Some(v) = &l.region {
            c.region = v.parse()?;
        }
        if let Some(v) = &l.tier {
            c.tier = v.parse()?;
        }
        if let Some(v) = &l.log {
            c.log = v.clone();
        }
        let n = &mut c.connections;
        for (name, value, slot) in [
            ("header_timeout", &l.header_timeout, &mut n.header_timeout),
            ("body_timeout", &l.body_timeout, &mut n.body_timeout),
            ("idle_timeout", &l.idle_timeout, &mut n.idle_timeout),
            (
                "shutdown_timeout",
                &l.shutdown_timeout,
                &mut n.shutdown_timeout,
            ),
            (
                "handler_timeout",
                &l.handler_timeout,
                &mut n.handler_timeout,
            ),
            (
                "min_body_rate_window",
                &l.min_body_rate_window,
                &mut n.min_body_rate_window,
            ),
        ] {
            if let Some(v) = value {
                *slot = parse_seconds(name, v)?;
            }
        }
        check_handler_timeout(n.handler_timeout)?;
        if let Some(v) = &l.min_body_rate {
            n.min_body_rate = v.trim().parse().map_err(|_| {
                format!("invalid min_body_rate {v:?}: use a whole number of bytes a second (0: no minimum)")
            })?;
        }
        if let Some(v) = &l.retention_sweep_interval {
            c.retention.sweep_interval = parse_seconds("retention_sweep_interval", v)?;
        }
        if let Some(v) = &l.retention_flow_grace {
            c.retention.flow_grace = parse_seconds("retention_flow_grace", v)?;
        }
        if let Some(v) = &l.firewall {
            c.firewall = crate::firewall::Settings::resolve(v)?;
        }
        if let Some(v) = &l.jobs_workers {
            c.jobs.workers = parse_count("jobs_workers", v)?;
        }
        if let Some(v) = &l.jobs_lease {
            c.jobs.lease = parse_seconds("jobs_lease", v)?;
            if c.jobs.lease < std::time::Duration::from_secs(1) {
                return Err(format!(
                    "invalid jobs_lease {v:?}: use at least 1 second (a running job renews its lease every third of it)"
                ));
            }
        }
        for (name, value, slot) in [
            (
                "max_connections",
                &l.max_connections,
                &mut n.max_connections,
            ),
            (
                "max_connections_per_peer",
                &l.max_connections_per_peer,
                &mut n.max_connections_per_peer,
            ),
        ] {
            if let Some(v) = value {
                *slot = parse_count(name, v)?;
            }
        }
        Ok(c)
    }
}

/// The default key file for a database URL: beside a SQLite file, under
/// `./idv-data/` for PostgreSQL.
fn key_file_for(database: &str) -> std::path::PathBuf {
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
const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

/// Seconds, decimals allowed (`10`, `0.5`), above 0 and at most a day.
fn parse_seconds(name: &str, v: &str) -> Result<std::time::Duration, String> {
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
fn check_handler_timeout(t: std::time::Duration) -> Result<(), String> {
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
fn parse_count(name: &str, v: &str) -> Result<usize, String> {
    match v.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "invalid {name} {v:?}: use a whole number of at least 1"
        )),
    }
}

/// `HOST:PORT` as a socket address: an IP literal as it is, a host name
/// (`localhost:8080`) resolved, preferring its IPv4 address.
fn resolve_listen(v: &str) -> Result<SocketAddr, String> {
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
fn sqlite_path(url: &str) -> Option<&str> {
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

#[cfg(test)]
mod tests {

    #[test]
    fn the_public_url_is_an_http_url_without_its_trailing_slash() {
        let layer = |v: &str| ConfigLayer {
            public_url: Some(v.to_string()),
            ..ConfigLayer::default()
        };
        let c = Config::resolve(&[layer("https://idv.example.com/")]).unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://idv.example.com"));
        let err = Config::resolve(&[layer("idv.example.com")]).unwrap_err();
        assert!(err.contains("invalid public_url"), "{err}");
        assert_eq!(Config::resolve(&[]).unwrap().public_url, None);
    }

    use super::*;

    #[test]
    fn layers_apply_in_order_and_debug_redacts() {
        let file: ConfigLayer =
            toml::from_str("listen = \"127.0.0.1:9000\"\nregion = \"eu\"").unwrap();
        let env = ConfigLayer::from_env([
            ("IDV__REGION".to_string(), "us".to_string()),
            (
                "IDV__DATABASE".to_string(),
                "postgres://u:hunter2@h/db".to_string(),
            ),
            ("PATH".to_string(), "/bin".to_string()),
        ])
        .unwrap();
        let cli = ConfigLayer {
            tier: Some("production".into()),
            ..ConfigLayer::default()
        };
        let c = Config::resolve(&[file, env, cli]).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.region, Region::Us);
        assert_eq!(c.tier, Tier::Production);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("postgres://u:***@h/db"), "{dbg}");
        assert!(ConfigLayer::from_env([("IDV__LISTN".into(), "x".into())]).is_err());
        let log = |vars: &[(&str, &str)]| {
            ConfigLayer::from_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
                .unwrap()
                .log
        };
        assert_eq!(log(&[("RUST_LOG", "debug")]).as_deref(), Some("debug"));
        assert_eq!(
            log(&[("RUST_LOG", "debug"), ("IDV__LOG", "warn")]).as_deref(),
            Some("warn"),
            "IDV__LOG wins over RUST_LOG"
        );
        assert_eq!(log(&[("RUST_LOG", "")]), None);
        let listen = |v: &str| {
            Config::resolve(&[ConfigLayer {
                listen: Some(v.into()),
                ..Default::default()
            }])
        };
        assert_eq!(
            listen("localhost:8080").unwrap().listen,
            "127.0.0.1:8080".parse().unwrap()
        );
        assert!(listen("localhost").unwrap_err().contains("use HOST:PORT"));
        let empty = Config::resolve(&[ConfigLayer {
            database: Some("sqlite://".into()),
            ..Default::default()
        }])
        .unwrap_err();
        assert!(empty.contains("names no file"), "{empty}");
        assert!(
            Config::resolve(&[ConfigLayer {
                database: Some("mysql://x".into()),
                ..Default::default()
            }])
            .is_err()
        );
    }

    #[test]
    fn retention_settings_have_defaults_and_come_from_the_file_and_the_environment() {
        use std::time::Duration;
        let c = Config::resolve(&[]).unwrap();
        assert_eq!(c.retention.sweep_interval, Duration::from_secs(300));
        assert_eq!(c.retention.flow_grace, Duration::from_secs(3600));
        let file: ConfigLayer =
            toml::from_str("retention_sweep_interval = 60\nretention_flow_grace = 120").unwrap();
        let env =
            ConfigLayer::from_env([("IDV__RETENTION_FLOW_GRACE".to_string(), "30".to_string())])
                .unwrap();
        let r = Config::resolve(&[file, env]).unwrap().retention;
        assert_eq!(r.sweep_interval, Duration::from_secs(60));
        assert_eq!(r.flow_grace, Duration::from_secs(30));
        let bad =
            ConfigLayer::from_env([("IDV__RETENTION_SWEEP_INTERVAL".to_string(), "0".to_string())])
                .unwrap();
        let err = Config::resolve(&[bad]).unwrap_err();
        assert!(err.contains("invalid retention_sweep_interval"), "{err}");
    }

    #[test]
    fn job_settings_have_defaults_and_come_from_the_file_and_the_environment() {
        use std::time::Duration;
        let c = Config::resolve(&[]).unwrap();
        assert_eq!((c.jobs.workers, c.jobs.lease), (2, Duration::from_secs(30)));
        let file: ConfigLayer = toml::from_str("jobs_workers = 4\njobs_lease = 60").unwrap();
        let env =
            ConfigLayer::from_env([("IDV__JOBS_LEASE".to_string(), "5".to_string())]).unwrap();
        let j = Config::resolve(&[file, env]).unwrap().jobs;
        assert_eq!((j.workers, j.lease), (4, Duration::from_secs(5)));
        for (key, value, expected) in [
            (
                "IDV__JOBS_WORKERS",
                "0",
                "invalid jobs_workers \"0\": use a whole number of at least 1",
            ),
            (
                "IDV__JOBS_LEASE",
                "0.5",
                "invalid jobs_lease \"0.5\": use at least 1 second",
            ),
            ("IDV__JOBS_LEASE", "soon", "invalid jobs_lease \"soon\""),
        ] {
            let bad = ConfigLayer::from_env([(key.to_string(), value.to_string())]).unwrap();
            let err = Config::resolve(&[bad]).unwrap_err();
            assert!(err.starts_with(expected), "{err}");
        }
    }

    #[test]
    fn connection_limits_come_from_the_file_and_the_environment() {
        use std::time::Duration;
        let c = Config::resolve(&[]).unwrap();
        assert_eq!(c.connections, ConnLimits::default());
        assert_eq!(c.connections.header_timeout, Duration::from_secs(10));
        let file: ConfigLayer = toml::from_str(
            "header_timeout = 0.5\nbody_timeout = 3\nidle_timeout = \"7\"\nmax_connections = 100",
        )
        .unwrap();
        let env = ConfigLayer::from_env([
            ("IDV__MAX_CONNECTIONS_PER_PEER".to_string(), "8".to_string()),
            ("IDV__SHUTDOWN_TIMEOUT".to_string(), "2".to_string()),
            ("IDV__BODY_TIMEOUT".to_string(), "4".to_string()),
        ])
        .unwrap();
        let n = Config::resolve(&[file, env]).unwrap().connections;
        assert_eq!(n.header_timeout, Duration::from_millis(500));
        assert_eq!(
            n.body_timeout,
            Duration::from_secs(4),
            "the environment wins"
        );
        assert_eq!(n.idle_timeout, Duration::from_secs(7));
        assert_eq!(n.shutdown_timeout, Duration::from_secs(2));
        assert_eq!((n.max_connections, n.max_connections_per_peer), (100, 8));
        let d = ConnLimits::default();
        assert_eq!(
            (d.handler_timeout, d.min_body_rate, d.min_body_rate_window),
            (Duration::from_secs(30), 256, Duration::from_secs(5))
        );
        let file: ConfigLayer =
            toml::from_str("handler_timeout = 1.5\nmin_body_rate = 0\nmin_body_rate_window = 2")
                .unwrap();
        let env =
            ConfigLayer::from_env([("IDV__MIN_BODY_RATE".to_string(), "64".to_string())]).unwrap();
        let n = Config::resolve(&[file, env]).unwrap().connections;
        assert_eq!(
            (n.handler_timeout, n.min_body_rate, n.min_body_rate_window),
            (Duration::from_millis(1500), 64, Duration::from_secs(2))
        );
        let over = ConfigLayer::from_env([("IDV__HANDLER_TIMEOUT".into(), "90".into())]).unwrap();
        let err = Config::resolve(&[over]).unwrap_err();
        assert!(
            err.contains("below the Idempotency-Key lease of 60 s"),
            "{err}"
        );
        for (k, v) in [
            ("IDV__HEADER_TIMEOUT", "0"),
            ("IDV__IDLE_TIMEOUT", "-1"),
            ("IDV__BODY_TIMEOUT", "ten"),
            ("IDV__SHUTDOWN_TIMEOUT", "inf"),
            ("IDV__MAX_CONNECTIONS", "0"),
            ("IDV__MAX_CONNECTIONS_PER_PEER", "1.5"),
            ("IDV__MIN_BODY_RATE", "-1"),
            ("IDV__HANDLER_TIMEOUT", "60"),
        ] {
            let layer = ConfigLayer::from_env([(k.to_string(), v.to_string())]).unwrap();
            let err = Config::resolve(&[layer]).unwrap_err();
            assert!(err.starts_with("invalid "), "{k}={v}: {err}");
        }
    }
}

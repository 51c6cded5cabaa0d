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

mod layer;
mod parse;
mod region;
#[cfg(test)]
mod tests;

use parse::*;
pub use parse::{check_sqlite_location, data_dir_for, redact_url};
pub use region::{Region, Tier};

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

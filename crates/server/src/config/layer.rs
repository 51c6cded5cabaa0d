//! How a configuration layer prints (redacted) and merges over another.

use super::*;

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

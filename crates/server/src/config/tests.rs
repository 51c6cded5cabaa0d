//! The configuration's layering, defaults, redaction and single-setting parsing.

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
    let file: ConfigLayer = toml::from_str("listen = \"127.0.0.1:9000\"\nregion = \"eu\"").unwrap();
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
    let env = ConfigLayer::from_env([("IDV__RETENTION_FLOW_GRACE".to_string(), "30".to_string())])
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
    let env = ConfigLayer::from_env([("IDV__JOBS_LEASE".to_string(), "5".to_string())]).unwrap();
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

//! `idv serve`: open the database, provision on first start (the sandbox
//! project and, when there is no brand, the sandbox brand of 1-Click Signup),
//! listen, and shut
//! down gracefully on SIGTERM or Ctrl-C (in-flight requests finish within the
//! shutdown deadline, then the pool closes so everything committed is on disk).
//! The connections themselves (timeouts, caps, the deadline) are [`crate::conn`]'s;
//! the job queue's workers ([`crate::jobs`]), among them the retention sweeper
//! ([`crate::retention`]), run beside them until shutdown, when a running job
//! gets the same deadline to finish or goes back to the queue.

use crate::app::{AppState, router};
use crate::config::{Config, check_sqlite_location, redact_url};
use crate::conn::{self, ConnLimits};
use crate::domain::SealKey;
use crate::jobs;
use crate::provision::{NewClient, NewWorkspace, provision_if_empty, provision_workspace_if_none};
use crate::signup::brands::{NewKey, provision_if_none};
use crate::store;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The text printed once when the first start provisions a sandbox project.
pub fn banner(c: &NewClient, addr: SocketAddr) -> String {
    format!(
        "idv: provisioned {tier} project {p} (region {r}, solution {s}).\n\
         Its OAuth client (the secret is shown only now; idv stores a hash):\n  \
         client_id:     {id}\n  client_secret: {secret}\n\
         Get an access token:\n  \
         curl -s -X POST http://{addr}/token -d grant_type=client_credentials -d client_id={id} -d client_secret={secret}\n",
        tier = c.tier,
        p = c.project_id,
        r = c.region,
        s = c.solution,
        id = c.client_id,
        secret = c.client_secret,
    )
}

/// The text printed once when a start finds no brand and provisions the
/// sandbox brand of the signup surface (1-Click Signup).
pub fn brand_banner(k: &NewKey, addr: SocketAddr) -> String {
    format!(
        "idv: provisioned {env} brand {b} for 1-Click Signup ({integration}).\n\
         Its API key (shown only now; idv stores a digest; send it raw as the Authorization header, server side only):\n  \
         api_key: {key}\n\
         Start a 1-Click Signup:\n  \
         curl -s -X POST http://{addr}/1-click -H 'Authorization: {key}' -H 'Content-Type: application/json' -d '{{\"phone\": \"+10123456789\"}}'\n",
        env = k.brand.environment,
        b = k.brand.id,
        integration = k.brand.integration,
        key = k.api_key,
    )
}

/// The text printed once when a start finds no workspace and provisions the
/// sandbox workspace of the verification surface.
pub fn workspace_banner(w: &NewWorkspace, addr: SocketAddr) -> String {
    format!(
        "idv: provisioned {tier} workspace {id} for the verification API (/api/v1/…).\n\
         Its API token (shown only now; idv stores a digest; valid until {expires} Unix time):\n  \
         token: {token}\n\
         List its verifications:\n  \
         curl -s http://{addr}/api/v1/verifications -H 'Authorization: Bearer {token}'\n",
        tier = w.tier,
        id = w.workspace_id,
        expires = w.token.expires_at,
        token = w.token.token,
    )
}

/// The text printed on a start whose database already has a project: the
/// first start's secret is not shown again, and this is how to get another.
pub fn already_provisioned(database: &str) -> String {
    format!(
        "idv: the database already has a project; its OAuth client secret was shown only on the first start.\n\
         To create another client (its secret is printed once):\n  \
         idv admin client create --database {db}\n",
        db = redact_url(database)
    )
}

/// Serves `state` on `listener` with the connection `limits` (and its
/// `handler_timeout`) until `shutdown` resolves, then lets in-flight requests
/// finish for at most `limits.shutdown_timeout` (see [`conn::serve`]).
pub async fn serve_on(
    listener: TcpListener,
    mut state: AppState,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.handler_timeout = limits.handler_timeout;
    conn::serve(listener, router(state), limits, shutdown).await
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is
/// called (not when first polled), so a signal sent right after start-up is
/// never lost to the default action.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (term, int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(term) => {},
                _ = wait(int) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

/// Runs `idv serve` with `cfg` until a shutdown signal.
pub async fn run(cfg: Config) -> Result<(), String> {
    tracing::info!(config = ?cfg, "starting");
    check_sqlite_location(&cfg.database)?;
    let store = store::open(&cfg.database)
        .await
        .map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let shutdown = shutdown_signal();
    let mut text = match provision_if_empty(
        store.as_ref(),
        cfg.region,
        cfg.tier,
        crate::clock::unix_now(),
    )
    .await?
    {
        Some(c) => banner(&c, addr),
        None => already_provisioned(&cfg.database),
    };
    if let Some(w) = provision_workspace_if_none(store.as_ref(), crate::clock::unix_now()).await? {
        text.push_str(&workspace_banner(&w, addr));
    }
    if let Some(k) = provision_if_none(store.as_ref(), cfg.tier, crate::clock::unix_now()).await? {
        text.push_str(&brand_banner(&k, addr));
    }
    // One write: a reader that stops after the first lines (`idv serve | head`)
    // has then received everything, and a closed stdout is no reason to stop.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
    let key = load_or_create_key(&cfg)?;
    let objects = crate::store::objects::Objects::open(&cfg.objects, &key)?;
    tracing::info!(
        backend = objects.backend(),
        "document images are stored encrypted"
    );
    let mut state = AppState::new(store.clone(), cfg.region, cfg.tier)
        .with_key(key)
        .with_objects(objects);
    state.firewall = std::sync::Arc::new(crate::firewall::Firewall::new(cfg.firewall.clone()));
    state.public_url = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .into();
    tracing::info!(%addr, backend = store.backend(), region = cfg.region.as_str(), tier = cfg.tier.as_str(), "listening");
    let workers = start_jobs(&cfg, store.clone(), &state).await;
    // One signal stops both: the connections and the job workers wind down
    // side by side, each within the shutdown deadline.
    let (stop, mut stopping) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    let jobs_stopped = async move {
        let _ = stopping.wait_for(|s| *s).await;
        workers.shutdown().await;
    };
    let (served, ()) = tokio::join!(
        serve_on(listener, state, cfg.connections, shutdown),
        jobs_stopped
    );
    served.map_err(|e| format!("server error: {e}"))?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Registers every job kind, schedules the recurring jobs and starts the
/// queue's workers (`jobs/`), which run until [`jobs::Workers::shutdown`].
async fn start_jobs(cfg: &Config, store: store::DynStore, state: &AppState) -> jobs::Workers {
    let mut registry = jobs::Registry::default();
    crate::retention::register(
        &mut registry,
        store.clone(),
        state.clock.clone(),
        cfg.retention,
    );
    if let Err(e) = crate::retention::schedule(store.as_ref(), crate::clock::unix_now_ms()).await {
        tracing::warn!(error = %e, "cannot schedule the retention sweep; it runs when its job next comes due");
    }
    let settings = jobs::Settings {
        shutdown: cfg.connections.shutdown_timeout,
        ..cfg.jobs
    };
    tracing::info!(
        workers = settings.workers,
        lease_secs = settings.lease.as_secs(),
        "job queue: starting workers"
    );
    jobs::start(store, registry, settings)
}

/// The server key: `secret_key` when configured, else the key file, which the
/// first start creates (32 random bytes as base64, readable by this user only).
/// Without the same key a restart could not read what was sealed before, so an
/// unreadable or malformed key file stops the server with a message.
pub fn load_or_create_key(cfg: &Config) -> Result<SealKey, String> {
    if let Some(text) = &cfg.secret_key {
        return SealKey::from_base64(text).map_err(|e| format!("invalid secret_key: {e}"));
    }
    let path = &cfg.secret_key_file;
    match std::fs::read_to_string(path) {
        Ok(text) => SealKey::from_base64(&text)
            .map_err(|e| format!("invalid server key file {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (key, text) = SealKey::generate();
            write_key_file(path, &text).map_err(|e| {
                format!(
                    "cannot create the server key file {}: {e}; make its folder writable, \
                     set secret_key_file (IDV__SECRET_KEY_FILE), or give the key in IDV__SECRET_KEY",
                    path.display()
                )
            })?;
            tracing::info!(
                path = %path.display(),
                "created the server key that seals data at rest; back it up with the database"
            );
            Ok(key)
        }
        Err(e) => Err(format!(
            "cannot read the server key file {}: {e}",
            path.display()
        )),
    }
}

fn write_key_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    writeln!(f, "{text}")?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_start_writes_a_private_key_file_that_later_starts_read() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config {
            secret_key_file: dir.path().join("keys/server.key"),
            ..Config::default()
        };
        let first = load_or_create_key(&cfg).unwrap();
        let sealed = first.seal(b"0596", "flow");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&cfg.secret_key_file)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "only the server's user reads the key");
        }
        let again = load_or_create_key(&cfg).unwrap();
        assert_eq!(again.open(&sealed, "flow").as_deref(), Some(&b"0596"[..]));

        std::fs::write(&cfg.secret_key_file, "not a key").unwrap();
        let err = load_or_create_key(&cfg).unwrap_err();
        assert!(
            err.contains("invalid server key file") && err.contains("32 bytes"),
            "{err}"
        );

        let (_, text) = SealKey::generate();
        let given = Config {
            secret_key: Some(text.clone()),
            ..cfg
        };
        let k = load_or_create_key(&given).unwrap();
        assert_eq!(
            SealKey::from_base64(&text)
                .unwrap()
                .open(&k.seal(b"x", "c"), "c")
                .as_deref(),
            Some(&b"x"[..])
        );
    }
}

//! `idv serve`: open the database, provision on first start, listen, and shut
//! down gracefully on SIGTERM or Ctrl-C (in-flight requests finish, then the
//! pool closes so everything committed is on disk).

use crate::app::{AppState, router};
use crate::clock::Clock;
use crate::config::{Config, Region, Tier};
use crate::provision::{NewClient, provision_if_empty};
use crate::ratelimit::Gcra;
use crate::store::{self, CachedStore, DynStore};
use idv_core::limits::POSSESSION_RATE_LIMIT_PER_SECOND;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

impl AppState {
    /// State with the in-process rate limiter (25 requests per second, burst 25)
    /// and the authentication lookups cached in front of `store` ([`CachedStore`]).
    pub fn new(store: DynStore, region: Region, tier: Tier) -> AppState {
        AppState {
            store: Arc::new(CachedStore::new(store)),
            limiter: Arc::new(Gcra::new(
                POSSESSION_RATE_LIMIT_PER_SECOND,
                POSSESSION_RATE_LIMIT_PER_SECOND,
            )),
            clock: Clock::default(),
            region,
            tier,
            public_url: format!("http://{}", crate::config::DEFAULT_LISTEN).into(),
        }
    }
}

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

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
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
    let store = store::open(&cfg.database)
        .await
        .map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let shutdown = shutdown_signal();
    if let Some(c) = provision_if_empty(
        store.as_ref(),
        cfg.region,
        cfg.tier,
        crate::clock::unix_now(),
    )
    .await?
    {
        print!("{}", banner(&c, addr));
    }
    let mut state = AppState::new(store.clone(), cfg.region, cfg.tier);
    state.public_url = format!("http://{addr}").into();
    tracing::info!(%addr, backend = store.backend(), region = cfg.region.as_str(), tier = cfg.tier.as_str(), "listening");
    serve_on(listener, state, shutdown)
        .await
        .map_err(|e| format!("server error: {e}"))?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

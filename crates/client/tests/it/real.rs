//! Starting the real idv server in-process on a loopback port (127.0.0.1:0) over a
//! temporary SQLite database, with OAuth clients provisioned through its own API.

use idv_client::{Client, Credentials, RetryPolicy};
use idv_server::app::{AppState, build_router};
use idv_server::config::{Region, Tier};
use idv_server::provision::{ClientOptions, create_client};
use idv_server::store::{DynStore, SqliteStore};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The documented Pre-Fill example user.
pub const TOD: &str = "2001001695";

/// A running server.
pub struct RealServer {
    pub url: String,
    pub addr: SocketAddr,
    pub state: AppState,
    _dir: Arc<tempfile::TempDir>,
}

impl RealServer {
    /// A us/sandbox server.
    pub async fn start() -> RealServer {
        RealServer::with(Region::Us, Tier::Sandbox).await
    }

    /// A server of `region` and `tier`.
    pub async fn with(region: Region, tier: Tier) -> RealServer {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let url = format!("sqlite://{}/idv.db", dir.path().display());
        let store: DynStore = Arc::new(SqliteStore::open(&url).await.expect("open sqlite"));
        let state = AppState::new(store, region, tier);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = build_router(state.clone(), axum::Router::new());
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve");
        });
        RealServer {
            url: format!("http://{addr}"),
            addr,
            state,
            _dir: dir,
        }
    }

    /// Credentials of a new client of a new `solution` project.
    pub async fn credentials(&self, solution: &str) -> Credentials {
        let opts = ClientOptions {
            project: None,
            name: "sdk-test".into(),
            region: self.state.region,
            tier: self.state.tier,
            solution: solution.into(),
            countries: None,
        };
        let c = create_client(
            self.state.store.as_ref(),
            &opts,
            idv_server::clock::unix_now(),
        )
        .await
        .expect("create client");
        Credentials::new(c.client_id, c.client_secret)
    }

    /// An SDK client of a new `solution` project, with quick backoff.
    pub async fn client(&self, solution: &str) -> Client {
        let creds = self.credentials(solution).await;
        self.client_with(creds, quick()).await
    }

    /// An SDK client with these credentials and retry policy.
    pub async fn client_with(&self, creds: Credentials, policy: RetryPolicy) -> Client {
        Client::builder()
            .base_url(&self.url)
            .credentials(creds)
            .retry(policy)
            .build()
            .expect("client")
    }
}

/// The default policy with short backoff steps, so tests stay fast.
pub fn quick() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

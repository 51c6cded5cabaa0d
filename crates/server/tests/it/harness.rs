//! Starting the real server on 127.0.0.1:0 over a temporary SQLite file (or a
//! PostgreSQL schema of its own), and talking to it.

use axum::Router;
use idv_server::app::{AppState, build_router};
use idv_server::config::{Region, Tier};
use idv_server::conn::ConnLimits;
use idv_server::provision::{ClientOptions, create_client};
use idv_server::store::{DynStore, PgStore, SqliteStore};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum Db {
    /// A temporary SQLite file (the directory lives as long as the value).
    Sqlite(Arc<tempfile::TempDir>),
    /// A PostgreSQL URL and the schema of this test.
    Postgres(String, String),
}

impl Db {
    /// A fresh SQLite database.
    pub fn sqlite() -> Db {
        Db::Sqlite(Arc::new(tempfile::tempdir().expect("temp dir")))
    }

    /// A fresh PostgreSQL schema, when `IDV_TEST_DATABASE_URL` is set; `None`
    /// (after printing why) when it is not.
    pub fn postgres(test: &str) -> Option<Db> {
        match std::env::var("IDV_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => {
                let schema = format!("idv_test_{}", idv_server::domain::secrets::random_hex(6));
                Some(Db::Postgres(url, schema))
            }
            _ => {
                eprintln!(
                    "skipping the PostgreSQL part of {test}: IDV_TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)"
                );
                None
            }
        }
    }

    /// Both backends that are available: SQLite always, PostgreSQL when configured.
    pub fn all(test: &str) -> Vec<Db> {
        let mut v = vec![Db::sqlite()];
        v.extend(Db::postgres(test));
        v
    }

    /// Opens (and migrates) the store. Panics loudly when PostgreSQL was asked
    /// for and cannot be reached.
    pub async fn open(&self) -> DynStore {
        match self {
            Db::Sqlite(dir) => {
                let url = format!("sqlite://{}/idv.db", dir.path().display());
                Arc::new(SqliteStore::open(&url).await.expect("open sqlite"))
            }
            Db::Postgres(url, schema) => {
                Arc::new(PgStore::open(url, Some(schema)).await.unwrap_or_else(|e| {
                    panic!("IDV_TEST_DATABASE_URL is set but PostgreSQL is unusable: {e}")
                }))
            }
        }
    }

    /// Drops this test's PostgreSQL schema (SQLite files go with their temp dir).
    pub async fn cleanup(&self) {
        if let Db::Postgres(url, schema) = self {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("connect for cleanup");
            sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .execute(&mut conn)
                .await
                .expect("drop test schema");
            let _ = conn.close().await;
        }
    }

    /// `sqlite` or `postgres`.
    pub fn name(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(..) => "postgres",
        }
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body member `name` as text.
    pub fn str(&self, name: &str) -> String {
        self.body[name]
            .as_str()
            .unwrap_or_else(|| panic!("no string {name} in {}", self.body))
            .to_string()
    }
}

/// The server key of every test server in this process.
pub fn test_key() -> idv_server::domain::SealKey {
    static KEY: std::sync::OnceLock<idv_server::domain::SealKey> = std::sync::OnceLock::new();
    KEY.get_or_init(idv_server::domain::SealKey::random).clone()
}

/// A running server.
pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
    /// Keeps a temporary database directory alive.
    pub db: Option<Db>,
}

impl TestServer {
    /// Starts a us/sandbox server on a fresh SQLite database.
    pub async fn start() -> TestServer {
        TestServer::on(&Db::sqlite(), Region::Us, Tier::Sandbox).await
    }

    /// Starts a server on `db` (opened and migrated).
    pub async fn on(db: &Db, region: Region, tier: Tier) -> TestServer {
        let mut srv = TestServer::with_routes(db.open().await, region, tier, Router::new()).await;
        srv.db = Some(db.clone());
        srv
    }

    /// Starts a us/sandbox server on a fresh SQLite database with these
    /// connection limits (timeouts short enough for a test).
    pub async fn with_limits(limits: ConnLimits) -> TestServer {
        let db = Db::sqlite();
        let mut srv = TestServer::launch(
            db.open().await,
            Region::Us,
            Tier::Sandbox,
            Router::new(),
            limits,
        )
        .await;
        srv.db = Some(db);
        srv
    }

    /// Starts a us/sandbox server on `db` whose rate limiter allows `quota`
    /// requests a second per client, for tests that send more at once than
    /// the surfaces' 25.
    pub async fn with_quota(db: &Db, quota: u64) -> TestServer {
        let store = db.open().await;
        let state = AppState::new(store, Region::Us, Tier::Sandbox).with_key(test_key());
        let state = AppState {
            limiter: std::sync::Arc::new(idv_server::guard::ratelimit::Gcra::new(quota, quota)),
            ..state
        };
        let mut srv = TestServer::launch_state(state, Router::new(), ConnLimits::default()).await;
        srv.db = Some(db.clone());
        srv
    }

    /// Starts a server with extra routes behind the same guards.
    pub async fn with_routes(
        store: DynStore,
        region: Region,
        tier: Tier,
        extra: Router<AppState>,
    ) -> TestServer {
        TestServer::launch(store, region, tier, extra, ConnLimits::default()).await
    }

    /// Starts a server with extra routes and these connection limits.
    pub async fn with_routes_and_limits(
        store: DynStore,
        region: Region,
        tier: Tier,
        extra: Router<AppState>,
        limits: ConnLimits,
    ) -> TestServer {
        TestServer::launch(store, region, tier, extra, limits).await
    }

    /// Starts the real accept loop (`idv_server::conn::serve`) on 127.0.0.1:0.
    async fn launch(
        store: DynStore,
        region: Region,
        tier: Tier,
        extra: Router<AppState>,
        limits: ConnLimits,
    ) -> TestServer {
        // One server key for every test server, as for the instances of a
        // deployment: a server restarted on the same database reads what the
        // previous one sealed.
        let state = AppState::new(store, region, tier).with_key(test_key());
        TestServer::launch_state(state, extra, limits).await
    }

    /// Starts a us/sandbox server on a fresh SQLite database whose firewall
    /// (in front of the signup surface) has `settings`.
    pub async fn with_firewall(settings: idv_server::firewall::Settings) -> TestServer {
        let db = Db::sqlite();
        let mut state =
            AppState::new(db.open().await, Region::Us, Tier::Sandbox).with_key(test_key());
        state.firewall = Arc::new(idv_server::firewall::Firewall::new(settings));
        let mut srv = TestServer::launch_state(state, Router::new(), ConnLimits::default()).await;
        srv.db = Some(db);
        srv
    }

    /// Starts the real accept loop with `state`.
    async fn launch_state(
        mut state: AppState,
        extra: Router<AppState>,
        limits: ConnLimits,
    ) -> TestServer {
        // As `idv serve` does (`serve::serve_on`).
        state.handler_timeout = limits.handler_timeout;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let app = build_router(state.clone(), extra);
        let handle = tokio::spawn(async move {
            idv_server::conn::serve(listener, app, limits, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        TestServer {
            base: format!("http://{addr}"),
            state,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
            handle: Some(handle),
            db: None,
        }
    }

    /// Shuts down gracefully and closes the store.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("server task");
        }
        self.state.store.close().await;
    }

    /// A new project of `solution` in this server's region, and its client.
    pub async fn client(&self, solution: &str, countries: Option<&[&str]>) -> (String, String) {
        let opts = ClientOptions {
            project: None,
            name: "test".into(),
            region: self.state.region,
            tier: self.state.tier,
            solution: solution.into(),
            countries: countries.map(|c| c.iter().map(|s| s.to_string()).collect()),
        };
        let c = create_client(
            self.state.store.as_ref(),
            &opts,
            idv_server::clock::unix_now(),
        )
        .await
        .expect("create client");
        (c.client_id, c.client_secret)
    }

    /// An access token for a new client of a new `solution` project.
    pub async fn token_for(&self, solution: &str) -> String {
        let (id, secret) = self.client(solution, None).await;
        self.token(&id, &secret).await
    }

    /// An access token.
    pub async fn token(&self, id: &str, secret: &str) -> String {
        let r = self
            .form(
                "/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", id),
                    ("client_secret", secret),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.str("access_token")
    }

    /// Sends a request and reads the whole response.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// POST a form.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.replace('%', "%25")
                        .replace('&', "%26")
                        .replace('+', "%2B")
                )
            })
            .collect();
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.join("&")),
        )
        .await
    }

    /// Starts a mobile flow for the Pre-Fill user (200 expected); its correlation id.
    pub async fn start_mobile(&self, token: &str) -> String {
        let r = self
            .post(
                "/v3/start",
                token,
                json!({"flowType": "mobile", "phoneNumber": TOD}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.str("correlationId")
    }

    /// `POST /v3/unify-status` for the flow `cid`.
    pub async fn unify_status(&self, token: &str, cid: &str) -> Resp {
        self.post("/v3/unify-status", token, json!({"correlationId": cid}))
            .await
    }

    /// POST JSON with a bearer token.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    /// GET with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.send(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(token),
        )
        .await
    }
}

/// The documented Pre-Fill example user.
pub const TOD: &str = "2001001695";

/// Runs a whole Pre-Fill flow with Tod; returns the identity id.
pub async fn prefill_flow(srv: &TestServer, token: &str) -> String {
    let cid = srv.start_mobile(token).await;
    let r = srv
        .post(
            "/v3/validate",
            token,
            serde_json::json!({"correlationId": cid}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = srv
        .post(
            "/v3/challenge",
            token,
            serde_json::json!({"correlationId": cid, "dob": "1981-01", "ssn": "0596"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let individual = r.body["individual"].clone();
    let r = srv
        .post(
            "/v3/complete",
            token,
            serde_json::json!({"correlationId": cid, "individual": individual}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["next"], serde_json::json!({"done": "done"}));
    r.str("identityId")
}

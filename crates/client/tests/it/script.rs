//! A scripted test server and a fault-injecting TCP proxy.
//!
//! These produce the failure sequences the real idv server cannot be made to
//! produce on demand: a burst of 500s, a body that is not JSON, `Retry-After` as an
//! HTTP date, a response slower than the timeout, a connection reset before the
//! request arrives, and a connection that drops after the server committed.
//! The server is a tiny axum app whose replies are queued per path; it keeps the
//! idempotency rule of the real server (a repeated `Idempotency-Key` gets the
//! stored 2xx response), so the lost-response test exercises the client's side.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use idv_client::ErrorId;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    /// A JSON response.
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }
    /// A response with any body.
    pub fn raw(status: u16, content_type: &str, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    /// The first catalogue example of `id`, with its status and headers.
    pub fn example(id: ErrorId) -> Reply {
        let meta = id.meta();
        let ex = &meta.examples[0];
        let mut r = Reply::raw(meta.status, "application/json", ex.body);
        for (k, v) in ex.headers {
            r = r.header(k, v);
        }
        r
    }
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Waits this long before answering.
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    /// Whether the answer was a stored idempotent response.
    pub replayed: bool,
}

#[derive(Default)]
struct ServerState {
    scripts: Mutex<HashMap<String, VecDeque<Reply>>>,
    defaults: Mutex<HashMap<String, Reply>>,
    seen: Mutex<Vec<Seen>>,
    stored: Mutex<HashMap<String, Reply>>,
    tokens: AtomicU64,
    token_lifetime: AtomicU64,
}

/// The scripted server, listening on a loopback port.
#[derive(Clone)]
pub struct Scripted {
    pub url: String,
    pub addr: SocketAddr,
    state: Arc<ServerState>,
}

impl Scripted {
    /// Starts a server whose possession routes answer a successful Pre-Fill flow
    /// unless scripted otherwise.
    pub async fn start() -> Scripted {
        let state = Arc::new(ServerState::default());
        state.token_lifetime.store(3600, Ordering::SeqCst);
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        let s = Scripted {
            url: format!("http://{addr}"),
            addr,
            state,
        };
        s.default(
            "/v3/start",
            Reply::json(
                200,
                json!({"authToken": "jwt", "correlationId": "c-1", "next": {"v3-validate": "/v3/validate"}}),
            ),
        );
        s.default(
            "/v3/validate",
            Reply::json(
                200,
                json!({"success": true, "phoneNumber": "2001001695", "next": {"v3-challenge": "/v3/challenge"}}),
            ),
        );
        s.default(
            "/v3/challenge",
            Reply::json(
                200,
                json!({"success": true, "individual": {"firstName": "Tod", "lastName": "Weedall"}, "next": {"v3-complete": "/v3/complete"}}),
            ),
        );
        s.default(
            "/v3/complete",
            Reply::json(200, json!({"success": true, "next": {"done": "done"}})),
        );
        s.default(
            "/v3/identity/p-1",
            Reply::json(
                200,
                json!({"identityId": "p-1", "phoneNumber": "2001004014"}),
            ),
        );
        s
    }

    /// Queues replies for `path`, answered in order before the default.
    pub fn script(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.state
            .scripts
            .lock()
            .unwrap()
            .entry(path.to_string())
            .or_default()
            .extend(replies);
    }

    /// The reply for `path` once the script is used up.
    pub fn default(&self, path: &str, reply: Reply) {
        self.state
            .defaults
            .lock()
            .unwrap()
            .insert(path.to_string(), reply);
    }

    /// Lifetime (`expires_in`) of the tokens `/token` hands out.
    pub fn token_lifetime(&self, secs: u64) {
        self.state.token_lifetime.store(secs, Ordering::SeqCst);
    }

    /// Requests received on `path`.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.state
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

async fn handle(
    State(state): State<Arc<ServerState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    _body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let key = header("idempotency-key");
    let mut seen = Seen {
        method: method.to_string(),
        path: path.clone(),
        idempotency_key: key.clone(),
        authorization: header("authorization"),
        replayed: false,
    };
    if let Some(stored) = key
        .as_ref()
        .and_then(|k| state.stored.lock().unwrap().get(k).cloned())
    {
        seen.replayed = true;
        state.seen.lock().unwrap().push(seen);
        return render(stored).await;
    }
    state.seen.lock().unwrap().push(seen);
    let scripted = state
        .scripts
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    let reply = match scripted {
        Some(r) => r,
        None if path == "/token" => {
            let n = state.tokens.fetch_add(1, Ordering::SeqCst) + 1;
            let life = state.token_lifetime.load(Ordering::SeqCst);
            Reply::json(
                200,
                json!({"access_token": format!("tok-{n}"), "token_type": "Bearer", "expires_in": life}),
            )
        }
        None => state
            .defaults
            .lock()
            .unwrap()
            .get(&path)
            .cloned()
            .unwrap_or_else(|| Reply::example(ErrorId::UnknownPath)),
    };
    if let (Some(k), true) = (key, (200..300).contains(&reply.status)) {
        state.stored.lock().unwrap().insert(k, reply.clone());
    }
    render(reply).await
}

async fn render(reply: Reply) -> Response {
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut resp = (
        StatusCode::from_u16(reply.status).expect("status"),
        reply.body,
    )
        .into_response();
    for (k, v) in reply.headers {
        resp.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            v.parse().expect("value"),
        );
    }
    resp
}

/// What the proxy does to the first request whose request line starts with its
/// needle (e.g. `POST /v3/validate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Close the client's connection (with a reset) before forwarding the request:
    /// the server never sees it.
    ResetBeforeForward,
    /// Forward the request, let the server answer, then close the client's
    /// connection instead of passing the answer on: the server committed, the
    /// client never learns it.
    DropResponse,
}

/// A TCP proxy in front of a server that injects one [`Fault`].
pub struct Proxy {
    pub url: String,
    fired: Arc<AtomicBool>,
}

impl Proxy {
    /// Proxies to `upstream`, injecting `fault` once on the request `needle`.
    pub async fn start(upstream: SocketAddr, needle: &'static str, fault: Fault) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let fired = Arc::new(AtomicBool::new(false));
        let f = fired.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(pipe(conn, upstream, needle, fault, f.clone()));
            }
        });
        Proxy {
            url: format!("http://{addr}"),
            fired,
        }
    }

    /// Whether the fault was injected.
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

async fn pipe(
    client: TcpStream,
    upstream: SocketAddr,
    needle: &'static str,
    fault: Fault,
    fired: Arc<AtomicBool>,
) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    // A zero linger turns the close into a reset.
    #[allow(deprecated)]
    let _ = client.set_linger(Some(Duration::ZERO));
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let drop_next = AtomicBool::new(false);
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let chunk = &buf[..n];
            if chunk.starts_with(needle.as_bytes())
                && fired
                    .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
            {
                match fault {
                    Fault::ResetBeforeForward => return,
                    Fault::DropResponse => drop_next.store(true, Ordering::SeqCst),
                }
            }
            if sw.write_all(chunk).await.is_err() {
                return;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if drop_next.load(Ordering::SeqCst) {
                return;
            }
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

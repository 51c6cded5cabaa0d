//! `cargo bench -p idv-server --bench edge`: what the edge guards cost per
//! request, in process, without the network.
//!
//! `bench/run.sh` measures the error paths end to end with wrk on loopback, where
//! the kernel, hyper and wrk itself (on the same two cores) dominate and the
//! spread between runs is ±10 % or more. This bench calls the services directly
//! and reports nanoseconds per request, so a change to the guards shows up at
//! once:
//!
//! - `idv`: `App` (the whole application, `app::router`) on a SQLite store with
//!   3,000 OAuth clients, for the four error paths of bench/run.sh: 401 without
//!   a token and with an unknown token (both mostly 429 per peer, as on the
//!   wire), 8001 over-size body (tokens rotated over the 3,000 clients) and 429
//!   (one client);
//! - `bare`: an axum `Router` whose only handler returns the same status, body
//!   and headers (`support/fixed.rs`, as `examples/bare.rs` does).
//!
//! Each request is built, answered, and its body collected. Rounds of both
//! alternate; the medians are printed.

#[path = "support/fixed.rs"]
mod fixed;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use fixed::Fixed;
use idv_server::app::{AppState, router};
use idv_server::clock;
use idv_server::config::{Region, Tier};
use idv_server::domain::secrets;
use idv_server::provision::{ClientOptions, create_client};
use idv_server::store::{DynStore, SqliteStore};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tower_service::Service;

const CLIENTS: usize = 3_000;
const PER_ROUND: usize = 20_000;
const ROUNDS: usize = 7;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    NoToken,
    UnknownToken,
    Big,
    Hammer,
}

fn request(path: Path, tokens: &[String], i: usize, big: &Bytes, small: &Bytes) -> Request<Body> {
    let mut b = Request::post("/v3/start").header(header::CONTENT_TYPE, "application/json");
    let body = match path {
        Path::NoToken => small.clone(),
        Path::UnknownToken => {
            b = b.header(
                header::AUTHORIZATION,
                "Bearer not-a-token-idv-issued-0123456789abcdef",
            );
            small.clone()
        }
        Path::Big => {
            b = b.header(
                header::AUTHORIZATION,
                format!("Bearer {}", tokens[i % tokens.len()]),
            );
            big.clone()
        }
        Path::Hammer => {
            b = b.header(header::AUTHORIZATION, format!("Bearer {}", tokens[0]));
            small.clone()
        }
    };
    let mut req = b
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    req
}

async fn drain(resp: Response<Body>) -> (StatusCode, usize) {
    let status = resp.status();
    let n = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .map(|b| b.len())
        .unwrap_or_default();
    (status, n)
}

/// Nanoseconds per request over one round of `svc`, and the statuses seen.
async fn round<S>(svc: &mut S, path: Path, tokens: &[String], start: usize) -> (f64, Vec<u16>)
where
    S: Service<Request<Body>, Response = Response<Body>, Error = std::convert::Infallible>,
{
    let big = Bytes::from(format!(
        "{{\"flowType\":\"mobile\",\"phoneNumber\":\"2001001695\",\"pad\":\"{}\"}}",
        "x".repeat(4940)
    ));
    let small = Bytes::from_static(br#"{"flowType":"mobile","phoneNumber":"2001001695"}"#);
    let mut statuses = vec![];
    let t = Instant::now();
    for i in 0..PER_ROUND {
        let req = request(path, tokens, start + i, &big, &small);
        let Ok(resp) = svc.call(req).await;
        let (status, _) = drain(resp).await;
        if !statuses.contains(&status.as_u16()) {
            statuses.push(status.as_u16());
        }
    }
    (t.elapsed().as_nanos() as f64 / PER_ROUND as f64, statuses)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/idv.db", dir.path().display());
        let store: DynStore = Arc::new(SqliteStore::open(&url).await.expect("sqlite"));
        let now = clock::unix_now();
        let mut opts = ClientOptions::sandbox(Region::Us, Tier::Sandbox);
        let mut tokens = Vec::with_capacity(CLIENTS);
        for _ in 0..CLIENTS {
            let c = create_client(store.as_ref(), &opts, now)
                .await
                .expect("client");
            opts.project = Some(c.project_id.clone());
            let token = secrets::random_hex(32);
            store
                .insert_token(&secrets::hash(&token), &c.client_id, now + 3600, now)
                .await
                .expect("token");
            tokens.push(token);
        }
        let mut app = router(AppState::new(store, Region::Us, Tier::Sandbox));

        println!("edge cost per request, in process ({ROUNDS} rounds of {PER_ROUND}, medians)");
        println!(
            "{:<28} {:>9} {:>9} {:>7}  statuses",
            "path", "idv_ns", "bare_ns", "ratio"
        );
        for (name, path) in [
            ("401 no token", Path::NoToken),
            ("401 unknown token", Path::UnknownToken),
            ("8001 5000-byte body", Path::Big),
            ("429 one client", Path::Hammer),
        ] {
            // On the wire the two 401 rows are mostly 429 per peer address.
            let mode = if path == Path::Big { "8001" } else { "429" };
            let answer = Arc::new(Fixed::for_mode(mode).expect("mode"));
            let mut bare: Router = Router::new().fallback(move || {
                let answer = answer.clone();
                async move { answer.respond() }
            });
            let (mut idv_ns, mut bare_ns, mut seen) = (vec![], vec![], vec![]);
            for r in 0..ROUNDS {
                let (ns, st) = round(&mut app, path, &tokens, r * PER_ROUND).await;
                idv_ns.push(ns);
                seen = st;
                bare_ns.push(round(&mut bare, path, &tokens, r * PER_ROUND).await.0);
            }
            let (i, b) = (median(idv_ns), median(bare_ns));
            println!("{name:<28} {i:>9.0} {b:>9.0} {:>7.2}  {seen:?}", b / i);
        }
    });
}

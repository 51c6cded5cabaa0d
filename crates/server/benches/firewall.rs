//! `cargo bench -p idv-server --bench firewall`: what the signup firewall costs
//! an allowed request, in process, without the network.
//!
//! - `route`: the same trivial route (a fixed 200) with and without the
//!   firewall's layer (`firewall::guard`: deny list, header rules, the volume
//!   GCRA, the browser-signal check), the ratio being `without / with`, so 1.0
//!   means free; the volume rule is set high enough never to refuse;
//! - `app`: the whole application (`app::router`) answering `GET
//!   /1-click/{uuid}` with a valid key (the firewall, the key lookup, the
//!   request lookup, OCE015), for the scale the firewall's cost sits in.
//!
//! Rounds of each alternate; the medians are printed. Numbers from a shared
//! machine are noisy: compare the two columns of one run, not runs.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, header};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use idv_server::app::{AppState, router};
use idv_server::config::{Region, Tier};
use idv_server::firewall::{Firewall, Settings, SettingsLayer};
use idv_server::signup::brands::{BrandOptions, create_brand};
use idv_server::store::{DynStore, SqliteStore};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tower_service::Service;

const PER_ROUND: usize = 20_000;
const ROUNDS: usize = 5;

fn request(key: &str) -> Request<Body> {
    let mut req = Request::get("/1-click/9d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5")
        .header(header::AUTHORIZATION, key)
        .body(Body::empty())
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    req
}

/// Nanoseconds per request over one round of `svc`, and the last status.
async fn round<S>(svc: &mut S, key: &str) -> (f64, u16)
where
    S: Service<Request<Body>, Response = Response<Body>, Error = std::convert::Infallible>,
{
    let mut status = 0;
    let t = Instant::now();
    for _ in 0..PER_ROUND {
        let Ok(resp) = svc.call(request(key)).await;
        status = resp.status().as_u16();
        let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
    }
    (t.elapsed().as_nanos() as f64 / PER_ROUND as f64, status)
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
        let key = create_brand(
            store.as_ref(),
            &BrandOptions::sandbox(Tier::Sandbox),
            idv_server::clock::unix_now(),
        )
        .await
        .expect("brand")
        .api_key;
        let mut st = AppState::new(store, Region::Us, Tier::Sandbox);
        let never = SettingsLayer {
            rate_per_second: Some(1_000_000_000),
            burst: Some(1_000_000_000),
            ..SettingsLayer::default()
        };
        st.firewall = Arc::new(Firewall::new(Settings::resolve(&never).expect("settings")));
        let fixed = || async { "ok" };
        let mut bare: Router = Router::new()
            .route("/1-click/{uuid}", get(fixed))
            .with_state(st.clone());
        let mut guarded: Router = Router::new()
            .route(
                "/1-click/{uuid}",
                get(fixed).route_layer(from_fn_with_state(
                    st.clone(),
                    idv_server::firewall::guard,
                )),
            )
            .with_state(st.clone());
        let mut app = router(st);

        let (mut with, mut without, mut whole) = (vec![], vec![], vec![]);
        let mut statuses = (0, 0, 0);
        for _ in 0..ROUNDS {
            let (ns, s1) = round(&mut guarded, &key).await;
            with.push(ns);
            let (ns, s2) = round(&mut bare, &key).await;
            without.push(ns);
            let (ns, s3) = round(&mut app, &key).await;
            whole.push(ns);
            statuses = (s1, s2, s3);
        }
        let (w, b, a) = (median(with), median(without), median(whole));
        println!("signup firewall cost per allowed request, in process ({ROUNDS} rounds of {PER_ROUND}, medians)");
        println!("{:<40} {:>9} {:>9} {:>7}", "", "with_ns", "without_ns", "ratio");
        println!(
            "{:<40} {w:>9.0} {b:>9.0} {:>7.2}  statuses {} {}",
            "route (fixed 200)",
            b / w,
            statuses.0,
            statuses.1
        );
        println!(
            "{:<40} {a:>9.0} {:>9.0} {:>7.2}  status {}  (without = app minus the firewall's cost above)",
            "app GET /1-click/{uuid} (OCE015)",
            a - (w - b),
            (a - (w - b)) / a,
            statuses.2
        );
    });
}

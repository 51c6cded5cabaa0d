//! `cargo bench -p idv-client --bench client`: what the SDK costs.
//!
//! 1. Decoding an error response (`Error::from_response`) for a body of each
//!    dialect, in nanoseconds per body.
//! 2. The client's per-request overhead on a 200 response, against a raw reqwest
//!    call to the same local server doing the same work (bearer header, read the
//!    body, decode the same typed response), calls alternating one by one. The server is a minimal axum app on
//!    127.0.0.1, not `idv serve`, whose 25 requests/second limit would measure
//!    the limiter instead. The median of the per-round ratios is reported.

use axum::Router;
use axum::routing::{get, post};
use idv_client::possession::{FlowType, IdentityResponse, StartRequest, StartResponse};
use idv_client::{Client, Credentials, Error, Surface};
use std::hint::black_box;
use std::time::{Duration, Instant};

const IDENTITY: &str = r#"{"identityId":"4b0b0191-6e0d-4f00-8b16-e1c82ed4baa2","firstName":"Tod","lastName":"Weedall","dob":"1981-01","phoneNumber":"+12001001695","addresses":[{"address":"39 South Trail","city":"San Antonio","region":"TX","postalCode":"78285"}]}"#;
const STARTED: &str = r#"{"authToken":"a1b2c3","correlationId":"5ed373ec-1334-475f-962b-7131ad7a3532","next":{"v3-validate":"/v3/validate"}}"#;

fn decode_bench() {
    let cases: [(&str, Surface, u16, &str); 4] = [
        (
            "possession 8003",
            Surface::Possession,
            403,
            r#"{"code":8003,"message":"step called out of order","next":{"v3-validate":"/v3/validate"}}"#,
        ),
        (
            "possession 8018",
            Surface::Possession,
            429,
            r#"{"code":8018,"message":"Rate limit exceeded. Please wait before making more requests."}"#,
        ),
        (
            "verification 422",
            Surface::Verification,
            422,
            idv_client::ErrorId::FieldRequired.meta().examples[0].body,
        ),
        (
            "signup (feathers)",
            Surface::Signup,
            idv_core::ErrorId::ALL
                .iter()
                .find(|id| id.meta().surface == Surface::Signup)
                .map(|id| id.meta().status)
                .unwrap_or(400),
            idv_core::ErrorId::ALL
                .iter()
                .find(|id| id.meta().surface == Surface::Signup)
                .map(|id| id.meta().examples[0].body)
                .unwrap_or("{}"),
        ),
    ];
    let headers = [
        ("X-Request-Id", "req-1"),
        ("X-RateLimit-Limit", "25"),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", "1767225601"),
        ("Retry-After", "1"),
    ];
    println!("decoding an error response (Error::from_response, 5 headers):");
    for (name, surface, status, body) in cases {
        let n = 50_000;
        let t = Instant::now();
        for _ in 0..n {
            let e = Error::from_response(surface, status, &headers, black_box(body.as_bytes()));
            assert!(e.api().is_some(), "{name}: {e}");
            black_box(e);
        }
        let per = t.elapsed() / n;
        let t = Instant::now();
        for _ in 0..n {
            let v: serde_json::Value =
                serde_json::from_slice(black_box(body.as_bytes())).expect("json");
            black_box(v);
        }
        let json = t.elapsed() / n;
        println!("  {name:<18} {per:>10.2?} per body (serde_json::Value parse alone: {json:.2?})");
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn server() -> String {
    let app = Router::new()
        .route(
            "/token",
            post(|| async {
                (
                    [("content-type", "application/json")],
                    r#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#,
                )
            }),
        )
        .route(
            "/v3/identity/{id}",
            get(|| async { ([("content-type", "application/json")], IDENTITY) }),
        )
        .route(
            "/v3/start",
            post(|| async { ([("content-type", "application/json")], STARTED) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}")
}

/// The real idv server in-process (SQLite in a temporary directory), with its
/// rate limiter raised out of the way; returns its URL, credentials of a Pre-Fill
/// project, and the id of an identity enrolled through a whole flow.
async fn idv_server(dir: &std::path::Path) -> (String, Credentials, String) {
    use idv_server::guard::ratelimit;
    use idv_server::{app, config, provision, store};
    let url = format!("sqlite://{}/idv.db", dir.display());
    let store: store::DynStore =
        std::sync::Arc::new(store::SqliteStore::open(&url).await.expect("sqlite"));
    let mut state = app::AppState::new(store, config::Region::Us, config::Tier::Sandbox);
    state.limiter = std::sync::Arc::new(ratelimit::Gcra::new(1000, 1_000_000));
    let opts = provision::ClientOptions::sandbox(config::Region::Us, config::Tier::Sandbox);
    let c = provision::create_client(state.store.as_ref(), &opts, idv_server::clock::unix_now())
        .await
        .expect("client");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("serve")
    });
    let base = format!("http://{addr}");
    let creds = Credentials::new(c.client_id, c.client_secret);
    let sdk = Client::builder()
        .base_url(&base)
        .credentials(creds.clone())
        .build()
        .expect("client");
    use idv_client::possession::{ChallengeRequest, CompleteRequest, ValidateRequest};
    let sdk = sdk.possession();
    let s = sdk
        .start(&StartRequest::new(FlowType::Mobile).phone_number("2001001695"))
        .await
        .expect("start");
    let cid = s.correlation_id;
    sdk.validate(&ValidateRequest::new(&cid))
        .await
        .expect("validate");
    let ch = sdk
        .challenge(&ChallengeRequest::new(&cid).dob("1981-01").ssn("0596"))
        .await
        .expect("challenge");
    let done = sdk
        .complete(&CompleteRequest::new(
            &cid,
            ch.individual.expect("individual"),
        ))
        .await
        .expect("complete");
    (base, creds, done.identity_id.expect("identity"))
}

async fn overhead_bench(what: &str, base: String, creds: Credentials, identity: String) {
    let client = Client::builder()
        .base_url(&base)
        .credentials(creds)
        .build()
        .expect("client");
    let raw = reqwest::Client::new();
    let token = client.access_token().await.expect("token");
    let start_body =
        idv_core::json::to_string(&StartRequest::new(FlowType::Mobile).phone_number("2001001695"))
            .expect("json");

    let raw_get = || async {
        let resp = raw
            .get(format!("{base}/v3/identity/{identity}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        assert!(resp.status().is_success());
        let bytes = resp.bytes().await.expect("body");
        let r: IdentityResponse = serde_json::from_slice(&bytes).expect("decode");
        black_box(r);
    };
    let sdk_get = || async {
        black_box(
            client
                .possession()
                .identity(&identity)
                .await
                .expect("identity"),
        );
    };
    let raw_post = || async {
        let resp = raw
            .post(format!("{base}/v3/start"))
            .bearer_auth(&token)
            // The same server work: idv stores the answer of a keyed request.
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .header("Content-Type", "application/json")
            .body(start_body.clone())
            .send()
            .await
            .expect("send");
        assert!(resp.status().is_success());
        let bytes = resp.bytes().await.expect("body");
        let r: StartResponse = serde_json::from_slice(&bytes).expect("decode");
        black_box(r);
    };
    let req = StartRequest::new(FlowType::Mobile).phone_number("2001001695");
    let sdk_post = || async {
        black_box(client.possession().start(&req).await.expect("start"));
    };

    const PAIRS: u32 = 500;
    const ROUNDS: usize = 15;
    for _ in 0..PAIRS {
        raw_get().await;
        sdk_get().await;
        raw_post().await;
        sdk_post().await;
    }
    // Raw and SDK calls alternate one by one (the order flips each pair), so load
    // from other processes falls on both alike; each round gives one ratio.
    let (mut get_ratio, mut post_ratio) = (vec![], vec![]);
    let (mut get_raw, mut get_sdk, mut post_raw, mut post_sdk) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let (mut rg, mut sg, mut rp, mut sp) = (
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
        );
        for i in 0..PAIRS {
            let flip = i % 2 == 0;
            for step in 0..2 {
                let t = Instant::now();
                if (step == 0) == flip {
                    raw_get().await;
                    rg += t.elapsed();
                } else {
                    sdk_get().await;
                    sg += t.elapsed();
                }
            }
            for step in 0..2 {
                let t = Instant::now();
                if (step == 0) == flip {
                    raw_post().await;
                    rp += t.elapsed();
                } else {
                    sdk_post().await;
                    sp += t.elapsed();
                }
            }
        }
        get_ratio.push(sg.as_secs_f64() / rg.as_secs_f64());
        post_ratio.push(sp.as_secs_f64() / rp.as_secs_f64());
        get_raw.push(rg / PAIRS);
        get_sdk.push(sg / PAIRS);
        post_raw.push(rp / PAIRS);
        post_sdk.push(sp / PAIRS);
    }
    let median_f = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let report = |what: &str, raw: Duration, sdk: Duration, ratio: f64| {
        println!(
            "  {what:<42} raw {raw:>9.2?}  sdk {sdk:>9.2?}  sdk/raw {ratio:.3} ({:+.1} %)",
            (ratio - 1.0) * 100.0
        );
    };
    println!(
        "per-request cost on a 200 response from {what} ({ROUNDS} rounds of {PAIRS} alternating raw/SDK pairs; medians):"
    );
    report(
        "GET /v3/identity/{id}",
        median(get_raw),
        median(get_sdk),
        median_f(get_ratio),
    );
    report(
        "POST /v3/start (both with Idempotency-Key)",
        median(post_raw),
        median(post_sdk),
        median_f(post_ratio),
    );
}

fn pieces_bench() {
    let req = StartRequest::new(FlowType::Mobile).phone_number("2001001695");
    let n = 100_000;
    let t = Instant::now();
    for _ in 0..n {
        black_box(idv_core::json::to_string(black_box(&req)).expect("json"));
    }
    let json = t.elapsed() / n;
    let t = Instant::now();
    for _ in 0..n {
        black_box(
            uuid::Builder::from_random_bytes(rand::random())
                .into_uuid()
                .to_string(),
        );
    }
    let key = t.elapsed() / n;
    println!("request building: omit-empty JSON body {json:.2?}, Idempotency-Key {key:.2?}");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    decode_bench();
    pieces_bench();
    // One thread for server and client: each request is their work back to back,
    // without cross-thread wake-ups whose latency swings with the machine's load.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let base = server().await;
        let minimal = "a minimal axum app";
        overhead_bench(
            minimal,
            base,
            Credentials::new("id", "secret"),
            "p-1".into(),
        )
        .await;
        let dir = tempfile::tempdir().expect("temp dir");
        let (base, creds, identity) = idv_server(dir.path()).await;
        overhead_bench("idv serve (in-process, SQLite)", base, creds, identity).await;
    });
}

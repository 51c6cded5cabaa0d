//! Every possession error the real idv server can produce, provoked through the
//! SDK, surfacing as its catalogue entry with its data.

use crate::real::{RealServer, TOD, quick};
use crate::server::tod;
use idv_client::possession::{
    ChallengeRequest, FlowType, PossessionType, RevokeDeviceRequest, StartRequest, UnifyRequest,
    UnifyStatusRequest, ValidateRequest, steps,
};
use idv_client::{Client, Error, ErrorId, RetryPolicy, Surface};
use idv_core::PossessionError;
use idv_server::config::{Region, Tier};

/// Provokes `id` against the real server through the SDK and returns the error.
/// The match is over the generated enum without a wildcard, so a new possession
/// entry does not compile until it has a scenario here (DESIGN section 6).
async fn provoke(srv: &RealServer, id: ErrorId) -> Error {
    use PossessionError as P;
    let prefill = || srv.client("prefill");
    let params: serde_json::Value =
        serde_json::from_str(id.meta().examples[0].params).expect("example params");
    let params = params.as_object().cloned().unwrap_or_default();
    let entry = <PossessionError as idv_core::CatalogError>::from_parts(id, &params)
        .expect("a possession entry");
    match entry {
        P::RequestTimedOut => {
            // A second server on the same database whose handlers get 200 ms:
            // a start whose key another instance holds waits for that answer
            // (up to 5 s) past the timeout and gets the catalogued 503.
            let mut state = idv_server::app::AppState::new(
                srv.state.store.clone(),
                srv.state.region,
                srv.state.tier,
            );
            state.handler_timeout = std::time::Duration::from_millis(200);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let url = format!("http://{}", listener.local_addr().expect("addr"));
            let app = idv_server::app::build_router(state, axum::Router::new());
            tokio::spawn(async move {
                let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
                axum::serve(listener, app).await.expect("serve");
            });
            start_with_claimed_key(srv, &url, "k-3").await
        }
        P::InternalError => {
            // This build has no production possession provider: a production
            // instance answers a start with the catalogued 500.
            let prod = RealServer::with(Region::Us, Tier::Production).await;
            let c = prod
                .client_with(prod.credentials("prefill").await, quick())
                .await;
            let err = c.possession().start(&tod()).await.expect_err("500");
            assert_eq!(c.stats().retries, 3, "8000 is retried with backoff");
            err
        }
        P::MalformedRequest { .. } => {
            let c = prefill().await;
            c.possession()
                .start(&StartRequest::new(FlowType::Desktop).phone_number("12"))
                .await
                .expect_err("8001")
        }
        P::UnauthorizedRequest => {
            let mut creds = srv.credentials("prefill").await;
            creds.client_secret.push('x');
            let c = srv.client_with(creds, quick()).await;
            c.possession().start(&tod()).await.expect_err("8002")
        }
        P::StepCalledOutOfOrder { .. } => {
            let c = prefill().await;
            let s = c.possession().start(&tod()).await.expect("start");
            c.possession()
                .challenge(&ChallengeRequest::new(&s.correlation_id).dob("1981-01"))
                .await
                .expect_err("8003")
        }
        P::SandboxUserNotFound => {
            let c = prefill().await;
            c.possession()
                .start(&StartRequest::new(FlowType::Mobile).phone_number("2001009999"))
                .await
                .expect_err("8007")
        }
        P::InvalidCorrelationId => {
            let c = prefill().await;
            c.possession()
                .validate(&ValidateRequest::new(
                    "0b6c7f0e-1111-4222-8333-944455556666",
                ))
                .await
                .expect_err("8008")
        }
        P::SandboxUserAccessDenied => {
            let c = prefill().await;
            c.possession()
                .start(&StartRequest::new(FlowType::Mobile).phone_number("2001004014"))
                .await
                .expect_err("8009")
        }
        P::UnauthorizedForCountry { .. } => {
            let c = prefill().await;
            c.possession()
                .start(&StartRequest::new(FlowType::Mobile).phone_number("+2001004029"))
                .await
                .expect_err("8010")
        }
        P::IdentityNotFound => {
            let c = prefill().await;
            c.possession()
                .identity("no-such-identity")
                .await
                .expect_err("8011")
        }
        P::RateLimitExceeded => {
            let creds = srv.credentials("prefill").await;
            let c = srv.client_with(creds, RetryPolicy::none()).await;
            let calls: Vec<_> = (0..40)
                .map(|_| {
                    let c = c.clone();
                    tokio::spawn(async move { c.possession().identity("x").await })
                })
                .collect();
            let mut limited = None;
            for call in calls {
                let err = call.await.expect("join").expect_err("8011 or 8018");
                if err.id() == Some(ErrorId::RateLimitExceeded) {
                    limited = Some(err);
                }
            }
            limited.expect("a 429 among 40 calls at once")
        }
        P::DeviceRevoked => {
            let c = srv.client("unify").await;
            let u = c
                .possession()
                .unify(&UnifyRequest::new(PossessionType::Mobile, "r").phone_number("2001004016"))
                .await
                .expect("unify");
            let s = c
                .possession()
                .unify_status(&UnifyStatusRequest::new(&u.correlation_id))
                .await
                .expect("status");
            let device = s.device_id.expect("Mobile Auth user binds a key");
            c.possession()
                .revoke_device(&RevokeDeviceRequest::new(&device, "r"))
                .await
                .expect("revoke");
            c.possession()
                .unify(
                    &UnifyRequest::new(PossessionType::Mobile, "r2")
                        .phone_number("2001004016")
                        .device_id(&device),
                )
                .await
                .expect_err("8019")
        }
        P::WrongUrlOrMethod => {
            // The classic mistake: the token endpoint under /v3.
            let c = Client::builder()
                .base_url(format!("{}/v3", srv.url))
                .credentials(srv.credentials("prefill").await)
                .build()
                .expect("client");
            c.access_token().await.expect_err("POST /v3/token")
        }
        P::UnknownPath => {
            // An empty id leaves `GET /v3/identity/`, which names no operation.
            let c = prefill().await;
            c.possession().identity("").await.expect_err("404")
        }
        P::IdempotencyKeyReused { .. } => {
            // The SDK makes one key per logical call, so it cannot reuse one; the
            // server's answer to a raw reuse must still decode to the entry.
            let c = prefill().await;
            let token = c.access_token().await.expect("token");
            let http = reqwest::Client::new();
            let send = |phone: &'static str| {
                http.post(format!("{}/v3/start", srv.url))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", "k-1")
                    .json(&serde_json::json!({"flowType": "mobile", "phoneNumber": phone}))
                    .send()
            };
            send(TOD).await.expect("first");
            let resp = send("2001004014").await.expect("second");
            let status = resp.status().as_u16();
            let body = resp.bytes().await.expect("body");
            Error::from_response(Surface::Possession, status, &[], &body)
        }
        P::RequestInProgress { .. } => {
            // The SDK makes one key per logical call and retries this 409 after
            // Retry-After; a raw request whose key another instance holds (and
            // never answers) shows what the server sends, headers included.
            start_with_claimed_key(srv, &srv.url, "k-2").await
        }
    }
}

/// A raw `POST /v3/start` to the server at `url` (on `srv`'s database) with an
/// Idempotency-Key that another instance has claimed and never answers, decoded
/// without a client (so its documentation link is server-relative).
async fn start_with_claimed_key(srv: &RealServer, url: &str, key: &str) -> Error {
    let creds = srv.credentials("prefill").await;
    let project = srv
        .state
        .store
        .get_client(&creds.client_id)
        .await
        .expect("store")
        .expect("client")
        .project_id;
    let c = srv.client_with(creds, quick()).await;
    let token = c.access_token().await.expect("token");
    let body = serde_json::json!({"flowType": "mobile", "phoneNumber": TOD}).to_string();
    let hash = idv_server::domain::secrets::hash_bytes(format!("/v3/start\0{body}").as_bytes());
    let now = srv.state.clock.now();
    srv.state
        .store
        .claim_idempotency(&project, key, &hash, "elsewhere", now + 60, now)
        .await
        .expect("claim");
    let resp = reqwest::Client::new()
        .post(format!("{url}/v3/start"))
        .bearer_auth(&token)
        .header("Idempotency-Key", key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("in progress");
    let status = resp.status().as_u16();
    let headers: Vec<(String, String)> = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let body = resp.bytes().await.expect("body");
    Error::from_response(Surface::Possession, status, &headers, &body)
}

#[tokio::test]
async fn every_possession_error_the_server_can_produce_surfaces_as_its_entry() {
    let srv = RealServer::start().await;
    let ids: Vec<ErrorId> = ErrorId::ALL
        .iter()
        .copied()
        .filter(|id| id.meta().surface == Surface::Possession)
        .collect();
    for id in ids {
        let err = provoke(&srv, id).await;
        let api = err
            .api()
            .unwrap_or_else(|| panic!("{id}: {err:?} is not a catalogued error"));
        assert_eq!(api.id(), id, "{err}");
        assert_eq!(api.status(), id.meta().status);
        if id != ErrorId::IdempotencyKeyReused {
            assert!(
                api.request_id().is_some(),
                "{id}: X-Request-Id on every response"
            );
        }
        // The link to the entry is on the server that answered (the raw reuse
        // and the raw 409 were decoded without a client, so their links are
        // server-relative).
        let anchor = format!("/docs/possession#{}", id.meta().name);
        assert_eq!(api.docs_path(), anchor);
        if matches!(
            id,
            ErrorId::IdempotencyKeyReused | ErrorId::RequestInProgress | ErrorId::RequestTimedOut
        ) {
            assert_eq!(api.docs_url(), anchor);
        } else {
            assert!(
                api.docs_url().starts_with("http://127.0.0.1:")
                    && api.docs_url().ends_with(&anchor),
                "{id}: {}",
                api.docs_url()
            );
        }
        if id == ErrorId::IdentityNotFound {
            assert_eq!(api.docs_url(), format!("{}{anchor}", srv.url));
        }
        let shown = err.to_string();
        assert!(shown.contains(api.message()), "{shown}");
        if let Some(code) = api.code() {
            assert!(shown.starts_with(&format!("{code}: ")), "{shown}");
        }
        let typed = api.typed::<PossessionError>().expect("typed");
        match typed {
            PossessionError::MalformedRequest { reasons } => {
                assert!(reasons.contains("phoneNumber"), "{reasons}");
                assert!(reasons.contains("finalTargetUrl"), "{reasons}");
            }
            PossessionError::StepCalledOutOfOrder { next } => {
                assert!(next.contains_key(steps::VALIDATE), "{next:?}");
            }
            PossessionError::UnauthorizedForCountry { reason } => {
                assert!(reason.contains("EU"), "{reason}")
            }
            PossessionError::RateLimitExceeded => {
                assert!(api.retry_after().is_some(), "Retry-After on 429");
                assert_eq!(api.rate_limit().map(|r| r.remaining), Some(0));
            }
            PossessionError::IdempotencyKeyReused { key } => assert_eq!(key, "k-1"),
            PossessionError::RequestTimedOut => {
                assert_eq!(
                    api.retry_after(),
                    Some(std::time::Duration::from_secs(1)),
                    "Retry-After on the 503"
                );
                assert_eq!(err.retry_class(), idv_client::Retry::AfterRetryAfter);
            }
            PossessionError::RequestInProgress { key } => {
                assert_eq!(key, "k-2");
                assert_eq!(
                    api.retry_after(),
                    Some(std::time::Duration::from_secs(1)),
                    "Retry-After on the 409"
                );
                assert_eq!(err.retry_class(), idv_client::Retry::AfterRetryAfter);
            }
            _ => {}
        }
    }
}

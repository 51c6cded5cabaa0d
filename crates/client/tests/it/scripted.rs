//! The client against the scripted server (see `script.rs`): token handling,
//! retry decisions, `Retry-After`, backoff and its budget, idempotency keys,
//! timeouts, resets and lost responses. These are failure sequences the real
//! server cannot be made to produce, so a small scripted axum app produces them.

use crate::script::{Fault, Proxy, Reply, Scripted};
use idv_client::possession::{
    ChallengeRequest, CompleteRequest, FlowType, StartRequest, ValidateRequest,
};
use idv_client::{BudgetConfig, Client, Credentials, Error, ErrorId, Pacing, RetryPolicy, Surface};
use idv_core::ratelimit::format_http_date;
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        retry_after_jitter: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn client(url: &str) -> Client {
    client_with(url, fast_policy())
}

fn client_with(url: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(url)
        .credentials(Credentials::new("id", "secret"))
        .retry(policy)
        .build()
        .expect("client")
}

fn start() -> StartRequest {
    StartRequest::new(FlowType::Mobile).phone_number("2001001695")
}

#[tokio::test]
async fn the_token_is_fetched_once_and_shared_by_concurrent_calls() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    let calls = (0..20).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.possession().identity("p-1").await })
    });
    for call in calls {
        let r = call.await.expect("join").expect("identity");
        assert_eq!(r.identity_id.as_deref(), Some("p-1"));
    }
    assert_eq!(s.seen("/token").len(), 1);
    assert_eq!(c.stats().token_fetches, 1);
    let ids = s.seen("/v3/identity/p-1");
    assert_eq!(ids.len(), 20);
    assert!(
        ids.iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer tok-1"))
    );
    assert!(
        ids.iter()
            .all(|r| r.method == "GET" && r.idempotency_key.is_none()),
        "GET needs no key"
    );
}

#[tokio::test]
async fn the_token_is_refreshed_shortly_before_it_expires() {
    let s = Scripted::start().await;
    s.token_lifetime(2);
    let c = Client::builder()
        .base_url(&s.url)
        .credentials(Credentials::new("id", "secret"))
        .token_refresh_margin(Duration::from_millis(1500))
        .build()
        .expect("client");
    c.possession().identity("p-1").await.expect("first");
    c.possession()
        .identity("p-1")
        .await
        .expect("second, same token");
    assert_eq!(s.seen("/token").len(), 1);
    // Lifetime 2 s, margin capped at half of it: replaced after 1 s.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.possession()
        .identity("p-1")
        .await
        .expect("third, new token");
    let auth: Vec<_> = s
        .seen("/v3/identity/p-1")
        .into_iter()
        .map(|r| r.authorization.unwrap_or_default())
        .collect();
    assert_eq!(auth, ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_then_gives_up() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    s.script("/v3/start", [Reply::example(ErrorId::UnauthorizedRequest)]);
    let r = c
        .possession()
        .start(&start())
        .await
        .expect("recovered by one refresh");
    assert_eq!(r.correlation_id, "c-1");
    assert_eq!(s.seen("/token").len(), 2);
    let starts = s.seen("/v3/start");
    assert_eq!(starts[0].authorization.as_deref(), Some("Bearer tok-1"));
    assert_eq!(starts[1].authorization.as_deref(), Some("Bearer tok-2"));
    assert_eq!(
        starts[0].idempotency_key, starts[1].idempotency_key,
        "one logical call, one key"
    );

    s.script(
        "/v3/start",
        [
            Reply::example(ErrorId::UnauthorizedRequest),
            Reply::example(ErrorId::UnauthorizedRequest),
        ],
    );
    let err = c.possession().start(&start()).await.expect_err("still 401");
    assert_eq!(err.id(), Some(ErrorId::UnauthorizedRequest));
    assert_eq!(s.seen("/token").len(), 3, "one refresh per call, no more");
    assert_eq!(s.seen("/v3/start").len(), 4);

    s.script("/token", [Reply::example(ErrorId::UnauthorizedRequest)]);
    let c = client(&s.url);
    let err = c
        .possession()
        .start(&start())
        .await
        .expect_err("bad credentials");
    assert_eq!(err.id(), Some(ErrorId::UnauthorizedRequest));
    assert_eq!(s.seen("/v3/start").len(), 4, "no token, no call");
}

#[tokio::test]
async fn a_500_burst_is_retried_with_backoff_and_one_idempotency_key() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    s.script(
        "/v3/validate",
        std::iter::repeat_n(Reply::example(ErrorId::InternalError), 3),
    );
    let r = c
        .possession()
        .validate(&ValidateRequest::new("c-1"))
        .await
        .expect("fourth attempt succeeds");
    assert!(r.success);
    let seen = s.seen("/v3/validate");
    assert_eq!(seen.len(), 4);
    let key = seen[0].idempotency_key.clone().expect("POST carries a key");
    assert!(
        seen.iter()
            .all(|r| r.idempotency_key.as_ref() == Some(&key))
    );
    assert_eq!(c.stats().retries, 3);

    c.possession()
        .validate(&ValidateRequest::new("c-1"))
        .await
        .expect("next");
    let next = s.seen("/v3/validate").pop().expect("seen");
    assert_ne!(next.idempotency_key, Some(key), "a new call, a new key");
}

#[tokio::test]
async fn a_failing_server_is_not_hammered_once_the_budget_is_spent() {
    let s = Scripted::start().await;
    s.default("/v3/start", Reply::example(ErrorId::InternalError));
    let policy = RetryPolicy {
        budget: BudgetConfig {
            max_tokens: 5.0,
            per_success: 0.1,
        },
        ..fast_policy()
    };
    let c = client_with(&s.url, policy);
    for _ in 0..6 {
        let err = c
            .possession()
            .start(&start())
            .await
            .expect_err("always 500");
        assert_eq!(err.id(), Some(ErrorId::InternalError));
        assert_eq!(err.status(), Some(500));
    }
    // Budget 5: the first call sends 4 times (3 retries), the second 3 times (the
    // last 2 retries), then each call is sent once.
    let sent = s.seen("/v3/start").len();
    assert_eq!(sent, 6 + 5, "six calls, five retries in all");
    assert!(c.retry_budget() < 1.0);
}

#[tokio::test]
async fn errors_that_need_a_fix_are_never_retried() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    let cases = [
        ("/v3/start", ErrorId::MalformedRequest),
        ("/v3/start", ErrorId::SandboxUserNotFound),
        ("/v3/start", ErrorId::SandboxUserAccessDenied),
        ("/v3/start", ErrorId::UnauthorizedForCountry),
        ("/v3/validate", ErrorId::StepCalledOutOfOrder),
        ("/v3/validate", ErrorId::InvalidCorrelationId),
        ("/v3/validate", ErrorId::IdempotencyKeyReused),
    ];
    for (path, id) in cases {
        let before = s.seen(path).len();
        s.script(path, [Reply::example(id)]);
        let err = if path == "/v3/start" {
            c.possession()
                .start(&start())
                .await
                .expect_err("scripted error")
        } else {
            c.possession()
                .validate(&ValidateRequest::new("c-1"))
                .await
                .expect_err("scripted error")
        };
        assert_eq!(err.id(), Some(id), "{err}");
        assert_eq!(s.seen(path).len(), before + 1, "{id} sent once");
        assert!(!err.is_retryable());
        let api = err.api().expect("api");
        assert!(!api.resolution().is_empty());
        if id == ErrorId::StepCalledOutOfOrder {
            assert!(api.next().is_some_and(|n| !n.is_empty()));
        }
    }
    assert_eq!(c.stats().retries, 0);
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    s.script("/v3/start", [Reply::example(ErrorId::RateLimitExceeded)]);
    let t = Instant::now();
    c.possession()
        .start(&start())
        .await
        .expect("after Retry-After");
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(c.stats().rate_limited, 1);
    assert_eq!(s.seen("/v3/start").len(), 2);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let date = format_http_date(now + 2);
    s.script(
        "/v3/complete",
        [Reply::example(ErrorId::InternalError)
            .header("Retry-After", &date)
            .header("X-Request-Id", "r-1")],
    );
    let t = Instant::now();
    c.possession()
        .complete(&CompleteRequest::new("c-1", Default::default()))
        .await
        .expect("after the date");
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_returned_at_once() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    s.script(
        "/v3/start",
        [Reply::example(ErrorId::RateLimitExceeded).header("Retry-After", "1800")],
    );
    let t = Instant::now();
    let err = c
        .possession()
        .start(&start())
        .await
        .expect_err("too long to wait");
    assert!(t.elapsed() < Duration::from_secs(1));
    assert_eq!(err.id(), Some(ErrorId::RateLimitExceeded));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1800)));
    assert_eq!(s.seen("/v3/start").len(), 1);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_kept_with_its_status() {
    let s = Scripted::start().await;
    let c = client_with(&s.url, RetryPolicy::none());
    s.script(
        "/v3/start",
        [Reply::raw(
            502,
            "text/html",
            "<html><h1>502 Bad Gateway</h1></html>",
        )],
    );
    let err = c
        .possession()
        .start(&start())
        .await
        .expect_err("bad gateway");
    let Error::Undecodable(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(u.info.status, 502);
    assert!(u.body_prefix_lossy().contains("502 Bad Gateway"));
    assert!(err.to_string().starts_with("HTTP 502: undecodable body"));

    // A 502 burst from a proxy is retried like any 5xx.
    let c = client(&s.url);
    s.script("/v3/start", [Reply::raw(502, "text/html", "<html></html>")]);
    c.possession().start(&start()).await.expect("retried");

    // A 200 whose body is not the documented response is undecodable too.
    s.script("/v3/start", [Reply::raw(200, "text/plain", "ok")]);
    let err = c.possession().start(&start()).await.expect_err("not JSON");
    assert_eq!(err.status(), Some(200));
    assert!(matches!(err, Error::Undecodable(_)));
}

#[tokio::test]
async fn a_slow_response_past_the_timeout_is_a_timeout_then_retried() {
    let s = Scripted::start().await;
    let slow = || Reply::example(ErrorId::InternalError).delay(Duration::from_secs(3));
    let mk = |policy| {
        Client::builder()
            .base_url(&s.url)
            .credentials(Credentials::new("id", "secret"))
            .timeout(Duration::from_millis(300))
            .retry(policy)
            .build()
            .expect("client")
    };
    s.script("/v3/start", [slow()]);
    let c = mk(RetryPolicy::none());
    c.access_token().await.expect("token");
    let t = Instant::now();
    let err = c.possession().start(&start()).await.expect_err("timeout");
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(err.to_string().starts_with("timeout: "), "{err}");

    s.script("/v3/start", [slow()]);
    let c = mk(fast_policy());
    let r = c
        .possession()
        .start(&start())
        .await
        .expect("second attempt answers");
    assert_eq!(r.correlation_id, "c-1");
}

#[tokio::test]
async fn a_connection_reset_before_the_request_arrives_is_retried() {
    let s = Scripted::start().await;
    let proxy = Proxy::start(s.addr, "POST /v3/start", Fault::ResetBeforeForward).await;
    let c = client(&proxy.url);
    let r = c
        .possession()
        .start(&start())
        .await
        .expect("retried after the reset");
    assert!(proxy.fired());
    assert_eq!(r.correlation_id, "c-1");
    assert_eq!(
        s.seen("/v3/start").len(),
        1,
        "the reset request never arrived"
    );
    assert_eq!(c.stats().retries, 1);

    let proxy = Proxy::start(s.addr, "POST /v3/start", Fault::ResetBeforeForward).await;
    let c2 = Client::builder()
        .base_url(&proxy.url)
        .credentials(Credentials::new("id", "secret"))
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    let err = c2
        .possession()
        .start(&start())
        .await
        .expect_err("reset, no retries");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.to_string().starts_with("transport: "), "{err}");
}

#[tokio::test]
async fn a_lost_response_to_a_step_is_recovered_through_the_idempotency_key() {
    let s = Scripted::start().await;
    let proxy = Proxy::start(s.addr, "POST /v3/validate", Fault::DropResponse).await;
    let c = client(&proxy.url);
    let started = c.possession().start(&start()).await.expect("start");
    let v = c
        .possession()
        .validate(&ValidateRequest::new(&started.correlation_id))
        .await
        .expect("validate, despite the lost response");
    assert!(proxy.fired());
    assert!(v.success);
    let seen = s.seen("/v3/validate");
    assert_eq!(seen.len(), 2);
    assert!(!seen[0].replayed && seen[1].replayed);
    assert_eq!(seen[0].idempotency_key, seen[1].idempotency_key);
    let ch = c
        .possession()
        .challenge(&ChallengeRequest::new("c-1").dob("1981-01"))
        .await
        .expect("challenge");
    let done = c
        .possession()
        .complete(&CompleteRequest::new(
            "c-1",
            ch.individual.expect("individual"),
        ))
        .await
        .expect("complete");
    assert!(done.next.contains_key("done"));
}

#[tokio::test]
async fn without_idempotency_keys_a_post_is_not_retried_after_a_5xx() {
    let s = Scripted::start().await;
    let c = Client::builder()
        .base_url(&s.url)
        .credentials(Credentials::new("id", "secret"))
        .retry(fast_policy())
        .idempotency_keys(false)
        .build()
        .expect("client");
    s.script("/v3/start", [Reply::example(ErrorId::InternalError)]);
    let err = c
        .possession()
        .start(&start())
        .await
        .expect_err("may have taken effect");
    assert_eq!(err.id(), Some(ErrorId::InternalError));
    assert_eq!(s.seen("/v3/start").len(), 1);
    assert!(s.seen("/v3/start")[0].idempotency_key.is_none());
    // A 429 was never executed, so it is retried all the same.
    s.script("/v3/start", [Reply::example(ErrorId::RateLimitExceeded)]);
    c.possession()
        .start(&start())
        .await
        .expect("retried after 429");
}

#[tokio::test]
async fn rate_limit_headers_and_request_ids_are_exposed() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    assert_eq!(c.rate_limit(), None);
    s.script(
        "/v3/start",
        [Reply::json(
            200,
            json!({"authToken": "a", "correlationId": "c-9", "next": {"v3-validate": "/v3/validate"}}),
        )
        .header("X-RateLimit-Limit", "25")
        .header("X-RateLimit-Remaining", "24")
        .header("X-RateLimit-Reset", "1767225601")],
    );
    c.possession().start(&start()).await.expect("start");
    let rl = c.rate_limit().expect("snapshot");
    assert_eq!((rl.limit, rl.remaining, rl.reset), (25, 24, 1_767_225_601));

    s.script(
        "/v3/start",
        [Reply::example(ErrorId::SandboxUserNotFound).header("X-Request-Id", "req-7")],
    );
    let err = c.possession().start(&start()).await.expect_err("8007");
    assert_eq!(err.request_id(), Some("req-7"));
    assert_eq!(
        err.to_string(),
        "8007: no test user found matching the phone number"
    );
}

#[tokio::test]
async fn unknown_codes_from_the_server_are_errors_not_parse_failures() {
    let s = Scripted::start().await;
    let c = client(&s.url);
    s.script(
        "/v3/start",
        [Reply::json(
            400,
            json!({"code": 8020, "message": "a future error"}),
        )],
    );
    let err = c.possession().start(&start()).await.expect_err("unknown");
    let Error::Unknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (u.code.as_deref(), u.surface),
        (Some("8020"), Surface::Possession)
    );
    assert!(err.to_string().starts_with("8020: a future error"));
}

#[tokio::test]
async fn pacing_spaces_calls_at_the_configured_rate() {
    let s = Scripted::start().await;
    let c = Client::builder()
        .base_url(&s.url)
        .credentials(Credentials::new("id", "secret"))
        .pacing(Pacing::Fixed(20.0))
        .build()
        .expect("client");
    let t = Instant::now();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.possession().identity("p-1").await })
        })
        .collect();
    for call in calls {
        call.await.expect("join").expect("identity");
    }
    // The token request and ten calls, 50 ms apart.
    assert!(
        t.elapsed() >= Duration::from_millis(490),
        "{:?}",
        t.elapsed()
    );
}

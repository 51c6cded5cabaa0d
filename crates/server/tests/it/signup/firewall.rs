//! The firewall in front of the signup routes, before the API key is checked:
//! 418 for a key used from a browser (the key flagged, the event recorded),
//! 403 for denied clients (address, CIDR block, header rule), 429 for abnormal
//! volume per client IP with `Retry-After`; each with the exact body of the
//! 1-Click Signup API and CORS headers a browser script needs to read it.

use super::{brand, call};
use crate::harness::{Resp, TestServer};
use idv_server::firewall::{Rule, Settings, SettingsLayer};
use serde_json::json;

fn client_side() -> serde_json::Value {
    json!({
        "error": "Request blocked by firewall",
        "message": "Your request was blocked by our firewall because your API key is being used client side. Verified API keys must only be used server side. Please contact us if you believe this was in error."
    })
}

fn blocked() -> serde_json::Value {
    json!({
        "error": "Request blocked by firewall",
        "message": "Your request was blocked by our firewall. Please contact us if you believe this was in error."
    })
}

fn volume() -> serde_json::Value {
    json!({
        "error": "Request blocked by firewall",
        "message": "Your request was blocked by our firewall due to abnormally high request volume. Please contact us if you believe this was in error."
    })
}

fn readable_by_any_origin(r: &Resp) {
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("*"),
        "{:?}",
        r.headers
    );
}

#[tokio::test]
async fn a_key_sent_with_browser_signals_is_418_and_the_key_is_flagged() {
    let srv = TestServer::start().await;
    let k = brand(&srv, "non-hosted").await;
    let body = json!({"phone": "+12125550010"});
    for signal in [
        ("origin", "https://shop.example"),
        ("sec-fetch-mode", "cors"),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-mode", "no-cors"),
        ("sec-fetch-site", "cross-site"),
    ] {
        for (method, path) in [
            ("POST", "/1-click"),
            ("GET", "/1-click/x"),
            ("PATCH", "/1-click/x"),
        ] {
            let b = (method != "GET").then(|| body.clone());
            let r = call(&srv, method, path, Some(&k.api_key), b, &[signal]).await;
            assert_eq!(
                (r.status, &r.body),
                (418, &client_side()),
                "{signal:?} {method} {path}"
            );
            readable_by_any_origin(&r);
            assert!(r.header("x-request-id").is_some());
        }
    }
    // Before authentication: an unknown key from a browser is 418 too, and
    // browser signals without a key pass on to the 401.
    let r = call(
        &srv,
        "POST",
        "/1-click",
        Some("sk_sandbox_unknown"),
        Some(body.clone()),
        &[("origin", "https://shop.example")],
    )
    .await;
    assert_eq!(r.status, 418);
    let r = call(
        &srv,
        "POST",
        "/1-click",
        None,
        Some(body.clone()),
        &[("origin", "https://shop.example")],
    )
    .await;
    assert_eq!(r.status, 401);
    // The same key from a server still works, flagged or not.
    let r = call(
        &srv,
        "POST",
        "/1-click",
        Some(&k.api_key),
        Some(body.clone()),
        &[],
    )
    .await;
    assert_eq!(r.body["data"]["errorCode"], "OCE004", "{}", r.body);

    let key = srv
        .state
        .store
        .get_api_key_by_id(&k.key_id)
        .await
        .unwrap()
        .unwrap();
    assert!(key.flagged_at.is_some());
    assert_eq!(key.client_side_uses, 15);
    let events = srv.state.store.firewall_events(100).await.unwrap();
    assert_eq!(events.len(), 16, "{events:?}");
    assert!(events.iter().all(|e| e.kind == "client_side"));
    assert_eq!(
        events
            .iter()
            .filter(|e| e.key_id.as_deref() == Some(k.key_id.as_str()))
            .count(),
        15
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.brand_id.as_deref() == Some(k.brand.id.as_str()))
            .count(),
        15
    );
    assert_eq!(
        events.iter().filter(|e| e.key_id.is_none()).count(),
        1,
        "the unknown key"
    );
    assert!(
        events
            .iter()
            .any(|e| e.origin.as_deref() == Some("https://shop.example"))
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_cors_preflight_asking_to_send_the_key_is_recorded_and_let_through_to_the_418() {
    let srv = TestServer::start().await;
    let preflight = [
        ("origin", "http://127.0.0.1:9"),
        ("access-control-request-method", "POST"),
        (
            "access-control-request-headers",
            "content-type,Authorization",
        ),
    ];
    let r = call(&srv, "OPTIONS", "/1-click", None, None, &preflight).await;
    assert_eq!(r.status, 204, "{}", r.body);
    readable_by_any_origin(&r);
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("authorization, content-type")
    );
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("GET, POST, PATCH")
    );
    let events = srv.state.store.firewall_events(10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind.as_str(), events[0].origin.as_deref()),
        ("preflight", Some("http://127.0.0.1:9"))
    );
    // A preflight that does not ask for Authorization is answered, not recorded.
    let r = call(&srv, "OPTIONS", "/1-click/x", None, None, &preflight[..2]).await;
    assert_eq!(r.status, 204);
    assert_eq!(srv.state.store.firewall_events(10).await.unwrap().len(), 1);
    srv.stop().await;
}

#[tokio::test]
async fn denied_addresses_blocks_and_header_rules_get_the_403() {
    let k_body = json!({"phone": "+12125550010"});
    for layer in [
        SettingsLayer {
            deny: Some(vec!["127.0.0.1".into()]),
            ..SettingsLayer::default()
        },
        SettingsLayer {
            deny: Some(vec!["127.0.0.0/8".into()]),
            ..SettingsLayer::default()
        },
        SettingsLayer {
            rules: Some(vec![Rule {
                header: "user-agent".into(),
                contains: Some("SQLMAP".into()),
            }]),
            ..SettingsLayer::default()
        },
    ] {
        let srv = TestServer::with_firewall(Settings::resolve(&layer).unwrap()).await;
        let k = brand(&srv, "non-hosted").await;
        let ua = [("user-agent", "sqlmap/1.8")];
        let r = call(
            &srv,
            "POST",
            "/1-click",
            Some(&k.api_key),
            Some(k_body.clone()),
            &ua,
        )
        .await;
        assert_eq!((r.status, &r.body), (403, &blocked()), "{layer:?}");
        readable_by_any_origin(&r);
        // Before authentication: no key at all is refused the same way.
        let r = call(&srv, "GET", "/1-click/x", None, None, &ua).await;
        assert_eq!(r.status, 403, "{layer:?}");
        // Only the signup routes are behind the firewall.
        let r = srv
            .send(
                srv.http
                    .get(format!("{}/openapi.json", srv.base))
                    .header("user-agent", "sqlmap/1.8"),
            )
            .await;
        assert_eq!(r.status, 200);
        srv.stop().await;
    }
    // Another address, or another user agent, passes.
    let srv = TestServer::with_firewall(
        Settings::resolve(&SettingsLayer {
            deny: Some(vec!["10.0.0.0/8".into(), "203.0.113.7".into()]),
            rules: Some(vec![Rule {
                header: "user-agent".into(),
                contains: Some("sqlmap".into()),
            }]),
            ..SettingsLayer::default()
        })
        .unwrap(),
    )
    .await;
    let k = brand(&srv, "non-hosted").await;
    let r = call(
        &srv,
        "POST",
        "/1-click",
        Some(&k.api_key),
        Some(k_body),
        &[("user-agent", "acme-backend/2.0")],
    )
    .await;
    assert_eq!(r.body["data"]["errorCode"], "OCE004", "{}", r.body);
    srv.stop().await;
}

#[tokio::test]
async fn abnormal_volume_from_one_address_gets_the_429_with_retry_after() {
    let settings = Settings::resolve(&SettingsLayer {
        rate_per_second: Some(1),
        burst: Some(5),
        ..SettingsLayer::default()
    })
    .unwrap();
    let srv = TestServer::with_firewall(settings).await;
    let k = brand(&srv, "non-hosted").await;
    let mut statuses = Vec::new();
    let mut refused = None;
    for _ in 0..8 {
        let r = call(&srv, "GET", "/1-click/x", Some(&k.api_key), None, &[]).await;
        statuses.push(r.status);
        if r.status == 429 {
            refused.get_or_insert(r);
        }
    }
    assert_eq!(&statuses[..5], [404; 5], "the burst passes: {statuses:?}");
    let r = refused.expect("over the burst is refused");
    assert_eq!(r.body, volume());
    readable_by_any_origin(&r);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    // Another surface is not behind the signup firewall.
    let r = srv
        .send(srv.http.get(format!("{}/openapi.json", srv.base)))
        .await;
    assert_eq!(r.status, 200);
    srv.stop().await;
}

#[tokio::test]
async fn the_default_volume_rule_lets_a_burst_of_200_through() {
    let srv = TestServer::start().await;
    let k = brand(&srv, "non-hosted").await;
    let burst = (0..150).map(|_| call(&srv, "GET", "/1-click/x", Some(&k.api_key), None, &[]));
    let rs = futures_util::future::join_all(burst).await;
    assert!(
        rs.iter().all(|r| r.status == 404),
        "{:?}",
        rs.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    srv.stop().await;
}

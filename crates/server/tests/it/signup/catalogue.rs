//! Catalogue coverage of the signup surface and its firewall: the `match`es
//! in [`provoke_signup`] and [`provoke_firewall`] are exhaustive over
//! `SignupError` and `FirewallError`, so a new entry does not compile until it
//! has a scenario. Each reachable entry is provoked against the real server
//! and compared with the catalogue's example; the entries whose cause this
//! version cannot produce yet (the Semi-Hosted and Hosted flows, OCE011
//! users, credential requests, concurrency) are listed as such, and the count of covered entries is
//! asserted, so making one reachable means adding its scenario.

use super::{brand, call};
use crate::harness::{Db, Resp, TestServer};
use axum::Router;
use axum::routing::get;
use idv_core::{CatalogError, ErrorId, FirewallError, Params, SignupError, Surface};
use idv_server::config::{Region, Tier};
use idv_server::firewall::{Settings, SettingsLayer};
use serde_json::{Value, json};

/// Provokes `e` against `srv` (with the brand key `key`), or `None` when this
/// version cannot produce it yet.
async fn provoke_signup(srv: &TestServer, key: &str, e: &SignupError) -> Option<Resp> {
    let post = |body: Value| call(srv, "POST", "/1-click", Some(key), Some(body), &[]);
    Some(match e {
        SignupError::GenericError => call(srv, "GET", "/1-click-boom", Some(key), None, &[]).await,
        SignupError::UnsupportedPhoneNumber => post(json!({"phone": "+442071838750"})).await,
        SignupError::PhoneOrEmailRequired => post(json!({"birthDate": "1989-08-01"})).await,
        SignupError::UserNotFound => post(json!({"phone": "+12125550010"})).await,
        SignupError::OneClickNotFound => {
            call(
                srv,
                "GET",
                "/1-click/9d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5",
                Some(key),
                None,
                &[],
            )
            .await
        }
        SignupError::NotAuthenticated => {
            call(
                srv,
                "POST",
                "/1-click",
                None,
                Some(json!({"phone": "+12125550010"})),
                &[],
            )
            .await
        }
        SignupError::SignupMalformedRequest { .. } => {
            srv.send(
                srv.http
                    .post(format!("{}/1-click", srv.base))
                    .header("authorization", key)
                    .header("content-type", "application/json")
                    .body("{"),
            )
            .await
        }
        SignupError::SignupWrongMethod => {
            call(srv, "DELETE", "/1-click", Some(key), None, &[]).await
        }
        SignupError::SignupUnknownPath => {
            call(srv, "GET", "/1-click/x/y", Some(key), None, &[]).await
        }
        SignupError::InputMismatch { .. } => {
            post(json!({"phone": "+10123456789", "birthDate": "1990-01-01"})).await
        }
        SignupError::NoCredentialsFound { .. } => post(json!({"phone": "+10019999998"})).await,
        SignupError::RiskScoreTooHigh { .. } => post(json!({"phone": "+15555550002"})).await,
        SignupError::IntegrationNotServed => {
            let other = brand(srv, "semi-hosted").await.api_key;
            let body = json!({"phone": "+10123456789"});
            call(srv, "POST", "/1-click", Some(&other), Some(body), &[]).await
        }
        SignupError::OneClickRequestExpired => {
            let uuid = post(json!({"phone": "+10123456789"})).await.str("uuid");
            srv.state.clock.freeze();
            srv.state.clock.advance(3600);
            // The clock stays an hour ahead: moving it back would look like a
            // burst to the firewall's volume rule.
            call(
                srv,
                "GET",
                &format!("/1-click/{uuid}"),
                Some(key),
                None,
                &[],
            )
            .await
        }
        SignupError::SignupRequestTimedOut => timed_out().await,
        // Not reachable yet: Semi-Hosted and Hosted flows (codes), OCE011
        // users, credential requests, concurrent requests for one phone.
        SignupError::OneClickError
        | SignupError::UserCredentialsMissing
        | SignupError::UserIdentifierMissing
        | SignupError::MandatoryCredentialsMissing
        | SignupError::VerificationCodeInvalid
        | SignupError::VerificationCodeRequired
        | SignupError::AutofillFieldsMissing
        | SignupError::AdditionalInputsRequired { .. }
        | SignupError::OneClickConflict
        | SignupError::MaxCodeAttemptsExceeded
        | SignupError::MaxInputAttemptsExceeded { .. }
        | SignupError::BrandNotApi
        | SignupError::UserOptedOut => return None,
    })
}

/// A `POST /1-click` on a server whose handlers get 1 s while another
/// connection holds the SQLite file's write lock (`BEGIN IMMEDIATE`, as a
/// second process would): the handler cannot store the request, so the edge
/// answers the catalogued 503 with `Retry-After`.
async fn timed_out() -> Resp {
    use sqlx::Connection;
    let slow = TestServer::with_limits(idv_server::conn::ConnLimits {
        handler_timeout: std::time::Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let key = brand(&slow, "non-hosted").await.api_key;
    let Some(Db::Sqlite(dir)) = &slow.db else {
        unreachable!("with_limits runs on SQLite")
    };
    let url = format!("sqlite://{}/idv.db", dir.path().display());
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let body = json!({"phone": "+10123456789"});
    let r = call(&slow, "POST", "/1-click", Some(&key), Some(body), &[]).await;
    assert_eq!(r.header("retry-after"), Some("1"), "{}", r.body);
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    drop(other);
    slow.stop().await;
    r
}

/// Provokes `e`: each needs a firewall of its own settings.
async fn provoke_firewall(e: &FirewallError) -> Resp {
    let (layer, headers): (SettingsLayer, &[(&str, &str)]) = match e {
        FirewallError::FirewallBlocked => (
            SettingsLayer {
                deny: Some(vec!["127.0.0.1".into()]),
                ..SettingsLayer::default()
            },
            &[],
        ),
        FirewallError::ApiKeyUsedClientSide => (
            SettingsLayer::default(),
            &[("origin", "https://shop.example")],
        ),
        FirewallError::AbnormalRequestVolume => (
            SettingsLayer {
                rate_per_second: Some(1),
                burst: Some(1),
                ..SettingsLayer::default()
            },
            &[],
        ),
    };
    let srv = TestServer::with_firewall(Settings::resolve(&layer).unwrap()).await;
    let key = brand(&srv, "non-hosted").await.api_key;
    let mut r = call(&srv, "GET", "/1-click/x", Some(&key), None, headers).await;
    if matches!(e, FirewallError::AbnormalRequestVolume) {
        r = call(&srv, "GET", "/1-click/x", Some(&key), None, headers).await;
    }
    srv.stop().await;
    r
}

/// Compares a response with the entry's first example: status, body (or, for
/// entries with params, the message template and the members), the example's
/// headers, and a body that parses back to the entry.
fn check(id: ErrorId, r: &Resp) {
    let meta = id.meta();
    let example = &meta.examples[0];
    let expected: Value = serde_json::from_str(example.body).unwrap();
    assert_eq!(r.status, meta.status, "{id}: status; body {}", r.body);
    if meta.params.is_empty() {
        assert_eq!(r.body, expected, "{id}: body");
    } else {
        let message = r.body["message"].as_str().unwrap();
        assert!(
            idv_core::template::capture(meta.message, message).is_some(),
            "{id}: {message:?} does not match {:?}",
            meta.message
        );
        assert_eq!(
            r.body["data"]["errorCode"], expected["data"]["errorCode"],
            "{id}: errorCode"
        );
        for member in r.body["data"].as_object().unwrap().keys() {
            assert!(
                member == "errorCode"
                    || meta.params.iter().any(|p| p.wire == Some(member.as_str())),
                "{id}: data.{member} is not a member the entry declares"
            );
        }
    }
    for (name, _) in example.headers {
        assert!(r.header(name).is_some(), "{id}: header {name} missing");
    }
    assert!(r.header("x-request-id").is_some(), "{id}: X-Request-Id");
    let parsed = idv_core::wire::parse(Surface::Signup, r.status, &r.body).expect("parses back");
    assert_eq!(parsed.id(), id, "{id}: parses back to itself");
}

#[tokio::test]
async fn every_reachable_signup_and_firewall_error_matches_the_catalogue() {
    async fn boom() -> &'static str {
        panic!("provoked internal error")
    }
    let db = Db::sqlite();
    let srv = TestServer::with_routes(
        db.open().await,
        Region::Us,
        Tier::Sandbox,
        Router::new().route("/1-click-boom", get(boom)),
    )
    .await;
    let key = brand(&srv, "non-hosted").await.api_key;
    let mut covered = Vec::new();
    for id in ErrorId::ALL.iter().copied() {
        let params: Params = serde_json::from_str(id.meta().examples[0].params).unwrap();
        let r = match id.meta().surface {
            Surface::Signup => {
                let e = SignupError::from_parts(id, &params).unwrap();
                provoke_signup(&srv, &key, &e).await
            }
            Surface::Firewall => {
                let e = FirewallError::from_parts(id, &params).unwrap();
                Some(provoke_firewall(&e).await)
            }
            _ => continue,
        };
        if let Some(r) = r {
            check(id, &r);
            covered.push(id);
        }
    }
    assert_eq!(covered.len(), 18, "{covered:?}");
    srv.stop().await;
}

//! Catalogue coverage of the verification surface: every entry this branch's
//! routes can answer is provoked against the real server and compared with its
//! catalogued status and body. The `match` in [`provoke`] is exhaustive over
//! `VerificationError`, so a new entry does not compile until it has a
//! scenario here, or the reason it cannot be reached yet.

use super::verifications::usps;
use super::{call, call_raw, workspace};
use crate::harness::{Resp, TestServer};
use axum::Router;
use axum::routing::get;
use idv_core::{CatalogError, VerificationError as E};
use idv_server::config::{Region, Tier};
use serde_json::{Value, json};
use std::io::{Read, Write};

const USPS: &str = "/api/v1/usps1583/verifications";

/// Every entry, with the parameters its scenario produces.
fn every_entry() -> Vec<E> {
    let f = |s: &str| s.to_string();
    vec![
        E::Unauthenticated,
        E::PermissionDenied,
        E::ResourceNotFound {
            resource: f("Verification"),
        },
        E::RouteNotFound,
        E::FieldRequired {
            field: f("expected_data"),
        },
        E::FieldInvalid {
            field: f("expected_data.person.date_of_birth"),
            reason: f("must be a date in YYYY-MM-DD format"),
        },
        E::DocumentTypeNotInFlow {
            field: f("expected_data.documents.photo_id.type"),
        },
        E::DocumentTypeCountryForbidden {
            field: f("expected_data.documents.photo_id.type"),
            document_type: f("Driver License"),
            country: f("GBR"),
        },
        E::DocumentTypesIdentical {
            field: f("expected_data.documents.proof_of_address.type"),
        },
        E::ImageTooLarge { field: f("body") },
        E::ImageNotDecodable {
            field: f("document.image"),
        },
        E::MalformedBody,
        E::InvalidVerificationFlow,
        E::VerificationCanceled,
        E::VerificationAlreadyStarted,
        E::DocumentTypeNotAllowed,
        E::DuplicateDocumentType {
            r#type: f("PHOTO_ID"),
        },
        E::DocumentCanceled,
        E::DocumentMissingData,
        E::VerificationActionNotAllowed {
            action: f("approved"),
            status: f("Started"),
        },
        E::TooManyRequests,
        E::VerificationRequestTimedOut,
        E::ServerError,
    ]
}

/// `body` with `at` (a JSON pointer) set to `v`.
fn with(mut body: Value, at: &str, v: Value) -> Value {
    *body.pointer_mut(at).unwrap() = v;
    body
}

/// Provokes `e` against `srv`; `None` (with the reason) for an entry no route
/// of this surface answers yet.
async fn provoke(srv: &TestServer, e: &E) -> Result<Resp, &'static str> {
    let ws = workspace(srv).await;
    let t = ws.token.token.as_str();
    Ok(match e {
        E::Unauthenticated => call(srv, "GET", USPS, "tok_nope|x", None).await,
        E::PermissionDenied => return Err("every API token has full access until roles exist"),
        E::ResourceNotFound { .. } => {
            call(
                srv,
                "GET",
                &format!("{USPS}/ver_{}", "0".repeat(32)),
                t,
                None,
            )
            .await
        }
        E::RouteNotFound => call(srv, "GET", "/api/v1/passport/verifications", t, None).await,
        E::FieldRequired { .. } => call(srv, "POST", USPS, t, Some(json!({}))).await,
        E::FieldInvalid { .. } => {
            let body = with(
                usps("Jane"),
                "/expected_data/person/date_of_birth",
                json!("12/04/1990"),
            );
            call(srv, "POST", USPS, t, Some(body)).await
        }
        E::DocumentTypeNotInFlow { .. } => {
            let body = with(
                usps("Jane"),
                "/expected_data/documents/photo_id/type",
                json!("Selfie"),
            );
            call(srv, "POST", USPS, t, Some(body)).await
        }
        E::DocumentTypeCountryForbidden { .. } => {
            let body = with(
                usps("Jane"),
                "/expected_data/documents/photo_id/country",
                json!("GBR"),
            );
            call(srv, "POST", USPS, t, Some(body)).await
        }
        E::DocumentTypesIdentical { .. } => {
            let body = with(
                usps("Jane"),
                "/expected_data/documents/proof_of_address/type",
                json!("Driver License"),
            );
            call(srv, "POST", USPS, t, Some(body)).await
        }
        E::ImageTooLarge { .. } => {
            // A declared length over the surface's limit is answered before
            // the body is read: no need to send 28 MB.
            let addr = srv.base.trim_start_matches("http://").to_string();
            let head = format!(
                "POST {USPS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                idv_server::verification::MAX_BODY + 1
            );
            let text = tokio::task::spawn_blocking(move || {
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                s.write_all(head.as_bytes()).unwrap();
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
                out
            })
            .await
            .unwrap();
            let status = text[9..12].parse().unwrap();
            let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
            Resp {
                status,
                headers: Default::default(),
                body: serde_json::from_str(body).unwrap_or(Value::String(body.into())),
            }
        }
        E::ImageNotDecodable { .. }
        | E::DocumentTypeNotAllowed
        | E::DuplicateDocumentType { .. }
        | E::DocumentCanceled
        | E::DocumentMissingData => {
            return Err("answered by the document endpoints, not on this branch");
        }
        E::MalformedBody => call_raw(srv, "POST", USPS, t, "application/json", "[]").await,
        E::InvalidVerificationFlow => {
            let id = super::verifications::create(srv, t, "Jane").await;
            call(
                srv,
                "GET",
                &format!("/api/v1/identity/verifications/{id}"),
                t,
                None,
            )
            .await
        }
        E::VerificationCanceled => {
            let id = super::verifications::create(srv, t, "Jane").await;
            call(srv, "POST", &format!("{USPS}/{id}/cancel"), t, None).await;
            call(srv, "POST", &format!("{USPS}/{id}/submit"), t, None).await
        }
        E::VerificationAlreadyStarted => {
            let id = super::verifications::create(srv, t, "Jane").await;
            call(srv, "POST", &format!("{USPS}/{id}/submit"), t, None).await;
            call(srv, "POST", &format!("{USPS}/{id}/submit"), t, None).await
        }
        E::VerificationActionNotAllowed { .. } => {
            let id = super::verifications::create(srv, t, "Jane").await;
            call(srv, "POST", &format!("{USPS}/{id}/approve"), t, None).await
        }
        E::TooManyRequests => {
            let burst = (0..60).map(|_| call(srv, "GET", "/api/v1/verifications", t, None));
            let all = futures_util::future::join_all(burst).await;
            all.into_iter()
                .find(|r| r.status == 429)
                .expect("no 429 in a burst of 60")
        }
        E::ServerError => call(srv, "GET", "/api/v1/boom", t, None).await,
        E::VerificationRequestTimedOut => timed_out().await,
    })
}

/// A creation on a server whose handlers get 1 s while another connection
/// holds the SQLite file's write lock (`BEGIN IMMEDIATE`, as a second process
/// would): the catalogued 503 with `Retry-After`.
async fn timed_out() -> Resp {
    use sqlx::Connection;
    let slow = TestServer::with_limits(idv_server::conn::ConnLimits {
        handler_timeout: std::time::Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let ws = workspace(&slow).await;
    let Some(crate::harness::Db::Sqlite(dir)) = &slow.db else {
        unreachable!("with_limits runs on SQLite")
    };
    let url = format!("sqlite://{}/idv.db", dir.path().display());
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let r = call(&slow, "POST", USPS, &ws.token.token, Some(usps("Jane"))).await;
    assert_eq!(r.header("retry-after"), Some("1"), "{}", r.body);
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    drop(other);
    slow.stop().await;
    r
}

#[tokio::test]
async fn every_reachable_verification_entry_is_answered_as_catalogued() {
    let db = crate::harness::Db::sqlite();
    let boom = Router::new().route(
        "/api/v1/boom",
        get(|| async {
            panic!("a handler bug");
            #[allow(unreachable_code)]
            ""
        }),
    );
    let srv = TestServer::with_routes(db.open().await, Region::Us, Tier::Sandbox, boom).await;
    let mut reached = 0;
    for e in every_entry() {
        match provoke(&srv, &e).await {
            Ok(r) => {
                assert_eq!((r.status, &r.body), (e.status(), &e.body()), "{:?}", e.id());
                reached += 1;
            }
            Err(why) => eprintln!("{:?} not provoked: {why}", e.id()),
        }
        // Every scenario starts with a full rate-limit budget.
        srv.state.clock.advance(2);
    }
    assert_eq!(reached, every_entry().len() - 6);
    srv.stop().await;
}
